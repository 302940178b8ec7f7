"""The first requests for a PDF not yet rendered render it once across processes (issue #15):
four processes (web workers) ask at the same moment; one renders, the others wait for its lock
(a lock file, and on PostgreSQL an advisory lock) and serve the stored file."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bulletin.publishing import publish_issue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import hashlib, json, os, sys, time
from pathlib import Path
import django
django.setup()
from bulletin.models import Issue
from bulletin.pdf import store
issue = Issue.objects.select_related("publication").get(pk=int(sys.argv[1]))
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
with store.open_pdf(store.ensure_issue_pdf(issue)) as stored:
    print(json.dumps({"renders": store.render_count, "sha": hashlib.sha256(stored.read()).hexdigest()}))
"""


def test_four_processes_asking_at_once_render_the_pdf_once(signed_off_issue, head, tmp_path):
    issue = publish_issue(signed_off_issue(count=3), by=head)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PRIVATE_ROOT": str(settings.PRIVATE_ROOT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "BULLETIN_DB_CONN_MAX_AGE": "0",
    }
    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(issue.pk), str(go)], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    time.sleep(4)  # every worker has started Django and waits for the signal
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["renders"] for r in results) == 1
    assert len({r["sha"] for r in results}) == 1
    assert len(list(Path(settings.PRIVATE_ROOT).rglob("*.pdf"))) == 1
