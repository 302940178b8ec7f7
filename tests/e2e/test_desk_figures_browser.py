"""An uploaded image stays a block image (CKEditor's <figure class="image">) through save and
reload: the sanitiser keeps the figure's class, which CKEditor needs to read the block back."""

import pytest

from tests.e2e.test_desk_flow import photo_file, type_in_editor

BLOCK_IMAGE = '.ck-editor__editable figure.image img[src^="/media/images/web/"]'
INLINE_IMAGE = ".ck-editor__editable p img"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db(transaction=True)
def test_uploaded_image_stays_a_block_after_save_and_reload(page, live_server, login, editor, make_article, tmp_path):
    article = make_article(author=editor, body="<p>正文。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator(".ck-editor__editable").wait_for()
    type_in_editor(page, "补充一句。")
    page.keyboard.press("Enter")
    page.locator(".ck-toolbar input[type=file]").set_input_files(str(photo_file(tmp_path)))
    page.locator(BLOCK_IMAGE).wait_for()

    for _save in range(2):  # the upload's save, then a save of the reloaded text as it is
        page.click("button:has-text('保存')")
        page.wait_for_url("**/edit/")
        page.locator(BLOCK_IMAGE).wait_for()
        assert page.locator(INLINE_IMAGE).count() == 0
        article.refresh_from_db()
        assert '<figure class="image"><img src="/media/images/web/' in article.body, article.body
        assert "<p><img" not in article.body


@pytest.mark.django_db(transaction=True)
def test_figure_saved_without_its_class_opens_as_a_block(page, live_server, login, editor, make_article):
    article = make_article(author=editor, body='<p>正文。</p><figure><img src="/media/images/web/a.jpg" alt="图"></figure>')
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    page.locator('.ck-editor__editable figure.image img[src="/media/images/web/a.jpg"]').wait_for()
    assert page.locator(INLINE_IMAGE).count() == 0
