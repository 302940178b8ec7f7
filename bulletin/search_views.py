"""Search (reader site and desk) and the chronicle (大事记): thin views over bulletin.search
and bulletin.chronicle."""

import datetime

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse

from . import chronicle as chron
from .access import can_read_internal
from .models import Issue, Publication, Section, Visibility
from .roles import require_desk
from .search import search, snippet
from .search_models import ArticleIndex

PAGE_SIZE = 20


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _filters(request, queryset):
    """Apply ?publication=&section=&year= and return the chosen values for the form."""
    chosen = {
        "publication": (request.GET.get("publication") or "").strip(),
        "section": (request.GET.get("section") or "").strip(),
        "year": _int_or_none(request.GET.get("year")),
    }
    if chosen["publication"]:
        queryset = queryset.filter(publication__slug=chosen["publication"])
    if chosen["section"]:
        queryset = queryset.filter(section__name=chosen["section"])
    if chosen["year"]:
        queryset = queryset.filter(year=chosen["year"])
    return queryset, chosen


def _run_search(request, base, *, link):
    query = (request.GET.get("q") or "").strip()
    sort = "date" if request.GET.get("sort") == "date" else "relevance"
    queryset, chosen = _filters(request, base)
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
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
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


def _reader_url(row):
    return reverse("reader:article", args=[row.publication.slug, row.issue.serial_number, row.article_id])


def reader_search(request):
    base = ArticleIndex.objects.filter(issue__status=Issue.Status.PUBLISHED, issue__serial_number__isnull=False)
    hidden_note = not can_read_internal(request.user)
    if hidden_note:
        base = base.filter(issue__visibility=Visibility.PUBLIC)
    context = _run_search(request, base, link=_reader_url)
    context["hidden_internal"] = hidden_note and ArticleIndex.objects.filter(
        issue__status=Issue.Status.PUBLISHED, issue__visibility=Visibility.INTERNAL
    ).exists()
    return render(request, "reader/search.html", context)


def _desk_url(row):
    if row.issue_id and row.issue.status == Issue.Status.PUBLISHED and row.issue.serial_number:
        return _reader_url(row)
    try:
        return reverse("editorial:article_edit", args=[row.article_id])
    except NoReverseMatch:  # the desk's article editor is not wired up on this branch
        return ""


def desk_search(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require_desk(request.user, "只有编辑部人员可以检索全部稿件。")
    context = _run_search(request, ArticleIndex.objects.all(), link=_desk_url)
    return render(request, "editorial/search.html", context)


# --------------------------------------------------------------------------- chronicle


def _parse_date(value):
    """A date typed into the range form: None if empty; raises ValueError if not a real date."""
    value = (value or "").strip()
    if not value:
        return None
    date = datetime.date.fromisoformat(value)
    if not 1900 <= date.year <= 2200:
        raise ValueError(value)
    return date


def _chronicle(request, slug, year):
    publication = get_object_or_404(Publication, slug=slug)
    if not 1900 <= year <= 2200:
        raise Http404("年份超出范围。")
    start = datetime.date(year, 1, 1)
    end = datetime.date(year, 12, 31)
    error = ""
    if request.GET.get("start") or request.GET.get("end"):
        try:
            custom_start = _parse_date(request.GET.get("start")) or start
            custom_end = _parse_date(request.GET.get("end")) or end
        except ValueError:
            # A mistyped date must not silently become "the whole year" or "from 1 January".
            custom_start, custom_end = start, end
            error = "日期无效（请按 2020-09-01 的格式填写真实存在的日期），已显示全年。"
        if custom_start > custom_end:
            error = "起始日期晚于结束日期，已显示全年。"
        else:
            start, end = custom_start, custom_end
    return chron.build_chronicle(publication, start, end, request.user), error


def _filename(chronicle, ext):
    from urllib.parse import quote

    name = f"{chronicle.title}.{ext}".replace(" ", "_")
    return f"attachment; filename=\"chronicle.{ext}\"; filename*=UTF-8''{quote(name)}"


def chronicle_page(request, slug, year):
    chronicle, error = _chronicle(request, slug, year)
    query = request.GET.urlencode()
    return render(
        request,
        "reader/chronicle.html",
        {"chronicle": chronicle, "publication": chronicle.publication, "year": year, "error": error,
         "query": ("?" + query) if query else "",
         "start": chronicle.start.isoformat(), "end": chronicle.end.isoformat()},
    )


def chronicle_pdf(request, slug, year):
    chronicle, _ = _chronicle(request, slug, year)
    pdf = chron.render_pdf(chronicle, request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = _filename(chronicle, "pdf")
    return response


def chronicle_docx(request, slug, year):
    chronicle, _ = _chronicle(request, slug, year)
    data = chron.render_docx(chronicle, request.build_absolute_uri("/"))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = _filename(chronicle, "docx")
    return response
