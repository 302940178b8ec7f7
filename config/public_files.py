"""Public reader pages written out as files for nginx (PUBLIC_PAGES_ROOT, issue #15).

With PUBLIC_PAGES_ROOT set (docker-compose.yml: /data/pages), every page a visitor without a
session may read (bulletin.public_pages.public_paths: home, archives, feeds, the sitemap, every
public issue, its articles and its PDF) is written there as the file Django would send, and
deploy/nginx.conf sends those files to visitors without a session cookie before asking gunicorn.

- A change of published content (bulletin.public_pages.changed) deletes the files of the pages it
  touches at once, under the generation's exclusive lock, and again after the commit; nginx then
  passes those requests to Django (whose page cache answers) until the task queue's worker has
  written them again (`write_public_pages`, queued after the commit). A change is visible at once.
- A page is written only from an anonymous request through the whole Django stack that the view
  marked `public_page` with status 200 and no cookie (config/pagecache.storable): an internal
  issue's page is a redirect to the login page for such a request, so it is never written. A file
  is renamed into place under the shared lock and only if the generation it was rendered at is
  still current, so a page rendered before a change is never left behind after it.
- At start (`manage.py write_public_pages --reset`, docker-compose.yml) the directory is emptied
  and refilled: a deploy's new templates reach every file.

Paths: `/a/b/` → `a/b/index.html`; `/a/b.pdf`, `/a/feed.atom`, `/sitemap.xml` as they are.
"""

import logging
import os
import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.dispatch import receiver
from django.test import RequestFactory
from django_tasks import task

from bulletin import public_pages

from .pagecache import storable

logger = logging.getLogger(__name__)


def root() -> Path | None:
    value = getattr(settings, "PUBLIC_PAGES_ROOT", None)
    return Path(value) if value else None


def file_for(path: str, base: Path) -> Path:
    """The file that holds the page at URL `path` (a path of our own URLs: no `..`)."""
    relative = path.lstrip("/")
    if relative.endswith("*"):
        return base / relative.rstrip("*")
    if not relative or relative.endswith("/"):
        relative += "index.html"
    target = (base / relative).resolve()
    if not target.is_relative_to(base.resolve()):
        raise ValueError(f"not below PUBLIC_PAGES_ROOT: {path}")
    return target


def _delete(paths, base: Path) -> None:
    if not base.exists():
        return
    if paths is None:
        for child in base.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink(missing_ok=True)
        return
    for path in paths:
        target = file_for(path, base)
        if path.endswith("*"):
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


@receiver(public_pages.public_pages_changed, dispatch_uid="config.public_files.changed")
def pages_changed(sender, paths, committed, **kwargs):
    """Delete the changed pages' files now (the sender holds the exclusive lock); once the change
    has committed, queue their regeneration."""
    base = root()
    if base is None:
        return
    _delete(paths, base)
    if committed:
        write_public_pages.enqueue()


class _Handler(BaseHandler):
    def __init__(self):
        super().__init__()
        self.load_middleware()


def _site_request(path):
    site = settings.BULLETIN_SITE_URL.rstrip("/")
    scheme, _, host = site.partition("://")
    return RequestFactory().get(path, HTTP_HOST=host, secure=scheme == "https")


def _write_atomically(target: Path, write) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}"
    write(temporary)
    os.chmod(temporary, 0o644)
    return temporary


def write_page(path: str, *, generation: str, handler=None) -> bool:
    """Render `path` as a visitor without a session and write it if it is a public page and the
    generation has not moved since. True if written."""
    base = root()
    handler = handler or _Handler()
    response = handler.get_response(_site_request(path))
    try:
        if not storable(response):
            return False
        target = file_for(path, base)
        if response.streaming:
            source = response.file_to_stream.name
            temporary = _write_atomically(target, lambda tmp: shutil.copyfile(source, tmp))
        else:
            temporary = _write_atomically(target, lambda tmp: tmp.write_bytes(response.content))
        with public_pages.locked(exclusive=False):
            if public_pages.generation() != generation:
                temporary.unlink(missing_ok=True)
                return False
            os.replace(temporary, target)
        return True
    finally:
        response.close()


def clear() -> None:
    """Delete every written page (a deploy: new templates)."""
    base = root()
    if base is not None:
        with public_pages.locked(exclusive=True):
            _delete(None, base)


def write_missing(*, reset: bool = False) -> int:
    """Write every public page whose file is missing (all of them after `reset`). Stops when the
    generation moves (the change that moved it queued its own run). Returns the files written."""
    base = root()
    if base is None:
        return 0
    base.mkdir(parents=True, exist_ok=True)
    if reset:
        clear()
    generation = public_pages.generation()
    handler = _Handler()
    written = 0
    for path in public_pages.public_paths():
        if public_pages.generation() != generation:
            break
        if file_for(path, base).exists():
            continue
        try:
            written += write_page(path, generation=generation, handler=handler)
        except Exception:
            # One page failing (a PDF that cannot be rendered) leaves it to Django, not the rest.
            logger.exception("Writing the public page %s failed", path)
    return written


@task()
def write_public_pages():
    """The task queue's job after a change of published content (see the module's docstring)."""
    return write_missing()
