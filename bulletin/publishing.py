"""The issue lifecycle, in one place: assembly, sign-off (签发), publishing, withdrawal, errata.

    draft ──submit──▶ submitted ──sign off──▶ signed_off ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                  │ return                │ any change (voids the sign-off)
      └──────────────────┴───────────────────────┘

Views, the admin and management commands call these functions; each checks the actor's role
(bulletin.roles.has_role) itself, locks the issue row, and writes an IssueEvent. A refusal is
an IssueError whose message (Chinese) is shown to the user as is.

Numbering: the counter lives on the Publication row. Publishing locks that row
(`select_for_update`) for the whole transaction, so two concurrent publishes of the same
publication are serialised: numbers are consecutive, never duplicated, never skipped.
"""

import contextvars
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .models import Erratum, Issue, IssueArticle, IssueEvent, Publication, Section, Visibility
from .roles import EDITOR, HEAD, has_role


class IssueError(Exception):
    """An issue action that is refused; the message is shown to the user as is.

    `problems` lists what is missing when an issue is not ready (one sentence each).
    """

    def __init__(self, message: str, problems=()):
        super().__init__(message)
        self.problems = list(problems)


# Set only while a re-import deletes the back issue it replaces: the one sanctioned way to
# remove a published issue's placements (bulletin.signals refuses it otherwise).
_replacing_issue = contextvars.ContextVar("replacing_issue", default=None)


def is_being_replaced(issue_id) -> bool:
    return issue_id is not None and _replacing_issue.get() == issue_id


def delete_replaced_back_issue(issue: Issue) -> list[int]:
    """Delete a published back issue that an import replaces; returns its articles' ids.

    Callers check first that replacing is allowed (no errata, not on the desk) and run this
    inside the transaction that re-imports the issue, so a failure restores it.
    """
    article_ids = list(issue.placements.values_list("article_id", flat=True))
    token = _replacing_issue.set(issue.pk)
    try:
        # IssueArticle.article and .revision are PROTECT: placements go first.
        issue.placements.all().delete()
        issue.delete()
    finally:
        _replacing_issue.reset(token)
    return article_ids


class PublishError(IssueError):
    """A publish that is refused."""


@dataclass(frozen=True)
class Numbers:
    year_number: int
    serial_number: int


# ---------------------------------------------------------------------------------------------
# Helpers


def _require(user, *roles, action: str):
    if not has_role(user, *roles):
        raise IssueError(f"您没有{action}的权限。")


def _lock(issue: Issue) -> Issue:
    return Issue.objects.select_for_update().select_related("publication").get(pk=issue.pk)


def _event(issue: Issue, action: str, by, comment: str = "") -> IssueEvent:
    return IssueEvent.objects.create(issue=issue, action=action, actor=by, comment=comment)


def _refresh(issue: Issue, locked: Issue) -> Issue:
    """Let the caller's object reflect what was saved."""
    if issue is not locked:
        issue.refresh_from_db()
    return issue


def void_sign_off(issue: Issue, *, reason: str, by=None) -> bool:
    """Void the valid sign-off of a signed-off issue and put the issue back to draft.

    Call inside a transaction holding the issue's row lock. Returns True if a sign-off was voided.
    """
    from editorial.models import SignOff

    now = timezone.now()
    voided = SignOff.objects.filter(issue=issue, voided_at__isnull=True).update(
        voided_at=now, void_reason=reason[:200]
    )
    if issue.status in (Issue.Status.SIGNED_OFF, Issue.Status.SUBMITTED):
        issue.status = Issue.Status.DRAFT
        Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.DRAFT, updated_at=now)
    if voided:
        _event(issue, IssueEvent.Action.SIGN_OFF_VOIDED, by, reason)
    return bool(voided)


def _begin_change(issue: Issue, by) -> Issue:
    _require(by, EDITOR, HEAD, action="编排期刊")
    locked = _lock(issue)
    if locked.is_frozen:
        raise IssueError("本期已发布，内容不能再修改；如需更正，请提交勘误。")
    return locked


