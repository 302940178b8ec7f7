"""After publishing: withdrawal (撤回) and errata (勘误). A published issue's content never changes."""

from django.db import transaction
from django.utils import timezone

from ..models import Erratum, Issue, IssueEvent
from ..pdf.store import invalidate_issue_pdf
from .base import ASSEMBLERS, SIGNERS, IssueError, changing_issue, record_event, require


def withdraw_issue(issue: Issue, *, by, reason: str) -> Issue:
    """Hide a published issue from readers. Its numbers stay taken; it cannot be republished."""
    reason = (reason or "").strip()
    with changing_issue(issue, by=by, roles=SIGNERS, action="撤回期刊", allow_frozen=True) as locked:
        if not reason:
            raise IssueError("请填写撤回原因。")
        if locked.status == Issue.Status.WITHDRAWN:
            raise IssueError("本期已经撤回。")
        if locked.status != Issue.Status.PUBLISHED:
            raise IssueError("只有已发布的期刊才能撤回。")
        locked.status = Issue.Status.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, IssueEvent.Action.WITHDRAWN, by, reason)
    return issue


def propose_erratum(issue: Issue, *, text: str, by) -> Erratum:
    text = (text or "").strip()
    with changing_issue(issue, by=by, roles=ASSEMBLERS, action="提出勘误", allow_frozen=True) as locked:
        if not text:
            raise IssueError("请填写勘误内容。")
        if len(text) > 2000:
            raise IssueError("勘误内容不能超过 2000 字。")
        if locked.status != Issue.Status.PUBLISHED:
            raise IssueError("只有已发布的期刊才能提出勘误。")
        erratum = Erratum.objects.create(issue=locked, text=text, created_by=by)
        record_event(locked, IssueEvent.Action.ERRATUM_PROPOSED, by, text)
    return erratum


def erratum_refusal(erratum: Erratum, user) -> str | None:
    """Why `user` may not approve `erratum` (None if they may). A correction of the record
    always needs a second person, whatever the publication's sign-off setting."""
    if user is not None and erratum.created_by_id == user.pk:
        return "不能批准自己提出的勘误，须由另一位主任批准。"
    return None


def approve_erratum(erratum: Erratum, *, by) -> Erratum:
    """The head approves a proposed erratum: it is published beside the issue from now on."""
    require(by, *SIGNERS, action="批准勘误")
    with transaction.atomic():
        locked = Erratum.objects.select_for_update().select_related("issue").get(pk=erratum.pk)
        if locked.published_at is not None:
            raise IssueError("这条勘误已经发布。")
        refusal = erratum_refusal(locked, by)
        if refusal:
            raise IssueError(refusal)
        if locked.issue.status != Issue.Status.PUBLISHED:
            raise IssueError("本期不在发布状态，不能发布勘误。")
        locked.approved_by = by
        locked.published_at = timezone.now()
        locked.save(update_fields=["approved_by", "published_at"])
        record_event(locked.issue, IssueEvent.Action.ERRATUM, by, locked.text)
        # The stored PDF carries the errata: drop the old file, render the new one after commit.
        invalidate_issue_pdf(locked.issue)
    erratum.refresh_from_db()
    return erratum
