"""校对 in the browser: a finding selects its place in CKEditor, 改正 fixes it in one click, an
autosave redraws the panel."""

import pytest

from editorial.models import Article


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BULLETIN_AUTOSAVE_SECONDS = 1


SELECTED = """() => {
  const editor = Object.values(window.editors)[0];
  const range = editor.model.document.selection.getFirstRange();
  let text = "";
  for (const item of range.getItems()) text += item.data || "";
  return text;
}"""


@pytest.mark.django_db(transaction=True)
def test_a_finding_selects_its_place_and_is_fixed_in_one_click(page, live_server, login, make_article):
    article = make_article(title="校对一篇", body="<p>9月17日，召开会议。</p><p>区委书记出席会议,研究部署工作。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator(".ck-editor__editable").wait_for()
    item = page.locator("#proofreading .proof").first
    assert "会议,研究" in item.locator(".proof-place").inner_text()
    item.locator(".proof-place").click()
    assert page.evaluate(SELECTED) == ","
    item.locator("button.proof-fix").click()
    page.wait_for_url("**/edit/#proofreading")
    assert "已改正" in page.locator(".messages").inner_text()
    assert "会议，研究" in page.locator(".ck-editor__editable").inner_text()
    assert page.locator("#proofreading .proof-none").is_visible()
    article.refresh_from_db()
    assert "会议，研究" in article.body and article.version == 2


@pytest.mark.django_db(transaction=True)
def test_autosave_redraws_the_panel(page, live_server, login, make_article):
    article = make_article(title="边写边校", body="<p>9月17日，召开会议。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator(".ck-editor__editable").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("区委 书记出席")
    page.wait_for_function("document.getElementById('proof-count').textContent.trim() === '1'", timeout=30_000)
    assert page.locator("#proofreading .proof-kind").inner_text() == "多余空格"
    # The redrawn panel's forms carry the autosave's version: 改正 is no conflict with oneself.
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('已自动保存')")
    for _ in range(50):
        if Article.objects.get(pk=article.pk).body.endswith("区委 书记出席</p>"):
            break
        page.wait_for_timeout(100)
    version = Article.objects.get(pk=article.pk).version
    page.wait_for_function(
        f"document.querySelector('#proofreading input[name=version]').value === '{version}'")
    page.locator("#proofreading button.proof-fix").click()
    page.wait_for_url("**/edit/#proofreading")
    assert "冲突" not in page.locator(".messages").inner_text()
    article.refresh_from_db()
    assert article.body.endswith("区委书记出席</p>")


@pytest.mark.django_db(transaction=True)
def test_a_finding_in_the_title_selects_it_in_the_title_field(page, live_server, login, make_article):
    article = make_article(title="区政府召开会议,研究部署工作", body="<p>9月17日，召开会议。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator(".ck-editor__editable").wait_for()
    item = page.locator("#proofreading .proof").first
    assert item.locator(".proof-where").inner_text() == "标题"
    item.locator(".proof-place").click()
    selected = page.evaluate("""() => {
      const input = document.querySelector("#article-form input[name=title]");
      return [document.activeElement === input, input.value.slice(input.selectionStart, input.selectionEnd),
              input.selectionStart];
    }""")
    assert selected == [True, ",", 7]
