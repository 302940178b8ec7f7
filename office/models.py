"""The office's own records: each user's secret calendar feed address, notifications (站内消息)
and the kinds of them a user does not want by e-mail."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret address of a user's iCalendar feed (WPS, Outlook and phone calendars subscribe
    to it without signing in). Resetting gives a new token; the old address stops working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name="用户"
    )
    token = models.CharField("密钥", max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近订阅时间", null=True, blank=True)

    class Meta:
        verbose_name = "日历订阅"
        verbose_name_plural = "日历订阅"

    def __str__(self):
        return f"{self.user} 的日历订阅"


class Notification(models.Model):
    """One message to one person (站内消息): work handed to them, or news of their work.

    Written by office.notifications in the transaction of the action that caused it (an action
    rolled back leaves none). The e-mail copy is sent by a background task after the commit
    (office.tasks); its state is kept here, so a failed send is retried and never sent twice.
    """

    class Kind(models.TextChoices):
        ARTICLE_SUBMITTED = "article_submitted", "稿件待审核"
        ARTICLE_RETURNED = "article_returned", "稿件被退回"
        ARTICLE_APPROVED = "article_approved", "稿件审核通过"
        ISSUE_SUBMITTED = "issue_submitted", "期刊待签发"
        ISSUE_RETURNED = "issue_returned", "期刊被退回"
        ISSUE_SIGNED_OFF = "issue_signed_off", "期刊已签发"
        ISSUE_PUBLISHED = "issue_published", "期刊已发布"
        ERRATUM_PROPOSED = "erratum_proposed", "勘误待批准"
        DEADLINE = "deadline", "截止日期提醒"
        SCHEDULE_FAILED = "schedule_failed", "定时发布未完成"
        REPLACEMENT_REQUESTED = "replacement_requested", "往期替换待批准"
        REPLACEMENT_DECIDED = "replacement_decided", "往期替换申请已处理"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="收件人"
    )
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    text = models.TextField("内容")
    link = models.CharField("链接", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # Names a message that must exist once only (a deadline reminder); empty for the others.
    key = models.CharField("去重键", max_length=200, null=True, blank=True, unique=True, editable=False)
    # The e-mail copy: "" none wanted (no address, turned off), pending, sent, failed (gave up).
    email_status = models.CharField("邮件", max_length=10, blank=True, default="")
    email_attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    email_sent_at = models.DateTimeField("邮件发出时间", null=True, blank=True)
    email_error = models.TextField("最近一次发送错误", blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="office_notif_unread")]

    def __str__(self):
        return f"{self.recipient}：{self.text[:30]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailOptOut(models.Model):
    """A kind of message a user does not want by e-mail (the desk still shows it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs", verbose_name="用户"
    )
    kind = models.CharField("类型", max_length=30, choices=Notification.Kind.choices)

    class Meta:
        verbose_name = "不接收邮件的消息类型"
        verbose_name_plural = "不接收邮件的消息类型"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="office_one_opt_out_per_kind")]

    def __str__(self):
        return f"{self.user}：{self.get_kind_display()}"
