"""Notifications (站内消息 and their e-mail copies): who is told what when work changes hands.

    article submitted        → the reviewers of the level it now waits at (each level in turn)
    article approved, level  → the reviewers of the next level
    article approved (last)  → its author
    article returned         → its author and who approved it at an earlier level of this round,
                               with the comment
    issue submitted          → the heads
    issue returned           → the editors, with the head's comment
    issue signed off         → the editors
    issue published          → the editors
    schedule cancelled       → the heads (unless a head took it back)
    erratum proposed         → the heads
    back-issue replacement   → the heads (never the requester)
      requested
    replacement approved     → the requester (refused: with the head's reason)
      or refused
    deadline reminder        → who still has work for it (office.reminders), once

Reviewers, heads and editors are always those who work in the article's or issue's publication
(editorial.membership, the rule the services enforce): another publication's people are not
told. Never the person who acted. The triggers are the audit rows bulletin and editorial write for
every state change (ArticleTransition, IssueEvent): office.hooks listens to them, so a change
made by the desk, a management command or the worker notifies alike, and bulletin/editorial need
not know office exists. The messages are written in the action's own transaction (an action
rolled back notifies nobody); writing them can never make the action fail. The e-mail copies
are queued after the commit (office.tasks).
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bulletin.models import BackIssueReplacement, Issue, IssueEvent
from common.roles import APPROVER, EDITOR, HEAD, has_role
from editorial import workflow
from editorial.membership import members_among
from editorial.models import Article, ArticleTransition, ReviewLevel

from . import tasks
from .models import EmailOptOut, Notification

logger = logging.getLogger(__name__)

Kind = Notification.Kind


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else "系统"


def _active_ids(ids) -> set[int]:
    return set(get_user_model().objects.filter(pk__in=set(ids), is_active=True).values_list("pk", flat=True))


def role_members(role: str) -> set[int]:
    User = get_user_model()
    return set(User.objects.filter(groups__name=role, is_active=True).values_list("pk", flat=True))


def working_in(ids, publication) -> set[int]:
    """Of the active users `ids`, those who work in `publication` (editorial.membership's rule),
    so a message about one publication's work never reaches another publication's people."""
    return members_among(ids, publication)


def heads_of(publication) -> set[int]:
    return working_in(role_members(HEAD), publication)


def editors_of(publication) -> set[int]:
    return working_in(role_members(EDITOR), publication)


def reviewers_at(article: Article, level: int) -> set[int]:
    """The members of the group that reviews `level` of the article's publication (without
    levels configured: the approver role at level 1) who work in that publication."""
    group_id = (
        ReviewLevel.objects.filter(publication_id=article.publication_id, level=level)
        .values_list("group_id", flat=True)
        .first()
    )
    if group_id is None and ReviewLevel.objects.filter(publication_id=article.publication_id).exists():
        return set()
    User = get_user_model()
    if group_id is None:
        reviewers = role_members(APPROVER) if level == 1 else set()
    else:
        reviewers = set(User.objects.filter(groups__pk=group_id, is_active=True).values_list("pk", flat=True))
    # A review group may be shared by several publications; only its members who work in this
    # one may review the article (editorial.workflow refuses the others).
    return working_in(reviewers, article.publication)


def round_approvers(article: Article) -> set[int]:
    """Who approved the article since it was last (re)submitted: this review round."""
    rows = (
        ArticleTransition.objects.filter(
            article=article,
            action__in=[workflow.SUBMIT, workflow.REOPEN, workflow.RESTART, workflow.APPROVE],
        )
        .order_by("created_at", "pk")
        .values_list("action", "actor_id")
    )
    approvers: set[int] = set()
    for action, actor_id in rows:
        if action == workflow.APPROVE:
            approvers.add(actor_id)
        else:
            approvers = set()
    return approvers


def notify(recipients, *, kind: str, text: str, link: str = "", actor=None, key: str | None = None) -> list[Notification]:
    """Write one message to each recipient (never the actor), and queue their e-mail copies
    after the commit. A `key` makes the message unique: a second one with it is not written."""
    ids = set(recipients) - {getattr(actor, "pk", None)}
    ids = _active_ids(ids)
    if not ids:
        return []
    now = timezone.now()
    made = []
    for user_id in sorted(ids):
        note = Notification(recipient_id=user_id, kind=kind, text=text, link=link, created_at=now, key=key)
        if key is not None:
            try:
                with transaction.atomic():
                    note.save()
            except IntegrityError:
                continue  # already sent (another worker, an earlier run)
        else:
            note.save()
        made.append(note)
    _queue_emails(made)
    return made


def _queue_emails(notes: list[Notification]) -> None:
    """Mark the messages that also go out by e-mail (the recipient has an address and has not
    turned the kind off) and queue them once the surrounding transaction commits."""
    if not notes:
        return
    User = get_user_model()
    addresses = dict(
        User.objects.filter(pk__in={n.recipient_id for n in notes}).exclude(email="").values_list("pk", "email")
    )
    opted_out = set(
        EmailOptOut.objects.filter(user_id__in=addresses, kind__in={n.kind for n in notes})
        .values_list("user_id", "kind")
    )
    ids = [n.pk for n in notes if n.recipient_id in addresses and (n.recipient_id, n.kind) not in opted_out]
    if not ids:
        return
    Notification.objects.filter(pk__in=ids).update(email_status=tasks.PENDING)

    def enqueue():
        for note_id in ids:
            try:
                tasks.enqueue_email(note_id)
            except Exception:
                # The message is on the desk; the e-mail stays pending for the worker's sweep.
                logger.exception("could not queue the e-mail of notification %s", note_id)

    transaction.on_commit(enqueue)


def safely(make) -> None:
    """Run `make` (which writes messages) in a savepoint: whatever goes wrong there is logged and
    rolled back, the action that called it goes on."""
    try:
        with transaction.atomic():
            make()
    except Exception:
        logger.exception("notifications could not be written")


# ---------------------------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------------------------


def _level_name(article: Article, level: int) -> str:
    for lv in workflow.levels_of(article.publication):
        if lv.level == level:
            return lv.name
    return "审核"


def article_changed(entry: ArticleTransition) -> None:
    """An ArticleTransition was written: tell whoever the article now waits for."""
    article = entry.article
    actor = entry.actor
    link = reverse("desk:article_detail", args=[article.pk])
    title = f"《{article.title}》"
    action = entry.action
    if action in (workflow.SUBMIT, workflow.REOPEN, workflow.RESTART) or (
        action == workflow.APPROVE and article.status == Article.Status.SUBMITTED
    ):
        if article.status != Article.Status.SUBMITTED:
            return
        level = article.review_level
        name = _level_name(article, level)
        reviewers = reviewers_at(article, level)
        # Nobody is asked to approve what they may not approve.
        reviewers -= {article.author_id, article.last_edited_by_id, *round_approvers(article)}
        if action == workflow.APPROVE:
            # The audit row is written with the level the article moved to (and corrected to the
            # deciding one just after): the level that approved is the one before.
            lower = [lv.level for lv in workflow.levels_of(article.publication) if lv.level < level]
            decided = _level_name(article, max(lower)) if lower else "审核"
            text = f"{_name(actor)}已通过稿件{title}的{decided}，待您{name}。"
        elif action == workflow.SUBMIT:
            text = f"{_name(actor)}提交了稿件{title}，待您{name}。"
        else:
            text = f"稿件{title}修改后重新送审，待您{name}。"
        notify(reviewers, kind=Kind.ARTICLE_SUBMITTED, text=text, link=link, actor=actor)
    elif action == workflow.APPROVE and article.status == Article.Status.APPROVED:
        notify({article.author_id}, kind=Kind.ARTICLE_APPROVED, actor=actor, link=link,
               text=f"您的稿件{title}已由{_name(actor)}审核通过，可以编入期刊。")
    elif action == workflow.RETURN:
        earlier = round_approvers(article)
        recipients = {article.author_id, *earlier}
        text = f"稿件{title}被{_name(actor)}退回修改。退回意见：{entry.comment}"
        notify(recipients, kind=Kind.ARTICLE_RETURNED, text=text, link=link, actor=actor)


# ---------------------------------------------------------------------------------------------
# Issues
# ---------------------------------------------------------------------------------------------


def issue_changed(event: IssueEvent) -> None:
    """An IssueEvent was written: tell the editors or the heads who work in its publication."""
    issue = event.issue
    actor = event.actor
    label = f"{issue.publication.name} {issue.month_label}期"
    detail = reverse("desk:issue_detail", args=[issue.pk])
    Action = IssueEvent.Action
    if event.action == Action.SUBMITTED:
        notify(heads_of(issue.publication), kind=Kind.ISSUE_SUBMITTED, actor=actor,
               link=reverse("desk:issue_signoff", args=[issue.pk]),
               text=f"{_name(actor)}将{label}提交签发，待您签发。")
    elif event.action == Action.RETURNED:
        notify(editors_of(issue.publication), kind=Kind.ISSUE_RETURNED, actor=actor, link=detail,
               text=f"{label}被{_name(actor)}退回修改。退回意见：{event.comment}")
    elif event.action == Action.SIGNED_OFF:
        notify(editors_of(issue.publication), kind=Kind.ISSUE_SIGNED_OFF, actor=actor, link=detail,
               text=f"{_name(actor)}已签发{label}，可以发布。")
    elif event.action == Action.PUBLISHED:
        # Only a publish after 签发: a back issue recorded by an import is no news.
        if not issue.sign_offs.filter(voided_at__isnull=True).exists():
            return
        issue = Issue.objects.get(pk=issue.pk)
        notify(editors_of(issue.publication), kind=Kind.ISSUE_PUBLISHED, actor=actor,
               link=issue.get_absolute_url() or detail,
               text=f"{label}已发布：{issue.numbers_label}。")
    elif event.action == Action.UNSCHEDULED and not has_role(actor, HEAD):
        # Not a head taking the schedule back: the worker could not publish at the time, or an
        # editor's change voided the sign-off. The heads decide what now.
        notify(heads_of(issue.publication), kind=Kind.SCHEDULE_FAILED, link=detail,
               text=f"{label}的定时发布已取消：{event.comment}")
    elif event.action == Action.ERRATUM_PROPOSED:
        notify(heads_of(issue.publication), kind=Kind.ERRATUM_PROPOSED, actor=actor, link=detail,
               text=f"{_name(actor)}对已发布的{label}提出勘误，待主任批准：{event.comment}")
    elif event.action in (Action.REPLACEMENT_REQUESTED, Action.REPLACED, Action.REPLACEMENT_REFUSED):
        _replacement_changed(event)


def _replacement_changed(event: IssueEvent) -> None:
    """A back-issue replacement was asked for, approved or refused. The event is written on the
    old issue just after the request row changed (bulletin.importing.service), so the request
    is the newest one of that issue in the state the event names; the approval's second event,
    on the new issue, finds none and is not told twice."""
    Action = IssueEvent.Action
    Status = BackIssueReplacement.Status
    status = {
        Action.REPLACEMENT_REQUESTED: Status.PENDING,
        Action.REPLACED: Status.APPROVED,
        Action.REPLACEMENT_REFUSED: Status.REFUSED,
    }[event.action]
    request = (
        BackIssueReplacement.objects.filter(issue_id=event.issue_id, status=status)
        .select_related("publication", "issue", "requested_by")
        .defer("data")
        .order_by("-pk")
        .first()
    )
    if request is None:
        return
    actor = event.actor
    link = reverse("desk:import_replacement", args=[request.pk])
    what = str(request.issue)
    if status == Status.PENDING:
        # The requester may be a head too; notify() never tells the actor.
        notify(heads_of(request.publication), kind=Kind.REPLACEMENT_REQUESTED, actor=actor, link=link,
               text=f"{_name(actor)}申请用文件“{request.filename}”替换{what}（{request.summary}），待主任批准。")
    elif status == Status.APPROVED:
        notify({request.requested_by_id}, kind=Kind.REPLACEMENT_DECIDED, actor=actor, link=link,
               text=f"您申请替换{what}，已由{_name(actor)}批准，新文件已替换原有内容。")
    else:
        notify({request.requested_by_id}, kind=Kind.REPLACEMENT_DECIDED, actor=actor, link=link,
               text=f"您申请替换{what}，{_name(actor)}不同意，原有内容不变。理由：{request.comment}")


# ---------------------------------------------------------------------------------------------
# Reading them (the desk)
# ---------------------------------------------------------------------------------------------


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, notification_id=None) -> int:
    """Mark one of `user`'s messages (or all of them) read; returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def email_kinds(user) -> list[tuple[str, str, bool]]:
    """(kind, label, wanted by e-mail) for the preferences page."""
    off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return [(kind, label, kind not in off) for kind, label in Kind.choices]


def set_email_kinds(user, wanted) -> None:
    """Keep e-mail on for the kinds in `wanted`, off for the others."""
    wanted = set(wanted) & set(Kind.values)
    with transaction.atomic():
        EmailOptOut.objects.filter(user=user, kind__in=wanted).delete()
        existing = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
        EmailOptOut.objects.bulk_create(
            [EmailOptOut(user=user, kind=kind) for kind in Kind.values if kind not in wanted and kind not in existing]
        )
