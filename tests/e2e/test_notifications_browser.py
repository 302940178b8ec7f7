"""The month with notifications, in a real browser: the editor submits an article, the approver
sees the bell's count, opens the notification and approves; the editor is told; the editor submits
the issue, the head is told, opens it from the bell, signs off and schedules the publication; the
worker publishes it at its time and the editors are told."""

import datetime

import pytest
from django.utils import timezone

from bulletin import publishing
from bulletin.models import Issue
from editorial.models import Article


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bell(page):
    badge = page.locator("#nav-bell .badge")
    return badge.inner_text() if badge.count() else "0"


@pytest.mark.django_db(transaction=True)
def test_the_month_with_notifications(page, live_server, login, logout, publication, editor, approver, head, make_article):
    from tests.unit.test_notification_email import run_worker

    article = make_article(title="区图书馆新馆开放", section="本期焦点", body="<p>10月1日，区图书馆新馆开放。</p>")
    other = make_article(title="区政务服务中心启用新大厅", status=Article.Status.APPROVED)

    # The editor submits the article for review.
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/")
    assert bell(page) == "0"
    page.click("button:has-text('提交审核')")
    assert "已提交审核" in page.locator(".messages").inner_text()
    logout(page)

    # The approver sees the bell's count, opens the notification, approves.
    login(page, "approver")
    page.goto(live_server.url + "/desk/")
    assert bell(page) == "1"
    page.click("#nav-bell")
    page.wait_for_url("**/desk/notifications/")
    note = page.locator("#notifications .note.unread")
    assert note.count() == 1 and "李编辑提交了稿件《区图书馆新馆开放》，待您审核。" in note.inner_text()
    note.locator("a.note-text").click()
    page.wait_for_url(f"**/desk/articles/{article.pk}/")
    assert bell(page) == "0"  # opened: read
    page.fill("#approve-comment", "同意。")
    page.click("button:has-text('审核通过')")
    assert "已审核通过" in page.locator(".messages").inner_text()
    logout(page)

    # The editor is told, assembles the issue and submits it.
    login(page, "editor")
    page.goto(live_server.url + "/desk/")
    assert bell(page) == "1"
    page.click("#nav-bell")
    assert "您的稿件《区图书馆新馆开放》已由赵审核审核通过" in page.locator("#notifications").inner_text()
    page.click("#mark-all-read")
    assert "已将 1 条消息标为已读" in page.locator(".messages").inner_text()
    assert bell(page) == "0"
    issue = publishing.create_issue(publication, year=2026, month=10, by=editor)
    publishing.add_article(issue, Article.objects.get(pk=article.pk), by=editor)
    publishing.add_article(issue, other, by=editor)
    publishing.set_focus(issue, article.pk, by=editor)
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    page.get_by_role("button", name="提交主任签发").click()
    page.wait_for_load_state()
    assert "已提交主任签发" in page.locator(".messages").inner_text()
    logout(page)

    # The head is told, opens the issue from the bell, signs off and schedules the publication.
    login(page, "head")
    page.goto(live_server.url + "/desk/")
    assert bell(page) == "1"
    page.click("#nav-bell")
    page.locator("#notifications a.note-text", has_text="提交签发").click()
    page.wait_for_url(f"**/desk/issues/{issue.pk}/signoff/")
    page.fill("#signoff-comment", "同意发布。")
    page.get_by_role("button", name="签发", exact=True).click()
    page.wait_for_load_state()
    when = timezone.localtime(timezone.now() + datetime.timedelta(days=1)).replace(hour=9, minute=0)
    page.fill("#schedule-when", when.strftime("%Y-%m-%dT%H:%M"))
    page.click("#schedule-submit")
    page.wait_for_load_state()
    assert "已设定定时发布" in page.locator(".messages").inner_text()
    assert "自动发布" in page.locator("#scheduled-at").inner_text()
    page.goto(live_server.url + "/desk/")
    assert page.locator("#todo .kind-publish").count() == 0  # nobody needs to publish it by hand
    logout(page)

    # Nine o'clock tomorrow: the worker publishes it.
    Issue.objects.filter(pk=issue.pk).update(scheduled_publish_at=timezone.now() - datetime.timedelta(seconds=1))
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED and issue.serial_number == 97

    login(page, "editor")
    page.goto(live_server.url + "/desk/notifications/?show=unread")
    unread = page.locator("#notifications").inner_text()
    assert "已签发测试区大事月报 2026年10月期" in unread and "已发布：第1期（总第97期）" in unread
    assert bell(page) == "2"
