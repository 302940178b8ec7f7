"""Uploaded issue files kept between the preview and the confirmation.

The file is stored in the private storage's imports/ folder (PRIVATE_ROOT/imports on disk, or
the bucket: common.storage; never served) as <uuid>.bin with a small <uuid>.json beside it
recording who uploaded it, when, and with which options. The form only carries the uuid;
confirming re-reads and re-parses the stored file, so nothing the browser sends can change what
was previewed, and a uuid from another user is not accepted.
"""

from __future__ import annotations

import json
import time
import uuid

from django.core.files.base import ContentFile

from common.storage import private_storage, walk

MAX_AGE_SECONDS = 24 * 3600
FOLDER = "imports"


def _names(token: str) -> tuple[str, str] | None:
    try:
        token = str(uuid.UUID(str(token)))  # only a well-formed uuid ever names a stored file
    except ValueError:
        return None
    return f"{FOLDER}/{token}.bin", f"{FOLDER}/{token}.json"


def stage(
    data: bytes, *, user, filename: str, publication_id: int, create_sections: bool,
    year_number: int | None = None,
) -> str:
    purge_stale()
    storage = private_storage()
    token = str(uuid.uuid4())
    data_name, meta_name = _names(token)
    storage.save(data_name, ContentFile(data))
    meta = {
        "user_id": user.pk,
        "filename": filename,
        "publication_id": publication_id,
        "create_sections": create_sections,
        "year_number": year_number,
        "staged_at": time.time(),
    }
    storage.save(meta_name, ContentFile(json.dumps(meta, ensure_ascii=False).encode("utf-8")))
    return token


def _read(name: str) -> bytes:
    with private_storage().open(name, "rb") as handle:
        return handle.read()


def _staged_at(meta: dict, meta_name: str) -> float:
    if isinstance(meta.get("staged_at"), int | float):
        return float(meta["staged_at"])
    return private_storage().get_modified_time(meta_name).timestamp()  # staged before the field


def load(token: str, *, user) -> tuple[bytes, dict] | None:
    """The staged file and its options, or None if missing, expired or not this user's."""
    names = _names(token)
    if names is None:
        return None
    data_name, meta_name = names
    try:
        meta = json.loads(_read(meta_name).decode("utf-8"))
        if meta.get("user_id") != user.pk:
            return None
        if time.time() - _staged_at(meta, meta_name) > MAX_AGE_SECONDS:
            return None
        return _read(data_name), meta
    except (OSError, ValueError):
        return None


def discard(token: str) -> None:
    names = _names(token)
    if names is None:
        return
    for name in names:
        private_storage().delete(name)


def purge_stale() -> None:
    storage = private_storage()
    cutoff = time.time() - MAX_AGE_SECONDS
    for name in list(walk(storage, FOLDER)):
        try:
            if storage.get_modified_time(name).timestamp() < cutoff:
                storage.delete(name)
        except (OSError, ValueError):
            pass
