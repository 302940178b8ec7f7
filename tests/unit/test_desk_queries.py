"""The desk's article overview costs the same few queries whatever the number of returned articles."""

import pytest
from django.urls import reverse

from editorial import workflow

pytestmark = pytest.mark.django_db


def returned_articles(make_article, editor, approver, count):
    for n in range(count):
        article = make_article(title=f"退回稿件{n}")
        workflow.submit(article, by=editor, version=article.version)
        article.refresh_from_db()
        workflow.return_to_author(article, by=approver, comment=f"第{n}篇请修改。", version=article.version)


def test_article_list_queries_do_not_grow_with_returned_articles(client, editor, approver, make_article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)
    returned_articles(make_article, editor, approver, 2)
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("desk:article_list")).content.decode()
    assert "第1篇请修改。" in page
    returned_articles(make_article, editor, approver, 12)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("desk:article_list")).content.decode()
    assert "第11篇请修改。" in page and "第0篇请修改。" in page
    assert len(many.captured_queries) == len(few.captured_queries)
