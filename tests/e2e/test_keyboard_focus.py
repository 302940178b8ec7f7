"""Every action on the desk's editor and issue pages is reached with Tab and shows where the focus is.

WCAG 2.4.7 (focus visible) and the 适老化 rules: the test tabs through each page from the top and,
for every element that takes the focus, reads its computed style: an outline (not `none`, wider
than 0) or a box-shadow must mark it. It also checks that the page's actions are among them.
"""

import pytest

from editorial.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "").trim().slice(0, 30);
  return {tag: el.tagName.toLowerCase(), name, visible: outline || shadow,
          style: style.outlineStyle + " " + style.outlineWidth + " / " + style.boxShadow};
}"""


def tab_through(page, limit=250):
    """Tab from the top of the page until the focus comes round again; what took the focus."""
    page.locator("body").click(position={"x": 1, "y": 1})
    first, last, stops = None, None, []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_STYLE)
        if stop is None:
            continue
        key = page.evaluate("() => Array.prototype.indexOf.call(document.querySelectorAll('*'), document.activeElement)")
        if key == first:  # round again
            break
        if key == last:  # a date field's day, month and year are Tab stops inside one element
            continue
        first, last = first if first is not None else key, key
        stops.append(stop)
    return stops


def unmarked(stops):
    return [f"{s['tag']} {s['name']!r}: {s['style']}" for s in stops if not s["visible"]]


def test_the_article_editor_shows_the_keyboard_focus(page, live_server, login, make_article):
    article = make_article(title="键盘操作", body="<p>正文。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator(".ck-editor__editable").wait_for()
    stops = tab_through(page)
    assert not unmarked(stops), unmarked(stops)
    names = " ".join(s["name"] for s in stops)
    for action in ("保存", "保存并提交审核", "导入并替换正文"):
        assert action in names, f"{action} is not reached with Tab"


def test_the_issue_page_shows_the_keyboard_focus(page, live_server, login, make_article, editor):
    from bulletin import publishing

    focus = make_article(title="焦点稿件", section="本期焦点", status=Article.Status.APPROVED)
    issue = publishing.create_issue(focus.publication, year=2020, month=10, by=editor)
    publishing.add_article(issue, focus, by=editor)
    for title in ("时政稿件", "时政稿件二"):
        publishing.add_article(issue, make_article(title=title, status=Article.Status.APPROVED), by=editor)
    make_article(title="可编入的稿件", status=Article.Status.APPROVED)
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    stops = tab_through(page)
    assert not unmarked(stops), unmarked(stops)
    names = " ".join(s["name"] for s in stops)
    for action in ("《时政稿件二》上移", "《时政稿件》下移", "将《时政稿件》设为本期焦点", "移至", "将《时政稿件》移出本期",
                   "加入《可编入的稿件》", "提交主任签发"):
        assert action in names, f"{action} is not reached with Tab"


def test_the_check_sees_a_focus_hidden_by_a_stylesheet(page, live_server, login, make_article):
    """The check itself: links whose ring is taken away (a common `outline: none`) are reported."""
    article = make_article(title="键盘操作", body="<p>正文。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/")
    page.evaluate("document.querySelectorAll('a').forEach(a => { a.style.outline = 'none'; })")
    assert any(line.startswith("a ") for line in unmarked(tab_through(page)))
