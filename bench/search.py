"""Benchmark: search latency over ~2000 articles on the current database.

    python bench/search.py [--articles 2000] [--runs 20] [--cleanup]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin python bench/search.py

Writes a separate publication (slug ``bench-search``, public, 5 years of monthly issues) with
generated articles into whatever DATABASE_URL points at, once; later runs reuse it
(``--cleanup`` deletes it afterwards). Index rows are built with the same segmentation as
``bulletin.search.index.index_rows``, so SQLite's FTS5 triggers / PostgreSQL's generated tsvector
see the usual text. Prints, per query, the median and 95th-percentile time of

* ``search()``: the count and the first page of 20 rows (what the page needs), and
* the whole reader page ``/search/?q=…`` through the Django test client (view, template).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from bulletin.models import Issue, Publication, Section, Visibility  # noqa: E402
from bulletin.search.models import ArticleIndex  # noqa: E402
from bulletin.search.query import search  # noqa: E402
from bulletin.search.text import segment_document, segmenter  # noqa: E402
from common.cjk import FOLD_WIDTH  # noqa: E402
from common.history import deleting_history  # noqa: E402
from editorial.models import Article  # noqa: E402

SLUG = "bench-search"
SECTIONS = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
PEOPLE = ["杜建强", "刘玉钊", "徐立毅", "陈传建", "刘守斌", "王泰峰", "邵春雨", "乔耸"]
PLACES = ["须水河", "贾鲁河", "建设路街道", "林山寨街道", "三官庙街道", "绿东村街道", "汝河小区"]
TOPICS = ["河长制", "一网通办", "创建全国文明城市", "食品安全", "人口普查", "府院联动", "重大项目"]
SENTENCES = [
    "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署。",
    "要求各单位压实责任、强化协调，确保各项工作按期保质完成。",
    "与会人员围绕工作推进中存在的问题进行了深入交流。",
    "下一步，将持续加大工作力度，推动各项任务落地见效。",
    "区直有关单位、各街道办事处主要负责人参加会议。",
]
QUERIES = ["杜建强", "河长制", "一网通办", "须水河", "中原区", "会议", "河", "TOD", "ＴＯＤ",
           "杜建强 河长制", "创建全国文明城市工作推进", "没有这个词语的检索"]


def generate(count: int) -> Publication:
    rng = random.Random(97)
    publication, _ = Publication.objects.get_or_create(
        slug=SLUG, defaults={"name": "检索基准测试刊", "default_visibility": Visibility.PUBLIC},
    )
    existing = ArticleIndex.objects.filter(publication=publication).count()
    if existing >= count:
        return publication
    print(f"generating {count - existing} articles in publication “{publication.name}” ({SLUG}) …")
    author = get_user_model().objects.order_by("pk").first() or get_user_model().objects.create_user(
        "bench-search", password=None
    )
    sections = [
        Section.objects.get_or_create(publication=publication, name=name, defaults={"position": i})[0]
        for i, name in enumerate(SECTIONS)
    ]
    months = [(year, month) for year in range(2018, 2023) for month in range(1, 13)]
    issues = []
    for serial, (year, month) in enumerate(months, start=1):
        issue, _ = Issue.objects.get_or_create(
            publication=publication, year=year, month=month,
            defaults={"status": Issue.Status.PUBLISHED, "year_number": month, "serial_number": serial,
                      "visibility": Visibility.PUBLIC},
        )
        issues.append(issue)
    tokenizer = segmenter()
    started = time.perf_counter()
    with transaction.atomic():
        for n in range(existing, count):
            issue = issues[n % len(issues)]
            person, place, topic = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(TOPICS)
            title = f"{person}到{place}调研{topic}工作"
            day = 1 + n % 28
            body = f"{issue.month}月{day}日，{person}到{place}调研{topic}工作。" + "".join(
                rng.choice(SENTENCES) for _ in range(6 + n % 10)
            )
            if n % 50 == 0:
                body += "坚持以轨道交通为引领的TOD开发建设。"
            section = sections[n % len(sections)]
            article = Article.objects.create(
                publication=publication, section=section, title=title, body=f"<p>{body}</p>",
                event_date=datetime.date(issue.year, issue.month, day), author=author,
                status=Article.Status.PUBLISHED,
            )  # the post_save signal indexes it as a draft; the row is rewritten below
            text, title = body.translate(FOLD_WIDTH), title.translate(FOLD_WIDTH)
            ArticleIndex.objects.update_or_create(
                article=article,
                defaults={
                    "publication": publication, "section": section, "issue": issue, "title": title,
                    "text": text, "event_date": article.event_date, "year": issue.year,
                    "segmented": " ".join([segment_document(title, tokenizer)] * 2 + [segment_document(text, tokenizer)]),
                },
            )
    print(f"  done in {time.perf_counter() - started:.1f} s")
    return publication


def timed(fn, runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cleanup", action="store_true", help="delete the benchmark publication afterwards")
    args = parser.parse_args()

    publication = generate(args.articles)
    base = ArticleIndex.objects.filter(
        publication=publication, issue__status=Issue.Status.PUBLISHED, issue__visibility=Visibility.PUBLIC
    ).select_related("publication", "section", "issue", "article")
    total = base.count()
    segmenter()  # jieba's dictionary loads once per process; not part of a query's cost
    client = Client()
    print(f"database: {connection.vendor}  articles: {total}  runs per query: {args.runs}")
    print(f"{'query':<16}{'hits':>6}{'search ms (median/p95)':>26}{'page ms (median/p95)':>24}")
    for query in QUERIES:
        def run_search(query=query):
            _, results = search(base, query)
            return results.count(), list(results[:20])

        s_med, s_p95, (hits, _) = timed(run_search, args.runs)

        def run_page(query=query):
            response = client.get("/search/", {"q": query, "publication": SLUG})
            assert response.status_code == 200, response.status_code
            return response

        p_med, p_p95, _ = timed(run_page, args.runs)
        print(f"{query:<16}{hits:>6}{s_med:>14.1f} / {s_p95:<9.1f}{p_med:>12.1f} / {p_p95:<9.1f}")

    if args.cleanup:
        with transaction.atomic():
            with deleting_history():  # generated data only (common.history)
                Article.objects.filter(publication=publication).delete()
                Issue.objects.filter(publication=publication).delete()
            publication.delete()
        print(f"deleted the benchmark publication ({SLUG}).")


if __name__ == "__main__":
    main()
