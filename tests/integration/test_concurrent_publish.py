"""Numbering under real concurrency: PostgreSQL row locks, real threads, real connections."""

import pytest
from django.db import connection

from bulletin.models import Issue
from bulletin.publishing import PublishError, publish_issue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_publishes_get_twenty_consecutive_serials(run_concurrently, signed_off_issue, head):
    assert connection.vendor == "postgresql"
    issues = [signed_off_issue(year=2020 + n // 12, month=n % 12 + 1) for n in range(20)]

    def publish(issue_id):
        return lambda: publish_issue(Issue.objects.get(pk=issue_id), by=head).serial_number

    results, errors = run_concurrently([publish(i.pk) for i in issues])
    assert errors == []
    assert sorted(results) == list(range(97, 117))
    rows = list(Issue.objects.order_by("serial_number").values_list("year", "year_number", "serial_number"))
    assert [r[2] for r in rows] == list(range(97, 117))
    # 第N期 is consecutive within each year too, whatever order the threads won the lock in.
    for year in (2020, 2021):
        assert sorted(r[1] for r in rows if r[0] == year) == list(range(1, 13 if year == 2020 else 9))
    issues[0].publication.refresh_from_db()
    assert issues[0].publication.last_serial_number == 116


def test_concurrent_double_publish_of_one_issue_numbers_it_once(run_concurrently, signed_off_issue, head):
    issue = signed_off_issue()

    def publish():
        return publish_issue(Issue.objects.get(pk=issue.pk), by=head).serial_number

    results, errors = run_concurrently([publish] * 5)
    assert results == [97]
    assert len(errors) == 4 and all(isinstance(e, PublishError) and "已经发布" in str(e) for e in errors)
    assert issue.events.filter(action="published").count() == 1
