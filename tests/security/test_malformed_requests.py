"""Malformed requests that gave a 500 (issue #10, "No input gives a 500"): NUL bytes in free text
and filters, non-numbers and Unicode digits where a number is expected, numbers beyond what the
database stores. Each one now gets a Chinese message (a form error, a message on the next page,
or the 400/404 page) and changes nothing."""

import pytest
from django.test import Client

from bulletin import publishing
from bulletin.models import Erratum, Issue, IssueEvent

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def issues(publication, signed_off_issue, editor, head, make_article):
    """A published issue, a submitted one and a draft one of the test publication."""
    published = signed_off_issue(year=2020, month=10)
    publishing.publish_issue(published, by=editor)
    submitted = signed_off_issue(year=2020, month=11)
    Issue.objects.filter(pk=submitted.pk).update(status=Issue.Status.SUBMITTED)
    draft = Issue.objects.create(publication=publication, year=2021, month=1)
    published.refresh_from_db()
    return {"published": published, "submitted": submitted, "draft": draft}


def client_for(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def text_of(response, client):
    """What the user sees: the page, or the page a redirect leads to (with its messages)."""
    if response.status_code in (301, 302):
        response = client.get(response["Location"])
    return response.status_code, response.content.decode()


def test_nul_in_erratum_text_is_refused_in_chinese(issues, editor):
    client = client_for(editor)
    issue = issues["published"]
    response = client.post(f"/desk/issues/{issue.pk}/errata/", {"text": "第3页\x00“张三”应为“李四”"})
    status, html = text_of(response, client)
    assert status in (200, 400)
    assert "无效字符" in html
    assert not Erratum.objects.exists()


def test_nul_in_withdraw_reason_is_refused_in_chinese(issues, head):
    client = client_for(head)
    issue = issues["published"]
    response = client.post(f"/desk/issues/{issue.pk}/withdraw/", {"reason": "有误\x00"})
    status, html = text_of(response, client)
    assert status in (200, 400) and "无效字符" in html
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED


def test_nul_in_return_comment_is_refused_in_chinese(issues, head):
    client = client_for(head)
    issue = issues["submitted"]
    response = client.post(f"/desk/issues/{issue.pk}/signoff/", {"action": "return", "comment": "请改\x00"})
    status, html = text_of(response, client)
    assert status in (200, 400) and "无效字符" in html
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SUBMITTED
    assert not issue.events.filter(action=IssueEvent.Action.RETURNED).exists()


def test_nul_in_search_parameters_is_a_400_in_chinese(issues, editor):
    client = client_for(editor)
    for url in ["/search/", "/desk/search/"]:
        for param in ["q", "publication", "section", "year", "sort", "page"]:
            response = client.get(url, {"q": "稿件", param: "a\x00b"})
            assert response.status_code == 400, (url, param)
            assert "无效字符" in response.content.decode()


def test_nul_in_a_script_request_is_a_json_400(issues, editor, make_article):
    article = make_article()
    response = client_for(editor).post(
        f"/desk/articles/{article.pk}/autosave/", {"title": "标题\x00", "version": "1"}, HTTP_ACCEPT="*/*"
    )
    assert response.status_code == 400
    assert "无效字符" in response.json()["message"]
    article.refresh_from_db()
    assert article.version == 1


def test_issue_creation_with_a_bad_month_year_or_publication_is_a_message(issues, editor, publication):
    client = client_for(editor)
    before = Issue.objects.count()
    cases = [{"month": month} for month in ["abc", "²", "-1", HUGE, "1e3", "", "١"]]
    cases += [{"year": year} for year in ["abc", "²⁰²⁶", HUGE, "-2026"]]
    for case in cases:
        response = client.post("/desk/issues/", {"publication": publication.pk, "year": "2026", "month": "3", **case})
        status, html = text_of(response, client)
        assert status == 200 and "请填写正确的年份" in html, case
    for value in ["²", "١", HUGE, "-1", "abc", "0", ""]:
        response = client.post("/desk/issues/", {"publication": value, "year": "2026", "month": "3"})
        status, html = text_of(response, client)
        assert status == 200 and "请选择刊物" in html, value
    assert Issue.objects.count() == before


def test_assembly_operations_with_bad_ids_are_messages(issues, editor):
    client = client_for(editor)
    issue = issues["draft"]
    for verb in ["add", "remove", "up", "down", "focus", "section", "section_up", "reorder"]:
        for arg in ["²", "١٢", HUGE, "-5", "abc", ""]:
            response = client.post(
                f"/desk/issues/{issue.pk}/assemble/",
                {"op": f"{verb}:{arg}", f"section-{arg}": arg, "order": f"{arg},{HUGE}"},
            )
            assert response.status_code == 302, (verb, arg)
            status, html = text_of(response, client)
            assert status == 200 and "请刷新" in html or "栏目" in html, (verb, arg)
    assert issue.placements.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        f"/test-dsyb/{HUGE}/",
        f"/test-dsyb/{HUGE}.pdf",
        f"/test-dsyb/97/{HUGE}/",
        f"/test-dsyb/chronicle/{HUGE}/",
        f"/test-dsyb/chronicle/{HUGE}.pdf",
        f"/desk/articles/{HUGE}/",
        f"/desk/articles/{HUGE}/edit/",
        f"/desk/articles/{HUGE}/compare/",
        f"/desk/issues/{HUGE}/",
        f"/desk/issues/{HUGE}/preview/",
        f"/desk/import/done/{HUGE}/",
        "/test-dsyb/9223372036854775808/",
        "/desk/issues/9223372036854775807/",
    ],
)
def test_numbers_out_of_range_in_urls_are_404(db, editor, url):
    response = client_for(editor).get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_out_of_range_numbers_in_post_urls_are_404(issues, head):
    client = client_for(head)
    pk = issues["published"].pk
    for url in [f"/desk/articles/1/revisions/{HUGE}/restore/", f"/desk/issues/{pk}/errata/{HUGE}/approve/",
                f"/desk/issues/{HUGE}/errata/1/approve/", "/desk/issues/999999999999999999/errata/1/approve/"]:
        assert client.post(url).status_code == 404, url


