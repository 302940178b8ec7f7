"""Refuse oversized request bodies before Django parses them.

Django already streams uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE to disk, and the upload
views check each file's size; this guard stops a 200 MB post at the door instead, so it costs
neither memory nor a temporary file, and the user gets a message in Chinese.

A browser only shows a response once it has sent its request body: if the server answers and
closes the connection early, the user sees "connection reset" instead of the page. So the body
is read and thrown away in small chunks (constant memory, no file) before answering, up to
DRAIN_MAX_BYTES; a still larger request is answered without draining. A reverse proxy in front
should refuse such bodies itself (nginx: client_max_body_size), see README.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

CHUNK_BYTES = 64 * 1024
DRAIN_MAX_BYTES = 512 * 1024 * 1024


def _drain(request, length: int) -> None:
    stream = request.META.get("wsgi.input")
    if stream is None or length > DRAIN_MAX_BYTES:
        return
    remaining = length
    try:
        while remaining > 0:
            chunk = stream.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
    except OSError:  # the client gave up; nothing to answer
        pass


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.BULLETIN_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if not limit or length <= limit:
            return self.get_response(request)

        _drain(request, length)
        limit_mb, size_mb = limit // (1024 * 1024), length // (1024 * 1024)
        if "text/html" in request.headers.get("Accept", ""):
            response = render(
                request, "413.html", {"limit_mb": limit_mb, "size_mb": size_mb}, status=413
            )
        else:
            # Uploads from scripts (CKEditor's image upload, autosave) read a JSON error.
            message = f"上传内容过大（约 {size_mb} MB，最大 {limit_mb} MB），未被接收。"
            response = JsonResponse({"error": {"message": message}}, status=413)
        response["Connection"] = "close"
        return response


# ---------------------------------------------------------------------------------------------
# Characters no form of the site accepts.

INVALID_CHARACTERS_MESSAGE = "提交的内容含有无效字符（空字符），无法处理。请删除从其他程序粘贴的异常字符后重试。"


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())


class InvalidCharactersMiddleware:
    """Answer 400 with a Chinese page to a request whose query string or form fields contain a
    NUL character.

    No field of Bulletin takes one, PostgreSQL refuses to store it in text ("A string literal
    cannot contain NUL"), and a search filter holding one failed in the database: every such
    request used to end in a 500. Checked once here for every view, the admin's included,
    before anything reads the values. (Broken UTF-8 cannot reach a view: Django decodes query
    strings and form fields with replacement characters.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return invalid_characters_response(request)
        return self.get_response(request)


def invalid_characters_response(request):
    if "text/html" in request.headers.get("Accept", "text/html"):
        return render(request, "400_invalid_characters.html", status=400)
    return JsonResponse({"ok": False, "error": {"message": INVALID_CHARACTERS_MESSAGE},
                         "message": INVALID_CHARACTERS_MESSAGE}, status=400)
