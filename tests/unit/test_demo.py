import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bulletin.models import Issue, IssueArticle, Publication, Section
from editorial.models import Article, Revision


def _counts():
    return {
        "publications": Publication.objects.count(),
        "sections": Section.objects.count(),
        "issues": Issue.objects.count(),
        "articles": Article.objects.count(),
        "placements": IssueArticle.objects.count(),
        "revisions": Revision.objects.count(),
        "users": get_user_model().objects.count(),
    }


@pytest.mark.django_db
def test_load_demo_builds_the_sample_shape_and_is_idempotent(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    first = _counts()
    call_command("load_demo")
    assert _counts() == first

    pub = Publication.objects.get(slug="zyq-dsyb")
    assert [s.name for s in pub.sections.all()] == ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
    published = pub.issues.published().order_by("serial_number")
    assert [i.serial_number for i in published] == [95, 96, 97]
    assert Issue.objects.filter(publication=pub, status=Issue.Status.DRAFT).count() == 1
    assert 12 <= Article.objects.count() <= 20
    states = set(Article.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "returned", "approved", "published"} <= states
    # The demo logins are printed for the user, one per role.
    for username in ["editor", "approver", "head", "reader"]:
        assert username in out
    assert "editor-demo-2026" in out


@pytest.mark.django_db
def test_demo_continues_numbering_after_the_back_issues():
    call_command("load_demo")
    pub = Publication.objects.get(slug="zyq-dsyb")
    assert pub.next_serial_number() == 98


@pytest.mark.django_db
def test_demo_month_arithmetic_crosses_years():
    from bulletin.demo import _month_back

    assert _month_back(2027, 1, 1) == (2026, 12)
    assert _month_back(2027, 2, 3) == (2026, 11)
    assert _month_back(2026, 11, 3) == (2026, 8)


@pytest.mark.django_db
def test_demo_in_january_puts_back_issues_in_previous_year():
    from bulletin.demo import load_demo

    load_demo(today=datetime.date(2027, 1, 3))
    years = sorted(Issue.objects.published().values_list("year", "month"))
    assert years == [(2026, 10), (2026, 11), (2026, 12)]


def _previous_month(year, month):
    return (year - 1, 12) if month == 1 else (year, month - 1)


@pytest.mark.django_db
@pytest.mark.parametrize("today, assembling, back", [
    # Up to the 15th (出版) the month's own issue is assembled; from the 16th on, next month's.
    (datetime.date(2026, 1, 3), (2026, 1), [(2025, 10), (2025, 11), (2025, 12)]),
    (datetime.date(2026, 1, 15), (2026, 1), [(2025, 10), (2025, 11), (2025, 12)]),
    (datetime.date(2026, 1, 20), (2026, 2), [(2025, 11), (2025, 12), (2026, 1)]),
    (datetime.date(2026, 2, 28), (2026, 3), [(2025, 12), (2026, 1), (2026, 2)]),
    (datetime.date(2026, 11, 30), (2026, 12), [(2026, 9), (2026, 10), (2026, 11)]),
    (datetime.date(2026, 12, 31), (2027, 1), [(2026, 10), (2026, 11), (2026, 12)]),
])
def test_demo_dates_follow_the_office_convention(today, assembling, back):
    """An issue of month M reports the events of month M−1 (the real 2020年10月 issue reports
    9月17日, 9月7日, …); the issue being assembled still has its 出版 day ahead; nothing is
    dated after today."""
    from bulletin.demo import load_demo

    load_demo(today=today)
    load_demo(today=today)  # idempotent on any day
    pub = Publication.objects.get(slug="zyq-dsyb")

    published = list(pub.issues.published().order_by("serial_number"))
    assert [i.serial_number for i in published] == [95, 96, 97]
    assert [(i.year, i.month) for i in published] == back
    for issue in published:
        assert issue.publication_date == datetime.date(issue.year, issue.month, 15) <= today
        assert issue.published_at.date() <= today
        dates = [p.article.event_date for p in issue.placements.select_related("article")]
        assert dates and all((d.year, d.month) == _previous_month(issue.year, issue.month) for d in dates)

    current = Issue.objects.get(publication=pub, status=Issue.Status.DRAFT)
    assert (current.year, current.month) == assembling
    assert current.publish_due >= today
    assert current.publish_due == pub.schedule_for(current.year, current.month)["publish_due"]
    placed = set(current.placements.values_list("article_id", flat=True))
    in_progress = Article.objects.filter(publication=pub).exclude(placements__issue__status="published")
    assert placed and placed <= set(in_progress.values_list("pk", flat=True))
    for article in in_progress:
        assert (article.event_date.year, article.event_date.month) == _previous_month(*assembling), article.title
    assert not Article.objects.filter(event_date__gt=today).exists()
    # The body names the events' month, as the date does.
    for article in Article.objects.filter(publication=pub):
        assert f"{article.event_date.month}月" in article.body, article.title


@pytest.mark.django_db
def test_demo_loaded_again_on_a_later_day_keeps_its_issues(capsys):
    """bin/serve loads the demo at every start: a database loaded last month keeps its issues."""
    from bulletin.demo import load_demo

    load_demo(today=datetime.date(2026, 11, 5))
    first = _counts()
    months = sorted(Issue.objects.values_list("year", "month", "serial_number"))
    load_demo(today=datetime.date(2026, 12, 20), stdout=None)
    assert _counts() == first
    assert sorted(Issue.objects.values_list("year", "month", "serial_number")) == months


@pytest.mark.django_db
def test_demo_texts_name_no_season():
    from bulletin.demo import BACK_ISSUES, CURRENT_ISSUE_ARTICLES

    texts = [a[1] + a[3] for spec in BACK_ISSUES for a in spec["articles"]]
    texts += [a[1] + a[3] for a in CURRENT_ISSUE_ARTICLES]
    for word in ["春", "夏", "秋", "冬", "教师节", "开学", "季度", "前十个月", "供暖", "防汛", "全年", "年底", "年初"]:
        assert not any(word in text for text in texts), word
