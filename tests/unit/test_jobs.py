"""Long work on the task queue (bulletin/jobs.py): a job is queued once, claimed by one worker under
a lease, finished only by the worker holding it, fails with a reason a user can read, is retried
on request, and is queued again when its worker dies. Run by the real db_worker loop
(django-tasks-db's Worker, as `manage.py db_worker --batch` runs it) on SQLite and PostgreSQL."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from bulletin import jobs
from bulletin.models import BackgroundJob
from office.periodic import tick
from tests import job_handlers

Status = BackgroundJob.Status


@pytest.fixture(autouse=True)
def _test_kinds(settings):
    settings.BULLETIN_JOB_KINDS = job_handlers.KINDS
    settings.BULLETIN_JOB_LEASE_SECONDS = 60
    settings.BULLETIN_JOB_MAX_ATTEMPTS = 3


def run_worker():
    """What `manage.py db_worker --batch` does: run every task that is due, then return."""
    Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    ).run()


def start(kind, params, by, capture):
    with capture(execute=True):
        return jobs.start_job(kind, params, by=by)


def _expire_lease(job):
    BackgroundJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_on_the_worker_with_progress_and_result(head):
    job = jobs.start_job("test.count", {"steps": 4}, by=head)  # outside a transaction: queued at once
    assert (job.status, job.requested_by, job.step) == (Status.QUEUED, head, "等待后台处理")
    assert DBTaskResult.objects.filter(id=BackgroundJob.objects.get().task_id, status="READY").exists()

    run_worker()

    job.refresh_from_db()
    assert job.status == Status.DONE
    assert (job.progress_done, job.progress_total, job.percent) == (4, 4, 100)
    assert job.result["counted"] == 4 and job.attempts == 1
    assert job.lease_owner == "" and job.lease_until is None and job.finished_at is not None
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_the_same_work_is_one_job_while_it_is_queued_or_running(head, django_capture_on_commit_callbacks):
    first = start("test.count", {"steps": 2, "x": 1}, head, django_capture_on_commit_callbacks)
    again = start("test.count", {"x": 1, "steps": 2}, head, django_capture_on_commit_callbacks)  # same params
    other = start("test.count", {"steps": 2, "x": 2}, head, django_capture_on_commit_callbacks)
    assert again.pk == first.pk and other.pk != first.pk
    assert DBTaskResult.objects.count() == 2  # one task per job, none for the duplicate

    assert jobs.claim(first.pk, "worker-a") is not None  # running now: still the same job
    assert start("test.count", {"steps": 2, "x": 1}, head, django_capture_on_commit_callbacks).pk == first.pk

    BackgroundJob.objects.filter(pk=first.pk).update(status=Status.DONE, lease_owner="")
    later = start("test.count", {"steps": 2, "x": 1}, head, django_capture_on_commit_callbacks)
    assert later.pk != first.pk  # done work may be asked for again


@pytest.mark.django_db
def test_the_task_is_queued_only_when_the_action_commits(head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.start_job("test.count", {}, by=head)
    assert DBTaskResult.objects.count() == 0 and len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert DBTaskResult.objects.get().id.hex == job.task_id.replace("-", "")


@pytest.mark.django_db
def test_only_the_kinds_roles_start_a_job(editor, head, django_capture_on_commit_callbacks):
    with pytest.raises(jobs.JobError, match="没有权限"):
        jobs.start_job("search_reindex", {}, by=editor)
    with pytest.raises(jobs.JobError, match="没有这种后台任务"):
        jobs.start_job("no.such.kind", {}, by=head)
    job = start("search_reindex", {}, head, django_capture_on_commit_callbacks)
    assert jobs.may_see(head, job) and not jobs.may_see(editor, job)
    pdf = start("issue_pdf", {"issue": 1}, None, django_capture_on_commit_callbacks)  # the system's own
    assert pdf.requested_by is None and jobs.may_see(editor, pdf) and jobs.may_see(head, pdf)


@pytest.mark.django_db
def test_a_job_is_claimed_by_one_worker_and_finished_only_by_the_lease_holder(head, django_capture_on_commit_callbacks):
    job = start("test.count", {"steps": 1}, head, django_capture_on_commit_callbacks)
    first = jobs.claim(job.pk, "worker-a")
    assert first.status == Status.RUNNING and first.attempts == 1 and first.lease_owner == "worker-a"
    assert jobs.claim(job.pk, "worker-b") is None  # running under a live lease

    _expire_lease(job)  # worker-a stopped renewing its lease
    second = jobs.claim(job.pk, "worker-b")
    assert second.lease_owner == "worker-b" and second.attempts == 2

    with pytest.raises(jobs.JobLeaseLost):  # worker-a wakes up: its heartbeat tells it to stop
        jobs.Progress(first, "worker-a")(1, 1, "还在做")
    assert not jobs._finish(first, "worker-a", status=Status.DONE, result={"by": "a"})
    assert jobs._finish(second, "worker-b", status=Status.DONE, result={"by": "b"})
    job.refresh_from_db()
    assert (job.status, job.result, job.attempts) == (Status.DONE, {"by": "b"}, 2)
    assert jobs.claim(job.pk, "worker-c") is None  # done is done


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_the_failure_reason_and_saved_work_stays(head, make_article):
    article = make_article(title="原来的标题")
    job = jobs.start_job("test.refuse", {"article": article.pk}, by=head)
    run_worker()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.failure == "第3页的图片无法读取，请重新上传后重试。"
    article.refresh_from_db()
    assert article.title == "保存过的标题"  # what the handler saved before it failed


@pytest.mark.django_db(transaction=True)
def test_a_crash_names_the_exception_class_not_its_details(head):
    job = jobs.start_job("test.crash", {}, by=head)
    run_worker()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "ValueError" in job.failure and "details" not in job.failure and "内部错误" in job.failure


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_is_retried_by_someone_allowed_to(head, editor, settings):
    job = jobs.start_job("test.crash", {}, by=head)
    run_worker()
    job.refresh_from_db()
    with pytest.raises(jobs.JobError, match="没有权限"):
        jobs.retry_job(job, by=editor)

    settings.BULLETIN_JOB_KINDS = {**job_handlers.KINDS, "test.crash": {**job_handlers.KINDS["test.count"]}}
    retried = jobs.retry_job(job, by=head)  # the bug is fixed: the same kind now counts
    assert retried.pk == job.pk and retried.status == Status.QUEUED and retried.failure == ""
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["counted"]) == (Status.DONE, 2, 3)
    with pytest.raises(jobs.JobError, match="只有失败的任务"):
        jobs.retry_job(job, by=head)


@pytest.mark.django_db(transaction=True)
def test_a_job_lost_with_its_worker_is_queued_again_by_the_tick_and_finished(head):
    job = jobs.start_job("test.count", {"steps": 2}, by=head)
    # A worker takes the task and the job, then dies (nothing renews the lease any more).
    task = DBTaskResult.objects.get(id=BackgroundJob.objects.get().task_id)
    task.claim("dead-worker")
    assert jobs.claim(job.pk, "dead-worker:1") is not None
    assert jobs.requeue_lost_jobs() == []  # the lease is still valid
    _expire_lease(job)

    result = tick.call()  # the worker's periodic task, as db_worker runs it
    assert result["requeued_jobs"] == [job.pk]
    job.refresh_from_db()
    assert job.status == Status.QUEUED and "重新排队" in job.step
    task.refresh_from_db()
    assert task.status == "FAILED"  # the dead worker's task row no longer says RUNNING

    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["counted"]) == (Status.DONE, 2, 2)


@pytest.mark.django_db
def test_a_job_interrupted_too_often_fails_instead_of_looping(head, django_capture_on_commit_callbacks):
    job = start("test.count", {}, head, django_capture_on_commit_callbacks)
    for attempt in range(3):
        assert jobs.claim(job.pk, f"worker-{attempt}") is not None
        _expire_lease(job)
        if attempt < 2:
            with django_capture_on_commit_callbacks(execute=True):
                assert jobs.requeue_lost_jobs() == [job.pk]
    assert jobs.requeue_lost_jobs() == []
    job.refresh_from_db()
    assert job.status == Status.FAILED and "3 次都被中断" in job.failure


@pytest.mark.django_db
def test_a_queued_job_whose_task_went_missing_is_queued_again(head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue never happened
        job = jobs.start_job("test.count", {}, by=head)
    assert jobs.requeue_lost_jobs() == []  # queued a moment ago
    BackgroundJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - datetime.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.requeue_lost_jobs() == [job.pk]
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.requeue_lost_jobs() == []  # its task is waiting now


@pytest.mark.django_db(transaction=True)
def test_a_failed_heartbeat_is_tried_again_and_never_fails_the_job(head, settings, monkeypatch):
    settings.BULLETIN_JOB_LEASE_SECONDS = 1  # a beat every third of a second
    beats = []
    real_beat = jobs.Heartbeat.beat

    def beat(self):
        beats.append(self.job_id)
        if len(beats) <= 2:  # SQLite while the handler holds a write transaction
            raise OperationalError("database is locked")
        return real_beat(self)

    monkeypatch.setattr(jobs.Heartbeat, "beat", beat)
    job = jobs.start_job("test.sleep", {"seconds": 1.5}, by=head)
    assert jobs.run_job(job.pk, owner="worker-a") == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["by"]) == (Status.DONE, 1, "the first run")
    assert len(beats) >= 3  # the failed beats were followed by more
