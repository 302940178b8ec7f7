"""`manage.py write_public_pages [--reset]`: write the public reader pages for nginx now."""

from django.core.management.base import BaseCommand, CommandError

from bulletin import public_pages
from config import public_files


class Command(BaseCommand):
    help = "把公开的阅读页面写成文件（PUBLIC_PAGES_ROOT，由 nginx 直接发送）；--reset 先清空再全部重写。"

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="先清空目录，再写入全部公开页面（部署后使用）")
        parser.add_argument("--queue", action="store_true", help="交给后台任务写入（启动时使用，不等待）")
        parser.add_argument("--renew", action="store_true",
                            help="不写文件，只让所有缓存的公开页面立即失效（如在数据库中直接修改了已发布内容后）")

    def handle(self, *args, reset=False, renew=False, queue=False, **options):
        if renew:
            public_pages.changed(everything=True)
            self.stdout.write("已让所有公开页面的缓存失效。")
            return
        if public_files.root() is None:
            raise CommandError("未设置 PUBLIC_PAGES_ROOT，无需写入文件（页面由页面缓存提供）。")
        if queue:
            if reset:
                public_files.clear()
            public_files.write_public_pages.enqueue()
            self.stdout.write(f"已交给后台任务写入公开页面文件：{public_files.root()}")
            return
        written = public_files.write_missing(reset=reset)
        self.stdout.write(f"已写入 {written} 个公开页面文件：{public_files.root()}")
