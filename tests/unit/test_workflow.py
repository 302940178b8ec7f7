"""The editorial workflow: every transition for every role, the four-eyes rule, review levels."""

import pytest
from django.contrib.auth.models import Group

from editorial import workflow
from editorial.models import Article, ArticleTransition, ReviewLevel
from tests.conftest import make_user

S = Article.Status


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Seven users per test: the production hasher would make this module take minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROLES = ["editor", "editor2", "approver", "head", "reader", "outsider", "superuser"]


@pytest.fixture
def users(editor, editor2, approver, head, reader, outsider, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw", first_name="管理员")
    return {
        "editor": editor, "editor2": editor2, "approver": approver, "head": head,
        "reader": reader, "outsider": outsider, "superuser": root,
    }


def _submitted(make_article, editor):
    article = make_article()
    return workflow.submit(article, by=editor)


# --- submit -------------------------------------------------------------------

SUBMIT_ALLOWED = {"editor", "editor2", "superuser"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("start", [S.DRAFT, S.RETURNED])
def test_submit_by_role(role, start, users, make_article):
    article = make_article(status=start)
    if role in SUBMIT_ALLOWED:
        workflow.submit(article, by=users[role])
        article.refresh_from_db()
        assert (article.status, article.review_level) == (S.SUBMITTED, 1)
        entry = article.transitions.get()
        assert (entry.actor, entry.action, entry.from_status, entry.to_status) == (
            users[role], "submit", start, S.SUBMITTED,
        )
    else:
        with pytest.raises(workflow.WorkflowError, match="只有编辑"):
            workflow.submit(article, by=users[role])
        article.refresh_from_db()
        assert article.status == start
        assert not article.transitions.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("start", [S.SUBMITTED, S.APPROVED, S.PUBLISHED])
def test_submit_refused_from_other_states(start, editor, make_article):
    article = make_article(status=start, review_level=1 if start == S.SUBMITTED else 0)
    with pytest.raises(workflow.WorkflowError, match="不能执行“提交审核”"):
        workflow.submit(article, by=editor)
    article.refresh_from_db()
    assert article.status == start


@pytest.mark.django_db
def test_submit_refused_without_body(editor, make_article):
    article = make_article(body="")
    with pytest.raises(workflow.WorkflowError, match="正文为空"):
        workflow.submit(article, by=editor)


# --- approve and return ----------------------------------------------------------

REVIEW_ALLOWED = {"approver", "superuser"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_approve_by_role(role, users, editor, make_article):
    article = _submitted(make_article, editor)
    if role in REVIEW_ALLOWED:
        workflow.approve(article, by=users[role], comment="同意")
        article.refresh_from_db()
        assert (article.status, article.review_level) == (S.APPROVED, 0)
        entry = article.transitions.last()
        assert (entry.actor, entry.action, entry.from_status, entry.to_status, entry.review_level, entry.comment) == (
            users[role], "approve", S.SUBMITTED, S.APPROVED, 1, "同意",
        )
    else:
        with pytest.raises(workflow.WorkflowError):
            workflow.approve(article, by=users[role])
        article.refresh_from_db()
        assert article.status == S.SUBMITTED
        assert article.transitions.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_return_by_role(role, users, editor, make_article):
    article = _submitted(make_article, editor)
    if role in REVIEW_ALLOWED:
        workflow.return_to_author(article, by=users[role], comment="第二段日期有误")
        article.refresh_from_db()
        assert article.status == S.RETURNED
        entry = article.transitions.last()
        assert (entry.action, entry.from_status, entry.to_status, entry.comment) == (
            "return", S.SUBMITTED, S.RETURNED, "第二段日期有误",
        )
        assert workflow.last_return(article) == entry
    else:
        with pytest.raises(workflow.WorkflowError, match="审核组"):
            workflow.return_to_author(article, by=users[role], comment="不行")
        article.refresh_from_db()
        assert article.status == S.SUBMITTED


@pytest.mark.django_db
def test_return_requires_a_comment(approver, editor, make_article):
    article = _submitted(make_article, editor)
    with pytest.raises(workflow.WorkflowError, match="必须填写退回意见"):
        workflow.return_to_author(article, by=approver, comment="   ")
    article.refresh_from_db()
    assert article.status == S.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("start", [S.DRAFT, S.RETURNED, S.APPROVED, S.PUBLISHED])
@pytest.mark.parametrize("action", ["approve", "return"])
def test_review_actions_refused_outside_review(start, action, approver, make_article):
    article = make_article(status=start)
    with pytest.raises(workflow.WorkflowError, match="不能执行"):
        workflow.perform(action, article, by=approver, comment="意见")
    article.refresh_from_db()
    assert article.status == start
    assert not ArticleTransition.objects.exists()


# --- four eyes ---------------------------------------------------------------------


@pytest.mark.django_db
def test_nobody_approves_their_own_article(approver, make_article):
    approver.groups.add(Group.objects.get(name="editor"))
    article = make_article(author=approver)
    workflow.submit(article, by=approver)
    with pytest.raises(workflow.WorkflowError, match="自己撰写"):
        workflow.approve(article, by=approver)
    # Another member of the group may.
    other = make_user("approver2", "approver")
    workflow.approve(article, by=other)
    assert article.status == S.APPROVED


@pytest.mark.django_db
def test_nobody_approves_what_they_last_edited(approver, editor, make_article):
    article = _submitted(make_article, editor)
    workflow.save_article(article, by=approver, version=article.version, body="<p>审核人改了一句。</p>")
    assert article.status == S.SUBMITTED and article.last_edited_by == approver
    with pytest.raises(workflow.WorkflowError, match="最后修改人"):
        workflow.approve(article, by=approver)
    # Superusers are bound by the rule too.
    root = make_user("root2", is_superuser=True, is_staff=True)
    workflow.save_article(article, by=root, version=article.version, body="<p>管理员重新写过全文</p>")
    with pytest.raises(workflow.WorkflowError, match="最后修改人"):
        workflow.approve(article, by=root)
    # None of the approver's words is left (editorial.authorship): they may approve now.
    workflow.approve(article, by=approver)
    assert article.status == S.APPROVED


# --- review levels -------------------------------------------------------------------


@pytest.fixture
def three_levels(publication):
    ReviewLevel.objects.filter(publication=publication).delete()
    groups = [Group.objects.create(name=f"review-{n}") for n in (1, 2, 3)]
    for n, (name, group) in enumerate(zip(["初审", "复审", "终审"], groups, strict=True), start=1):
        ReviewLevel.objects.create(publication=publication, level=n, name=name, group=group)
    users = []
    for n, group in enumerate(groups, start=1):
        user = make_user(f"reviewer{n}")
        user.groups.add(group)
        users.append(user)
    return users


@pytest.mark.django_db
def test_three_levels_each_by_its_own_group(three_levels, editor, make_article):
    r1, r2, r3 = three_levels
    article = _submitted(make_article, editor)
    with pytest.raises(workflow.WorkflowError, match="初审"):
        workflow.approve(article, by=r2)
    workflow.approve(article, by=r1)
    assert (article.status, article.review_level) == (S.SUBMITTED, 2)
    with pytest.raises(workflow.WorkflowError, match="复审"):
        workflow.approve(article, by=r1)
    workflow.approve(article, by=r2)
    assert article.review_level == 3
    workflow.return_to_author(article, by=r3, comment="终审：标题要改")
    assert article.status == S.RETURNED
    levels = list(article.transitions.filter(action__in=["approve", "return"]).values_list("review_level", flat=True))
    assert levels == [1, 2, 3]


@pytest.mark.django_db
def test_one_person_does_not_approve_two_levels(three_levels, editor, make_article):
    r1, r2, _ = three_levels
    r1.groups.add(Group.objects.get(name="review-2"))
    article = _submitted(make_article, editor)
    workflow.approve(article, by=r1)
    with pytest.raises(workflow.WorkflowError, match="第1级"):
        workflow.approve(article, by=r1)
    workflow.approve(article, by=r2)
    assert article.review_level == 3


@pytest.mark.django_db
def test_edit_during_review_restarts_at_first_level(three_levels, editor, make_article):
    r1, r2, _ = three_levels
    article = _submitted(make_article, editor)
    workflow.approve(article, by=r1)
    workflow.save_article(article, by=editor, version=article.version, title="改过的标题")
    assert (article.status, article.review_level) == (S.SUBMITTED, 1)
    assert article.transitions.last().action == "restart"
    # r1 approved the old text; the new text needs a fresh first-level approval, which r1 may give.
    workflow.approve(article, by=r1)
    assert article.review_level == 2


# --- editing -------------------------------------------------------------------------

EDIT_ALLOWED = {"editor", "editor2", "approver", "head", "superuser"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_edit_by_role(role, users, make_article):
    article = make_article()
    if role in EDIT_ALLOWED:
        workflow.save_article(article, by=users[role], version=1, body="<p>新的正文。</p>")
        article.refresh_from_db()
        assert (article.version, article.body, article.last_edited_by) == (2, "<p>新的正文。</p>", users[role])
        assert article.revisions.count() == 2
    else:
        with pytest.raises(workflow.WorkflowError, match="没有修改稿件的权限"):
            workflow.save_article(article, by=users[role], version=1, body="<p>新的正文。</p>")
        article.refresh_from_db()
        assert article.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_create_by_role(role, users, publication):
    section = publication.sections.first()
    if role in {"editor", "editor2", "superuser"}:
        article = workflow.create_article(by=users[role], publication=publication, section=section, title="新稿")
        assert (article.status, article.author, article.revisions.count()) == (S.DRAFT, users[role], 1)
    else:
        with pytest.raises(workflow.WorkflowError, match="只有编辑"):
            workflow.create_article(by=users[role], publication=publication, section=section, title="新稿")


@pytest.mark.django_db
def test_editing_a_published_article_is_refused(editor, make_article):
    article = make_article(status=S.PUBLISHED)
    with pytest.raises(workflow.WorkflowError, match="已发布"):
        workflow.save_article(article, by=editor, version=1, title="偷偷修改")
    article.refresh_from_db()
    assert article.title == "测试稿件" and article.revisions.count() == 1


@pytest.mark.django_db
def test_editing_a_returned_article_takes_it_back_to_draft(approver, editor, make_article):
    article = _submitted(make_article, editor)
    workflow.return_to_author(article, by=approver, comment="补充数据")
    workflow.save_article(article, by=editor, version=article.version, body="<p>补充了数据。</p>")
    assert article.status == S.DRAFT
    entry = article.transitions.last()
    assert (entry.action, entry.from_status, entry.to_status, entry.actor) == ("revise", S.RETURNED, S.DRAFT, editor)
    workflow.submit(article, by=editor)
    workflow.approve(article, by=approver)
    assert article.status == S.APPROVED


@pytest.mark.django_db
def test_editing_an_approved_article_sends_it_back_to_review(approver, editor, make_article):
    article = _submitted(make_article, editor)
    workflow.approve(article, by=approver)
    workflow.save_article(article, by=editor, version=article.version, title="通过后又改了标题")
    article.refresh_from_db()
    assert (article.status, article.review_level) == (S.SUBMITTED, 1)
    entry = article.transitions.last()
    assert (entry.action, entry.from_status, entry.to_status) == ("reopen", S.APPROVED, S.SUBMITTED)
    workflow.approve(article, by=approver)  # a new round: the same approver may approve again
    assert article.status == S.APPROVED


@pytest.mark.django_db
def test_save_without_changes_writes_nothing(editor, make_article):
    article = make_article()
    workflow.save_article(article, by=editor, version=1, title=article.title, body=article.body)
    assert article.version == 1 and article.revisions.count() == 1


@pytest.mark.django_db
def test_body_is_sanitised_on_save(editor, make_article):
    article = make_article()
    workflow.save_article(
        article, by=editor, version=1,
        body='<p onclick="steal()">正文<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>',
    )
    assert "script" not in article.body and "onclick" not in article.body and "javascript" not in article.body
    assert "正文" in article.body and "链接" in article.body


# --- optimistic lock and revisions ------------------------------------------------------


@pytest.mark.django_db
def test_stale_save_is_a_conflict_and_changes_nothing(editor, editor2, make_article):
    article = make_article()
    first = Article.objects.get(pk=article.pk)
    second = Article.objects.get(pk=article.pk)
    workflow.save_article(first, by=editor, version=1, body="<p>甲的修改。</p>")
    with pytest.raises(workflow.EditConflict) as caught:
        workflow.save_article(second, by=editor2, version=1, body="<p>乙的修改。</p>")
    assert caught.value.current.body == "<p>甲的修改。</p>"
    assert "李编辑" in caught.value.message
    article.refresh_from_db()
    assert (article.version, article.body) == (2, "<p>甲的修改。</p>")
    assert article.revisions.count() == 2


@pytest.mark.django_db
def test_transition_on_a_stale_page_is_refused(approver, editor, make_article):
    article = _submitted(make_article, editor)
    seen = article.version
    workflow.save_article(article, by=editor, version=seen, body="<p>审核期间改了。</p>")
    with pytest.raises(workflow.WorkflowError, match="请查看最新内容"):
        workflow.approve(article, by=approver, version=seen)
    article.refresh_from_db()
    assert article.status == S.SUBMITTED


@pytest.mark.django_db
def test_restore_an_older_revision_as_a_new_one(editor, make_article):
    article = make_article(body="<p>第一版正文。</p>")
    workflow.save_article(article, by=editor, version=1, title="第二版标题", body="<p>第二版正文。</p>")
    first = article.revisions.get(number=1)
    workflow.restore_revision(article, first, by=editor, version=2)
    article.refresh_from_db()
    assert (article.title, article.body, article.version) == ("测试稿件", "<p>第一版正文。</p>", 3)
    assert list(article.revisions.order_by("number").values_list("number", "note")) == [
        (1, ""), (2, ""), (3, "恢复自第1版"),
    ]
    with pytest.raises(workflow.WorkflowError, match="相同"):
        workflow.restore_revision(article, article.revisions.get(number=3), by=editor, version=3)


@pytest.mark.django_db
def test_review_queue_follows_the_levels(three_levels, editor, make_article):
    from office.todo import awaiting_review

    r1, r2, _ = three_levels
    article = _submitted(make_article, editor)
    assert list(awaiting_review(r1)) == [article] and list(awaiting_review(r2)) == []
    workflow.approve(article, by=r1)
    assert list(awaiting_review(r1)) == [] and list(awaiting_review(r2)) == [article]
