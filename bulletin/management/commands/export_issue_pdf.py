from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bulletin.models import Issue, Publication
from bulletin.pdf.store import download_filename, ensure_issue_pdf, open_pdf


class Command(BaseCommand):
    help = "导出已发布期刊的 PDF：export_issue_pdf 总期号 [--publication 网址标识] -o 文件名"

    def add_arguments(self, parser):
        parser.add_argument("serial", type=int, help="总期号（总第N期）")
        parser.add_argument("--publication", help="刊物网址标识（只有一种刊物时可省略）")
        parser.add_argument("-o", "--output", help="输出文件（默认：刊物名-年月-总第N期.pdf）")

    def handle(self, *args, serial, publication=None, output=None, **options):
        if publication:
            try:
                pub = Publication.objects.get(slug=publication)
            except Publication.DoesNotExist:
                raise CommandError(f"没有网址标识为“{publication}”的刊物。") from None
        else:
            pubs = list(Publication.objects.all()[:2])
            if len(pubs) != 1:
                raise CommandError("有多种刊物（或没有刊物），请用 --publication 指定刊物网址标识。")
            pub = pubs[0]
        issue = (
            Issue.objects.select_related("publication")
            .filter(publication=pub, serial_number=serial, status=Issue.Status.PUBLISHED)
            .first()
        )
        if issue is None:
            raise CommandError(f"{pub.name}没有已发布的总第{serial}期。")
        stored = ensure_issue_pdf(issue)
        target = Path(output or download_filename(issue))
        with open_pdf(stored) as source:
            target.write_bytes(source.read())
        self.stdout.write(self.style.SUCCESS(f"已导出 {issue} → {target}（{target.stat().st_size} 字节）"))
