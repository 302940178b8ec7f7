"""Production behaviour: error pages in Chinese, the request-size guard, media, health, headers."""

import logging
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path

import config.urls

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("deliberate failure for the 500 page")


def _forbidden(request):
    raise PermissionDenied


def _echo(request):
    return HttpResponse(f"got {len(request.body)}")


# A URLconf with views that fail on purpose, on top of the real one.
urlpatterns = [
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("echo/", _echo),
    *config.urls.urlpatterns,
]


@pytest.fixture
def prod(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    return settings


# The pages' wording is tested in test_error_pages.py; here: status codes and logging with
# DEBUG off, as in production.


def test_404_with_debug_off(prod, client):
    response = client.get("/no-such-publication/97/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'class="site-header"' in html


def test_403_without_a_reason_says_so_generically(prod, client):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "您没有访问这个页面或执行这个操作的权限" in response.content.decode()


def test_500_is_self_contained_chinese_and_logged(prod, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器出错了" in html
    assert "/static/" not in html  # nothing that could fail a second time
    assert "deliberate failure" not in html  # no traceback for the visitor
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.levelno == logging.ERROR and record.exc_info  # the traceback goes to the log


def test_csrf_failure_with_debug_off_changes_nothing(prod, editor):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "editor", "password": "pw-editor"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
    assert "_auth_user_id" not in client.session


class ZeroStream:
    """A request body of `size` zero bytes that is never held in memory; records each read."""

    def __init__(self, size):
        self.left = size
        self.reads = []

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.reads.append(n)
        self.left -= n
        return b"\0" * n


def test_a_200_mb_upload_is_refused_in_chinese_in_constant_memory(prod, editor):
    from django.test import RequestFactory

    from config.middleware import CHUNK_BYTES, RequestSizeLimitMiddleware

    prod.BULLETIN_MAX_REQUEST_BYTES = 50 * 1024 * 1024
    size = 200 * 1024 * 1024
    body = ZeroStream(size)
    request = RequestFactory().post(
        "/desk/images/upload/", content_type="multipart/form-data; boundary=x",
        HTTP_ACCEPT="text/html,application/xhtml+xml",
    )
    request.META.update({"CONTENT_LENGTH": str(size), "wsgi.input": body})
    request.user = editor
    view_called = []
    response = RequestSizeLimitMiddleware(lambda r: view_called.append(r))(request)

    assert response.status_code == 413
    assert not view_called  # nothing parsed, nothing stored
    html = response.content.decode()
    assert "上传内容过大" in html and "200 MB" in html and "50 MB" in html
    # The body was read to the end (so the browser gets to see the page) in small chunks.
    assert body.left == 0
    assert max(body.reads) <= CHUNK_BYTES


def test_oversized_script_upload_gets_a_json_error(prod, client, editor):
    prod.BULLETIN_MAX_REQUEST_BYTES = 1024
    client.force_login(editor)
    response = client.post(
        "/desk/images/upload/", data=b"x" * 4096, content_type="application/octet-stream",
        HTTP_ACCEPT="*/*",
    )
    assert response.status_code == 413
    assert "上传内容过大" in response.json()["error"]["message"]


def test_request_under_the_size_limit_passes(prod, client):
    prod.BULLETIN_MAX_REQUEST_BYTES = 1024
    response = client.post("/echo/", data=b"x" * 1000, content_type="application/octet-stream")
    assert response.status_code == 200
    assert response.content == b"got 1000"
    response = client.post("/echo/", data=b"x" * 1025, content_type="application/octet-stream")
    assert response.status_code == 413


def test_uploaded_media_is_served_when_debug_is_off(prod, client, editor):
    # Who may see which image: tests/security/test_media_access.py. An upload used nowhere yet
    # is the desk's.
    image = Path(prod.MEDIA_ROOT) / "images" / "web" / "2020" / "10" / "photo.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    assert client.get("/media/images/web/2020/10/photo.png").status_code == 404
    client.force_login(editor)
    response = client.get("/media/images/web/2020/10/photo.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]


def test_media_view_refuses_paths_outside_media_root(prod):
    secret = Path(prod.MEDIA_ROOT).parent / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("TOP-SECRET-CONTENT-42")
    (Path(prod.MEDIA_ROOT) / "images").mkdir(parents=True)
    client = Client(raise_request_exception=False)
    for url in ["/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/images/%2e%2e/%2e%2e/secret.txt",
                "/media//etc/passwd", "/media/%2Fetc%2Fpasswd"]:
        response = client.get(url)
        assert response.status_code in (400, 404), url
        assert b"TOP-SECRET" not in response.content and b"root:" not in response.content
    assert "请求无法处理" in client.get("/media/images/%2e%2e/%2e%2e/secret.txt").content.decode()


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch("config.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert b"database" in response.content


def test_pages_may_not_be_framed_and_send_security_headers(prod, client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_does_not_redirect_to_another_site(client, editor):
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "editor", "password": "pw-editor", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    response = client.post(
        "/accounts/login/", {"username": "editor", "password": "pw-editor", "next": "//evil.example/x"}
    )
    assert "evil.example" not in response["Location"]


def test_unreachable_redis_is_a_cache_miss_not_an_error(caplog):
    from config.cache import ResilientRedisCache

    # Port 1 on localhost: connection refused at once.
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", "v")
        assert cache.add("k", "v") is False
        assert cache.get_many(["k"]) == {}
        assert cache.delete("k") is False
    # One warning for the outage, not one per operation (tests/reliability/test_redis_outage.py).
    assert caplog.text.count("Redis cache unavailable (get failed") == 1


def _manage(*args, **env_overrides):
    drop = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"DEBUG": "false", "SECRET_KEY": "x" * 60 + "-production-like-key", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_https_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECURE_HSTS_SECONDS="31536000", SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_defaults_leave_only_the_proxy_choices():
    # HSTS and the HTTPS redirect are deliberate opt-ins (README); nothing else may warn.
    result = _manage("check", "--deploy")
    warned = {code for code in ("W004", "W008", "W009", "W012", "W016", "W019", "W020") if code in result.stderr + result.stdout}
    assert warned == {"W004", "W008"}, result.stdout + result.stderr


def test_oversized_form_upload_shows_the_page_to_the_signed_in_user(prod, client, editor):
    prod.BULLETIN_MAX_REQUEST_BYTES = 1024
    client.force_login(editor)
    response = client.post(
        "/desk/import/", data=b"x" * 4096, content_type="multipart/form-data; boundary=zz",
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "上传内容过大" in html
    assert "李编辑" in html  # the header still shows who is signed in
    assert not (Path(prod.PRIVATE_ROOT) / "imports").exists() or not any((Path(prod.PRIVATE_ROOT) / "imports").iterdir())


def test_common_and_numeric_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["password123", "12345678901"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("zhongyuan-dsyb-2026")
