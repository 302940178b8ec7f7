"""Helpers for tests that race real database connections (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connections


def _run_concurrently(calls):
    """Start every call at the same moment, each in its own thread (its own DB connection).

    Returns (results, errors); errors are collected for the test to assert on.
    """
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def worker(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connections, so the test DB can be flushed

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


@pytest.fixture
def run_concurrently():
    return _run_concurrently


@pytest.fixture
def test_job_kinds(settings):
    """The tests' own background-job kinds (tests/job_handlers.py), on PostgreSQL only: the job
    tests run real workers and threads against committed rows."""
    from django.db import connection

    from tests import job_handlers

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.BULLETIN_JOB_KINDS = job_handlers.KINDS
