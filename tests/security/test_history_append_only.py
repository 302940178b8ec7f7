"""History is append-only (issue #10): sign-offs, issue events, article transitions and revisions
are view-only in the admin and, on PostgreSQL, UPDATE/DELETE of their rows is refused by
triggers (django-pgtrigger; common.history). Voiding a sign-off sets voided_at once, the one
change allowed; a draft that never left the editors can still be deleted with its history."""

import pytest
from django.db import InternalError, connection, transaction
from django.urls import reverse

from bulletin.models import Issue, IssueEvent, SignOff
from bulletin.publishing import void_sign_off
from bulletin.publishing.base import record_event
from editorial import workflow
from editorial.models import Article, ArticleTransition, Revision
from tests.conftest import make_user

HISTORY = [SignOff, IssueEvent, ArticleTransition, Revision]


@pytest.fixture
def history(signed_off_issue, make_article, editor, head):
    """One row of each history model."""
    issue = signed_off_issue(year=2020, month=10)
    record_event(issue, IssueEvent.Action.SUBMITTED, editor)
    article = make_article(title="送审的稿件")
    workflow.submit(article, by=editor, version=article.version)
    return {
        SignOff: SignOff.objects.get(issue=issue),
        IssueEvent: IssueEvent.objects.filter(issue=issue).first(),
        ArticleTransition: ArticleTransition.objects.get(article=article),
        Revision: article.revisions.first(),
    }


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", HISTORY, ids=lambda m: m.__name__)
def test_history_is_view_only_in_the_admin(admin_client, history, model):
    row = history[model]
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    page = admin_client.get(_url(model, "change", row.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "change", row.pk), {}).status_code == 403
    assert admin_client.get(_url(model, "delete", row.pk)).status_code == 403
    assert admin_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_history_inlines_are_view_only(rf, db):
    from django.contrib import admin

    request = rf.get("/")
    request.user = make_user("root2", is_staff=True, is_superuser=True)
    for model in (Issue, Article):
        for inline in admin.site._registry[model].get_inline_instances(request):
            if inline.model in HISTORY:
                assert not inline.has_add_permission(request, None)
                assert not inline.has_change_permission(request, None)
                assert not inline.has_delete_permission(request, None)


def test_a_draft_that_never_left_the_editors_is_still_deleted_with_its_history(
    admin_client, publication, editor, make_article
):
    issue = Issue.objects.create(publication=publication, year=2021, month=3)
    record_event(issue, IssueEvent.Action.CREATED, editor)
    response = admin_client.post(_url(Issue, "delete", issue.pk), {"post": "yes"})
    assert response.status_code == 302 and not Issue.objects.filter(pk=issue.pk).exists()
    assert not IssueEvent.objects.filter(issue_id=issue.pk).exists()

    article = make_article(title="写废的草稿")
    response = admin_client.post(_url(Article, "delete", article.pk), {"post": "yes"})
    assert response.status_code == 302 and not Article.objects.filter(pk=article.pk).exists()
    assert not Revision.objects.filter(article_id=article.pk).exists()


def test_what_has_a_record_is_not_deleted(admin_client, history, publication):
    issue = history[SignOff].issue
    article = history[ArticleTransition].article
    assert admin_client.get(_url(Issue, "delete", issue.pk)).status_code == 403
    assert admin_client.get(_url(Article, "delete", article.pk)).status_code == 403
    # nor through the bulk action
    response = admin_client.post(
        _url(Article, "changelist"), {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Article.objects.filter(pk=article.pk).exists() and Issue.objects.filter(pk=issue.pk).exists()


# ---------------------------------------------------------------------------------------------
# PostgreSQL: the triggers


def _refused(sql, params=()):
    with pytest.raises(InternalError, match="pgtrigger"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)


@pytest.mark.postgres
@pytest.mark.parametrize("model", HISTORY, ids=lambda m: m.__name__)
def test_raw_update_and_delete_are_refused_by_the_database(history, model):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's (pgtrigger); SQLite has none")
    row = history[model]
    table = model._meta.db_table
    column = {SignOff: "comment", IssueEvent: "comment", ArticleTransition: "comment", Revision: "title"}[model]
    _refused(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', ["改写", row.pk])
    _refused(f'DELETE FROM "{table}" WHERE id = %s', [row.pk])
    # the ORM goes through the same triggers
    with pytest.raises(InternalError, match="pgtrigger"):
        with transaction.atomic():
            model.objects.filter(pk=row.pk).delete() if model is not SignOff else \
                model.objects.filter(pk=row.pk).update(signed_by=row.signed_by, comment="改写")
    fresh = model.objects.get(pk=row.pk)
    assert getattr(fresh, column) == getattr(row, column)


@pytest.mark.postgres
def test_voiding_a_sign_off_is_the_one_update_allowed(history, head):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's (pgtrigger); SQLite has none")
    sign_off = history[SignOff]
    issue = sign_off.issue
    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        assert void_sign_off(locked, reason="测试作废", by=head)
    sign_off.refresh_from_db()
    assert sign_off.voided_at is not None and sign_off.void_reason == "测试作废"
    # once voided, the row is final: neither un-voided nor re-dated nor re-worded
    _refused('UPDATE "editorial_signoff" SET voided_at = NULL WHERE id = %s', [sign_off.pk])
    _refused('UPDATE "editorial_signoff" SET voided_at = now() WHERE id = %s', [sign_off.pk])
    _refused('UPDATE "editorial_signoff" SET void_reason = %s WHERE id = %s', ["改写", sign_off.pk])


@pytest.mark.postgres
def test_voiding_cannot_smuggle_another_change(signed_off_issue):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's (pgtrigger); SQLite has none")
    sign_off = SignOff.objects.get(issue=signed_off_issue(year=2020, month=11))
    _refused(
        'UPDATE "editorial_signoff" SET voided_at = now(), content_hash = %s WHERE id = %s', ["0" * 64, sign_off.pk]
    )
    _refused('UPDATE "editorial_signoff" SET signed_by_id = signed_by_id, comment = %s WHERE id = %s',
             ["后补的意见", sign_off.pk])
