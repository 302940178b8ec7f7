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


# The header's links (and the signed-in name) grouped by the row they sit on, left to right.
NAV_ROWS = """() => {
  const rows = new Map();
  for (const e of document.querySelectorAll('.site-nav a, .site-nav button, .site-nav .who')) {
    if (e.closest('.site-search')) continue;
    const box = e.getBoundingClientRect();
    const middle = Math.round(box.top + box.height / 2);
    const row = [...rows.keys()].find(m => Math.abs(m - middle) < box.height / 2) ?? middle;
    rows.set(row, [...(rows.get(row) || []), e.textContent.trim()]);
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, names]) => names);
}"""


@pytest.mark.parametrize("username", ["reader", "editor"])
def test_signed_in_header_keeps_its_links_together_on_a_phone(page, live_server, login, request, username):
    request.getfixturevalue(username)
    login(page, username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    for size in ["标准", "大字"]:
        rows = page.evaluate(NAV_ROWS)
        assert "退出" in rows[-1], (size, rows)
        # No link wrapped alone onto a row of its own (退出 did, under 首页 … name).
        assert all(len(row) > 1 for row in rows), (size, rows)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, size
        if size == "标准":
            page.get_by_role("button", name="大字").click()
    page.get_by_role("button", name="标准字").click()
    # At desktop widths the header stays one row: brand, links, search box, name and 退出.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert len(page.evaluate(NAV_ROWS)) == 1
