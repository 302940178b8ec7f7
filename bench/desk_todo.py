"""Benchmark: 待我处理 (/desk/) and the calendar on the demo, then on a big archive.

    python bench/desk_todo.py [--runs 20] [--years 20] [--open 300]

Runs in a throw-away test database (bench/_setup.py): the demo data first, then `--years` years
of published back issues (12 a year, 25 published articles each) and `--open` more articles in
progress (drafts, returned, submitted). Prints, per page and role, the median time and the SQL
queries per request on both, and the ratios big/demo: the query count must not grow with the
archive (ratio 1.00); the time grows only with the work actually waiting.
"""

import argparse
import statistics
import time
import warnings

from _setup import bench_database, load_demo, machine_note


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(captured))
    return statistics.median(times), max(queries)


def grow(publication, years, open_count):
    from django.contrib.auth import get_user_model

    from bulletin.models import Issue, IssueArticle
    from editorial import workflow
    from editorial.models import Article

    User = get_user_model()
    editor, approver = User.objects.get(username="editor"), User.objects.get(username="approver")
    sections = list(publication.sections.all())
    first_year = min(Issue.objects.filter(publication=publication).values_list("year", flat=True)) - years
    serial = 1
    for year in range(first_year, first_year + years):
        for month in range(1, 13):
            issue = Issue.objects.create(
                publication=publication, year=year, month=month, status=Issue.Status.PUBLISHED,
                year_number=month, serial_number=serial, **publication.schedule_for(year, month),
            )
            serial += 1
            articles = Article.objects.bulk_create([
                Article(publication=publication, section=sections[n % len(sections)], title=f"{year}年{month}月 稿件{n}",
                        body="<p>往期正文。</p>", author=editor, last_edited_by=editor, status=Article.Status.PUBLISHED)
                for n in range(25)
            ])
            IssueArticle.objects.bulk_create([
                IssueArticle(issue=issue, article=a, section=a.section, position=n) for n, a in enumerate(articles)
            ])
    for n in range(open_count):
        article = workflow.create_article(by=editor, publication=publication, section=sections[n % len(sections)],
                                          title=f"进行中的稿件{n}", body="<p>正文。</p>")
        if n % 3:
            workflow.submit(article, by=editor)
        if n % 3 == 2:
            workflow.return_to_author(article, by=approver, comment="请补充。")


def main():
    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--open", type=int, default=300)
    args = parser.parse_args()

    with bench_database():
        from django.contrib.auth import get_user_model
        from django.test import Client

        from editorial.models import Article

        publication = load_demo()
        User = get_user_model()
        pages = [(role, url) for role in ("editor", "approver", "head") for url in ("/desk/", "/desk/calendar/")]
        clients = {}
        for role in ("editor", "approver", "head"):
            clients[role] = Client()
            clients[role].force_login(User.objects.get(username=role))
        demo = {page: measure(clients[page[0]], page[1], args.runs) for page in pages}
        before = Article.objects.count()
        grow(publication, args.years, args.open)
        big = {page: measure(clients[page[0]], page[1], args.runs) for page in pages}

        print(machine_note())
        print(f"demo: {before} articles; big: {Article.objects.count()} articles, {args.years * 12} more "
              f"published issues, {args.open} more in progress; runs per figure: {args.runs}")
        print(f"{'page':26} {'demo ms':>8} {'q':>3}   {'big ms':>8} {'q':>3}   {'time ×':>6} {'queries ×':>9}")
        for page in pages:
            (t1, q1), (t2, q2) = demo[page], big[page]
            print(f"{page[0] + ' ' + page[1]:26} {t1:8.1f} {q1:3d}   {t2:8.1f} {q2:3d}   {t2 / t1:6.2f} {q2 / q1:9.2f}")


if __name__ == "__main__":
    main()
