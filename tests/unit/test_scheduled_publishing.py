"""定时发布: after 签发 the head names a time; the worker publishes the issue then, once; the
schedule is cancelled by unscheduling or a voided sign-off; a scheduled issue leaves 待发布."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bulletin import publishing
from bulletin.models import Issue, IssueEvent
from bulletin.publishing import IssueError
from editorial import workflow
from office import todo
from office.models import Notification
from tests.conftest import make_user
from tests.unit.test_notification_email import run_worker

pytestmark = pytest.mark.django_db

Action = IssueEvent.Action


def later(**delta):
    return timezone.now() + datetime.timedelta(**delta)


def events(issue, action):
    return list(issue.events.filter(action=action).order_by("pk").values_list("comment", flat=True))


def test_the_head_schedules_a_signed_off_issue_and_it_is_written_down(signed_off_issue, head):
    issue = signed_off_issue()
    when = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=3),
                                                         datetime.time(9, 30)))
    publishing.schedule_publishing(issue, by=head, when=when)
    issue.refresh_from_db()
    assert issue.scheduled_publish_at == when and issue.scheduled_by == head
    assert issue.status == Issue.Status.SIGNED_OFF
    local = timezone.localtime(when)
    assert events(issue, Action.SCHEDULED) == [f"定时于 {local.year}年{local.month}月{local.day}日 09:30 发布"]

    moved = when + datetime.timedelta(hours=1)
    publishing.schedule_publishing(issue, by=head, when=moved.strftime("%Y-%m-%dT%H:%M"))  # the form's format
    issue.refresh_from_db()
    assert timezone.localtime(issue.scheduled_publish_at).hour == 10
    assert "（原定" in events(issue, Action.SCHEDULED)[-1]


@pytest.mark.parametrize("when, message", [
    ("", "请填写"),
    ("明天上午", "格式不正确"),
    ("2020-01-01T09:00", "须晚于现在"),
    ("2099-01-01T09:00", "一年以后"),
])
def test_a_bad_time_is_refused_in_chinese(signed_off_issue, head, when, message):
    issue = signed_off_issue()
    with pytest.raises(IssueError, match=message):
        publishing.schedule_publishing(issue, by=head, when=when)
    issue.refresh_from_db()
    assert issue.scheduled_publish_at is None and not events(issue, Action.SCHEDULED)


def test_only_the_head_schedules_and_only_after_sign_off(signed_off_issue, publication, editor, approver, head):
    issue = signed_off_issue()
    for user in (editor, approver):
        with pytest.raises(IssueError, match="没有定时发布的权限"):
            publishing.schedule_publishing(issue, by=user, when=later(days=1))
    draft = Issue.objects.create(publication=publication, year=2021, month=3)
    with pytest.raises(IssueError, match="签发后才能定时发布"):
        publishing.schedule_publishing(draft, by=head, when=later(days=1))


def test_the_worker_publishes_at_the_time_and_only_once(signed_off_issue, head, editor):
    issue = signed_off_issue()
    when = later(hours=2)
    publishing.schedule_publishing(issue, by=head, when=when)
    assert publishing.publish_scheduled(issue.pk, now=when - datetime.timedelta(seconds=1)) is None
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SIGNED_OFF

    published = publishing.publish_scheduled(issue.pk, now=when)
    assert published is not None
    issue.refresh_from_db()
    assert (issue.status, issue.serial_number, issue.year_number) == (Issue.Status.PUBLISHED, 97, 1)
    assert issue.scheduled_publish_at is None
    [comment] = events(issue, Action.PUBLISHED)
    assert "定时发布（陈主任设定于" in comment
    assert issue.events.get(action=Action.PUBLISHED).actor == head
    # The editors hear it was published (the head who scheduled it acted).
    assert set(Notification.objects.filter(kind="issue_published").values_list("recipient__username", flat=True)) == {"editor"}

    assert publishing.publish_scheduled(issue.pk, now=when + datetime.timedelta(hours=1)) is None
    assert publishing.publish_due_issues(now=when + datetime.timedelta(hours=1)) == []
    assert len(events(issue, Action.PUBLISHED)) == 1


def test_the_sweep_publishes_every_issue_whose_time_has_come(signed_off_issue, head):
    first, second, third = signed_off_issue(month=10), signed_off_issue(month=11), signed_off_issue(month=12)
    publishing.schedule_publishing(first, by=head, when=later(hours=1))
    publishing.schedule_publishing(second, by=head, when=later(hours=2))
    publishing.schedule_publishing(third, by=head, when=later(days=2))
    done = publishing.publish_due_issues(now=later(hours=3))
    assert [i.pk for i in done] == [first.pk, second.pk]
    assert list(Issue.objects.order_by("month").values_list("status", flat=True)) == ["published", "published", "signed_off"]


def test_unscheduling_and_publishing_by_hand_cancel_the_schedule(signed_off_issue, head, editor):
    issue = signed_off_issue()
    publishing.schedule_publishing(issue, by=head, when=later(hours=1))
    publishing.unschedule_publishing(issue, by=head)
    issue.refresh_from_db()
    assert issue.scheduled_publish_at is None
    assert "取消了" in events(issue, Action.UNSCHEDULED)[0]
    assert publishing.publish_scheduled(issue.pk, now=later(hours=2)) is None
    with pytest.raises(IssueError, match="没有定时发布"):
        publishing.unschedule_publishing(issue, by=head)

    publishing.schedule_publishing(issue, by=head, when=later(hours=1))
    publishing.publish_issue(issue, by=editor)
    issue.refresh_from_db()
    assert issue.scheduled_publish_at is None
    assert publishing.publish_scheduled(issue.pk, now=later(hours=2)) is None


def test_a_voided_sign_off_cancels_the_schedule_and_tells_the_heads(signed_off_issue, head, editor):
    make_user("head2", "head")  # a second head, told as well
    issue = signed_off_issue()
    publishing.schedule_publishing(issue, by=head, when=later(hours=1))
    article = issue.placements.first().article
    workflow.save_article(article, by=editor, version=article.version, title="签发后改了标题")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and issue.scheduled_publish_at is None
    assert events(issue, Action.UNSCHEDULED) == ["签发已失效，定时发布随之取消"]
    assert publishing.publish_scheduled(issue.pk, now=later(hours=2)) is None
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT
    # The heads hear that the time they set is gone (the editor who changed the article does not).
    told = Notification.objects.filter(kind="schedule_failed")
    assert set(told.values_list("recipient__username", flat=True)) == {"head", "head2"}
    assert "签发已失效" in told.first().text


def test_a_publish_the_worker_cannot_do_is_cancelled_and_the_heads_told(signed_off_issue, head):
    head2 = make_user("head2", "head")
    issue = signed_off_issue()
    publishing.schedule_publishing(issue, by=head, when=later(hours=1))
    head.groups.clear()  # the head who scheduled it left the office
    head.__dict__.pop("_bulletin_roles", None)
    assert publishing.publish_scheduled(issue.pk, now=later(hours=2)) is None
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SIGNED_OFF and issue.scheduled_publish_at is None
    assert "定时发布未能完成，已取消：您没有发布期刊的权限" in events(issue, Action.UNSCHEDULED)[0]
    note = Notification.objects.get(kind="schedule_failed", recipient=head2)
    assert "定时发布已取消" in note.text


def test_a_scheduled_issue_leaves_the_publish_list_and_shows_its_time(client, signed_off_issue, head, editor):
    issue = signed_off_issue()
    assert [i.url for i in todo.for_user(editor).items if i.kind == "publish"] == [f"/desk/issues/{issue.pk}/"]
    publishing.schedule_publishing(issue, by=head, when=later(days=1))
    assert [i for i in todo.for_user(editor).items if i.kind == "publish"] == []
    assert [i for i in todo.for_user(head).items if i.kind == "publish"] == []
    client.force_login(editor)
    listing = client.get(reverse("desk:issue_list")).content.decode()
    assert "定时发布 " in listing
    assert "定时发布" in client.get(reverse("desk:issue_list") + "?show=scheduled").content.decode()
    assert f'href="/desk/issues/{issue.pk}/"' not in client.get(reverse("desk:issue_list") + "?show=publish").content.decode()
    page = client.get(reverse("desk:issue_detail", args=[issue.pk])).content.decode()
    assert 'id="scheduled-at"' in page and "自动发布" in page and 'id="schedule-when"' not in page  # editors see it


def test_the_desk_form_schedules_and_unschedules(client, signed_off_issue, head, editor):
    issue = signed_off_issue()
    client.force_login(head)
    page = client.get(reverse("desk:issue_signoff", args=[issue.pk])).content.decode()
    assert 'id="schedule-when"' in page
    when = timezone.localtime(later(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("desk:issue_schedule", args=[issue.pk]), {"when": when, "next": "signoff"}, follow=True)
    assert "已设定定时发布" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("desk:issue_signoff", args=[issue.pk])
    issue.refresh_from_db()
    assert timezone.localtime(issue.scheduled_publish_at).strftime("%Y-%m-%dT%H:%M") == when
    response = client.post(reverse("desk:issue_schedule", args=[issue.pk]), {"when": "昨天"}, follow=True)
    assert "格式不正确" in response.content.decode()
    client.post(reverse("desk:issue_schedule", args=[issue.pk]), {"action": "unschedule"})
    issue.refresh_from_db()
    assert issue.scheduled_publish_at is None

    client.force_login(editor)
    response = client.post(reverse("desk:issue_schedule", args=[issue.pk]), {"when": when})
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.scheduled_publish_at is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_task_queued_for_the_scheduled_time(signed_off_issue, head):
    issue = signed_off_issue()
    publishing.schedule_publishing(issue, by=head, when=later(hours=1))
    task = DBTaskResult.objects.get(task_path="bulletin.publishing.schedule.publish_scheduled_issue")
    assert abs((task.run_after - later(hours=1)).total_seconds()) < 60
    run_worker()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SIGNED_OFF  # not yet: the task waits for its time

    # An hour later (the clock moved for the issue and its task alike).
    Issue.objects.filter(pk=issue.pk).update(scheduled_publish_at=timezone.now() - datetime.timedelta(seconds=1))
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now())
    run_worker()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED and issue.serial_number == 97
    assert DBTaskResult.objects.get(pk=task.pk).status == "SUCCESSFUL"
