"""Storing uploads: verified images (from the editor or from a .docx) and Word imports."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.base import ContentFile

from .docx_import import DocxResult, docx_to_html
from .images import ImageRejected, process_image
from .models import Image


def store_image(data, *, by, name: str = "") -> Image:
    """Verify an uploaded image (bytes or file object) and store its web and print renditions.

    Raises ImageRejected (Chinese message) for non-images, oversized files and pixel bombs.
    The originals are never stored: re-encoding drops EXIF (GPS position) and anything else
    hidden in the file.
    """
    size = getattr(data, "size", None)
    if size is not None and size > settings.BULLETIN_MAX_UPLOAD_BYTES:
        # Refuse before reading a huge temporary file into memory.
        limit = settings.BULLETIN_MAX_UPLOAD_BYTES / (1024 * 1024)
        raise ImageRejected(f"图片文件过大（最大 {limit:g} MB）。")
    processed = process_image(
        data,
        max_bytes=settings.BULLETIN_MAX_UPLOAD_BYTES,
        max_pixels=settings.BULLETIN_MAX_IMAGE_PIXELS,
    )
    stem = uuid.uuid4().hex
    image = Image(
        width=processed.width,
        height=processed.height,
        original_name=os.path.basename(name)[:255],
        uploaded_by=by,
    )
    image.web.save(f"{stem}.{processed.ext}", ContentFile(processed.web), save=False)
    image.print_file.save(f"{stem}.{processed.ext}", ContentFile(processed.print), save=False)
    image.save()
    return image


def import_docx(fileobj, *, by) -> DocxResult:
    """Convert a .docx to sanitised HTML, storing its embedded pictures as verified images."""

    def save_image(data: bytes, content_type: str) -> str:
        return store_image(data, by=by, name="word-image").web.url

    return docx_to_html(
        fileobj,
        save_image=save_image,
        max_bytes=settings.BULLETIN_MAX_UPLOAD_BYTES,
        media_url=settings.MEDIA_URL,
    )


__all__ = ["ImageRejected", "import_docx", "store_image"]
