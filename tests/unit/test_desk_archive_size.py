"""The desk does not grow with the archive (issue #15): the article overview (稿件), 待我处理 and
the review queue ask the same number of queries with 2,000 articles per user as with 20, and
list one page of each list with 上一页/下一页."""

import pytest
from django.urls import reverse

from editorial.models import Article

pytestmark = pytest.mark.django_db

Status = Article.Status


def many_articles(publication, editor, editor2, count):
    """`count` articles by the editor (drafts, returned, submitted) and as many submitted by a
    second editor for the approver, written at once as an import would."""
    section = publication.sections.get(name="时政要点")
    statuses = [Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.APPROVED]
    Article.objects.bulk_create(
        [
            Article(publication=publication, section=section, title=f"稿件{n}", body="<p>正文。</p>",
                    author=author, last_edited_by=author, status=statuses[n % 4], review_level=1)
            for author in (editor, editor2)
            for n in range(count)
        ],
        batch_size=500,
    )


def queries(client, url, django_assert_max_num_queries):
    client.get(url)  # sessions, caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


# Every desk list page (待办, 稿件, 审核, 期刊编排), each with the navigation's badges.
LIST_PAGES = ["desk:dashboard", "desk:article_list", "desk:review_queue", "desk:issue_list"]


def many_issues(publication, years):
    """Twelve published issues a year, as an import of back issues would leave them."""
    from bulletin.models import Issue

    Issue.objects.bulk_create([
        Issue(publication=publication, year=year, month=month, status=Issue.Status.PUBLISHED,
              year_number=month, serial_number=None)
        for year in years for month in range(1, 13)
    ])


@pytest.mark.parametrize("who", ["editor", "approver", "head"])
def test_desk_pages_ask_at_most_15_queries_whatever_the_archive(
    client, publication, editor, editor2, approver, head, who, django_assert_max_num_queries
):
    """Issue #15: ≤ 15 queries per desk page, the same with 2,000 articles per editor (and a
    hundred more back issues) as with 20."""
    client.force_login({"editor": editor, "approver": approver, "head": head}[who])
    many_articles(publication, editor, editor2, 20)
    many_issues(publication, range(2001, 2003))
    few = {name: queries(client, reverse(name), django_assert_max_num_queries)[0] for name in LIST_PAGES}
    many_articles(publication, editor, editor2, 1980)
    many_issues(publication, range(2003, 2013))
    for name in LIST_PAGES:
        many, page = queries(client, reverse(name), django_assert_max_num_queries)
        assert many == few[name], (name, few[name], many)
        assert many <= 15, (name, many)
        assert len(page.encode()) < 200_000, name


def test_article_overview_lists_one_page_of_each_list(client, publication, editor, editor2):
    client.force_login(editor)
    many_articles(publication, editor, editor2, 2000)  # 500 drafts of the editor's
    page = client.get(reverse("desk:article_list")).content.decode()
    assert '我的草稿 <span class="count">500</span>' in page
    assert "第 1 / 25 页" in page and "drafts_page=2" in page and "下一页" in page
    second = client.get(reverse("desk:article_list"), {"drafts_page": 2, "returned_page": 3}).content.decode()
    assert "第 2 / 25 页" in second and "第 3 / 25 页" in second and "上一页" in second
    # The other lists' pages are kept in each list's links.
    assert "returned_page=3&amp;drafts_page=3" in second or "drafts_page=2&amp;returned_page=4" in second
