"""The container's health probe sends a Host the production site accepts."""

import pytest
from django.test import Client, override_settings

from config.healthcheck import probe_host


@pytest.mark.parametrize("allowed, host", [
    ("bulletin.example.gov.cn", "bulletin.example.gov.cn"),
    (".example.gov.cn,other.example.org", "example.gov.cn"),
    ("*", "localhost"),
    ("", "localhost"),
])
def test_the_probe_names_a_host_the_site_accepts(allowed, host):
    assert probe_host(allowed) == host


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["bulletin.example.gov.cn"])
def test_healthz_answers_the_probe_and_refuses_a_bare_loopback_host():
    client = Client()
    assert client.get("/healthz", HTTP_HOST="127.0.0.1").status_code == 400  # what the old probe sent
    assert client.get("/healthz", HTTP_HOST=probe_host("bulletin.example.gov.cn")).status_code == 200


def test_the_worker_probe_checks_the_db_worker_process_and_the_database(tmp_path):
    """docker-compose's worker check (`python -m config.workercheck`, config/workercheck.py), run
    against a real `manage.py db_worker`: healthy while it runs and the database answers; not
    when the database is gone, when the process is stopped or dead, or is something else."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BULLETIN_", "REDIS_URL", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}", PYTHONDONTWRITEBYTECODE="1")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True, timeout=300)

    def probe(pid, **overrides):
        done = subprocess.run([sys.executable, "-m", "config.workercheck", "--pid", str(pid)], cwd=root,
                              env={**env, **overrides}, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stderr

    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
                              cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        assert probe(worker.pid) == (0, "")
        # A database that does not answer (nothing listens on that port).
        status, reason = probe(worker.pid, DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
        assert status == 1 and reason.startswith("database:")
        # Another process is not the worker.
        status, reason = probe(os.getpid())
        assert status == 1 and "is not db_worker" in reason
        # A stopped worker takes no task.
        worker.send_signal(signal.SIGSTOP)
        time.sleep(0.2)
        status, reason = probe(worker.pid)
        assert status == 1 and "is not running" in reason
        worker.send_signal(signal.SIGCONT)
        assert probe(worker.pid) == (0, "")
    finally:
        worker.kill()
        worker.wait(timeout=30)
    status, reason = probe(worker.pid)
    assert status == 1 and reason.startswith("no process")
