"""The shipped deploy/nginx.conf, run by the tests on the loopback.

Only what must differ outside docker-compose is replaced: the upstream's one `server web:8000
resolve;` (Docker's DNS name of every web replica) by loopback servers, the listen port and the
/data paths. Everything else, the upstream's balancing and retries included, is the file itself.
nginx is installed by `bin/setup --dev` (Debian package nginx-light); a test using it does not skip.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "nginx.conf"
# Compose's upstream line; `resolve` (nginx 1.27.3+) follows the replicas' DNS records.
UPSTREAM_SERVER = "server web:8000 resolve;"


def nginx_binary() -> str:
    found = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin")
    assert found, "nginx is missing: run bin/setup --dev (installs nginx-light)"
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx.conf no longer has exactly one {old!r}"
    return text.replace(old, new)


def shipped_server_block(*, upstreams, port, static_root, media_root, pages_root, private_root=None) -> str:
    """deploy/nginx.conf for the loopback: `upstreams` are (host, port) pairs of gunicorn nodes;
    `private_root` is PRIVATE_ROOT (the settings' by default), whose pdf/ nginx sends after Django's check."""
    if private_root is None:
        from django.conf import settings

        private_root = settings.PRIVATE_ROOT
    # Without its comments (which quote directives), as nginx reads it.
    text = re.sub(r"(?m)^\s*#.*\n", "", CONF.read_text())
    servers = "\n    ".join(f"server {host}:{node_port};" for host, node_port in upstreams)
    text = replace_once(text, UPSTREAM_SERVER, servers)
    text = replace_once(text, "listen 80;", f"listen 127.0.0.1:{port};")
    text = replace_once(text, "alias /data/static/;", f"alias {static_root}/;")
    text = replace_once(text, "alias /data/media/;", f"alias {media_root}/;")
    text = replace_once(text, "alias /data/private/pdf/;", f"alias {private_root}/pdf/;")
    return replace_once(text, "root /data/pages", f"root {pages_root}")


@contextlib.contextmanager
def running_nginx(prefix: Path, *, upstreams, static_root, media_root, pages_root, private_root=None):
    """Start nginx with the shipped server block under `prefix`; yields its base URL."""
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = shipped_server_block(upstreams=upstreams, port=port, static_root=static_root,
                                  media_root=media_root, pages_root=pages_root, private_root=private_root)
    temp_paths = "\n".join(
        f"    {name}_temp_path {prefix}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Workers of a root master switch to `nobody`, who cannot read pytest's private tmp_path.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    access_log off;\n{temp_paths}\n{server}\n}}\n"
    )
    process = subprocess.Popen(
        [nginx_binary(), "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode(errors="replace") if process.poll() is not None else ""
                    log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
                    raise AssertionError(f"nginx did not start: {output}\n{log}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
