"""The chronicle (大事记): published articles of a period by event date, as page, PDF and .docx."""

import datetime
import io
import re
import subprocess

import pytest
from django.urls import reverse

from bulletin.chronicle import first_sentence
from bulletin.models import BackgroundJob, Issue, IssueArticle, Visibility
from bulletin.publishing import publish_back_issue
from editorial.models import Article


@pytest.fixture
def publish(publication, make_article):
    # Back issues lie below the first number Bulletin publishes (97 in the test publication).
    back_serials = iter(range(96, 0, -1))

    def make(year, month, articles, visibility=Visibility.PUBLIC):
        publication.refresh_from_db()
        issue = Issue.objects.create(publication=publication, year=year, month=month, visibility=visibility)
        for position, (title, event_date) in enumerate(articles):
            article = make_article(
                title=title, event_date=event_date, status=Article.Status.APPROVED,
                body=f"<p>{title}的第一句话。第二句不进摘要！</p><p>另一段。</p>",
            )
            IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=position)
        return publish_back_issue(issue, year_number=month, serial_number=next(back_serials))

    return make


@pytest.fixture
def year_2021(publish, make_article):
    # Issues out of order and articles out of order inside them: the chronicle sorts by event date.
    publish(2021, 6, [("六月稿：防汛演练", datetime.date(2021, 6, 20)), ("未注日期的稿件", None),
                      ("五月稿：补记", datetime.date(2021, 5, 30))])
    publish(2021, 3, [("三月稿：植树节", datetime.date(2021, 3, 12)), ("一月稿：新年慰问", datetime.date(2021, 1, 2))])
    publish(2022, 1, [("跨年稿：年末总结", datetime.date(2021, 12, 31)), ("次年稿", datetime.date(2022, 1, 5))])
    publish(2021, 9, [("内部稿：专题会议", datetime.date(2021, 9, 1))], visibility=Visibility.INTERNAL)
    make_article(title="草稿不进大事记", event_date=datetime.date(2021, 4, 1))


EXPECTED = ["一月稿：新年慰问", "三月稿：植树节", "五月稿：补记", "六月稿：防汛演练", "跨年稿：年末总结"]


def test_first_sentence():
    assert first_sentence("9月17日，会议召开。会议要求……") == "9月17日，会议召开。"
    assert first_sentence("没有句号的标题式正文") == "没有句号的标题式正文"
    assert first_sentence("真的吗？是的。") == "真的吗？"
    assert first_sentence("") == ""


@pytest.mark.django_db
def test_chronicle_page_lists_entries_by_event_date_undated_last(client, year_2021):
    response = client.get(reverse("reader:chronicle", args=["test-dsyb", 2021]))
    assert response.status_code == 200
    chronicle = response.context["chronicle"]
    assert [e.title for e in chronicle.dated] == EXPECTED
    assert [e.title for e in chronicle.undated] == ["未注日期的稿件"]
    html = response.content.decode()
    positions = [html.index(t) for t in [*EXPECTED, "未注日期的稿件"]]
    assert positions == sorted(positions)
    assert "缺少事件日期" in html
    assert "一月稿：新年慰问的第一句话。" in html and "第二句不进摘要" not in html
    assert "1月2日" in html
    first = chronicle.dated[0]
    assert client.get(first.url).status_code == 200  # the link leads to the article
    assert "内部稿" not in html and "登录</a>后可查看" in html
    assert "草稿不进大事记" not in html


@pytest.mark.django_db
def test_chronicle_breadcrumb_starts_at_the_home_page_like_the_archive(client, year_2021):
    html = client.get(reverse("reader:chronicle", args=["test-dsyb", 2021])).content.decode()
    home, archive = reverse("reader:home"), reverse("reader:archive", args=["test-dsyb"])
    assert (
        f'<nav class="breadcrumbs" aria-label="位置"><a href="{home}">首页</a> › '
        f'<a href="{archive}">测试区大事月报</a> › 2021年大事记</nav>'
    ) in html


