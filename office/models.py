"""The office's own records: each user's secret calendar feed address."""

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
