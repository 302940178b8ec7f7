"""The chronicle (大事记) of a publication's year: page, PDF and .docx, over bulletin.chronicle.

The whole year as a visitor who may not read internal issues sees it is a public page
(`public_page`, reader/views/pages.py): config/pagecache.py keeps it for visitors without a session
under the public pages' generation, which every publish, erratum and withdrawal moves (the
chronicle lists published placements only), so the PDF and the .docx are rendered once per change
rather than on every download. A range chosen in the form (a query string) is never kept.
"""

import datetime
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from bulletin import chronicle as chron
from bulletin.access import can_read_internal
from bulletin.models import Publication


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


def _public_if(request, response):
    # What it shows then is what every visitor without a session sees (no internal entry).
    if not can_read_internal(request.user):
        response.public_page = True
    return response


def _filename(chronicle, ext):
    name = f"{chronicle.title}.{ext}".replace(" ", "_")
    return f"attachment; filename=\"chronicle.{ext}\"; filename*=UTF-8''{quote(name)}"


def chronicle_page(request, slug, year):
    chronicle, error = _chronicle(request, slug, year)
    query = request.GET.urlencode()
    return _public_if(request, render(
        request,
        "reader/chronicle.html",
        {"chronicle": chronicle, "publication": chronicle.publication, "year": year, "error": error,
         "query": ("?" + query) if query else "",
         "start": chronicle.start.isoformat(), "end": chronicle.end.isoformat()},
    ))


def chronicle_pdf(request, slug, year):
    chronicle, _ = _chronicle(request, slug, year)
    pdf = chron.render_pdf(chronicle, request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = _filename(chronicle, "pdf")
    return _public_if(request, response)


def chronicle_docx(request, slug, year):
    chronicle, _ = _chronicle(request, slug, year)
    data = chron.render_docx(chronicle, request.build_absolute_uri("/"))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = _filename(chronicle, "docx")
    return _public_if(request, response)
