"""Background work of the office (django-tasks, run by `manage.py db_worker`): the e-mail copy
of each notification, sent after the action committed and retried until it goes through.

A send that fails (the SMTP server down, an address refused) is written on the notification
(attempts, the error) and queued again after a growing delay (BULLETIN_EMAIL_RETRY_SECONDS); after
the last delay it is marked failed. The action that caused the message never waits for the mail
server and never fails because of it. The notification's row is locked while it is sent and a
sent one is never sent again, so two workers or a doubled task send it once.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from .models import Notification

logger = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"


class EmailNotSent(Exception):
    """Raised by the task after a failed send was recorded (the task's result shows it)."""


def retry_delays() -> list[int]:
    return list(settings.BULLETIN_EMAIL_RETRY_SECONDS)


def enqueue_email(notification_id: int, *, delay: int = 0):
    """Queue the e-mail copy of a notification (now, or after `delay` seconds)."""
    job = send_notification_email
    if delay:
        job = job.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    return job.enqueue(notification_id)


def _absolute(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.BULLETIN_SITE_URL.rstrip("/") + path


def build_message(note: Notification) -> EmailMessage:
    subject = f"【编辑部】{note.get_kind_display()}：{note.text}"
    if len(subject) > 80:
        subject = subject[:79] + "…"
    lines = [note.text, ""]
    if note.link:
        lines += [f"打开：{_absolute(note.link)}", ""]
    lines += [
        "这封邮件由编辑部系统自动发出，请勿直接回复。",
        f"不想收到这类邮件：{_absolute(reverse('desk:notification_settings'))}",
    ]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[note.recipient.email])


def deliver(notification_id: int) -> str:
    """Send one notification's e-mail if it is still pending; returns its e-mail status."""
    error = None
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if note is None or note.email_status != PENDING:
            return note.email_status if note else "gone"
        if not note.recipient.email or not note.recipient.is_active:
            note.email_status = ""
            note.save(update_fields=["email_status"])
            return ""
        note.email_attempts += 1
        try:
            build_message(note).send()
        except Exception as exc:  # noqa: BLE001  (any failure of the mail server is retried)
            error = f"{type(exc).__name__}: {exc}"
            note.email_error = error[:2000]
            delays = retry_delays()
            if note.email_attempts <= len(delays):
                delay = delays[note.email_attempts - 1]
                transaction.on_commit(lambda: enqueue_email(notification_id, delay=delay))
            else:
                note.email_status = FAILED
        else:
            note.email_status = SENT
            note.email_sent_at = timezone.now()
            note.email_error = ""
        note.save(update_fields=["email_status", "email_attempts", "email_sent_at", "email_error"])
    if error:
        logger.warning("notification %s: e-mail not sent (attempt %s): %s", notification_id, note.email_attempts, error)
        raise EmailNotSent(error)
    return note.email_status


@task()
def send_notification_email(notification_id: int) -> str:
    return deliver(notification_id)
