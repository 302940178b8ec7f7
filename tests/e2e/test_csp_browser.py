"""The Content-Security-Policy (issue #10) breaks nothing: Chromium reports no violation (neither
on the console nor as a `securitypolicyviolation` event) while a reader opens the home page, an
issue and an article with an image, and an editor types in CKEditor 5 (autosave included), uploads
nothing but drags an article on the issue assembly page and opens the calendar."""

import io

import pytest
from PIL import Image as PILImage

from bulletin import publishing
from bulletin.models import Issue, IssueArticle, SignOff, Visibility
from bulletin.publishing import issue_fingerprint
from editorial.models import Article
from editorial.uploads import store_image
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BULLETIN_AUTOSAVE_SECONDS = 1


@pytest.fixture
def watched(page):
    """The page, recording every CSP violation it meets."""
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)

    def violations():
        events = page.evaluate("window.__cspViolations || []")
        console = [text for text in messages if "Content Security Policy" in text or "Content-Security-Policy" in text]
        return events + console

    page.violations = violations
    return page


def _png():
    buffer = io.BytesIO()
    PILImage.new("RGB", (60, 40), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_reader_and_desk_pages_run_without_csp_violations(watched, live_server, login, make_article, editor, head):
    page = watched
    make_user("reader", "reader")
    image = store_image(_png(), by=editor, name="photo.png")
    article = make_article(
        title="有图的稿件", section="本期焦点", status=Article.Status.APPROVED,
        body=f'<p>9月17日，会议召开。</p><figure class="image"><img src="{image.web.url}" alt="会场"></figure>',
    )
    published = Issue.objects.create(publication=article.publication, year=2020, month=10,
                                     visibility=Visibility.PUBLIC)
    IssueArticle.objects.create(issue=published, article=article, section=article.section, position=0)
    published.focus_article = article
    published.status = Issue.Status.SIGNED_OFF
    published.save()
    SignOff.objects.create(issue=published, signed_by=head, content_hash=issue_fingerprint(published))
    publishing.publish_issue(published, by=head)
    published.refresh_from_db()

    # The reader site.
    page.goto(live_server.url + "/")
    page.goto(f"{live_server.url}/{published.publication.slug}/{published.serial_number}/")
    page.locator("text=有图的稿件").first.wait_for()
    page.goto(f"{live_server.url}/{published.publication.slug}/{published.serial_number}/{article.pk}/")
    page.locator("img[alt=会场]").wait_for()
    assert page.evaluate("document.querySelector('img[alt=会场]').naturalWidth") > 0
    assert page.violations() == []

    # The desk: the article editor, with autosave.
    draft = make_article(title="草稿", body="<p>原来的正文。</p>")
    login(page, "editor")
    page.goto(f"{live_server.url}/desk/articles/{draft.pk}/edit/")
    page.locator(".ck-editor__editable").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("新打的字。")
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('已自动保存')")
    assert "新打的字。" in Article.objects.get(pk=draft.pk).body
    assert page.violations() == []

    # Issue assembly: drag and drop saves the new order.
    issue = publishing.create_issue(article.publication, year=2020, month=11, by=editor)
    for title in ["甲", "乙", "丙"]:
        publishing.add_article(issue, make_article(title=title, status=Article.Status.APPROVED), by=editor)
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    section = page.locator(".asm-section", has=page.locator(".asm-title", has_text="甲"))
    items = section.locator(".asm-item")
    with page.expect_navigation():
        items.nth(2).drag_to(items.nth(0), target_position={"x": 20, "y": 3})
    assert [p.article.title for p in Issue.objects.get(pk=issue.pk).placements.order_by("position")] == ["丙", "甲", "乙"]

    page.goto(f"{live_server.url}/desk/calendar/")
    page.goto(f"{live_server.url}/desk/")
    assert page.violations() == []

    # A self-contained error page keeps its own styles.
    page.goto(f"{live_server.url}/?q=%00")
    assert page.evaluate("getComputedStyle(document.querySelector('header')).color") == "rgb(255, 255, 255)"
    assert page.violations() == []


def test_the_policy_is_enforced_in_the_browser(watched, live_server):
    """The check above sees violations: an injected inline script is refused and reported."""
    page = watched
    page.goto(live_server.url + "/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in violation for violation in page.violations())
