"""Uploaded images, served to exactly those who may read an article that shows them.

bulletin.access.media_access decides: an image in a published public issue is public (cached by
anyone for a day); one in a published internal issue only for those who may read internal issues
(anonymous visitors are sent to the login page); anything else (drafts, withdrawn issues, uploads
never used) only for desk users, else 404. Answers for one user carry `Cache-Control: private`.

Who sends the bytes:
- by default Django (django.views.static.serve: safe_join under MEDIA_ROOT, so a `..` or absolute
  path is a 404; If-Modified-Since; streamed);
- with BULLETIN_MEDIA_ACCEL (production behind nginx, deploy/nginx.conf) Django only checks and
  answers with `X-Accel-Redirect: BULLETIN_MEDIA_ACCEL_PREFIX + path`, an `internal` nginx location
  that sends the file from MEDIA_ROOT. nginx must never serve MEDIA_ROOT under a public location;
- on object storage (BULLETIN_S3_BUCKET, common.storage) a redirect to a presigned URL of the
  object that expires after BULLETIN_S3_URL_SECONDS; the bucket itself is private.
"""

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils._os import safe_join
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.static import serve

from bulletin.access import MediaAccess, media_access
from common.storage import is_local, media_storage, signed_url

PUBLIC_MAX_AGE = 24 * 60 * 60


def serve_media(request, path):
    name = posixpath.normpath(path).lstrip("/")
    if name != path or name.startswith("."):
        # `a/../b`, `./a`, `//a`: never a stored name; a 400 page, as serve()'s safe_join answers.
        raise SuspiciousFileOperation(f"Media path not in its normal form: {path!r}")
    access = media_access(request.user, name)
    if access is MediaAccess.LOGIN:
        return redirect_to_login(request.get_full_path())
    if access is MediaAccess.DENIED:
        raise Http404("文件不存在。")

    storage = media_storage()
    if not is_local(storage):
        return _signed_redirect(storage, name, access)
    if settings.BULLETIN_MEDIA_ACCEL:
        response = _accel_redirect(name)
    else:
        response = serve(request, name, document_root=settings.MEDIA_ROOT)
    if access is MediaAccess.PUBLIC:
        # Stored names never change content (the storage picks a new name for a new file).
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        # Checked again on every view: a browser may keep it, a shared cache must not.
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Cookie"])
    return response


def _accel_redirect(name):
    try:
        fullpath = Path(safe_join(settings.MEDIA_ROOT, name))
    except SuspiciousFileOperation as exc:  # outside MEDIA_ROOT
        raise Http404("文件不存在。") from exc
    if not fullpath.is_file():
        raise Http404("文件不存在。")
    content_type, _encoding = mimetypes.guess_type(name)
    response = HttpResponse(content_type=content_type or "application/octet-stream")
    response["X-Accel-Redirect"] = settings.BULLETIN_MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
    return response


def _signed_redirect(storage, name, access):
    """302 to a presigned URL of the object (made only now, after the access check)."""
    if not storage.exists(name):
        raise Http404("文件不存在。")
    content_type, _encoding = mimetypes.guess_type(name)
    response = HttpResponseRedirect(signed_url(storage, name, content_type=content_type))
    if access is MediaAccess.PUBLIC:
        # The address expires: the redirect may be kept for half its life, by the browser only.
        patch_cache_control(response, private=True, max_age=getattr(storage, "querystring_expire", 300) // 2)
    else:
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Cookie"])
    return response
