"""Shared set-up for the benchmarks: a throw-away test database with the demo and big issues.

Nothing touches the configured database: Django's test-database machinery creates
`test_<name>` (PostgreSQL with DATABASE_URL) or an in-memory SQLite database, and drops it at
the end. Uploads and PDFs go to a temporary directory.
"""

import datetime
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

SENTENCE = "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署，要求压实责任、确保实效。"


def machine_note() -> str:
    import platform

    db = connection.vendor
    if db == "postgresql":
        db += f" {connection.pg_version // 10000}"
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return (
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}, Django {django.get_version()}, "
        f"database {db}, cache {cache}"
    )


@contextmanager
def bench_database(redis_url: str | None = None):
    """A fresh test database (migrated) for the duration of the block."""
    tmp = tempfile.TemporaryDirectory(prefix="bulletin-bench-")
    settings.MEDIA_ROOT = Path(tmp.name) / "media"
    settings.PRIVATE_ROOT = Path(tmp.name) / "private"
    settings.BULLETIN_PDF_ON_PUBLISH = "off"
    if redis_url:
        settings.CACHES = {
            "default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": redis_url}
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    setup_test_environment(debug=False)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        tmp.cleanup()


def load_demo():
    from bulletin.demo import load_demo as load

    # Before the 15th: the demo assembles 2026年11月 (back issues 8–10月), leaving 12月 and on to the benches.
    return load(today=datetime.date(2026, 11, 5)).publication


def big_issue(publication, *, year: int, month: int, count: int = 30, publish: bool = True):
    """An issue of `count` approved articles, assembled, signed off and (optionally) published
    through the same service functions the desk uses."""
    from django.contrib.auth import get_user_model

    from bulletin import publishing
    from editorial.models import Article
    from editorial.revisions import record_revision

    User = get_user_model()
    editor, head = User.objects.get(username="editor"), User.objects.get(username="head")
    sections = list(publication.sections.order_by("position"))
    issue = publishing.create_issue(publication, year=year, month=month, by=editor)
    for n in range(count):
        section = sections[0] if n == 0 else sections[1 + n % (len(sections) - 1)]
        paragraphs = 3 + n % 5
        body = "".join(f"<p>{month}月{1 + n % 28}日，{SENTENCE * 3}</p>" for _ in range(paragraphs))
        article = Article.objects.create(
            publication=publication, section=section,
            title=f"第{n + 1}篇 示例区召开重点工作推进会议" + ("暨专题研讨会议" if n % 4 == 1 else ""),
            event_date=datetime.date(year, month, 1 + n % 28), body=body,
            author=editor, last_edited_by=editor, status=Article.Status.APPROVED,
        )
        record_revision(article, by=editor)
        publishing.add_article(issue, article, by=editor)
        if n == 0:
            publishing.set_focus(issue, article.pk, by=editor)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    if publish:
        issue = publishing.publish_issue(issue, by=head)
    return issue
