"""deploy/nginx.conf in front of a live Django server, on the loopback: the shipped configuration
(only its paths, ports and upstream replaced) sends an internal issue's image to an allowed reader
and nobody else, never serves its internal location directly, and serves static files itself.

nginx is installed by `bin/setup --dev` (Debian package nginx-light); this test does not skip
(tests/nginx_server.py runs it).
"""

import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from bulletin.models import Visibility
from editorial.uploads import store_image
from tests.conftest import make_user
from tests.nginx_server import running_nginx
from tests.security.test_media_access import body_with, png_bytes, publish_with  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


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
    upstream = urlsplit(django_server)
    static_root = tmp_path / "static"
    (static_root / "css").mkdir(parents=True)
    (static_root / "css" / "site.0123456789ab.css").write_text("body{color:#111}")
    # The public pages' files (config/public_files.py, tests/security/test_nginx_pages.py).
    settings.PUBLIC_PAGES_ROOT = tmp_path / "pages"
    with running_nginx(tmp_path / "nginx", upstreams=[(upstream.hostname, upstream.port)],
                       static_root=static_root, media_root=settings.MEDIA_ROOT,
                       pages_root=settings.PUBLIC_PAGES_ROOT) as url:
        yield url


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


def test_the_image_holds_every_app_of_the_project():
    from django.conf import settings

    dockerfile = (ROOT / "Dockerfile").read_text()
    for app in [name for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()] + ["common", "config", "reader", "desk"]:
        assert f"COPY {app} ./{app}" in dockerfile, app
