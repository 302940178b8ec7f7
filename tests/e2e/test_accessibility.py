"""Accessibility (issue #12): axe-core (axe-playwright-python) finds no WCAG 2.1 A/AA violation
on the reader's pages and the desk's, at 1280 px and on a 390 px phone, where no page is wider
than the screen."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from bulletin.models import Visibility
from bulletin.publishing import publish_issue

pytestmark = pytest.mark.django_db(transaction=True)

AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WIDTHS = (1280, 390)


def violations(page, axe, url):
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        for v in axe.run(page, options=AA).response["violations"]:
            found.append(f"{width}px {url}: {v['id']} ({v['impact']}) at {v['nodes'][0]['target']}")
        # On a phone the page fits the screen: nothing to scroll sideways.
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            found.append(f"{width}px {url}: {scroll_width} px wide")
    return found


def test_reader_and_desk_pages_have_no_violations(page, live_server, signed_off_issue, head, login, make_article):
    issue = publish_issue(signed_off_issue(visibility=Visibility.PUBLIC), by=head)
    draft = make_article(title="编辑中的稿件", author=head)
    article = issue.placements.first().article_id
    slug = issue.publication.slug
    axe = Axe()
    reader = ["/", f"/{slug}/", issue.get_absolute_url(), f"{issue.get_absolute_url()}{article}/",
              "/search/?q=稿件", f"/{slug}/chronicle/2020/", "/accounts/login/"]
    found = [v for path in reader for v in violations(page, axe, live_server.url + path)]
    login(page, "head")
    desk = ["/desk/", "/desk/articles/", "/desk/articles/new/", f"/desk/articles/{article}/",
            f"/desk/articles/{draft.pk}/edit/",
            f"/desk/articles/{article}/compare/", "/desk/review/", "/desk/issues/", f"/desk/issues/{issue.pk}/",
            "/desk/calendar/", "/desk/notifications/", "/desk/import/", "/desk/search/?q=稿件"]
    found += [v for path in desk for v in violations(page, axe, live_server.url + path)]
    assert not found, "\n".join(found)
