"""Two web nodes and a worker (issue #14, "Several nodes"): gunicorn on two loopback ports and
`manage.py db_worker`, each with its own disk (MEDIA_ROOT, PRIVATE_ROOT), sharing only PostgreSQL,
Redis and the S3 server (moto, on the loopback). What one node does, the other serves: the issue
page, an issue published through node A whose PDF the worker renders (never a web node:
BULLETIN_PDF_ON_PUBLISH=task) and node B serves, an erratum published through the other node
(the page cache's generation is in the database), a sign-in made on one, the login throttle's
count. Images on the shared bucket are covered by test_object_storage.

The nodes run on their own database (migrated and filled by load_demo), not the test run's."""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests import object_storage

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="needs DATABASE_URL on PostgreSQL"),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
]

s3_server = object_storage.s3_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port, what, process, log):
    deadline = time.monotonic() + 90
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        assert process.poll() is None, Path(log).read_text()[-3000:]
        assert time.monotonic() < deadline, f"{what} did not answer"
        time.sleep(0.2)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: its cookies, sent to whichever node it asks."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, port, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body)
        if data is not None:
            request.add_header("Referer", f"http://127.0.0.1:{port}{path}")
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def login(self, port, username, password):
        _status, _headers, page = self.request(port, "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        return self.request(port, "/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": username, "password": password,
        })