def test_search_year_and_page_out_of_range_are_ignored(issues, editor):
    client = client_for(editor)
    for url in ["/search/", "/desk/search/"]:
        for value in [HUGE, "-5", "²", "0", "abc", "١٩٩٩"]:
            assert client.get(url, {"q": "稿件", "year": value}).status_code == 200, (url, value)
            assert client.get(url, {"q": "稿件", "page": value}).status_code == 200, (url, value)


def test_article_list_month_filter_with_bad_values_is_a_form_error(db, editor):
    client = client_for(editor)
    for month in ["99999-01", "2020-²", "0-1", "2020-13", f"{HUGE}-1", "abc", "２０２０-09", "2020-09-01"]:
        response = client.get("/desk/articles/", {"month": month})
        assert response.status_code == 200, month
        assert "月份格式应为 2020-09。" in response.content.decode(), month
    assert "月份格式" not in client.get("/desk/articles/", {"month": "2020-09"}).content.decode()


def test_article_pages_with_bad_numbers_are_messages(db, editor, make_article):
    article = make_article()
    client = client_for(editor)
    for value in ["²", HUGE, "-1", "abc"]:
        response = client.get(f"/desk/articles/{article.pk}/compare/", {"a": value, "b": value})
        assert response.status_code == 200, value
        response = client.post(f"/desk/articles/{article.pk}/action/", {"action": "submit", "version": value})
        assert text_of(response, client)[0] == 200, value
        response = client.post(f"/desk/articles/{article.pk}/revisions/1/restore/", {"version": value})
        assert text_of(response, client)[0] == 200, value
