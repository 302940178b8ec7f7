"""With two publications, the messages about one publication's work reach only the people who
work in it (刊物成员): A's heads hear of A's issue awaiting 签发, its erratum and its cancelled
定时发布, A's editors of its return, 签发 and publication, A's approvers of its articles — the
people of publication B hear of none of them, on the desk or by e-mail."""

import datetime

import pytest
from django.utils import timezone

from bulletin import publishing
from bulletin.models import Publication
from editorial import workflow
from editorial.models import Article, PublicationMembership
from office.models import Notification
from tests.conftest import make_user
from tests.unit.test_notification_email import run_worker, smtp_server  # noqa: F401  (fixture)

K = Notification.Kind


def told(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def two(publication, editor, editor2, approver, head):
    """publication (A): 李编辑, 王编辑, 赵审核, 陈主任, 孙主任; B: an editor, an approver, 吴主任."""
    other = Publication.objects.create(name="测试区志鉴通讯", slug="test-zjtx")
    head2 = make_user("head2", "head", first_name="孙主任")
    people_b = [make_user("editor_b", "editor"), make_user("approver_b", "approver"),
                make_user("head_b", "head", first_name="吴主任", email="wu@example.gov.cn")]
    for user in (editor, editor2, approver, head, head2):
        PublicationMembership.objects.get_or_create(user=user, publication=publication)
    for user in people_b:
        PublicationMembership.objects.create(user=user, publication=other)
    head.email = "chen@example.gov.cn"
    head.save()
    return head2


def ready_issue(publication, editor, make_article):
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    focus = make_article(title="焦点稿件", section="本期焦点", status=Article.Status.APPROVED)
    publishing.add_article(issue, focus, by=editor)
    publishing.add_article(issue, make_article(title="时政稿件", status=Article.Status.APPROVED), by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    return issue


@pytest.mark.django_db
def test_only_the_publications_own_people_hear_of_its_issue(two, publication, editor, editor2, head, make_article):
    head2 = two
    issue = ready_issue(publication, editor, make_article)

    publishing.submit_for_sign_off(issue, by=editor)
    assert told(K.ISSUE_SUBMITTED) == {"head", "head2"}  # not 吴主任 of the other publication
    publishing.return_issue(issue, by=head, comment="焦点稿件换一篇")
    assert told(K.ISSUE_RETURNED) == {"editor", "editor2"}  # not B's editor
    publishing.submit_for_sign_off(issue, by=editor2)
    publishing.sign_off(issue, by=head2)
    assert told(K.ISSUE_SIGNED_OFF) == {"editor", "editor2"}
    publishing.publish_issue(issue, by=editor)
    assert told(K.ISSUE_PUBLISHED) == {"editor2"}
    publishing.propose_erratum(issue, text="第2页“稿件”应为“稿子”。", by=editor2)
    assert told(K.ERRATUM_PROPOSED) == {"head", "head2"}
    assert not Notification.objects.filter(recipient__username__in=["head_b", "editor_b", "approver_b"]).exists()


@pytest.mark.django_db
def test_a_cancelled_schedule_is_told_to_the_publications_heads_only(two, signed_off_issue, editor, head):
    issue = signed_off_issue()
    publishing.schedule_publishing(issue, by=head, when=timezone.now() + datetime.timedelta(hours=1))
    article = issue.placements.first().article
    workflow.save_article(article, by=editor, version=article.version, title="签发后改了标题")  # voids 签发
    assert told(K.SCHEDULE_FAILED) == {"head", "head2"}


@pytest.mark.django_db
def test_an_article_submitted_asks_the_publications_approvers_only(two, editor, make_article):
    workflow.submit(make_article(title="区图书馆新馆开放"), by=editor)
    assert told(K.ARTICLE_SUBMITTED) == {"approver"}  # not B's approver


@pytest.mark.django_db(transaction=True)
def test_the_other_publications_head_gets_no_email(smtp_server, two, publication, editor, make_article):  # noqa: F811
    publishing.submit_for_sign_off(ready_issue(publication, editor, make_article), by=editor)
    run_worker()
    addressed = [rcpts for rcpts, _message in smtp_server.messages]
    assert ["chen@example.gov.cn"] in addressed
    assert ["wu@example.gov.cn"] not in addressed


@pytest.mark.django_db(transaction=True)
def test_deadline_reminders_reach_only_the_publications_own_people(smtp_server, two, publication, editor, make_article):  # noqa: F811
    from django.contrib.auth import get_user_model

    from office import reminders

    addresses = {"editor": "li@example.gov.cn", "approver": "zhao@example.gov.cn",
                 "editor_b": "editor-b@example.gov.cn", "approver_b": "approver-b@example.gov.cn"}
    for username, address in addresses.items():
        get_user_model().objects.filter(username=username).update(email=address)
    issue = ready_issue(publication, editor, make_article)  # 2020年10月期 of A, its deadlines long past
    workflow.submit(make_article(title="区图书馆新馆开放"), by=editor)  # for A's issue in 编排
    reminders.send_reminders(today=datetime.date(2020, 10, 20))
    publishing.submit_for_sign_off(issue, by=editor)
    reminders.send_reminders(today=datetime.date(2020, 10, 20))
    run_worker()

    assert told(K.DEADLINE) == {"editor", "editor2", "approver", "head", "head2"}  # no one of B
    reminded = Notification.objects.filter(kind=K.DEADLINE)
    assert {n.recipient.username for n in reminded if n.text.startswith("审核截止")} == {"approver"}
    assert {n.recipient.username for n in reminded if "本期待您签发" in n.text} == {"head", "head2"}
    mailed: dict[str, str] = {}
    for rcpts, message in smtp_server.messages:
        for rcpt in rcpts:
            mailed[rcpt] = mailed.get(rcpt, "") + message.get_content()
    assert "审核截止已逾期" in mailed["zhao@example.gov.cn"] and "签发截止已逾期" in mailed["li@example.gov.cn"]
    assert not {"editor-b@example.gov.cn", "approver-b@example.gov.cn", "wu@example.gov.cn"} & set(mailed)


def test_an_author_who_left_the_publication_is_not_reminded_of_their_draft(two, publication, editor, editor2, make_article):
    from office import deadlines

    issue = ready_issue(publication, editor, make_article)
    make_article(title="李编辑的草稿")
    make_article(title="王编辑的草稿", author=editor2)
    PublicationMembership.objects.filter(user=editor2, publication=publication).delete()
    PublicationMembership.objects.get_or_create(user=editor2, publication=Publication.objects.get(slug="test-zjtx"))
    drafts = {(w.user_id, what) for w in deadlines.pending_work(issue_ids=[issue.pk]) if w.field == "draft_due"
              for what in w.what}
    assert (editor.pk, "《李编辑的草稿》未提交审核") in drafts
    assert not [what for user_id, what in drafts if user_id == editor2.pk]
