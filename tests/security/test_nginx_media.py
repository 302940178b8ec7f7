"""deploy/nginx.conf in front of a live Django server, on the loopback: the shipped configuration
(only its paths, ports and upstream replaced) sends an internal issue's image to an allowed reader
and nobody else, never serves its internal location directly, and serves static files itself.

nginx is installed by `bin/setup --dev` (Debian package nginx-light); this test does not skip.
"""

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from bulletin.models import Visibility
from editorial.uploads import store_image
from tests.conftest import make_user
from tests.security.test_media_access import body_with, png_bytes, publish_with  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def _nginx_binary():
    found = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin")
    assert found, "nginx is missing: run bin/setup --dev (installs nginx-light)"
    return found


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _replace_once(text, old, new):
    assert text.count(old) == 1, f"deploy/nginx.conf no longer has exactly one {old!r}"
    return text.replace(old, new)


@pytest.fixture
def django_server(transactional_db):
    """Like pytest-django's live_server, but without the handler Django's LiveServerThread puts in
    front of MEDIA_URL (it serves MEDIA_ROOT directly): /media/ goes to Django's URLs, as behind nginx."""
    from django.db import connections
    from django.test.testcases import LiveServerThread

    shared = {}
    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            connection.inc_thread_sharing()
            shared[connection.alias] = connection
    thread = LiveServerThread(
        "127.0.0.1", static_handler=lambda media_handler: media_handler.application, connections_override=shared
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


@pytest.fixture
def nginx(django_server, settings, tmp_path):
    settings.BULLETIN_MEDIA_ACCEL = True
    # The shipped file without its comments (which quote directives), as nginx reads it.
    server = re.sub(r"(?m)^\s*#.*\n", "", (ROOT / "deploy" / "nginx.conf").read_text())
    upstream = urlsplit(django_server)
    port = _free_port()
    static_root = tmp_path / "static"
    (static_root / "css").mkdir(parents=True)
    (static_root / "css" / "site.0123456789ab.css").write_text("body{color:#111}")
    server = _replace_once(server, "server 127.0.0.1:8000;", f"server {upstream.hostname}:{upstream.port};")
    server = _replace_once(server, "listen 80;", f"listen 127.0.0.1:{port};")
    server = _replace_once(server, "alias /data/static/;", f"alias {static_root}/;")
    server = _replace_once(server, "alias /data/media/;", f"alias {settings.MEDIA_ROOT}/;")
    # The public pages' files (config/public_files.py, tests/security/test_nginx_pages.py).
    settings.PUBLIC_PAGES_ROOT = tmp_path / "pages"
    server = _replace_once(server, "root /data/pages", f"root {settings.PUBLIC_PAGES_ROOT}")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
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
        [_nginx_binary(), "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf")],
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
                    output = process.stdout.read().decode(errors="replace")
                    log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
                    pytest.fail(f"nginx did not start: {output}\n{log}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_nginx_sends_internal_images_only_to_allowed_readers(nginx, publish_with, editor, settings):  # noqa: F811
    reader = make_user("reader", "reader")
    outsider = make_user("outsider")
    internal = store_image(png_bytes(), by=editor, name="internal.png")
    public = store_image(png_bytes((1, 2, 3)), by=editor, name="public.png")
    publish_with(body_with(internal), visibility=Visibility.INTERNAL)
    publish_with(body_with(public), visibility=Visibility.PUBLIC)
    internal_bytes = (Path(settings.MEDIA_ROOT) / internal.web.name).read_bytes()

    status, headers, body = get(nginx + internal.web.url)
    assert status == 302 and headers["Location"].startswith("/accounts/login/")
    assert b"PNG" not in body

    status, headers, body = get(nginx + internal.web.url, session_cookie(outsider))
    assert status == 404 and b"PNG" not in body

    status, headers, body = get(nginx + internal.web.url, session_cookie(reader))
    assert status == 200 and body == internal_bytes
    assert headers["Content-Type"] == "image/png"
    assert headers.get_all("Cache-Control") == ["private, no-cache"]
    assert len(headers.get_all("Vary")) == 1 and "Cookie" in headers["Vary"]
    assert "X-Accel-Redirect" not in headers

    # The internal location is not reachable from outside, whatever the path.
    for path in ["/protected-media/" + internal.web.name, "/protected-media/../media/" + internal.web.name]:
        status, _headers, body = get(nginx + path, session_cookie(reader))
        assert status == 404 and body != internal_bytes, path

    status, headers, body = get(nginx + public.web.url)
    assert status == 200 and body == (Path(settings.MEDIA_ROOT) / public.web.name).read_bytes()
    assert headers.get_all("Cache-Control") == ["public, max-age=86400"]


def test_nginx_serves_static_files_itself(nginx):
    status, headers, body = get(nginx + "/static/css/site.0123456789ab.css")
    assert status == 200 and body == b"body{color:#111}"
    assert "immutable" in headers["Cache-Control"]
    assert re.search(r"text/css", headers["Content-Type"])


def test_compose_puts_the_shipped_nginx_in_front_of_a_loopback_gunicorn():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web, nginx = compose["services"]["web"], compose["services"]["nginx"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    # nginx shares web's network: gunicorn on loopback is reachable by nginx alone.
    assert nginx["network_mode"] == "service:web"
    assert "--bind 127.0.0.1:8000" in web["command"] and "0.0.0.0" not in web["command"]
    assert "server 127.0.0.1:8000;" in (ROOT / "deploy" / "nginx.conf").read_text()
    assert all(not port.endswith(":8000") for port in web["ports"])
    # Django checks, nginx sends; nginx reads the data volume, never writes it.
    assert web["environment"]["BULLETIN_MEDIA_ACCEL"] == "true"
    data = next(volume for volume in web["volumes"] if volume.endswith(":/data"))
    assert data.split(":")[0] + ":/data:ro" in nginx["volumes"]
    assert web["environment"]["MEDIA_ROOT"] == "/data/media"
    assert "cp -R /app/staticfiles/. /data/static/" in web["command"]


def test_the_image_holds_every_app_of_the_project():
    from django.conf import settings

    dockerfile = (ROOT / "Dockerfile").read_text()
    for app in [name for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()] + ["common", "config", "reader", "desk"]:
        assert f"COPY {app} ./{app}" in dockerfile, app
