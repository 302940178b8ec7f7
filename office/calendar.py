"""The editorial calendar (/desk/calendar/): a month of deadlines and publications, and for each
open issue of the month its articles' states against those deadlines, late ones marked.

A fixed number of queries for any month, whatever the archive holds.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bulletin.models import Issue
from editorial.models import Article

from . import deadlines
from .deadlines import Step

Status = Article.Status
WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]
# At most this many articles are listed for a month (the article list has the rest).
ARTICLES_PER_MONTH = 200


@dataclass
class CalEvent:
    date: datetime.date
    issue: Issue
    label: str  # 截稿, 审核截止, 签发截止, 出版, 已出版
    state: str  # done, late, today, near, later
    summary: str
    url: str

    @property
    def title(self) -> str:
        return f"{self.issue.publication.name} {self.issue.month_label}"


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    events: list[CalEvent] = field(default_factory=list)

    @property
    def weekday_label(self) -> str:
        return "周" + WEEKDAYS[self.date.weekday()]


@dataclass
class ArticleRow:
    article: Article
    placed: bool
    against: str  # the deadline it is measured against ("截稿 11月5日"), or ""
    state: str  # done, late, today, near, later
    note: str  # 逾期未提交, 审核中（第1级）, 已编入本期, …


@dataclass
class IssuePanel:
    issue: Issue
    steps: list[Step]
    articles: list[ArticleRow]

    @property
    def late(self) -> int:
        return sum(1 for row in self.articles if row.state == "late")


@dataclass
class MonthView:
    year: int
    month: int
    today: datetime.date
    weeks: list[list[Day]]
    panels: list[IssuePanel]
    truncated: bool = False  # more articles than ARTICLES_PER_MONTH: only the first are listed

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def previous(self) -> str:
        day = self.first - datetime.timedelta(days=1)
        return f"{day.year}-{day.month:02d}"

    @property
    def next(self) -> str:
        day = self.first + datetime.timedelta(days=31)
        return f"{day.year}-{day.month:02d}"

    @property
    def agenda(self) -> list[Day]:
        """The month's days that have something on them (the phone's list)."""
        return [d for week in self.weeks for d in week if d.in_month and d.events]

    @property
    def weekdays(self) -> list[str]:
        return WEEKDAYS


def parse_month(value: str | None, today: datetime.date) -> tuple[int, int]:
    """"2026-11" (or "2026-1") → (2026, 11); anything else → today's month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 1900 <= year <= 2200 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def _article_row(article, issue: Issue, today) -> ArticleRow:
    placed = article.placed_issue is not None

    def measured(field_name, note_late, note_open):
        due = deadlines.due(issue, field_name, today)
        if due is None:
            return "", "later", note_open
        state = due.state
        return f"{due.label} {due.date.month}月{due.date.day}日", state, note_late if state == "late" else note_open

    if article.status in (Status.DRAFT, Status.RETURNED):
        against, state, note = measured(
            "draft_due", "逾期未提交", "退回待修改" if article.status == Status.RETURNED else "待提交审核"
        )
    elif article.status == Status.SUBMITTED:
        against, state, note = measured(
            "review_due", f"逾期未审（第{article.review_level}级）", f"审核中（第{article.review_level}级）"
        )
    elif article.status == Status.APPROVED and not placed:
        against, state, note = measured("signoff_due", "已通过，逾期未编入", "已通过，待编入")
    else:
        against, state, note = "", "done", "已编入本期" if article.status == Status.APPROVED else "已发布"
    return ArticleRow(article, placed, against, state, note)


def month_view(year: int, month: int, *, today: datetime.date | None = None) -> MonthView:
    today = today or timezone.localdate()
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, pycalendar.monthrange(year, month)[1])
    grid_start = first - datetime.timedelta(days=first.weekday())
    grid_end = last + datetime.timedelta(days=6 - last.weekday())

    in_grid = Q(published_at__date__range=(grid_start, grid_end))
    for name in deadlines.LABELS:
        in_grid |= Q(**{f"{name}__range": (grid_start, grid_end)})
    issues = list(
        Issue.objects.filter(in_grid).exclude(status__in=[Issue.Status.WITHDRAWN, Issue.Status.REPLACED]).with_handover()
        .select_related("publication").order_by("year", "month", "publication__name", "pk")
    )
    every_open = list(deadlines.open_issues())
    current = deadlines.current_issues(every_open)
    open_here = [i for i in issues if i.status in deadlines.OPEN]
    steps = deadlines.issue_steps(open_here, today=today, current=current)

    events: dict[datetime.date, list[CalEvent]] = {}
    for issue in issues:
        url = reverse("desk:issue_detail", args=[issue.pk])
        for step in steps.get(issue.pk, []):
            events.setdefault(step.due.date, []).append(
                CalEvent(step.due.date, issue, step.due.label, step.state, step.summary, url)
            )
        if issue.published_at is not None:
            day = timezone.localdate(issue.published_at)
            events.setdefault(day, []).append(CalEvent(day, issue, "已出版", "done", issue.numbers_label, url))
        if issue.status == Issue.Status.PUBLISHED:
            # Back issues keep their planned dates (if any) as a record, without work.
            for _name, label, date in issue.deadlines:
                events.setdefault(date, []).append(CalEvent(date, issue, label, "done", "已完成", url))

    weeks = []
    day = grid_start
    while day <= grid_end:
        week = []
        for _ in range(7):
            week.append(Day(day, day.month == month, day == today, events.get(day, [])))
            day += datetime.timedelta(days=1)
        weeks.append(week)

    panels = []
    month_open = [i for i in open_here if any(first <= d <= last for _n, _l, d in i.deadlines)]
    if month_open:
        articles = list(
            Article.objects.select_related("section", "author")
            .annotate(placed_issue=deadlines.placed_issue_id())
            .filter(deadlines.for_issues_q(month_open, current))
            .filter(Q(placed_issue__isnull=False) | ~Q(status=Status.PUBLISHED))
            .order_by("section__position", "pk")[: ARTICLES_PER_MONTH + 1]
        )
        truncated = len(articles) > ARTICLES_PER_MONTH
        articles = articles[:ARTICLES_PER_MONTH]
        by_id = {i.pk: i for i in month_open}
        rows: dict[int, list[ArticleRow]] = {i.pk: [] for i in month_open}
        for article in articles:
            issue = deadlines.issue_for(article, by_id, current)
            if issue is not None and issue.pk in rows:
                rows[issue.pk].append(_article_row(article, issue, today))
        order = {"late": 0, "today": 1, "near": 2, "later": 3, "done": 4}
        for issue in month_open:
            listed = sorted(rows[issue.pk], key=lambda r: order[r.state])
            panels.append(IssuePanel(issue, steps.get(issue.pk, []), listed))
    else:
        truncated = False
    return MonthView(year, month, today, weeks, panels, truncated)
