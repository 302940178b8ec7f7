"""Where files are kept: Django's storage API, on local disk by default, on S3 when configured.

Two storages (settings.STORAGES):

- ``default`` — uploaded images and their renditions (editorial.Image). Their URL is always the
  site's own MEDIA_URL: reader/media.py checks who may see a file before anything is sent.
- ``private`` — rendered PDFs (pdf/), staged imports (imports/), the publications' fonts
  (fonts/): never a URL of their own; served, if at all, by a view that checks access.

By default both are folders (MEDIA_ROOT, PRIVATE_ROOT). With BULLETIN_S3_BUCKET both are
prefixes of one S3-compatible bucket (common.s3.S3Storage): objects are written without an ACL
(the bucket's own, private), and a file is only ever handed to a browser as a presigned URL that
expires after BULLETIN_S3_URL_SECONDS, made after the access check (``signed_url``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible

NO_URL = "该文件不公开，没有网址。"


def media_storage():
    return storages["default"]


def private_storage():
    return storages["private"]


def local_path(storage, name: str) -> Path | None:
    """The file's path on this machine's disk, or None when the storage is remote."""
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


def is_local(storage) -> bool:
    return local_path(storage, "probe") is not None


def signed_url(storage, name: str, *, filename: str | None = None, content_type: str | None = None,
               inline: bool = True) -> str | None:
    """A short-lived presigned URL of `name` (remote storages only; None for local disk).

    Call it only after the access check: whoever holds the URL can read the file until it expires.
    """
    presign = getattr(storage, "signed_url", None)
    if presign is None:
        return None
    return presign(name, filename=filename, content_type=content_type, inline=inline)


def write_atomically(storage, name: str, data: bytes) -> str:
    """Store `data` under exactly `name`, replacing what was there, so that a reader sees the old
    file or the new one, never a part: on disk a temporary file renamed over the name; on S3 one
    PUT (an object appears whole)."""
    path = local_path(storage, name)
    if path is None:
        storage.delete(name)  # a storage that keeps other names for existing files
        saved = storage.save(name, ContentFile(data))
        if saved != name:
            raise OSError(f"Stored as {saved!r} instead of {name!r}")
        return name
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name


def walk(storage, top: str = ""):
    """Every file name under `top` (recursively), as the storage names it; none if `top` is
    missing."""
    try:
        directories, files = storage.listdir(top)
    except FileNotFoundError:
        return
    prefix = f"{top.rstrip('/')}/" if top else ""
    for name in sorted(files):
        yield prefix + name
    for directory in sorted(directories):
        yield from walk(storage, prefix + directory)


@deconstructible
class PrivateFileSystemStorage(FileSystemStorage):
    """The default ``private`` storage: PRIVATE_ROOT (read from the settings on each use, as tests
    move it), outside MEDIA_ROOT, with no URL."""

    @property
    def base_location(self):
        return str(self._location or settings.PRIVATE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError(NO_URL)


@deconstructible
class FolderStorage(Storage):
    """One folder of another storage (by its STORAGES alias), looked up on each use so that it
    follows the settings: e.g. the publications' fonts are "fonts/<name>" in ``private``."""

    def __init__(self, folder: str, alias: str = "private"):
        self.folder = folder.strip("/")
        self.alias = alias

    def __eq__(self, other):
        return isinstance(other, FolderStorage) and (self.folder, self.alias) == (other.folder, other.alias)

    def __hash__(self):
        return hash((self.folder, self.alias))

    @property
    def target(self):
        return storages[self.alias]

    def _full(self, name: str) -> str:
        return f"{self.folder}/{name}"

    def _short(self, name: str) -> str:
        return name[len(self.folder) + 1:] if name.startswith(self.folder + "/") else name

    def generate_filename(self, filename):
        return self.target.generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        longer = None if max_length is None else max_length + len(self.folder) + 1
        return self._short(self.target.get_available_name(self._full(name), longer))

    def save(self, name, content, max_length=None):
        longer = None if max_length is None else max_length + len(self.folder) + 1
        return self._short(self.target.save(self._full(name), content, max_length=longer))

    def open(self, name, mode="rb"):
        return self.target.open(self._full(name), mode)

    def delete(self, name):
        return self.target.delete(self._full(name))

    def exists(self, name):
        return self.target.exists(self._full(name))

    def size(self, name):
        return self.target.size(self._full(name))

    def path(self, name):
        return self.target.path(self._full(name))

    def listdir(self, path):
        return self.target.listdir(self._full(path) if path else self.folder)

    def get_modified_time(self, name):
        return self.target.get_modified_time(self._full(name))

    def url(self, name):
        raise ValueError(NO_URL)
