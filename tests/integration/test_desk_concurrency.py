"""No lost update and no double transition under real concurrency (PostgreSQL row locks)."""

import pytest
from django.db import connection

from editorial import workflow
from editorial.models import Article

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_saves_of_the_same_version_keep_exactly_one(run_concurrently, make_article, editor, editor2):
    assert connection.vendor == "postgresql"
    article = make_article(body="<p>原文。</p>")
    writers = [editor, editor2] * 4

    def save(n, user):
        return lambda: workflow.save_article(
            Article.objects.get(pk=article.pk), by=user, version=1, body=f"<p>第{n}位编辑的修改。</p>"
        ).body

    results, errors = run_concurrently([save(n, user) for n, user in enumerate(writers)])
    assert len(results) == 1
    assert len(errors) == len(writers) - 1
    assert all(isinstance(e, workflow.EditConflict) for e in errors)
    article.refresh_from_db()
    assert article.version == 2 and article.body == results[0]
    assert article.revisions.count() == 2


def test_double_clicked_approve_is_applied_once(run_concurrently, make_article, editor, approver):
    article = make_article()
    workflow.submit(article, by=editor)

    def approve():
        return workflow.approve(Article.objects.get(pk=article.pk), by=approver).status

    results, errors = run_concurrently([approve, approve, approve])
    assert results == [Article.Status.APPROVED]
    assert len(errors) == 2 and all("不能执行“审核通过”" in e.message for e in errors)
    assert article.transitions.filter(action="approve").count() == 1
