"""What a search page shows, for the reader site and the desk alike (a selector: reads only)."""

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from common.numbers import parse_int

from ..models import Issue, Publication, Section
from .models import ArticleIndex
from .query import count_limit, parse_query, snippet, window

PAGE_SIZE = 20


def _filters(params, queryset):
    """Apply ?publication=&section=&year= and return the chosen values for the form."""
    chosen = {
        "publication": (params.get("publication") or "").strip(),
        "section": (params.get("section") or "").strip(),
        "year": parse_int(params.get("year"), low=1900, high=2200),
    }
    if chosen["publication"]:
        queryset = queryset.filter(publication__slug=chosen["publication"])
    if chosen["section"]:
        queryset = queryset.filter(section__name=chosen["section"])
    if chosen["year"]:
        queryset = queryset.filter(year=chosen["year"])
    return queryset, chosen


def in_issues(queryset, issue_ids):
    """Rows of these issues. On PostgreSQL one array parameter (500 issues made 500 placeholders
    to compile in every query), and `issue_id + 0` keeps the planner from intersecting a
    ranking's few candidates with the index of every row of every visible issue (issue #15)."""
    issue_ids = list(issue_ids)
    if connection.vendor == "postgresql":
        return queryset.extra(where=[f"({ArticleIndex._meta.db_table}.issue_id + 0) = ANY(%s)"], params=[issue_ids])
    return queryset.filter(issue_id__in=issue_ids)


def _years(issues) -> list[int]:
    """The years of the rows searched, newest first, without reading every row: a row placed in
    an issue carries that issue's year (bulletin.search.index), so the years of the issues (of
    those searched) that have a row, one index probe per issue; plus, on the desk (`issues`
    None: every issue), those of rows in no issue (drafts)."""
    # A scalar subquery with LIMIT 1 stays a probe per issue; EXISTS became a join over all rows.
    first_row = Subquery(ArticleIndex.objects.filter(issue_id=OuterRef("pk")).values("pk")[:1])
    placed = (Issue.objects.all() if issues is None else issues).annotate(first_row=first_row)
    years = set(placed.filter(first_row__isnull=False).order_by().values_list("year", flat=True).distinct())
    if issues is None:
        unplaced = ArticleIndex.objects.filter(issue__isnull=True).exclude(year=None).order_by()
        years.update(unplaced.values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)


def count_label(count: int) -> str:
    most = count_limit()
    if count > most:
        return f"找到 {most} 篇以上，只列出前 {most} 篇；可加检索词或按刊物、栏目、年份缩小范围。"
    return f"共找到 {count} 篇。"


def search_page(params, base, *, link, issues=None) -> dict:
    """The context of a search page: the form's choices, and one page of results if asked.

    `base` holds the rows that may be found; `issues` the issues they may be in (None: any
    issue, and no issue: the desk's drafts)."""
    query = (params.get("q") or "").strip()
    sort = "date" if params.get("sort") == "date" else "relevance"
    queryset, chosen = _filters(params, base)
    context = {
        "query": query, "sort": sort, "chosen": chosen, "results": [], "page": None,
        "message": "",
        "publications": Publication.objects.all(),
        "section_names": sorted(set(Section.objects.values_list("name", flat=True))),
        "years": _years(issues),
    }
    if not query:
        return context
    parsed = parse_query(query)
    if parsed.empty:
        context["message"] = "检索词中没有可检索的文字，请输入汉字、字母或数字。"
        return context
    # Counted up to count_limit() + 1 and paged over at most that many results (issue #15).
    most = count_limit()
    number = parse_int(params.get("page"), low=1, high=10**6) or 1  # past the end: the last page
    found = window(queryset, parsed, sort=sort, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    total = found.total
    page = Paginator(range(min(total, most)), PAGE_SIZE).get_page(number)
    ids = found.ids if page.number == number else window(
        queryset, parsed, sort=sort, offset=(page.number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    ).ids
    rows = (
        ArticleIndex.objects.filter(pk__in=ids)
        .select_related("publication", "section", "issue", "article")
        .defer("segmented", "article__body")
        .in_bulk()
    )
    context["page"] = page
    context["count_label"] = count_label(total)
    context["results"] = [
        {
            "row": row,
            "url": link(row),
            "title": snippet(row.title, parsed, width=200),
            "snippet": snippet(row.text, parsed),
        }
        for row in (rows[pk] for pk in ids if pk in rows)
    ]
    if not total:
        context["message"] = f"没有找到包含“{query}”的文章。"
    return context


def reader_article_url(row) -> str:
    """The reader's page of an index row's article (published issues only)."""
    return reverse("reader:article", args=[row.publication.slug, row.issue.serial_number, row.article_id])
