"""The back-issue import's writing step runs on the worker (bulletin/importing/jobs.py): confirming
the preview starts a job and shows its progress page, which reaches 已完成 with a link to the
imported issue; a job that fails records why in Chinese and leaves nothing written, and 重试
imports the file once the cause is fixed; the replacement request is filed the same way."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bulletin import jobs
from bulletin.importing import jobs as import_jobs
from bulletin.models import BackgroundJob, BackIssueReplacement, Issue, Section
from common.storage import private_storage, write_atomically
from editorial.models import Article
from tests.unit.test_chronicle_exports import run_worker
from tests.unit.test_import_issue import INVENTED_TXT, counts, run, upload, write

pytestmark = pytest.mark.django_db

Status = BackgroundJob.Status
JOB_PAGE = "desk:job_detail"


@pytest.fixture
def publication(publication):
    from tests.conftest import BACK_ISSUE_SERIES_START, start_series_at

    return start_series_at(publication, BACK_ISSUE_SERIES_START)


def confirm(client, capture, token, **extra):
    """POST 确认导入 as the browser does; the job's task is queued as the request commits."""
    with capture(execute=True):
        return client.post(reverse("desk:import_confirm"), {"token": token, **extra})


def import_job() -> BackgroundJob:
    return BackgroundJob.objects.filter(kind=import_jobs.KIND).latest("pk")


def test_the_import_job_writes_the_issue_and_its_page_reaches_done(
    client, publication, editor, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    token = upload(client, "issue.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    response = confirm(client, django_capture_on_commit_callbacks, token)
    job = import_job()
    assert response.status_code == 302 and response["Location"] == reverse(JOB_PAGE, args=[job.pk])
    assert (job.status, job.requested_by, job.params) == (Status.QUEUED, editor, {"token": token, "replace": False})
    assert Issue.objects.count() == 0  # nothing is written by the request
    # Confirming again while it waits is the same job, not a second import.
    assert confirm(client, django_capture_on_commit_callbacks, token)["Location"] == response["Location"]

    run_worker()

    job.refresh_from_db()
    issue = Issue.objects.get(serial_number=101)
    assert job.status == Status.DONE and job.result["issue"] == issue.pk and job.result["articles"] == 2
    assert issue.placements.count() == 2 and issue.status == Issue.Status.PUBLISHED
    page = client.get(response["Location"]).content.decode()
    done = reverse("desk:import_done", args=[issue.pk])
    assert "已完成" in page and f'href="{done}"' in page
    result = client.get(done).content.decode()
    assert "已导入 2 个栏目、2 篇文章" in result and "刊尾“邮箱”与刊物设置不一致" in result
    # The staged file went with the import: the preview's button cannot import it twice.
    again = client.post(reverse("desk:import_confirm"), {"token": token}, follow=True)
    assert "预览已过期" in again.content.decode() and Issue.objects.count() == 1


def test_a_failing_import_records_why_and_retry_succeeds_once_the_cause_is_fixed(
    client, publication, editor, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    token = upload(client, "issue.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    before = counts()
    page_url = confirm(client, django_capture_on_commit_callbacks, token)["Location"]
    # While the job waits for the worker, someone renames a section the file uses.
    section = Section.objects.get(publication=publication, name="民生视点")
    Section.objects.filter(pk=section.pk).update(name="民生关注")
    run_worker()

    job = import_job()
    assert job.status == Status.FAILED
    assert "未知栏目“民生视点”" in job.failure and job.failure.startswith("第 ")
    assert counts() == before and not Article.objects.exists()  # nothing half-written
    page = client.get(page_url).content.decode()
    assert "未知栏目“民生视点”" in page and "重试" in page

    Section.objects.filter(pk=section.pk).update(name="民生视点")  # the cause is fixed
    with django_capture_on_commit_callbacks(execute=True):
        jobs.retry_job(job, by=editor)
    run_worker()
    job.refresh_from_db()
    assert job.status == Status.DONE and job.failure == "" and job.attempts == 2
    assert Issue.objects.get(serial_number=101).placements.count() == 2


def test_the_worker_checks_the_uploaders_membership_again(
    client, publication, editor, django_capture_on_commit_callbacks
):
    from bulletin.models import Publication
    from editorial.models import PublicationMembership

    client.force_login(editor)
    token = upload(client, "issue.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    confirm(client, django_capture_on_commit_callbacks, token)
    # The editor is moved to another publication before the worker gets to the job.
    other = Publication.objects.create(name="测试区志鉴通讯", slug="test-zjtx")
    PublicationMembership.objects.filter(user=editor).delete()
    PublicationMembership.objects.create(user=editor, publication=other)
    run_worker()
    job = import_job()
    assert job.status == Status.FAILED and "不是《测试区大事月报》的成员" in job.failure
    assert not Issue.objects.exists()


def test_the_replacement_request_is_filed_by_the_worker(
    client, publication, editor, head, tmp_path, django_capture_on_commit_callbacks
):
    run(write(tmp_path, "a.txt", INVENTED_TXT), "--as", "editor")
    before = counts()
    client.force_login(editor)
    token = upload(client, "again.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    page_url = confirm(client, django_capture_on_commit_callbacks, token, replace="1")["Location"]
    assert page_url == reverse(JOB_PAGE, args=[import_job().pk])
    run_worker()
    request = BackIssueReplacement.objects.get()
    assert request.is_pending and request.requested_by == editor and counts() == before
    page = client.get(page_url).content.decode()
    assert f'href="{reverse("desk:import_replacement", args=[request.pk])}"' in page


def test_a_run_after_a_lost_worker_does_not_import_twice(client, publication, editor, django_capture_on_commit_callbacks):
    client.force_login(editor)
    token = upload(client, "issue.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    confirm(client, django_capture_on_commit_callbacks, token)
    job = import_job()
    storage = private_storage()
    staged = {name: storage.open(name).read() for name in (f"imports/{token}.bin", f"imports/{token}.json")}
    # The first run committed the import, then its worker died before marking the job done
    # (and before removing the staged file).
    first = jobs.claim(job.pk, "worker-a")
    import_jobs.run_import_job(first, lambda *args: None)
    for name, data in staged.items():
        write_atomically(storage, name, data)
    BackgroundJob.objects.filter(pk=job.pk).update(lease_until=first.created_at)  # the lease ran out
    second = jobs.claim(job.pk, "worker-b")
    result = import_jobs.run_import_job(second, lambda *args: None)
    assert result["issue"] == Issue.objects.get(serial_number=101).pk
    assert Issue.objects.count() == 1
