"""Publish a signed-off issue from the command line (e.g. from cron for a scheduled date)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from bulletin.models import Issue
from bulletin.publishing import IssueError, publish_issue


class Command(BaseCommand):
    help = "发布一期已签发的期刊：python manage.py publish_issue ISSUE_ID --as USERNAME"

    def add_arguments(self, parser):
        parser.add_argument("issue_id", type=int)
        parser.add_argument("--as", dest="username", required=True,
                            help="以该用户身份发布（须为主任或编辑），记入期刊记录")

    def handle(self, issue_id, username, **options):
        try:
            user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有用户 {username}。") from None
        try:
            issue = Issue.objects.get(pk=issue_id)
        except Issue.DoesNotExist:
            raise CommandError(f"没有编号为 {issue_id} 的期刊。") from None
        try:
            # A cron job exits right after: render the PDF in this process, not in a thread.
            with override_settings(BULLETIN_PDF_ON_PUBLISH="sync"):
                publish_issue(issue, by=user)
        except IssueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"已发布：{issue.publication.name} {issue.month_label} "
            f"第{issue.year_number}期（总第{issue.serial_number}期）"
        ))
