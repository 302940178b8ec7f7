"""Assembling an issue: creating it, placing articles, ordering sections, the focus article.

The focus (本期焦点) is one idea: the first article of the publication's 本期焦点 section
(`FOCUS_SECTION`). 设为焦点 places an article at the top of that section; moving, removing or
re-sectioning articles there moves the focus with them (said in 本期记录), so the badge on the
desk, the cover's focus line, the reader's 本期焦点 box and the TOC always name the same
article. A publication without such a section keeps a plain flag (`Issue.focus_article`).

Each action changes the issue through `changing_issue` (role check, one transaction, row lock);
a change to a submitted or signed-off issue sends it back to draft and voids the sign-off.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max

from common import periods
from common.checks import Check, CheckLevel, check, problems, warnings
from common.numbers import parse_int
from editorial.checks import article_checks
from editorial.membership import is_member
from editorial.models import Article

from .. import colophon
from ..models import (
    FOCUS_SECTION,
    Issue,
    IssueArticle,
    IssueEvent,
    Publication,
    Section,
    Visibility,
)
from .base import ASSEMBLERS, IssueError, changing_issue, record_event, reopen, require


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
    except (IssueArticle.DoesNotExist, ValueError, TypeError, OverflowError):
        raise IssueError("本期中没有这篇稿件，页面可能已过期，请刷新。") from None


def focus_section(issue: Issue) -> Section | None:
    """The publication's 本期焦点 section, if it has one."""
    return issue.publication.sections.filter(name=FOCUS_SECTION).first()


def _sync_focus(locked: Issue, by, *, say: bool = True) -> None:
    """Make the focus the first article of the 本期焦点 section (none if it is empty)."""
    section = focus_section(locked)
    if section is None:
        return
    first = (locked.placements.filter(section=section).select_related("article")
             .order_by("position", "pk").first())
    article = first.article if first else None
    if locked.focus_article_id == (article.pk if article else None):
        return
    locked.focus_article = article
    locked.save(update_fields=["focus_article", "updated_at"])
    if say:  # in 本期记录 once the issue has been submitted, like the change that caused it
        reopen(locked, by, f"本期焦点随之改为《{article.title}》" if article
               else "“本期焦点”栏目已无稿件，本期焦点随之取消")


def effective_section_order(issue: Issue) -> list[Section]:
    """The active sections of the publication in this issue's order."""
    sections = list(issue.publication.sections.filter(active=True).order_by("position", "pk"))
    used = set(issue.placements.values_list("section_id", flat=True))
    # A section deactivated after articles were placed in it still shows in this issue.
    if used - {s.pk for s in sections}:
        sections += list(Section.objects.filter(pk__in=used - {s.pk for s in sections}))
    rank = {section_id: index for index, section_id in enumerate(issue.section_order or [])}
    return sorted(sections, key=lambda s: rank.get(s.pk, len(rank)))


def create_issue(publication: Publication, *, year: int, month: int, by, title: str = "") -> Issue:
    """A new issue of the publication's frequency: `month` is any month of the period (a
    quarterly's 8 is its third quarter); an irregular issue (专刊、增刊) is named by `title`
    and may share its month with other issues."""
    require(by, *ASSEMBLERS, action="创建期刊")
    if not is_member(by, publication):
        raise IssueError(f"您不是《{publication.name}》的成员，不能为该刊物创建期刊。")
    year, month = parse_int(year), parse_int(month)
    if year is None or month is None:
        raise IssueError("请填写正确的年份和月份。")
    if not 1900 <= year <= 2200 or not 1 <= month <= 12:
        raise IssueError("请填写正确的年份（如 2026）和月份（1–12）。")
    frequency = publication.frequency
    title = (title or "").strip()
    if len(title) > 50:
        raise IssueError("专刊名称不能超过50个字。")
    if periods.is_periodic(frequency):
        title = ""
        month = periods.period_start(frequency, month)
    else:
        title = title or periods.DEFAULT_IRREGULAR_TITLE
    label = periods.period_label(frequency, year, month, title)
    taken = f"{publication.name} {label}已有一期，不能重复创建。"
    if periods.is_periodic(frequency) and Issue.objects.filter(
        publication=publication, year=year, month=month
    ).exclude(status=Issue.Status.REPLACED).exclude(frequency=periods.IRREGULAR).exists():
        raise IssueError(taken)
    try:
        with transaction.atomic():
            issue = Issue.objects.create(
                publication=publication, year=year, month=month, frequency=frequency, title=title,
                **publication.schedule_for(year, month, frequency),
            )
            record_event(issue, IssueEvent.Action.CREATED, by)
    except IntegrityError:  # created by someone else a moment ago
        raise IssueError(taken) from None
    return issue


