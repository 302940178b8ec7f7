"""Benchmark: the desk with 2,000 articles per user (issue #15), against its targets.

    python bench/desk_2000.py [--articles 2000] [--runs 20]

Runs in a throw-away test database (bench/_setup.py): the demo, then `--articles` articles
written by the demo's editor (drafts, returned, submitted, approved in turn) and as many by a
second editor, waiting for the approver. Prints per page and user the median and 95th-percentile
time of a request through the test client and its SQL queries, against the targets
(≤ 100 ms, ≤ 15 queries).
"""

import argparse
import statistics
import time
import warnings

from _setup import bench_database, load_demo, machine_note

TARGET_MS, TARGET_QUERIES = 100, 15


def main():
    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    with bench_database():
        import os

        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from editorial.models import Article

        publication = load_demo()
        User = get_user_model()
        editor = User.objects.get(username="editor")
        other = User.objects.create_user("editor-b", password=None)
        other.groups.set(editor.groups.all())
        sections = list(publication.sections.all())
        statuses = [Article.Status.DRAFT, Article.Status.RETURNED, Article.Status.SUBMITTED, Article.Status.APPROVED]
        Article.objects.bulk_create([
            Article(publication=publication, section=sections[n % len(sections)], title=f"稿件{n}",
                    body="<p>正文。</p>" * 20, author=author, last_edited_by=author,
                    status=statuses[n % 4], review_level=1)
            for author in (editor, other) for n in range(args.articles)
        ], batch_size=500)
        load = os.getloadavg()
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine_note()}; load average "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.articles} articles per editor")
        ok = True
        for username, url in [("editor", "/desk/"), ("editor", "/desk/articles/"), ("approver", "/desk/"),
                              ("approver", "/desk/articles/"), ("approver", "/desk/review/")]:
            client = Client()
            client.force_login(User.objects.get(username=username))
            client.get(url)
            times, queries, size = [], 0, 0
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                queries, size = len(captured), len(response.content)
            times.sort()
            p50, p95 = statistics.median(times), times[int(round(0.95 * (len(times) - 1)))]
            met = p95 <= TARGET_MS and queries <= TARGET_QUERIES
            ok &= met
            print(f"{username:<9}{url:<17} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {queries:2d} queries  "
                  f"{size / 1024:6.1f} KiB  ({'met' if met else 'NOT met'}: ≤ {TARGET_MS} ms, ≤ {TARGET_QUERIES} queries)")
        print("all targets met" if ok else "some target NOT met")


if __name__ == "__main__":
    main()
