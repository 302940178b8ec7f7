"""Uploaded images are readable by exactly those who may read an article showing them (issue #10,
"Nothing internal leaks"): a published public issue's images are public and cacheable; an internal
issue's only for those who may read internal issues (and the desk); anything unpublished only for
the desk. Private answers are `Cache-Control: private`. With BULLETIN_MEDIA_ACCEL Django checks
and hands the sending to nginx (X-Accel-Redirect); tests/security/test_nginx_media.py runs the
real nginx of deploy/nginx.conf in front of a live server.
"""

import io

import pytest
from django.test import Client
from PIL import Image as PILImage

from bulletin import publishing
from bulletin.access import MediaAccess, media_access
from bulletin.models import Issue, IssueArticle, SignOff, Visibility
from bulletin.publishing import issue_fingerprint
from editorial.image_refs import media_names
from editorial.models import Article
from editorial.revisions import record_revision
from editorial.uploads import store_image
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def png_bytes(colour=(200, 30, 30)):
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def body_with(image, text="正文"):
    return f'<p>{text}</p><figure class="image"><img src="{image.web.url}" alt="图"></figure>'


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def users(editor, approver, head, reader, outsider):
    staff = make_user("staff-only", is_staff=True)
    return {"anon": None, "reader": reader, "outsider": outsider, "staff": staff,
            "editor": editor, "approver": approver, "head": head}


@pytest.fixture
def publish_with(publication, make_article, head):
    """Publish an issue of `visibility` whose focus article shows `body`."""
    months = iter(range(1, 13))

    def make(body, *, visibility, earlier_body=None):
        article = make_article(title="有图的稿件", section="本期焦点", status=Article.Status.APPROVED,
                               body=earlier_body or body)
        if earlier_body:
            article.body = body
            article.save()
            record_revision(article, by=article.author)
        issue = Issue.objects.create(publication=publication, year=2020, month=next(months), visibility=visibility)
        IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=0)
        issue.focus_article = article
        issue.status = Issue.Status.SIGNED_OFF
        issue.save()
        SignOff.objects.create(issue=issue, signed_by=head, content_hash=issue_fingerprint(issue))
        publishing.publish_issue(issue, by=head)
        issue.refresh_from_db()
        assert issue.status == Issue.Status.PUBLISHED
        return issue, article

    return make


def fetch(user, url):
    return client_for(user).get(url)


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_media_names_reads_img_sources_under_media_url():
    html = ('<p>x</p><img src="/media/images/web/2026/11/a.png" alt=""><img alt="" src=\'/media/images/web/b.jpg\'>'
            '<img src="https://elsewhere.example/media/c.png"><img src="/static/d.png"><a href="/media/e.png">e</a>'
            '<img src="/media/images/../../etc/passwd">')
    assert media_names(html) == {"images/web/2026/11/a.png", "images/web/b.jpg", "c.png"}


def test_images_of_a_public_issue_are_public_and_cacheable(publish_with, editor, users):
    image = store_image(png_bytes(), by=editor, name="photo.png")
    publish_with(body_with(image), visibility=Visibility.PUBLIC)
    for name, user in users.items():
        for url in (image.web.url, image.print_file.url):
            response = fetch(user, url)
            assert response.status_code == 200, (name, url)
            assert body_of(response).startswith(b"\x89PNG")
            cache_control = response["Cache-Control"]
            assert "public" in cache_control and "max-age=86400" in cache_control and "private" not in cache_control


def test_images_of_an_internal_issue_only_for_internal_readers_and_the_desk(publish_with, editor, users):
    image = store_image(png_bytes(), by=editor, name="internal.png")
    publish_with(body_with(image), visibility=Visibility.INTERNAL)
    expected = {"anon": "login", "reader": 200, "outsider": 404, "staff": 200, "editor": 200,
                "approver": 200, "head": 200}
    for name, user in users.items():
        for url in (image.web.url, image.print_file.url):
            response = fetch(user, url)
            if expected[name] == "login":
                assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name
                assert "max-age=86400" not in response.get("Cache-Control", "")
            else:
                assert response.status_code == expected[name], (name, url)
            if response.status_code == 200:
                assert body_of(response).startswith(b"\x89PNG")
                cache_control = response["Cache-Control"]
                assert "private" in cache_control and "public" not in cache_control, name
                assert "max-age=86400" not in cache_control
            else:
                assert b"PNG" not in body_of(response)


def test_images_of_unpublished_articles_only_for_the_desk(make_article, editor, users):
    image = store_image(png_bytes(), by=editor, name="draft.png")
    make_article(title="草稿", body=body_with(image))
    expected = {"anon": 404, "reader": 404, "outsider": 404, "staff": 404, "editor": 200,
                "approver": 200, "head": 200}
    for name, user in users.items():
        response = fetch(user, image.web.url)
        assert response.status_code == expected[name], name
        if response.status_code == 200:
            assert "private" in response["Cache-Control"]
    # Uploaded but never used in any article: the desk's too.
    unused = store_image(png_bytes((1, 2, 3)), by=editor, name="unused.png")
    assert fetch(None, unused.web.url).status_code == 404
    assert fetch(users["editor"], unused.web.url).status_code == 200