def _reopen(locked: Issue, by, what: str):
    """A change to a submitted or signed-off issue sends it back to draft (the head must see it)."""
    if locked.status == Issue.Status.SIGNED_OFF:
        void_sign_off(locked, reason=f"签发后{what}", by=by)
    elif locked.status == Issue.Status.SUBMITTED:
        locked.status = Issue.Status.DRAFT
        Issue.objects.filter(pk=locked.pk).update(status=Issue.Status.DRAFT, updated_at=timezone.now())
        _event(locked, IssueEvent.Action.REOPENED, by, f"提交签发后{what}，需重新提交签发")


def _normalise_positions(issue: Issue, section_id: int) -> list[IssueArticle]:
    placements = list(issue.placements.filter(section_id=section_id).order_by("position", "pk"))
    for index, placement in enumerate(placements):
        if placement.position != index:
            placement.position = index
            placement.save(update_fields=["position"])
    return placements


def _placement(issue: Issue, article_id) -> IssueArticle:
    try:
        return issue.placements.select_related("article", "section").get(article_id=article_id)
    except (IssueArticle.DoesNotExist, ValueError, TypeError):
        raise IssueError("本期中没有这篇稿件，页面可能已过期，请刷新。") from None


def effective_section_order(issue: Issue) -> list[Section]:
    """The active sections of the publication in this issue's order."""
    sections = list(issue.publication.sections.filter(active=True).order_by("position", "pk"))
    used = set(issue.placements.values_list("section_id", flat=True))
    # A section deactivated after articles were placed in it still shows in this issue.
    if used - {s.pk for s in sections}:
        sections += list(Section.objects.filter(pk__in=used - {s.pk for s in sections}))
    rank = {section_id: index for index, section_id in enumerate(issue.section_order or [])}
    return sorted(sections, key=lambda s: rank.get(s.pk, len(rank)))


# ---------------------------------------------------------------------------------------------
# Assembly


def create_issue(publication: Publication, *, year: int, month: int, by) -> Issue:
    _require(by, EDITOR, HEAD, action="创建期刊")
    try:
        year, month = int(year), int(month)
    except (TypeError, ValueError):
        raise IssueError("请填写正确的年份和月份。") from None
    if not 1900 <= year <= 2200 or not 1 <= month <= 12:
        raise IssueError("请填写正确的年份（如 2026）和月份（1–12）。")
    if Issue.objects.filter(publication=publication, year=year, month=month).exists():
        raise IssueError(f"{publication.name} {year}年{month}月已有一期，不能重复创建。")
    try:
        with transaction.atomic():
            issue = Issue.objects.create(publication=publication, year=year, month=month)
            _event(issue, IssueEvent.Action.CREATED, by)
    except IntegrityError:  # created by someone else a moment ago
        raise IssueError(f"{publication.name} {year}年{month}月已有一期，不能重复创建。") from None
    return issue


def addable_articles(issue: Issue):
    """Approved articles of the publication that no other current issue has taken."""
    from editorial.models import Article

    taken = IssueArticle.objects.exclude(issue__status=Issue.Status.WITHDRAWN).values("article_id")
    return (
        Article.objects.filter(publication=issue.publication_id, status=Article.Status.APPROVED)
        .exclude(pk__in=taken)
        .select_related("section")
        .order_by("section__position", "event_date", "pk")
    )


@transaction.atomic
def add_article(issue: Issue, article, *, by, section: Section | None = None) -> IssueArticle:
    from editorial.models import Article

    locked = _begin_change(issue, by)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.publication_id != locked.publication_id:
        raise IssueError("这篇稿件不属于本刊物。")
    if article.status != Article.Status.APPROVED:
        raise IssueError(f"《{article.title}》尚未审核通过，不能编入本期。")
    other = (
        IssueArticle.objects.filter(article=article)
        .exclude(issue__status=Issue.Status.WITHDRAWN)
        .select_related("issue")
        .first()
    )
    if other is not None:
        if other.issue_id == locked.pk:
            raise IssueError(f"《{article.title}》已在本期中。")
        raise IssueError(f"《{article.title}》已编入 {other.issue.month_label} 期，不能重复编入。")
    section = section or article.section
    if section.publication_id != locked.publication_id:
        raise IssueError("所选栏目不属于本刊物。")
    _reopen(locked, by, f"加入稿件《{article.title}》")
    last = locked.placements.filter(section=section).aggregate(m=Max("position"))["m"]
    placement = IssueArticle.objects.create(
        issue=locked, article=article, section=section, position=0 if last is None else last + 1
    )
    _refresh(issue, locked)
    return placement


