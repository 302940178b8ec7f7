"""Fill a throw-away database with a large published archive for search benchmarks.

    python manage.py generate_search_corpus --articles 100000 [--publication bench-search]

Creates (or extends) one public publication with monthly published issues, articles with a
pinned revision placed in them, and their search index rows built by the same code the site
uses (bulletin.search.index.index_rows). Rows are written with bulk inserts (no signals), in
batches, so 100,000 articles take a few minutes, most of it jieba. The text is generated from a
fixed seed: every article contains 会议; the name 杜建强 is rare (about one article in 2,000).
Never run it against a database that holds real work: it is meant for bench/search_100k.py.
"""

import datetime
import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bulletin.models import Issue, IssueArticle, Publication, Section, Visibility
from bulletin.search.index import index_rows
from bulletin.search.models import ArticleIndex
from bulletin.search.text import segmenter
from editorial.models import Article, Revision

SECTIONS = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
PEOPLE = ["刘玉钊", "徐立毅", "陈传建", "刘守斌", "王泰峰", "邵春雨", "乔耸", "张国伟", "李文华"]
RARE_PERSON = "杜建强"
PLACES = ["须水河", "贾鲁河", "建设路街道", "林山寨街道", "三官庙街道", "绿东村街道", "汝河小区"]
TOPICS = ["河长制", "一网通办", "创建全国文明城市", "食品安全", "人口普查", "府院联动", "重大项目"]
TITLES = ["{person}到{place}调研{topic}工作", "全区{topic}工作会议召开", "{place}推进{topic}",
          "{person}主持召开{topic}专题会议", "{topic}工作取得新进展"]
SENTENCES = [
    "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署。",
    "要求各单位压实责任、强化协调，确保各项工作按期保质完成。",
    "与会人员围绕工作推进中存在的问题进行了深入交流。",
    "下一步，将持续加大工作力度，推动各项任务落地见效。",
    "区直有关单位、各街道办事处主要负责人参加会议。",
    "会议强调，要提高政治站位，切实增强做好工作的责任感和紧迫感。",
    "全区上下要以只争朝夕的精神状态，扎实推进经济社会高质量发展。",
    "坚持以轨道交通为引领的TOD开发建设。",
]
BATCH = 2000


class Command(BaseCommand):
    help = "生成检索基准测试用的大量已发布文章（仅用于测试数据库）。"

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=100_000)
        parser.add_argument("--publication", default="bench-search")
        parser.add_argument("--first-year", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=97)
        parser.add_argument("--per-issue", type=int, default=200, help="articles per monthly issue")

    def handle(self, *, articles, publication, first_year, seed, per_issue, **options):
        if articles < 1:
            raise CommandError("--articles 至少为 1。")
        pub = self.publication(publication)
        have = ArticleIndex.objects.filter(publication=pub).count()
        if have >= articles:
            self.stdout.write(f"{pub.slug}: already {have} articles")
            return
        sections = list(pub.sections.order_by("position"))
        issues = self.issues(pub, first_year, articles, max(1, per_issue))
        author = get_user_model().objects.order_by("pk").first() or get_user_model().objects.create_user(
            "bench-search", password=None
        )
        segmenter()
        started = time.perf_counter()
        for start in range(have, articles, BATCH):
            stop = min(articles, start + BATCH)
            self.batch(pub, sections, issues, author, range(start, stop), seed)
            rate = (stop - have) / (time.perf_counter() - started)
            self.stdout.write(f"  {stop}/{articles} articles ({rate:.0f}/s)")
        self.stdout.write(f"{pub.slug}: {articles} articles in {time.perf_counter() - started:.0f} s")

    def publication(self, slug):
        pub, created = Publication.objects.get_or_create(
            slug=slug, defaults={"name": "检索基准测试刊", "default_visibility": Visibility.PUBLIC}
        )
        if created:
            for position, name in enumerate(SECTIONS, start=1):
                Section.objects.create(publication=pub, name=name, position=position)
        return pub

    def issues(self, pub, first_year, articles, per_issue):
        """Monthly published issues, `per_issue` articles each."""
        wanted = max(1, -(-articles // per_issue))
        existing = list(pub.issues.order_by("year", "month"))
        serial = max([i.serial_number or 0 for i in existing], default=0)
        for n in range(len(existing), wanted):
            year, month = first_year + n // 12, 1 + n % 12
            serial += 1
            existing.append(Issue.objects.create(
                publication=pub, year=year, month=month, status=Issue.Status.PUBLISHED,
                year_number=month, serial_number=serial, visibility=Visibility.PUBLIC,
                publication_date=datetime.date(year, month, 28),
            ))
        if (pub.last_serial_number or 0) < serial:
            Publication.objects.filter(pk=pub.pk).update(last_serial_number=serial)
        return existing

    def batch(self, pub, sections, issues, author, numbers, seed):
        rows = []
        for n in numbers:
            rng = random.Random(seed * 1_000_003 + n)
            issue = issues[n % len(issues)]
            person = RARE_PERSON if n % 2000 == 7 else rng.choice(PEOPLE)
            values = {"person": person, "place": rng.choice(PLACES), "topic": rng.choice(TOPICS)}
            title = rng.choice(TITLES).format(**values)
            day = 1 + rng.randrange(28)
            body = f"<p>{issue.month}月{day}日，{values['person']}到{values['place']}调研{values['topic']}工作。"
            body += "".join(rng.choice(SENTENCES) for _ in range(4 + rng.randrange(12)))
            body += "</p><p>" + "".join(rng.choice(SENTENCES) for _ in range(rng.randrange(8))) + "</p>"
            section = sections[n % len(sections)]
            rows.append((issue, section, title, body, datetime.date(issue.year, issue.month, day)))
        with transaction.atomic():
            created = Article.objects.bulk_create([
                Article(publication=pub, section=section, title=title, body=body, event_date=date,
                        author=author, last_edited_by=author, status=Article.Status.PUBLISHED)
                for issue, section, title, body, date in rows
            ], batch_size=500)
            revisions = Revision.objects.bulk_create([
                Revision(article=article, number=1, title=title, event_date=date, section=section,
                         body=body, created_by=author)
                for article, (issue, section, title, body, date) in zip(created, rows, strict=True)
            ], batch_size=500)
            IssueArticle.objects.bulk_create([
                IssueArticle(issue=issue, article=article, section=section, position=n % 200, revision=revision)
                for n, (article, revision, (issue, section, *_rest)) in enumerate(zip(created, revisions, rows, strict=True))
            ], batch_size=500)
            index_rows([a.pk for a in created])
