"""Benchmark: importing a back issue into a fresh database.

    python bench/import_issue.py [--file PATH] [--runs 3]

The file is the office's real sample (../shared/seed/sample-issue-2020-10.txt, 27 articles)
when it is beside the repository, else the tests' own issue (tests/data/issue-sample.txt,
13 articles); the figures name the file and its article count.

Runs in a throw-away test database (bench/_setup.py) with the demo publication (its series
started past the file's number, so the file is a back issue). The first run imports the file
with ``import_parsed_issue(..., create_sections=True)``; later runs replace the previous copy
(the demo editor asks, the head approves: ``approve_replacement``, which imports again and
keeps the old copy as 已被替换). Prints the time, the number of queries, and how many times
an article was (re)indexed for search.
"""

import argparse
import statistics
import time
import warnings
from pathlib import Path

from _setup import bench_database, load_demo, machine_note

REPO = Path(__file__).resolve().parent.parent
SHARED_SAMPLE = REPO.parent / "shared" / "seed" / "sample-issue-2020-10.txt"
OWN_ISSUE = REPO / "tests" / "data" / "issue-sample.txt"
SAMPLE = SHARED_SAMPLE if SHARED_SAMPLE.exists() else OWN_ISSUE


def main():
    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = args.file.read_bytes()

    with bench_database():
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from bulletin.importing.service import (
            approve_replacement,
            existing_issues,
            import_parsed_issue,
            parse_issue_file,
            request_replacement,
        )
        from bulletin.search import index as search

        publication = load_demo()
        editor = get_user_model().objects.filter(is_superuser=True).first() or \
            get_user_model().objects.get(username="head")
        requester = get_user_model().objects.get(username="editor")
        indexed = []
        index_rows = search.index_rows

        def counting(*a, **kw):
            count = index_rows(*a, **kw)  # articles indexed (deleted ones skipped)
            indexed.append(count)
            return count

        search.index_rows = counting
        # A back issue lies below Bulletin's own series: start the demo's series past the file's.
        serial = parse_issue_file(data, args.file.name, publication=publication, create_sections=True).serial_number
        if publication.first_serial_number <= serial:
            type(publication).objects.filter(pk=publication.pk).update(first_serial_number=serial + 1)
            publication.refresh_from_db()
        times, queries, reindexed, articles = [], 0, 0, 0
        for _ in range(args.runs):
            parsed = parse_issue_file(data, args.file.name, publication=publication, create_sections=True)
            indexed.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                clash = existing_issues(parsed, publication)
                if clash:  # runs after the first replace the previous copy, as the head approves it
                    request = request_replacement(
                        data, args.file.name, parsed, publication=publication, by=requester, create_sections=True
                    )
                    issue = approve_replacement(request, by=editor)
                else:
                    issue = import_parsed_issue(parsed, publication=publication, by=editor, create_sections=True)
                times.append(time.perf_counter() - started)
            queries = len(captured)
            reindexed = sum(indexed)
            articles = issue.placements.count()

        print(machine_note())
        print(f"{args.file.name}: {articles} articles, {args.runs} runs; last run: {queries} queries, "
              f"{reindexed} article indexings ({reindexed / max(articles, 1):.1f} per article)")
        print(f"import       median {statistics.median(times):7.3f} s   best {min(times):7.3f} s   "
              f"worst {max(times):7.3f} s")


if __name__ == "__main__":
    main()
