"""The editorial calendar: a month of deadlines with each article's state against them (late
marked), and each user's iCalendar feed behind a secret address that can be reset."""

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulletin import publishing
from editorial import workflow
from editorial.models import Article
from office import calendar, feeds
from office.models import CalendarFeed

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 10, 7)  # 截稿 10月5日 past, 审核截止 10月8日 tomorrow


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def on_today(monkeypatch):
    """The desk's "today" is TODAY (the feed covers the months around today)."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def month(publication, editor, approver, make_article):
    october = publishing.create_issue(publication, year=2026, month=10, by=editor)
    placed = make_article(title="已编入的稿件", section="本期焦点", status=Article.Status.APPROVED)
    publishing.add_article(october, placed, by=editor)
    draft = make_article(title="还没写完的稿件")
    submitted = make_article(title="等审核的稿件")
    workflow.submit(submitted, by=editor)
    waiting = make_article(title="通过未编入的稿件", status=Article.Status.APPROVED)
    return {"issue": october, "draft": draft, "submitted": submitted, "placed": placed, "waiting": waiting}


def test_the_month_marks_what_is_late(month):
    view = calendar.month_view(2026, 10, today=TODAY)
    assert view.label == "2026年10月" and view.previous == "2026-09" and view.next == "2026-11"
    # Weeks start on Monday; 10月1日 2026 is a Thursday.
    assert view.weeks[0][0].date == D(2026, 9, 28) and not view.weeks[0][0].in_month
    days = {d.date: d for week in view.weeks for d in week}
    assert days[TODAY].is_today
    (draft_due,) = days[D(2026, 10, 5)].events
    assert (draft_due.label, draft_due.state, draft_due.summary) == ("截稿", "late", "1篇稿件未提交（已逾期2天）")
    (review_due,) = days[D(2026, 10, 8)].events
    assert (review_due.label, review_due.state, review_due.summary) == ("审核截止", "near", "2篇稿件未审完（还有1天）")
    assert [d.date.day for d in view.agenda] == [5, 8, 12, 15]

    (panel,) = view.panels
    rows = {row.article.title: row for row in panel.articles}
    assert (rows["还没写完的稿件"].state, rows["还没写完的稿件"].note) == ("late", "逾期未提交")
    assert (rows["等审核的稿件"].state, rows["等审核的稿件"].note) == ("near", "审核中（第1级）")
    assert (rows["通过未编入的稿件"].state, rows["通过未编入的稿件"].note) == ("later", "已通过，待编入")
    assert (rows["已编入的稿件"].state, rows["已编入的稿件"].note) == ("done", "已编入本期")
    assert panel.articles[0].article.title == "还没写完的稿件"  # late first
    assert panel.late == 1
    # After 审核截止 the article still waiting for review is late too.
    later = calendar.month_view(2026, 10, today=D(2026, 10, 9))
    rows = {row.article.title: row for row in later.panels[0].articles}
    assert (rows["等审核的稿件"].state, rows["等审核的稿件"].note) == ("late", "逾期未审（第1级）")


def test_a_published_issue_shows_its_day_and_finished_deadlines(month, editor, head, make_article):
    issue = month["issue"]
    publishing.set_focus(issue, month["placed"].pk, by=editor)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    publishing.publish_issue(issue, by=head)
    issue.refresh_from_db()
    view = calendar.month_view(issue.published_at.year, issue.published_at.month)
    published = [e for week in view.weeks for d in week for e in d.events if e.label == "已出版"]
    assert [e.summary for e in published] == [issue.numbers_label]
    october = calendar.month_view(2026, 10, today=TODAY)
    states = {e.label: e.state for week in october.weeks for d in week for e in d.events if d.in_month}
    assert states["截稿"] == states["出版"] == "done" and october.panels == []


def test_the_calendar_page(client, month, editor, reader, on_today):
    client.force_login(editor)
    response = client.get(reverse("desk:calendar"), {"month": "2026-10"})
    page = response.content.decode()
    assert "编辑部日历 · 2026年10月" in page
    assert 'class="cal-grid"' in page and 'class="cal-agenda"' in page  # grid on screens, list on phones
    assert "逾期未提交" in page and 'class="late-mark"' in page
    assert "生成订阅地址" in page
    # A month that is not one falls back to this month, never an error.
    assert client.get(reverse("desk:calendar"), {"month": "2026-13"}).status_code == 200
    assert client.get(reverse("desk:calendar"), {"month": "十月"}).status_code == 200
    client.force_login(reader)
    assert client.get(reverse("desk:calendar")).status_code == 403


def _feed(client, token):
    return client.get(reverse("desk:calendar_feed", args=[token]))


def test_the_ics_feed_lists_the_deadlines_and_a_reset_retires_the_old_address(client, month, editor, approver, on_today):
    client.force_login(editor)
    page = client.post(reverse("desk:calendar_address"), follow=True).content.decode()
    assert "已生成订阅地址" in page
    token = CalendarFeed.objects.get(user=editor).token
    assert reverse("desk:calendar_feed", args=[token]) in page
    client.logout()  # calendar programs do not sign in

    response = _feed(client, token)
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["X-WR-CALNAME"]) == "编辑部日历 · 李编辑"
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    issue = month["issue"]
    assert {e.decoded("DTSTART") for e in events.values()} == {
        issue.draft_due, issue.review_due, issue.signoff_due, issue.publish_due
    }
    draft = events["截稿：测试区大事月报 2026年10月（您有1项）"]
    assert draft.decoded("DTSTART") == D(2026, 10, 5) and draft.decoded("DTEND") == D(2026, 10, 6)
    assert "《还没写完的稿件》未提交审核" in str(draft["DESCRIPTION"])
    (alarm,) = draft.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -datetime.timedelta(days=2)
    assert "出版：测试区大事月报 2026年10月（您有1项）" in events  # editors: the issue is in 编排
    # Another person's feed says what waits for them.
    client.force_login(approver)
    client.post(reverse("desk:calendar_address"))
    client.logout()
    other = icalendar.Calendar.from_ical(_feed(client, CalendarFeed.objects.get(user=approver).token).content)
    summaries = {str(e["SUMMARY"]) for e in other.walk("VEVENT")}
    assert "审核截止：测试区大事月报 2026年10月（您有1项）" in summaries
    assert "截稿：测试区大事月报 2026年10月" in summaries

    # Reset: the old address answers 404 at once, the new one works.
    client.force_login(editor)
    page = client.post(reverse("desk:calendar_address"), follow=True).content.decode()
    assert "旧地址立即失效" in page
    client.logout()
    new_token = CalendarFeed.objects.get(user=editor).token
    assert new_token != token
    assert _feed(client, token).status_code == 404
    assert _feed(client, new_token).status_code == 200
    assert _feed(client, "not-a-token").status_code == 404


def test_only_desk_users_keep_a_feed(client, month, editor, reader):
    from office.feeds import FeedError

    with pytest.raises(FeedError, match="只有编辑部人员"):
        feeds.issue_token(reader, by=reader)
    with pytest.raises(FeedError, match="只能为自己"):
        feeds.issue_token(editor, by=reader)
    token = feeds.issue_token(editor, by=editor).token
    editor.groups.clear()
    editor._bulletin_roles = None
    assert _feed(client, token).status_code == 404  # no longer on the desk: the feed is gone
    client.force_login(reader)
    assert client.post(reverse("desk:calendar_address")).status_code == 403


def test_the_feed_and_the_month_cost_the_same_queries_for_a_bigger_archive(
    client, month, publication, editor, make_article, on_today
):
    token = feeds.issue_token(editor, by=editor).token
    client.force_login(editor)

    def count():
        with CaptureQueriesContext(connection) as feed_queries:
            assert _feed(client, token).status_code == 200
        with CaptureQueriesContext(connection) as page_queries:
            assert client.get(reverse("desk:calendar"), {"month": "2026-10"}).status_code == 200
        return len(feed_queries), len(page_queries)

    count()
    before = count()
    from bulletin.models import Issue

    for year in (2025, 2026):
        for number in range(1, 10):  # published issues with their dates, in the feed's window
            Issue.objects.create(publication=publication, year=year, month=number, status=Issue.Status.PUBLISHED,
                                 serial_number=year * 100 + number, year_number=number,
                                 **publication.schedule_for(year, number))
    for n in range(20):
        article = make_article(title=f"更多稿件{n}")
        if n % 2:
            workflow.submit(article, by=editor)
    assert count() == before
