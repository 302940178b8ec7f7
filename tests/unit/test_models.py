import pytest
from django.db import IntegrityError, transaction

from bulletin.models import Issue, Section


@pytest.mark.django_db
def test_serial_number_is_unique_per_publication(publication):
    Issue.objects.create(publication=publication, year=2020, month=9, serial_number=96, year_number=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(publication=publication, year=2020, month=10, serial_number=96, year_number=10)


@pytest.mark.django_db
def test_same_serial_allowed_in_another_publication(publication):
    from bulletin.models import Publication

    other = Publication.objects.create(name="另一刊物", slug="other")
    Issue.objects.create(publication=publication, year=2020, month=9, serial_number=96)
    Issue.objects.create(publication=other, year=2020, month=9, serial_number=96)
    assert Issue.objects.filter(serial_number=96).count() == 2


@pytest.mark.django_db
def test_unpublished_issues_have_no_serial_and_do_not_clash(publication):
    Issue.objects.create(publication=publication, year=2020, month=9)
    Issue.objects.create(publication=publication, year=2020, month=10)
    assert list(Issue.objects.values_list("serial_number", flat=True)) == [None, None]


@pytest.mark.django_db
def test_one_issue_per_publication_and_month(publication):
    Issue.objects.create(publication=publication, year=2020, month=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(publication=publication, year=2020, month=10)


@pytest.mark.django_db
def test_month_must_be_1_to_12(publication):
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(publication=publication, year=2020, month=13)


@pytest.mark.django_db
def test_sections_come_in_configured_order(publication):
    names = [s.name for s in publication.sections.all()]
    assert names == ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
    # Reordering is a matter of positions, and the order follows.
    Section.objects.filter(publication=publication, name="民生视点").update(position=0)
    assert publication.sections.first().name == "民生视点"


@pytest.mark.django_db
def test_section_names_unique_per_publication(publication):
    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(publication=publication, name="时政要点", position=9)


@pytest.mark.django_db
def test_issue_inherits_publication_visibility(publication):
    issue = Issue.objects.create(publication=publication, year=2020, month=10)
    assert issue.visibility == publication.default_visibility


@pytest.mark.django_db
def test_roles_exist_as_groups():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"editor", "approver", "head", "reader"}


@pytest.mark.django_db
def test_first_serial_cannot_change_after_a_publish(publication):
    from django.core.exceptions import ValidationError

    Issue.objects.create(publication=publication, year=2020, month=10, serial_number=97, year_number=10)
    publication.first_serial_number = 1
    with pytest.raises(ValidationError):
        publication.full_clean()
