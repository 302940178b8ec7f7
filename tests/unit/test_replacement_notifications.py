"""A back-issue replacement request (往期替换) tells the heads of its publication, on the desk and
by e-mail (a real SMTP server, the real worker), never the requester nor another publication's
heads; the head's decision goes back to the requester, with the reason of a refusal."""

import pytest
from django.urls import reverse

from bulletin.importing.service import approve_replacement, refuse_replacement, request_replacement
from bulletin.models import Publication
from editorial.models import PublicationMembership
from office import todo
from office.models import EmailOptOut, Notification
from tests.conftest import make_user
from tests.security.test_back_issue_record import import_text, issue_text, parsed
from tests.unit.test_notification_email import run_worker, smtp_server  # noqa: F401  (fixture)

K = Notification.Kind
BASE = "https://bulletin.example.gov.cn"


def ask(publication, user, title="新的标题"):
    text = issue_text(90, title=title)
    return request_replacement(text.encode(), "新文件.txt", parsed(publication, text), publication=publication, by=user)


def notes(user, kind=None):
    qs = Notification.objects.filter(recipient=user).order_by("pk")
    return list(qs.filter(kind=kind) if kind else qs)


def mail_to(smtp, address):
    return [message for rcpts, message in smtp.messages if rcpts == [address]]


@pytest.fixture
def office(publication, editor, head):
    """Two publications: 陈主任 and 孙主任 head the first, 吴主任 only the second."""
    other = Publication.objects.create(name="测试区志鉴通讯", slug="test-zjtx")
    head2 = make_user("head2", "head", first_name="孙主任", email="sun@example.gov.cn")
    head_other = make_user("head3", "head", first_name="吴主任", email="wu@example.gov.cn")
    PublicationMembership.objects.filter(user__in=[editor, head, head2, head_other]).delete()
    for user in (editor, head, head2):
        PublicationMembership.objects.create(user=user, publication=publication)
    PublicationMembership.objects.create(user=head_other, publication=other)
    for user, address in ((editor, "li@example.gov.cn"), (head, "chen@example.gov.cn")):
        user.email = address
        user.save()
    import_text(publication, editor, issue_text(90, title="原来的标题"))
    return head2, head_other


@pytest.mark.django_db(transaction=True)
def test_the_heads_of_the_publication_are_told_once_and_the_refusal_reaches_the_requester(
    smtp_server, publication, editor, head, office  # noqa: F811
):
    head2, head_other = office
    EmailOptOut.objects.create(user=head2, kind=K.REPLACEMENT_REQUESTED)  # the desk only
    request = ask(publication, editor)
    link = reverse("desk:import_replacement", args=[request.pk])

    for user in (head, head2):
        [note] = notes(user)
        assert note.kind == K.REPLACEMENT_REQUESTED and note.link == link
        assert "李编辑申请用文件“新文件.txt”替换测试区大事月报 2019年5月（总第90期）" in note.text
        assert "待主任批准" in note.text
    assert notes(editor) == [] and notes(head_other) == []
    # the bell and the 待办 of the heads who decide, not of the other publication's head
    assert todo.counts(head).count("replacements") == 1
    assert todo.counts(head_other).count("replacements") == 0

    run_worker()
    [message] = mail_to(smtp_server, "chen@example.gov.cn")
    assert "往期替换待批准" in message["Subject"]
    assert BASE + link in message.get_content()
    assert mail_to(smtp_server, "sun@example.gov.cn") == []  # turned off by 孙主任
    assert mail_to(smtp_server, "wu@example.gov.cn") == [] and mail_to(smtp_server, "li@example.gov.cn") == []
    assert len(smtp_server.messages) == 1

    refuse_replacement(request, by=head, comment="文件不是定稿。")
    [note] = notes(editor)
    assert note.kind == K.REPLACEMENT_DECIDED and note.link == link
    assert "陈主任不同意" in note.text and "理由：文件不是定稿。" in note.text
    assert len(notes(head)) == 1 and len(notes(head2)) == 1  # the heads are not told again
    assert todo.counts(head2).count("replacements") == 0

    run_worker()
    [message] = mail_to(smtp_server, "li@example.gov.cn")
    body = message.get_content()
    assert "文件不是定稿。" in body and BASE + link in body
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db
def test_the_approval_reaches_the_requester_once(publication, editor, head, office):
    head2, _head_other = office
    request = ask(publication, editor)
    approve_replacement(request, by=head2)
    [note] = notes(editor)
    assert note.kind == K.REPLACEMENT_DECIDED
    assert note.link == reverse("desk:import_replacement", args=[request.pk])
    assert "已由孙主任批准" in note.text and "测试区大事月报 2019年5月（总第90期）" in note.text
    assert [n.kind for n in notes(head)] == [K.REPLACEMENT_REQUESTED]
    assert [n.kind for n in notes(head2)] == [K.REPLACEMENT_REQUESTED]


@pytest.mark.django_db
def test_a_head_who_asks_is_not_told_of_their_own_request(publication, editor, head, office):
    head2, head_other = office
    request = ask(publication, head)
    assert notes(head) == [] and notes(head_other) == []
    [note] = notes(head2)
    assert note.link == reverse("desk:import_replacement", args=[request.pk]) and "陈主任申请" in note.text