@transaction.atomic
def remove_article(issue: Issue, article_id, *, by):
    locked = _begin_change(issue, by)
    placement = _placement(locked, article_id)
    _reopen(locked, by, f"移出稿件《{placement.article.title}》")
    placement.delete()
    if locked.focus_article_id == placement.article_id:
        locked.focus_article = None
        locked.save(update_fields=["focus_article", "updated_at"])
    _normalise_positions(locked, placement.section_id)
    _refresh(issue, locked)


@transaction.atomic
def move_article(issue: Issue, article_id, direction: str, *, by):
    """Move an article one place up or down inside its section."""
    locked = _begin_change(issue, by)
    placement = _placement(locked, article_id)
    siblings = _normalise_positions(locked, placement.section_id)
    index = next(i for i, p in enumerate(siblings) if p.pk == placement.pk)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(siblings):
        return  # already first/last: nothing changes, the sign-off stays valid
    _reopen(locked, by, "调整稿件顺序")
    a, b = siblings[index], siblings[target]
    a.position, b.position = b.position, a.position
    a.save(update_fields=["position"])
    b.save(update_fields=["position"])
    _refresh(issue, locked)


@transaction.atomic
def reorder_section(issue: Issue, section_id, article_ids, *, by):
    """Set the order of the articles in one section (drag and drop sends the whole list)."""
    locked = _begin_change(issue, by)
    try:
        section_id = int(section_id)
        wanted = [int(pk) for pk in article_ids]
    except (TypeError, ValueError):
        raise IssueError("顺序数据有误，请刷新页面后重试。") from None
    placements = _normalise_positions(locked, section_id)
    if sorted(wanted) != sorted(p.article_id for p in placements):
        raise IssueError("本栏目的稿件已被他人修改，请刷新页面后重试。")
    if wanted == [p.article_id for p in placements]:
        return
    _reopen(locked, by, "调整稿件顺序")
    by_article = {p.article_id: p for p in placements}
    for index, article_pk in enumerate(wanted):
        IssueArticle.objects.filter(pk=by_article[article_pk].pk).update(position=index)
    _refresh(issue, locked)


@transaction.atomic
def change_section(issue: Issue, article_id, section_id, *, by):
    """Place an article in another section of this issue (at the end of it)."""
    locked = _begin_change(issue, by)
    placement = _placement(locked, article_id)
    try:
        section = locked.publication.sections.get(pk=section_id, active=True)
    except (Section.DoesNotExist, ValueError, TypeError):
        raise IssueError("请选择本刊物的一个栏目。") from None
    if section.pk == placement.section_id:
        return
    _reopen(locked, by, f"将《{placement.article.title}》移至“{section.name}”")
    old_section = placement.section_id
    last = locked.placements.filter(section=section).aggregate(m=Max("position"))["m"]
    placement.section = section
    placement.position = 0 if last is None else last + 1
    placement.save(update_fields=["section", "position"])
    _normalise_positions(locked, old_section)
    _refresh(issue, locked)


@transaction.atomic
def move_section(issue: Issue, section_id, direction: str, *, by):
    """Move a section one place up or down in this issue's order."""
    locked = _begin_change(issue, by)
    order = [s.pk for s in effective_section_order(locked)]
    try:
        index = order.index(int(section_id))
    except (ValueError, TypeError):
        raise IssueError("没有这个栏目，请刷新页面。") from None
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(order):
        return
    _reopen(locked, by, "调整栏目顺序")
    order[index], order[target] = order[target], order[index]
    locked.section_order = order
    locked.save(update_fields=["section_order", "updated_at"])
    _refresh(issue, locked)


@transaction.atomic
def set_focus(issue: Issue, article_id, *, by):
    """Mark the focus article (本期焦点); it must be one of the issue's articles."""
    locked = _begin_change(issue, by)
    placement = _placement(locked, article_id)
    if locked.focus_article_id == placement.article_id:
        return
    _reopen(locked, by, f"将本期焦点改为《{placement.article.title}》")
    locked.focus_article = placement.article
    locked.save(update_fields=["focus_article", "updated_at"])
    _refresh(issue, locked)


