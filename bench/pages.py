"""Benchmark (issue #15): reader pages at static-file speed, measured side by side in one run.

    python bench/pages.py [--seconds 10] [--redis redis://127.0.0.1:6379/13] [--markdown]

Set-up (as root it installs what is missing: `apt-get install -y wrk nginx`): collects static
files, creates a throw-away PostgreSQL database (`test_<name>` on BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bulletin_pagebench; dropped at the end), loads the demo plus a
published public 30-article issue and an internal 30-article one, renders the PDF and writes the
public pages' files (config/public_files.py), then starts on loopback ports gunicorn (4 workers,
production settings: DEBUG=false, PostgreSQL, Redis) and nginx (the shipped deploy/nginx.conf
in front of that gunicorn, plus a plain static server). The Redis database given is FLUSHED at
start and end: never point it at a production cache.

For each page, `wrk -t2 -c32` measures, one after the other:
  a   nginx sending the very bytes Bulletin answers, from a file (plain `root`)
  b   a bare Django view returning those bytes through the same gunicorn and middleware
      (bench/_pages_urls.py; its URL carries a query string, which the page cache skips)
  c   Bulletin: through nginx (the written files; a visitor without a session) and straight
      from gunicorn (the embedded set-up: the whole-page cache of config/pagecache.py);
      the internal issue as a signed-in reader, straight from gunicorn (reader/signed_in.py: the
      check in one statement, then the kept page); the internal issue's PDF as a signed-in reader
      through nginx (BULLETIN_MEDIA_ACCEL: Django checks, nginx sends the file by X-Accel-Redirect).
Targets: c via nginx ≥ 80 % of a; c embedded ≥ 80 % of b; internal ≥ 70 % of b; the internal PDF
has no figure in the issue (its ratio to a is printed).
gunicorn runs with --max-requests 0 (gunicorn.conf.py recycles workers every ~2000 requests,
which at these rates would restart a worker every few seconds, in b and c alike).
"""

