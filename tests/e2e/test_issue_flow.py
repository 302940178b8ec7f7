"""The month's issue from assembly to the reader, in a real browser."""

import pytest
from playwright.sync_api import expect

from editorial.models import Article

pytestmark = pytest.mark.django_db(transaction=True)



def message_texts(page):
    return page.locator(".messages .message").all_inner_texts()


def test_editor_assembles_head_returns_then_signs_off_and_publishes(
    page, live_server, login, logout, make_article, editor, head
):
    make_article(title="区政务服务中心启用新大厅", section="本期焦点", status=Article.Status.APPROVED)
    make_article(title="区委常委会召开会议", section="时政要点", status=Article.Status.APPROVED)
    make_article(title="区长调研重点项目", section="时政要点", status=Article.Status.APPROVED)
    make_article(title="尚在审核的稿件", section="时政要点", status=Article.Status.SUBMITTED)

    # The editor creates October's issue and assembles it.
    login(page, "editor")
    page.goto(live_server.url + "/desk/issues/")
    page.fill("input[name=year]", "2020")
    page.select_option("select[name=month]", "10")
    page.get_by_role("button", name="创建").click()
    assert "已创建 2020年10月 期，请编排稿件。" in message_texts(page)
    assert page.locator(".candidates").get_by_text("尚在审核的稿件").count() == 0  # only approved offered
    for title in ["区委常委会召开会议", "区长调研重点项目"]:
        page.get_by_role("button", name=f"加入《{title}》").click()
    page.get_by_role("button", name="提交主任签发").click()
    shown = message_texts(page)
    assert "必备栏目“本期焦点”还没有稿件。" in shown and "还没有指定本期焦点文章。" in shown
    page.get_by_role("button", name="加入《区政务服务中心启用新大厅》").click()
    page.get_by_role("button", name="将《区委常委会召开会议》设为本期焦点").click()
    page.get_by_role("button", name="提交主任签发").click()
    assert "已提交主任签发。" in message_texts(page)
    issue_url = page.url

    # The head returns it: the focus is wrong and the order should change.
    logout(page)
    login(page, "head")
    page.goto(live_server.url + "/desk/issues/")
    page.get_by_role("link", name="去签发").click()
    page.fill("#signoff-comment", "本期焦点应为政务服务中心新大厅；区长调研放在前面。")
    page.get_by_role("button", name="退回修改").click()
    assert "已退回编辑修改。" in message_texts(page)
    expect(page.locator(".events").get_by_text("本期焦点应为政务服务中心新大厅")).to_be_visible()

    # The editor fixes it and resubmits.
    logout(page)
    login(page, "editor")
    page.goto(issue_url)
    # The head's comment is at the top of the page, not only in the history at the bottom.
    banner = page.get_by_role("note", name="主任退回意见")
    assert "本期焦点应为政务服务中心新大厅" in banner.inner_text() and "陈主任" in banner.inner_text()
    page.get_by_role("button", name="将《区政务服务中心启用新大厅》设为本期焦点").click()
    # The first 设为焦点 had placed 区委常委会 in 本期焦点 (the focus is that section's first
    # article); it goes back to 时政要点, after 区长调研.
    meeting = Article.objects.get(title="区委常委会召开会议").pk
    row = page.locator(f"#article-{meeting}")
    row.locator("select").select_option(label="时政要点")
    row.get_by_role("button", name="移至").click()
    titles = page.locator(f"#section-{_section_id('时政要点')} .asm-title").all_inner_texts()
    assert titles == ["区长调研重点项目", "区委常委会召开会议"]
    page.get_by_role("button", name="提交主任签发").click()
    assert "已提交主任签发。" in message_texts(page)

    # The head signs it off and publishes.
    logout(page)
    login(page, "head")
    page.goto(issue_url)
    page.get_by_role("link", name="签发页").click()
    expect(page.locator(".signoff-summary").get_by_text("本期焦点：区政务服务中心启用新大厅")).to_be_visible()
    page.fill("#signoff-comment", "同意发布。")
    page.get_by_role("button", name="签发", exact=True).click()
    assert any(m.startswith("已签发") for m in message_texts(page))
    # Publishing asks first: the dialog names what cannot be undone.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="发布本期").click()
    assert "已发布：2020年10月 第1期（总第97期）。" in message_texts(page)
    assert "不能再修改" in dialogs[0]

    # A reader (no login needed: the test publication is public) opens the issue.
    logout(page)
    page.goto(live_server.url + "/test-dsyb/97/")
    assert page.locator(".masthead-serial").inner_text() == "第1期（总第97期）"
    toc = page.locator(".toc li").all_inner_texts()
    assert toc == ["区政务服务中心启用新大厅", "区长调研重点项目", "区委常委会召开会议"]
    assert page.locator(".preview-banner").count() == 0


