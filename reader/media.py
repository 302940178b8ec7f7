"""Uploaded images served by Django when DEBUG is off (SERVE_MEDIA, the single-box deployment).

django.views.static.serve joins the path under MEDIA_ROOT with safe_join (a `..` or absolute path
is a 404), answers If-Modified-Since and streams the file. MEDIA_ROOT is read per request.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control
from django.views.static import serve


def serve_media(request, path):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    # Stored names never change content (the storage picks a new name for a new file).
    patch_cache_control(response, max_age=24 * 60 * 60)
    return response