import argparse
import contextlib
import datetime
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def ensure_tools():
    missing = [tool for tool in ("wrk", "nginx") if not shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin")]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {', '.join(missing)}: run `sudo apt-get install -y wrk nginx` first")
    print(f"installing {' '.join(missing)} (apt-get)…", flush=True)
    if subprocess.run(["apt-get", "install", "-y", *missing], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True)
        subprocess.run(["apt-get", "install", "-y", *missing], check=True, capture_output=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, cookie=None):
    """(status, Content-Type, body), redirects not followed (a login page is not the page)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=120) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def wrk(url, seconds, cookie=None):
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors or "Socket errors" in output:
        print(f"   ! {url}: {(errors.group(0) if errors else '')} {re.findall(r'Socket errors.*', output)}", flush=True)
    return rate


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}), load average {load}, Python {platform.python_version()}"


NGINX_MAIN = """{user}daemon off;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
{temp_paths}
{shipped}
    server {{
        listen 127.0.0.1:{static_port};
        root {static_root};
        location / {{ }}
    }}
}}
"""


def nginx_config(prefix, *, upstream_port, port, static_port, static_root, settings):
    shipped = re.sub(r"(?m)^\s*#.*\n", "", (ROOT / "deploy" / "nginx.conf").read_text())
    for old, new in [
        # Compose's upstream (every web replica by Docker's DNS): here the one gunicorn.
        ("server web:8000 resolve;", f"server 127.0.0.1:{upstream_port};"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("alias /data/static/;", f"alias {settings.STATIC_ROOT}/;"),
        ("alias /data/media/;", f"alias {settings.MEDIA_ROOT}/;"),
        ("alias /data/private/pdf/;", f"alias {settings.PRIVATE_ROOT}/pdf/;"),
        ("root /data/pages", f"root {settings.PUBLIC_PAGES_ROOT}"),
    ]:
        assert shipped.count(old) == 1, old
        shipped = shipped.replace(old, new)
    temp_paths = "\n".join(f"    {n}_temp_path {prefix}/{n};" for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(NGINX_MAIN.format(
        user="user root;\n" if os.geteuid() == 0 else "", prefix=prefix, temp_paths=temp_paths, shipped=shipped,
        static_port=static_port, static_root=static_root,
    ))


@contextlib.contextmanager
def stopping(processes):
    """Stop the servers before the database is dropped (their connections would keep it)."""
    try:
        yield
    finally:
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds of wrk per figure")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="Redis database (FLUSHED)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    ensure_tools()

    work = Path(tempfile.mkdtemp(prefix="bulletin-pagebench-"))
    gunicorn_port, nginx_port, static_port = free_port(), free_port(), free_port()
    production = {
        "DEBUG": "false", "SECRET_KEY": "bench-only-" + os.urandom(8).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "REDIS_URL": args.redis,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bulletin_pagebench"),
        "STATIC_ROOT": str(work / "static"), "PUBLIC_PAGES_ROOT": str(work / "pages"),
        "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false", "BULLETIN_PDF_ON_PUBLISH": "off",
        # As behind the shipped nginx.conf: an internal PDF is checked by Django, sent by nginx.
        "BULLETIN_MEDIA_ACCEL": "true",
        "BULLETIN_SITE_URL": f"http://127.0.0.1:{nginx_port}", "LOG_LEVEL": "ERROR",
    }
    os.environ.update(production)
    if not production["DATABASE_URL"].startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL must name a PostgreSQL server")
    print("collectstatic…", flush=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True)

    sys.path.insert(0, str(BENCH))
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    from _setup import bench_database, big_issue, load_demo

    processes = []
    try:
        with bench_database(redis_url=args.redis), stopping(processes):
            from django.conf import settings
            from django.contrib.auth import get_user_model
            from django.db import connection
            from django.test import Client

            from bulletin import publishing
            from bulletin.models import Visibility
            from bulletin.pdf.store import ensure_issue_pdf, pdf_path
            from config import public_files

            print("demo, a public and an internal 30-article issue…", flush=True)
            publication = load_demo()
            User = get_user_model()
            editor, head = User.objects.get(username="editor"), User.objects.get(username="head")

            def published(month, visibility):
                issue = big_issue(publication, year=2026 + month // 13, month=1 + (month - 1) % 12, count=30, publish=False)
                publishing.set_visibility(issue, visibility, by=editor)
                issue.refresh_from_db()
                if issue.status != issue.Status.SIGNED_OFF:  # the change reopened it
                    publishing.submit_for_sign_off(issue, by=editor)
                    publishing.sign_off(issue, by=head)
                return publishing.publish_issue(issue, by=head)

            big = published(12, Visibility.PUBLIC)
            internal = published(13, Visibility.INTERNAL)
            ensure_issue_pdf(big)
            ensure_issue_pdf(internal)
            print("writing the public pages' files…", flush=True)
            written = public_files.write_missing(reset=True)
            reader_client = Client()
            reader_client.force_login(User.objects.get(username="reader"))
            cookie = f"sessionid={reader_client.cookies['sessionid'].value}"
            connection.close()

            slug = publication.slug
            middle = big.placements.order_by("section__position", "position")[15].article_id
            pages = [
                ("home", "/"), ("archive", f"/{slug}/"), ("issue, 30 articles", f"/{slug}/{big.serial_number}/"),
                ("article", f"/{slug}/{big.serial_number}/{middle}/"), ("PDF", f"/{slug}/{big.serial_number}.pdf"),
                ("feed (Atom)", f"/{slug}/feed.atom"),
            ]
            internal_page = ("internal issue, signed-in reader", f"/{slug}/{internal.serial_number}/")
            internal_pdf = ("internal PDF, signed-in reader (X-Accel)", f"/{slug}/{internal.serial_number}.pdf")
            signed_in = {internal_page, internal_pdf}

            environment = {
                **os.environ, "DATABASE_URL": production["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"],
                "MEDIA_ROOT": str(settings.MEDIA_ROOT), "PRIVATE_ROOT": str(settings.PRIVATE_ROOT),
                "DJANGO_SETTINGS_MODULE": "_pages_settings", "PYTHONPATH": f"{BENCH}:{ROOT}",
                "BENCH_BARE_DIR": str(work / "bare"), "WEB_CONCURRENCY": "4",
                "GUNICORN_BIND": f"127.0.0.1:{gunicorn_port}",
            }
            gunicorn = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "4", "--max-requests", "0",
                 "--bind", f"127.0.0.1:{gunicorn_port}"],
                cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            processes.append(gunicorn)
            django_url = f"http://127.0.0.1:{gunicorn_port}"
            wait_for(django_url + "/healthz", gunicorn)

            # The bytes Bulletin answers: a's files and b's bodies.
            (work / "bare").mkdir()
            (work / "static-a").mkdir()
            variants = []
            for index, (name, path) in enumerate([*pages, internal_page, internal_pdf]):
                use_cookie = cookie if (name, path) in signed_in else None
                status, content_type, body = fetch(django_url + path, use_cookie)
                assert status == 200, (path, status)
                if (name, path) == internal_pdf:  # Django's answer names the file; nginx sends it
                    assert body == b"", "BULLETIN_MEDIA_ACCEL: the internal PDF should be left to nginx"
                    body = pdf_path(internal).read_bytes()
                key = f"p{index}"
                (work / "bare" / key).write_bytes(body)
                (work / "bare" / f"{key}.type").write_text(content_type)
                extension = {"application/pdf": ".pdf", "application/atom+xml": ".atom"}.get(content_type.split(";")[0], ".html")
                (work / "static-a" / f"{key}{extension}").write_bytes(body)
                kind = "accel" if (name, path) == internal_pdf else "internal" if use_cookie else "public"
                variants.append((name, path, key, extension, use_cookie, len(body), kind))

            prefix = work / "nginx"
            prefix.mkdir()
            nginx_config(prefix, upstream_port=gunicorn_port, port=nginx_port, static_port=static_port,
                         static_root=work / "static-a", settings=settings)
            nginx = subprocess.Popen(
                [shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin"), "-p", str(prefix),
                 "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
            processes.append(nginx)
            nginx_url, static_url = f"http://127.0.0.1:{nginx_port}", f"http://127.0.0.1:{static_port}"
            wait_for(static_url + "/" + variants[0][2] + variants[0][3], nginx)

            print(f"{written} files written; wrk -t2 -c32 -d{args.seconds}s per figure", flush=True)
            rows = []
            for name, path, key, extension, use_cookie, size, kind in variants:
                for url in (django_url + path, nginx_url + path):  # warm: the page cache, PDF
                    fetch(url, use_cookie)
                if kind == "accel":
                    status, _type, body = fetch(nginx_url + path, use_cookie)
                    assert status == 200 and len(body) == size, (path, status, len(body))
                a = wrk(f"{static_url}/{key}{extension}", args.seconds)
                b = wrk(f"{django_url}/__bench__/bare/{key}?b", args.seconds, use_cookie)
                # The internal page: gunicorn alone (nginx would only pass it on); the internal
                # PDF: through nginx only (gunicorn alone answers with an empty X-Accel answer).
                c_nginx = None if kind == "internal" else wrk(nginx_url + path, args.seconds, use_cookie)
                c_django = None if kind == "accel" else wrk(django_url + path, args.seconds, use_cookie)
                rows.append((name, size, a, b, c_nginx, c_django, kind))
                print(f"   {name}: a {a:.0f}, b {b:.0f}, c nginx {c_nginx or 0:.0f}, "
                      f"c embedded {c_django or 0:.0f} req/s", flush=True)
    finally:
        try:
            import redis

            redis.Redis.from_url(args.redis).flushdb()
        except Exception:
            pass
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    print("gunicorn 4 workers, PostgreSQL, Redis, DEBUG=false; req/s; targets: c nginx ≥ 80 % of a (public), "
          "c embedded ≥ 80 % of b (public), ≥ 70 % of b (internal)")
    header = ["page", "KiB", "a nginx file", "b bare view", "c via nginx", "c embedded", "c nginx / a", "c embedded / b"]
    lines = []
    for name, size, a, b, c_nginx, c_django, kind in rows:
        target = 0.7 if kind == "internal" else 0.8
        if c_nginx is None:
            ratio_a = "–"
        elif kind == "accel":  # no figure in issue #15's targets: Django's check, then nginx's file
            ratio_a = f"{c_nginx / a:.0%} (no target)"
        else:
            ratio_a = f"{c_nginx / a:.0%} {'✓' if c_nginx / a >= 0.8 else '✗'}"
        if c_django is None:
            ratio_b = "–"
        else:
            ratio_b = f"{c_django / b:.0%} {'✓' if c_django / b >= target else '✗'} (≥ {target:.0%})"
        lines.append([name, f"{size / 1024:.0f}", f"{a:.0f}", f"{b:.0f}", "–" if c_nginx is None else f"{c_nginx:.0f}",
                      "–" if c_django is None else f"{c_django:.0f}", ratio_a, ratio_b])
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
        for row in [header, *lines]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
