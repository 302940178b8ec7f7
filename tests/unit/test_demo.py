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

    load_demo(today=datetime.date(2027, 1, 20))
    years = sorted(Issue.objects.published().values_list("year", "month"))
    assert years == [(2026, 10), (2026, 11), (2026, 12)]
