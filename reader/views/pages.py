"""The reader site: home, archive, issue, article, PDF. Thin views over models and rendering.

Every view that shows an issue checks `can_view_issue` first; caching (bulletin.rendering)
only ever happens behind that check. Pages of published issues answer conditional requests
(ETag / Last-Modified); the ETag includes the user, since the page header shows who is
signed in.

A signed-in reader's issue and article pages come from a per-visibility page cache *after* the
permission check: the page is rendered once per (address, whether the user reads internal
issues, generation of published content, deploy) with placeholders where base.html names who is
signed in and shows messages (templates/_user_nav.html, _messages.html), and those two are
filled in for each request; the ETag is still per user.

A page any visitor may read (home, archive, a public issue, its articles and PDF) is marked
`response.public_page = True`: for a visitor who is not signed in, config/pagecache.py keeps it
whole until published content changes, and config/public_files.py writes it out for nginx. A page
of an internal issue is never marked.
"""

import hashlib
import html
import logging
from itertools import groupby
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.html import strip_tags
from django.utils.http import content_disposition_header, http_date
from django.utils.text import Truncator

from bulletin import public_pages
from bulletin.access import can_read_internal, can_view_issue, is_internal
from bulletin.models import Issue, Publication, Visibility
from bulletin.pdf import store as pdf_store
from bulletin.rendering import flat_entries, published_layout
from common.storage import is_local, signed_url
from reader import signed_in

logger = logging.getLogger(__name__)


def _published_issue_or_login(request, slug, serial, issue=None):
    if issue is None:
        issue = get_object_or_404(
            Issue.objects.select_related("publication"),
            publication__slug=slug,
            serial_number=serial,
            status=Issue.Status.PUBLISHED,
        )
    if not can_view_issue(request.user, issue):
        # Anonymous: the login form. Signed in without the reader role: the same page says
        # this account may not read it (templates/registration/login.html), no redirect loop.
        return issue, redirect_to_login(request.get_full_path())
    return issue, None


def _whole(issue):
    """The issue and its publication with every column, to render a page anew (signed_in.read
    reads only what the permission check needs)."""
    if not issue.get_deferred_fields() and not issue.publication.get_deferred_fields():
        return issue
    return get_object_or_404(Issue.objects.select_related("publication"), pk=issue.pk, status=Issue.Status.PUBLISHED)


def _visible_issues(user, publication=None):
    qs = Issue.objects.published().select_related("publication")
    if publication is not None:
        qs = qs.filter(publication=publication)
    if not can_read_internal(user):
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs.order_by("-year", "-month")


def _etag(request, *parts) -> str:
    user = request.user
    who = f"u{user.pk}" if user.is_authenticated else "anon"
    digest = hashlib.sha256(repr((who, *parts)).encode("utf-8")).hexdigest()[:24]
    return f'"{digest}"'


def _conditional(request, layout, *parts):
    """(etag, last_modified, 304 response or None) for a page built from `layout`."""
    etag = _etag(request, layout["version"], *parts)
    last_modified = layout["last_modified"]
    timestamp = int(last_modified.timestamp()) if last_modified else None
    return etag, timestamp, get_conditional_response(request, etag=etag, last_modified=timestamp)


def _cache_headers(response, etag=None, last_modified=None):
    if etag:
        response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    # Private: the page names the signed-in user, and an internal issue must never sit in a
    # shared cache. Browsers revalidate (cheap 304s) instead of showing a stale erratum list.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response


SHELL_SECONDS = 24 * 60 * 60
USER_NAV_MARK, MESSAGES_MARK = "<!--bulletin:user-nav-->", "<!--bulletin:messages-->"
FILL_SPLIT = "<!--bulletin:fill-split-->"
# This worker's own copies of kept pages, in front of Redis (the keys name the generation).
local_shells = public_pages.LocalPages()


def _kept(shell_key):
    if shell_key is None:
        return None
    kept = local_shells.get(shell_key)
    if kept is None:
        kept = cache.get(shell_key)
        if kept is not None:
            local_shells.put(shell_key, ("shell", kept["shell"], kept))
        return kept
    return kept[2]


def _shell_key(request, generation) -> str | None:
    """The per-visibility cache key of a signed-in reader's page (None for anonymous visitors:
    config/pagecache.py keeps theirs whole)."""
    if not request.user.is_authenticated:
        return None
    who = "internal" if can_read_internal(request.user) else "public"
    where = hashlib.sha256(f"{request.get_host()}{request.path}".encode()).hexdigest()[:32]
    return f"shell:{public_pages.deployment_fingerprint()}:{generation}:{who}:{where}"


