"""The whole-page cache of the public reader site for visitors who are not signed in (issue #15).

A published page changes only when published content does (bulletin.public_pages says when), so
the page a visitor without a session gets is kept whole, with every header the full stack gave
it (Content-Type, ETag, Last-Modified, Cache-Control, Vary, the security headers and the
Content-Security-Policy), and sent again by this middleware before sessions, authentication,
CSRF, the policy or the view do any work. It sits right after SecurityMiddleware (its HTTPS
redirect still applies).

What is cached, exactly:
- GET requests without a query string from a client sending neither a session cookie nor a
  messages cookie: a signed-in reader (the header names them, internal issues) or a visitor with
  a message waiting always goes through the full stack;
- answers the view marked `public_page` (reader/views/pages.py: home, archive, a public issue, its
  articles and PDF; feeds and the sitemap; a year's chronicle, its PDF and .docx: reader/views/
  chronicle.py) with status 200 and no Set-Cookie (a page that used a
  CSRF token or the session sets one, so it is never kept); an internal issue's page never is;
- under a key naming the scheme and host (links to the page itself are absolute), the path, the
  public pages' generation (moved by every publish, erratum, withdrawal, publication or section
  change, so a change is visible at once) and this deployment's templates and static manifest (a
  template deploy starts afresh). The generation is one row in the database (one indexed query
  per request), not in Redis: losing Redis loses pages, never their invalidation, and every node
  sees a change at once.

Each worker also keeps the pages it sent last in its own memory (bulletin.public_pages.LocalPages:
200 entries, 32 MiB at most), under the same key: a hit there costs no Redis round trip, and it is as current
as Redis's copy (the key names the generation, read on every request).

A PDF is kept as the name of its stored file (PRIVATE_ROOT, named by content version), not as
bytes; the worker's memory holds the bytes of one up to LOCAL_FILE_BYTES. A conditional request for a kept page is answered 304 here as the view would. Redis down:
every lookup is a miss and pages are rendered as before (config/cache.py).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import FileResponse, HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from bulletin import public_pages

PAGE_SECONDS = 24 * 60 * 60
LOCAL_FILE_BYTES = 4 * 1024 * 1024
SKIPPED_PREFIXES = ("/desk/", "/static/", "/media/", "/accounts/", "/ckeditor5/", "/csp-report/", "/healthz")


def cookieless(request) -> bool:
    """No session (so nobody signed in) and no message waiting to be shown."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def page_key(request) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    where = f"{request.scheme}://{host}{request.path}"
    return (
        f"page:{public_pages.deployment_fingerprint()}:{public_pages.generation()}:"
        + hashlib.sha256(where.encode("utf-8")).hexdigest()[:32]
    )


def _cacheable_request(request) -> bool:
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and not request.path.startswith(SKIPPED_PREFIXES)
        and not request.path.startswith("/" + settings.ADMIN_URL)
        and cookieless(request)
    )


def storable(response) -> bool:
    if not getattr(response, "public_page", False) or response.status_code != 200 or response.cookies:
        return False
    # Its body is nginx's to send (X-Accel-Redirect): nothing to keep or write out.
    if response.has_header("X-Accel-Redirect"):
        return False
    # A per-response nonce must never be sent twice (no reader page uses one today).
    if "'nonce-" in response.get("Content-Security-Policy", ""):
        return False
    if response.streaming:
        return isinstance(response, FileResponse) and bool(getattr(response.file_to_stream, "name", None))
    return True


def entry_of(response) -> tuple:
    headers = [(name, value) for name, value in response.items()]
    if response.streaming:
        return ("file", str(response.file_to_stream.name), headers)
    return ("bytes", response.content, headers)


def response_of(request, entry):
    """The kept page (or 304), or None if it can no longer be sent (its file is gone)."""
    kind, body, headers = entry
    values = {name.lower(): value for name, value in headers}
    etag = values.get("etag")
    last_modified = parse_http_date_safe(values["last-modified"]) if "last-modified" in values else None
    if etag or last_modified:
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if isinstance(not_modified, HttpResponseNotModified):
            for name, value in headers:
                if name.lower() not in ("content-type", "content-length", "content-disposition"):
                    not_modified[name] = value
            return not_modified
    if kind == "file":
        try:
            response = FileResponse(open(body, "rb"))
        except FileNotFoundError:
            return None
    else:
        response = HttpResponse(body)
    for name, value in headers:
        response[name] = value
    return response


local = public_pages.LocalPages(file_bytes=LOCAL_FILE_BYTES)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        key = page_key(request)
        if key is None:
            return self.get_response(request)
        entry = local.get(key)
        if entry is not None:
            return response_of(request, entry)
        entry = cache.get(key)
        if entry is not None:
            response = response_of(request, entry)
            if response is not None:
                local.put(key, entry)
                return response
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if storable(response) and not (user is not None and user.is_authenticated):
            entry = entry_of(response)
            cache.set(key, entry, PAGE_SECONDS)
            local.put(key, entry)
        return response
