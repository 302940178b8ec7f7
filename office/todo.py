"""待办: what waits for the signed-in user, most urgent first, and the counts behind the badges.

    review           articles at a review level of mine (not mine to approve: written or last
                     edited by me, or approved by me at an earlier level of this round)
    returned         my articles returned to me, with the reviewer's comment
    drafts           my drafts for an issue whose 截稿 is near or past
    signoff          issues waiting for my 签发 (head)
    errata           errata waiting for approval (head)
    issue_returned   issues the head returned to the editors, with the head's comment (editors)
    issue_submit     issues still 编排中 whose 签发截止 is near or past (editors)
    publish          signed-off issues waiting to be published (editors and the head)
    next_issue       publications with no open issue: the next period's issue is still to be
                     created (editors and the head; shown only when there is one)

A list that cannot concern the user's roles is not computed and not shown. `for_user` costs a
fixed number of queries whatever the size of the archive; `counts` fewer (the navigation's
badges, on every desk page).
"""

from __future__ import annotations

import datetime
import functools
import operator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from bulletin.models import (
    BackIssueReplacement,
    Erratum,
    Issue,
    IssueArticle,
    attach_return_events,
)
from bulletin.publishing.base import ASSEMBLERS
from common import periods
from common.dates import month_day_label
from common.roles import APPROVER, EDITOR, HEAD, group_ids, has_role
from editorial import workflow
from editorial.membership import publication_ids
from editorial.models import Article, ArticleTransition, ReviewLevel

from . import deadlines
from .deadlines import Due

Status = Article.Status

# key → the label of its count card (who may see which list: concerned_lists)
LISTS = {
    "next_issue": "待创建的下一期",
    "review": "待我审核",
    "returned": "退回给我的稿件",
    "drafts": "截稿临近的草稿",
    "signoff": "待我签发",
    "errata": "待批准的勘误",
    "replacements": "待批准的往期替换",
    "issue_returned": "退回修改的期刊",
    "issue_submit": "待提交签发",
    "publish": "待发布",
}

# Lists in the navigation's "期刊编排" badge (the rest count in "审核" and "待办").
ISSUE_LISTS = ("next_issue", "signoff", "errata", "replacements", "issue_returned", "issue_submit", "publish")


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


@dataclass
class Item:
    kind: str
    title: str
    url: str
    due: Due | None = None
    since: datetime.datetime | None = None
    meta: str = ""
    note: str = ""  # a returning reviewer's or the head's comment
    note_by: str = ""
    action: str = ""  # what to do, as a button label
    extra: str = ""  # one more line under the meta
    post: dict | None = None  # the action is a form posted to `url` with these fields

    @property
    def kind_label(self) -> str:
        return LISTS[self.kind]

    def urgency(self):
        far = datetime.date.max
        return (self.due.date if self.due else far, self.since or timezone.now())


@dataclass
class TodoList:
    key: str
    count: int
    url: str
    items: list[Item] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LISTS[self.key]


@dataclass
class Todo:
    lists: list[TodoList]
    today: datetime.date
    # Each open issue with its deadlines and what is outstanding for each: [(issue, [Step, …])].
    schedule: list = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        """Every shown item, most urgent first: the earliest deadline (late ones first), then
        what has waited longest."""
        return sorted((item for lst in self.lists for item in lst.items), key=Item.urgency)

    @property
    def total(self) -> int:
        return sum(lst.count for lst in self.lists)

    def count(self, key) -> int:
        return next((lst.count for lst in self.lists if lst.key == key), 0)

    @property
    def review_count(self) -> int:
        return self.count("review")

    @property
    def issue_count(self) -> int:
        return sum(lst.count for lst in self.lists if lst.key in ISSUE_LISTS)

    @property
    def keys(self) -> list[str]:
        return [lst.key for lst in self.lists]


# ---------------------------------------------------------------------------------------------
# Who may be concerned by which list
# ---------------------------------------------------------------------------------------------


def _is_reviewer(user) -> bool:
    if user.is_superuser or has_role(user, APPROVER):
        return True
    group_ids, levels = _review_levels(user)
    return any(group_id in group_ids for _publication, _level, group_id in levels)


