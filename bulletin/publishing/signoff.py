"""Sign-off (签发): the office head approves the exact content of an issue.

The fingerprint covers everything a reader would see and who may see it: the order of sections
and articles, the focus article, each article's title, date, section and body (and its status,
so an article reopened by the review workflow voids the sign-off too), and the issue's
visibility (内部资料 or public). Any change gives a new fingerprint, which voids the sign-off.
The publication date is not content: it is set when publishing.

Two people (四眼原则): unless the publication allows the head to work alone
(Publication.head_may_work_alone, off by default), the head cannot sign off an issue they
submitted themselves. Submitting is the assembler's declaration that the issue is complete, and
any change after it sends the issue back to draft, so "alone" means: the same person declared the
exact content ready and approved it. Who placed the articles does not matter once someone else
has looked at the issue and submitted it; articles have their own four-eyes review
(editorial.workflow). Publishing after a valid sign-off is mechanical and may be done by anyone
with the publisher role.
"""

import hashlib
import json

from django.db import transaction

from ..models import Issue, IssueEvent, SignOff
from ..rendering import sort_by_issue_order
from .assembly import assembly_problems, sign_off_problems
from .base import SIGNERS, IssueError, PublishError, changing_issue, record_event, void_sign_off
from .changes import issue_snapshot


def issue_fingerprint(issue: Issue) -> str:
    placements = issue.placements.select_related("article", "section").order_by(
        "section__position", "section_id", "position", "pk"
    )
    groups: dict = {}
    for p in placements:
        groups.setdefault(p.section_id, {"name": p.section.name, "entries": []})["entries"].append(
            [
                p.section_id,
                p.position,
                p.article_id,
                p.article.title,
                p.article.event_date.isoformat() if p.article.event_date else None,
                p.article.section_id,
                p.article.body,
                p.article.status,
            ]
        )
    payload = {
        "issue": [issue.publication_id, issue.year, issue.month, issue.focus_article_id, issue.visibility],
        "sections": [[g["name"], g["entries"]] for g in sort_by_issue_order(issue, groups)],
    }
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()


def valid_sign_off(issue: Issue) -> SignOff | None:
    return issue.sign_offs.filter(voided_at__isnull=True).order_by("-signed_at", "-pk").first()


def submitter_id(issue: Issue):
    """Who submitted the issue's current content for sign-off (None if no record says so)."""
    event = (
        issue.events.filter(action=IssueEvent.Action.SUBMITTED).order_by("-created_at", "-pk").first()
    )
    return event.actor_id if event else None


def signs_alone(issue: Issue, user) -> bool:
    """Would `user` sign off content they submitted themselves?"""
    return user is not None and user.pk is not None and submitter_id(issue) == user.pk


def sign_off_refusal(issue: Issue, user) -> str | None:
    """Why `user` may not sign off `issue` as the second person (None if they may)."""
    if signs_alone(issue, user) and not issue.publication.head_may_work_alone:
        return (
            "本期是您本人提交签发的，须由另一位主任签发，或由编辑重新提交后再签发"
            "（本刊物未允许主任独自完成编排、签发和发布）。"
        )
    return None


def submit_for_sign_off(issue: Issue, *, by) -> Issue:
    with changing_issue(issue, by=by, action="提交签发", allow_frozen=True) as locked:
        if locked.status != Issue.Status.DRAFT:
            raise IssueError(f"本期当前状态为“{locked.get_status_display()}”，不能提交签发。")
        problems = assembly_problems(locked)
        if problems:
            raise IssueError("本期还不能提交签发，请先处理以下问题：", problems)
        locked.status = Issue.Status.SUBMITTED
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, IssueEvent.Action.SUBMITTED, by, snapshot=issue_snapshot(locked))
    return issue


def return_issue(issue: Issue, *, by, comment: str) -> Issue:
    """The head sends a submitted (or signed-off, unpublished) issue back with a comment."""
    comment = (comment or "").strip()
    with changing_issue(issue, by=by, roles=SIGNERS, action="退回期刊", allow_frozen=True) as locked:
        if not comment:
            raise IssueError("请填写退回意见，说明需要修改什么。")
        if locked.status not in (Issue.Status.SUBMITTED, Issue.Status.SIGNED_OFF):
            raise IssueError(f"本期当前状态为“{locked.get_status_display()}”，不能退回。")
        if locked.status == Issue.Status.SIGNED_OFF:
            void_sign_off(locked, reason="主任撤销签发并退回", by=by)
        locked.status = Issue.Status.DRAFT
        locked.save(update_fields=["status", "updated_at"])
        # What the head saw when returning it: the next sign-off names what changed since.
        record_event(locked, IssueEvent.Action.RETURNED, by, comment, snapshot=issue_snapshot(locked))
    return issue


def sign_off(issue: Issue, *, by, comment: str = "", fingerprint: str | None = None) -> SignOff:
    """Record the head's sign-off of the issue's exact current content.

    `fingerprint` is the content the head looked at (carried by the sign-off form); if the
    issue changed since, the sign-off is refused rather than covering unseen content.
    """
    with changing_issue(issue, by=by, roles=SIGNERS, action="签发", allow_frozen=True) as locked:
        if locked.status == Issue.Status.SIGNED_OFF:
            raise IssueError("本期已经签发。")
        if locked.status != Issue.Status.SUBMITTED:
            raise IssueError(f"本期当前状态为“{locked.get_status_display()}”，不能签发。")
        problems = sign_off_problems(locked)
        if problems:
            raise IssueError("本期还不能签发：", problems)
        refusal = sign_off_refusal(locked, by)
        if refusal:
            raise IssueError(refusal)
        current = issue_fingerprint(locked)
        if fingerprint and fingerprint != current:
            raise IssueError("您查看之后本期内容有变动，请重新查看后再签发。")
        record = SignOff.objects.create(
            issue=locked, signed_by=by, content_hash=current, comment=(comment or "").strip()
        )
        locked.status = Issue.Status.SIGNED_OFF
        locked.save(update_fields=["status", "updated_at"])
        note = record.comment
        if signs_alone(locked, by):
            note = "（主任独自提交并签发：本刊物设置允许）" + (f" {note}" if note else "")
        record_event(locked, IssueEvent.Action.SIGNED_OFF, by, note, snapshot=issue_snapshot(locked))
    return record


def check_sign_off(issue_id: int, *, by=None, reason: str = "签发后内容有变动") -> bool:
    """Safety net: void the sign-off of a signed-off issue whose content no longer matches it.

    Called from signals after any save of an article, placement or issue, so a change made
    outside the services (admin, shell, another module) cannot be published unsigned.
    """
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        if issue is None or issue.status != Issue.Status.SIGNED_OFF:
            return False
        record = valid_sign_off(issue)
        # Without a valid sign-off there is nothing to void (and publishing refuses anyway).
        if record is None or record.content_hash == issue_fingerprint(issue):
            return False
        return void_sign_off(issue, reason=reason, by=by)


def assert_signed_off(issue: Issue) -> SignOff:
    """The issue's valid sign-off, if it still covers exactly the issue's current content."""
    record = valid_sign_off(issue)
    if issue.status != Issue.Status.SIGNED_OFF or record is None:
        raise PublishError("本期尚未经主任签发，不能发布。")
    if record.content_hash != issue_fingerprint(issue):
        raise PublishError("签发后本期内容有变动，签发已失效，请重新提交签发。")
    return record

