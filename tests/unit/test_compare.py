"""The desk's version comparison: says when there is nothing to compare, names picture changes,
and offers the comparisons a reviewer wants in one click."""

import pytest
from django.urls import reverse

from editorial import workflow
from editorial.diff import image_lines

pytestmark = pytest.mark.django_db


def page(client, article, query=""):
    return client.get(reverse("desk:article_compare", args=[article.pk]) + query).content.decode()


def save(article, user, **changes):
    article.refresh_from_db()
    fields = dict(title=article.title, event_date=article.event_date, section=article.section, body=article.body)
    fields.update(changes)
    return workflow.save_article(article, by=user, version=article.version, **fields)


def test_one_version_says_so_instead_of_an_identical_table(client, editor, make_article):
    article = make_article(title="只有一版")
    client.force_login(editor)
    html = page(client, article)
    assert "只有一个版本，还没有可比较的修改" in html and 'class="diff"' not in html
    save(article, editor, title="改过的标题")
    save(article, editor, title="只有一版")  # and changed back
    html = page(client, article, "?a=1&b=3")
    assert "第1版与第3版的内容相同，没有差异" in html and 'class="diff"' not in html
    assert "所选的是同一个版本" in page(client, article, "?a=2&b=2")
    assert 'class="diff"' in page(client, article, "?a=1&b=2")


def test_picture_and_alt_text_changes_are_named(client, editor, make_article):
    article = make_article(title="图片", body='<p>正文。</p><p><img src="/media/images/a.jpg" alt="会场"></p>')
    save(article, editor, body='<p>正文。</p><p><img src="/media/images/a.jpg" alt="会场全景"></p>'
                               '<p><img src="/media/images/%E6%96%B0.png" alt=""></p>')
    client.force_login(editor)
    html = page(client, article)
    assert "图片1：a.jpg　说明：会场" in html and "全景" in html
    assert "图片2：新.png　说明：（无说明文字）" in html
    assert image_lines('<p>无图</p>') == []


def test_since_the_last_review_and_since_approval_in_one_click(client, editor, approver, make_article):
    article = make_article(title="审核后又改")
    workflow.submit(article, by=editor, version=article.version)
    article.refresh_from_db()
    workflow.return_to_author(article, by=approver, comment="请补充。", version=article.version)
    save(article, editor, body="<p>补充后的正文。</p>")
    article.refresh_from_db()
    workflow.submit(article, by=editor, version=article.version)
    article.refresh_from_db()
    workflow.approve(article, by=approver, version=article.version)
    save(article, approver, body="<p>补充后的正文，审核后再改。</p>")
    article.refresh_from_db()
    newest = article.revisions.order_by("-number").first().number
    client.force_login(editor)
    html = page(client, article)
    assert f'href="?a={newest - 1}&amp;b={newest}">自上次审核以来' in html
    assert f'href="?a={newest - 1}&amp;b={newest}">自审核通过以来' in html
    follow = page(client, article, f"?a={newest - 1}&b={newest}")
    assert "<ins>" in follow and "审核后再改" in follow