def _filled(request, shell: str) -> str:
    """The kept page with this request's header (who is signed in) and messages."""
    # Both in one render (templates/_page_fill.html): the context processors run once.
    nav, messages = render_to_string("_page_fill.html", request=request).split(FILL_SPLIT, 1)
    return shell.replace(USER_NAV_MARK, nav, 1).replace(MESSAGES_MARK, messages.removesuffix("\n"), 1)


def _from_shell(request, issue, kept, *etag_parts):
    etag = _etag(request, kept["version"], *etag_parts)
    last_modified = kept["last_modified"]
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return _cache_headers(not_modified, etag, last_modified)
    response = HttpResponse(_filled(request, kept["shell"]))
    return _public_if(_cache_headers(response, etag, last_modified), issue)


def _rendered(request, template, context, shell_key, layout):
    """The page; for a signed-in reader also kept as a shell (see the module's docstring)."""
    if shell_key is None:
        return render(request, template, context)
    shell = render_to_string(template, {**context, "page_shell": True}, request=request)
    last_modified = layout["last_modified"]
    kept = {
        "shell": shell, "version": layout["version"],
        "last_modified": int(last_modified.timestamp()) if last_modified else None,
    }
    cache.set(shell_key, kept, SHELL_SECONDS)
    local_shells.put(shell_key, ("shell", shell, kept))
    return HttpResponse(_filled(request, shell))


def public_page(response):
    """Mark a page that is the same for every visitor who is not signed in (see the docstring)."""
    response.public_page = True
    return response


def _public_if(response, issue):
    if issue.visibility == Visibility.PUBLIC:
        response.public_page = True
    return response


def _open_graph(request, *, title, description="", kind="article", site_name="", section="",
                published=None) -> dict:
    """What reader/_open_graph.html prints for a page (link previews in WeChat, mail, chat)."""
    return {
        "url": request.build_absolute_uri(request.path), "type": kind, "title": title,
        "description": description, "site_name": site_name, "section": section, "published": published,
    }


def home(request):
    latest = []
    for publication in Publication.objects.all():
        issue = _visible_issues(request.user, publication).first()
        latest.append({"publication": publication, "issue": issue})
    og = _open_graph(request, title="刊物在线阅读", kind="website")
    return public_page(render(request, "reader/home.html", {"latest": latest, "og": og}))


def archive(request, slug):
    publication = get_object_or_404(Publication, slug=slug)
    issues = list(_visible_issues(request.user, publication))
    years = [(year, list(group)) for year, group in groupby(issues, key=lambda i: i.year)]
    hidden = (
        not can_read_internal(request.user)
        and publication.issues.published().filter(visibility=Visibility.INTERNAL).exists()
    )
    return public_page(render(
        request,
        "reader/archive.html",
        {"publication": publication, "years": years, "hidden_internal": hidden,
         "og": _open_graph(request, title=f"{publication.name} · 往期目录", kind="website",
                           site_name=publication.name)},
    ))


def issue_detail(request, slug, serial):
    # The generation before anything else is read (a later change moves it), with the issue, the
    # session, the user and the roles in one statement (reader/signed_in.py).
    generation, issue = signed_in.read(request, slug, serial)
    issue, refusal = _published_issue_or_login(request, slug, serial, issue)
    if refusal:
        return refusal
    shell_key = _shell_key(request, generation)
    kept = _kept(shell_key)
    if kept is not None:
        return _from_shell(request, issue, kept, "issue")
    issue = _whole(issue)
    layout = published_layout(issue)
    etag, last_modified, not_modified = _conditional(request, layout, "issue")
    if not_modified is not None:
        return _cache_headers(not_modified, etag, last_modified)
    title = f"{issue.publication.name} {issue.month_label}（总第{issue.serial_number}期）"
    focus = layout.get("focus")
    og = _open_graph(
        request, title=title, site_name=issue.publication.name, published=issue.published_at,
        description=f"本期焦点：{focus['title']}" if focus else title,
    )
    context = {**layout, "og": og}
    response = _rendered(request, "reader/issue.html", context, shell_key, layout)
    return _public_if(_cache_headers(response, etag, last_modified), issue)


