"""The back-issue import and the chronicle exports as jobs, with real commits on PostgreSQL: the
task is queued when the request commits and the db_worker loop runs it; two readers asking for
the same export at the same moment get one job and one file."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from bulletin.models import BackgroundJob, Issue
from common.storage import private_storage, walk
from tests.integration.conftest import _run_concurrently
from tests.unit.test_chronicle_exports import run_worker
from tests.unit.test_import_issue import INVENTED_TXT, upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def publication(publication):
    from tests.conftest import BACK_ISSUE_SERIES_START, start_series_at

    return start_series_at(publication, BACK_ISSUE_SERIES_START)


def test_the_import_job_is_queued_by_the_commit_and_written_by_the_worker(client, publication, editor):
    client.force_login(editor)
    token = upload(client, "issue.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    response = client.post(reverse("desk:import_confirm"), {"token": token})
    job = BackgroundJob.objects.get(kind="back_issue_import")
    assert response["Location"] == reverse("desk:job_detail", args=[job.pk]) and job.task_id  # queued at commit
    assert not Issue.objects.exists()
    run_worker()
    job.refresh_from_db()
    issue = Issue.objects.get(serial_number=101)
    assert job.status == BackgroundJob.Status.DONE and job.result["issue"] == issue.pk
    assert issue.placements.count() == 2 and not list(walk(private_storage(), "imports"))
    assert f'href="{reverse("desk:import_done", args=[issue.pk])}"' in client.get(response["Location"]).content.decode()


def test_two_readers_at_once_get_one_chronicle_export(publication, make_article):
    import datetime

    from bulletin.models import IssueArticle
    from bulletin.publishing import publish_back_issue
    from editorial.models import Article

    issue = Issue.objects.create(publication=publication, year=2021, month=3)
    article = make_article(title="三月稿：植树节", event_date=datetime.date(2021, 3, 12), status=Article.Status.APPROVED)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=0)
    publish_back_issue(issue, year_number=3, serial_number=96)
    url = reverse("reader:chronicle_pdf", args=[publication.slug, 2021])

    results, errors = _run_concurrently([lambda: Client().get(url)["Location"]] * 2)
    assert not errors and len(results) == 2 and results[0] == results[1], (results, errors)
    assert re.fullmatch(rf"/{publication.slug}/chronicle/exports/\d+/", results[0])
    assert BackgroundJob.objects.filter(kind="chronicle_export").count() == 1
    run_worker()
    job = BackgroundJob.objects.get(kind="chronicle_export")
    assert job.status == BackgroundJob.Status.DONE
    assert list(walk(private_storage(), "exports")) == [job.result["storage_name"]]
    served = Client().get(url)  # the next reader: the stored file at once
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"%PDF")
    assert BackgroundJob.objects.count() == 1
