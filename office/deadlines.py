"""The month's deadlines: which issue a piece of work is for, how near its deadline is, and who
still has work for each deadline (the reminders and the calendar read this; 待办 agrees with it).

An issue's deadlines are its fields draft_due (截稿), review_due (审核截止), signoff_due (签发截止)
and publish_due (出版), set from the publication's rule (bulletin). The work each one asks for:

    截稿       articles for the issue still 草稿 or 退回: their authors submit them for review
    审核截止   articles for the issue 待审: the reviewers of their current level
    签发截止   the issue still 编排中 (editors submit it) or 待签发 (the head signs it off)
    出版       the issue not yet published: whoever holds it (editors, the head, editors and head
               after 签发)

An article is "for" the issue it is placed in; an article not placed anywhere is for its
publication's earliest issue still 编排中 (once an issue is submitted, new work goes to the next).

Every function here costs a fixed number of queries, whatever the number of issues or articles
(pending_work adds the membership reads of office.notifications.working_in: three queries per
publication with open issues, whatever the number of heads, editors and reviewers).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from bulletin.models import DEADLINES, Issue, IssueArticle
from common import periods
from common.roles import APPROVER, EDITOR, HEAD
from editorial import workflow
from editorial.models import Article, ArticleTransition, ReviewLevel

from .notifications import working_in

OPEN = (Issue.Status.DRAFT, Issue.Status.SUBMITTED, Issue.Status.SIGNED_OFF)
LABELS = {due: label for due, _day, label in DEADLINES}
ARTICLE_WORK = {"draft_due": (Article.Status.DRAFT, Article.Status.RETURNED), "review_due": (Article.Status.SUBMITTED,)}


@dataclass(frozen=True)
class Due:
    """A deadline as one person sees it today: 已逾期 / 今天截止 / 还有N天."""

    field: str
    date: datetime.date
    today: datetime.date
    remind_days: int = 2

    @property
    def label(self) -> str:
        return LABELS[self.field]

    @property
    def days_left(self) -> int:
        return (self.date - self.today).days

    @property
    def is_late(self) -> bool:
        return self.days_left < 0

    @property
    def is_near(self) -> bool:
        """Within the publication's reminder window, or past."""
        return self.days_left <= self.remind_days

    @property
    def state(self) -> str:
        if self.days_left < 0:
            return "late"
        if self.days_left == 0:
            return "today"
        return "near" if self.days_left <= self.remind_days else "later"

    @property
    def when(self) -> str:
        days = self.days_left
        if days < 0:
            return f"已逾期{-days}天"
        if days == 0:
            return "今天截止"
        return f"还有{days}天"

    @property
    def text(self) -> str:
        return f"{self.label} {self.date.month}月{self.date.day}日（{self.when}）"


def due(issue: Issue | None, field: str, today: datetime.date) -> Due | None:
    if issue is None or getattr(issue, field, None) is None:
        return None
    return Due(field, getattr(issue, field), today, issue.publication.reminder_days)


def open_issues(*, with_latest: bool = False):
    """Issues still on the desk, earliest month first, with the head's last hand-over annotated;
    `with_latest`: also each publication's latest issue of its period (not 专刊、增刊, not
    replaced) whatever its state, in the same query (待办's next issue)."""
    wanted = Q(status__in=OPEN)
    if with_latest:
        latest = (
            Issue.objects.filter(publication=OuterRef("publication_id")).exclude(status=Issue.Status.REPLACED)
            .exclude(frequency=periods.IRREGULAR).order_by("-year", "-month", "-pk").values("pk")[:1]
        )
        wanted |= Q(pk=Subquery(latest))
    return (
        Issue.objects.filter(wanted)
        .with_handover()
        .select_related("publication")
        .order_by("year", "month", "pk")
    )


def current_issues(issues) -> dict[int, Issue]:
    """publication id → the earliest issue still 编排中: where unplaced articles go."""
    current = {}
    for issue in issues:
        if issue.status == Issue.Status.DRAFT:
            current.setdefault(issue.publication_id, issue)
    return current


def may_sign(issue: Issue, user_id) -> bool:
    """Whether the head `user_id` may sign off the submitted `issue` (annotated with_handover):
    not the person who submitted it, unless the publication lets the head work alone."""
    return issue.publication.head_may_work_alone or getattr(issue, "handover_actor_id", None) != user_id


def placed_issue_id():
    """An annotation: the id of the (not withdrawn) issue an article is placed in, or None."""
    return Subquery(
        IssueArticle.objects.filter(article=OuterRef("pk"))
        .exclude(issue__status=Issue.Status.WITHDRAWN)
        .values("issue_id")[:1]
    )


def issue_for(article, issues_by_id: dict[int, Issue], current: dict[int, Issue]) -> Issue | None:
    """The open issue an article (annotated with placed_issue) is for; None if placed in a
    published issue or if its publication has no issue in 编排."""
    if article.placed_issue is not None:
        return issues_by_id.get(article.placed_issue)
    return current.get(article.publication_id)