def _section_id(name):
    from bulletin.models import Section

    return Section.objects.get(name=name).pk


def test_drag_and_drop_reorders_a_section(page, live_server, login, make_article, editor):
    from bulletin import publishing
    from bulletin.models import Issue

    issue = publishing.create_issue(
        make_article(status=Article.Status.APPROVED, title="甲").publication, year=2020, month=11, by=editor
    )
    for title in ["甲", "乙", "丙"]:
        article = Article.objects.filter(title=title).first() or make_article(
            title=title, status=Article.Status.APPROVED
        )
        publishing.add_article(issue, article, by=editor)
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    items = page.locator(f"#section-{_section_id('时政要点')} .asm-item")
    with page.expect_navigation():  # dropping saves the new order at once
        items.nth(2).drag_to(items.nth(0), target_position={"x": 20, "y": 3})
    assert page.locator(f"#section-{_section_id('时政要点')} .asm-title").all_inner_texts() == ["丙", "甲", "乙"]
    placements = Issue.objects.get(pk=issue.pk).placements.order_by("position")
    assert [p.article.title for p in placements] == ["丙", "甲", "乙"]


def _long_issue(make_article, editor):
    """An issue with enough articles that the lowest rows are far below the top of the page."""
    from bulletin import publishing

    first = make_article(status=Article.Status.APPROVED, title="稿件01", section="民生视点")
    issue = publishing.create_issue(first.publication, year=2020, month=12, by=editor)
    publishing.add_article(issue, first, by=editor)
    for n in range(2, 16):
        section = "时政要点" if n < 12 else "民生视点"
        publishing.add_article(issue, make_article(status=Article.Status.APPROVED, title=f"稿件{n:02d}",
                                                   section=section), by=editor)
    return issue


def test_moving_a_low_row_keeps_the_place_on_the_page(page, live_server, login, make_article, editor):
    issue = _long_issue(make_article, editor)
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    low = page.locator(f"#section-{_section_id('民生视点')} .asm-item").last
    article_id = low.get_attribute("data-article")
    button = low.locator("button[value^='up:']")
    button.scroll_into_view_if_needed()
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"#article-{article_id}")
    # The page is scrolled to the moved row (not back at the top) and the same ↑ has the focus.
    assert page.evaluate("window.scrollY") > 300
    box = page.locator(f"#article-{article_id}").bounding_box()
    assert 0 <= box["y"] <= page.viewport_size["height"]
    assert page.evaluate("document.activeElement.value") == f"up:{article_id}"
    titles = page.locator(f"#section-{_section_id('民生视点')} .asm-title").all_inner_texts()
    assert titles.index(page.locator(f"#article-{article_id} .asm-title").inner_text()) == len(titles) - 2

    # 加入本期 comes back at the added row too.
    extra = make_article(status=Article.Status.APPROVED, title="新加入的稿件", section="文化亮点")
    page.reload()
    with page.expect_navigation():
        page.click(f"button[value='add:{extra.pk}']")
    page.wait_for_load_state()
    assert page.url.endswith(f"#article-{extra.pk}")
    assert page.evaluate("window.scrollY") > 0 or page.locator(f"#article-{extra.pk}").bounding_box()["y"] < 900


def test_dragging_a_section_reorders_the_sections(page, live_server, login, make_article, editor):
    from bulletin.models import Issue
    from bulletin.publishing import effective_section_order

    issue = _long_issue(make_article, editor)
    login(page, "editor")
    page.set_viewport_size({"width": 1280, "height": 3000})  # both headings on screen while dragging
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    people, politics = _section_id("民生视点"), _section_id("时政要点")
    with page.expect_navigation():  # dropping saves the new order at once
        page.locator(f"#section-{people} > header").drag_to(
            page.locator(f"#section-{politics} > header"), target_position={"x": 20, "y": 2})
    order = [s.name for s in effective_section_order(Issue.objects.get(pk=issue.pk))]
    assert order.index("民生视点") == order.index("时政要点") - 1
    names = page.locator(".asm-section h2").all_inner_texts()
    assert [n.split()[0] for n in names] == order
