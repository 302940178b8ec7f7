"""Deadlines: the publication's schedule rule gives each new issue its dates; the desk changes one
issue's dates through bulletin.publishing.set_deadlines; the issue list tells 退回修改 from 编排中."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Issue, IssueEvent
from bulletin.publishing import IssueError

pytestmark = pytest.mark.django_db

D = datetime.date


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_a_new_issue_takes_its_dates_from_the_rule(publication, editor):
    publication.draft_day, publication.review_day, publication.signoff_day, publication.publish_day = 3, 9, 20, 31
    publication.save()
    october = publishing.create_issue(publication, year=2026, month=10, by=editor)
    assert (october.draft_due, october.review_due, october.signoff_due, october.publish_due) == (
        D(2026, 10, 3), D(2026, 10, 9), D(2026, 10, 20), D(2026, 10, 31)
    )
    # A day past the month's end is the month's last day.
    february = publishing.create_issue(publication, year=2026, month=2, by=editor)
    assert february.publish_due == D(2026, 2, 28)
    assert [label for _f, label, _d in february.deadlines] == ["截稿", "审核截止", "签发截止", "出版"]


def test_the_rule_must_be_in_order(publication):
    publication.draft_day, publication.review_day = 10, 8
    with pytest.raises(ValidationError) as refused:
        publication.full_clean()
    assert "截稿日 ≤ 审核截止日 ≤ 签发截止日 ≤ 出版日" in str(refused.value)
    publication.draft_day, publication.review_day, publication.reminder_days = 5, 8, 40
    with pytest.raises(ValidationError):
        publication.full_clean()


def test_the_rule_is_edited_in_the_admin(client, publication, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-root")
    client.force_login(admin)
    page = client.get(reverse("admin:bulletin_publication_change", args=[publication.pk])).content.decode()
    for label in ("每月日程与提醒", "截稿日", "审核截止日", "签发截止日", "出版日", "提前提醒天数"):
        assert label in page


def test_one_issues_dates_change_on_the_desk_and_the_history_says_so(publication, editor, head):
    issue = publishing.create_issue(publication, year=2026, month=10, by=editor)
    changes = publishing.set_deadlines(issue, by=head, draft_due="2026-10-06", publish_due=D(2026, 10, 16))
    assert changes == ["截稿 10月5日 → 10月6日", "出版 10月15日 → 10月16日"]
    issue.refresh_from_db()
    assert (issue.draft_due, issue.review_due, issue.publish_due) == (D(2026, 10, 6), D(2026, 10, 8), D(2026, 10, 16))
    event = issue.events.get(action=IssueEvent.Action.DEADLINES)
    assert event.actor == head and event.comment == "截稿 10月5日 → 10月6日；出版 10月15日 → 10月16日"
    # The same dates again: nothing changes, nothing is written.
    assert publishing.set_deadlines(issue, by=editor, draft_due="2026-10-06") == []
    assert issue.events.filter(action=IssueEvent.Action.DEADLINES).count() == 1


def test_wrong_dates_and_wrong_people_are_refused(publication, editor, approver, signed_off_issue):
    issue = publishing.create_issue(publication, year=2026, month=10, by=editor)
    with pytest.raises(IssueError, match="“截稿”（10月9日）不能晚于“审核截止”（10月8日）"):
        publishing.set_deadlines(issue, by=editor, draft_due="2026-10-09")
    with pytest.raises(IssueError, match="日期格式不正确"):
        publishing.set_deadlines(issue, by=editor, review_due="10月8日")
    with pytest.raises(IssueError, match="您没有调整截止日期的权限"):
        publishing.set_deadlines(issue, by=approver, review_due="2026-10-07")
    issue.refresh_from_db()
    assert issue.draft_due == D(2026, 10, 5) and issue.review_due == D(2026, 10, 8)
    # Dates are not content: changing them keeps a sign-off valid.
    signed = signed_off_issue()
    publishing.set_deadlines(signed, by=editor, publish_due="2020-10-20")
    signed.refresh_from_db()
    assert signed.status == Issue.Status.SIGNED_OFF and publishing.valid_sign_off(signed) is not None


def test_dates_are_changed_on_the_assembly_page(client, publication, editor, approver):
    issue = publishing.create_issue(publication, year=2026, month=10, by=editor)
    client.force_login(editor)
    page = client.get(reverse("desk:issue_detail", args=[issue.pk])).content.decode()
    assert 'name="signoff_due" value="2026-10-12"' in page
    url = reverse("desk:issue_deadlines", args=[issue.pk])
    response = client.post(url, {"draft_due": "2026-10-05", "review_due": "2026-10-08",
                                 "signoff_due": "2026-10-13", "publish_due": "2026-10-15"}, follow=True)
    assert "截止日期已更新：签发截止 10月12日 → 10月13日。" in messages_of(response)
    response = client.post(url, {"draft_due": "2026-10-20", "review_due": "2026-10-08",
                                 "signoff_due": "2026-10-13", "publish_due": "2026-10-15"}, follow=True)
    assert response.status_code == 200
    assert "“截稿”（10月20日）不能晚于“审核截止”（10月8日）。" in messages_of(response)
    client.force_login(approver)
    assert client.post(url, {"draft_due": "2026-10-01"}).status_code == 403
    issue.refresh_from_db()
    assert issue.signoff_due == D(2026, 10, 13) and issue.draft_due == D(2026, 10, 5)


def test_the_issue_list_tells_returned_from_never_submitted(client, publication, editor, head, make_article):
    from editorial.models import Article

    fresh = publishing.create_issue(publication, year=2026, month=11, by=editor)
    returned = publishing.create_issue(publication, year=2026, month=10, by=editor)
    focus = make_article(title="焦点", section="本期焦点", status=Article.Status.APPROVED)
    publishing.add_article(returned, focus, by=editor)
    publishing.set_focus(returned, focus.pk, by=editor)
    publishing.submit_for_sign_off(returned, by=editor)
    publishing.return_issue(returned, by=head, comment="民生视点太少，请再补两篇。")

    client.force_login(editor)
    page = client.get(reverse("desk:issue_list")).content.decode()
    row = page[page.index(f'id="issue-{returned.pk}"'):]
    row = row[: row.index("</tr>")]
    assert "退回修改" in row and "民生视点太少，请再补两篇。" in row and "陈主任" in row
    fresh_row = page[page.index(f'id="issue-{fresh.pk}"'):]
    fresh_row = fresh_row[: fresh_row.index("</tr>")]
    assert "编排中" in fresh_row and "退回" not in fresh_row

    listed = client.get(reverse("desk:issue_list"), {"show": "returned"})
    assert [i.pk for i in listed.context["issues"]] == [returned.pk]

    # The assembly page shows the head's comment at the top, until the issue is submitted again.
    detail = client.get(reverse("desk:issue_detail", args=[returned.pk])).content.decode()
    assert detail.index("主任退回修改") < detail.index("本期日程")
    assert "民生视点太少，请再补两篇。" in detail[: detail.index("本期日程")]
    publishing.submit_for_sign_off(returned, by=editor)
    detail = client.get(reverse("desk:issue_detail", args=[returned.pk])).content.decode()
    assert "主任退回修改" not in detail


def test_the_issue_list_is_paginated(client, publication, editor):
    for month in range(1, 13):
        for year in (2023, 2024, 2025):
            Issue.objects.create(publication=publication, year=year, month=month)
    client.force_login(editor)
    first = client.get(reverse("desk:issue_list"))
    assert len(first.context["issues"]) == 30 and "第 1 / 2 页" in first.content.decode()
    second = client.get(reverse("desk:issue_list"), {"page": 2})
    assert len(second.context["issues"]) == 6
