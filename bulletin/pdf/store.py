"""Stored PDFs of published issues: rendered once, kept in the private storage, served by a view.

A stored file is keyed by the issue and a *content version*: a hash of everything that
changes what the PDF shows once an issue is published (its numbers and dates, its
visibility notice, the published errata, the publication's colophon fields and the print
template itself). Publishing an erratum or withdrawing one therefore changes the version, and
the next request renders a fresh file; nothing stale is ever served.

Entry points for other modules:

- ``schedule_issue_pdf(issue)`` — call inside the publishing transaction; queues the render job
  ("issue_pdf", bulletin.jobs: the background worker renders it) by default, and never raises.
- ``invalidate_issue_pdf(issue)`` — call when errata are published or withdrawn: deletes the
  stored files and schedules a re-render.
- ``ensure_issue_pdf(issue)`` — the storage name of the current PDF, rendering it first if needed
  (one render of an issue at a time: a file lock and, on PostgreSQL, an advisory lock);
  ``stored_pdf_name(issue)`` the name only if it is stored; ``open_pdf(name)`` reads it,
  ``pdf_storage()`` is where it is (common.storage: PRIVATE_ROOT/pdf on disk, or the bucket's
  private/pdf/ prefix).
- ``request_pdf_job(issue)`` — what a reader's download starts when the PDF is not stored yet
  (in "task" mode the web process never renders).

settings.BULLETIN_PDF_ON_PUBLISH (``pdf_mode()``): "task" (default) renders on the background
worker, after publishing and after errata, and a reader asking before it is done is told to wait;
"sync" renders in the publishing request itself after the commit (tests, the publish_issue
command); "off" renders nothing at publishing. In "sync" and "off" a reader's request renders a
missing PDF itself. "thread", the former default, means "task".

The files live outside the media storage on purpose: an internal issue's PDF has no public URL.

The publication's uploaded fonts (bulletin.pdf.fonts) are not part of the content version: a
font change applies to the next render (previews, the next publish, a re-render after errata or
a template change), and a stored PDF of a published issue stays as it was distributed.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import logging
import mimetypes
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.utils import timezone

from common.storage import local_path, media_storage, private_storage, walk, write_atomically
from editorial.models import Image

from ..colophon import colophon_of
from ..jobs import JobError, latest_job, start_job
from ..models import Issue, PublicationFont
from ..rendering import issue_layout
from .fonts import font_cache_dir, pdf_fonts
from .render import BASE_DIR, PDF_CSS_PATH, TAGGED, TEMPLATE_NAME, render_issue_pdf, weasyprint_api

logger = logging.getLogger(__name__)

# How many PDFs this process has rendered (tests, benchmarks).
render_count = 0


PDF_FOLDER = "pdf"


def pdf_storage():
    return private_storage()


def _design_files() -> tuple[Path, ...]:
    return (BASE_DIR / "templates" / TEMPLATE_NAME, PDF_CSS_PATH)


def _stat_key(path: Path):
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


# (the files' mtimes and sizes, the fingerprint): every PDF request asks for the content version,
# and re-reading and hashing the template and stylesheet each time cost more than the rest of the
# check. A stat per file still notices an edit (a deploy, a designer's change) at once.
_fingerprint_cache: tuple[tuple, str] | None = None


def _design_fingerprint() -> str:
    """Changes when the print template, stylesheet or tagging changes, so old renders are replaced."""
    global _fingerprint_cache
    files = _design_files()
    key = (TAGGED, *(_stat_key(path) for path in files))
    if _fingerprint_cache is not None and _fingerprint_cache[0] == key:
        return _fingerprint_cache[1]
    digest = hashlib.sha256(f"tagged={TAGGED}".encode())
    for path in files:
        try:
            digest.update(path.read_bytes())
        except OSError:
            pass
    _fingerprint_cache = (key, digest.hexdigest())
    return _fingerprint_cache[1]


def content_version(issue: Issue) -> str:
    """A short hash of what the PDF of `issue` shows (one query, for the errata)."""
    errata = list(
        issue.errata.filter(published_at__isnull=False).order_by("pk").values_list("pk", "published_at", "text")
    )
    parts = [
        issue.pk, issue.status, issue.visibility, issue.year_number, issue.serial_number,
        issue.publication_date, issue.published_at, issue.focus_article_id,
        colophon_of(issue),
        errata, _design_fingerprint(),
    ]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]


def _prefix(issue: Issue) -> str:
    return f"issue-{issue.pk}-"


def pdf_name(issue: Issue, version: str | None = None) -> str:
    """The storage name of the issue's PDF: "pdf/issue-12-<content version>.pdf"."""
    return f"{PDF_FOLDER}/{_prefix(issue)}{version or content_version(issue)}.pdf"


