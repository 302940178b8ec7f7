"""Background jobs on PostgreSQL with real commits: concurrent claims and starts race on row locks
and the partial unique constraint; real `manage.py db_worker` processes lose a job's worker
(SIGKILL, or a worker frozen past its lease) and another worker finishes the job, once."""

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection

from bulletin import jobs
from bulletin.models import BackgroundJob
from office.periodic import start_ticking

REPO = Path(__file__).resolve().parents[2]
Status = BackgroundJob.Status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("test_job_kinds")]


def test_two_workers_claiming_one_job_at_once_one_gets_it(head, run_concurrently):
    job = jobs.start_job("test.count", {"race": 1}, by=head)
    for round_ in range(5):
        BackgroundJob.objects.filter(pk=job.pk).update(status=Status.QUEUED, lease_owner="", attempts=0)
        results, errors = run_concurrently([lambda n=n, r=round_: jobs.claim(job.pk, f"w{r}-{n}") for n in range(4)])
        assert errors == []
        claimed = [r for r in results if r is not None]
        assert len(claimed) == 1
        job.refresh_from_db()
        assert job.lease_owner == claimed[0].lease_owner and job.attempts == 1


def test_the_same_job_started_at_once_from_four_requests_is_one_job(head, run_concurrently):
    results, errors = run_concurrently([lambda: jobs.start_job("test.count", {"same": True}, by=head)] * 4)
    assert errors == []
    assert len({job.pk for job in results}) == 1
    assert BackgroundJob.objects.filter(kind="test.count").count() == 1


# --- real worker processes ---------------------------------------------------------------------


@pytest.fixture
def workers(tmp_path):
    """Start `manage.py db_worker` processes on the test database; they are killed at the end."""
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    url = urllib.parse.urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_")},
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.job_worker_settings",
        "BULLETIN_JOB_LEASE_SECONDS": "2", "BULLETIN_TICK_SECONDS": "1",
        "PRIVATE_ROOT": str(tmp_path / "private"), "MEDIA_ROOT": str(tmp_path / "media"),
    }
    processes = []

    def start(name):
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1", "--worker-id", name],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    connection.close()


def _wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _running_with_progress(job, at_least):
    def check():
        job.refresh_from_db()
        return job.status == Status.RUNNING and job.progress_done >= at_least and job
    return check


def _owner_pid(job) -> int:
    return int(job.lease_owner.split(":")[1])


def test_a_job_whose_worker_is_killed_is_finished_once_by_another_worker(head, workers, tmp_path):
    log = tmp_path / "finished.log"
    job = jobs.start_job("test.count", {"steps": 25, "delay": 0.2, "log": str(log)}, by=head)
    start_ticking()  # the periodic task that requeues lost jobs (bin/serve runs start_ticking too)
    first, second = workers("worker-a"), workers("worker-b")
    _wait_for(_running_with_progress(job, 5), "the job to be under way")
    victim = {first.pid: first, second.pid: second}[_owner_pid(job)]
    survivor = second if victim is first else first

    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    killed_at = job.progress_done

    _wait_for(lambda: job.refresh_from_db() or job.status == Status.DONE, "another worker to finish the job")
    assert job.result == {"counted": 25, "pid": survivor.pid}
    assert job.attempts == 2  # the killed run and the finishing one
    assert (job.progress_done, job.progress_total) == (25, 25)
    assert log.read_text().splitlines() == [f"{job.pk} {survivor.pid}"]  # the result was written once
    assert killed_at < 25
    time.sleep(3)  # more ticks: nothing runs it again
    job.refresh_from_db()
    assert job.attempts == 2 and log.read_text().count("\n") == 1


def test_a_frozen_worker_that_wakes_after_losing_its_lease_does_not_finish_the_job(head, workers, tmp_path):
    log = tmp_path / "finished.log"
    job = jobs.start_job("test.count", {"steps": 20, "delay": 0.2, "log": str(log)}, by=head)
    start_ticking()
    first, second = workers("worker-a"), workers("worker-b")
    _wait_for(_running_with_progress(job, 3), "the job to be under way")
    frozen_pid = _owner_pid(job)
    other = second if frozen_pid == first.pid else first

    os.kill(frozen_pid, signal.SIGSTOP)  # a worker stuck (swapping, paused VM) past its lease
    try:
        _wait_for(lambda: job.refresh_from_db() or job.status == Status.DONE, "the other worker to finish", 90)
    finally:
        os.kill(frozen_pid, signal.SIGCONT)
    time.sleep(2)  # the frozen one runs again: its next heartbeat finds the lease gone
    job.refresh_from_db()
    assert job.status == Status.DONE and job.result["pid"] == other.pid and job.attempts == 2
    assert log.read_text().splitlines() == [f"{job.pk} {other.pid}"]
