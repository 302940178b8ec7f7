"""What readers see without signing in changes only when published content changes: this module
says when, so that whole pages can be cached and written out as files (issue #15).

- `generation()` is a token that changes on every change of published content: a publish, an
  erratum, a withdrawal, a replaced back issue, a change of a publication (masthead, 版记, name)
  or of its sections. The page cache (config/pagecache.py) keys every page by it, so a change
  makes every cached page render again once: it is visible at once. The token is one row in the
  database (PagesGeneration), read on each request (one indexed query on the persistent
  connection), so every worker and node sees a change at once, and independent of Redis: a Redis
  outage or eviction can lose cached pages, never the fact that they are stale.
- `changed(...)` is what bulletin/signals.py calls: it moves the generation at once and again
  once the transaction has committed (a page rendered between the two from data not yet
  committed is thus never kept), and tells the receivers of `public_pages_changed` which pages
  changed (config/public_files.py deletes those files under PUBLIC_PAGES_ROOT and queues their
  regeneration).
- `locked(...)`: an exclusive lock (a file under PRIVATE_ROOT/pages/, per host like the files it
  guards) (moving the generation and deleting files) against a shared one
  (writing a regenerated file only if the generation it was rendered at is still current), so a
  file rendered before a change is never written after it.
- `public_paths()`: every page a visitor who is not signed in may read, for writing them out and
  for the sitemap's sake of completeness.

Only public (公开) published issues are ever named here; internal issues never are.
"""

import fcntl
import hashlib
import secrets
import threading
import weakref
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.dispatch import Signal
from django.urls import reverse

# Sent with `paths` (a set of URL paths whose page changed) or `paths=None` (every page).
public_pages_changed = Signal()


_fingerprint: str | None = None


def deployment_fingerprint() -> str:
    """Changes when any template or the static files' manifest changes (a deploy): cached pages
    are keyed by it as well as by the generation."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256()
        root = Path(settings.BASE_DIR) / "templates"
        for path in sorted(root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if manifest.exists():
            digest.update(manifest.read_bytes())
        _fingerprint = digest.hexdigest()[:12]
    return _fingerprint


def _dir() -> Path:
    path = Path(settings.PRIVATE_ROOT) / "pages"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def locked(*, exclusive: bool):
    with open(_dir() / "lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def generation() -> str:
    """The current token (created on first use): one indexed read of one row, as plain SQL (it is
    read on every request; the ORM's query building cost more than the query)."""
    from .models import PagesGeneration

    table = connection.ops.quote_name(PagesGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")  # noqa: S608 (no user input)
        row = cursor.fetchone()
    return (row[0] if row else "") or _bump()


def _bump() -> str:
    from .models import PagesGeneration

    token = secrets.token_hex(8)
    PagesGeneration.objects.update_or_create(pk=1, defaults={"token": token})
    return token


def _announce(paths, *, committed: bool):
    with locked(exclusive=True):
        _bump()
        public_pages_changed.send(sender=None, paths=paths, committed=committed)


class _Pending:
    """The pages changed by the current transaction, announced again once it has committed."""

    def __init__(self):
        self.paths: set[str] | None = set()
        self.done = False

    def add(self, paths):
        if self.paths is None or paths is None:
            self.paths = None
        else:
            self.paths |= paths

    def __call__(self):
        self.done = True
        _announce(self.paths, committed=True)


_pending: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def changed(*, issue=None, publication=None, everything: bool = False, using=None):
    """Published content changed: one issue's pages (and the lists and feeds that name it), a
    publication's pages, or every page."""
    paths = None if everything else set()
    if issue is not None and paths is not None:
        paths |= issue_paths(issue)
    if publication is not None and paths is not None:
        paths |= publication_paths(publication)
    if paths is not None and not paths:
        return
    connection = connections[using or DEFAULT_DB_ALIAS]
    _announce(paths, committed=not connection.in_atomic_block)
    if not connection.in_atomic_block:
        return
    pending = _pending.get(connection)
    registered = pending is not None and not pending.done and any(
        entry[1] is pending for entry in connection.run_on_commit
    )
    if not registered:
        pending = _Pending()
        _pending[connection] = pending
        transaction.on_commit(pending, using=using or DEFAULT_DB_ALIAS, robust=True)
    pending.add(paths)


def publication_paths(publication) -> set[str]:
    """The pages listing a publication's issues: home, its archive, its feeds, the sitemap."""
    slug = publication.slug
    return {
        reverse("reader:home"),
        reverse("reader:archive", args=[slug]),
        reverse("reader:feed_atom", args=[slug]),
        reverse("reader:feed_rss", args=[slug]),
        reverse("sitemap"),
    }


def issue_paths(issue) -> set[str]:
    """An issue's own pages (a trailing `*` stands for everything below: its articles) and the
    lists that name it."""
    paths = publication_paths(issue.publication)
    if issue.serial_number:
        slug, serial = issue.publication.slug, issue.serial_number
        page = reverse("reader:issue", args=[slug, serial])
        paths |= {page, page + "*", reverse("reader:issue_pdf", args=[slug, serial])}
    return paths


def public_issues():
    from .models import Issue, Visibility

    return (
        Issue.objects.published().filter(visibility=Visibility.PUBLIC)
        .select_related("publication").order_by("publication_id", "-year", "-month")
    )


def public_paths(*, pdf: bool = True) -> list[str]:
    """Every page of the reader site a visitor who is not signed in may read."""
    from .models import IssueArticle, Publication

    paths = [reverse("reader:home"), reverse("sitemap")]
    for publication in Publication.objects.order_by("pk"):
        paths += sorted(publication_paths(publication) - set(paths))
    issues = list(public_issues())
    articles: dict[int, list[int]] = {}
    for issue_id, article_id in IssueArticle.objects.filter(issue__in=issues).values_list("issue_id", "article_id"):
        articles.setdefault(issue_id, []).append(article_id)
    for issue in issues:
        slug, serial = issue.publication.slug, issue.serial_number
        paths.append(reverse("reader:issue", args=[slug, serial]))
        if pdf:
            paths.append(reverse("reader:issue_pdf", args=[slug, serial]))
        paths += [reverse("reader:article", args=[slug, serial, pk]) for pk in sorted(articles.get(issue.pk, []))]
    return paths


class LocalPages:
    """A small least-recently-used store of cached pages in this process, bounded in count and
    bytes: entries are tuples whose second item is the body (bytes or str), or ("file", path,
    headers) which is read into memory up to `file_bytes`. Keys name the generation, so an entry
    is never stale; it only saves the round trip to Redis."""

    def __init__(self, *, count=200, size=32 * 1024 * 1024, file_bytes=0):
        self.limits = (count, size, file_bytes)
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        if entry[0] == "file":
            try:
                path = Path(entry[1])
                if path.stat().st_size > self.limits[2]:
                    return
                entry = ("bytes", path.read_bytes(), entry[2])
            except OSError:
                return
        size = len(entry[1])
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old[1])
            self.entries[key] = entry
            self.size += size
            while self.entries and (len(self.entries) > self.limits[0] or self.size > self.limits[1]):
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped[1])

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0
