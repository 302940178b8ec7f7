"""The issue PDF and the search re-index as background jobs (BULLETIN_PDF_ON_PUBLISH="task", the
default): publishing and errata queue the render, the background worker (django-tasks-db's
db_worker loop) renders it, a reader who asks first is told "PDF 正在生成" and the web process never
renders; the desk's progress page shows the job, its failure and 重试."""

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from bulletin import jobs, publishing
from bulletin.models import BackgroundJob
from bulletin.pdf import store as pdf_store
from editorial.models import Article

Status = BackgroundJob.Status


def run_worker():
    """What `manage.py db_worker --batch` does: run every task that is due, then return."""
    Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    ).run()


@pytest.fixture
def task_mode(settings):
    settings.BULLETIN_PDF_ON_PUBLISH = "task"


@pytest.mark.django_db(transaction=True)
def test_publishing_queues_the_render_and_a_reader_waits_for_it(client, task_mode, signed_off_issue, head):
    renders = pdf_store.render_count
    issue = publishing.publish_issue(signed_off_issue(), by=head)
    job = BackgroundJob.objects.get(kind="issue_pdf")
    assert (job.status, job.params) == (Status.QUEUED, {"issue": issue.pk})
    assert pdf_store.stored_pdf_name(issue) is None and pdf_store.render_count == renders

    waiting = client.get(issue.get_pdf_url())
    assert waiting.status_code == 503 and waiting["Retry-After"] == "5"
    assert "no-store" in waiting["Cache-Control"]
    html = waiting.content.decode()
    assert "PDF 正在生成" in html and '<meta http-equiv="refresh" content="5">' in html
    client.get(issue.get_pdf_url())
    assert BackgroundJob.objects.count() == 1  # asking again starts nothing new
    assert pdf_store.render_count == renders  # the web process never rendered

    run_worker()
    job.refresh_from_db()
    assert job.status == Status.DONE and job.result["storage_name"] == pdf_store.stored_pdf_name(issue)
    served = client.get(issue.get_pdf_url())
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_an_erratum_queues_a_render_of_the_corrected_pdf(client, task_mode, signed_off_issue, head, editor):
    issue = publishing.publish_issue(signed_off_issue(), by=head)
    run_worker()
    first = pdf_store.stored_pdf_name(issue)
    erratum = publishing.propose_erratum(issue, text="稿件1中“9月17日”应为“9月18日”。", by=editor)
    publishing.approve_erratum(erratum, by=head)
    issue.refresh_from_db()
    assert pdf_store.stored_pdf_name(issue) is None  # the old file is gone, never served again
    assert client.get(issue.get_pdf_url()).status_code == 503
    run_worker()
    jobs_done = list(BackgroundJob.objects.filter(kind="issue_pdf").values_list("status", flat=True))
    assert jobs_done == [Status.DONE, Status.DONE]
    second = pdf_store.stored_pdf_name(issue)
    assert second and second != first
    assert client.get(issue.get_pdf_url()).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_desk_follows_the_render_job_and_retries_a_failed_one(client, task_mode, signed_off_issue, head):
    issue = publishing.publish_issue(signed_off_issue(), by=head)
    job = BackgroundJob.objects.get(kind="issue_pdf")
    # Withdrawn before the worker got to it: the render refuses, in words.
    publishing.withdraw_issue(issue, reason="内容有误", by=head)
    run_worker()
    job.refresh_from_db()
    assert job.status == Status.FAILED and "已不是已发布状态" in job.failure

    client.force_login(head)
    page = client.get(f"/desk/jobs/{job.pk}/").content.decode()
    assert "生成期刊 PDF" in page and "失败" in page and "已不是已发布状态" in page and 'id="job-retry"' in page
    assert "job-progress.js" not in page  # finished: nothing to poll
    state = client.get(f"/desk/jobs/{job.pk}/state.json").json()
    assert (state["status"], state["status_label"], state["active"]) == ("failed", "失败", False)

    BackgroundJob.objects.filter(pk=job.pk).update(status=Status.FAILED)
    type(issue).objects.filter(pk=issue.pk).update(status="published")  # 撤回 undone, for the test
    response = client.post(f"/desk/jobs/{job.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == f"/desk/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    running = client.get(f"/desk/jobs/{job.pk}/").content.decode()
    assert "排队中" in running and "job-progress.js" in running and "<progress" in running

    run_worker()
    done = client.get(f"/desk/jobs/{job.pk}/").content.decode()
    assert "已完成" in done and f'href="{issue.get_pdf_url()}"' in done and "打开 PDF" in done
    assert client.get(f"/desk/jobs/{job.pk}/state.json").json()["result_link"]["url"] == issue.get_pdf_url()
    desk_issue = client.get(f"/desk/issues/{issue.pk}/").content.decode()
    assert f'href="/desk/jobs/{job.pk}/"' in desk_issue and "查看生成进度" in desk_issue


@pytest.mark.django_db(transaction=True)
def test_a_reader_is_not_made_to_wait_for_a_render_that_just_failed(client, task_mode, signed_off_issue, head):
    issue = publishing.publish_issue(signed_off_issue(), by=head)
    BackgroundJob.objects.filter(kind="issue_pdf").update(status=Status.FAILED, failure="内部错误（OSError）",
                                                         finished_at=issue.published_at)
    from django.utils import timezone

    BackgroundJob.objects.update(finished_at=timezone.now())
    page = client.get(issue.get_pdf_url())
    assert page.status_code == 503 and "PDF 暂时无法生成" in page.content.decode()
    assert BackgroundJob.objects.count() == 1  # no new render for every request


@pytest.mark.django_db
def test_only_who_may_see_a_job_opens_its_page(client, approver, editor, head):
    job = BackgroundJob.objects.create(kind="search_reindex", params_key="x", requested_by=head)
    client.force_login(editor)
    assert client.get(f"/desk/jobs/{job.pk}/").status_code == 403
    assert client.get(f"/desk/jobs/{job.pk}/state.json").status_code == 403
    listing = client.get("/desk/jobs/").content.decode()
    assert f'href="/desk/jobs/{job.pk}/"' not in listing and 'id="start-reindex"' not in listing
    client.force_login(head)
    assert client.get(f"/desk/jobs/{job.pk}/").status_code == 200
    assert f'href="/desk/jobs/{job.pk}/"' in client.get("/desk/jobs/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_head_rebuilds_the_search_index_with_progress(client, head, make_article):
    for n in range(3):
        make_article(title=f"检索稿件{n}")
    client.force_login(head)
    listing = client.get("/desk/jobs/").content.decode()
    assert 'id="start-reindex"' in listing
    response = client.post("/desk/jobs/reindex/")
    job = BackgroundJob.objects.get(kind="search_reindex")
    assert response["Location"] == f"/desk/jobs/{job.pk}/" and job.requested_by == head
    assert client.post("/desk/jobs/reindex/")["Location"] == f"/desk/jobs/{job.pk}/"  # one at a time
    run_worker()
    job.refresh_from_db()
    total = Article.objects.count()
    assert (job.status, job.progress_done, job.progress_total, job.result) == (Status.DONE, total, total, {"articles": total})
    assert f"{total} / {total}" in client.get(f"/desk/jobs/{job.pk}/").content.decode()
    assert jobs.may_start(head, "search_reindex")