def addable_articles(issue: Issue):
    """Approved articles of the publication that no other current issue has taken."""
    taken = IssueArticle.objects.exclude(issue__status=Issue.Status.WITHDRAWN).values("article_id")
    return (
        Article.objects.filter(publication=issue.publication_id, status=Article.Status.APPROVED)
        .exclude(pk__in=taken)
        .select_related("section")
        .order_by("section__position", "event_date", "pk")
    )


def add_article(issue: Issue, article, *, by, section: Section | None = None) -> IssueArticle:
    with changing_issue(issue, by=by) as locked:
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
        reopen(locked, by, f"加入稿件《{article.title}》")
        last = locked.placements.filter(section=section).aggregate(m=Max("position"))["m"]
        placement = IssueArticle.objects.create(
            issue=locked, article=article, section=section, position=0 if last is None else last + 1
        )
        _sync_focus(locked, by)
        return placement


def remove_article(issue: Issue, article_id, *, by) -> None:
    with changing_issue(issue, by=by) as locked:
        placement = _placement(locked, article_id)
        was_focus = locked.focus_article_id == placement.article_id
        successor = None
        if was_focus and (section := focus_section(locked)) is not None:
            successor = (locked.placements.filter(section=section).exclude(pk=placement.pk)
                         .select_related("article").order_by("position", "pk").first())
        reopen(locked, by, f"移出稿件《{placement.article.title}》" + (
            "" if not was_focus else f"（本期焦点随之改为《{successor.article.title}》）" if successor
            else "（本期焦点随之取消）"))
        placement.delete()
        if locked.focus_article_id == placement.article_id:
            locked.focus_article = successor.article if successor else None
            locked.save(update_fields=["focus_article", "updated_at"])
        _normalise_positions(locked, placement.section_id)
        _sync_focus(locked, by)


def move_article(issue: Issue, article_id, direction: str, *, by) -> IssueArticle | None:
    """Move an article one place up or down inside its section; the placement moved, or None
    when it was already first/last."""
    with changing_issue(issue, by=by) as locked:
        placement = _placement(locked, article_id)
        siblings = _normalise_positions(locked, placement.section_id)
        index = next(i for i, p in enumerate(siblings) if p.pk == placement.pk)
        target = index - 1 if direction == "up" else index + 1
        if direction not in ("up", "down") or not 0 <= target < len(siblings):
            return None  # already first/last: nothing changes, the sign-off stays valid
        reopen(locked, by, f"将《{placement.article.title}》{'上移' if direction == 'up' else '下移'}一位")
        a, b = siblings[index], siblings[target]
        a.position, b.position = b.position, a.position
        a.save(update_fields=["position"])
        b.save(update_fields=["position"])
        _sync_focus(locked, by)
    return placement


def reorder_section(issue: Issue, section_id, article_ids, *, by) -> None:
    """Set the order of the articles in one section (drag and drop sends the whole list)."""
    try:
        section_id = int(section_id)
        wanted = [int(pk) for pk in article_ids]
    except (TypeError, ValueError):
        raise IssueError("顺序数据有误，请刷新页面后重试。") from None
    with changing_issue(issue, by=by) as locked:
        placements = _normalise_positions(locked, section_id)
        if sorted(wanted) != sorted(p.article_id for p in placements):
            raise IssueError("本栏目的稿件已被他人修改，请刷新页面后重试。")
        if wanted == [p.article_id for p in placements]:
            return
        section = Section.objects.filter(pk=section_id).first()
        reopen(locked, by, f"调整栏目“{section.name if section else ''}”内的稿件顺序")
        by_article = {p.article_id: p for p in placements}
        for index, article_pk in enumerate(wanted):
            IssueArticle.objects.filter(pk=by_article[article_pk].pk).update(position=index)
        _sync_focus(locked, by)


def change_section(issue: Issue, article_id, section_id, *, by) -> IssueArticle | None:
    """Place an article in another section of this issue (at the end of it); the placement
    moved, or None when it was in that section already."""
    with changing_issue(issue, by=by) as locked:
        placement = _placement(locked, article_id)
        try:
            section = locked.publication.sections.get(pk=section_id, active=True)
        except (Section.DoesNotExist, ValueError, TypeError, OverflowError):
            raise IssueError("请选择本刊物的一个栏目。") from None
        if section.pk == placement.section_id:
            return None
        reopen(locked, by, f"将《{placement.article.title}》移至“{section.name}”")
        old_section = placement.section_id
        last = locked.placements.filter(section=section).aggregate(m=Max("position"))["m"]
        placement.section = section
        placement.position = 0 if last is None else last + 1
        placement.save(update_fields=["section", "position"])
        _normalise_positions(locked, old_section)
        _sync_focus(locked, by)
    return placement