def for_issues_q(issues, current: dict[int, Issue]) -> Q:
    """Articles for any of `issues`: placed in one, or unplaced in a publication whose current
    issue is one of them. Use on a queryset annotated with placed_issue=placed_issue_id()."""
    ids = [issue.pk for issue in issues]
    publications = [pub for pub, issue in current.items() if issue.pk in ids]
    return Q(placed_issue__in=ids) | Q(placed_issue__isnull=True, publication_id__in=publications)


# ---------------------------------------------------------------------------------------------
# How far each issue is with each deadline (待办's 本期日程, the calendar)
# ---------------------------------------------------------------------------------------------

# The article states still outstanding at each article deadline.
OUTSTANDING = {
    "draft_due": (Article.Status.DRAFT, Article.Status.RETURNED),
    "review_due": (Article.Status.DRAFT, Article.Status.RETURNED, Article.Status.SUBMITTED),
}


@dataclass
class Step:
    """One deadline of one issue, and what is still outstanding for it."""

    due: Due
    outstanding: int  # articles not yet there (截稿, 审核), or 1 while the issue is not (签发, 出版)

    @property
    def state(self) -> str:
        """done, late, today, near or later."""
        return "done" if not self.outstanding else self.due.state

    @property
    def is_late(self) -> bool:
        return self.state == "late"

    @property
    def summary(self) -> str:
        if not self.outstanding:
            return "已完成"
        field_name = self.due.field
        if field_name == "draft_due":
            what = f"{self.outstanding}篇稿件未提交"
        elif field_name == "review_due":
            what = f"{self.outstanding}篇稿件未审完"
        elif field_name == "signoff_due":
            what = "未签发"
        else:
            what = "未发布"
        return f"{what}（{self.due.when}）"


