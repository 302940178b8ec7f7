"""Browser tests: Playwright (Python) driving Debian's chromium against pytest-django's live server."""

import functools
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _wait_for_function(page, expression, arg=None, *, timeout=None, polling=None):
    deadline = time.monotonic() + (timeout or 15_000) / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out waiting for {expression!r}")
        page.wait_for_timeout(polling if isinstance(polling, (int, float)) else 100)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Playwright's wait_for_function evaluates its expression with eval() inside the page, which
    # the site's Content-Security-Policy refuses (no 'unsafe-eval'); poll it from here instead
    # (page.evaluate goes through the DevTools protocol, which the page's policy does not govern).
    page.wait_for_function = functools.partial(_wait_for_function, page)
    yield page
    context.close()


@pytest.fixture
def login(live_server):
    """Log a page in through the real login form."""

    def do_login(page, username, password=None):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password or f"pw-{username}")
        page.click("main button[type=submit]")
        page.wait_for_load_state()

    return do_login


@pytest.fixture
def logout(live_server):
    def do_logout(page):
        page.context.clear_cookies()

    return do_logout


def add_sentence_and_resubmit(page, article, sentence):
    """In the open editor of `article`: type `sentence` at the end of the body, then 保存并提交审核
    and wait for the article's page (the editor's side of a round after a return)."""
    page.locator(".ck-editor__editable").wait_for()
    page.locator(".ck-editor__editable p").last.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(sentence)
    page.click("button:has-text('保存并提交审核')")
    page.wait_for_url(f"**/desk/articles/{article.pk}/")
    article.refresh_from_db()