def move_section(issue: Issue, section_id, direction: str, *, by) -> None:
    """Move a section one place up or down in this issue's order."""
    with changing_issue(issue, by=by) as locked:
        order = [s.pk for s in effective_section_order(locked)]
        try:
            index = order.index(int(section_id))
        except (ValueError, TypeError):
            raise IssueError("没有这个栏目，请刷新页面。") from None
        target = index - 1 if direction == "up" else index + 1
        if direction not in ("up", "down") or not 0 <= target < len(order):
            return
        name = next((s.name for s in effective_section_order(locked) if s.pk == order[index]), "")
        reopen(locked, by, f"将栏目“{name}”{'上移' if direction == 'up' else '下移'}一位")
        order[index], order[target] = order[target], order[index]
        locked.section_order = order
        locked.save(update_fields=["section_order", "updated_at"])


def reorder_sections(issue: Issue, section_ids, *, by) -> None:
    """Set this issue's section order (dragging a section sends the whole list)."""
    try:
        wanted = [int(pk) for pk in section_ids]
    except (TypeError, ValueError):
        raise IssueError("顺序数据有误，请刷新页面后重试。") from None
    with changing_issue(issue, by=by) as locked:
        current = effective_section_order(locked)
        if sorted(wanted) != sorted(s.pk for s in current):
            raise IssueError("本期的栏目已被他人修改，请刷新页面后重试。")
        if wanted == [s.pk for s in current]:
            return
        reopen(locked, by, "调整栏目顺序")
        locked.section_order = wanted
        locked.save(update_fields=["section_order", "updated_at"])


def set_focus(issue: Issue, article_id, *, by) -> None:
    """Make one of the issue's articles the focus (本期焦点).

    With a 本期焦点 section the article is placed first in it (from whatever section it was in),
    so the focus is always where it prints; the article that was first stays in the section.
    """
    with changing_issue(issue, by=by) as locked:
        placement = _placement(locked, article_id)
        section = focus_section(locked)
        if section is None:
            if locked.focus_article_id == placement.article_id:
                return
            reopen(locked, by, f"将本期焦点改为《{placement.article.title}》")
            locked.focus_article = placement.article
            locked.save(update_fields=["focus_article", "updated_at"])
            return
        siblings = _normalise_positions(locked, section.pk)
        if locked.focus_article_id == placement.article_id and siblings and siblings[0].pk == placement.pk:
            return
        moved = placement.section_id != section.pk
        reopen(locked, by, f"将本期焦点改为《{placement.article.title}》"
                           + (f"（由“{placement.section.name}”移至“{FOCUS_SECTION}”栏目首篇）" if moved
                              else f"（移至“{FOCUS_SECTION}”栏目首篇）"))
        old_section = placement.section_id
        for sibling in siblings:
            if sibling.pk != placement.pk:
                IssueArticle.objects.filter(pk=sibling.pk).update(position=sibling.position + 1)
        placement.section = section
        placement.position = 0
        placement.save(update_fields=["section", "position"])
        if moved:
            _normalise_positions(locked, old_section)
        _normalise_positions(locked, section.pk)
        _sync_focus(locked, by, say=False)


def set_visibility(issue: Issue, visibility: str, *, by) -> None:
    """Choose who may read the issue once published: internal (内部资料) or public.

    Who may read is part of what the head signs off (it is in the fingerprint), so a change
    reopens a submitted or signed-off issue.
    """
    if visibility not in Visibility.values:
        raise IssueError("请选择可见范围。")
    with changing_issue(issue, by=by) as locked:
        if locked.visibility == visibility:
            return
        reopen(locked, by, f"将可见范围改为“{Visibility(visibility).label}”")
        locked.visibility = visibility
        locked.save(update_fields=["visibility", "updated_at"])


