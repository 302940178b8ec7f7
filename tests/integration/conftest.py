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
