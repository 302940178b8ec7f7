"""Four eyes (#10): nobody approves their own erratum, a reviewer who wrote a substantial part
of an article's current text cannot approve it, and the head does not sign off alone unless the
publication says so."""

import datetime

import pytest
from django.urls import reverse

from bulletin import publishing
from bulletin.models import IssueEvent
from bulletin.publishing import IssueError
from editorial import workflow
from editorial.authorship import REVIEWER_SHARE_LIMIT, body_writers, share_of, visible_text
from editorial.models import Article
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

APPROVED = Article.Status.APPROVED


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def head2(db):
    return make_user("head2", "head", first_name="刘主任")


@pytest.fixture
def approver2(db):
    return make_user("approver2", "approver", first_name="孙审核")


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- errata ---------------------------------------------------------------------------------


@pytest.fixture
def published(signed_off_issue, head):
    return publishing.publish_issue(signed_off_issue(), by=head)


def test_the_head_cannot_approve_an_erratum_they_proposed(published, head, head2):
    erratum = publishing.propose_erratum(published, text="稿件1中“9月17日”应为“9月18日”。", by=head)
    with pytest.raises(IssueError, match="不能批准自己提出的勘误"):
        publishing.approve_erratum(erratum, by=head)
    erratum.refresh_from_db()
    assert erratum.published_at is None and erratum.approved_by is None
    publishing.approve_erratum(erratum, by=head2)
    erratum.refresh_from_db()
    assert erratum.approved_by == head2 and erratum.published_at is not None


def test_own_erratum_even_when_the_head_may_work_alone(published, head):
    published.publication.head_may_work_alone = True
    published.publication.save()
    erratum = publishing.propose_erratum(published, text="更正一处错字。", by=head)
    with pytest.raises(IssueError, match="另一位主任"):
        publishing.approve_erratum(erratum, by=head)


def test_desk_offers_no_approval_of_ones_own_erratum(client, published, head, head2):
    erratum = publishing.propose_erratum(published, text="更正一处错字。", by=head)
    client.force_login(head)
    url = reverse("desk:issue_detail", args=[published.pk])
    approve = reverse("desk:erratum_approve", args=[published.pk, erratum.pk])
    page = client.get(url).content.decode()
    assert approve not in page and "您提出的勘误须由另一位主任批准" in page
    response = client.post(approve, follow=True)
    assert response.status_code == 200
    assert "不能批准自己提出的勘误，须由另一位主任批准。" in messages_of(response)
    erratum.refresh_from_db()
    assert erratum.published_at is None
    client.force_login(head2)
    assert approve in client.get(url).content.decode()


# --- a reviewer's own words -----------------------------------------------------------------

ORIGINAL = "<p>9月17日，区委召开常委会议，研究部署秋季防汛工作。会议要求各部门压实责任。</p>"
REWRITTEN = (
    "<p>9月17日，中原区委常委会召开专题会议，听取全区秋汛防御准备情况汇报，"
    "对堤防巡查、物资储备和人员转移预案逐项作出安排，明确汛期值班由区领导带班。</p>"
)


def _draft(publication, editor, body=ORIGINAL):
    section = publication.sections.get(name="时政要点")
    return workflow.create_article(
        by=editor, publication=publication, section=section, title="区委部署秋季防汛", body=body,
        event_date=datetime.date(2020, 9, 17),  # required before submit (提交前检查)
    )


def _save(article, by, body):
    return workflow.save_article(article, by=by, version=article.version, body=body)


def test_a_reviewer_who_rewrote_the_article_cannot_approve_it(publication, editor, approver, approver2):
    """The probe: the approver rewrote the article, the editor changed one character and
    resubmitted; the approver approved. Now the approval needs someone else."""
    article = _draft(publication, editor)
    article = _save(article, approver, REWRITTEN)
    article = _save(article, editor, REWRITTEN.replace("专题会议", "专题会"))  # one character less
    article = workflow.submit(article, by=editor)
    assert share_of(article, approver) > 0.5  # the words both versions share stay the editor's
    assert "须回避" in workflow.refusal(workflow.APPROVE, approver, article)
    with pytest.raises(workflow.WorkflowError, match="文字是您写的"):
        workflow.approve(article, by=approver)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED
    assert not article.transitions.filter(action=workflow.APPROVE).exists()
    workflow.approve(article, by=approver2)
    article.refresh_from_db()
    assert article.status == APPROVED


def test_a_reviewer_who_fixed_a_few_characters_may_still_approve(publication, editor, approver):
    article = _draft(publication, editor, REWRITTEN)
    article = _save(article, approver, REWRITTEN.replace("秋汛防御", "秋季汛情防御"))  # two characters
    article = _save(article, editor, REWRITTEN.replace("秋汛防御", "秋季汛情防御") + "<p>（区委办）</p>")
    article = workflow.submit(article, by=editor)
    assert 0 < share_of(article, approver) < REVIEWER_SHARE_LIMIT
    workflow.approve(article, by=approver)
    article.refresh_from_db()
    assert article.status == APPROVED


