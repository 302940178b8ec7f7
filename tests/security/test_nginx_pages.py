"""Public reader pages as files behind the shipped deploy/nginx.conf (config/public_files.py): nginx
sends the written page to visitors without a session, Django answers everyone else; an internal
issue is never written where nginx serves files unchecked; an erratum or a withdrawal is visible
at once (the changed files are deleted in the same request) and the worker writes them again."""

from pathlib import Path

import pytest

from bulletin import publishing
from bulletin.models import Issue, IssueArticle, Visibility
from config import public_files
from editorial.models import Article
from tests.conftest import make_user
from tests.security.test_nginx_media import django_server, get, nginx, session_cookie  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issues(publication, make_article, head):
    made = {}
    for month, visibility, prefix in [(9, Visibility.PUBLIC, "公开稿"), (10, Visibility.INTERNAL, "内部稿")]:
        issue = Issue.objects.create(publication=publication, year=2020, month=month, visibility=visibility)
        for n in range(2):
            article = make_article(title=f"{prefix}第{n + 1}篇", section="本期焦点", status=Article.Status.APPROVED)
            IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
        made[visibility] = publishing.publish_issue(issue, by=head, require_sign_off=False)
    return made[Visibility.PUBLIC], made[Visibility.INTERNAL]


def article_url(issue):
    return f"{issue.get_absolute_url()}{issue.placements.order_by('position').first().article_id}/"


def written(settings):
    root = Path(settings.PUBLIC_PAGES_ROOT)
    return {"/" + str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_only_public_pages_are_written_and_nginx_sends_them_to_visitors_without_a_session(
    nginx, issues, settings, publication  # noqa: F811
):
    public, internal = issues
    public_files.write_missing()
    files = written(settings)
    slug = publication.slug
    for path in ["/index.html", f"/{slug}/index.html", f"/{slug}/feed.atom", f"/{slug}/feed.rss", "/sitemap.xml",
                 f"{public.get_absolute_url()}index.html", f"{article_url(public)}index.html", public.get_pdf_url()]:
        assert path in files, path
    # Nothing of the internal issue, under any name, in any file.
    assert not any(path.startswith(internal.get_absolute_url()) or path == internal.get_pdf_url() for path in files)
    root = Path(settings.PUBLIC_PAGES_ROOT)
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            assert "内部稿" not in path.read_text(), path

    # nginx sends the file itself (marked here to tell it from Django's answer) ...
    page = root / public.get_absolute_url().strip("/") / "index.html"
    page.write_text(page.read_text().replace("公开稿第1篇", "公开稿第1篇（来自文件）"))
    status, headers, body = get(nginx + public.get_absolute_url())
    assert status == 200 and "（来自文件）" in body.decode()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert headers["ETag"] and headers.get_all("Cache-Control") == ["private, no-cache"]
    status, headers, body = get(nginx + public.get_pdf_url())
    assert status == 200 and body.startswith(b"%PDF") and headers["Content-Type"] == "application/pdf"
    status, headers, body = get(nginx + f"/{slug}/feed.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")

    # ... but a signed-in reader gets Django's page naming them, and the internal issue after the check.
    reader = make_user("reader", "reader", first_name="周读者")
    cookie = session_cookie(reader) + "; csrftoken=x"
    status, _headers, body = get(nginx + public.get_absolute_url(), cookie)
    assert status == 200 and "周读者" in body.decode() and "（来自文件）" not in body.decode()
    status, headers, body = get(nginx + internal.get_absolute_url())
    assert status == 302 and headers["Location"].startswith("/accounts/login/")
    status, _headers, body = get(nginx + internal.get_absolute_url(), cookie)
    assert status == 200 and "内部稿第1篇" in body.decode()


def test_an_erratum_and_a_withdrawal_show_at_once_and_the_worker_writes_the_pages_again(
    nginx, issues, settings, editor, head  # noqa: F811
):
    public, _internal = issues
    public_files.write_missing()
    page = Path(settings.PUBLIC_PAGES_ROOT) / public.get_absolute_url().strip("/") / "index.html"
    assert page.exists()

    erratum = publishing.propose_erratum(public, text="第1篇“示例街道”应为“示范街道”。", by=editor)
    approver = make_user("head2", "head")
    publishing.approve_erratum(erratum, by=approver)
    assert not page.exists()  # deleted by the request that approved it
    status, _headers, body = get(nginx + public.get_absolute_url())
    assert status == 200 and "示范街道" in body.decode()
    assert public_files.write_missing() > 0  # the worker's task, queued after the commit
    assert "示范街道" in page.read_text()

    publishing.withdraw_issue(public, by=head, reason="内容有误")
    for url in (public.get_absolute_url(), article_url(public), public.get_pdf_url()):
        assert get(nginx + url)[0] == 404, url
    public_files.write_missing()
    assert not any(path.startswith(public.get_absolute_url()) for path in written(settings))
    assert public.get_absolute_url() not in (Path(settings.PUBLIC_PAGES_ROOT) / "index.html").read_text()


def test_a_change_queues_the_worker_once_committed(issues, settings, editor, head):
    from django_tasks_db.models import DBTaskResult

    settings.PUBLIC_PAGES_ROOT = Path(settings.MEDIA_ROOT).parent / "pages"
    public, _internal = issues
    before = DBTaskResult.objects.filter(task_path="config.public_files.write_public_pages").count()
    publishing.withdraw_issue(public, by=head, reason="内容有误")
    assert DBTaskResult.objects.filter(task_path="config.public_files.write_public_pages").count() == before + 1


def test_a_page_rendered_before_a_change_is_never_written_after_it(issues, settings, head):
    from bulletin import public_pages

    settings.PUBLIC_PAGES_ROOT = Path(settings.MEDIA_ROOT).parent / "pages"
    public, internal = issues
    stale = public_pages.generation()
    publishing.withdraw_issue(public, by=head, reason="内容有误")
    assert not public_files.write_page(public.get_absolute_url(), generation=stale)
    assert not public_files.write_page(internal.get_absolute_url(), generation=public_pages.generation())
    assert written(settings) == set()


def test_an_internal_pdf_is_sent_by_nginx_after_django_s_check_and_only_to_readers(
    nginx, issues, settings  # noqa: F811
):
    from bulletin.pdf import store as pdf_store

    _public, internal = issues
    reader = make_user("reader", "reader")
    outsider = make_user("outsider")
    url = nginx + internal.get_pdf_url()

    status, headers, body = get(url)
    assert status == 302 and headers["Location"].startswith("/accounts/login/") and b"%PDF" not in body
    status, headers, body = get(url, session_cookie(outsider))
    assert status == 302 and b"%PDF" not in body

    status, headers, body = get(url, session_cookie(reader))
    stored = pdf_store.pdf_path(internal).read_bytes()
    assert status == 200 and body == stored and body.startswith(b"%PDF")
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("inline;")
    assert headers.get_all("Cache-Control") == ["private, no-cache"] and "Cookie" in headers["Vary"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Accel-Redirect" not in headers

    # The internal location answers nothing asked for directly, and nothing but the PDFs' folder.
    name = pdf_store.pdf_name(internal).split("/", 1)[1]
    for path in [f"/protected-pdf/{name}", f"/protected-pdf/../pdf/{name}", "/protected-pdf/../pages/lock"]:
        status, _headers, body = get(nginx + path, session_cookie(reader))
        assert status == 404 and b"%PDF" not in body, path
    # Nothing internal was written where nginx serves files unchecked.
    assert not any(path == internal.get_pdf_url() for path in written(settings))