def test_what_readers_see_is_the_published_text_not_an_earlier_draft(publish_with, editor):
    """An image taken out of the article before it was published does not become public with it."""
    dropped = store_image(png_bytes((9, 9, 9)), by=editor, name="dropped.png")
    kept = store_image(png_bytes((8, 8, 8)), by=editor, name="kept.png")
    issue, article = publish_with(body_with(kept), earlier_body=body_with(dropped), visibility=Visibility.PUBLIC)
    first = article.revisions.order_by("number").first()
    assert first.images.get() == dropped  # the earlier revision showed it
    assert IssueArticle.objects.get(issue=issue).revision.images.get() == kept
    assert fetch(None, kept.web.url).status_code == 200
    assert fetch(None, dropped.web.url).status_code == 404


def test_withdrawn_issue_images_go_back_to_the_desk(publish_with, editor, head, reader):
    image = store_image(png_bytes(), by=editor, name="withdrawn.png")
    issue, _article = publish_with(body_with(image), visibility=Visibility.PUBLIC)
    assert fetch(None, image.web.url).status_code == 200
    publishing.withdraw_issue(issue, by=head, reason="内容有误")
    assert fetch(None, image.web.url).status_code == 404
    assert fetch(reader, image.web.url).status_code == 404
    assert fetch(editor, image.web.url).status_code == 200


def test_an_image_in_a_public_and_an_internal_issue_is_public(publish_with, editor):
    image = store_image(png_bytes(), by=editor, name="both.png")
    publish_with(body_with(image, "内部"), visibility=Visibility.INTERNAL)
    assert media_access(None, image.web.name) is MediaAccess.LOGIN
    publish_with(body_with(image, "公开"), visibility=Visibility.PUBLIC)
    assert fetch(None, image.web.url).status_code == 200


def test_files_in_media_root_without_an_image_row_are_the_desks(settings, editor, reader):
    from pathlib import Path

    stray = Path(settings.MEDIA_ROOT) / "images" / "web" / "stray.png"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(png_bytes())
    assert fetch(None, "/media/images/web/stray.png").status_code == 404
    assert fetch(reader, "/media/images/web/stray.png").status_code == 404
    assert fetch(editor, "/media/images/web/stray.png").status_code == 200
    # Not a stored name: refused before anything is looked up.
    for url in ["/media/images/web/../web/stray.png", "/media/./images/web/stray.png", "/media//images/web/stray.png"]:
        assert fetch(editor, url).status_code in (400, 404), url


# --- production: Django checks, nginx sends (X-Accel-Redirect) -------------------------------------


def test_accel_redirect_hands_the_file_to_nginx_only_after_the_check(settings, publish_with, editor, reader):
    settings.BULLETIN_MEDIA_ACCEL = True
    settings.BULLETIN_MEDIA_ACCEL_PREFIX = "/protected-media/"
    internal = store_image(png_bytes(), by=editor, name="internal.png")
    public = store_image(png_bytes((1, 1, 1)), by=editor, name="public.png")
    publish_with(body_with(internal), visibility=Visibility.INTERNAL)
    publish_with(body_with(public), visibility=Visibility.PUBLIC)

    response = fetch(reader, internal.web.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + internal.web.name
    assert response["Content-Type"] == "image/png"
    assert response.content == b""  # nginx sends the bytes
    assert "private" in response["Cache-Control"]

    response = fetch(None, internal.web.url)
    assert response.status_code == 302 and "X-Accel-Redirect" not in response
    outsider = make_user("nobody")
    response = fetch(outsider, internal.web.url)
    assert response.status_code == 404 and "X-Accel-Redirect" not in response

    response = fetch(None, public.print_file.url)
    assert response["X-Accel-Redirect"] == "/protected-media/" + public.print_file.name
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]

    # A row whose file is gone: 404 from Django, nginx is not asked.
    (settings.MEDIA_ROOT / public.web.name).unlink()
    response = fetch(None, public.web.url)
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_media_check_costs_a_fixed_number_of_queries(publish_with, editor, reader, django_assert_max_num_queries):
    image = store_image(png_bytes(), by=editor, name="internal.png")
    publish_with(body_with(image), visibility=Visibility.INTERNAL)
    for n in range(3):
        publish_with(body_with(image, f"第{n}次"), visibility=Visibility.INTERNAL)
    client = client_for(reader)
    client.get(image.web.url)
    with django_assert_max_num_queries(6):  # session, user, image, placements, roles
        assert client.get(image.web.url).status_code == 200


@pytest.mark.django_db
def test_with_media_accel_only_an_internal_issue_s_pdf_is_left_to_nginx(client, publish_with, settings):
    """BULLETIN_MEDIA_ACCEL: an internal issue's PDF is an empty answer naming the stored file for
    nginx (after the check); a public one stays a file answer (written out, kept whole)."""
    from bulletin.pdf import store as pdf_store
    from config import pagecache

    settings.BULLETIN_MEDIA_ACCEL = True
    settings.BULLETIN_PDF_ACCEL_PREFIX = "/protected-pdf/"
    internal, _article = publish_with("<p>内部稿</p>", visibility=Visibility.INTERNAL)
    public, _article = publish_with("<p>公开稿</p>", visibility=Visibility.PUBLIC)
    assert client.get(internal.get_pdf_url()).status_code == 302  # anonymous: sign in first

    client.force_login(make_user("reader", "reader"))
    response = client.get(internal.get_pdf_url())
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-pdf/" + pdf_store.pdf_name(internal).split("/", 1)[1]
    assert response["Content-Type"] == "application/pdf" and "private" in response["Cache-Control"]
    assert not pagecache.storable(response)

    response = client.get(public.get_pdf_url())
    assert response.status_code == 200 and "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content).startswith(b"%PDF")