def article_detail(request, slug, serial, article_id):
    # The generation before anything else is read (a later change moves it), with the issue, the
    # session, the user and the roles in one statement (reader/signed_in.py).
    generation, issue = signed_in.read(request, slug, serial)
    issue, refusal = _published_issue_or_login(request, slug, serial, issue)
    if refusal:
        return refusal
    shell_key = _shell_key(request, generation)
    kept = _kept(shell_key)
    if kept is not None:
        return _from_shell(request, issue, kept, "article", article_id)
    issue = _whole(issue)
    layout = published_layout(issue)
    entries = flat_entries(layout)
    index = next((i for i, entry in enumerate(entries) if entry["id"] == article_id), None)
    if index is None:
        raise Http404("本期没有这篇文章。")
    entry = entries[index]
    etag, last_modified, not_modified = _conditional(request, layout, "article", article_id)
    if not_modified is not None:
        return _cache_headers(not_modified, etag, last_modified)
    context = {
        **layout,
        "entry": entry,
        "position": index + 1,
        "total": len(entries),
        "previous": entries[index - 1] if index > 0 else None,
        "next": entries[index + 1] if index + 1 < len(entries) else None,
        "og": _open_graph(
            request, title=entry["title"], site_name=issue.publication.name, section=entry["section"],
            description=_plain_summary(entry["body"]), published=issue.published_at,
        ),
    }
    response = _rendered(request, "reader/article.html", context, shell_key, layout)
    return _public_if(_cache_headers(response, etag, last_modified), issue)


def _plain_summary(body_html, length=120) -> str:
    """The article's opening as plain text for <meta> descriptions: NOT marked safe, so the
    template escapes it (a body's text may hold a quote that would end the attribute)."""
    return Truncator(html.unescape(strip_tags(body_html))).chars(length)


def issue_pdf(request, slug, serial):
    # The check in one statement as for the pages (reader/signed_in.py); the PDF's name needs the
    # whole issue.
    _generation, issue = signed_in.read(request, slug, serial)
    issue, refusal = _published_issue_or_login(request, slug, serial, issue)
    if refusal:
        return refusal
    issue = _whole(issue)
    if pdf_store.pdf_mode() == "task":
        # The web process never renders: a missing PDF is the background worker's job.
        name = pdf_store.stored_pdf_name(issue)
        if name is None:
            return _pdf_pending(request, issue)
    else:
        try:
            name = pdf_store.ensure_issue_pdf(issue)
        except Exception:
            logger.exception("Rendering the PDF of %s failed", issue)
            return _pdf_unavailable(request, issue)
    etag = f'"{name.rsplit("-", 1)[-1].removesuffix(".pdf")}"'  # the content version in its name
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _cache_headers(not_modified, etag)
    filename = pdf_store.download_filename(issue)
    # On object storage: the access check above, then a presigned URL that expires in minutes.
    url = signed_url(pdf_store.pdf_storage(), name, filename=filename, content_type="application/pdf")
    if url:  # never in the public page cache: the address expires
        return _cache_headers(HttpResponseRedirect(url), etag)
    if settings.BULLETIN_MEDIA_ACCEL and is_internal(issue) and is_local(pdf_store.pdf_storage()):
        # Behind nginx (deploy/nginx.conf): checked here, sent by nginx from an `internal` location.
        return _cache_headers(_accel_pdf(name, filename), etag)
    response = FileResponse(
        pdf_store.open_pdf(name), content_type="application/pdf", as_attachment=False, filename=filename,
    )
    return _public_if(_cache_headers(response, etag), issue)


PDF_RETRY_SECONDS = 5


def _pdf_unavailable(request, issue):
    response = render(
        request, "reader/pdf_unavailable.html", {"issue": issue, "publication": issue.publication},
        status=503,
    )
    response["Retry-After"] = "60"
    patch_cache_control(response, no_store=True)
    return response


def _pdf_pending(request, issue):
    """"PDF 正在生成": the render job is started (or found under way) and the page reloads itself
    until the file is stored; 503 with Retry-After, so nothing caches it."""
    try:
        job = pdf_store.request_pdf_job(issue)
    except Exception:
        logger.exception("Could not start the PDF job of %s", issue)
        job = None
    if job is None:
        return _pdf_unavailable(request, issue)
    response = render(request, "reader/pdf_pending.html", {
        "issue": issue, "publication": issue.publication, "job": job, "retry_seconds": PDF_RETRY_SECONDS,
    }, status=503)
    response["Retry-After"] = str(PDF_RETRY_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def _accel_pdf(name, filename):
    """An empty answer naming the stored PDF for nginx (X-Accel-Redirect); nginx keeps its
    Content-Type, Content-Disposition and Cache-Control. Never a public page (no body to keep)."""
    folder = pdf_store.PDF_FOLDER + "/"
    if not name.startswith(folder) or "/" in name[len(folder):]:
        raise Http404("文件不存在。")
    response = HttpResponse(content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["X-Accel-Redirect"] = settings.BULLETIN_PDF_ACCEL_PREFIX.rstrip("/") + "/" + quote(name[len(folder):])
    return response
