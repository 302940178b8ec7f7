"""The chronicle (大事记) of a publication's year: page, PDF and .docx, over bulletin.chronicle.

The year's page as a visitor who may not read internal issues sees it is a public page
(`public_page`, reader/views/pages.py): config/pagecache.py keeps it for visitors without a session
under the public pages' generation, which every publish, erratum and withdrawal moves. A range
chosen in the form (a query string) is never kept.

The PDF and the .docx are made by the background worker and stored (bulletin.chronicle_exports):
the export link serves the stored file when the same export (range, format, what the reader may
see, the chronicle's current content) was made before, and otherwise starts the job (or finds it
under way) and sends the reader to its progress page, which reloads itself until the file is
ready and then offers the download. Every download checks again that the reader may read the
export's scope.
"""

import datetime

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control

from bulletin import chronicle as chron
from bulletin import chronicle_exports as exports
from bulletin.access import can_read_internal
from bulletin.models import BackgroundJob, Publication
from common.storage import private_storage, signed_url

# How often the progress page reloads itself (CSP allows no inline script; a meta refresh).
REFRESH_SECONDS = 2


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


def _no_store(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _send(name, params, title=None):
    """The stored export, as a download: a presigned URL on object storage, else streamed."""
    filename = exports.download_filename(params, title)
    content_type = chron.CONTENT_TYPES[params["format"]]
    storage = private_storage()
    url = signed_url(storage, name, filename=filename, content_type=content_type, inline=False)
    if url:
        return _no_store(HttpResponseRedirect(url))
    return _no_store(FileResponse(storage.open(name, "rb"), content_type=content_type, as_attachment=True,
                                  filename=filename))


def _export(request, slug, year, fmt):
    chronicle, _ = _chronicle(request, slug, year)
    state = exports.request_export(chronicle, fmt)
    if state.name:
        return _send(state.name, state.params, chronicle.title)
    return _no_store(redirect("reader:chronicle_export", slug=chronicle.publication.slug, pk=state.job.pk))


def chronicle_pdf(request, slug, year):
    return _export(request, slug, year, chron.PDF)


def chronicle_docx(request, slug, year):
    return _export(request, slug, year, chron.DOCX)


def _export_job(request, slug, pk):
    """(publication, job) of an export the reader may have, or (None, a refusal)."""
    publication = get_object_or_404(Publication, slug=slug)
    job = get_object_or_404(BackgroundJob, pk=pk, kind=exports.KIND, params__publication=publication.pk)
    if not exports.may_read(request.user, job.params):
        # As for an internal issue: anonymous readers sign in; a signed-in account without the
        # reader role is told on the login page that it may not read internal content.
        return None, redirect_to_login(request.get_full_path())
    return publication, job


def chronicle_export(request, slug, pk):
    """The export's progress page: reloads itself while the worker makes the file."""
    publication, job = _export_job(request, slug, pk)
    if publication is None:
        return job
    params = job.params
    context = {
        "publication": publication, "job": job, "stored": exports.stored_file(job) is not None,
        "format_label": chron.FORMAT_LABELS.get(params["format"], params["format"]),
        "title": (job.result or {}).get("title") or exports.export_title(publication, params),
        "restart_url": exports.export_url(publication, params),
        "chronicle_url": exports.page_url(publication, params),
        "refresh_seconds": REFRESH_SECONDS,
    }
    return _no_store(render(request, "reader/chronicle_export.html", context))


def chronicle_export_download(request, slug, pk):
    publication, job = _export_job(request, slug, pk)
    if publication is None:
        return job
    name = exports.stored_file(job)
    if name is None:  # not made yet, failed, or replaced by a newer version of the chronicle
        return redirect("reader:chronicle_export", slug=slug, pk=job.pk)
    return _send(name, job.params, (job.result or {}).get("title"))
