"""python manage.py import_issue PATH [--publication SLUG] [--dry-run] [--replace] …

Imports a past issue (.docx, or text in UTF-8 or GBK) as a published issue with its original numbers.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from bulletin.importing.parser import COLOPHON_LABELS, ImportParseError, format_report
from bulletin.importing.service import (
    check_colophon,
    duplicate_message,
    existing_issues,
    import_parsed_issue,
    import_refusal,
    parse_issue_file,
    request_replacement,
)
from bulletin.models import Publication


class Command(BaseCommand):
    help = "导入往期刊物（.docx 或 UTF-8/GBK 纯文本），按原期号记录为已发布的期刊。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="往期文件（.docx 或 .txt）")
        parser.add_argument("--publication", metavar="SLUG", help="刊物的网址标识（只有一个刊物时可省略）")
        parser.add_argument("--dry-run", action="store_true", help="只显示识别结果，不写入数据库")
        parser.add_argument("--replace", action="store_true", help="该期已作为往期导入过时，申请用本文件替换（须由主任在编辑部批准）")
        parser.add_argument(
            "--create-sections", action="store_true", help="文件中出现未知栏目时新建栏目（否则报错）"
        )
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="导入人（默认：第一个超级用户）")
        parser.add_argument(
            "--year-number", type=int, metavar="N",
            help="年度期号（第N期）；文件中没有时可指定，不指定则只记总期号",
        )

    def handle(
        self, *args, path, publication, dry_run, replace, create_sections, username, year_number,
        **options,
    ):
        if year_number is not None and not 1 <= year_number <= 999:
            raise CommandError("年度期号（--year-number）应在 1 到 999 之间。")
        pub = self._publication(publication)
        file_path = Path(path)
        try:
            data = file_path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
        try:
            parsed = parse_issue_file(
                data, file_path.name, publication=pub, create_sections=create_sections,
                year_number=year_number,
            )
        except ImportParseError as exc:
            raise CommandError(f"{file_path.name}：{exc}") from None

        if dry_run:
            self.stdout.write(format_report(parsed))
            notes = check_colophon(parsed, pub)
            for key, value in notes.fills.items():
                self.stdout.write(f"将补充刊物设置“{COLOPHON_LABELS[key]}”：{value}")
            for warning in notes.warnings:
                self.stdout.write(f"注意：{warning}")
            refusal = import_refusal(parsed, pub)
            clashes = [] if refusal else existing_issues(parsed, pub)
            if refusal:
                self.stdout.write(f"不能导入：{refusal}")
            if clashes:
                hint = "（已指定 --replace，将提交替换申请，须主任批准）" if replace else "（替换需加 --replace 并经主任批准）"
                self.stdout.write(f"注意：{duplicate_message(parsed, clashes)}{hint}")
            self.stdout.write("试运行：未写入任何内容。")
            return

        user = self._user(username)
        try:
            if replace and existing_issues(parsed, pub):
                request = request_replacement(
                    data, file_path.name, parsed, publication=pub, by=user,
                    create_sections=create_sections, year_number=year_number,
                )
                self.stdout.write(self.style.SUCCESS(
                    f"已提交替换{request.issue}的申请（编号 {request.pk}），须由另一位主任在编辑部批准："
                    f"{reverse('desk:import_replacement', args=[request.pk])}"
                ))
                return
            issue = import_parsed_issue(parsed, publication=pub, by=user, create_sections=create_sections)
        except ImportParseError as exc:
            raise CommandError(f"{file_path.name}：{exc}（未写入任何内容）") from None
        for warning in parsed.warnings + issue.import_warnings:
            self.stdout.write(f"注意：{warning}")
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入 {issue}：{len(parsed.sections)} 个栏目，{issue.placements.count()} 篇文章，"
                f"网址 {issue.get_absolute_url()}"
            )
        )

    def _publication(self, slug):
        if slug:
            try:
                return Publication.objects.get(slug=slug)
            except Publication.DoesNotExist:
                raise CommandError(f"没有网址标识为“{slug}”的刊物。") from None
        publications = list(Publication.objects.all()[:2])
        if len(publications) == 1:
            return publications[0]
        if not publications:
            raise CommandError("还没有刊物，请先在后台创建刊物。")
        slugs = "、".join(Publication.objects.values_list("slug", flat=True))
        raise CommandError(f"有多个刊物，请用 --publication 指定（{slugs}）。")

    def _user(self, username):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username, is_active=True)
            except User.DoesNotExist:
                raise CommandError(f"没有用户“{username}”。") from None
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("没有超级用户，请用 --as 指定导入人。")
        return user
