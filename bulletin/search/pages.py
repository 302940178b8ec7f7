"""What a search page shows, for the reader site and the desk alike (a selector: reads only)."""

from django.core.paginator import Paginator
from django.urls import reverse

from common.numbers import parse_int

from ..models import Publication, Section
from .query import search, snippet

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


def search_page(params, base, *, link) -> dict:
    """The context of a search page: the form's choices, and one page of results if asked."""
    query = (params.get("q") or "").strip()
    sort = "date" if params.get("sort") == "date" else "relevance"
    queryset, chosen = _filters(params, base)
    context = {
        "query": query, "sort": sort, "chosen": chosen, "results": [], "page": None,
        "message": "",
        "publications": Publication.objects.all(),
        "section_names": sorted(set(Section.objects.values_list("name", flat=True))),
        "years": sorted(set(base.exclude(year=None).values_list("year", flat=True)), reverse=True),
    }
    if not query:
        return context
    parsed, results = search(queryset.select_related("publication", "section", "issue", "article"), query, sort=sort)
    if parsed.empty:
        context["message"] = "请输入要查找的字词（只输入标点或引号无法检索）。"
        return context
    page = Paginator(results, PAGE_SIZE).get_page(params.get("page"))
    context["page"] = page
    context["results"] = [
        {
            "row": row,
            "url": link(row),
            "title": snippet(row.title, parsed, width=200),
            "snippet": snippet(row.text, parsed),
        }
        for row in page.object_list
    ]
    if not page.paginator.count:
        context["message"] = f"没有找到包含“{query}”的文章。"
    return context


def reader_article_url(row) -> str:
    """The reader's page of an index row's article (published issues only)."""
    return reverse("reader:article", args=[row.publication.slug, row.issue.serial_number, row.article_id])
