"""Issue #10, in chromium: the pages that show the XSS corpus (tests/security/xss_world.py) run
none of it. Every vector would open a dialog or set window.xssHit if it ran."""

import pytest
from django.urls import reverse

from tests.security.xss_world import build

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_injected_script_runs_in_the_reader_or_the_desk(
    page, live_server, login, publication, editor, approver, head, own_issue
):
    world = build(publication, editor, approver, head, own_issue)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))

    def visit(path):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # handlers such as onload and timers
        assert page.evaluate("window.xssHit === undefined"), path
        assert not dialogs, dialogs

    slug = world.publication.slug
    issue = world.issue
    visit(issue.get_absolute_url())
    visit(world.imported.get_absolute_url())
    for placement in issue.placements.all()[:8]:
        visit(reverse("reader:article", args=[slug, issue.serial_number, placement.article_id]))
    visit(reverse("reader:search") + "?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")

    login(page, "editor")
    for draft in world.drafts[:6]:
        visit(reverse("desk:article_edit", args=[draft.pk]))
        page.locator(".ck-editor__editable").wait_for()  # CKEditor has loaded the hostile body
        page.wait_for_timeout(150)
        assert not dialogs, dialogs
    visit(reverse("desk:article_detail", args=[world.drafts[-1].pk]))
    visit(reverse("desk:issue_detail", args=[issue.pk]))
    visit(reverse("desk:issue_detail", args=[world.withdrawn.pk]))
    visit(reverse("desk:issue_preview", args=[issue.pk]))
    visit(reverse("desk:dashboard"))
    visit("/desk/notifications/")
    # The sanity check that the listeners work: a page that does run script is seen.
    page.evaluate("setTimeout(() => alert('测试'), 0)")
    page.wait_for_timeout(200)
    assert dialogs and dialogs[-1].endswith("测试")
