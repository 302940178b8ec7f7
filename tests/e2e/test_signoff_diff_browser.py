"""In a real browser: the checklist while writing, the head reading the diff, publishing confirmed."""

import pytest

from bulletin import publishing
from bulletin.models import Issue
from editorial import workflow
from editorial.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

APPROVED = Article.Status.APPROVED


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def message_texts(page):
    return page.locator(".messages .message").all_inner_texts()


def check_state(page, key):
    return page.locator(f'#checklist [data-check="{key}"] .check-state').inner_text()


def test_the_checklist_follows_the_draft_and_the_server_refuses_what_is_missing(
    page, live_server, login, make_article, editor, settings
):
    settings.BULLETIN_AUTOSAVE_SECONDS = 1
    article = make_article(title="还没有日期的稿件", event_date=None)
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    assert check_state(page, "event_date") == "缺少"
    assert check_state(page, "body_length") == "提醒"

    # Submitting anyway: saved, not submitted, and the page says what is missing.
    page.get_by_role("button", name="保存并提交审核").click()
    assert "缺少事件日期（刊物中显示为“9月17日”）。" in message_texts(page)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT

    # The editor fills in the date: the autosave redraws the checklist.
    page.fill("#id_event_date", "2020-09-17")
    page.wait_for_function(
        "document.querySelector('#checklist [data-check=event_date] .check-state').textContent === '已满足'"
    )
    page.get_by_role("button", name="保存并提交审核").click()
    assert "已保存并提交审核。" in message_texts(page)
    assert any(m.startswith("提醒：正文只有") for m in message_texts(page))  # optional: warns only


def test_the_head_reads_the_changes_in_words_and_publishing_asks_first(
    page, live_server, login, publication, make_article, editor, head
):
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    focus = make_article(title="政务服务中心启用新大厅", section="本期焦点", status=APPROVED)
    meeting = make_article(title="区委常委会召开会议", section="时政要点", status=APPROVED)
    survey = make_article(title="区长调研重点项目", section="时政要点", status=APPROVED)
    canteen = make_article(title="社区食堂试点运营", section="时政要点", status=APPROVED)
    for article in (focus, meeting, survey, canteen):
        publishing.add_article(issue, article, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    publishing.submit_for_sign_off(issue, by=editor)

    # The head's first look: the whole issue, in reading order.
    login(page, "head")
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/signoff/")
    assert page.get_by_role("heading", name="首次签发：请通读本期全部内容").is_visible()
    assert page.locator("#whole-issue h4").all_inner_texts()[:2] == ["政务服务中心启用新大厅 本期焦点", "区委常委会召开会议"]
    page.fill("#signoff-comment", "食堂一稿放民生视点；撤下区长调研。")
    page.get_by_role("button", name="退回修改").click()
    assert "已退回编辑修改。" in message_texts(page)

    # The editors do as asked, add a culture piece and correct the focus article's text.
    publishing.remove_article(issue, survey.pk, by=editor)
    publishing.change_section(issue, canteen.pk, publication.sections.get(name="民生视点").pk, by=editor)
    added = make_article(title="社区合唱节开幕", section="文化亮点", status=APPROVED)
    publishing.add_article(issue, added, by=editor)
    workflow.save_article(focus, by=editor, version=focus.version, body="<p>9月17日，新大厅启用，设窗口48个。</p>")
    Article.objects.filter(pk=focus.pk).update(status=APPROVED)
    publishing.submit_for_sign_off(issue, by=editor)

    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/signoff/")
    changes = page.locator("#changes")
    assert changes.get_by_role("heading", name="自上次查看以来的变动").is_visible()
    assert "陈主任退回时的版本" in changes.locator(".meta").first.inner_text()
    assert changes.locator(".change-list li").all_inner_texts() == [
        "新增《社区合唱节开幕》（文化亮点）。",
        "移出《区长调研重点项目》（原在时政要点）。",
        "《社区食堂试点运营》从“时政要点”移至“民生视点”。",
        "《政务服务中心启用新大厅》修改了正文。",
    ]
    assert "设窗口48个" in changes.locator("table.diff ins").first.inner_text()
    assert page.locator("#whole-issue").count() == 0  # not a first sign-off

    page.get_by_role("button", name="签发", exact=True).click()
    assert any(m.startswith("已签发") for m in message_texts(page))

    # 发布本期 asks first; cancelling publishes nothing.
    dialogs = []

    def answer(dialog, accept):
        dialogs.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="发布本期").click()
    page.wait_for_timeout(300)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SIGNED_OFF
    assert dialogs[0].startswith("确定发布 测试区大事月报 2020年10月 吗？")
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="发布本期").click()
    assert "已发布：2020年10月 第1期（总第97期）。" in message_texts(page)
    assert len(dialogs) == 2
