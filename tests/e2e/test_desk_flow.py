"""A full review round in a real browser: write with bold text and a photo, return, revise, approve."""

import io

import pytest
from PIL import Image as PILImage

from editorial.models import Article, Image
from tests.e2e.conftest import add_sentence_and_resubmit


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def photo_file(tmp_path):
    path = tmp_path / "现场照片.jpg"
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 200), (30, 110, 180)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def type_in_editor(page, text):
    page.locator(".ck-editor__editable").click()
    page.keyboard.type(text)


@pytest.mark.django_db(transaction=True)
def test_editor_writes_approver_returns_editor_revises_approver_approves(
    page, live_server, login, logout, publication, editor, approver, tmp_path
):
    desk = live_server.url + "/desk/"

    # The editor writes an article with bold text and a photo.
    login(page, "editor")
    page.goto(desk)
    page.click(".desk-nav >> text=新建稿件")
    page.fill("#id_title", "区政务服务中心新大厅启用")
    page.select_option("#id_section", label="时政要点")
    page.fill("#id_event_date", "2020-09-17")
    editable = page.locator(".ck-editor__editable")
    editable.wait_for()
    type_in_editor(page, "9月17日，")
    page.keyboard.press("Control+B")
    page.keyboard.type("新大厅")
    page.keyboard.press("Control+B")
    page.keyboard.type("正式启用。")
    page.keyboard.press("Enter")
    page.locator(".ck-toolbar input[type=file]").set_input_files(str(photo_file(tmp_path)))
    page.locator('.ck-editor__editable img[src^="/media/images/web/"]').wait_for()
    # Like Word's 字数: 9 Chinese characters plus the numbers "9" and "17".
    assert page.locator("#word-count").inner_text() == "11"
    page.click("button:has-text('保存')")
    page.wait_for_url("**/edit/")
    assert "稿件已保存为草稿" in page.locator(".messages").inner_text()

    article = Article.objects.get()
    assert "<strong>新大厅</strong>" in article.body
    image = Image.objects.get()
    assert image.web.url in article.body

    page.click("button:has-text('保存并提交审核')")
    page.wait_for_url(f"**/desk/articles/{article.pk}/")
    assert "已保存并提交审核" in page.locator(".messages").inner_text()
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED

    # The approver returns it with a comment.
    logout(page)
    login(page, "approver")
    page.goto(desk)
    page.click("#todo .kind-review >> text=区政务服务中心新大厅启用")
    assert page.locator(".entry-body strong").inner_text() == "新大厅"
    assert page.locator(".entry-body img").count() == 1
    page.click("button:has-text('退回修改')")  # without a comment: refused, nothing changes
    assert "必须填写退回意见" in page.locator(".messages").inner_text()
    page.fill("#return-comment", "请补充新大厅的窗口数量。")
    page.click("button:has-text('退回修改')")
    assert "已退回给作者修改" in page.locator(".messages").inner_text()

    # The editor sees the comment, revises and resubmits.
    logout(page)
    login(page, "editor")
    page.goto(desk)
    returned = page.locator("#todo .kind-returned")
    assert "请补充新大厅的窗口数量。" in returned.inner_text()
    returned.locator("text=区政务服务中心新大厅启用").click()
    assert "请补充新大厅的窗口数量。" in page.locator(".return-banner").inner_text()
    add_sentence_and_resubmit(page, article, "新大厅共设窗口48个。")
    assert article.status == Article.Status.SUBMITTED
    assert "新大厅共设窗口48个。" in article.body and "<strong>新大厅</strong>" in article.body

    # The approver approves.
    logout(page)
    login(page, "approver")
    page.goto(live_server.url + "/desk/review/")
    page.click("text=区政务服务中心新大厅启用")
    page.fill("#approve-comment", "同意刊发。")
    page.click("button:has-text('审核通过')")
    assert "已审核通过" in page.locator(".messages").inner_text()
    assert page.locator(".desk-head .status").inner_text() == "已通过"
    article.refresh_from_db()
    assert article.status == Article.Status.APPROVED
    assert list(article.transitions.values_list("action", "actor__username")) == [
        ("submit", "editor"), ("return", "approver"), ("revise", "editor"),
        ("submit", "editor"), ("approve", "approver"),
    ]


@pytest.mark.django_db(transaction=True)
def test_autosave_and_a_conflict_in_two_browsers(
    page, browser, live_server, login, make_article, editor, editor2, settings
):
    settings.BULLETIN_AUTOSAVE_SECONDS = 1
    article = make_article(title="两人同时编辑的稿件", body="<p>原来的正文。</p>")
    url = f"{live_server.url}/desk/articles/{article.pk}/edit/"

    login(page, "editor")
    page.goto(url)
    page.locator(".ck-editor__editable").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("李编辑补充。")  # one input event: autosave sees all or nothing
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('已自动保存')")
    article.refresh_from_db()
    assert article.version == 2 and "李编辑补充。" in article.body

    # A second editor opens the article; the first one keeps typing (autosaved as version 3);
    # the second one's save is based on version 2: conflict page.
    other = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(other, "editor2")
    other.goto(url)
    other.locator(".ck-editor__editable").wait_for()
    page.locator(".ck-editor__editable").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("再补一句。")
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('第3版')")
    other.locator(".ck-editor__editable").click()
    other.keyboard.press("Control+Home")
    other.keyboard.type("王编辑的开头。")
    other.click("button[name=then][value='']")
    other.locator(".conflict-banner").wait_for()
    assert "保存冲突" in other.locator("h1").inner_text()
    assert "王编辑的开头。" in other.locator(".ck-editor__editable").inner_text()  # nothing lost
    assert "再补一句。" in other.locator(".current-version").inner_text()
    article.refresh_from_db()
    assert "王编辑的开头" not in article.body and article.version == 3
    other.context.close()
