import pytest
from playwright.sync_api import expect

from bulletin.models import Visibility
from bulletin.publishing import publish_issue


@pytest.mark.django_db(transaction=True)
def test_reader_opens_a_published_issue_from_the_home_page(page, live_server, signed_off_issue, head):
    issue = signed_off_issue(visibility=Visibility.PUBLIC)
    publish_issue(issue, by=head)

    page.goto(live_server.url + "/")
    page.click("text=2020年10月")
    assert page.url.endswith(f"/test-dsyb/{issue.serial_number}/")
    assert page.locator(".masthead-serial").inner_text() == f"第{issue.year_number}期（总第{issue.serial_number}期）"
    page.click(".toc >> text=2020年10月 稿件2")
    expect(page.locator(f"#article-{issue.placements.last().article_id}")).to_be_visible()
