"""定时发布 with two workers: PostgreSQL row locks, real threads, real connections, real commits."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bulletin import publishing
from bulletin.models import Issue, IssueEvent
from bulletin.publishing.schedule import publish_scheduled_issue
from tests.unit.test_notification_email import run_worker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _due(issue, head):
    publishing.schedule_publishing(issue, by=head, when=timezone.now() + datetime.timedelta(hours=1))
    # The time has come (moved back rather than waiting an hour).
    Issue.objects.filter(pk=issue.pk).update(scheduled_publish_at=timezone.now() - datetime.timedelta(seconds=1))
    DBTaskResult.objects.update(run_after=timezone.now())


def test_two_threads_racing_publish_a_scheduled_issue_once(run_concurrently, signed_off_issue, head):
    assert connection.vendor == "postgresql"
    issue = signed_off_issue()
    _due(issue, head)

    results, errors = run_concurrently([lambda: publishing.publish_scheduled(issue.pk)] * 4)
    assert errors == []
    assert sum(r is not None for r in results) == 1
    issue.refresh_from_db()
    assert (issue.status, issue.serial_number) == (Issue.Status.PUBLISHED, 97)
    assert issue.events.filter(action=IssueEvent.Action.PUBLISHED).count() == 1
    issue.publication.refresh_from_db()
    assert issue.publication.last_serial_number == 97


def test_two_workers_with_the_task_twice_and_a_sweep_publish_once(run_concurrently, signed_off_issue, head, editor):
    issue = signed_off_issue()
    _due(issue, head)
    publish_scheduled_issue.enqueue(issue.pk)  # a second task for the same issue (a moved schedule)
    assert DBTaskResult.objects.filter(status="READY").count() == 2

    def sweep():
        return len(publishing.publish_due_issues())

    results, errors = run_concurrently([run_worker, run_worker, sweep])
    assert errors == []
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED
    assert issue.events.filter(action=IssueEvent.Action.PUBLISHED).count() == 1
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    # One of the three published it: a task returned True, or the sweep counted one.
    returned = list(DBTaskResult.objects.values_list("return_value", flat=True))
    assert returned.count(True) + sum(r for r in results if isinstance(r, int)) == 1
