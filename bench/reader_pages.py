"""Benchmark: latency and SQL queries of the reader site's pages, with a cold and a warm cache.

    python bench/reader_pages.py [--runs 30] [--redis redis://127.0.0.1:6379/15]

Runs in a throw-away test database (see bench/_setup.py) holding the demo data plus a published
30-article issue, and requests each page through Django's test client as a signed-in reader
(the full middleware, view and template stack; no network). "cold" clears the cache before
every request, "warm" is the steady state. With --redis that Redis database is used, and
FLUSHED: never point it at a production cache.
"""

import argparse
import statistics
import time
import warnings

from _setup import bench_database, big_issue, load_demo, machine_note


def measure(client, url, runs, *, cold):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    client.get(url)  # first hit: imports, template compilation, jieba (search)
    for _ in range(runs):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(captured))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], max(queries), len(response.content)


def main():
    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--redis", help="use this Redis database as the cache (it is flushed)")
    args = parser.parse_args()

    with bench_database(redis_url=args.redis):
        from django.contrib.auth import get_user_model
        from django.test import Client

        from bulletin.models import Issue

        publication = load_demo()
        big = big_issue(publication, year=2026, month=12, count=30)
        small = Issue.objects.filter(publication=publication, status=Issue.Status.PUBLISHED).exclude(pk=big.pk).order_by("-serial_number").first()
        first_big = big.placements.order_by("section__position", "position").first().article_id
        middle_big = big.placements.order_by("section__position", "position")[15].article_id
        first_small = small.placements.order_by("section__position", "position").first().article_id

        client = Client()
        client.force_login(get_user_model().objects.get(username="reader"))
        slug = publication.slug
        pages = [
            ("home", "/"),
            ("archive", f"/{slug}/"),
            (f"issue, demo ({small.placements.count()} articles)", f"/{slug}/{small.serial_number}/"),
            ("issue, 30 articles", f"/{slug}/{big.serial_number}/"),
            ("article, demo issue", f"/{slug}/{small.serial_number}/{first_small}/"),
            ("article, 30-article issue", f"/{slug}/{big.serial_number}/{middle_big}/"),
            ("article, first of 30", f"/{slug}/{big.serial_number}/{first_big}/"),
            ("search 会议", "/search/?q=会议"),
        ]
        print(machine_note())
        print(f"runs per figure: {args.runs}; times in ms (median / p95), queries per request")
        print(f"{'page':34} {'cold median':>11} {'p95':>7} {'q':>3}   {'warm median':>11} {'p95':>7} {'q':>3} {'KiB':>6}")
        for name, url in pages:
            cold = measure(client, url, args.runs, cold=True)
            warm = measure(client, url, args.runs, cold=False)
            print(f"{name:34} {cold[0]:11.1f} {cold[1]:7.1f} {cold[2]:3d}   {warm[0]:11.1f} {warm[1]:7.1f} {warm[2]:3d} {warm[3] / 1024:6.0f}")


if __name__ == "__main__":
    main()