def issue_checks(issue: Issue) -> list[Check]:
    """The issue's checklist before 提交签发, as its publication sets the checks.

    Three rows are always required, whatever the settings, because a sign-off relies on them:
    the issue has articles, every placed article is approved, the focus article (if any) is in
    the issue. The others follow the publication's 提交前检查 (必须满足 / 仅提醒 / 不检查), and
    each placed article's own checks (editorial.checks) are repeated here, so an article that
    was approved before a check was switched on cannot reach the head unnoticed.
    """
    publication = issue.publication
    placements = list(issue.placements.select_related("article", "section").order_by(
        "section__position", "position", "pk"))
    placed = {p.article_id for p in placements}
    checks = [
        check("has_articles", "本期已编入稿件", CheckLevel.REQUIRED,
              [] if placements else ["本期还没有编入稿件。"]),
        check("approved", "本期稿件都已审核通过", CheckLevel.REQUIRED, [
            f"《{p.article.title}》尚未审核通过（当前状态：{p.article.get_status_display()}）。"
            for p in placements if p.article.status != Article.Status.APPROVED
        ]),
    ]

    sections = effective_section_order(issue)
    used = {p.section_id for p in placements}
    required = [s for s in sections if s.active and s.required]
    checks.append(check(
        "required_sections",
        "必备栏目都有稿件（" + "、".join(s.name for s in required) + "）" if required else "必备栏目都有稿件",
        publication.check_required_sections,
        [f"必备栏目“{s.name}”还没有稿件。" for s in required if s.pk not in used],
    ))
    # The other sections: an issue with most of them empty should not go out without a word.
    empty = [s.name for s in sections if s.active and not s.required and s.pk not in used]
    if publication.check_required_sections != CheckLevel.OFF:
        checks.append(check(
            "other_sections", "其他栏目都有稿件", CheckLevel.WARN,
            ["栏目" + "、".join(f"“{name}”" for name in empty) + "本期没有稿件。"] if empty else [],
        ))

    section = focus_section(issue)
    first_in_focus = next((p.article_id for p in sorted(placements, key=lambda p: (p.position, p.pk))
                           if section is not None and p.section_id == section.pk), None)
    if issue.focus_article_id is not None and issue.focus_article_id not in placed:
        checks.append(check("focus", "已指定本期焦点文章", CheckLevel.REQUIRED,
                            ["本期焦点文章不在本期稿件中，请重新指定。"]))
    elif section is not None and issue.focus_article_id is not None and issue.focus_article_id != first_in_focus:
        # Placements changed outside the desk (the admin): the badge and the cover would disagree.
        checks.append(check("focus", "已指定本期焦点文章", CheckLevel.REQUIRED,
                            [f"本期焦点应是“{FOCUS_SECTION}”栏目的第一篇，请在编排页重新“设为焦点”。"]))
    else:
        checks.append(check("focus", "已指定本期焦点文章", publication.check_focus,
                            [] if issue.focus_article_id else ["还没有指定本期焦点文章。"]))

    # Each placed article's own checks, by level: one row for the required, one for the others.
    by_level: dict[str, list[str]] = {CheckLevel.REQUIRED: [], CheckLevel.WARN: []}
    levels_in_use = set()
    for p in placements:
        for c in article_checks(p.article, publication=publication):
            levels_in_use.add(c.level)
            by_level[c.level] += [f"《{p.article.title}》：{detail}" for detail in c.details]
    if CheckLevel.REQUIRED in levels_in_use:
        checks.append(check("articles_required", "每篇稿件满足提交前检查的必须项",
                            CheckLevel.REQUIRED, by_level[CheckLevel.REQUIRED]))
    if CheckLevel.WARN in levels_in_use:
        checks.append(check("articles_warn", "每篇稿件满足提交前检查的提醒项",
                            CheckLevel.WARN, by_level[CheckLevel.WARN]))

    pending = list(
        Article.objects.filter(publication=publication, status=Article.Status.SUBMITTED)
        .exclude(pk__in=placed).order_by("event_date", "pk").only("title")[:20]
    )
    checks.append(check(
        "in_review", "本刊没有仍在审核中的稿件", publication.check_in_review,
        [f"《{a.title}》还在审核中，审核通过后才能编入本期。" for a in pending],
    ))
    return [c for c in checks if c is not None]


def assembly_problems(issue: Issue) -> list[str]:
    """What keeps the issue from being submitted (failing required checks)."""
    return problems(issue_checks(issue))


# Checks of the world around the issue rather than of its content: they gate 提交签发, not the
# head's 签发 (an article submitted for review elsewhere must not stop a sign-off).
SUBMIT_ONLY_CHECKS = {"in_review"}


def sign_off_problems(issue: Issue) -> list[str]:
    """What keeps the head from signing the issue off: the failing required content checks,
    and for an internal issue the 版记 fields the rules for internal publications require."""
    found = problems(c for c in issue_checks(issue) if c.key not in SUBMIT_ONLY_CHECKS)
    missing = colophon.missing_for_internal(issue)
    if missing:
        found.append(
            "内部资料须在版记中载明以下项目，请在后台“刊物”设置中填写："
            + "、".join(missing) + "。"
        )
    return found


def assembly_warnings(issue: Issue) -> list[str]:
    """What the editor is warned of before submitting (failing optional checks)."""
    return warnings(issue_checks(issue))