def set_visibility(issue: Issue, visibility: str, *, by):
    """Choose who may read the issue once published: internal (内部资料) or public.

    Who may read is part of what the head signs off, so a change reopens a signed-off issue.
    """
    if visibility not in Visibility.values:
        raise IssueError("请选择可见范围。")
    locked = _begin_change(issue, by)
    if locked.visibility == visibility:
        return
    _reopen(locked, by, f"将可见范围改为“{Visibility(visibility).label}”")
    locked.visibility = visibility
    locked.save(update_fields=["visibility", "updated_at"])
    _refresh(issue, locked)


def assembly_problems(issue: Issue) -> list[str]:
    """What keeps the issue from being submitted or signed off; empty when it is ready."""
    from editorial.models import Article

    problems = []
    placements = list(issue.placements.select_related("article", "section"))
    if not placements:
        problems.append("本期还没有编入稿件。")
    for p in placements:
        if p.article.status != Article.Status.APPROVED:
            problems.append(
                f"《{p.article.title}》尚未审核通过（当前状态：{p.article.get_status_display()}）。"
            )
    used = {p.section_id for p in placements}
    for section in issue.publication.sections.filter(active=True, required=True):
        if section.pk not in used:
            problems.append(f"必备栏目“{section.name}”还没有稿件。")
    if issue.focus_article_id is None:
        problems.append("还没有指定本期焦点文章。")
    elif issue.focus_article_id not in {p.article_id for p in placements}:
        problems.append("本期焦点文章不在本期稿件中，请重新指定。")
    return problems


# ---------------------------------------------------------------------------------------------
# Sign-off


@transaction.atomic
def submit_for_sign_off(issue: Issue, *, by) -> Issue:
    _require(by, EDITOR, HEAD, action="提交签发")
    locked = _lock(issue)
    if locked.status != Issue.Status.DRAFT:
        raise IssueError(f"本期当前状态为“{locked.get_status_display()}”，不能提交签发。")
    problems = assembly_problems(locked)
    if problems:
        raise IssueError("本期还不能提交签发，请先处理以下问题：", problems)
    locked.status = Issue.Status.SUBMITTED
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, IssueEvent.Action.SUBMITTED, by)
    return _refresh(issue, locked)


@transaction.atomic
def return_issue(issue: Issue, *, by, comment: str) -> Issue:
    """The head sends a submitted (or signed-off, unpublished) issue back with a comment."""
    _require(by, HEAD, action="退回期刊")
    comment = (comment or "").strip()
    if not comment:
        raise IssueError("请填写退回意见，说明需要修改什么。")
    locked = _lock(issue)
    if locked.status not in (Issue.Status.SUBMITTED, Issue.Status.SIGNED_OFF):
        raise IssueError(f"本期当前状态为“{locked.get_status_display()}”，不能退回。")
    if locked.status == Issue.Status.SIGNED_OFF:
        void_sign_off(locked, reason="主任撤销签发并退回", by=by)
    locked.status = Issue.Status.DRAFT
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, IssueEvent.Action.RETURNED, by, comment)
    return _refresh(issue, locked)


@transaction.atomic
def sign_off(issue: Issue, *, by, comment: str = "", fingerprint: str | None = None):
    """Record the head's sign-off of the issue's exact current content.

    `fingerprint` is the content the head looked at (carried by the sign-off form); if the
    issue changed since, the sign-off is refused rather than covering unseen content.
    """
    from editorial.models import SignOff
    from editorial.signoff import issue_fingerprint

    _require(by, HEAD, action="签发")
    locked = _lock(issue)
    if locked.status == Issue.Status.SIGNED_OFF:
        raise IssueError("本期已经签发。")
    if locked.status != Issue.Status.SUBMITTED:
        raise IssueError(f"本期当前状态为“{locked.get_status_display()}”，不能签发。")
    problems = assembly_problems(locked)
    if problems:
        raise IssueError("本期还不能签发：", problems)
    current = issue_fingerprint(locked)
    if fingerprint and fingerprint != current:
        raise IssueError("您查看之后本期内容有变动，请重新查看后再签发。")
    record = SignOff.objects.create(
        issue=locked, signed_by=by, content_hash=current, comment=(comment or "").strip()
    )
    locked.status = Issue.Status.SIGNED_OFF
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, IssueEvent.Action.SIGNED_OFF, by, record.comment)
    _refresh(issue, locked)
    return record


