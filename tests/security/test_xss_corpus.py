"""Issue #10: 159 XSS vectors through every input (article title, body, comment, return comment,
the issue's return and sign-off comments, erratum, withdraw reason, a Word file, a back-issue file,
the admin's publication and section fields, search queries). Nothing that could run script
reaches the reader's pages, the desk, the preview or the PDF's HTML.

The browser half (tests/e2e/test_xss_browser.py) opens the same pages in chromium and checks
that no injected script ran.
"""

from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from bulletin.pdf.render import render_issue_html
from bulletin.rendering import issue_layout
from tests.security.xss_world import JOINED, VECTORS, build, executable_markup

pytestmark = pytest.mark.django_db


def test_the_corpus_is_large_and_the_detector_sees_what_would_run():
    assert len(VECTORS) >= 120 and len(set(VECTORS)) == len(VECTORS)
    # Written into a page unescaped, nearly every vector is caught (the rest are plain text,
    # encoded text or template syntax that only a broken template would evaluate).
    caught = [v for v in VECTORS if executable_markup(f"<p>{v}</p>")]
    assert len(caught) >= 120, f"only {len(caught)} caught"
    for vector in ['<img src=x onerror=alert(1)>', '<a href="jav&#x09;ascript:alert(1)">点我</a>',
                   '<svg/onload=alert(1)>', '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
                   '<div style="width: expression(alert(1));">IE</div>']:
        assert executable_markup(vector), vector
    # Bulletin's own markup is not flagged: escaped text, our scripts and styles.
    assert not executable_markup(f"<p>{escape(JOINED)}</p><script src=\"/static/js/desk.js\"></script>")


def pages(world, clients):
    """(what, client, url) for every page that shows what was written."""
    anonymous, editor, approver, head = (clients[k] for k in ("anonymous", "editor", "approver", "head"))
    issue, imported, withdrawn = world.issue, world.imported, world.withdrawn
    slug = world.publication.slug
    yield "home", anonymous, "/"
    yield "archive", anonymous, reverse("reader:archive", args=[slug])
    yield "issue", anonymous, issue.get_absolute_url()
    yield "imported issue", anonymous, imported.get_absolute_url()
    yield "chronicle", anonymous, reverse("reader:chronicle", args=[slug, 2020])
    for placement in issue.placements.all():
        yield "article", anonymous, reverse("reader:article", args=[slug, issue.serial_number, placement.article_id])
    for placement in imported.placements.all()[:10]:
        yield "imported article", anonymous, reverse(
            "reader:article", args=[slug, imported.serial_number, placement.article_id])
    for vector in VECTORS[:60]:
        yield "search", anonymous, reverse("reader:search") + "?" + _query(q=vector)
    yield "desk todo", editor, reverse("desk:dashboard")
    yield "desk todo (head)", head, reverse("desk:dashboard")
    yield "article list", editor, reverse("desk:article_list")
    yield "review queue", approver, reverse("desk:review_queue")
    yield "notifications", editor, "/desk/notifications/"
    for article in world.articles[:20] + world.drafts:
        yield "article detail", editor, reverse("desk:article_detail", args=[article.pk])
    for article in world.drafts:
        yield "article edit", editor, reverse("desk:article_edit", args=[article.pk])
    for article in world.articles[:10]:
        yield "compare", editor, reverse("desk:article_compare", args=[article.pk]) + "?a=1&b=2"
    for vector in VECTORS[:40]:
        yield "desk search", editor, reverse("desk:search") + "?" + _query(q=vector)
    yield "issue list", editor, reverse("desk:issue_list")
    for each in (issue, imported, withdrawn):
        yield "issue detail", editor, reverse("desk:issue_detail", args=[each.pk])
        yield "sign-off page", head, reverse("desk:issue_signoff", args=[each.pk])
        yield "preview", editor, reverse("desk:issue_preview", args=[each.pk])
    yield "calendar", editor, reverse("desk:calendar")


def _query(**params):
    from urllib.parse import urlencode

    return urlencode(params)


@pytest.fixture
def xss_world(publication, editor, approver, head, own_issue):
    return build(publication, editor, approver, head, own_issue)


def test_no_vector_reaches_a_page_as_markup(xss_world, editor, approver, head):
    clients = {"anonymous": Client()}
    for name, user in [("editor", editor), ("approver", approver), ("head", head)]:
        clients[name] = Client()
        clients[name].force_login(user)
    seen = 0
    for what, client, url in pages(xss_world, clients):
        response = client.get(url)
        assert response.status_code == 200, f"{what} {url}: {response.status_code}"
        found = executable_markup(response.content.decode())
        assert not found, f"{what} {url}: {found[:5]}"
        seen += 1
    assert seen > 350

    assert not executable_markup(xss_world.import_preview), "back-issue import preview"
    for issue in (xss_world.issue, xss_world.imported):
        assert not executable_markup(render_issue_html(issue_layout(issue))), f"PDF HTML of {issue}"

    # The checks above would also pass if the inputs were lost: they are kept and shown escaped.
    reader_page = Client().get(xss_world.issue.get_absolute_url()).content.decode()
    assert escape("<script>alert(1)</script>", quote=False) in reader_page  # a title
    commented = clients["editor"].get(reverse("desk:article_detail", args=[xss_world.drafts[-1].pk]))
    assert escape("<svg/onload=alert(1)>", quote=False) in commented.content.decode()  # comment, return comment
    archive = clients["anonymous"].get(reverse("reader:archive", args=[xss_world.publication.slug]))
    assert escape("<script>alert(1)</script>", quote=False) in archive.content.decode()  # the admin's description
    head_client = clients["head"]
    history = head_client.get(reverse("desk:issue_detail", args=[xss_world.withdrawn.pk])).content.decode()
    assert escape("<svg/onload=alert(1)>", quote=False) in history  # the withdraw reason
    errata = xss_world.issue.errata.order_by("pk")
    assert "\n".join(e.text for e in errata) == JOINED and all(e.published_at for e in errata)


def test_a_quote_in_the_body_does_not_end_the_description_attribute(client, publication, make_article, head):
    """Found by the corpus: the article page's <meta name=description> printed the body's text
    marked safe, and a quote in the text ended the attribute (`" autofocus onfocus="alert(1)`)."""
    from bulletin.models import Issue, IssueArticle, SignOff
    from bulletin.publishing import issue_fingerprint, publish_issue
    from editorial.models import Article

    article = make_article(title="引号", section="本期焦点", status=Article.Status.APPROVED,
                           body='<p>他说：" autofocus onfocus="alert(1) &amp; 其他</p>')
    issue = Issue.objects.create(publication=publication, year=2020, month=10, focus_article=article,
                                 status=Issue.Status.SIGNED_OFF)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=0)
    SignOff.objects.create(issue=issue, signed_by=head, content_hash=issue_fingerprint(issue))
    issue = publish_issue(issue, by=head)
    url = reverse("reader:article", args=[publication.slug, issue.serial_number, article.pk])
    page = client.get(url).content.decode()
    assert not executable_markup(page)
    assert 'content="他说：&quot; autofocus onfocus=&quot;alert(1) &amp; 其他"' in page
