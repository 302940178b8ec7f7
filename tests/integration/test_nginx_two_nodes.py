"""The shipped deploy/nginx.conf in front of two gunicorn nodes (docker-compose's two web replicas,
here on two loopback ports): requests are spread over both, and when one node is killed nginx
still answers every request from the other.

Each node is a real `gunicorn config.wsgi` writing its own access log; the requests ask /healthz
(which reads the database: an empty SQLite file is enough). nginx is the Debian package that
`bin/setup --dev` installs (tests/nginx_server.py); this test does not skip."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.test_two_nodes import _wait
from tests.nginx_server import free_port, running_nginx
from tests.unit.test_object_storage import http_get

REPO = Path(__file__).resolve().parents[2]
REQUESTS = 20


def _served(log: Path) -> int:
    """Requests for /healthz the node's access log records."""
    return sum(1 for line in log.read_text().splitlines() if '"GET /healthz HTTP' in line)


@pytest.fixture
def two_nodes(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BULLETIN_", "REDIS_URL", "DATABASE_URL", "PUBLIC_PAGES_ROOT"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}", DEBUG="true", PYTHONUNBUFFERED="1",
               PYTHONDONTWRITEBYTECODE="1", MEDIA_ROOT=str(tmp_path / "media"),
               PRIVATE_ROOT=str(tmp_path / "private"))
    nodes = {}
    try:
        for name in ("a", "b"):
            port, log = free_port(), tmp_path / f"{name}.log"
            with log.open("w") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                     "--workers", "1", "--access-logfile", "-"],
                    cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            nodes[name] = {"port": port, "log": log, "process": process}
            _wait(port, f"gunicorn on {port}", process, log)
        yield nodes
    finally:
        for node in nodes.values():
            try:
                os.killpg(node["process"].pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            node["process"].wait(timeout=30)


def test_nginx_spreads_requests_over_both_nodes_and_survives_losing_one(two_nodes, tmp_path):
    a, b = two_nodes["a"], two_nodes["b"]
    with running_nginx(tmp_path / "nginx", upstreams=[("127.0.0.1", a["port"]), ("127.0.0.1", b["port"])],
                       static_root=tmp_path / "static", media_root=tmp_path / "media",
                       pages_root=tmp_path / "pages") as site:
        for _ in range(REQUESTS):
            assert http_get(site + "/healthz") == (200, b"ok")
        time.sleep(0.5)  # the access logs are written after each answer
        on_a, on_b = _served(a["log"]), _served(b["log"])
        assert on_a + on_b == REQUESTS
        # nginx takes turns (round robin): both nodes answered about half.
        assert min(on_a, on_b) >= REQUESTS // 4, (on_a, on_b)

        # Node A is lost (its master and worker killed at once, as with a machine): every request
        # is still answered, by B; the ones nginx first sent to A were passed on to B.
        os.killpg(a["process"].pid, signal.SIGKILL)
        a["process"].wait(timeout=30)
        for _ in range(REQUESTS):
            assert http_get(site + "/healthz") == (200, b"ok")
        time.sleep(0.5)
        assert _served(a["log"]) == on_a
        assert _served(b["log"]) == on_b + REQUESTS

        # nginx's own health check answers from the container only (the loopback here).
        assert http_get(site + "/nginx-health") == (200, b"ok\n")