def check_sign_off(issue_id: int, *, by=None, reason: str = "签发后内容有变动") -> bool:
    """Safety net: void the sign-off of a signed-off issue whose content no longer matches it.

    Called from signals after any save of an article, placement or issue, so a change made
    outside the services (admin, shell, another module) cannot be published unsigned.
    """
    from editorial.signoff import issue_fingerprint, valid_sign_off

    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        if issue is None or issue.status != Issue.Status.SIGNED_OFF:
            return False
        record = valid_sign_off(issue)
        # Without a valid sign-off there is nothing to void (and publishing refuses anyway).
        if record is None or record.content_hash == issue_fingerprint(issue):
            return False
        return void_sign_off(issue, reason=reason, by=by)


# ---------------------------------------------------------------------------------------------
# Publishing


def _next_numbers(publication: Publication, year: int) -> Numbers:
    serial = publication.next_serial_number()
    # Imported back issues may already carry higher serials than the counter knows.
    highest = publication.issues.aggregate(m=Max("serial_number"))["m"]
    if highest is not None and highest >= serial:
        serial = highest + 1
    # 第N期 counts within the issue's own year (a December issue published in January is
    # still that year's last issue); withdrawn issues keep their numbers, so they count.
    last_in_year = (
        publication.issues.filter(year=year).aggregate(m=Max("year_number"))["m"] or 0
    )
    return Numbers(year_number=last_in_year + 1, serial_number=serial)


def assert_signed_off(issue: Issue):
    """The issue's valid sign-off, if it still covers exactly the issue's current content."""
    from editorial.signoff import issue_fingerprint, valid_sign_off

    sign_off = valid_sign_off(issue)
    if issue.status != Issue.Status.SIGNED_OFF or sign_off is None:
        raise PublishError("本期尚未经主任签发，不能发布。")
    if sign_off.content_hash != issue_fingerprint(issue):
        raise PublishError("签发后本期内容有变动，签发已失效，请重新提交签发。")
    return sign_off


def _freeze(placements: list[IssueArticle]) -> None:
    """Pin each placed article's current revision and mark the articles published."""
    from editorial.models import Article
    from editorial.revisions import current_revision

    for placement in placements:
        # update() rather than save(): pinning is not a content change (no signals).
        IssueArticle.objects.filter(pk=placement.pk).update(revision=current_revision(placement.article))
    Article.objects.filter(pk__in=[p.article_id for p in placements]).update(status=Article.Status.PUBLISHED)


def publish_issue(issue: Issue, *, by, require_sign_off: bool = True, sign_off_id=None) -> Issue:
    """Publish `issue`: assign its numbers, pin every article's revision, set the date.

    Safe against double submission and races: the publication row is locked first, then the
    issue row; a second publish of the same issue sees it published and is refused with
    "已经发布" instead of numbering it twice. `sign_off_id` (carried by the publish form) must
    be the issue's valid sign-off, so a form shown before a re-sign-off cannot publish.
    """
    _require(by, HEAD, EDITOR, action="发布期刊")
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=issue.publication_id)
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if locked.status == Issue.Status.PUBLISHED:
            raise PublishError(f"{locked} 已经发布（第{locked.year_number}期，总第{locked.serial_number}期），不能重复发布。")
        if locked.status == Issue.Status.WITHDRAWN:
            raise PublishError("该期已撤回，不能再次发布。")
        if require_sign_off:
            record = assert_signed_off(locked)
            if sign_off_id is not None and str(record.pk) != str(sign_off_id):
                raise PublishError("本期的签发已变更，请刷新页面后再发布。")
        placements = list(locked.placements.select_related("article"))
        if not placements:
            raise PublishError("本期还没有稿件，不能发布。")

        numbers = _next_numbers(publication, locked.year)
        _freeze(placements)

        now = timezone.now()
        locked.year_number = numbers.year_number
        locked.serial_number = numbers.serial_number
        locked.status = Issue.Status.PUBLISHED
        locked.published_at = now
        if locked.publication_date is None:
            locked.publication_date = timezone.localdate(now)
        locked.save()
        publication.last_serial_number = numbers.serial_number
        publication.save(update_fields=["last_serial_number"])
        _event(
            locked, IssueEvent.Action.PUBLISHED, by,
            f"第{numbers.year_number}期，总第{numbers.serial_number}期",
        )
        # Render and store the PDF once the publish has committed; never makes publishing fail.
        from .pdf_store import schedule_issue_pdf

        schedule_issue_pdf(locked)
    issue.refresh_from_db()
    return issue


