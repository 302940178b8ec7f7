"""A user's iCalendar feed: its secret address (create, reset) and its content.

The feed lists every deadline of the issues around today (截稿, 审核截止, 签发截止, 出版) as
all-day events, says in each what the subscriber still has to do for it, and sets an alarm
(the publication's reminder days before) on those. WPS, Outlook and phone calendars subscribe
to the address and refresh it themselves; it needs no sign-in, so it is a secret the user can
reset at any time (the old address then answers 404).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from bulletin.models import Issue
from common.errors import BulletinError
from common.roles import is_desk_user

from . import deadlines
from .models import CalendarFeed, new_token

# The feed covers issues with a deadline from this many days back to this many days ahead.
PAST_DAYS = 120
FUTURE_DAYS = 400


class FeedError(BulletinError):
    """A refused change of a calendar feed address."""


def feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def issue_token(user, *, by) -> CalendarFeed:
    """Give `user` a (new) secret feed address; any earlier address stops working at once."""
    if by.pk != user.pk and not by.is_superuser:
        raise FeedError("只能为自己生成日历订阅地址。")
    if not is_desk_user(user):
        raise FeedError("只有编辑部人员可以订阅编辑部日历。")
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            try:
                with transaction.atomic():
                    return CalendarFeed.objects.create(user=user)
            except IntegrityError:  # created by a second click a moment ago: replace that one
                feed = CalendarFeed.objects.select_for_update().get(user=user)
        feed.token = new_token()
        feed.created_at = timezone.now()
        feed.last_used_at = None
        feed.save(update_fields=["token", "created_at", "last_used_at"])
        return feed


def user_for_token(token: str):
    """The active desk user whose feed has this token, or None."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first() if token else None
    if feed is None or not feed.user.is_active or not is_desk_user(feed.user):
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def _site_url() -> str:
    return getattr(settings, "BULLETIN_SITE_URL", "").rstrip("/")


def build_calendar(user, *, today: datetime.date | None = None) -> bytes:
    """The iCalendar text of `user`'s feed. A fixed number of queries."""
    today = today or timezone.localdate()
    start, end = today - datetime.timedelta(days=PAST_DAYS), today + datetime.timedelta(days=FUTURE_DAYS)
    window = Q()
    for name in deadlines.LABELS:
        window |= Q(**{f"{name}__range": (start, end)})
    issues = list(
        Issue.objects.filter(window).exclude(status__in=[Issue.Status.WITHDRAWN, Issue.Status.REPLACED]).with_handover()
        .select_related("publication").order_by("year", "month", "pk")
    )
    open_ids = [i.pk for i in issues if i.status in deadlines.OPEN]
    mine = {}
    for work in deadlines.pending_work(issue_ids=open_ids) if open_ids else []:
        if work.user_id == user.pk:
            mine[(work.issue.pk, work.field)] = work
    steps = deadlines.issue_steps([i for i in issues if i.pk in set(open_ids)], today=today)

    cal = Calendar()
    cal.add("prodid", "-//Bulletin//编辑部日历//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"编辑部日历 · {user.get_full_name() or user.username}")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("x-published-ttl", "PT1H")
    now = timezone.now()
    site = _site_url()
    for issue in issues:
        step_by_field = {s.due.field: s for s in steps.get(issue.pk, [])}
        for name, label, date in issue.deadlines:
            work = mine.get((issue.pk, name))
            step = step_by_field.get(name)
            title = f"{label}：{issue.publication.name} {issue.month_label}"
            if work:
                title += f"（您有{work.count}项）"
            event = Event()
            event.add("uid", f"issue-{issue.pk}-{name}@bulletin")  # stable: a changed date moves the event
            event.add("summary", title)
            event.add("dtstart", date)
            event.add("dtend", date + datetime.timedelta(days=1))
            event.add("dtstamp", now)
            event.add("transp", "TRANSPARENT")
            lines = [f"{issue.publication.name} {issue.month_label}（{issue.desk_status_label}）"]
            if issue.status == Issue.Status.PUBLISHED:
                lines.append("本期已发布。")
            elif step is not None:
                lines.append(f"{label}：{step.summary}")
            if work:
                lines.append("您还需要：")
                lines += [f"· {what}" for what in work.what]
            url = f"{site}{reverse('desk:issue_detail', args=[issue.pk])}"
            lines.append(url)
            event.add("description", "\n".join(lines))
            event.add("url", url)
            event.add("categories", ["逾期" if step is not None and step.is_late else label])
            if work and issue.publication.reminder_days:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", title)
                alarm.add("trigger", datetime.timedelta(days=-issue.publication.reminder_days))
                event.add_component(alarm)
            cal.add_component(event)
    return cal.to_ical()
