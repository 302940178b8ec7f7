"""定时发布: after 签发 the head names a time, and the background worker publishes the issue then.

    schedule_publishing    the head sets (or moves) the time; written to 本期记录
    unschedule_publishing  the head takes it back
    publish_scheduled      the worker: publish one issue if its time has come (exactly once)
    publish_due_issues     the worker's sweep: every issue whose time has come

Exactly once, whatever the number of workers: `publish_scheduled` locks the publication row and
then the issue row (the order `publish_issue` locks them in, so no deadlock with a publish from the
desk) and publishes only an issue still 已签发 whose time has come; a second worker waits for the
lock and then finds it published. The time is cleared by publishing, by unscheduling and by
anything that voids the sign-off (base.void_sign_off): a schedule never outlives the content the
head signed. The worker publishes in the name of the head who scheduled it; if it cannot (the
sign-off no longer covers the content, the head lost the role), the schedule is cancelled and
written to 本期记录, and the heads are told (office).
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ..models import Issue, IssueEvent, Publication
from .base import SIGNERS, IssueError, cancel_schedule, changing_issue, record_event, when_label
from .publish import publish_issue
from .signoff import assert_signed_off

logger = logging.getLogger(__name__)

# The earliest a schedule may be, from now (a time already past is "publish now": the button).
MIN_LEAD = datetime.timedelta(minutes=1)
MAX_LEAD = datetime.timedelta(days=366)


def parse_when(value) -> datetime.datetime:
    """A time from the form (2026-12-15T09:00, local time) or a datetime; IssueError if neither."""
    if isinstance(value, datetime.datetime):
        when = value
    else:
        text = str(value or "").strip()
        if not text:
            raise IssueError("请填写定时发布的日期和时间。")
        try:
            when = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise IssueError("定时发布的时间格式不正确，请按 2026-12-15 09:00 的格式填写。") from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


def schedule_publishing(issue: Issue, *, by, when) -> Issue:
    """The head has the worker publish the signed-off `issue` at `when` (replacing an earlier time)."""
    when = parse_when(when)
    with changing_issue(issue, by=by, roles=SIGNERS, action="定时发布", allow_frozen=True) as locked:
        if locked.status != Issue.Status.SIGNED_OFF:
            raise IssueError(f"本期当前状态为“{locked.get_status_display()}”，签发后才能定时发布。")
        assert_signed_off(locked)
        now = timezone.now()
        if when < now + MIN_LEAD:
            raise IssueError("定时发布的时间须晚于现在；要马上发布，请点“发布本期”。")
        if when > now + MAX_LEAD:
            raise IssueError("定时发布的时间不能超过一年以后。")
        before = locked.scheduled_publish_at
        Issue.objects.filter(pk=locked.pk).update(scheduled_publish_at=when, scheduled_by=by, updated_at=now)
        text = f"定时于 {when_label(when)} 发布"
        if before is not None:
            text += f"（原定 {when_label(before)}）"
        record_event(locked, IssueEvent.Action.SCHEDULED, by, text)
        issue_id = locked.pk
        transaction.on_commit(lambda: publish_scheduled_issue.using(run_after=when).enqueue(issue_id))
    return issue


def unschedule_publishing(issue: Issue, *, by) -> Issue:
    with changing_issue(issue, by=by, roles=SIGNERS, action="取消定时发布", allow_frozen=True) as locked:
        if locked.scheduled_publish_at is None or locked.status != Issue.Status.SIGNED_OFF:
            raise IssueError("本期没有定时发布。")
        cancel_schedule(locked, by=by, reason=f"取消了 {when_label(locked.scheduled_publish_at)} 的定时发布")
    return issue


def publish_scheduled(issue_id: int, *, now: datetime.datetime | None = None) -> Issue | None:
    """Publish the issue if it is 已签发 and its scheduled time has come; otherwise do nothing.

    Returns the published issue, or None (not due, already published, cancelled, refused).
    """
    now = now or timezone.now()
    publication_id = Issue.objects.filter(pk=issue_id).values_list("publication_id", flat=True).first()
    if publication_id is None:
        return None
    with transaction.atomic():
        # The same order as publish_issue: the publication, then the issue.
        Publication.objects.select_for_update().get(pk=publication_id)
        # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        locked = Issue.objects.select_for_update().get(pk=issue_id)
        due = locked.scheduled_publish_at
        if locked.status != Issue.Status.SIGNED_OFF or due is None or due > now:
            return None
        head = locked.scheduled_by
        try:
            with transaction.atomic():
                publish_issue(locked, by=head, note=f"定时发布（{head_name(head)}设定于 {when_label(due)}）")
        except IssueError as exc:
            logger.warning("scheduled publishing of issue %s refused: %s", issue_id, exc.message)
            cancel_schedule(locked, by=None, reason=f"定时发布未能完成，已取消：{exc.message}")
            return None
    return locked


def head_name(user) -> str:
    return (user.get_full_name() or user.username) if user else "主任"


def publish_due_issues(*, now: datetime.datetime | None = None) -> list[Issue]:
    """Publish every issue whose scheduled time has come (the worker's periodic sweep)."""
    now = now or timezone.now()
    ids = Issue.objects.filter(
        status=Issue.Status.SIGNED_OFF, scheduled_publish_at__lte=now
    ).order_by("scheduled_publish_at", "pk").values_list("pk", flat=True)
    published = []
    for issue_id in list(ids):
        issue = publish_scheduled(issue_id, now=now)
        if issue is not None:
            published.append(issue)
    return published


@task()
def publish_scheduled_issue(issue_id: int) -> bool:
    """Queued by schedule_publishing to run at the scheduled time (an earlier, moved or cancelled
    schedule's task finds nothing to do)."""
    return publish_scheduled(issue_id) is not None