@pytest.fixture(scope="module")
def nodes(s3_server, tmp_path_factory):
    import psycopg2

    tmp = tmp_path_factory.mktemp("nodes")
    parts = urllib.parse.urlsplit(PG_URL)
    # Each xdist worker that gets one of these tests starts its own pair of nodes and database.
    name = parts.path.lstrip("/") + "_nodes_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    admin = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    bucket = f"bulletin-nodes-{os.getpid()}"
    object_storage.s3_client(s3_server).create_bucket(Bucket=bucket)

    processes, logs = [], []

    def start(args, env, log_name):
        log = (tmp / log_name).open("w")
        logs.append(log)
        process = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        processes.append(process)
        return process

    redis_port = _free_port()
    redis = start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no"], dict(os.environ), "redis.log")
    _wait(redis_port, "redis", redis, tmp / "redis.log")

    base = {k: v for k, v in os.environ.items() if not k.startswith(("BULLETIN_", "REDIS_URL", "DATABASE_URL"))}
    base.update(object_storage.bucket_env(s3_server, bucket))
    base.update(
        DATABASE_URL=urllib.parse.urlunsplit(parts._replace(path=f"/{name}")),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        # INFO: the process that renders a PDF logs it ("Rendered the PDF of issue N").
        DEBUG="true", LOG_LEVEL="INFO", PYTHONDONTWRITEBYTECODE="1",
        BULLETIN_PDF_ON_PUBLISH="task", BULLETIN_FONT_CACHE=str(tmp / "fonts"),
    )

    def env_of(node):
        return {**base, "MEDIA_ROOT": str(tmp / node / "media"), "PRIVATE_ROOT": str(tmp / node / "private")}

    try:
        for command in (["migrate", "-v0"], ["load_demo"]):
            # The demo's issues are published with no PDF job (each test asks for its own).
            subprocess.run([sys.executable, "manage.py", *command], cwd=REPO,
                           env={**env_of("a"), "BULLETIN_PDF_ON_PUBLISH": "off"}, check=True,
                           stdout=subprocess.DEVNULL, timeout=600)
        worker = start([sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1"], env_of("w"),
                       "worker.log")
        ports = {}
        for node in ("a", "b"):
            ports[node] = _free_port()
            process = start([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
                             f"127.0.0.1:{ports[node]}", "--workers", "2"], env_of(node), f"{node}.log")
            _wait(ports[node], f"node {node}", process, tmp / f"{node}.log")

        def run_on(node, code):
            """Python run with the node's settings (its disk, the shared services)."""
            script = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()\n"
            done = subprocess.run([sys.executable, "-c", script + code], cwd=REPO, env=env_of(node),
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-3000:]
            return done.stdout

        yield {"ports": ports, "run_on": run_on, "bucket": object_storage.Bucket(
            s3_server, bucket, object_storage.s3_client(s3_server), {}), "tmp": tmp, "worker": worker}
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs:
            log.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _public_issue(nodes):
    return nodes["run_on"]("a", (
        "from bulletin.models import Issue\n"
        "i = Issue.objects.filter(status='published', visibility='public').order_by('-serial_number').first()\n"
        "print(i.publication.slug, i.serial_number, i.pk)"
    )).split()


def _rendered_by(nodes, issue_pk) -> list[str]:
    """Which processes' logs say they rendered the issue's PDF (bulletin.pdf.store's INFO line)."""
    line = f"Rendered the PDF of issue {issue_pk} "
    return [name for name in ("a", "b", "worker") if line in (nodes["tmp"] / f"{name}.log").read_text()]


def _wait_for_pdf(browser, port, path):
    """Ask like a reader's "PDF 正在生成" page does (it reloads itself) until the PDF is there."""
    deadline = time.monotonic() + 180
    while True:
        status, headers, page = browser.request(port, path)
        if status != 503:
            return status, headers, page
        assert "PDF 正在生成".encode() in page and headers["Retry-After"], page.decode()[:500]
        assert time.monotonic() < deadline, "the worker did not render the PDF"
        time.sleep(1)


def test_what_node_a_stored_node_b_serves(nodes):
    a, b = nodes["ports"]["a"], nodes["ports"]["b"]
    slug, serial, pk = _public_issue(nodes)
    browser = Browser()
    status, _headers, page_a = browser.request(a, f"/{slug}/{serial}/")
    assert status == 200
    status, _headers, page_b = browser.request(b, f"/{slug}/{serial}/")
    assert status == 200 and "总第".encode() in page_b

    # A reader asks node A for a PDF never rendered: A starts the job, the worker renders and
    # stores it; A and B then hand out the very same object (no second render).
    status, headers, _ = _wait_for_pdf(browser, a, f"/{slug}/{serial}.pdf")
    assert status == 302
    keys = nodes["bucket"].keys(f"site/private/pdf/issue-{pk}-")
    assert len(keys) == 1
    status, headers_b, _ = browser.request(b, f"/{slug}/{serial}.pdf")
    assert status == 302 and f"/{nodes['bucket'].name}/{keys[0]}?" in headers_b["Location"]
    with urllib.request.urlopen(headers_b["Location"], timeout=30) as response:
        assert response.read().startswith(b"%PDF")
    assert nodes["bucket"].keys(f"site/private/pdf/issue-{pk}-") == keys
    assert _rendered_by(nodes, pk) == ["worker"]
    # Nothing was written to either node's disk but the page cache's own counter.
    for node in ("a", "b"):
        for root in ("media", "private"):
            folder = nodes["tmp"] / node / root
            files = [p for p in folder.rglob("*") if p.is_file() and "pages" not in p.parts] if folder.exists() else []
            assert not files, files


def test_an_issue_published_on_a_is_rendered_by_the_worker_and_served_by_b(nodes):
    """The head publishes the demo's signed-off issue through node A's desk; the worker (not a web
    node) renders its PDF onto the bucket, and node B serves it to a reader signed in on A."""
    a, b = nodes["ports"]["a"], nodes["ports"]["b"]
    pk, sign_off_id = nodes["run_on"]("a", (
        "from django.contrib.auth import get_user_model\n"
        "from bulletin.models import Issue\n"
        "from bulletin.publishing import sign_off, submit_for_sign_off\n"
        "users = get_user_model().objects\n"
        "issue = Issue.objects.get(status='draft')\n"
        "submit_for_sign_off(issue, by=users.get(username='editor'))\n"
        "record = sign_off(issue, by=users.get(username='head'))\n"
        "print(issue.pk, record.pk)"
    )).split()
    worker = nodes["worker"]
    head = Browser()
    assert head.login(a, "head", "head-demo-2026")[0] == 302
    status, _headers, page = head.request(a, f"/desk/issues/{pk}/")
    assert status == 200 and "发布本期".encode() in page
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    # The worker is held (SIGSTOP) while the issue is published, so what B shows before the PDF
    # exists is seen for certain; then it goes on.
    os.killpg(worker.pid, signal.SIGSTOP)
    try:
        status, headers, _ = head.request(a, f"/desk/issues/{pk}/publish/", {
            "csrfmiddlewaretoken": token, "confirm": "yes", "sign_off": sign_off_id,
        })
        assert status == 302 and headers["Location"] == f"/desk/issues/{pk}/"
        slug, serial = nodes["run_on"]("a", (
            "from bulletin.models import Issue\n"
            f"i = Issue.objects.get(pk={pk})\n"
            "print(i.publication.slug, i.serial_number)"
        )).split()
        reader = Browser()
        assert reader.login(a, "reader", "reader-demo-2026")[0] == 302
        status, headers, page = reader.request(b, f"/{slug}/{serial}.pdf")
        assert status == 503 and "PDF 正在生成".encode() in page, "B does not render it itself"
        assert nodes["bucket"].keys(f"site/private/pdf/issue-{pk}-") == []
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
    status, headers, _ = _wait_for_pdf(reader, b, f"/{slug}/{serial}.pdf")
    assert status == 302
    (key,) = nodes["bucket"].keys(f"site/private/pdf/issue-{pk}-")
    assert f"/{nodes['bucket'].name}/{key}?" in headers["Location"]
    with urllib.request.urlopen(headers["Location"], timeout=30) as response:
        assert response.read().startswith(b"%PDF")
    assert _rendered_by(nodes, pk) == ["worker"]


def test_an_erratum_published_through_b_shows_on_a_at_once(nodes):
    a = nodes["ports"]["a"]
    slug, serial, pk = _public_issue(nodes)
    browser = Browser()
    assert browser.request(a, f"/{slug}/{serial}/")[0] == 200  # A has the page (and may keep it)
    nodes["run_on"]("b", (
        "from django.contrib.auth import get_user_model\n"
        "from bulletin.models import Issue\n"
        "from bulletin.publishing import approve_erratum, propose_erratum\n"
        f"issue = Issue.objects.get(pk={pk})\n"
        "users = get_user_model().objects\n"
        "e = propose_erratum(issue, text='第2页“十二家”应为“十三家”，两节点更正。', by=users.get(username='editor'))\n"
        "approve_erratum(e, by=users.get(username='head'))\n"
    ))
    status, _headers, page = browser.request(a, f"/{slug}/{serial}/")
    assert status == 200 and "两节点更正" in page.decode()


def test_a_sign_in_on_a_is_valid_on_b(nodes):
    a, b = nodes["ports"]["a"], nodes["ports"]["b"]
    browser = Browser()
    status, headers, _ = browser.login(a, "editor", "editor-demo-2026")
    assert status == 302, status
    status, _headers, page = browser.request(b, "/desk/")
    assert status == 200 and "李编辑" in page.decode()


def test_the_login_throttle_counts_across_both_nodes(nodes):
    a, b = nodes["ports"]["a"], nodes["ports"]["b"]
    for attempt in range(4):  # one short of BULLETIN_LOGIN_MAX_FAILURES_PER_USER, alternating nodes
        status, _headers, _ = Browser().login((a, b)[attempt % 2], "approver", "wrong-password")
        assert status == 200, (attempt, status)
    status, _headers, page = Browser().login(a, "approver", "wrong-password")
    assert status == 429 and "登录失败次数过多" in page.decode(), "the fifth failure, counted on both"
    status, _headers, page = Browser().login(b, "approver", "approver-demo-2026")
    assert status == 429 and "登录失败次数过多" in page.decode()
    status, _headers, page = Browser().login(a, "approver", "approver-demo-2026")
    assert status == 429
