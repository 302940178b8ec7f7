"""Deadline reminders (截止日期提醒): each person who still has work for a deadline is told once
when it comes within the publication's reminder days (Publication.reminder_days), and once more
if it passes with the work still undone (逾期). Who has what work is office.deadlines'
pending_work(), the same as 待办 and the calendar. Run by the worker's periodic task
(office.periodic); each reminder carries a key (issue, deadline and its date, person, near/late),
unique in the database, so it is written once whatever the number of workers or runs. A deadline
moved to another date is a new deadline: its reminders are sent again.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from . import deadlines, notifications
from .models import Notification

MOST = 5  # things named in one reminder; the rest are counted


def _text(work: deadlines.Work, today: datetime.date) -> str:
    due = deadlines.Due(work.field, work.date, today, work.issue.publication.reminder_days)
    things = "；".join(work.what[:MOST]) + (f"等{work.count}项" if work.count > MOST else "")
    head = "已逾期" if due.is_late else "临近"
    return (
        f"{work.label}{head}：{work.issue.publication.name} {work.issue.month_label}期，"
        f"{work.label} {work.date.month}月{work.date.day}日（{due.when}）。您还有：{things}"
    )


def send_reminders(*, today: datetime.date | None = None) -> list[Notification]:
    """Write the reminders due today that were not written before; returns the new ones."""
    today = today or timezone.localdate()
    sent = []
    for work in deadlines.pending_work():
        days = (work.date - today).days
        if days < 0:
            phase = "late"
        elif days <= work.issue.publication.reminder_days:
            phase = "near"
        else:
            continue
        sent += notifications.notify(
            {work.user_id}, kind=Notification.Kind.DEADLINE, text=_text(work, today), link=work.url,
            key=f"{work.key}:{phase}",
        )
    return sent