def concerned_lists(user) -> list[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    keys = []
    if has_role(user, *ASSEMBLERS):
        keys.append("next_issue")  # dropped when there is nothing to create (for_user, counts)
    if _is_reviewer(user):
        keys.append("review")
    if has_role(user, EDITOR):
        keys += ["returned", "drafts"]
    if has_role(user, HEAD):
        keys += ["signoff", "errata", "replacements"]
    if has_role(user, EDITOR):
        keys += ["issue_returned", "issue_submit"]
    if has_role(user, EDITOR, HEAD):
        keys.append("publish")
    return keys


# ---------------------------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------------------------


def _review_levels(user):
    """The user's group ids and every review level, read once per user object: a desk page
    asks for them for its lists and again for the navigation's badges (issue #15)."""
    cached = getattr(user, "_todo_review_levels", None)
    if cached is None:
        cached = (
            group_ids(user),
            list(ReviewLevel.objects.values_list("publication_id", "level", "group_id")),
        )
        user._todo_review_levels = cached
    return cached


def review_filter(user) -> Q:
    """Submitted articles at a level whose group the user belongs to (superusers: every level)."""
    if user.is_superuser:
        return Q(status=Status.SUBMITTED)
    q = Q(pk__in=[])
    group_ids, rows = _review_levels(user)
    configured = {publication_id for publication_id, _level, _group in rows}
    for publication_id, level, group_id in rows:
        if group_id in group_ids:
            q |= Q(publication_id=publication_id, review_level=level)
    if has_role(user, APPROVER):
        # Publications without configured levels have one level, reviewed by the approver group.
        q |= Q(review_level=1) & ~Q(publication_id__in=configured)
    # Only in the publications the user works in (刊物成员).
    return Q(status=Status.SUBMITTED, publication_id__in=publication_ids(user)) & q


def awaiting_review_q(user) -> Q:
    """Articles waiting for `user`'s review: at one of their levels, not written or last edited
    by them, not already approved by them in this review round (four-eyes rule). A Q, so that
    the review queue and the navigation's badge (one aggregate with the other counts) share it."""
    # The transition that started the article's current review round (submit, reopen, restart).
    round_start = Subquery(
        ArticleTransition.objects.filter(
            article=OuterRef("article_id"), action__in=[workflow.SUBMIT, workflow.REOPEN, workflow.RESTART]
        )
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    approved_this_round = ArticleTransition.objects.filter(
        article=OuterRef("pk"), actor=user, action=workflow.APPROVE, pk__gt=Coalesce(round_start, Value(0))
    )
    return review_filter(user) & ~Q(author=user) & ~Q(last_edited_by=user) & ~Exists(approved_this_round)


def awaiting_review(user, qs=None):
    """The articles of `awaiting_review_q`, from `qs` (default: every article)."""
    qs = Article.objects.all() if qs is None else qs
    return qs.filter(awaiting_review_q(user))


class _Context:
    """What every list needs, read once: the open issues and each publication's current issue."""

    def __init__(self, today, user):
        self.today = today
        # Only the publications the user works in (刊物成员): their issues, deadlines and schedule.
        mine = publication_ids(user)
        rows = [issue for issue in deadlines.open_issues(with_latest=True) if issue.publication_id in mine]
        self.issues = [issue for issue in rows if issue.status in deadlines.OPEN]
        # publication id → its latest issue of its period when that one is no longer open
        # (published, withdrawn): the publication has no issue in hand (next_issue).
        self.finished = {issue.publication_id: issue for issue in rows if issue.status not in deadlines.OPEN}
        self.by_id = {issue.pk: issue for issue in self.issues}
        self.current = deadlines.current_issues(self.issues)

    def due(self, issue, field_name):
        return deadlines.due(issue, field_name, self.today)

    def article_due(self, article, field_name):
        return self.due(deadlines.issue_for(article, self.by_id, self.current), field_name)

    def near(self, field_name):
        """Open issues whose deadline `field_name` is near (within the reminder window) or past."""
        return [i for i in self.issues if (d := self.due(i, field_name)) is not None and d.is_near]


def _first(qs, limit):
    """The first `limit` rows and the count of all, in one query (a window count), or the count
    alone when limit is 0."""
    if not limit:
        return [], qs.count()
    rows = list(qs.annotate(total_count=Window(Count("pk")))[:limit])
    return rows, (rows[0].total_count if rows else 0)


def _articles():
    return Article.objects.select_related("section", "author", "last_edited_by").annotate(
        placed_issue=deadlines.placed_issue_id()
    )


def _article_item(kind, article, due, action):
    meta = f"{article.section.name} · {_name(article.author)}"
    if article.status == Status.SUBMITTED:
        meta += f" · 第{article.review_level}级审核"
    return Item(kind, article.title, reverse("desk:article_detail", args=[article.pk]), due=due,
                since=article.updated_at, meta=meta, action=action)


def _review(user, ctx, limit):
    qs = awaiting_review(user, _articles())
    rows, count = _first(qs.order_by("updated_at", "pk"), limit)
    items = [_article_item("review", a, ctx.article_due(a, "review_due"), "审核") for a in rows]
    return TodoList("review", count, reverse("desk:review_queue"), items)


def _returned(user, ctx, limit):
    qs = _articles().filter(author=user, status=Status.RETURNED)
    rows, count = _first(qs.order_by("updated_at", "pk"), limit)
    last_returns = workflow.last_returns(rows)
    items = []
    for article in rows:
        item = _article_item("returned", article, ctx.article_due(article, "draft_due"), "修改")
        item.url = reverse("desk:article_edit", args=[article.pk])
        entry = last_returns.get(article.pk)
        if entry:
            item.note, item.note_by, item.since = entry.comment, _name(entry.actor), entry.created_at
        items.append(item)
    return TodoList("returned", count, reverse("desk:article_list") + "#returned", items)


def _drafts(user, ctx, limit):
    near = ctx.near("draft_due")
    if not near:
        return TodoList("drafts", 0, reverse("desk:article_list") + "#drafts")
    qs = _articles().filter(author=user, status=Status.DRAFT).filter(deadlines.for_issues_q(near, ctx.current))
    rows, count = _first(qs.order_by("updated_at", "pk"), limit)
    items = []
    for article in rows:
        item = _article_item("drafts", article, ctx.article_due(article, "draft_due"), "完成并提交审核")
        item.url = reverse("desk:article_edit", args=[article.pk])
        items.append(item)
    return TodoList("drafts", count, reverse("desk:article_list") + "#drafts", items)


# ---------------------------------------------------------------------------------------------
# Issues and errata
# ---------------------------------------------------------------------------------------------


def _issue_item(kind, issue, due, action, url=None):
    return Item(kind, f"{issue.publication.name} {issue.month_label}",
                url or reverse("desk:issue_detail", args=[issue.pk]), due=due, since=issue.updated_at,
                meta=issue.desk_status_label, action=action)


def _issue_list(key, issues, make, url, limit):
    return TodoList(key, len(issues), url, [make(issue) for issue in issues[:limit]])


def _signoff(user, ctx, limit):
    # Not an issue the head submitted themselves, unless the publication lets the head work alone.
    issues = [i for i in ctx.issues if i.status == Issue.Status.SUBMITTED and deadlines.may_sign(i, user.pk)]
    return _issue_list("signoff", issues, lambda i: _issue_item(
        "signoff", i, ctx.due(i, "signoff_due"), "审阅并签发", reverse("desk:issue_signoff", args=[i.pk])
    ), reverse("desk:issue_list") + "?show=signoff", limit)


def _issue_returned(user, ctx, limit):
    issues = [i for i in ctx.issues if i.is_returned]
    attach_return_events(issues[:limit])

    def make(issue):
        item = _issue_item("issue_returned", issue, ctx.due(issue, "signoff_due"), "修改后重新提交签发")
        if issue.return_event:
            item.note, item.note_by = issue.return_event.comment, _name(issue.return_event.actor)
            item.since = issue.return_event.created_at
        return item

    return _issue_list("issue_returned", issues, make, reverse("desk:issue_list") + "?show=returned", limit)


def _issue_submit(user, ctx, limit):
    issues = [
        i for i in ctx.issues
        if i.status == Issue.Status.DRAFT and not i.is_returned
        and (d := ctx.due(i, "signoff_due")) is not None and d.is_near
    ]
    return _issue_list("issue_submit", issues, lambda i: _issue_item(
        "issue_submit", i, ctx.due(i, "signoff_due"), "编排并提交签发"
    ), reverse("desk:issue_list"), limit)


def _publish(user, ctx, limit):
    # A scheduled issue (定时发布) waits for nobody: the worker publishes it at its time.
    issues = [i for i in ctx.issues if i.status == Issue.Status.SIGNED_OFF and i.scheduled_publish_at is None]
    return _issue_list("publish", issues, lambda i: _issue_item(
        "publish", i, ctx.due(i, "publish_due"), "发布"
    ), reverse("desk:issue_list") + "?show=publish", limit)


def _errata(user, ctx, limit):
    # Never one the head proposed: a correction always needs a second person.
    qs = Erratum.objects.filter(
        published_at__isnull=True, issue__status=Issue.Status.PUBLISHED,
        issue__publication_id__in=publication_ids(user),
    ).exclude(created_by=user)
    rows, count = _first(qs.select_related("issue__publication", "created_by").order_by("created_at", "pk"), limit)
    items = [
        Item("errata", f"{e.issue.publication.name} {e.issue.month_label} {e.issue.numbers_label} 勘误",
             reverse("desk:issue_detail", args=[e.issue_id]) + "#errata", since=e.created_at,
             meta=f"{_name(e.created_by)} 提出", note=e.text, action="批准")
        for e in rows
    ]
    return TodoList("errata", count, reverse("desk:issue_list") + "?show=errata", items)


def _replacements(user, ctx, limit):
    # Never one the head asked for: replacing a back issue always needs a second person.
    qs = BackIssueReplacement.objects.filter(
        status=BackIssueReplacement.Status.PENDING, issue__publication_id__in=publication_ids(user)
    ).exclude(requested_by=user).defer("data")
    rows, count = _first(qs.select_related("issue__publication", "requested_by").order_by("requested_at", "pk"), limit)
    items = [
        Item("replacements", f"替换{r.issue}", reverse("desk:import_replacement", args=[r.pk]),
             since=r.requested_at, meta=f"{_name(r.requested_by)} 申请，新文件 {r.filename}（{r.summary}）",
             action="批准或拒绝")
        for r in rows
    ]
    return TodoList("replacements", count, reverse("desk:import_replacements"), items)


# ---------------------------------------------------------------------------------------------
# The next issue (a publication with no issue in hand)
# ---------------------------------------------------------------------------------------------

LEFTOVER = (Status.DRAFT, Status.RETURNED)


def _without_next_issue(ctx) -> list[tuple]:
    """The periodic publications the user works in whose latest issue is no longer open and that
    have no other open issue of their period: [(publication, (year, month) of the next period)],
    read with the open issues (no query of their own)."""
    busy = {i.publication_id for i in ctx.issues if i.frequency != periods.IRREGULAR}
    found = []
    for publication_id, latest in ctx.finished.items():
        publication = latest.publication
        if publication_id in busy or not periods.is_periodic(publication.frequency):
            continue
        found.append((publication, periods.next_period(publication.frequency, latest.year, latest.month)))
    return sorted(found, key=lambda row: (row[0].schedule_for(*row[1])["draft_due"], row[0].name))


def _leftover(publications) -> dict[int, int]:
    """publication id → its drafts and returned articles not placed in any issue: one query."""
    if not publications:
        return {}
    placed = IssueArticle.objects.exclude(issue__status=Issue.Status.WITHDRAWN).values("article_id")
    rows = (
        Article.objects.filter(publication__in=[p.pk for p in publications], status__in=LEFTOVER)
        .exclude(pk__in=placed).values("publication_id").annotate(n=Count("pk")).order_by()
    )
    return {row["publication_id"]: row["n"] for row in rows}


def _next_issue_item(publication, year, month, leftover, ctx):
    schedule = publication.schedule_for(year, month)
    label = periods.period_label(publication.frequency, year, month)
    plan = " · ".join(f"{deadlines.LABELS[name]} {month_day_label(day)}" for name, day in schedule.items())
    item = Item(
        "next_issue", f"下一期尚未创建：《{publication.name}》{label}", reverse("desk:issue_list"),
        due=deadlines.Due("draft_due", schedule["draft_due"], ctx.today, publication.reminder_days),
        meta=f"计划日程：{plan}", action="创建下一期",
        post={"publication": publication.pk, "year": year, "month": month},
    )
    if leftover:
        item.extra = f"另有{leftover}篇稿件未编入期刊"
    return item


def _next_issue(user, ctx, limit):
    found = _without_next_issue(ctx)
    shown = found[:limit]
    leftover = _leftover([publication for publication, _period in shown])
    items = [_next_issue_item(p, year, month, leftover.get(p.pk, 0), ctx) for p, (year, month) in shown]
    return TodoList("next_issue", len(found), reverse("desk:issue_list"), items)


def _shown(lists):
    """The next issue's list only when there is one to create (no empty card)."""
    return [lst for lst in lists if lst.key != "next_issue" or lst.count]


BUILDERS = {
    "next_issue": _next_issue,
    "review": _review,
    "returned": _returned,
    "drafts": _drafts,
    "signoff": _signoff,
    "errata": _errata,
    "replacements": _replacements,
    "issue_returned": _issue_returned,
    "issue_submit": _issue_submit,
    "publish": _publish,
}


def for_user(user, *, limit: int = 10, today: datetime.date | None = None) -> Todo:
    """What waits for `user`: the lists that can concern their roles, each with its count and
    its `limit` most urgent items."""
    today = today or timezone.localdate()
    keys = concerned_lists(user)
    if not keys:
        return Todo([], today)
    ctx = _Context(today, user)
    lists = _shown([BUILDERS[key](user, ctx, limit) for key in keys])
    steps = deadlines.issue_steps(ctx.issues, today=today, current=ctx.current)
    schedule = [(issue, steps[issue.pk]) for issue in ctx.issues]
    return Todo(lists, today, schedule)


def _article_filters(user, ctx, keys) -> dict[str, Q]:
    """The article lists' conditions, for counting them together (counts)."""
    filters = {}
    if "review" in keys:
        filters["review"] = awaiting_review_q(user)
    if "returned" in keys:
        filters["returned"] = Q(author=user, status=Status.RETURNED)
    if "drafts" in keys and (near := ctx.near("draft_due")):
        # As a subquery, not an annotation of the counted rows: an aggregate over a subquery
        # annotation is wrapped in a derived table, where the review condition's correlated
        # EXISTS could no longer see the article's row.
        drafts = (
            Article.objects.filter(author=user, status=Status.DRAFT)
            .annotate(placed_issue=deadlines.placed_issue_id())
            .filter(deadlines.for_issues_q(near, ctx.current))
        )
        filters["drafts"] = Q(pk__in=drafts.values("pk"))
    return filters


def counts(user, *, today: datetime.date | None = None) -> Todo:
    """The same lists with their counts only (no items, no schedule): the navigation's badges,
    on every desk page. The article lists are counted together in one aggregate query (the
    rows of any of them, each counted with its own condition), the issue lists from the open
    issues read once: a fixed few queries whatever the archive (issue #15)."""
    today = today or timezone.localdate()
    keys = concerned_lists(user)
    if not keys:
        return Todo([], today)
    ctx = _Context(today, user)
    filters = _article_filters(user, ctx, keys)
    counted = {}
    if filters:
        counted = (
            Article.objects.filter(functools.reduce(operator.or_, filters.values()))
            .aggregate(**{key: Count("pk", filter=q) for key, q in filters.items()})
        )
    lists = []
    for key in keys:
        if key in counted:
            lists.append(TodoList(key, counted[key], _ARTICLE_LIST_URLS[key]()))
        else:  # drafts with no 截稿 near: nothing to count; the issue lists: no query
            lists.append(BUILDERS[key](user, ctx, 0))
    return Todo(_shown(lists), today)


_ARTICLE_LIST_URLS = {
    "review": lambda: reverse("desk:review_queue"),
    "returned": lambda: reverse("desk:article_list") + "#returned",
    "drafts": lambda: reverse("desk:article_list") + "#drafts",
}
