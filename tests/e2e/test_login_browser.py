"""Signing in, as a person does it: the header's 登录, then where it leads."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_header_login_says_nothing_of_internal_content_and_a_desk_user_lands_on_the_todo(page, live_server, editor):
    page.goto(f"{live_server.url}/search/?q=会议")
    page.get_by_role("link", name="登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_text("该内容为内部资料或需要登录后查看")).to_have_count(0)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="登录").click()
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw-editor")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/desk/")
