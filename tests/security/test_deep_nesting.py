"""Rich text nested far deeper than any article (issue #10: ~1,000 levels gave a RecursionError
and a 500). Every rich-text input flattens it: the text stays, the tags beyond the limit go."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from editorial import workflow
from editorial.models import Article
from editorial.sanitize import MAX_NESTING, clean_html, count_words, html_to_text
from tests.conftest import form_data

# (opening, closing) of one level; the text sits in the innermost one.
LEVELS = {
    "div": ("<div>", "</div>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "strong": ("<strong>", "</strong>"),
    "list": ("<ul><li>", "</li></ul>"),
    "table": ("<table><tr><td>", "</td></tr></table>"),
    "unclosed span": ("<span>", ""),
}


def nested(kind: str, depth: int, text: str = "深层正文") -> str:
    opening, closing = LEVELS[kind]
    return "<p>开头一段。</p>" + opening * depth + text + closing * depth + "<p>结尾一段。</p>"


class _Depth(HTMLParser):
    VOID = {"br", "img", "hr"}

    def __init__(self):
        super().__init__()
        self.depth = self.max = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.depth += 1
            self.max = max(self.max, self.depth)

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.depth -= 1


def depth_of(html: str) -> int:
    parser = _Depth()
    parser.feed(html)
    return parser.max


@pytest.mark.parametrize("kind", list(LEVELS))
@pytest.mark.parametrize("depth", [1_000, 20_000])
def test_sanitiser_flattens_deep_nesting_and_keeps_the_text(kind, depth):
    html = nested(kind, depth)
    cleaned = clean_html(html)
    assert depth_of(cleaned) <= MAX_NESTING + 1
    text = html_to_text(cleaned)
    if kind == "unclosed span":
        # The last paragraph sits inside the unclosed spans, beyond the limit: its tags go.
        assert text.replace("\n", "") == "开头一段。深层正文结尾一段。"
    else:
        assert text.split("\n") == ["开头一段。", "深层正文", "结尾一段。"]
    assert count_words(html) == count_words("<p>开头一段。深层正文结尾一段。</p>")
    assert clean_html(cleaned) == cleaned  # stable: cleaning twice changes nothing


def test_real_nesting_is_untouched():
    html = (
        "<blockquote><ul><li><p>第一条</p><ol><li><p><strong><em>"
        '<a href="https://example.org/">链接</a></em></strong></p>'
        "<table><tbody><tr><td><p>表格</p></td></tr></tbody></table></li></ol></li></ul></blockquote>"
    )
    assert "链接" in clean_html(html)
    assert clean_html(html) == clean_html(clean_html(html))
    assert depth_of(clean_html(html)) == 10  # far below the limit: nothing unwrapped


def test_just_over_the_limit_unwraps_only_the_deepest_levels():
    html = "<blockquote>" * (MAX_NESTING + 8) + "文字" + "</blockquote>" * (MAX_NESTING + 8)
    cleaned = clean_html(html)
    assert cleaned.count("<blockquote>") == MAX_NESTING
    assert "文字" in cleaned


def test_a_script_beyond_the_limit_is_still_removed():
    html = "<div>" * 5_000 + "<script>alert(1)</script><img src=x onerror=alert(2)>" + "</div>" * 5_000
    cleaned = clean_html(html)
    assert "<script" not in cleaned and "onerror" not in cleaned and "alert(2)" not in cleaned


# --- every place rich text comes in --------------------------------------------------------

DEEP_BODY = nested("blockquote", 1_000) + nested("table", 1_000)


def assert_flattened(article):
    article.refresh_from_db()
    assert "深层正文" in article.body
    assert depth_of(article.body) <= MAX_NESTING + 1
    assert depth_of(article.latest_revision().body) <= MAX_NESTING + 1


@pytest.mark.django_db
def test_desk_new_article_edit_and_autosave_accept_deep_bodies(client, editor, publication, make_article):
    client.force_login(editor)
    response = client.post(
        reverse("desk:article_new"),
        {"publication": publication.pk, "title": "深层嵌套", "section": publication.sections.get(name="时政要点").pk,
         "body": DEEP_BODY},
    )
    assert response.status_code == 302
    assert_flattened(Article.objects.get(title="深层嵌套"))

    article = make_article()
    response = client.post(
        reverse("desk:article_edit", args=[article.pk]), form_data(article, body=DEEP_BODY)
    )
    assert response.status_code == 302
    assert_flattened(article)

    response = client.post(
        reverse("desk:article_autosave", args=[article.pk]),
        form_data(article, body=DEEP_BODY + "<p>又改了一句。</p>"),
    )
    assert response.status_code == 200 and response.json()["ok"]
    assert_flattened(article)
    # The pages that show it render.
    assert client.get(reverse("desk:article_detail", args=[article.pk])).status_code == 200
    assert client.get(reverse("desk:article_edit", args=[article.pk])).status_code == 200
    assert client.get(reverse("desk:article_compare", args=[article.pk])).status_code == 200


@pytest.mark.django_db
def test_conflict_page_with_a_deep_body(client, editor, editor2, make_article):
    article = make_article()
    stale = form_data(article, body=DEEP_BODY)
    workflow.save_article(article, by=editor2, version=article.version, body="<p>别人先改了。</p>")
    client.force_login(editor)
    response = client.post(reverse("desk:article_edit", args=[article.pk]), stale)
    assert response.status_code == 409
    assert "深层正文" in response.content.decode()


@pytest.mark.django_db
def test_admin_accepts_a_deep_body(client, make_article, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    article = make_article()
    client.force_login(root)
    response = client.post(
        reverse("admin:editorial_article_change", args=[article.pk]),
        {
            "section": article.section_id, "title": article.title, "event_date": "2020-09-17",
            "body": DEEP_BODY, "expected_version": article.version,
            "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0,
            "transitions-TOTAL_FORMS": 0, "transitions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    assert_flattened(article)
