"""The whole-page cache of public reader pages for visitors without a session (config/pagecache.py),
the feeds and the sitemap (reader/feeds.py): what a reader notices is that pages are the same,
changes show at once, and nothing internal or personal is ever sent to someone else."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulletin.models import Issue, IssueArticle, Visibility
from bulletin.publishing import approve_erratum, propose_erratum, publish_issue, withdraw_issue

pytestmark = pytest.mark.django_db

SECTIONS = ["本期焦点", "时政要点", "创文看点"]
SAME_HEADERS = ["Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Security-Policy",
                "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"]


@pytest.fixture
def publish(publication, make_article, head):
    from editorial.models import Article

    def make(count=3, month=10, visibility=Visibility.PUBLIC, prefix=""):
        issue = Issue.objects.create(publication=publication, year=2020, month=month, visibility=visibility)
        for n in range(count):
            article = make_article(
                title=f"{prefix}{month}月第{n + 1}篇稿件", section=SECTIONS[n % 3], status=Article.Status.APPROVED
            )
            IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
            if n == 0:
                issue.focus_article = article
        issue.save()
        return publish_issue(issue, by=head, require_sign_off=False)

    return make


def article_url(issue):
    return f"{issue.get_absolute_url()}{issue.placements.order_by('position').first().article_id}/"


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, len(captured)


@pytest.mark.parametrize("kind", ["home", "archive", "issue", "article", "pdf", "atom", "rss", "sitemap"])
def test_a_public_page_is_sent_again_whole_with_the_same_headers(client, publish, publication, settings, kind):
    settings.BULLETIN_PDF_ON_PUBLISH = "off"
    issue = publish()
    url = {
        "home": "/", "archive": publication.get_absolute_url(), "issue": issue.get_absolute_url(),
        "article": article_url(issue), "pdf": issue.get_pdf_url(), "atom": f"/{publication.slug}/feed.atom",
        "rss": f"/{publication.slug}/feed.rss", "sitemap": "/sitemap.xml",
    }[kind]
    first, cold = queries_for(client, url)
    second, warm = queries_for(client, url)
    assert first.status_code == second.status_code == 200
    assert cold > 1 and warm == 1, (cold, warm)  # the one query left: the generation
    body = b"".join(first.streaming_content) if first.streaming else first.content
    again = b"".join(second.streaming_content) if second.streaming else second.content
    assert again == body
    for name in SAME_HEADERS:
        assert second.get(name) == first.get(name), name
    if kind in ("issue", "article"):
        assert "private" in second["Cache-Control"] and second["ETag"]
        # A conditional request is answered from the cache as the view answers it.
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert not_modified.status_code == 304 and not_modified["ETag"] == first["ETag"]


def test_an_erratum_shows_at_once(client, publish, editor, head, approver):
    issue = publish()
    for url in (issue.get_absolute_url(), article_url(issue)):
        assert "本期勘误" not in client.get(url).content.decode()
    erratum = propose_erratum(issue, text="第2篇中“示例街道”应为“示范街道”。", by=editor)
    # Proposed, not yet approved: readers see nothing new.
    assert "示范街道" not in client.get(issue.get_absolute_url()).content.decode()
    approve_erratum(erratum, by=head)
    assert "示范街道" in client.get(issue.get_absolute_url()).content.decode()


def test_a_withdrawn_issue_is_gone_at_once_from_every_cached_page(client, publish, publication, head):
    issue = publish(prefix="撤回前")
    pages = [issue.get_absolute_url(), article_url(issue), "/", publication.get_absolute_url(),
             f"/{publication.slug}/feed.atom", "/sitemap.xml"]
    for url in pages:
        assert client.get(url).status_code == 200
    assert "撤回前" in client.get(f"/{publication.slug}/feed.atom").content.decode()
    withdraw_issue(issue, by=head, reason="内容有误")
    assert client.get(issue.get_absolute_url()).status_code == 404
    assert client.get(article_url(issue)).status_code == 404
    assert client.get(issue.get_pdf_url()).status_code == 404
    for url in pages[2:]:
        assert issue.get_absolute_url() not in client.get(url).content.decode(), url


def test_an_internal_page_is_never_kept_for_visitors_without_a_session(client, publish, reader):
    issue = publish(visibility=Visibility.INTERNAL, prefix="内部稿")
    reader_client = type(client)()
    reader_client.force_login(reader)
    for url in (issue.get_absolute_url(), article_url(issue)):
        assert reader_client.get(url).status_code == 200
        # Whoever asked before, a visitor without a session is sent to the login page.
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in ("/", f"/{issue.publication.slug}/", f"/{issue.publication.slug}/feed.atom",
                f"/{issue.publication.slug}/feed.rss", "/sitemap.xml"):
        reader_client.get(url)
        assert "内部稿" not in client.get(url).content.decode(), url
        assert issue.get_absolute_url() not in client.get(url).content.decode(), url


def test_the_header_always_names_who_is_signed_in(client, publish, reader):
    issue = publish()
    url = issue.get_absolute_url()
    anonymous = client.get(url).content.decode()
    assert "登录" in anonymous and "退出" not in anonymous
    client.force_login(reader)
    signed_in = client.get(url).content.decode()
    assert '<span class="who">周读者</span>' in signed_in and "退出" in signed_in
    client.logout()
    again = client.get(url).content.decode()
    assert "周读者" not in again and "退出" not in again and "登录" in again


def test_a_visitor_with_a_message_waiting_sees_it(client, publish, reader):
    issue = publish()
    client.get(issue.get_absolute_url())  # kept for visitors without a session
    client.force_login(reader)
    response = client.post("/accounts/logout/", follow=True)  # to the home page, with no message
    assert response.status_code == 200
    # A messages cookie takes the visitor past the cache (the page shows the message).
    client.cookies["messages"] = "x"
    with CaptureQueriesContext(connection) as captured:
        client.get(issue.get_absolute_url())
    assert len(captured) > 0


def test_a_template_or_static_deploy_starts_afresh(client, publish, monkeypatch):
    from bulletin import public_pages

    issue = publish()
    client.get(issue.get_absolute_url())
    assert queries_for(client, issue.get_absolute_url())[1] == 1
    monkeypatch.setattr(public_pages, "_fingerprint", "another-deploy")
    assert queries_for(client, issue.get_absolute_url())[1] > 1


# --- feeds and sitemap --------------------------------------------------------------------------


def test_feeds_list_public_issues_only_with_chinese_titles(client, publish, publication):
    public = publish(month=9, prefix="公开稿")
    internal = publish(month=10, visibility=Visibility.INTERNAL, prefix="内部稿")
    atom = client.get(f"/{publication.slug}/feed.atom")
    rss = client.get(f"/{publication.slug}/feed.rss")
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert rss["Content-Type"].startswith("application/rss+xml")
    for response in (atom, rss):
        text = response.content.decode()
        assert f"{publication.name} · 最新各期" in text
        assert public.get_absolute_url() in text and "公开稿9月第1篇稿件" in text
        assert internal.get_absolute_url() not in text and "内部稿" not in text
        assert "2020年10月" not in text
    assert client.get("/no-such-publication/feed.atom").status_code == 404


def test_sitemap_lists_public_pages_only(client, publish, publication):
    public = publish(month=9)
    internal = publish(month=10, visibility=Visibility.INTERNAL)
    text = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/" in text and f"http://testserver{publication.get_absolute_url()}" in text
    assert f"http://testserver{public.get_absolute_url()}" in text
    assert f"http://testserver{article_url(public)}" in text
    assert internal.get_absolute_url() not in text


def test_reader_pages_announce_the_feeds(client, publish, publication):
    issue = publish()
    for url in ("/", publication.get_absolute_url(), issue.get_absolute_url(), article_url(issue)):
        text = client.get(url).content.decode()
        assert f'<link rel="alternate" type="application/atom+xml" title="{publication.name} · 最新各期（Atom）" href="/{publication.slug}/feed.atom">' in text
        assert f'href="/{publication.slug}/feed.rss"' in text


# --- signed-in readers: the per-visibility page cache after the permission check ----------------


def test_signed_in_readers_share_a_kept_page_each_with_their_own_header(client, publish, reader, head, editor):
    from django.test import Client

    from tests.conftest import make_user

    issue = publish(visibility=Visibility.INTERNAL, prefix="内部稿")
    url = article_url(issue)
    client.force_login(reader)
    first, cold = queries_for(client, url)
    assert first.status_code == 200 and '<span class="who">周读者</span>' in first.content.decode()

    other = Client()
    other.force_login(head)
    second, warm = queries_for(other, url)
    text = second.content.decode()
    assert second.status_code == 200 and warm < cold, (cold, warm)
    assert f'<span class="who">{head.get_full_name() or head.username}</span>' in text and "周读者" not in text
    assert ">编辑部</a>" in text and ">编辑部</a>" not in first.content.decode()  # the head's desk link
    assert "内部稿" in text and "<!--bulletin:" not in text
    # The same page apart from the header; the ETag is each user's own.
    body = lambda r: r.content.decode().split("</header>", 1)[1]  # noqa: E731
    assert body(second) == body(first)
    assert second["ETag"] != first["ETag"] and "private" in second["Cache-Control"]
    assert other.get(url, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304

    # The permission is checked before the kept page is looked at.
    stranger = Client()
    stranger.force_login(make_user("stranger"))
    refused = stranger.get(url)
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]
    assert client.logout() is None and client.get(url).status_code == 302


def test_a_signed_in_reader_sees_an_erratum_at_once(client, publish, reader, editor, head):
    issue = publish(visibility=Visibility.INTERNAL)
    client.force_login(reader)
    assert "示范街道" not in client.get(issue.get_absolute_url()).content.decode()
    erratum = propose_erratum(issue, text="第2篇中“示例街道”应为“示范街道”。", by=editor)
    approve_erratum(erratum, by=head)
    assert "示范街道" in client.get(issue.get_absolute_url()).content.decode()