def pdf_path(issue: Issue, version: str | None = None) -> Path:
    """The PDF's file on this disk (the default storage only: tests and tools)."""
    return Path(pdf_storage().path(pdf_name(issue, version)))


def is_stored(issue: Issue) -> bool:
    return pdf_storage().exists(pdf_name(issue))


def open_pdf(name: str):
    return pdf_storage().open(name, "rb")


def download_filename(issue: Issue) -> str:
    """"中原区大事月报-2020年10月-总第97期.pdf"."""
    name = f"{issue.publication.name}-{issue.year}年{issue.month}月"
    if issue.serial_number:
        name += f"-总第{issue.serial_number}期"
    return name + ".pdf"


def media_url_fetcher():
    """A WeasyPrint URL fetcher that reads images from the media storage and the publication's
    fonts (local files: bulletin.pdf.fonts) only, never the network.

    Article bodies are cleaned to reference our own media; anything else (a stray external
    URL) is refused rather than fetched at render time.
    """
    weasyprint_api()  # imported first through the guard that keeps Pillow strict
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class MediaOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = unquote(urlsplit(url).path)
            if url.startswith("file:"):  # the @font-face rules of bulletin.pdf.fonts
                candidate = Path(path).resolve()
                if any(candidate.is_relative_to(root) for root in _font_roots()) and candidate.is_file():
                    return super().fetch(candidate.as_uri(), headers)
            media_url = urlsplit(settings.MEDIA_URL).path
            if media_url and media_url in path:
                name = _print_rendition(path.split(media_url, 1)[1])
                found = _media_file(name)
                if isinstance(found, Path):
                    return super().fetch(found.as_uri(), headers)
                if found is not None:
                    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=found, headers={"Content-Type": content_type})
            raise ValueError(f"PDF 渲染不加载外部资源：{url}")

    return MediaOnlyFetcher(allowed_protocols=("data", "file"))


def _font_roots() -> list[Path]:
    roots = [font_cache_dir().resolve()]
    local = local_path(PublicationFont.file.field.storage, "")
    if local is not None:
        roots.append(local.resolve())
    return roots


def _media_file(name: str) -> Path | bytes | None:
    """An image of the media storage: its local path on disk, its bytes from a remote storage, or
    None if there is no such file under the media storage."""
    storage = media_storage()
    local = local_path(storage, "")
    if local is not None:
        root = local.resolve()
        candidate = (root / name).resolve()
        return candidate if candidate.is_relative_to(root) and candidate.is_file() else None
    if not name or name.startswith("/") or ".." in name.split("/"):
        return None
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def _print_rendition(relative: str) -> str:
    """Article bodies show the web rendition of an image; the PDF prints the sharper one."""
    image = Image.objects.filter(web=relative).only("print_file").first()
    return image.print_file.name if image is not None and image.print_file else relative


def render_pdf_bytes(issue: Issue) -> bytes:
    layout = issue_layout(issue)
    layout["fonts"] = pdf_fonts(issue.publication)
    return render_issue_pdf(layout, url_fetcher=media_url_fetcher())


def _remove_other_versions(issue: Issue, keep: str | None) -> None:
    storage = pdf_storage()
    for name in list(walk(storage, PDF_FOLDER)):
        base = name.rsplit("/", 1)[-1]
        if base.startswith(_prefix(issue)) and base.endswith(".pdf") and name != keep:
            storage.delete(name)


def ensure_issue_pdf(issue: Issue) -> str:
    """The storage name of the stored PDF of a published issue, rendered now if it is missing or
    out of date."""
    if issue.status != Issue.Status.PUBLISHED:
        raise ValueError("只有已发布的期刊才生成 PDF。")
    storage = pdf_storage()
    name = pdf_name(issue)
    if storage.exists(name):
        return name
    # One render of an issue at a time across threads, processes and (on PostgreSQL) nodes:
    # the first request renders, the others wait and serve the file it stored.
    with _issue_render_lock(issue):
        if storage.exists(name):
            return name
        data = render_pdf_bytes(issue)
        global render_count
        render_count += 1
        write_atomically(storage, name, data)
        logger.info("Rendered the PDF of issue %s (%d bytes)", issue.pk, len(data))
    _remove_other_versions(issue, keep=name)
    return name


def _lock_dir() -> Path:
    """The render locks' folder: the PDF folder on disk; a local folder when the PDFs are on
    object storage (nodes then wait for each other on PostgreSQL's advisory lock)."""
    local = local_path(pdf_storage(), PDF_FOLDER)
    return local if local is not None else Path(tempfile.gettempdir()) / "bulletin-pdf-locks"


# The advisory-lock key space of PDF renders (the second key is the issue's id).
_PG_LOCK_CLASS = 0x42504446  # "BPDF"


