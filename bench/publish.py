"""Benchmark: publishing an issue of 30 articles, and rendering its PDF.

    python bench/publish.py [--articles 30] [--runs 3]

Runs in a throw-away test database (bench/_setup.py). Each run assembles and signs off a fresh
issue, then times:
  publish     publish_issue() alone: numbering under the publication lock, pinning revisions
              (what the head waits for with BULLETIN_PDF_ON_PUBLISH=task, the default)
  publish CPU the same call's CPU time in this process (time.process_time: on SQLite all of the
              server's work, without the time spent waiting for a core on a loaded machine)
  pdf         rendering and storing the issue's PDF (ensure_issue_pdf: WeasyPrint + fonts)
  download    the first PDF download through the reader view afterwards (file already stored)
  publish+pdf publish_issue() with BULLETIN_PDF_ON_PUBLISH=sync (PDF rendered in the request)
"""

import argparse
import statistics
import time
import warnings

from _setup import bench_database, big_issue, load_demo, machine_note


def main():
    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with bench_database():
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from bulletin import publishing
        from bulletin.pdf import store as pdf_store

        publication = load_demo()
        head = get_user_model().objects.get(username="head")
        reader = Client()
        reader.force_login(get_user_model().objects.get(username="reader"))
        figures = {"publish": [], "publish CPU": [], "pdf": [], "download": [], "publish+pdf": []}
        queries = 0
        pdf_kib = 0
        month = 0
        for _ in range(args.runs):
            month += 1
            issue = big_issue(publication, year=2027, month=month, count=args.articles, publish=False)
            settings.BULLETIN_PDF_ON_PUBLISH = "off"
            with CaptureQueriesContext(connection) as captured:
                started, cpu = time.perf_counter(), time.process_time()
                issue = publishing.publish_issue(issue, by=head)
                figures["publish"].append(time.perf_counter() - started)
                figures["publish CPU"].append(time.process_time() - cpu)
            queries = len(captured)
            started = time.perf_counter()
            name = pdf_store.ensure_issue_pdf(issue)  # the storage name (disk or S3)
            figures["pdf"].append(time.perf_counter() - started)
            pdf_kib = pdf_store.pdf_storage().size(name) / 1024
            started = time.perf_counter()
            response = reader.get(f"/{publication.slug}/{issue.serial_number}.pdf")
            b"".join(response.streaming_content)
            figures["download"].append(time.perf_counter() - started)
            assert response.status_code == 200

            month += 1
            issue = big_issue(publication, year=2027, month=month, count=args.articles, publish=False)
            settings.BULLETIN_PDF_ON_PUBLISH = "sync"
            started = time.perf_counter()
            issue = publishing.publish_issue(issue, by=head)
            figures["publish+pdf"].append(time.perf_counter() - started)
            assert pdf_store.is_stored(issue)

        print(machine_note())
        print(f"issue of {args.articles} articles, {args.runs} runs; PDF {pdf_kib:.0f} KiB; "
              f"publish_issue: {queries} queries")
        for name, values in figures.items():
            print(f"{name:12} median {statistics.median(values):7.3f} s   best {min(values):7.3f} s   "
                  f"worst {max(values):7.3f} s")


if __name__ == "__main__":
    main()
