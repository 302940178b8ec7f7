"""Benchmark: search at 100,000 articles on PostgreSQL (issue #15), against its targets.

One command, on a throw-away database (never the one holding real work):

    createdb -h 127.0.0.1 -U postgres bulletin_bench100k
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin_bench100k
    python manage.py migrate && python manage.py generate_search_corpus --articles 100000
    python bench/search_100k.py [--runs 60] [--concurrency 32] [--requests 640]

Prints, for 会议 (in every article) and 杜建强 (in about one article in 2,000):

* the p50/p95 of everything the reader's search page asks the database and computes
  (bulletin.search.pages.search_page: the bounded count, the ranking, the 20 rows, the filters'
  choices), in this process, against the target p95 ≤ 50 ms;
* whether its first 20 results are those of the unbounded ordered query, in the same order
  (the query search() built before issue #15, run once, untimed);
* a run at the given concurrency through gunicorn (4 sync workers, 60 s timeout, loopback port)
  over HTTP: requests, errors, timeouts (no answer within 30 s), p50/p95/max, requests/s.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402

from bulletin.models import ArticleIndex, Issue, Visibility  # noqa: E402
from bulletin.search.pages import in_issues, reader_article_url, search_page  # noqa: E402
from bulletin.search.query import search  # noqa: E402
from bulletin.search.text import segmenter  # noqa: E402

QUERIES = ["会议", "杜建强"]
TARGET_MS = 50


def percentile(times, q):
    times = sorted(times)
    return times[min(len(times) - 1, int(round(q * (len(times) - 1))))]


def reader_base():
    """What reader.views.search.reader_search searches for an anonymous reader."""
    issues = Issue.objects.filter(
        status=Issue.Status.PUBLISHED, serial_number__isnull=False, visibility=Visibility.PUBLIC
    )
    return in_issues(ArticleIndex.objects.all(), issues.values_list("pk", flat=True)), issues


def in_process(runs):
    ok = True
    for query in QUERIES:
        params = QueryDict(mutable=True)
        params["q"] = query
        base, issues = reader_base()
        search_page(params, base, link=reader_article_url, issues=issues)  # warm: jieba, plans
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            base, issues = reader_base()
            context = search_page(params, base, link=reader_article_url, issues=issues)
            times.append((time.perf_counter() - started) * 1000)
        got = [r["row"].pk for r in context["results"]]
        _, old = search(base, query)
        want = list(old.values_list("pk", flat=True)[:20])
        same = got == want
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        met = p95 <= TARGET_MS and same
        ok &= met
        print(f"{query:<6} {context['count_label'][:14]:<16} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms "
              f"(target ≤ {TARGET_MS}: {'met' if p95 <= TARGET_MS else 'NOT met'}, {p95 / TARGET_MS:.0%} of it)  "
              f"top 20 same as the unbounded query: {'yes' if same else 'NO'}")
    return ok


def under_load(concurrency, requests, port):
    static_root = tempfile.mkdtemp(prefix="bulletin-bench-static-")
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "127.0.0.1",
           "WEB_CONCURRENCY": "4", "GUNICORN_TIMEOUT": "60", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "STATIC_ROOT": static_root}
    # Production settings serve hashed static names from a manifest: collect them first.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--access-logfile", "/dev/null",
         "--error-logfile", "-", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/search/?q="
        for _ in range(100):
            try:
                urllib.request.urlopen(base + urllib.parse.quote("会议"), timeout=30).read()
                break
            except urllib.error.HTTPError:
                raise
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        for _ in range(8):  # every worker loads jieba and opens its connection
            urllib.request.urlopen(base + urllib.parse.quote("杜建强"), timeout=30).read()
        times, errors, timeouts = [], [], 0
        lock = threading.Lock()
        counter = iter(range(requests))

        def client():
            nonlocal timeouts
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                url = base + urllib.parse.quote(QUERIES[n % len(QUERIES)])
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(url, timeout=30) as response:
                        response.read()
                        status = response.status
                except TimeoutError:
                    with lock:
                        timeouts += 1
                    continue
                except urllib.error.HTTPError as error:
                    status = error.code
                except (urllib.error.URLError, ConnectionError) as error:
                    status = str(error)
                with lock:
                    times.append((time.perf_counter() - started) * 1000)
                    if status != 200:
                        errors.append(status)

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        print(f"concurrency {concurrency}: {requests} requests (会议 and 杜建强 alternately) in {elapsed:.1f} s, "
              f"{len(times) / elapsed:.1f} req/s, errors {len(errors)}, timeouts {timeouts}; "
              f"p50 {statistics.median(times):.0f} ms, p95 {percentile(times, 0.95):.0f} ms, max {max(times):.0f} ms")
        return not errors and not timeouts
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=640)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/search_100k.py measures PostgreSQL: set DATABASE_URL (see the docstring).")
    segmenter()
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, PostgreSQL {connection.pg_version // 10000}, "
          f"{reader_base()[0].count()} public articles indexed")
    ok = in_process(args.runs)
    if args.concurrency:
        ok &= under_load(args.concurrency, args.requests, args.port)
    print("all targets met" if ok else "some target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