def test_the_desk_greys_out_approval_for_a_reviewer_who_wrote_the_text(
    client, publication, editor, approver
):
    article = _draft(publication, editor)
    article = _save(article, approver, REWRITTEN)
    article = _save(article, editor, REWRITTEN + "<p>。</p>")
    article = workflow.submit(article, by=editor)
    client.force_login(approver)
    response = client.post(
        reverse("desk:article_transition", args=[article.pk]),
        {"action": "approve", "version": article.version},
        follow=True,
    )
    assert response.status_code == 200
    assert any("文字是您写的" in m for m in messages_of(response))
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED


def test_writers_are_counted_on_the_visible_text(publication, editor, approver):
    article = _draft(publication, editor, "<p>甲乙丙丁</p>")
    article = _save(article, approver, "<p>甲乙丙丁戊己</p>")  # appends two
    article = _save(article, editor, "<p><strong>甲乙</strong>丙丁 戊己庚</p>")  # markup and a space
    writers = body_writers(article)
    assert writers == {editor.pk: 5, approver.pk: 2}
    assert visible_text("<p>A&amp;B\n C</p>") == "A&BC"


def test_consecutive_saves_by_one_person_count_once(publication, editor, approver):
    article = _draft(publication, editor, "<p>一二三四五六七八九十</p>")
    for body in ("<p>一二三四五六七八九十甲</p>", "<p>一二三四五六七八九十甲乙</p>", "<p>一二三四五六七八九十甲乙丙</p>"):
        article = _save(article, approver, body)
    assert body_writers(article) == {editor.pk: 10, approver.pk: 3}


# --- the head alone -------------------------------------------------------------------------


def _ready(publication, make_article, by):
    issue = publishing.create_issue(publication, year=2020, month=10, by=by)
    focus = make_article(title="焦点稿件", section="本期焦点", status=APPROVED)
    other = make_article(title="时政稿件", section="时政要点", status=APPROVED)
    publishing.add_article(issue, focus, by=by)
    publishing.add_article(issue, other, by=by)
    publishing.set_focus(issue, focus.pk, by=by)
    return issue


def test_the_head_does_not_sign_off_an_issue_they_submitted(publication, make_article, head, head2, editor):
    issue = _ready(publication, make_article, head)
    publishing.submit_for_sign_off(issue, by=head)
    with pytest.raises(IssueError, match="须由另一位主任签发"):
        publishing.sign_off(issue, by=head)
    issue.refresh_from_db()
    assert issue.status == issue.Status.SUBMITTED and not issue.sign_offs.exists()
    publishing.sign_off(issue, by=head2)  # a second head
    issue.refresh_from_db()
    assert issue.status == issue.Status.SIGNED_OFF


def test_the_head_signs_off_what_an_editor_submitted(publication, make_article, head, editor):
    """The head assembled it; an editor looked at it and submitted it: two people."""
    issue = _ready(publication, make_article, head)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    issue.refresh_from_db()
    assert issue.status == issue.Status.SIGNED_OFF


def test_a_change_by_the_head_after_submission_needs_a_new_submission(
    publication, make_article, head, editor
):
    issue = _ready(publication, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)
    extra = make_article(title="主任加的稿件", section="时政要点", status=APPROVED)
    publishing.add_article(issue, extra, by=head)  # back to draft
    publishing.submit_for_sign_off(issue, by=head)
    with pytest.raises(IssueError, match="本人提交签发"):
        publishing.sign_off(issue, by=head)


def test_the_publication_may_let_the_head_work_alone(publication, make_article, head):
    publication.head_may_work_alone = True
    publication.save()
    issue = _ready(publication, make_article, head)
    publishing.submit_for_sign_off(issue, by=head)
    publishing.sign_off(issue, by=head, comment="同意")
    publishing.publish_issue(issue, by=head)
    issue.refresh_from_db()
    assert issue.status == issue.Status.PUBLISHED
    event = issue.events.get(action=IssueEvent.Action.SIGNED_OFF)
    assert "主任独自提交并签发" in event.comment and "同意" in event.comment


def test_the_sign_off_page_says_why_the_head_cannot_sign(client, publication, make_article, head):
    issue = _ready(publication, make_article, head)
    publishing.submit_for_sign_off(issue, by=head)
    client.force_login(head)
    url = reverse("desk:issue_signoff", args=[issue.pk])
    page = client.get(url).content.decode()
    assert 'id="sign-off" disabled' in page and "须由另一位主任签发" in page
    response = client.post(url, {"action": "sign_off", "fingerprint": "x"}, follow=True)
    assert response.status_code == 200
    assert any("须由另一位主任签发" in m for m in messages_of(response))
    assert not issue.sign_offs.exists()


def test_the_setting_is_off_by_default_and_in_the_admin(client, publication, django_user_model):
    from bulletin.models import Publication

    assert Publication(name="新刊", slug="new").head_may_work_alone is False
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(root)
    page = client.get(reverse("admin:bulletin_publication_change", args=[publication.pk])).content.decode()
    assert 'name="head_may_work_alone"' in page and "允许主任独自编排、签发和发布" in page
