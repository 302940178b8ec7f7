"""Concurrent first requests for a PDF not yet rendered render it once (issue #15), on whichever
database the run uses: the lock is a file lock in the PDF directory (and, on PostgreSQL, an
advisory lock), not a per-process one. Threads here, each with its own database connection and
its own open lock file; tests/integration/test_pdf_render_once.py races processes."""

import hashlib
import threading

import pytest
from django.db import connections

from bulletin.pdf import store
from bulletin.publishing import publish_issue


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_render_once(signed_off_issue, head):
    issue = publish_issue(signed_off_issue(count=2), by=head)
    before = store.render_count
    barrier = threading.Barrier(4)
    digests, errors = [], []

    def request():
        try:
            barrier.wait()
            with store.open_pdf(store.ensure_issue_pdf(issue)) as stored:
                digests.append(hashlib.sha256(stored.read()).hexdigest())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert store.render_count - before == 1
    assert len(digests) == 4 and len(set(digests)) == 1
