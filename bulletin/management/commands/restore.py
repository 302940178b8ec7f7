from django.core.management.base import BaseCommand, CommandError

from bulletin.backup import BackupError, restore_archive


class Command(BaseCommand):
    help = "从 backup 生成的归档恢复整个安装：restore 归档文件 [--force]"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="backup 生成的 .tar.gz 文件")
        parser.add_argument(
            "--force", action="store_true", help="当前安装已有数据时也恢复（会覆盖现有数据和文件）"
        )

    def handle(self, *args, archive, force=False, **options):
        try:
            summary = restore_archive(archive, force=force)
        except BackupError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已从 {summary.archive} 恢复：数据库（{summary.engine}）和 {summary.files} 个文件（文件"
                f"共 {summary.bytes} 字节），均已按清单核对。"
            )
        )
