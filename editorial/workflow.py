"""The editorial workflow: article states, who may move an article between them, and saving.

This is the one place that changes `Article.status`. Views, the admin and scripts call these
functions; each one locks the article row, checks the actor's permission on the server, applies
the change and writes an `ArticleTransition` audit entry. A refused action raises
`WorkflowError` whose message is shown to the user as is (Chinese).

States::

    草稿 draft ──submit──▶ 待审 submitted ──approve (last level)──▶ 已通过 approved
       ▲                      │  └─approve (not last)─▶ submitted at the next level
       └──revise (edit)── 退回 returned ◀──return (comment required)──┘
    approved ──reopen (edit)──▶ submitted at level 1        published: set only by publishing

Review levels (初审/复审/终审) are `ReviewLevel` rows of the publication; a publication without
any has one level reviewed by the `approver` group. Four-eyes rule: nobody approves an article
they wrote or last edited, and nobody approves the same round at two levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from common.checks import problems as failing_checks
from common.errors import BulletinError
from common.roles import APPROVER, EDITOR, has_role, is_desk_user

from .authorship import REVIEWER_SHARE_LIMIT, share_of
from .checks import article_checks
from .membership import is_member, not_member_message, remember_choice
from .models import Article, ArticleTransition, ReviewLevel
from .revisions import record_autosave, record_revision
from .sanitize import clean_html

Status = Article.Status

SUBMIT = "submit"
APPROVE = "approve"
RETURN = "return"
REVISE = "revise"  # implicit: a returned article is edited
REOPEN = "reopen"  # implicit: an approved article is edited
RESTART = "restart"  # implicit: an article under review past level 1 is edited

ACTION_LABELS = dict(ArticleTransition.ACTIONS)

# Actions a user triggers explicitly (buttons); REVISE and REOPEN happen by saving.
USER_ACTIONS = (SUBMIT, APPROVE, RETURN)

# From which states each action may start.
SOURCES = {
    SUBMIT: {Status.DRAFT, Status.RETURNED},
    APPROVE: {Status.SUBMITTED},
    RETURN: {Status.SUBMITTED},
}

EDITABLE = {Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.APPROVED}


class WorkflowError(BulletinError):
    """A refused workflow action; `message` is shown to the user."""


class EditConflict(WorkflowError):
    """The article changed since the form was opened; `current` is the saved article."""

    def __init__(self, current: Article):
        super().__init__(
            f"保存冲突：您打开稿件后，{_name(current.last_edited_by)}已保存了新的版本（第{current.version}版）。"
            "您的修改尚未保存，请对照两个版本后再决定。"
        )
        self.current = current


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    group_id: int | None


def _name(user) -> str:
    if user is None:
        return "其他人"
    return user.get_full_name() or user.username


def levels_of(publication) -> list[Level]:
    rows = [Level(r.level, r.name, r.group_id) for r in ReviewLevel.objects.filter(publication=publication)]
    if rows:
        return sorted(rows, key=lambda r: r.level)
    group = Group.objects.filter(name=APPROVER).first()
    return [Level(1, "审核", group.pk if group else None)]


def current_level(article: Article) -> Level | None:
    if article.status != Status.SUBMITTED:
        return None
    for level in levels_of(article.publication):
        if level.level == article.review_level:
            return level
    return levels_of(article.publication)[0]


def is_reviewer(user, level: Level | None) -> bool:
    if level is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return level.group_id is not None and user.groups.filter(pk=level.group_id).exists()


# ---------------------------------------------------------------------------
# Permission checks: each raises WorkflowError with the reason, or returns None.
# ---------------------------------------------------------------------------


def check_can_create(user) -> None:
    if not has_role(user, EDITOR):
        raise WorkflowError("只有编辑可以新建稿件。")


def check_can_edit(user, article: Article) -> None:
    if not is_desk_user(user):
        raise WorkflowError("您没有修改稿件的权限。")
    if article.status == Status.PUBLISHED:
        raise WorkflowError("该稿件已发布，不能再修改。如需更正，请发布勘误。")
    if article.status not in EDITABLE:
        raise WorkflowError(f"稿件处于“{article.get_status_display()}”状态，不能修改。")
    if not is_member(user, article.publication):
        raise WorkflowError(not_member_message(article.publication))


def _round_approvers(article: Article) -> dict[int, int]:
    """user id → level for approvals since the article was last submitted (this review round)."""
    last_submit = (
        article.transitions.filter(action__in=[SUBMIT, REOPEN, RESTART])
        .order_by("-created_at", "-pk")
        .first()
    )
    approvals = article.transitions.filter(action=APPROVE)
    if last_submit is not None:
        approvals = approvals.filter(pk__gt=last_submit.pk)
    return {t.actor_id: t.review_level for t in approvals}


def check(action: str, user, article: Article, *, comment: str = "") -> None:
    """Raise WorkflowError unless `user` may perform `action` on `article` now."""
    if action not in SOURCES:
        raise WorkflowError("未知的操作。")
    label = ACTION_LABELS[action]
    if article.status not in SOURCES[action]:
        raise WorkflowError(
            f"稿件当前为“{article.get_status_display()}”，不能执行“{label}”。"
        )
    if action == SUBMIT:
        if not has_role(user, EDITOR):
            raise WorkflowError("只有编辑可以提交稿件审核。")
        if not article.title.strip():
            raise WorkflowError("标题为空，不能提交审核。")
        if not article.body.strip():
            raise WorkflowError("正文为空，不能提交审核。")
        # The publication's checks before submit (提交前检查): a required one refuses.
        missing = failing_checks(article_checks(article))
        if missing:
            raise WorkflowError("稿件还不能提交审核，请先处理以下问题：", missing)
        return
    level = current_level(article)
    if not is_reviewer(user, level):
        raise WorkflowError(f"您不在“{level.name}”审核组，不能审核这篇稿件。")
    if action == APPROVE:
        if user.pk == article.author_id:
            raise WorkflowError("不能审核通过自己撰写的稿件，须由其他审核人审核。")
        if user.pk == article.last_edited_by_id:
            raise WorkflowError("您是这篇稿件的最后修改人，不能审核通过自己修改的内容，须由其他审核人审核。")
        share = share_of(article, user)
        if share >= REVIEWER_SHARE_LIMIT:
            raise WorkflowError(
                f"这篇稿件当前正文约 {share:.0%} 的文字是您写的（达到 {REVIEWER_SHARE_LIMIT:.0%} 即须回避），"
                "不能由您审核通过，须由其他审核人审核。"
            )
        earlier = _round_approvers(article).get(user.pk)
        if earlier is not None:
            raise WorkflowError(f"您已在本轮第{earlier}级审核中通过了这篇稿件，下一级须由其他人审核。")
    if action == RETURN and not comment.strip():
        raise WorkflowError("退回时必须填写退回意见。")


def refusal(action: str, user, article: Article) -> str | None:
    """Why `user` may not perform `action` now (None if allowed); for greyed-out buttons."""
    try:
        check(action, user, article, comment="-")
    except WorkflowError as exc:
        return "".join(exc.lines)
    return None


def can_edit(user, article: Article) -> bool:
    try:
        check_can_edit(user, article)
    except WorkflowError:
        return False
    return True


# ---------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------


def _lock(article: Article) -> Article:
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return Article.objects.select_for_update().get(pk=article.pk)


def _audit(
    article: Article, *, by, action: str, from_status: str, comment: str = "", review_level: int | None = None
) -> ArticleTransition:
    """Append the transition (history is append-only, common.history: written once, complete)."""
    return ArticleTransition.objects.create(
        article=article,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=article.status,
        review_level=article.review_level if review_level is None else review_level,
        comment=comment,
        created_at=timezone.now(),
    )


def _check_version(locked: Article, version: int | None) -> None:
    if version is not None and int(version) != locked.version:
        raise WorkflowError(
            f"稿件在您打开后已被{_name(locked.last_edited_by)}修改（现为第{locked.version}版），"
            "请查看最新内容后再操作。"
        )


def _refresh(article: Article, locked: Article) -> Article:
    for field in ("status", "review_level", "version", "title", "body", "event_date", "section_id",
                  "last_edited_by_id", "updated_at"):
        setattr(article, field, getattr(locked, field))
    return article


def perform(action: str, article: Article, *, by, comment: str = "", version: int | None = None) -> Article:
    """Perform a user action (submit / approve / return) on the article."""
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = _lock(article)
        _check_version(locked, version)
        check(action, by, locked, comment=comment)
        from_status = locked.status
        if action == SUBMIT:
            locked.status = Status.SUBMITTED
            locked.review_level = levels_of(locked.publication)[0].level
        elif action == APPROVE:
            levels = [lv.level for lv in levels_of(locked.publication)]
            higher = [lv for lv in levels if lv > locked.review_level]
            audit_level = locked.review_level
            if higher:
                locked.review_level = higher[0]
            else:
                locked.status = Status.APPROVED
                locked.review_level = 0
        elif action == RETURN:
            audit_level = locked.review_level
            locked.status = Status.RETURNED
            locked.review_level = 0
        locked.save(update_fields=["status", "review_level", "updated_at"])
        # The audit records the level that decided (approve, return), not the one the article
        # moved to; written in one INSERT, since the row is never updated afterwards.
        _audit(
            locked, by=by, action=action, from_status=from_status, comment=comment,
            review_level=audit_level if action in (APPROVE, RETURN) else None,
        )
    return _refresh(article, locked)


def submit(article, *, by, comment="", version=None):
    return perform(SUBMIT, article, by=by, comment=comment, version=version)


def approve(article, *, by, comment="", version=None):
    return perform(APPROVE, article, by=by, comment=comment, version=version)


def return_to_author(article, *, by, comment, version=None):
    return perform(RETURN, article, by=by, comment=comment, version=version)


# ---------------------------------------------------------------------------
# Saving content
# ---------------------------------------------------------------------------

CONTENT_FIELDS = ("title", "event_date", "section", "body")


def clean_body(body: str) -> str:
    return clean_html(body or "", media_url=settings.MEDIA_URL)


def create_article(*, by, publication, section, title, body="", event_date=None, note="新建") -> Article:
    check_can_create(by)
    if not is_member(by, publication):
        raise WorkflowError(not_member_message(publication))
    if section.publication_id != publication.pk:
        raise WorkflowError(f"所选栏目“{section.name}”不属于《{publication.name}》，请重新选择栏目。")
    with transaction.atomic():
        remember_choice(by, publication)
        article = Article.objects.create(
            publication=publication,
            section=section,
            title=title.strip(),
            event_date=event_date,
            body=clean_body(body),
            author=by,
            last_edited_by=by,
            status=Status.DRAFT,
        )
        record_revision(article, by=by, note=note)
    return article


def save_article(article: Article, *, by, version: int | None, note: str = "", autosave: bool = False,
                 **changes) -> Article:
    """Save new content (any of title, event_date, section, body) as the next version.

    `autosave`: written by the editor page's timer; the sitting's autosaves show as one entry
    in 版本记录 (editorial.revisions.record_autosave).

    `version` is the version the editor's form was opened at. If someone saved in between,
    EditConflict is raised and nothing is written. Every effective save increments the
    version and writes a revision; a save that changes nothing writes nothing. Editing a
    returned article takes it back to draft; editing an approved one sends it back to review.
    """
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {unknown}")
    if "body" in changes:
        changes["body"] = clean_body(changes["body"])
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        if not changes["title"]:
            raise WorkflowError("标题不能为空。")
    with transaction.atomic():
        locked = _lock(article)
        check_can_edit(by, locked)
        if version is None:
            raise WorkflowError("缺少版本号，无法确认您编辑的是最新内容，请重新打开稿件。")
        if int(version) != locked.version:
            raise EditConflict(locked)
        if "section" in changes and changes["section"].publication_id != locked.publication_id:
            raise WorkflowError("所选栏目不属于该刊物。")
        changed = [f for f in CONTENT_FIELDS if f in changes and getattr(locked, f) != changes[f]]
        if not changed:
            return _refresh(article, locked)
        for field in changed:
            setattr(locked, field, changes[field])
        from_status = locked.status
        locked.version += 1
        locked.last_edited_by = by
        action = None
        if from_status == Status.RETURNED:
            locked.status, action = Status.DRAFT, REVISE
        elif from_status == Status.APPROVED:
            locked.status, locked.review_level, action = Status.SUBMITTED, levels_of(locked.publication)[0].level, REOPEN
        elif from_status == Status.SUBMITTED:
            first = levels_of(locked.publication)[0].level
            if locked.review_level != first:
                # Earlier levels approved other words: the changed text is reviewed from the start.
                locked.review_level, action = first, RESTART
        locked.save()
        if autosave:
            record_autosave(locked, by=by)
        else:
            record_revision(locked, by=by, note=note)
        if action:
            _audit(locked, by=by, action=action, from_status=from_status)
    return _refresh(article, locked)


def restore_revision(article: Article, revision, *, by, version: int | None) -> Article:
    """Make an older revision current again, as a new revision (history is never rewritten)."""
    if revision.article_id != article.pk:
        raise WorkflowError("该版本不属于这篇稿件。")
    if revision.section.publication_id != article.publication_id:
        raise WorkflowError("该版本的栏目已不属于本刊物，无法恢复。")
    saved = save_article(
        article,
        by=by,
        version=version,
        note=f"恢复自第{revision.number}版",
        title=revision.title,
        event_date=revision.event_date,
        section=revision.section,
        body=revision.body,
    )
    if saved.version == int(version):
        raise WorkflowError(f"第{revision.number}版与当前内容相同，无需恢复。")
    return saved


def last_return(article: Article) -> ArticleTransition | None:
    return article.transitions.filter(action=RETURN).select_related("actor").order_by("-created_at", "-pk").first()


def last_returns(articles) -> dict[int, ArticleTransition]:
    """`last_return` of many articles in one query: {article id: its latest return}."""
    found: dict[int, ArticleTransition] = {}
    ids = [a.pk for a in articles]
    if ids:
        entries = (
            ArticleTransition.objects.filter(article_id__in=ids, action=RETURN)
            .select_related("actor")
            .order_by("article_id", "-created_at", "-pk")
        )
        for entry in entries:
            found.setdefault(entry.article_id, entry)
    return found
