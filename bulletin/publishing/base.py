"""What every lifecycle action shares: its errors, the permission check, the locked change.

`changing_issue` is the one way to change an issue: it checks the actor's role, opens the
transaction, locks the issue row (`select_for_update`) and refuses a frozen issue. Because the
atomic block is opened here, an action cannot lock a row outside a transaction (on PostgreSQL
that fails with TransactionManagementError), whatever its author remembers.
"""

import datetime
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from common.errors import BulletinError
from common.roles import EDITOR, HEAD, has_role
from editorial.membership import is_member

from ..models import Issue, IssueEvent, SignOff


class IssueError(BulletinError):
    """An issue action that is refused; `problems` lists what is missing (one sentence each)."""


class PublishError(IssueError):
    """A publish that is refused."""


# Who may do what with an issue; the desk's views declare the same roles (desk.permissions).
ASSEMBLERS = (EDITOR, HEAD)
SIGNERS = (HEAD,)
PUBLISHERS = (EDITOR, HEAD)


def require(user, *roles, action: str) -> None:
    if not has_role(user, *roles):
        raise IssueError(f"您没有{action}的权限。")


def record_event(issue: Issue, action: str, by, comment: str = "", snapshot: dict | None = None) -> IssueEvent:
    return IssueEvent.objects.create(
        issue=issue, action=action, actor=by, comment=comment, snapshot=snapshot
    )


def has_been_submitted(issue: Issue) -> bool:
    """Submitted at least once: from then on every change goes into 本期记录."""
    return issue.events.filter(action=IssueEvent.Action.SUBMITTED).exists()


@contextmanager
def changing_issue(issue: Issue, *, by, roles=ASSEMBLERS, action: str = "编排期刊", allow_frozen=False):
    """Check `by`'s role, then yield the issue's locked row inside one transaction.

    On success the caller's `issue` object is refreshed to what was saved.
    """
    require(by, *roles, action=action)
    with transaction.atomic():
        locked = Issue.objects.select_for_update().select_related("publication").get(pk=issue.pk)
        if locked.is_frozen and not allow_frozen:
            raise IssueError("本期已发布，内容不能再修改；如需更正，请提交勘误。")
        # Issue work, like article work, happens in the publications the actor is a member of.
        if not is_member(by, locked.publication):
            raise IssueError(f"您不是《{locked.publication.name}》的成员，不能处理该刊物的期刊。")
        yield locked
    if issue is not locked:
        issue.refresh_from_db()


def set_status(issue: Issue, status: str) -> None:
    """Write a new status without save(): no other field of the locked row is touched."""
    issue.status = status
    Issue.objects.filter(pk=issue.pk).update(status=status, updated_at=timezone.now())


def when_label(when: datetime.datetime) -> str:
    local = timezone.localtime(when)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def cancel_schedule(locked: Issue, *, by, reason: str) -> bool:
    """Clear the locked issue's schedule, if any, and write why to 本期记录."""
    if locked.scheduled_publish_at is None:
        return False
    Issue.objects.filter(pk=locked.pk).update(scheduled_publish_at=None, scheduled_by=None)
    locked.scheduled_publish_at = None
    locked.scheduled_by = None
    record_event(locked, IssueEvent.Action.UNSCHEDULED, by, reason)
    return True


def void_sign_off(issue: Issue, *, reason: str, by=None) -> bool:
    """Void the valid sign-off of a signed-off issue and put the issue back to draft.

    Call inside a transaction holding the issue's row lock. Returns True if a sign-off was voided.
    """
    voided = SignOff.objects.filter(issue=issue, voided_at__isnull=True).update(
        voided_at=timezone.now(), void_reason=reason[:200]
    )
    if issue.status in (Issue.Status.SIGNED_OFF, Issue.Status.SUBMITTED):
        set_status(issue, Issue.Status.DRAFT)
    if voided:
        record_event(issue, IssueEvent.Action.SIGN_OFF_VOIDED, by, reason)
    # A schedule (定时发布) never outlives the sign-off it was made under.
    if issue.scheduled_publish_at is not None or Issue.objects.filter(
        pk=issue.pk, scheduled_publish_at__isnull=False
    ).exists():
        issue.refresh_from_db(fields=["scheduled_publish_at", "scheduled_by"])
        cancel_schedule(issue, by=by, reason="签发已失效，定时发布随之取消")
    return bool(voided)


def reopen(locked: Issue, by, what: str) -> None:
    """Record a change to the issue; a submitted or signed-off issue goes back to draft.

    `what` names the change in words (加入稿件《…》). Once the issue has been submitted, every
    change is written to 本期记录: the head must be able to see what happened since.
    """
    if locked.status == Issue.Status.SIGNED_OFF:
        void_sign_off(locked, reason=f"签发后{what}", by=by)
    elif locked.status == Issue.Status.SUBMITTED:
        set_status(locked, Issue.Status.DRAFT)
        record_event(locked, IssueEvent.Action.REOPENED, by, f"提交签发后{what}，需重新提交签发")
    elif has_been_submitted(locked):
        record_event(locked, IssueEvent.Action.CHANGED, by, what)