def publish_back_issue(issue: Issue, *, year_number: int, serial_number: int, by=None) -> Issue:
    """Record an issue that was published before Bulletin (import, demo) with its own numbers.

    The numbers are checked for duplicates under the same lock as `publish_issue`, and the
    counter moves past them so the next regular publish continues the series.
    """
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=issue.publication_id)
        clash = publication.issues.exclude(pk=issue.pk).filter(serial_number=serial_number)
        if clash.exists():
            raise PublishError(f"总第{serial_number}期已存在，不能重复导入。")
        if publication.issues.exclude(pk=issue.pk).filter(year=issue.year, year_number=year_number).exists():
            raise PublishError(f"{issue.year}年第{year_number}期已存在。")
        _freeze(list(issue.placements.select_related("article")))
        issue.year_number = year_number
        issue.serial_number = serial_number
        issue.status = Issue.Status.PUBLISHED
        issue.published_at = issue.published_at or timezone.now()
        issue.save()
        if publication.last_serial_number is None or publication.last_serial_number < serial_number:
            publication.last_serial_number = serial_number
            publication.save(update_fields=["last_serial_number"])
        IssueEvent.objects.create(
            issue=issue, action=IssueEvent.Action.PUBLISHED, actor=by,
            comment=f"按原期号录入：第{year_number}期，总第{serial_number}期",
        )
    return issue


# ---------------------------------------------------------------------------------------------
# After publishing: withdrawal and errata


@transaction.atomic
def withdraw_issue(issue: Issue, *, by, reason: str) -> Issue:
    """Hide a published issue from readers. Its numbers stay taken; it cannot be republished."""
    _require(by, HEAD, action="撤回期刊")
    reason = (reason or "").strip()
    if not reason:
        raise IssueError("请填写撤回原因。")
    locked = _lock(issue)
    if locked.status == Issue.Status.WITHDRAWN:
        raise IssueError("本期已经撤回。")
    if locked.status != Issue.Status.PUBLISHED:
        raise IssueError("只有已发布的期刊才能撤回。")
    locked.status = Issue.Status.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, IssueEvent.Action.WITHDRAWN, by, reason)
    return _refresh(issue, locked)


@transaction.atomic
def propose_erratum(issue: Issue, *, text: str, by) -> Erratum:
    _require(by, EDITOR, HEAD, action="提出勘误")
    text = (text or "").strip()
    if not text:
        raise IssueError("请填写勘误内容。")
    if len(text) > 2000:
        raise IssueError("勘误内容不能超过 2000 字。")
    locked = _lock(issue)
    if locked.status != Issue.Status.PUBLISHED:
        raise IssueError("只有已发布的期刊才能提出勘误。")
    erratum = Erratum.objects.create(issue=locked, text=text, created_by=by)
    _event(locked, IssueEvent.Action.ERRATUM_PROPOSED, by, text)
    return erratum


@transaction.atomic
def approve_erratum(erratum: Erratum, *, by) -> Erratum:
    """The head approves a proposed erratum: it is published beside the issue from now on."""
    _require(by, HEAD, action="批准勘误")
    locked = Erratum.objects.select_for_update().select_related("issue").get(pk=erratum.pk)
    if locked.published_at is not None:
        raise IssueError("这条勘误已经发布。")
    if locked.issue.status != Issue.Status.PUBLISHED:
        raise IssueError("本期不在发布状态，不能发布勘误。")
    locked.approved_by = by
    locked.published_at = timezone.now()
    locked.save(update_fields=["approved_by", "published_at"])
    _event(locked.issue, IssueEvent.Action.ERRATUM, by, locked.text)
    from .pdf_store import invalidate_issue_pdf

    # The stored PDF carries the errata: drop the old file, render the new one after commit.
    invalidate_issue_pdf(locked.issue)
    erratum.refresh_from_db()
    return erratum
