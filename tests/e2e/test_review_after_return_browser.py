"""In a real browser: the approver returns an article, the editor revises and resubmits, and the
approver, opening it again from 审核, sees 退回后的修改 with their comment and the new sentence."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from editorial import workflow
from editorial.models import Article
from tests.e2e.conftest import add_sentence_and_resubmit

pytestmark = pytest.mark.django_db(transaction=True)

AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
TITLE = "区政务服务中心新大厅启用"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def open_from_review_queue(page, live_server):
    page.goto(live_server.url + "/desk/review/")
    page.click(f"main >> text={TITLE}")
    page.wait_for_url("**/desk/articles/*/")


def test_the_approver_sees_what_changed_after_the_return(
    page, live_server, login, logout, make_article, editor, approver
):
    article = make_article(title=TITLE, body="<p>9月17日，新大厅正式启用。</p><p>启用仪式由王主任主持。</p>")
    workflow.submit(article, by=editor, version=article.version)

    # The approver returns it from 审核.
    login(page, "approver")
    open_from_review_queue(page, live_server)
    assert page.locator("#since-return").count() == 0  # never returned before
    page.fill("#return-comment", "请补充新大厅的窗口数量。")
    page.click("button:has-text('退回修改')")
    assert "已退回给作者修改" in page.locator(".messages").inner_text()

    # The editor adds a sentence and resubmits.
    logout(page)
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    add_sentence_and_resubmit(page, article, "新大厅共设窗口48个。")
    assert article.status == Article.Status.SUBMITTED

    # The approver opens it again from 审核: the box names the return and shows the new sentence.
    logout(page)
    login(page, "approver")
    open_from_review_queue(page, live_server)
    box = page.locator("#since-return")
    assert box.locator("h2").inner_text() == "退回后的修改"
    text = box.inner_text()
    assert "赵审核" in text and "请补充新大厅的窗口数量。" in text and "修改了正文" in text
    assert box.locator("table.diff ins").all_inner_texts() == ["新大厅共设窗口48个。"]
    assert "9月17日，新大厅正式启用。" not in text  # unchanged lines stay in the article below
    shots = os.environ.get("BULLETIN_SCREENSHOTS")
    if shots:
        box.screenshot(path=os.path.join(shots, "since-return.png"))

    # No WCAG A/AA violation on the page with the box, on a desktop or a phone.
    axe = Axe()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        found = axe.run(page, options=AA).response["violations"]
        assert not found, [(v["id"], v["nodes"][0]["target"]) for v in found]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    if shots:
        box.screenshot(path=os.path.join(shots, "since-return-phone.png"))

    # The link opens the full comparison of the same two versions.
    box.get_by_role("link", name="查看完整版本对比").click()
    page.wait_for_url("**/compare/?a=*")
    assert "新大厅共设窗口48个。" in page.locator("table.diff ins").all_inner_texts()
