"""Content-Security-Policy (issue #10): no inline script anywhere, no framing, violations reported
to /csp-report/ and logged. The browser side (nothing the reader or the desk does is refused):
tests/e2e/test_csp_browser.py."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def test_reader_pages_allow_only_the_sites_own_scripts_and_styles(client):
    directives = policy(client.get("/"))
    assert directives["script-src"] == ["'self'"]
    # The site's stylesheets, and the self-contained error pages' own <style> by its hash.
    assert directives["style-src"][0] == "'self'" and len(directives["style-src"]) == 2
    assert directives["style-src"][1].startswith("'sha256-")
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["report-uri"] == ["/csp-report/"]


def test_the_desk_also_allows_inline_styles_never_inline_scripts(client, editor):
    client.force_login(editor)
    for url in ["/desk/", "/desk/articles/new/"]:
        directives = policy(client.get(url))
        assert "'unsafe-inline'" in directives["style-src"], url
        assert directives["script-src"] == ["'self'"], url
        assert directives["frame-ancestors"] == ["'none'"], url


def test_the_error_pages_own_style_is_allowed_by_its_hash(client):
    import base64
    import hashlib

    response = client.get("/?q=%00")
    assert response.status_code == 400
    [style] = re.findall(r"<style>(.*?)</style>", response.content.decode(), re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy(response)["style-src"]


def test_a_pdf_carries_only_frame_ancestors(client, settings):
    from csp.middleware import CSPMiddleware
    from django.http import FileResponse
    from django.test import RequestFactory

    from config.csp import AreaPolicyMiddleware

    def pdf_view(request):
        return FileResponse(iter([b"%PDF-1.7"]), content_type="application/pdf")

    response = CSPMiddleware(AreaPolicyMiddleware(pdf_view))(RequestFactory().get("/x/97.pdf"))
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_every_response_carries_the_policy(client):
    for url in ["/accounts/login/", "/no-such-page/", "/healthz"]:
        assert "frame-ancestors 'none'" in client.get(url)["Content-Security-Policy"], url
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_no_template_holds_an_inline_script_or_event_handler():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, re.compile(r"javascript:", re.I)):
            offenders += [f"{template.relative_to(ROOT)}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
    assert offenders == []


# --- the report endpoint ---------------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://bulletin.example.gov.cn/zyq-dsyb/97/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "line-number": 12,
        "disposition": "enforce",
    }
}


def post_report(client, body, content_type="application/csp-report"):
    return client.post("/csp-report/", data=body, content_type=content_type)


def test_a_violation_report_is_logged(caplog):
    client = Client(enforce_csrf_checks=True)  # browsers send reports without a CSRF token
    with caplog.at_level(logging.WARNING, logger="config.csp"):
        response = post_report(client, json.dumps(REPORT))
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "config.csp"]
    message = record.getMessage()
    assert "CSP violation" in message and "script-src-elem" in message and "/zyq-dsyb/97/" in message


def test_reporting_api_reports_are_logged_too(client, caplog):
    body = [{"type": "csp-violation", "url": "https://x/", "body": {
        "documentURL": "https://bulletin.example.gov.cn/", "effectiveDirective": "style-src-elem",
        "blockedURL": "https://evil.example/x.css", "disposition": "enforce"}}]
    with caplog.at_level(logging.WARNING, logger="config.csp"):
        response = post_report(client, json.dumps(body), "application/reports+json")
    assert response.status_code == 204
    assert any("evil.example" in r.getMessage() for r in caplog.records if r.name == "config.csp")


@pytest.mark.parametrize(
    "body",
    [
        b"", b"not json", b"\xff\xfe\x00\x00garbage", b"null", b"42", b'"text"', b"[]", b"{}",
        b'{"csp-report": "a string"}', b'{"csp-report": [1, 2]}', b'[{"type": "csp-violation", "body": 5}]',
        b"[" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
        json.dumps({"csp-report": {"document-uri": "\x00" * 10, "blocked-uri": ["x"] * 10}}).encode(),
        b"x" * 200_000,
    ],
)
def test_junk_bodies_never_give_a_500(body):
    client = Client(raise_request_exception=False)
    for content_type in ["application/csp-report", "application/json", "application/x-www-form-urlencoded"]:
        response = post_report(client, body, content_type)
        assert response.status_code in (204, 400), (content_type, response.status_code)


def test_only_post_is_accepted(client):
    assert client.get("/csp-report/").status_code == 405


def test_a_flood_of_reports_is_not_all_logged(client, caplog):
    with caplog.at_level(logging.WARNING, logger="config.csp"):
        for _ in range(100):
            assert post_report(client, json.dumps(REPORT)).status_code == 204
    logged = [r for r in caplog.records if r.name == "config.csp"]
    assert 0 < len(logged) <= 30
