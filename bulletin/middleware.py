"""Refuse oversized request bodies before Django reads them.

Django already streams uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE to disk, and the upload
views check each file's size; this guard stops a 200 MB post at the door instead, so it costs
neither memory nor a temporary file, and the user gets a page in Chinese rather than a reset.
"""

from django.conf import settings
from django.shortcuts import render


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.BULLETIN_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            response = render(
                request,
                "413.html",
                {"limit_mb": limit // (1024 * 1024), "size_mb": length // (1024 * 1024)},
                status=413,
            )
            # The body is left unread: tell the client (and gunicorn) not to reuse the connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
