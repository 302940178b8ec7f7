"""The thinnest path through the product: write in admin, place, sign off, publish, read."""

import pytest
from django.urls import reverse

from bulletin.models import Issue, IssueArticle, SignOff, Visibility
from bulletin.publishing import PublishError, issue_fingerprint, publish_issue
from editorial.models import Article


@pytest.mark.django_db
def test_article_written_in_admin_is_published_and_readable(client, publication, head, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    section = publication.sections.get(name="本期焦点")
    response = client.post(
        reverse("admin:editorial_article_add"),
        {
            "publication": publication.pk,
            "section": section.pk,
            "title": "区政务服务中心启用新大厅",
            "event_date": "2020-09-17",
            "body": "<p>9月17日，区政务服务中心新大厅正式启用。</p>",
            "author": admin.pk,
            "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0,
            "transitions-TOTAL_FORMS": 0, "transitions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(title="区政务服务中心启用新大厅")
    assert article.revisions.count() == 1

    issue = Issue.objects.create(publication=publication, year=2020, month=10, focus_article=article)
    IssueArticle.objects.create(issue=issue, article=article, section=section, position=0)
    article.status = Article.Status.APPROVED
    article.save()
    issue.status = Issue.Status.SIGNED_OFF
    issue.save()
    SignOff.objects.create(issue=issue, signed_by=head, content_hash=issue_fingerprint(issue))

    publish_issue(issue, by=head)
    assert (issue.year_number, issue.serial_number) == (1, 97)

    client.logout()
    page = client.get("/test-dsyb/97/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "区政务服务中心启用新大厅" in html
    assert "总第97期" in html
    assert "区政务服务中心新大厅正式启用" in html


@pytest.mark.django_db
def test_publish_refused_without_sign_off(publication, make_article, editor):
    article = make_article(status=Article.Status.APPROVED)
    issue = Issue.objects.create(publication=publication, year=2020, month=10, focus_article=article)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section)
    with pytest.raises(PublishError, match="签发"):
        publish_issue(issue, by=editor)
    issue.refresh_from_db()
    assert issue.serial_number is None


@pytest.mark.django_db
def test_internal_issue_needs_a_reader_login(client, signed_off_issue, head, reader, outsider):
    issue = signed_off_issue(visibility=Visibility.INTERNAL)
    publish_issue(issue, by=head)
    url = f"/test-dsyb/{issue.serial_number}/"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 302
    client.force_login(reader)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_unknown_or_unpublished_issue_is_404(client, publication):
    Issue.objects.create(publication=publication, year=2020, month=10)
    assert client.get("/test-dsyb/97/").status_code == 404
    assert client.get("/nope/1/").status_code == 404