def issue_steps(issues, *, today=None, current=None) -> dict[int, list[Step]]:
    """issue id → its deadlines (those set) with what is outstanding for each. One query for the
    articles, whatever their number; `current` (publication → issue in 编排) when already known."""
    today = today or timezone.localdate()
    issues = list(issues)
    if current is None:
        current = current_issues(open_issues())
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    open_ones = [i for i in issues if i.status in OPEN]
    if open_ones:
        by_id = {i.pk: i for i in open_ones}
        rows = (
            Article.objects.filter(status__in=OUTSTANDING["review_due"])
            .annotate(placed_issue=placed_issue_id())
            .filter(for_issues_q(open_ones, current))
            .values("placed_issue", "publication_id", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            issue = by_id.get(row["placed_issue"]) if row["placed_issue"] else current.get(row["publication_id"])
            if issue is not None and issue.pk in by_id:
                counts[issue.pk][row["status"]] += row["n"]
    steps = {}
    for issue in issues:
        entry = []
        for name, _label, _date in issue.deadlines:
            if name in OUTSTANDING:
                outstanding = sum(counts[issue.pk][status] for status in OUTSTANDING[name])
            elif name == "signoff_due":
                outstanding = int(issue.status in (Issue.Status.DRAFT, Issue.Status.SUBMITTED))
            else:
                outstanding = int(issue.status in OPEN)
            entry.append(Step(due(issue, name, today), outstanding))
        steps[issue.pk] = entry
    return steps


# ---------------------------------------------------------------------------------------------
# Who still has work for each deadline (the reminders; also a cross-check of 待办)
# ---------------------------------------------------------------------------------------------


@dataclass
class Work:
    """One person's outstanding work for one deadline of one issue."""

    issue: Issue
    field: str
    user_id: int
    what: list[str] = field(default_factory=list)  # one phrase per thing ("《标题》待审核")
    url: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.field]

    @property
    def date(self) -> datetime.date:
        return getattr(self.issue, self.field)

    @property
    def count(self) -> int:
        return len(self.what)

    @property
    def key(self) -> str:
        """Names this reminder: one per issue, deadline (and its date) and person."""
        return f"deadline:{self.issue.pk}:{self.field}:{self.date.isoformat()}:{self.user_id}"


def _role_members(names) -> dict[str, set[int]]:
    User = get_user_model()
    rows = User.groups.through.objects.filter(group__name__in=names, user__is_active=True).values_list(
        "group__name", "user_id"
    )
    members = defaultdict(set)
    for name, user_id in rows:
        members[name].add(user_id)
    return members


def _group_members(group_ids) -> dict[int, set[int]]:
    User = get_user_model()
    rows = User.groups.through.objects.filter(group_id__in=group_ids, user__is_active=True).values_list(
        "group_id", "user_id"
    )
    members = defaultdict(set)
    for group_id, user_id in rows:
        members[group_id].add(user_id)
    return members


def _round_approvers(article_ids) -> dict[int, set[int]]:
    """article id → who approved it in the current review round (they may not approve it again)."""
    approvers: dict[int, set[int]] = defaultdict(set)
    rows = (
        ArticleTransition.objects.filter(
            article_id__in=article_ids,
            action__in=[workflow.SUBMIT, workflow.REOPEN, workflow.RESTART, workflow.APPROVE],
        )
        .order_by("article_id", "created_at", "pk")
        .values_list("article_id", "action", "actor_id")
    )
    for article_id, action, actor_id in rows:
        if action == workflow.APPROVE:
            approvers[article_id].add(actor_id)
        else:
            approvers[article_id] = set()
    return approvers


def _reviewers(publication_id, level, levels, members, approver_ids) -> set[int]:
    configured = levels.get(publication_id)
    if configured:
        group_id = configured.get(level) or configured[min(configured)]
        return set(members.get(group_id, ()))
    return set(approver_ids) if level == 1 else set()


def pending_work(*, issue_ids=None) -> list[Work]:
    """Everyone's outstanding work for every deadline of the open issues (or of those of them in
    `issue_ids`), in deadline order. Superusers count only through their groups. Heads, editors,
    reviewers and authors have work only for the publications they work in (office.notifications'
    working_in, editorial.membership's rule): another publication's deadlines are not theirs."""
    every = list(open_issues())
    current = current_issues(every)
    issues = [i for i in every if issue_ids is None or i.pk in set(issue_ids)]
    if not issues:
        return []
    by_id = {issue.pk: issue for issue in issues}
    roles = _role_members([EDITOR, HEAD, APPROVER])
    work: dict[tuple, Work] = {}
    staff: dict[int, set[int]] = {}

    def working(issue, user_ids) -> set[int]:
        """Of `user_ids`, who works in the issue's publication; read once per publication."""
        if issue.publication_id not in staff:
            candidates = set().union(*roles.values(), *members.values())
            staff[issue.publication_id] = working_in(candidates, issue.publication)
        return set(user_ids) & staff[issue.publication_id]

    def add(issue, field_name, user_id, what, url):
        if getattr(issue, field_name) is None:
            return
        entry = work.setdefault((issue.pk, field_name, user_id), Work(issue, field_name, user_id, url=url))
        entry.what.append(what)

    articles = list(
        Article.objects.filter(status__in=[*ARTICLE_WORK["draft_due"], *ARTICLE_WORK["review_due"]])
        .annotate(placed_issue=placed_issue_id())
        .filter(for_issues_q(issues, current))
        .only("pk", "title", "status", "review_level", "author_id", "last_edited_by_id", "publication_id")
        .order_by("pk")
    )
    submitted = [a for a in articles if a.status == Article.Status.SUBMITTED]
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    for row in ReviewLevel.objects.values_list("publication_id", "level", "group_id"):
        levels[row[0]][row[1]] = row[2]
    members = _group_members({g for per in levels.values() for g in per.values()}) if submitted else {}
    approved_by = _round_approvers([a.pk for a in submitted]) if submitted else {}
    for article in articles:
        issue = issue_for(article, by_id, current)
        if issue is None:
            continue
        if article.status in ARTICLE_WORK["draft_due"]:
            what = f"《{article.title}》{'退回待修改' if article.status == Article.Status.RETURNED else '未提交审核'}"
            # An author who no longer works in the publication cannot edit the draft: not theirs.
            for user_id in working(issue, {article.author_id}):
                add(issue, "draft_due", user_id, what, reverse("desk:article_edit", args=[article.pk]))
        else:
            reviewers = _reviewers(
                article.publication_id, article.review_level, levels, members, roles.get(APPROVER, ())
            )
            # A review group may be shared by several publications: only who works in this one.
            reviewers = working(issue, reviewers)
            reviewers -= {article.author_id, article.last_edited_by_id, *approved_by.get(article.pk, ())}
            for user_id in reviewers:
                add(issue, "review_due", user_id, f"《{article.title}》待您审核", reverse("desk:review_queue"))

    editors, heads = roles.get(EDITOR, set()), roles.get(HEAD, set())
    for issue in issues:
        url = reverse("desk:issue_detail", args=[issue.pk])
        sign_url = reverse("desk:issue_signoff", args=[issue.pk])
        if issue.status == Issue.Status.DRAFT:
            what = "本期被主任退回，待修改后重新提交签发" if issue.is_returned else "本期尚未提交签发"
            for user_id in working(issue, editors):
                add(issue, "signoff_due", user_id, what, url)
                add(issue, "publish_due", user_id, what, url)
        elif issue.status == Issue.Status.SUBMITTED:
            for user_id in (h for h in working(issue, heads) if may_sign(issue, h)):
                add(issue, "signoff_due", user_id, "本期待您签发", sign_url)
                add(issue, "publish_due", user_id, "本期待您签发", sign_url)
        elif issue.status == Issue.Status.SIGNED_OFF and issue.scheduled_publish_at is None:
            for user_id in working(issue, editors | heads):
                add(issue, "publish_due", user_id, "本期已签发，待发布", url)

    order = {name: index for index, name in enumerate(LABELS)}
    return sorted(work.values(), key=lambda w: (w.date, order[w.field], w.issue.pk, w.user_id))


def reminders_due(*, today: datetime.date | None = None) -> list[Work]:
    """The work whose deadline falls within its publication's reminder window today (from
    `reminder_days` before the deadline up to the deadline itself). The caller sends each
    Work.key once."""
    today = today or timezone.localdate()
    return [
        w for w in pending_work()
        if 0 <= (w.date - today).days <= w.issue.publication.reminder_days
    ]
