"""Error pages are in Chinese, say what happened, and the 400/500 pages need no database."""

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_desk_refusal_is_a_chinese_403_page_with_the_reason(client, reader):
    client.force_login(reader)
    response = client.get("/desk/")
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "没有权限" in page
    assert "您没有使用编辑部的权限。" in page  # the reason the view gave
    assert "Forbidden" not in page
    assert "退出" in page  # the site's own header: the user can get on from here


def test_unknown_address_is_a_chinese_404_page(client, editor):
    client.force_login(editor)
    for url in ("/desk/articles/999999/", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code == 404
        page = response.content.decode()
        assert "页面不存在" in page and "Not Found" not in page
        assert "编辑部" in page


def test_500_page_renders_without_context_processors_or_database():
    # No `db` fixture: any database access here would raise.
    page = render_to_string("500.html")
    assert "服务器出错了" in page and '<html lang="zh-Hans">' in page


def test_server_error_is_answered_with_the_chinese_500_page(client, editor, monkeypatch):
    from desk.views import articles

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(articles, "DashboardFilterForm", broken)
    client.force_login(editor)
    client.raise_request_exception = False
    response = client.get("/desk/articles/")
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()


def test_oversized_post_is_a_chinese_400_page(client, editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(editor)
    response = client.post("/desk/articles/new/", {"title": "x", "body": "字" * 2000})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求无法处理" in page and "内容过大" in page and "Bad Request" not in page


def test_expired_form_token_is_a_chinese_page(db, editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/desk/articles/new/", {"title": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page and "CSRF" not in page


def test_no_template_has_a_multi_line_hash_comment():
    """Django's {# … #} ends at the line's end: one spread over lines is printed as text
    (before <!DOCTYPE> it puts the page in quirks mode). Longer notes use {% comment %}."""
    from django.conf import settings
    from django.template import engines

    base = Path(settings.BASE_DIR).resolve()
    dirs = {Path(d).resolve() for d in engines["django"].template_dirs}
    ours = [d for d in dirs if d.is_relative_to(base) and ".venv" not in d.parts]
    assert base / "templates" in ours
    broken = []
    for directory in ours:
        for path in directory.rglob("*"):
            if not path.is_file() or path.suffix not in (".html", ".txt", ".xml", ".js", ".css"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for opening in re.finditer(r"\{#", line):
                    if "#}" not in line[opening.end():]:
                        broken.append(f"{path.relative_to(base)}:{number}")
    assert broken == []


def _starts_with_doctype(response):
    return response.content.decode().startswith("<!DOCTYPE html>")


def test_error_pages_begin_with_the_doctype(db, editor, settings, monkeypatch):
    settings.DEBUG = False
    # 400: a NUL character in the address (config.middleware.InvalidCharactersMiddleware)
    response = Client().get("/search/?q=%00")
    assert response.status_code == 400 and _starts_with_doctype(response)
    # 403: a login form posted without its CSRF token
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()
    assert _starts_with_doctype(response)
    # 400: Django's own handler (an oversized form)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    client.force_login(editor)
    response = client.post("/desk/articles/new/", {"title": "x", "body": "字" * 2000})
    assert response.status_code == 400 and "内容过大" in response.content.decode()
    assert _starts_with_doctype(response)
    # 500
    from desk.views import articles

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(articles, "DashboardFilterForm", broken)
    client.raise_request_exception = False
    response = client.get("/desk/articles/")
    assert response.status_code == 500 and _starts_with_doctype(response)
    assert render_to_string("500.html").startswith("<!DOCTYPE html>")
