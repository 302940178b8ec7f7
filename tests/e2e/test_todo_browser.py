"""待办 in a real browser: the editor submits, the approver finds the article in 待我处理 with a
badge in the navigation, approves it from there, and the badge goes; the calendar on a phone."""

import os

import pytest

from editorial.models import Article


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db(transaction=True)
def test_approver_finds_a_submitted_article_in_todo_with_a_badge(
    page, live_server, login, logout, publication, editor, approver, make_article
):
    article = make_article(title="区图书馆新馆开放", body="<p>10月1日，区图书馆新馆开放。</p>")

    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/")
    page.click("button:has-text('提交审核')")
    assert "已提交审核" in page.locator(".messages").inner_text()
    logout(page)

    login(page, "approver")
    page.goto(live_server.url + "/desk/")
    assert page.locator("h1").inner_text() == "待我处理"
    assert page.locator("#nav-todo .badge").inner_text() == "1"
    assert page.locator("#nav-review .badge").inner_text() == "1"
    assert page.locator("#card-review .n").inner_text() == "1"
    assert page.locator("#card-returned").count() == 0  # an approver writes nothing: no such list
    item = page.locator("#todo .kind-review")
    assert "区图书馆新馆开放" in item.inner_text() and "待我审核" in item.inner_text()
    item.locator("a.todo-title").click()
    page.wait_for_url(f"**/desk/articles/{article.pk}/")
    page.fill("#approve-comment", "同意。")
    page.click("button:has-text('审核通过')")
    assert "已审核通过" in page.locator(".messages").inner_text()
    assert page.locator("#nav-todo .badge").count() == 0  # nothing waits any more
    page.click("#nav-todo")
    assert "目前没有等您处理的事项。" in page.locator(".todo-empty").inner_text()
    article.refresh_from_db()
    assert article.status == Article.Status.APPROVED


@pytest.mark.django_db(transaction=True)
def test_the_calendar_is_a_list_on_a_phone(browser, live_server, login, publication, editor):
    from django.utils import timezone

    from bulletin import publishing

    today = timezone.localdate()
    publishing.create_issue(publication, year=today.year, month=today.month, by=editor)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    login(phone, "editor")
    phone.goto(live_server.url + "/desk/calendar/")
    assert phone.locator(".cal-grid").is_hidden()
    agenda = phone.locator(".cal-agenda")
    assert agenda.is_visible() and "截稿" in agenda.inner_text() and "出版" in agenda.inner_text()
    # No sideways scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_editor_creates_the_next_issue_from_todo(
    page, live_server, login, publication, editor, head, make_article, tmp_path
):
    from django.utils import timezone

    from bulletin import publishing
    from bulletin.models import Issue
    from common import periods

    today = timezone.localdate()
    issue = publishing.create_issue(publication, year=today.year, month=today.month, by=editor)
    focus = make_article(title="本月焦点", section="本期焦点", status=Article.Status.APPROVED)
    publishing.add_article(issue, focus, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    publishing.publish_issue(issue, by=head)
    make_article(title="没赶上本月的草稿")
    year, month = periods.next_period(publication.frequency, today.year, today.month)

    login(page, "editor")
    page.goto(live_server.url + "/desk/")
    first = page.locator("#todo > li").first
    assert first.get_attribute("data-kind") == "next_issue"
    text = first.inner_text()
    assert f"下一期尚未创建：《测试区大事月报》{year}年{month}月" in text
    assert f"截稿 {month}月5日" in text and "另有1篇稿件未编入期刊" in text
    assert page.locator("#nav-issues .badge").inner_text() == "1"
    # BULLETIN_SCREENSHOTS=<folder> keeps it for a person to look at.
    shots = os.environ.get("BULLETIN_SCREENSHOTS") or tmp_path
    page.screenshot(path=os.path.join(shots, "todo-next-issue.png"), full_page=True)
    first.locator("button:has-text('创建下一期')").click()
    created = Issue.objects.get(publication=publication, year=year, month=month)
    page.wait_for_url(f"**/desk/issues/{created.pk}/")
    assert f"已创建 {year}年{month}月 期" in page.locator(".messages").inner_text()
    page.goto(live_server.url + "/desk/")
    assert page.locator("#todo .kind-next_issue").count() == 0
    assert created.status == Issue.Status.DRAFT
