"""The e-mail copy of a notification goes through a real SMTP server on the loopback (aiosmtpd,
started by the fixture), sent by the background worker (django-tasks-db's db_worker loop) after
the action committed; a server that refuses is tried again later, and the message arrives once."""

import datetime
import email
import email.policy
import socket

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from editorial import workflow
from editorial.models import Article
from office.models import EmailOptOut, Notification
from tests.conftest import make_user


class Mailbox:
    """An aiosmtpd handler that keeps what it receives; `refuse` DATA commands are answered with a
    temporary failure first (a busy or broken mail server)."""

    def __init__(self):
        self.messages = []
        self.refuse = 0
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Mail server temporarily unavailable"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 5
    settings.BULLETIN_SITE_URL = "https://bulletin.example.gov.cn"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield mailbox
    controller.stop()


def run_worker():
    """What `manage.py db_worker --batch` does: run every task that is due, then return."""
    Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    ).run()


def _submit(publication, editor, make_article):
    article = make_article(title="区图书馆新馆开放")
    workflow.submit(article, by=editor)
    return article


@pytest.mark.django_db(transaction=True)
def test_the_reviewer_gets_an_email_for_a_submitted_article(smtp_server, publication, editor, make_article):
    approver = make_user("approver", "approver", first_name="赵审核", email="zhao@example.gov.cn")
    make_user("approver2", "approver", email="")  # no address: the desk only
    make_user("approver3", "approver", email="qian@example.gov.cn")
    EmailOptOut.objects.create(user=make_user("approver4", "approver", email="sun@example.gov.cn"),
                               kind=Notification.Kind.ARTICLE_SUBMITTED)
    editor.email = "li@example.gov.cn"
    editor.save()
    article = _submit(publication, editor, make_article)
    assert smtp_server.messages == []  # the action does not wait for the mail server

    run_worker()

    assert sorted(rcpt for rcpts, _m in smtp_server.messages for rcpt in rcpts) == [
        "qian@example.gov.cn", "zhao@example.gov.cn",
    ]
    _rcpts, message = next(m for m in smtp_server.messages if m[0] == ["zhao@example.gov.cn"])
    assert "稿件待审核" in message["Subject"] and "《区图书馆新馆开放》" in message["Subject"]
    body = message.get_content()
    assert "李编辑提交了稿件《区图书馆新馆开放》，待您审核。" in body
    assert f"https://bulletin.example.gov.cn/desk/articles/{article.pk}/" in body
    assert "https://bulletin.example.gov.cn/desk/notifications/settings/" in body
    note = Notification.objects.get(recipient=approver)
    assert (note.email_status, note.email_attempts) == ("sent", 1) and note.email_sent_at is not None
    assert Notification.objects.get(recipient__username="approver2").email_status == ""
    assert Notification.objects.get(recipient__username="approver4").email_status == ""

    run_worker()  # nothing is sent twice
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_a_refused_send_is_retried_later_and_arrives_once(smtp_server, settings, publication, editor, make_article):
    settings.BULLETIN_EMAIL_RETRY_SECONDS = [60, 300]
    make_user("approver", "approver", email="zhao@example.gov.cn")
    smtp_server.refuse = 1
    article = _submit(publication, editor, make_article)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED

    run_worker()
    assert smtp_server.refused == 1 and smtp_server.messages == []
    note = Notification.objects.get()
    assert (note.email_status, note.email_attempts) == ("pending", 1)
    assert "451" in note.email_error
    failed = DBTaskResult.objects.get(status="FAILED")  # the worker records the failure
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=50)
    assert "SMTPDataError" in failed.exception_class_path or failed.exception_class_path.endswith("EmailNotSent")

    run_worker()  # not due yet
    assert smtp_server.messages == []
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # a minute later
    run_worker()
    assert len(smtp_server.messages) == 1
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts, note.email_error) == ("sent", 2, "")


@pytest.mark.django_db(transaction=True)
def test_a_send_that_keeps_failing_is_given_up_after_the_last_retry(smtp_server, settings, publication, editor, make_article):
    settings.BULLETIN_EMAIL_RETRY_SECONDS = [1]
    make_user("approver", "approver", email="zhao@example.gov.cn")
    smtp_server.refuse = 10
    _submit(publication, editor, make_article)
    run_worker()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    note = Notification.objects.get()
    assert (note.email_status, note.email_attempts) == ("failed", 2)
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert smtp_server.refused == 2 and smtp_server.messages == []
