"""待办 in a real browser: the editor submits, the approver finds the article in 待我处理 with a
badge in the navigation, approves it from there, and the badge goes; the calendar on a phone."""

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
