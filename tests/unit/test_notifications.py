"""Notifications (站内消息): each kind reaches exactly the right people and never the actor; the
bell, the list, marking read, and which kinds come by e-mail."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from bulletin import publishing
from bulletin.models import IssueEvent
from editorial import workflow
from editorial.models import Article, ReviewLevel
from office import notifications
from office.models import EmailOptOut, Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

K = Notification.Kind
APPROVED = Article.Status.APPROVED


def inbox(kind=None):
    """username → texts of their notifications (of `kind`), oldest first."""
    qs = Notification.objects.select_related("recipient").order_by("pk")
    if kind:
        qs = qs.filter(kind=kind)
    got = {}
    for note in qs:
        got.setdefault(note.recipient.username, []).append(note.text)
    return got


def who(kind):
    return set(inbox(kind))


@pytest.fixture
def approver2(db):
    return make_user("approver2", "approver", first_name="钱审核")


@pytest.fixture
def head2(db):
    return make_user("head2", "head", first_name="孙主任")


# --- articles ---------------------------------------------------------------------------------


def test_submit_tells_the_reviewers_never_the_author(publication, editor, editor2, approver, approver2, head, make_article):
    article = make_article(title="区图书馆新馆开放")
    workflow.submit(article, by=editor)
    assert who(K.ARTICLE_SUBMITTED) == {"approver", "approver2"}
    text = inbox(K.ARTICLE_SUBMITTED)["approver"][0]
    assert "《区图书馆新馆开放》" in text and "李编辑" in text
    note = Notification.objects.filter(recipient=approver).get()
    assert note.link == reverse("desk:article_detail", args=[article.pk]) and note.read_at is None


def test_an_approver_who_wrote_the_article_is_not_asked_to_review_it(publication, editor, approver, approver2, make_article):
    approver.groups.add(Group.objects.get(name="editor"))
    article = make_article(title="审核人自己写的稿件", author=approver)
    workflow.submit(article, by=approver)
    assert who(K.ARTICLE_SUBMITTED) == {"approver2"}


@pytest.fixture
def three_levels(publication):
    ReviewLevel.objects.filter(publication=publication).delete()
    users = []
    for n, name in enumerate(["初审", "复审", "终审"], start=1):
        group = Group.objects.create(name=f"review-{n}")
        ReviewLevel.objects.create(publication=publication, level=n, name=name, group=group)
        a, b = make_user(f"r{n}a"), make_user(f"r{n}b")
        a.groups.add(group)
        b.groups.add(group)
        users.append((a, b))
    return users


def test_each_level_of_a_three_level_review_is_told_when_it_reaches_them(three_levels, editor, approver, make_article):
    (r1a, r1b), (r2a, r2b), (r3a, r3b) = three_levels
    article = make_article(title="三级审核稿件")
    workflow.submit(article, by=editor)
    assert who(K.ARTICLE_SUBMITTED) == {"r1a", "r1b"}  # not level 2 or 3 yet; not the approver role
    assert "待您初审" in inbox(K.ARTICLE_SUBMITTED)["r1a"][0]
    Notification.objects.all().delete()

    workflow.approve(article, by=r1a)
    assert who(K.ARTICLE_SUBMITTED) == {"r2a", "r2b"}
    assert "已通过稿件《三级审核稿件》的初审，待您复审" in inbox(K.ARTICLE_SUBMITTED)["r2a"][0]
    assert who(K.ARTICLE_APPROVED) == set()  # the author hears when the last level approves
    Notification.objects.all().delete()

    workflow.approve(article, by=r2b)
    assert who(K.ARTICLE_SUBMITTED) == {"r3a", "r3b"}
    Notification.objects.all().delete()

    workflow.approve(article, by=r3a)
    assert inbox() == {"editor": [inbox()["editor"][0]]}
    assert who(K.ARTICLE_APPROVED) == {"editor"}


def test_a_return_tells_the_author_and_earlier_reviewers_with_the_comment(three_levels, editor, make_article):
    (r1a, _), (r2a, _), (r3a, r3b) = three_levels
    article = make_article(title="被终审退回的稿件")
    workflow.submit(article, by=editor)
    workflow.approve(article, by=r1a)
    workflow.approve(article, by=r2a)
    Notification.objects.all().delete()
    workflow.return_to_author(article, by=r3b, comment="标题要改")
    assert who(K.ARTICLE_RETURNED) == {"editor", "r1a", "r2a"}  # never r3b, who returned it
    assert all("退回意见：标题要改" in texts[0] for texts in inbox(K.ARTICLE_RETURNED).values())
    assert Notification.objects.count() == 3


def test_a_return_at_the_first_level_tells_the_author_alone(publication, editor, approver, approver2, make_article):
    article = make_article()
    workflow.submit(article, by=editor)
    Notification.objects.all().delete()
    workflow.return_to_author(article, by=approver, comment="请补充时间")
    assert inbox() == {"editor": [inbox()["editor"][0]]}


def test_an_approved_article_edited_again_goes_back_to_the_reviewers(publication, editor, approver, make_article):
    article = make_article(status=APPROVED)
    workflow.save_article(article, by=editor, version=article.version, title="改过的标题")
    assert who(K.ARTICLE_SUBMITTED) == {"approver"}
    assert "重新送审" in inbox(K.ARTICLE_SUBMITTED)["approver"][0]


def test_a_refused_action_notifies_nobody(publication, editor, approver, make_article):
    article = make_article()
    workflow.submit(article, by=editor)
    Notification.objects.all().delete()
    with pytest.raises(workflow.WorkflowError):
        workflow.return_to_author(article, by=approver, comment="")
    assert Notification.objects.count() == 0


def test_a_failure_writing_notifications_never_fails_the_action(publication, editor, approver, make_article, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("notifications are down")

    monkeypatch.setattr(notifications, "notify", broken)
    article = make_article()
    workflow.submit(article, by=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED and Notification.objects.count() == 0


def test_inactive_users_are_not_told(publication, editor, approver, approver2, make_article):
    approver2.is_active = False
    approver2.save()
    workflow.submit(make_article(), by=editor)
    assert who(K.ARTICLE_SUBMITTED) == {"approver"}


# --- issues -----------------------------------------------------------------------------------


@pytest.fixture
def issue(publication, editor):
    return publishing.create_issue(publication, year=2020, month=10, by=editor)


def ready(issue, make_article, editor):
    focus = make_article(title="焦点稿件", section="本期焦点", status=APPROVED)
    other = make_article(title="时政稿件", status=APPROVED)
    publishing.add_article(issue, focus, by=editor)
    publishing.add_article(issue, other, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)


def test_the_issue_lifecycle_tells_heads_and_editors(issue, make_article, editor, editor2, approver, head, head2):
    ready(issue, make_article, editor)
    assert Notification.objects.count() == 0  # assembling tells nobody

    publishing.submit_for_sign_off(issue, by=editor)
    assert inbox() .keys() == {"head", "head2"} and who(K.ISSUE_SUBMITTED) == {"head", "head2"}
    note = Notification.objects.get(recipient=head)
    assert note.link == reverse("desk:issue_signoff", args=[issue.pk])
    assert "测试区大事月报 2020年10月期" in note.text and "李编辑" in note.text
    Notification.objects.all().delete()

    publishing.return_issue(issue, by=head, comment="焦点稿件换一篇")
    assert inbox().keys() == {"editor", "editor2"}
    assert "退回意见：焦点稿件换一篇" in inbox(K.ISSUE_RETURNED)["editor2"][0]
    Notification.objects.all().delete()

    publishing.submit_for_sign_off(issue, by=editor2)
    publishing.sign_off(issue, by=head2)
    assert who(K.ISSUE_SUBMITTED) == {"head", "head2"}
    assert who(K.ISSUE_SIGNED_OFF) == {"editor", "editor2"}
    Notification.objects.all().delete()

    publishing.publish_issue(issue, by=editor)
    assert inbox().keys() == {"editor2"}  # the editor who published is not told
    text = inbox(K.ISSUE_PUBLISHED)["editor2"][0]
    issue.refresh_from_db()
    assert "第1期（总第97期）" in text
    assert Notification.objects.get().link == issue.get_absolute_url()
    Notification.objects.all().delete()

    publishing.propose_erratum(issue, text="第2页“稿件”应为“稿子”。", by=editor2)
    assert who(K.ERRATUM_PROPOSED) == {"head", "head2"} and Notification.objects.count() == 2
    assert "“稿件”应为“稿子”" in inbox()["head"][0]


def test_a_back_issue_recorded_by_an_import_is_no_news(publication, editor, head, make_article):
    from bulletin.models import Issue, IssueArticle

    issue = Issue.objects.create(publication=publication, year=2019, month=5)
    article = make_article(status=APPROVED)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section)
    publishing.publish_back_issue(issue, year_number=5, serial_number=80, by=head)
    assert issue.events.filter(action=IssueEvent.Action.PUBLISHED).exists()
    assert Notification.objects.count() == 0


# --- the desk: the bell, the list, marking read, e-mail settings --------------------------------


def _note(user, text="《某稿件》待您审核。", link="/desk/review/", kind=K.ARTICLE_SUBMITTED):
    return Notification.objects.create(recipient=user, kind=kind, text=text, link=link)


def test_the_bell_shows_the_unread_count_on_desk_pages(client, approver, editor):
    _note(approver)
    _note(approver)
    _note(editor)
    client.force_login(approver)
    page = client.get(reverse("desk:article_list")).content.decode()
    assert 'id="nav-bell"' in page and 'aria-label="2 条未读消息">2<' in page
    notifications.mark_read(approver)
    page = client.get(reverse("desk:article_list")).content.decode()
    assert 'id="nav-bell"' in page and "条未读消息" not in page


def test_the_list_shows_only_my_messages_and_opening_one_marks_it_read(client, approver, editor):
    mine = _note(approver, text="《我的消息》待您审核。", link="/desk/review/")
    _note(editor, text="《别人的消息》")
    client.force_login(approver)
    page = client.get(reverse("desk:notifications")).content.decode()
    assert "《我的消息》" in page and "《别人的消息》" not in page and "全部标为已读" in page
    response = client.get(reverse("desk:notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/desk/review/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_someone_elses_notification_is_not_found(client, approver, editor):
    theirs = _note(editor)
    client.force_login(approver)
    assert client.get(reverse("desk:notification_open", args=[theirs.pk])).status_code == 404
    client.post(reverse("desk:notifications_read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_outside_link_is_never_followed(client, approver):
    note = _note(approver, link="https://evil.example/")
    client.force_login(approver)
    response = client.get(reverse("desk:notification_open", args=[note.pk]))
    assert response["Location"] == reverse("desk:notifications")


def test_mark_one_and_mark_all_read(client, approver):
    a, b, c = _note(approver), _note(approver), _note(approver)
    client.force_login(approver)
    client.post(reverse("desk:notifications_read"), {"id": a.pk})
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == {b.pk, c.pk}
    unread = client.get(reverse("desk:notifications") + "?show=unread").content.decode()
    assert unread.count('class="note ') == 2
    response = client.post(reverse("desk:notifications_read"), follow=True)
    assert "已将 2 条消息标为已读" in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    for bad in ["abc", "-1", "99999999999999999999999"]:
        assert client.post(reverse("desk:notifications_read"), {"id": bad}).status_code == 302


def test_email_kinds_can_be_turned_off_per_kind(client, approver):
    client.force_login(approver)
    page = client.get(reverse("desk:notification_settings")).content.decode()
    assert page.count('type="checkbox"') == len(K.choices) and page.count("checked") == len(K.choices)
    wanted = [k for k in K.values if k not in (K.ARTICLE_SUBMITTED, K.DEADLINE)]
    client.post(reverse("desk:notification_settings"), {"email": wanted + ["nonsense"]})
    assert set(EmailOptOut.objects.filter(user=approver).values_list("kind", flat=True)) == {K.ARTICLE_SUBMITTED, K.DEADLINE}
    client.post(reverse("desk:notification_settings"), {"email": K.values})
    assert not EmailOptOut.objects.exists()
