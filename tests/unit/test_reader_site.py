"""The reader site: who sees what (HTML and PDF), caching, conditional requests, query budget."""

from __future__ import annotations

import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulletin.models import Erratum, Issue, IssueArticle, Visibility
from bulletin.publishing import publish_issue
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SECTIONS = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return make_user("staff", is_staff=True)


@pytest.fixture
def publish(publication, make_article, head):
    """Publish an issue of `count` approved articles spread over the sections."""
    from editorial.models import Article

    def make(count=3, month=10, visibility=Visibility.PUBLIC):
        issue = Issue.objects.create(publication=publication, year=2020, month=month, visibility=visibility)
        for n in range(count):
            section = SECTIONS[0] if n == 0 else SECTIONS[1 + n % 5]
            article = make_article(
                title=f"{month}月第{n + 1}篇稿件", section=section, status=Article.Status.APPROVED
            )
            IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
            if n == 0:
                issue.focus_article = article
        issue.save()
        return publish_issue(issue, by=head, require_sign_off=False)

    return make


def urls(issue):
    first = issue.placements.order_by("section__position", "position").first()
    return {
        "html": issue.get_absolute_url(),
        "article": f"{issue.get_absolute_url()}{first.article_id}/",
        "pdf": issue.get_pdf_url(),
    }


# --- visibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["html", "article", "pdf"])
def test_internal_issue_sends_anonymous_readers_to_the_login_page(client, publish, kind):
    issue = publish(visibility=Visibility.INTERNAL)
    url = urls(issue)[kind]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert unquote(response["Location"].split("next=")[1]) == url
    login_page = client.get(response["Location"])
    assert "该内容为内部资料或需要登录后查看" in login_page.content.decode()


@pytest.mark.parametrize("kind", ["html", "article", "pdf"])
def test_signed_in_user_without_reader_role_gets_a_clear_message(client, publish, outsider, kind):
    issue = publish(visibility=Visibility.INTERNAL)
    client.force_login(outsider)
    response = client.get(urls(issue)[kind], follow=True)
    assert response.status_code == 200
    assert len(response.redirect_chain) == 1, "one redirect to the login page, no loop"
    page = response.content.decode()
    assert "您的账号无权查看该页面" in page
    assert "10月第1篇稿件" not in page


