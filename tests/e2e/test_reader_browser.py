"""The reader site in a real browser: mobile layout, internal issues behind the login, the PDF."""

import pytest

from bulletin.models import Issue, IssueArticle, Visibility
from bulletin.publishing import publish_issue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(publication, make_article, head):
    from editorial.models import Article

    def make(visibility, month=10, count=4):
        issue = Issue.objects.create(publication=publication, year=2020, month=month, visibility=visibility)
        for n in range(count):
            section = "本期焦点" if n == 0 else "时政要点"
            article = make_article(
                title=f"区政府召开第{n + 1}次常务会议研究部署重点工作", section=section,
                status=Article.Status.APPROVED,
                body="<p>" + "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署。" * 4 + "</p>",
            )
            IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
            if n == 0:
                issue.focus_article = article
        issue.save()
        return publish_issue(issue, by=head, require_sign_off=False)

    return make


def test_issue_and_article_fit_a_phone_screen(browser, live_server, published):
    issue = published(Visibility.PUBLIC)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + issue.get_absolute_url())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(".focus-title").inner_text() == "区政府召开第1次常务会议研究部署重点工作"
        page.locator(".entry-title a").nth(1).click()
        page.wait_for_load_state()
        assert page.locator("h1.entry-title").inner_text() == "区政府召开第2次常务会议研究部署重点工作"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("a[rel=next]")
        assert page.locator("h1.entry-title").inner_text() == "区政府召开第3次常务会议研究部署重点工作"
    finally:
        context.close()


def test_internal_issue_asks_for_login_then_shows_issue_and_pdf(page, live_server, published, reader):
    issue = published(Visibility.INTERNAL)
    page.goto(live_server.url + issue.get_absolute_url())
    assert "/accounts/login/" in page.url
    assert page.get_by_text("该内容为内部资料或需要登录后查看").is_visible()
    assert page.request.get(live_server.url + issue.get_pdf_url(), max_redirects=0).status == 302

    page.fill("#id_username", "reader")
    page.fill("#id_password", "pw-reader")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(issue.get_absolute_url())
    assert page.locator(".masthead-internal").inner_text() == "内部资料"

    response = page.request.get(live_server.url + page.locator(".issue-actions a").first.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")


def test_signed_in_outsider_sees_why_not_a_loop(page, live_server, login, published, outsider):
    issue = published(Visibility.INTERNAL)
    login(page, "outsider")
    page.goto(live_server.url + issue.get_absolute_url())
    assert page.get_by_text("您的账号无权查看该页面").is_visible()
    assert page.locator(".entry-title").count() == 0