@pytest.mark.django_db
def test_chronicle_shows_internal_entries_to_readers(client, year_2021, reader):
    client.force_login(reader)
    chronicle = client.get(reverse("reader:chronicle", args=["test-dsyb", 2021])).context["chronicle"]
    assert "内部稿：专题会议" in [e.title for e in chronicle.dated]


@pytest.mark.django_db
def test_chronicle_date_range(client, year_2021):
    url = reverse("reader:chronicle", args=["test-dsyb", 2021])
    chronicle = client.get(url, {"start": "2021-03-01", "end": "2021-05-31"}).context["chronicle"]
    assert [e.title for e in chronicle.dated] == ["三月稿：植树节", "五月稿：补记"]
    assert chronicle.undated == []  # its issue (June) is outside the range

    response = client.get(url, {"start": "2021-12-01", "end": "2021-01-01"})
    assert response.status_code == 200
    assert "起始日期晚于结束日期" in response.content.decode()
    assert client.get(url, {"start": "garbage"}).status_code == 200


@pytest.mark.django_db
def test_chronicle_unknown_publication_is_404_and_does_not_clash_with_issues(client, year_2021):
    assert client.get("/no-such/chronicle/2021/").status_code == 404
    assert client.get(reverse("reader:issue", args=["test-dsyb", 96])).status_code == 200


def exported(client, capture, url, query=None):
    """The export as a reader gets it: the link starts the worker's job, the progress page's
    download link serves the stored file (tests/unit/test_chronicle_exports.py)."""
    from tests.unit.test_chronicle_exports import run_worker

    with capture(execute=True):
        waiting = client.get(url, query or {})
    assert waiting.status_code == 302 and "/chronicle/exports/" in waiting["Location"]
    run_worker()
    page = client.get(waiting["Location"]).content.decode()
    download = re.search(r'href="([^"]+/download/)"', page).group(1)
    response = client.get(download)
    response.body = b"".join(response.streaming_content)
    return response


