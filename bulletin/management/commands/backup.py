from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bulletin.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份整个安装（数据库和所有存储的文件）到一个归档文件：backup [-o 文件名] [--force]"

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="归档文件名（默认：bulletin-backup-年月日-时分秒.tar.gz）"
        )
        parser.add_argument("--force", action="store_true", help="覆盖已存在的同名文件")

    def handle(self, *args, output=None, force=False, **options):
        target = Path(output or timezone.localtime().strftime("bulletin-backup-%Y%m%d-%H%M%S.tar.gz"))
        try:
            summary = create_backup(target, force=force)
        except BackupError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {summary.archive}：数据库（{summary.engine}）和 {summary.files} 个文件，"
                f"共 {summary.bytes} 字节；清单 manifest.json 记有每项的 SHA-256。"
            )
        )
