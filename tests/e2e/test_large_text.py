"""大字: a reader enlarges the text once, and it stays so on the next pages, without the layout
breaking on a phone."""

import pytest
from playwright.sync_api import expect

from bulletin.models import Visibility
from bulletin.publishing import publish_issue

pytestmark = pytest.mark.django_db(transaction=True)


def root_font_size(page):
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_large_text_stays_across_pages_and_fits_a_phone(page, live_server, signed_off_issue, head):
    issue = publish_issue(signed_off_issue(visibility=Visibility.PUBLIC), by=head)
    page.goto(live_server.url + issue.get_absolute_url())
    normal_title = page.locator(".masthead-name").bounding_box()["height"]
    assert root_font_size(page) == 16
    page.get_by_role("button", name="大字").click()
    assert root_font_size(page) == 20
    expect(page.get_by_role("button", name="标准字")).to_have_attribute("aria-pressed", "true")
    assert page.locator(".masthead-name").bounding_box()["height"] > normal_title

    article = issue.placements.first().article_id
    page.goto(f"{live_server.url}{issue.get_absolute_url()}{article}/")
    assert root_font_size(page) == 20  # kept on the next page
    page.set_viewport_size({"width": 390, "height": 800})
    for path in [issue.get_absolute_url(), f"{issue.get_absolute_url()}{article}/", "/"]:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    assert root_font_size(page) == 20  # 大字 on the phone too

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="标准字").click()
    page.goto(live_server.url + "/")
    assert root_font_size(page) == 16