@contextmanager
def _issue_render_lock(issue: Issue):
    """Held while one issue's PDF is rendered. A lock file in the PDF directory (fcntl.flock:
    every process and thread on this machine, whatever the database); on PostgreSQL also a
    session advisory lock, so web workers on other nodes sharing the storage wait too."""
    directory = _lock_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f".{_prefix(issue)}render.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            connection = connections[Issue.objects.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_PG_LOCK_CLASS, issue.pk])
                try:
                    yield
                finally:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_PG_LOCK_CLASS, issue.pk])
            else:
                yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def invalidate_issue_pdf(issue: Issue) -> None:
    """Drop the stored PDFs of `issue` and render the current one after the transaction commits."""
    _remove_other_versions(issue, keep=None)
    schedule_issue_pdf(issue)


def _render_after_commit(issue_pk: int) -> None:
    try:
        issue = Issue.objects.select_related("publication").get(pk=issue_pk)
        if issue.status == Issue.Status.PUBLISHED:
            ensure_issue_pdf(issue)
    except Exception:  # the reader view renders on first request instead
        logger.exception("Rendering the PDF of issue %s after publishing failed", issue_pk)


PDF_MODES = ("task", "sync", "off")


def pdf_mode() -> str:
    mode = settings.BULLETIN_PDF_ON_PUBLISH
    if mode == "thread":  # the default before renders moved onto the task queue
        return "task"
    if mode not in PDF_MODES:
        raise ImproperlyConfigured(f"BULLETIN_PDF_ON_PUBLISH must be one of {PDF_MODES}, not {mode!r}")
    return mode


PDF_JOB = "issue_pdf"


def pdf_job(issue: Issue):
    """The newest render job of the issue (for the desk's link to its progress), or None."""
    return latest_job(PDF_JOB, issue=issue.pk)


def schedule_issue_pdf(issue: Issue) -> None:
    """Render the issue's PDF once the current transaction commits; never raises.

    In "task" mode the render job's row is written in the caller's transaction (it exists if and
    only if the publish or the erratum does) and the worker is told after the commit.
    """
    mode = pdf_mode()
    if mode == "off":
        return
    issue_pk = issue.pk
    try:
        if mode == "task":
            start_job(PDF_JOB, {"issue": issue_pk}, by=None, publication=issue.publication_id)
        else:
            transaction.on_commit(lambda: _render_after_commit(issue_pk))
    except Exception:
        logger.exception("Could not schedule the PDF of issue %s", issue_pk)


def stored_pdf_name(issue: Issue) -> str | None:
    """The storage name of the issue's current PDF if it is stored, else None."""
    name = pdf_name(issue)
    return name if pdf_storage().exists(name) else None


# A reader's download does not start a render job again for this long after one failed (the
# page says the PDF cannot be made now; the desk retries it), so a broken issue is not
# re-rendered for every request.
FAILED_JOB_PAUSE = datetime.timedelta(minutes=10)


def request_pdf_job(issue: Issue):
    """A reader asks for a PDF that is not stored: the render job under way (started now if
    there is none), or None if the last one failed moments ago."""
    last = pdf_job(issue)
    if last is not None and last.status == last.Status.FAILED and last.finished_at \
            and timezone.now() - last.finished_at < FAILED_JOB_PAUSE:
        return None
    return start_job(PDF_JOB, {"issue": issue.pk}, by=None, publication=issue.publication_id)


def render_pdf_job(job, progress) -> dict:
    """The "issue_pdf" background job (bulletin.jobs): render and store the PDF of the issue
    job.params["issue"], under the same lock as a reader's request (ensure_issue_pdf)."""
    issue = Issue.objects.select_related("publication").filter(pk=job.params.get("issue")).first()
    if issue is None:
        raise JobError("这一期已被删除，无法生成 PDF。")
    if issue.status != Issue.Status.PUBLISHED:
        raise JobError(f"{issue.publication.name} {issue.month_label} 已不是已发布状态，不生成 PDF。")
    progress(0, 1, f"正在排版并生成 PDF：{issue.publication.name} 总第{issue.serial_number}期")
    name = ensure_issue_pdf(issue)
    # An erratum published while this ran changed what the PDF shows (its start_job found this
    # job under way and returned it): render the current version too.
    for _again in range(3):
        issue = Issue.objects.select_related("publication").get(pk=issue.pk)
        if issue.status != Issue.Status.PUBLISHED or pdf_name(issue) == name:
            break
        progress(0, 1, "内容有更新（勘误），重新生成 PDF")
        name = ensure_issue_pdf(issue)
    return {"storage_name": name, "issue": issue.pk}


def pdf_job_link(job):
    """The finished job's link: the reader's address of the issue's PDF."""
    issue = Issue.objects.select_related("publication").filter(pk=job.params.get("issue")).first()
    if issue is None or issue.status != Issue.Status.PUBLISHED:
        return None
    return "打开 PDF", issue.get_pdf_url()
