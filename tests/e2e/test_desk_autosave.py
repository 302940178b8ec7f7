"""Autosave against the other ways of saving on the same page: nobody conflicts with themselves."""

import pytest
from docx import Document

from editorial.models import Article

# Answers to the page's fetch() calls arrive late, as on a slow office network: the server has
# saved the autosave long before the browser learns the new version number.
SLOW_FETCH = """
const realFetch = window.fetch;
window.fetch = (...args) => realFetch(...args).then(r => new Promise(done => setTimeout(() => done(r), 3000)));
"""


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BULLETIN_AUTOSAVE_SECONDS = 1


def type_at_end(page, text):
    page.locator(".ck-editor__editable").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


@pytest.mark.django_db(transaction=True)
def test_saving_while_an_autosave_is_under_way_is_not_a_conflict(page, live_server, login, make_article):
    article = make_article(title="边写边存", body="<p>原来的正文。</p>")
    login(page, "editor")
    page.add_init_script(SLOW_FETCH)
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    type_at_end(page, "第一句。")
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('正在自动保存')")
    type_at_end(page, "第二句。")
    page.click("button[name=then][value='']")
    page.wait_for_url("**/edit/")
    page.locator(".message.success").wait_for()
    assert "保存冲突" not in page.locator("h1").inner_text()
    article.refresh_from_db()
    assert "第一句。" in article.body and "第二句。" in article.body
    assert article.version == 3  # the autosave, then the manual save


@pytest.mark.django_db(transaction=True)
def test_word_import_after_an_autosave_uses_the_new_version(page, live_server, login, make_article, tmp_path):
    article = make_article(title="先打字再导入", body="<p>原来的正文。</p>")
    document = Document()
    document.add_paragraph("来自 Word 的正文。")
    path = tmp_path / "稿件.docx"
    document.save(path)

    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    type_at_end(page, "先打的字。")
    # An autosave may fire between two typed characters (the interval is 1 s here): wait until
    # one holds the whole sentence, as the status says after the last of them.
    for _ in range(100):
        if article.revisions.filter(body__contains="先打的字。").exists():
            break
        page.wait_for_timeout(100)
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('已自动保存')")
    page.set_input_files("input[name=docx]", str(path))
    page.click("text=导入并替换正文")
    page.locator(".message").first.wait_for()
    assert "冲突" not in page.locator(".messages").inner_text()
    article.refresh_from_db()
    assert "来自 Word 的正文。" in article.body
    assert article.revisions.filter(body__contains="先打的字。").exists()  # the autosave is kept


@pytest.mark.django_db(transaction=True)
def test_autosave_says_when_the_login_has_expired(page, live_server, login, make_article):
    article = make_article(title="登录过期", body="<p>原来的正文。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator(".ck-editor__editable").wait_for()
    page.context.clear_cookies(name="sessionid")  # the session ends; the form token stays
    type_at_end(page, "还没保存的字。")
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('登录已过期')")
    assert Article.objects.get(pk=article.pk).version == 1


@pytest.mark.django_db(transaction=True)
def test_live_word_count_is_the_count_the_server_stores(page, live_server, login, make_article, settings):
    from editorial.sanitize import count_words

    settings.BULLETIN_AUTOSAVE_SECONDS = 600  # the count shown is the page's own, not the server's answer
    body = "<p>Report 2026</p><p>2027 plan</p><p>２０２６年，区委</p><ul><li>don’t</li><li>stop</li></ul>"
    article = make_article(title="字数", body="<p>原来的正文。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator(".ck-editor__editable").wait_for()
    page.evaluate("(html) => Object.values(window.editors)[0].setData(html)", body)
    expected = count_words(body)
    assert expected == 10
    page.wait_for_function("document.getElementById('word-count').textContent !== '3'")
    assert page.locator("#word-count").inner_text() == str(expected)


@pytest.mark.django_db(transaction=True)
def test_a_new_article_autosaves_from_the_first_keystroke_as_one_entry(page, live_server, login, publication, editor):
    """Typed into 新建稿件 and never saved by hand: the text survives a reload, the address is
    the article's, and several autosaves are one 自动保存 entry in 版本记录."""
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/new/")
    page.locator(".ck-editor__editable").click()
    page.keyboard.type("第一句自动保存。")
    page.wait_for_function("location.pathname.endsWith('/edit/')")
    article = Article.objects.get()
    assert page.url.endswith(f"/desk/articles/{article.pk}/edit/")
    # Typing goes on in the same editor (no reload), and later autosaves update the same draft.
    assert page.evaluate("document.activeElement.closest('.ck-editor__editable') !== null")
    page.keyboard.type("第二句。")
    for _ in range(100):  # the second autosave (version 2) before typing on
        if article.revisions.filter(body__contains="第二句。").exists():
            break
        page.wait_for_timeout(100)
    page.fill("input[name=title]", "边打字边保存的新稿件")
    page.locator(".ck-editor__editable").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("第三句。")
    for _ in range(100):
        article.refresh_from_db()
        if "第三句。" in article.body and article.title == "边打字边保存的新稿件":
            break
        page.wait_for_timeout(100)
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('已自动保存')")
    assert Article.objects.count() == 1
    assert article.revisions.count() >= 3  # created, then at least two autosaves

    page.reload()
    assert "第一句自动保存。第二句。第三句。" in page.locator(".ck-editor__editable").inner_text()
    assert page.locator("input[name=title]").input_value() == "边打字边保存的新稿件"
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/")
    entries = page.locator("ol.revisions > li").all_inner_texts()
    assert len(entries) == 2, entries  # the sitting's autosaves, and the creation
    assert sum("自动保存" in e and "新建" not in e for e in entries) == 1