@pytest.mark.parametrize("user_fixture", ["reader", "staff"])
def test_reader_and_staff_read_internal_issue_html_and_pdf(client, publish, request, user_fixture):
    issue = publish(visibility=Visibility.INTERNAL)
    client.force_login(request.getfixturevalue(user_fixture))
    page = client.get(urls(issue)["html"])
    assert page.status_code == 200
    assert "10月第2篇稿件" in page.content.decode() and "内部资料" in page.content.decode()
    assert client.get(urls(issue)["article"]).status_code == 200
    pdf = client.get(urls(issue)["pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("user_fixture", ["editor", "approver", "head"])
def test_desk_roles_read_the_internal_issues_they_make(client, publish, request, user_fixture):
    # The desk links a published issue to its reader page; the office's own staff must not be
    # told "您的账号无权查看该页面" there (they could preview it on the desk anyway).
    issue = publish(visibility=Visibility.INTERNAL)
    client.force_login(request.getfixturevalue(user_fixture))
    for kind in ("html", "article", "pdf"):
        assert client.get(urls(issue)[kind]).status_code == 200, kind
    archive = client.get("/test-dsyb/").content.decode()
    assert "总第97期" in archive


@pytest.mark.parametrize("user_fixture", [None, "outsider", "reader", "staff"])
def test_public_issue_needs_no_login(client, publish, request, user_fixture):
    issue = publish(visibility=Visibility.PUBLIC)
    if user_fixture:
        client.force_login(request.getfixturevalue(user_fixture))
    for kind in ("html", "article", "pdf"):
        assert client.get(urls(issue)[kind]).status_code == 200, kind


def test_cached_internal_issue_never_reaches_anonymous_users(client, publish, reader):
    issue = publish(visibility=Visibility.INTERNAL)
    client.force_login(reader)
    assert client.get(urls(issue)["html"]).status_code == 200  # layout now cached
    assert client.get(urls(issue)["pdf"]).status_code == 200  # PDF now stored
    client.logout()
    for kind in ("html", "article", "pdf"):
        response = client.get(urls(issue)[kind])
        assert response.status_code == 302, kind
        assert b"%PDF" not in response.content


def test_archive_and_home_hide_internal_issues_from_anonymous(client, publish, reader):
    publish(month=9, visibility=Visibility.PUBLIC)
    publish(month=10, visibility=Visibility.INTERNAL)
    archive = client.get("/test-dsyb/").content.decode()
    assert "2020年9月" in archive and "2020年10月" not in archive
    assert "部分期刊为内部资料" in archive
    assert "2020年9月" in client.get("/").content.decode()
    client.force_login(reader)
    archive = client.get("/test-dsyb/").content.decode()
    assert "2020年10月" in archive and "第2期 · 总第98期" in archive
    assert "2020年10月" in client.get("/").content.decode()


def test_unpublished_issue_is_not_found(client, publication, staff):
    Issue.objects.create(publication=publication, year=2020, month=12, visibility=Visibility.PUBLIC)
    client.force_login(staff)
    assert client.get("/test-dsyb/97/").status_code == 404
    assert client.get("/test-dsyb/97.pdf").status_code == 404


# --- pages ----------------------------------------------------------------------------------


def test_issue_page_shows_masthead_focus_toc_and_links(client, publish):
    issue = publish(count=4)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert "<title>测试区大事月报 2020年10月（总第97期）</title>" in page
    assert 'property="og:title"' in page and 'rel="canonical"' in page
    assert "本期焦点" in page and "（总第97期）" in page
    for placement in issue.placements.all():
        assert f'href="#article-{placement.article_id}"' in page
        assert f'href="/test-dsyb/97/{placement.article_id}/"' in page
    assert 'href="/test-dsyb/97.pdf"' in page


def test_article_page_has_previous_and_next_in_reading_order(client, publish):
    issue = publish(count=3)
    order = [p.article_id for p in issue.placements.order_by("section__position", "position")]
    middle = client.get(f"/test-dsyb/97/{order[1]}/").content.decode()
    assert f'rel="prev" href="/test-dsyb/97/{order[0]}/"' in middle
    assert f'rel="next" href="/test-dsyb/97/{order[2]}/"' in middle
    first = client.get(f"/test-dsyb/97/{order[0]}/").content.decode()
    assert 'rel="prev"' not in first
    assert client.get("/test-dsyb/97/999999/").status_code == 404


def test_pdf_download_is_inline_with_a_readable_filename(client, publish, settings):
    issue = publish()
    response = client.get(issue.get_pdf_url())
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert unquote(disposition.split("filename*=utf-8''")[1]) == "测试区大事月报-2020年10月-总第97期.pdf"
    stored = list((Path(settings.PRIVATE_ROOT) / "pdf").glob("*.pdf"))
    assert len(stored) == 1
    assert not str(stored[0]).startswith(str(settings.MEDIA_ROOT))


def test_pdf_is_rendered_once_then_served_from_the_store(client, publish, monkeypatch):
    from bulletin.pdf import store as pdf_store

    issue = publish()
    calls = []
    real = pdf_store.render_pdf_bytes
    monkeypatch.setattr(pdf_store, "render_pdf_bytes", lambda i: calls.append(i.pk) or real(i))
    for _ in range(3):
        assert client.get(issue.get_pdf_url()).status_code == 200
    assert calls == [issue.pk]


def test_pdf_failure_shows_a_message_not_a_500(client, publish, monkeypatch):
    from bulletin.pdf import store as pdf_store

    issue = publish()

    def broken(issue):
        raise OSError("fonts missing")

    monkeypatch.setattr(pdf_store, "render_pdf_bytes", broken)
    response = client.get(issue.get_pdf_url())
    assert response.status_code == 503
    assert "PDF 暂时无法生成" in response.content.decode()


def test_publishing_renders_the_pdf_after_commit(
    publication, make_article, head, settings, django_capture_on_commit_callbacks
):
    from bulletin.pdf import store as pdf_store
    from editorial.models import Article

    settings.BULLETIN_PDF_ON_PUBLISH = "sync"
    issue = Issue.objects.create(publication=publication, year=2020, month=10)
    article = make_article(title="发布即生成PDF", section="本期焦点", status=Article.Status.APPROVED)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section)
    with django_capture_on_commit_callbacks(execute=True):
        publish_issue(issue, by=head, require_sign_off=False)
    assert pdf_store.pdf_path(issue).is_file()


def test_failing_pdf_render_never_fails_publishing(
    publication, make_article, head, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from bulletin.pdf import store as pdf_store
    from editorial.models import Article

    settings.BULLETIN_PDF_ON_PUBLISH = "sync"
    monkeypatch.setattr(pdf_store, "render_pdf_bytes", lambda issue: 1 / 0)
    issue = Issue.objects.create(publication=publication, year=2020, month=10)
    article = make_article(title="渲染失败也能发布", section="本期焦点", status=Article.Status.APPROVED)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section)
    with django_capture_on_commit_callbacks(execute=True):
        publish_issue(issue, by=head, require_sign_off=False)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED and issue.serial_number == 97
    assert not pdf_store.pdf_path(issue).exists()


# --- caching and conditional requests ------------------------------------------------------


def test_issue_page_answers_conditional_requests(client, publish):
    issue = publish()
    first = client.get(issue.get_absolute_url())
    assert first["ETag"] and first["Last-Modified"]
    assert "private" in first["Cache-Control"]
    again = client.get(issue.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    pdf = client.get(issue.get_pdf_url())
    assert client.get(issue.get_pdf_url(), HTTP_IF_NONE_MATCH=pdf["ETag"]).status_code == 304


def test_etag_differs_per_user(client, publish, reader):
    issue = publish()
    anonymous = client.get(issue.get_absolute_url())["ETag"]
    client.force_login(reader)
    response = client.get(issue.get_absolute_url(), HTTP_IF_NONE_MATCH=anonymous)
    assert response.status_code == 200, "a page naming the user is not the anonymous page"


def test_published_erratum_shows_at_once_and_changes_etag(client, publish, head):
    issue = publish()
    before = client.get(issue.get_absolute_url())
    assert "勘误" not in before.content.decode()
    erratum = Erratum.objects.create(
        issue=issue, text="第2篇标题中的“稿件”应为“文稿”。", created_by=head,
        published_at=datetime.datetime(2020, 10, 20, tzinfo=datetime.UTC),
    )
    after = client.get(issue.get_absolute_url(), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert "应为“文稿”" in after.content.decode()
    article = client.get(urls(issue)["article"]).content.decode()
    assert "应为“文稿”" in article
    # Withdrawing the erratum removes it just as fast.
    erratum.published_at = None
    erratum.save()
    assert "应为“文稿”" not in client.get(issue.get_absolute_url()).content.decode()


def test_a_published_issue_keeps_its_colophon_and_a_renamed_publication_is_not_a_stale_304(
    client, publish, publication
):
    # The masthead and 版记 were frozen when the issue was published (bulletin.colophon): a later
    # change in the admin is for the next issues and leaves this page as it was.
    issue = publish()
    before = client.get(issue.get_absolute_url())
    article_before = client.get(urls(issue)["article"])
    publication.phone = "0371-87654321"
    publication.save()
    after = client.get(issue.get_absolute_url())
    assert "0371-12345678" in after.content.decode() and "0371-87654321" not in after.content.decode()
    # Titles and breadcrumbs name the publication as it is called now: renaming it reaches
    # readers whose browser revalidates.
    publication.name = "测试区大事月报（改名）"
    publication.save()
    article_after = client.get(urls(issue)["article"], HTTP_IF_NONE_MATCH=article_before["ETag"])
    assert article_after.status_code == 200 and "测试区大事月报（改名）" in article_after.content.decode()
    assert client.get(issue.get_absolute_url(), HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_withdrawn_issue_disappears_despite_the_cache(client, publish, head):
    from bulletin.publishing import withdraw_issue

    issue = publish()
    assert client.get(issue.get_absolute_url()).status_code == 200
    withdraw_issue(issue, by=head, reason="内容有误")
    assert client.get(issue.get_absolute_url()).status_code == 404
    assert client.get(issue.get_pdf_url()).status_code == 404


def test_issue_page_query_count_does_not_grow_with_articles(
    client, publish, reader, django_assert_max_num_queries
):
    small = publish(count=5, month=9, visibility=Visibility.INTERNAL)
    large = publish(count=30, month=10, visibility=Visibility.INTERNAL)
    client.force_login(reader)
    # The first page of a session costs the permission check's statement twice (reader/signed_in.py).
    client.get(f"{small.get_absolute_url()}{small.placements.first().article_id}/")
    counts = []
    for url in (small.get_absolute_url(), large.get_absolute_url()):
        cache.clear()  # the expensive path: nothing cached yet
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    cache.clear()
    with django_assert_max_num_queries(8):
        client.get(large.get_absolute_url())
    with django_assert_max_num_queries(8):
        client.get(f"{large.get_absolute_url()}{large.placements.last().article_id}/")


def test_cached_issue_page_skips_the_article_query(client, publish, reader):
    # Signed in, so past the whole-page cache of anonymous visitors (tests/unit/test_page_cache.py).
    url = publish(count=10).get_absolute_url()
    client.force_login(reader)
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    # The layout cache (and the signed-in reader's kept page, tests/unit/test_page_cache.py).
    assert len(warm) < len(cold)
    assert any("bulletin_issuearticle" in q["sql"] for q in cold.captured_queries)
    assert not any("bulletin_issuearticle" in q["sql"] for q in warm.captured_queries)


def test_archive_page_has_the_shared_link_preview_tags(client, publish):
    publish(count=1)
    page = client.get("/test-dsyb/").content.decode()
    assert '<link rel="canonical" href="http://testserver/test-dsyb/">' in page
    assert '<meta property="og:title" content="测试区大事月报 · 往期目录">' in page
    assert '<meta property="og:site_name" content="测试区大事月报">' in page


def test_issue_masthead_gives_the_year_number_like_the_pdf(client, publish, publication, make_article):
    from bulletin.publishing import publish_back_issue
    from editorial.models import Article

    issue = publish(count=1)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert '<p class="masthead-serial">第1期（总第97期）</p>' in page
    # A back issue whose file gave no 第N期 shows 总第N期 alone, as its PDF does.
    back = Issue.objects.create(publication=publication, year=2019, month=5, visibility=Visibility.PUBLIC)
    article = make_article(title="往期稿件", status=Article.Status.APPROVED)
    IssueArticle.objects.create(issue=back, article=article, section=article.section, position=0)
    back = publish_back_issue(back, year_number=None, serial_number=80)
    page = client.get(back.get_absolute_url()).content.decode()
    assert '<p class="masthead-serial">（总第80期）</p>' in page


def test_article_breadcrumb_starts_at_the_home_page(client, publish):
    issue = publish(count=1)
    article = issue.placements.first().article
    page = client.get(f"/test-dsyb/97/{article.pk}/").content.decode()
    crumbs = page[page.index('<nav class="breadcrumbs"'):]
    crumbs = crumbs[:crumbs.index("</nav>")]
    assert crumbs.startswith('<nav class="breadcrumbs" aria-label="位置"><a href="/">首页</a> › ')
    assert 'href="/test-dsyb/"' in crumbs and 'href="/test-dsyb/97/"' in crumbs
