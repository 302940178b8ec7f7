"""Frequency (出版周期) as a publication setting: a quarterly numbered, archived and in the
chronicle by its quarters; a bimonthly's periods; an irregular publication's 专刊 and 增刊 in one
month; back issues imported into a quarterly take its quarters."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from bulletin import publishing
from bulletin.importing.parser import parse_text
from bulletin.models import Issue
from bulletin.publishing import IssueError
from common import periods
from common.checks import CheckLevel
from editorial.models import Article
from tests.conftest import BACK_ISSUE_SERIES_START, start_series_at

pytestmark = pytest.mark.django_db

APPROVED = Article.Status.APPROVED


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def set_frequency(publication, frequency):
    publication.frequency = frequency
    # The undated article below is for the chronicle's undated list: the date check only warns.
    publication.check_event_date = CheckLevel.WARN
    publication.save(update_fields=["frequency", "check_event_date"])
    return publication


def publish_with(issue, make_article, editor, head, *, event_date):
    """Assemble (a focus article and one more), submit, sign off and publish."""
    focus = make_article(title=f"{issue.month_label}焦点", section="本期焦点", status=APPROVED, event_date=event_date)
    other = make_article(title=f"{issue.month_label}要闻", section="时政要点", status=APPROVED, event_date=None)
    publishing.add_article(issue, focus, by=editor)
    publishing.add_article(issue, other, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    return publishing.publish_issue(issue, by=head)


def test_period_labels():
    assert periods.period_label(periods.MONTHLY, 2020, 9) == "2020年9月"
    assert periods.period_label(periods.BIMONTHLY, 2020, 10) == "2020年9–10月"
    assert periods.period_label(periods.QUARTERLY, 2020, 8) == "2020年第三季度"
    assert periods.period_label(periods.IRREGULAR, 2020, 8, "专刊（抗洪抢险）") == "2020年专刊（抗洪抢险）"
    assert [name for _m, name in periods.period_choices(periods.QUARTERLY)] == [
        "第一季度", "第二季度", "第三季度", "第四季度"
    ]


def test_a_quarterly_is_numbered_archived_and_in_the_chronicle_by_quarter(
    client, publication, make_article, editor, head
):
    set_frequency(publication, periods.QUARTERLY)
    # Any month of the quarter names it: February is the first quarter, May the second.
    first = publishing.create_issue(publication, year=2020, month=2, by=editor)
    second = publishing.create_issue(publication, year=2020, month=5, by=editor)
    assert (first.month_label, second.month_label) == ("2020年第一季度", "2020年第二季度")
    # One issue per quarter.
    with pytest.raises(IssueError, match="2020年第一季度已有一期"):
        publishing.create_issue(publication, year=2020, month=3, by=editor)
    # The quarter's deadlines fall in its last month (the rule: 截稿 5th … 出版 15th).
    assert (first.draft_due, first.publish_due) == (datetime.date(2020, 3, 5), datetime.date(2020, 3, 15))

    first = publish_with(first, make_article, editor, head, event_date=datetime.date(2020, 2, 10))
    second = publish_with(second, make_article, editor, head, event_date=datetime.date(2020, 5, 20))
    assert (first.year_number, first.serial_number) == (1, 97)
    assert (second.year_number, second.serial_number) == (2, 98)

    archive = text(client.get(reverse("reader:archive", args=[publication.slug])))
    assert "2020年 大事记 2020年第二季度 第2期 · 总第98期" in archive
    assert "2020年第一季度 第1期 · 总第97期" in archive

    issue_page = text(client.get(second.get_absolute_url()))
    assert "测试区大事月报 2020年第二季度 第2期（总第98期）" in issue_page

    chronicle = text(client.get(reverse("reader:chronicle", args=[publication.slug, 2020])))
    assert "2020年第一季度（第1期，总第97期）" in chronicle
    assert "2020年第二季度（第2期，总第98期）" in chronicle
    # An article without an event date is listed under its issue's quarter.
    assert "2020年第二季度要闻" in chronicle.split("缺少事件日期的条目")[1]

    # The PDF's masthead names the quarter too.
    from bulletin.pdf.render import render_issue_html
    from bulletin.rendering import issue_layout

    assert '<p class="masthead-period">2020年第二季度</p>' in render_issue_html(issue_layout(second))

    desk = client
    desk.force_login(editor)
    assert "2020年第二季度" in text(desk.get(reverse("desk:issue_list")))


def test_the_new_issue_form_of_a_quarterly_offers_quarters(client, publication, editor):
    set_frequency(publication, periods.QUARTERLY)
    client.force_login(editor)
    page = client.get(reverse("desk:issue_list")).content.decode()
    assert re.findall(r'<option value="(\d+)"[^>]*>(第.季度)</option>', page) == [
        ("1", "第一季度"), ("4", "第二季度"), ("7", "第三季度"), ("10", "第四季度")
    ]
    response = client.post(reverse("desk:issue_list"), {"publication": publication.pk, "year": 2021, "month": 7})
    issue = Issue.objects.get()
    assert response.status_code == 302 and issue.month_label == "2021年第三季度"


def test_a_bimonthly_issue_covers_two_months(publication, editor):
    set_frequency(publication, periods.BIMONTHLY)
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    assert (issue.month, issue.month_label) == (9, "2020年9–10月")
    with pytest.raises(IssueError, match="2020年9–10月已有一期"):
        publishing.create_issue(publication, year=2020, month=9, by=editor)


def test_an_irregular_publication_brings_out_a_special_issue_in_the_month_of_another(
    client, publication, make_article, editor, head
):
    set_frequency(publication, periods.IRREGULAR)
    client.force_login(editor)
    client.post(reverse("desk:issue_list"), {
        "publication": publication.pk, "year": 2020, "month": 8, "title": "专刊（抗洪抢险）",
    })
    client.post(reverse("desk:issue_list"), {"publication": publication.pk, "year": 2020, "month": 8, "title": "增刊"})
    special, supplement = Issue.objects.order_by("pk")
    assert (special.month_label, supplement.month_label) == ("2020年专刊（抗洪抢险）", "2020年增刊")
    publish_with(special, make_article, editor, head, event_date=datetime.date(2020, 8, 3))
    supplement = publish_with(supplement, make_article, editor, head, event_date=datetime.date(2020, 8, 9))
    assert supplement.numbers_label == "第2期（总第98期）"
    archive = text(client.get(reverse("reader:archive", args=[publication.slug])))
    assert "2020年增刊 第2期" in archive and "2020年专刊（抗洪抢险） 第1期" in archive


def test_changing_the_frequency_leaves_existing_issues_as_they_were(publication, editor):
    october = publishing.create_issue(publication, year=2020, month=10, by=editor)
    set_frequency(publication, periods.QUARTERLY)
    october.refresh_from_db()
    assert october.month_label == "2020年10月"
    later = publishing.create_issue(publication, year=2021, month=1, by=editor)
    assert later.month_label == "2021年第一季度"


# --- import ----------------------------------------------------------------------------------


def test_a_back_issue_imported_into_a_quarterly_takes_its_quarter(publication, editor, own_issue):
    """The tests' own issue is dated “2021年10月”: in a quarterly it is the fourth quarter."""
    start_series_at(set_frequency(publication, periods.QUARTERLY), BACK_ISSUE_SERIES_START)
    out = io.StringIO()
    call_command("import_issue", str(own_issue.path), "--as", "editor", "--create-sections", stdout=out)
    issue = Issue.objects.get()
    assert (issue.frequency, issue.month, issue.month_label) == (periods.QUARTERLY, 10, "2021年第四季度")


def test_a_masthead_naming_a_quarter_or_two_months(own_issue):
    original = own_issue.path.read_text(encoding="utf-8")
    quarter = parse_text(original.replace("2021年10月\n", "2021年第三季度\n", 1))
    assert (quarter.period, quarter.month, quarter.period_label) == (periods.QUARTERLY, 7, "2021年第三季度")
    months = parse_text(original.replace("2021年10月\n", "2021年9—10月\n", 1))
    assert (months.period, months.month, months.period_label) == (periods.BIMONTHLY, 9, "2021年9–10月")
    # Events of the quarter's later months stay in its year.
    assert all(a.event_date.year == 2021 for a in quarter.articles if a.event_date)
