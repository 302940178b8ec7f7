"""Deadlines and calendar addresses under real concurrency (PostgreSQL row locks, real commits)."""

import datetime

import pytest
from django.db import connection

from bulletin import publishing
from bulletin.models import Issue, IssueEvent
from office import feeds
from office.models import CalendarFeed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_dates_sent_twice_are_recorded_once(run_concurrently, publication, editor, head):
    assert connection.vendor == "postgresql"
    issue = publishing.create_issue(publication, year=2026, month=10, by=editor)

    def change(user):
        return lambda: publishing.set_deadlines(
            Issue.objects.get(pk=issue.pk), by=user, signoff_due="2026-10-13", publish_due="2026-10-16"
        )

    results, errors = run_concurrently([change(editor), change(head), change(editor)])
    assert errors == []
    # The row lock serialises them: the first changes the dates, the others find nothing to change.
    assert sorted(map(len, results)) == [0, 0, 2]
    issue.refresh_from_db()
    assert (issue.signoff_due, issue.publish_due) == (datetime.date(2026, 10, 13), datetime.date(2026, 10, 16))
    assert issue.events.filter(action=IssueEvent.Action.DEADLINES).count() == 1


def test_a_double_click_on_create_gives_one_address(run_concurrently, editor):
    results, errors = run_concurrently([lambda: feeds.issue_token(editor, by=editor).token] * 2)
    assert errors == [] and len(results) == 2
    assert CalendarFeed.objects.get(user=editor).token in results


def test_two_resets_at_once_leave_one_working_address(run_concurrently, client, publication, editor):
    first = feeds.issue_token(editor, by=editor).token
    results, errors = run_concurrently([lambda: feeds.issue_token(editor, by=editor).token] * 3)
    assert errors == [] and len(set(results)) == 3
    feed = CalendarFeed.objects.get(user=editor)
    assert feed.token in results and first not in results
    # Only the last one written works; every earlier address answers 404.
    for token in [first, *results]:
        expected = 200 if token == feed.token else 404
        assert client.get(f"/desk/calendar/feed/{token}.ics").status_code == expected
