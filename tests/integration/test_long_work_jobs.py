"""Chronicle exports as jobs, with real commits on PostgreSQL: the task is queued when the request
commits and the db_worker loop runs it; two readers asking for the same export at the same moment
get one job and one file."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from bulletin.models import BackgroundJob, Issue
from common.storage import private_storage, walk
from tests.integration.conftest import _run_concurrently
from tests.unit.test_chronicle_exports import run_worker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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
