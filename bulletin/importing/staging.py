"""Uploaded issue files kept between the preview and the confirmation.

The file is stored under PRIVATE_ROOT/imports/ (never served) as <uuid>.bin with a small
<uuid>.json beside it recording who uploaded it and with which options. The form only carries
the uuid; confirming re-reads and re-parses the stored file, so nothing the browser sends can
change what was previewed, and a uuid from another user is not accepted.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600


def _dir() -> Path:
    path = Path(settings.PRIVATE_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _paths(token: str) -> tuple[Path, Path] | None:
    try:
        token = str(uuid.UUID(str(token)))  # only a well-formed uuid ever reaches the filesystem
    except ValueError:
        return None
    base = _dir()
    return base / f"{token}.bin", base / f"{token}.json"


def stage(
    data: bytes, *, user, filename: str, publication_id: int, create_sections: bool,
    year_number: int | None = None,
) -> str:
    purge_stale()
    token = str(uuid.uuid4())
    data_path, meta_path = _paths(token)
    data_path.write_bytes(data)
    meta_path.write_text(
        json.dumps(
            {
                "user_id": user.pk,
                "filename": filename,
                "publication_id": publication_id,
                "create_sections": create_sections,
                "year_number": year_number,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return token


def load(token: str, *, user) -> tuple[bytes, dict] | None:
    """The staged file and its options, or None if missing, expired or not this user's."""
    paths = _paths(token)
    if paths is None:
        return None
    data_path, meta_path = paths
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("user_id") != user.pk:
            return None
        if time.time() - meta_path.stat().st_mtime > MAX_AGE_SECONDS:
            return None
        return data_path.read_bytes(), meta
    except (OSError, ValueError):
        return None


def discard(token: str) -> None:
    paths = _paths(token)
    if paths is None:
        return
    for path in paths:
        path.unlink(missing_ok=True)


def purge_stale() -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in _dir().glob("*.*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            pass
