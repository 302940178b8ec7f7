"""Reading an upload into memory without ever holding more than the limit allows."""

from __future__ import annotations

from typing import BinaryIO

__all__ = ["read_limited"]


def read_limited(
    data: bytes | bytearray | memoryview | BinaryIO,
    max_bytes: int,
    *,
    too_large: Exception,
    invalid: Exception | None = None,
) -> bytes:
    """The upload's bytes; raises ``too_large`` if there are more than ``max_bytes``.

    A file object is read from its start (when it can seek) and only one byte past the limit,
    so a huge upload is refused without being read whole. ``invalid`` is raised if the object
    does not give bytes (default: ``too_large``'s class cannot say anything better, TypeError).
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        if len(data) > max_bytes:
            raise too_large
        return bytes(data)
    if hasattr(data, "seek"):
        try:
            data.seek(0)
        except (OSError, ValueError):
            pass  # non-seekable stream: read from where it is
    content = data.read(max_bytes + 1)
    if not isinstance(content, bytes):
        raise invalid or TypeError("upload did not read as bytes")
    if len(content) > max_bytes:
        raise too_large
    return content
