"""The lease of a running job is renewed by run_job's heartbeat thread, not only by progress
reports: a handler with one step longer than the lease keeps its job (no other worker claims it,
the tick does not queue it again), until BULLETIN_JOB_MAX_RUN_SECONDS, after which a hung handler
loses it like a dead worker. PostgreSQL with real commits (the heartbeat has its own connection)."""

import threading
import time

import pytest
from django.db import connections

from bulletin import jobs
from bulletin.models import BackgroundJob

Status = BackgroundJob.Status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _job_kinds(test_job_kinds, settings):
    settings.BULLETIN_JOB_MAX_ATTEMPTS = 3


def run_in_thread(job_id):
    """run_job as a worker runs it, in a thread of its own (its own connection); returns a
    function that waits for it and gives what run_job returned."""
    outcome = []

    def work():
        try:
            outcome.append(jobs.run_job(job_id, owner="first-worker"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()

    def wait():
        thread.join(60)
        assert not thread.is_alive()
        return outcome[0]

    return wait


def wait_until_running(job) -> float:
    deadline = time.monotonic() + 30
    while BackgroundJob.objects.get(pk=job.pk).status != Status.RUNNING:
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.02)
    return time.monotonic()


def sleep_until(moment):
    time.sleep(max(0.0, moment - time.monotonic()))


def test_a_step_longer_than_the_lease_keeps_the_job(head, settings):
    settings.BULLETIN_JOB_LEASE_SECONDS = 2
    job = jobs.start_job("test.sleep", {"seconds": 6}, by=head)  # three leases, no progress
    finished = run_in_thread(job.pk)
    started = wait_until_running(job)

    for moment in (2.5, 4.5):  # past the lease the claim gave, and past a second one
        sleep_until(started + moment)
        assert jobs.claim(job.pk, "another-worker") is None
        assert jobs.requeue_lost_jobs() == []
        job.refresh_from_db()
        assert job.status == Status.RUNNING and job.lease_owner == "first-worker"

    assert finished() == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["by"]) == (Status.DONE, 1, "the first run")
    assert job.lease_owner == "" and job.lease_until is None


def test_a_handler_running_past_the_cap_loses_its_job(head, settings):
    settings.BULLETIN_JOB_LEASE_SECONDS = 1
    settings.BULLETIN_JOB_MAX_RUN_SECONDS = 2
    job = jobs.start_job("test.sleep", {"seconds": 6}, by=head)  # a handler that hangs
    finished = run_in_thread(job.pk)
    started = wait_until_running(job)

    sleep_until(started + 1.5)  # past the claim's lease: the heartbeat still holds the job
    assert jobs.claim(job.pk, "another-worker") is None

    deadline = started + 5
    while (second := jobs.claim(job.pk, "another-worker")) is None:  # the beats stopped at 2 s
        assert time.monotonic() < deadline, "the job was never lost"
        time.sleep(0.1)
    assert time.monotonic() - started >= 2
    assert second.attempts == 2 and second.lease_owner == "another-worker"

    assert finished() == "lease lost"  # the first run woke up: its outcome is discarded
    job.refresh_from_db()
    assert (job.status, job.lease_owner, job.result) == (Status.RUNNING, "another-worker", {})
    assert jobs._finish(second, "another-worker", status=Status.DONE, result={"by": "another worker"})
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (Status.DONE, 2, {"by": "another worker"})
