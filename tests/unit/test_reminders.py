"""Deadline reminders: each person with work for a deadline is reminded once when it comes near
(the publication's reminder days) and once when it passes undone; never twice, whoever runs it;
the worker's periodic task sends them and queues its own next run."""

import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from bulletin import publishing
from editorial import workflow
from office import periodic, reminders
from office.models import Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def october(publication, editor):
    # Rule: 截稿 5th, 审核 8th, 签发 12th, 出版 15th; reminded 2 days before.
    return publishing.create_issue(publication, year=2026, month=10, by=editor)


def texts(user):
    return list(Notification.objects.filter(recipient=user, kind="deadline").order_by("pk").values_list("text", flat=True))


def test_authors_are_reminded_once_when_the_deadline_comes_near(october, editor, editor2, approver, head, make_article):
    assert october.draft_due == D(2026, 10, 5) and october.publication.reminder_days == 2
    make_article(title="未提交的稿件")  # editor's draft, for the issue in 编排
    assert reminders.send_reminders(today=D(2026, 10, 2)) == []  # 3 days before: not yet
    sent = reminders.send_reminders(today=D(2026, 10, 3))
    assert {n.recipient.username for n in sent if "截稿" in n.text} == {"editor"}
    [text] = [t for t in texts(editor) if t.startswith("截稿")]
    assert text == "截稿临近：测试区大事月报 2026年10月期，截稿 10月5日（还有2天）。您还有：《未提交的稿件》未提交审核"
    note = Notification.objects.get(recipient=editor, text=text)
    assert note.link.endswith("/edit/")
    assert not [t for t in texts(approver) if t.startswith("截稿")]  # nothing of theirs is due

    assert reminders.send_reminders(today=D(2026, 10, 4)) == []  # once
    assert reminders.send_reminders(today=D(2026, 10, 5)) == []
    late = reminders.send_reminders(today=D(2026, 10, 6))  # past and still undone: once more
    assert [n.text for n in late if n.recipient == editor and n.text.startswith("截稿")] == [
        "截稿已逾期：测试区大事月报 2026年10月期，截稿 10月5日（已逾期1天）。您还有：《未提交的稿件》未提交审核"
    ]
    assert reminders.send_reminders(today=D(2026, 10, 7)) == []


def test_reviewers_are_reminded_of_what_waits_at_their_level(october, editor, approver, make_article):
    other = make_user("approver2", "approver")
    article = make_article(title="待审的稿件")
    workflow.submit(article, by=editor)
    reminders.send_reminders(today=D(2026, 10, 7))
    for user in (approver, other):
        assert [t for t in texts(user) if t.startswith("审核截止")] == [
            "审核截止临近：测试区大事月报 2026年10月期，审核截止 10月8日（还有1天）。您还有：《待审的稿件》待您审核"
        ]
    assert not [t for t in texts(editor) if t.startswith("审核截止")]


def test_work_done_is_not_reminded_and_a_moved_deadline_is_reminded_again(october, editor, head, make_article):
    article = make_article(title="会提交的稿件")
    workflow.submit(article, by=editor)
    assert not [n for n in reminders.send_reminders(today=D(2026, 10, 4)) if n.text.startswith("截稿") and n.recipient == editor]
    publishing.set_deadlines(october, by=head, signoff_due=D(2026, 10, 13))
    reminders.send_reminders(today=D(2026, 10, 11))
    before = [t for t in texts(editor) if t.startswith("签发截止")]
    assert len(before) == 1 and "10月13日" in before[0]
    publishing.set_deadlines(october, by=head, signoff_due=D(2026, 10, 12))
    reminders.send_reminders(today=D(2026, 10, 11))
    assert len([t for t in texts(editor) if t.startswith("签发截止")]) == 2


def test_many_things_are_counted_not_listed(october, editor, make_article):
    for n in range(7):
        make_article(title=f"稿件{n}")
    reminders.send_reminders(today=D(2026, 10, 4))
    [text] = [t for t in texts(editor) if t.startswith("截稿")]
    assert text.endswith("等7项") and "稿件5" not in text


@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_sends_reminders_and_queues_its_next_run(publication, editor, make_article, settings):
    from django.utils import timezone

    from tests.unit.test_notification_email import run_worker

    today = timezone.localdate()
    issue = publishing.create_issue(publication, year=today.year, month=today.month, by=editor)
    publishing.set_deadlines(issue, by=editor, draft_due=today + datetime.timedelta(days=1),
                             review_due="", signoff_due="", publish_due="")
    make_article(title="明天截稿的稿件")
    assert periodic.start_ticking() is not None
    assert periodic.start_ticking() is None  # one chain
    run_worker()
    assert len(texts(editor)) == 1 and "明天截稿的稿件" in texts(editor)[0]
    ticks = DBTaskResult.objects.filter(task_path="office.periodic.tick")
    assert sorted(ticks.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    waiting = ticks.get(status="READY")
    assert waiting.run_after > timezone.now() + datetime.timedelta(seconds=settings.BULLETIN_TICK_SECONDS - 10)
    ticks.filter(pk=waiting.pk).update(run_after=timezone.now())
    run_worker()
    assert len(texts(editor)) == 1  # the next run reminds nobody twice
    assert ticks.filter(status="READY").count() == 1 and ticks.filter(status="SUCCESSFUL").count() == 2


def test_a_run_left_under_way_by_a_killed_worker_does_not_stop_the_ticking(db):
    from django.utils import timezone

    periodic.start_ticking()
    run = DBTaskResult.objects.get(task_path="office.periodic.tick")
    DBTaskResult.objects.filter(pk=run.pk).update(status="RUNNING", started_at=timezone.now())
    assert periodic.start_ticking() is None  # under way
    DBTaskResult.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(hours=1))
    assert periodic.start_ticking() is not None  # that worker died: queue a new run