@pytest.mark.django_db
def test_chronicle_pdf(client, year_2021, tmp_path, django_capture_on_commit_callbacks):
    response = exported(client, django_capture_on_commit_callbacks, reverse("reader:chronicle_pdf", args=["test-dsyb", 2021]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.body.startswith(b"%PDF")
    pdf = tmp_path / "chronicle.pdf"
    pdf.write_bytes(response.body)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    positions = [compact.index(t) for t in [*EXPECTED, "未注日期的稿件"]]
    assert positions == sorted(positions)
    assert "内部稿" not in compact
    assert "2021年1月2日" in compact


@pytest.mark.django_db
def test_chronicle_docx(client, year_2021, django_capture_on_commit_callbacks):
    import docx

    response = exported(client, django_capture_on_commit_callbacks,
                        reverse("reader:chronicle_docx", args=["test-dsyb", 2021]), {"end": "2021-06-30"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.body))
    paragraphs = [p.text for p in document.paragraphs]
    assert "大事记" in paragraphs[0]
    body = "\n".join(paragraphs)
    expected = ["一月稿：新年慰问", "三月稿：植树节", "五月稿：补记", "六月稿：防汛演练", "未注日期的稿件"]
    positions = [body.index(t) for t in expected]
    assert positions == sorted(positions)
    assert "跨年稿" not in body  # outside the chosen range
    # East Asian font set so Word shows the text in 宋体/黑体 rather than a fallback.
    assert 'w:eastAsia="宋体"' in document.styles["Normal"].element.xml


@pytest.mark.django_db
def test_chronicle_bad_dates_are_reported_not_silently_ignored(client, year_2021):
    url = reverse("reader:chronicle", args=["test-dsyb", 2021])
    for start, end in [("2021-13-01", ""), ("2021-02-30", "2021-05-31"), ("garbage", "2021-05-31"),
                       ("2021-03-01", "31/05/2021"), ("0001-01-01", "9999-12-31")]:
        response = client.get(url, {"start": start, "end": end})
        assert response.status_code == 200
        html = response.content.decode()
        assert "日期无效" in html, (start, end)
        assert "已显示全年" in html
        assert response.context["chronicle"].is_whole_year
        assert [e.title for e in response.context["chronicle"].dated] == EXPECTED
    # one valid bound alone is a range, without complaint
    response = client.get(url, {"end": "2021-05-31"})
    assert "无效" not in response.content.decode()
    assert [e.title for e in response.context["chronicle"].dated] == EXPECTED[:3]
    for export in ("reader:chronicle_pdf", "reader:chronicle_docx"):
        # A bad date in an export link exports the whole year (made by the worker: its progress page).
        response = client.get(reverse(export, args=["test-dsyb", 2021]), {"start": "2021-13-01"})
        assert response.status_code == 302 and "/chronicle/exports/" in response["Location"]
    assert {(j.params["start"], j.params["end"]) for j in BackgroundJob.objects.all()} == {("2021-01-01", "2021-12-31")}


@pytest.mark.django_db
def test_a_period_with_only_undated_entries_does_not_claim_to_be_empty(client, year_2021, django_capture_on_commit_callbacks):
    query = {"start": "2021-06-21", "end": "2021-06-30"}
    response = client.get(reverse("reader:chronicle", args=["test-dsyb", 2021]), query)
    chronicle = response.context["chronicle"]
    assert chronicle.dated == [] and [e.title for e in chronicle.undated] == ["未注日期的稿件"]
    html = response.content.decode()
    assert "未注日期的稿件" in html and "没有已发布的稿件" not in html

    pdf = exported(client, django_capture_on_commit_callbacks, reverse("reader:chronicle_pdf", args=["test-dsyb", 2021]), query).body
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "未注日期的稿件" in text and "没有已发布的稿件" not in text

    # a period with nothing at all still says so
    response = client.get(reverse("reader:chronicle", args=["test-dsyb", 2021]), {"start": "2021-02-01", "end": "2021-02-28"})
    assert "该时段没有已发布的稿件" in response.content.decode()


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


@pytest.mark.django_db
def test_the_public_chronicle_is_kept_whole_and_a_change_shows_at_once(client, year_2021, publish, reader, head, editor):
    """config/pagecache.py keeps the year's page for visitors without a session under
    the public pages' generation: sent again without rebuilding, rebuilt after any publish,
    withdrawal or erratum, never with an internal entry, never for a chosen range."""
    from bulletin.publishing import approve_erratum, propose_erratum, withdraw_issue

    page = reverse("reader:chronicle", args=["test-dsyb", 2021])
    # The PDF and the .docx are stored files made once per content by the worker instead
    # (bulletin/chronicle_exports.py, tests/unit/test_chronicle_exports.py).
    for url in (page,):
        first, cold = _queries(client, url)
        second, warm = _queries(client, url)
        assert warm == 1 < cold, (url, cold, warm)  # only the generation is read
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]
        assert second.get("Content-Disposition") == first.get("Content-Disposition")

    # A signed-in reader's chronicle (internal entries) is theirs alone.
    client.force_login(reader)
    assert "内部稿：专题会议" in client.get(page).content.decode()
    client.logout()
    response, _ = _queries(client, page)
    assert "内部稿" not in response.content.decode()

    issue = publish(2021, 11, [("十一月稿：新近发布", datetime.date(2021, 11, 8))])
    assert "十一月稿：新近发布" in client.get(page).content.decode()

    withdraw_issue(issue, by=head, reason="内容有误")
    assert "十一月稿：新近发布" not in client.get(page).content.decode()

    _queries(client, page)
    erratum = propose_erratum(Issue.objects.get(year=2021, month=3), text="“植树节”应为“义务植树日”。", by=editor)
    approve_erratum(erratum, by=head)
    _response, after = _queries(client, page)
    assert after > 1  # rebuilt, not the page kept before the erratum

    ranged, ranged_cold = _queries(client, page + "?start=2021-03-01&end=2021-05-31")
    _again, ranged_warm = _queries(client, page + "?start=2021-03-01&end=2021-05-31")
    assert ranged_warm == ranged_cold > 1
