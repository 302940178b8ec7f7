"""Import of Word (.docx) documents into article HTML.

Conversion is done by mammoth, which maps Word *styles* to semantic HTML and
ignores direct formatting (fonts, colours, sizes) — exactly what an editorial
CMS wants.  Its output then goes through :func:`editorial.sanitize.clean_html`
like any other rich text.

The file is checked up front (size, zip structure, uncompressed size) so that
hostile or broken uploads fail with a clear Chinese message instead of a
stack trace or an out-of-memory worker.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import mammoth

from common.errors import BulletinError

from .images import ImageRejected
from .sanitize import clean_html, html_to_text

__all__ = ["DocxImportError", "DocxResult", "docx_to_html"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# The unpacked document may legitimately be much larger than the zip, but a
# few KB that inflate to gigabytes is a zip bomb.
_MAX_UNCOMPRESSED_RATIO = 20
_MAX_UNCOMPRESSED_FLOOR = 200 * 1024 * 1024
# A title guessed from a plain paragraph must look like a title.
_MAX_TITLE_PARAGRAPH_CHARS = 60

_MSG_CORRUPT = "无法读取该 Word 文件：文件已损坏或不是 .docx 格式。"
_MSG_LEGACY = "无法读取该 Word 文件：这是旧版 .doc 格式或加密文档，请在 Word 中另存为未加密的 .docx 后再导入。"
_MSG_TOO_LARGE = "Word 文件过大（最大 {limit} MB）。"
_MSG_IMAGE_SKIPPED = "第 {index} 张图片未导入：{reason}"
_MSG_EMPTY = "文档中没有可导入的正文内容。"

# OLE2 compound file signature: legacy .doc files, and also password-protected
# .docx files (Office wraps encrypted OOXML in an OLE2 container).
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Word's heading levels shifted down by one: the article title is the page's
# <h1>, so the body starts at <h2>.  Built-in style names are stored in English
# even in Chinese Word; the Chinese names cover documents from WPS and copies of
# built-in styles.  Matching is case-insensitive in mammoth.
_STYLE_MAP = """
p[style-name='Title'] => h2:fresh
p[style-name='标题'] => h2:fresh
p[style-name='Subtitle'] => h3:fresh
p[style-name='副标题'] => h3:fresh
p[style-name='Heading 1'] => h2:fresh
p[style-name='标题 1'] => h2:fresh
p[style-name='Heading 2'] => h3:fresh
p[style-name='标题 2'] => h3:fresh
p[style-name='Heading 3'] => h4:fresh
p[style-name='标题 3'] => h4:fresh
p[style-name='Heading 4'] => h4:fresh
p[style-name='标题 4'] => h4:fresh
p[style-name='Heading 5'] => h4:fresh
p[style-name='Heading 6'] => h4:fresh
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
u => u
strike => s
"""

SaveImage = Callable[[bytes, str], str]


class DocxImportError(BulletinError, ValueError):
    """The file cannot be imported; ``message`` is user-facing (Chinese)."""


@dataclass
class DocxResult:
    """Result of :func:`docx_to_html`.

    ``html`` is already sanitised; ``title`` is a best guess ("" if none);
    ``messages`` are user-facing warnings (Chinese), e.g. skipped images.
    """

    html: str
    title: str = ""
    messages: list[str] = field(default_factory=list)


class _SaveImageFailed(Exception):
    """Carries an unexpected error from ``save_image`` through mammoth.

    Storage failures are the caller's problem, not a broken document, so they
    must not be reported as "file is corrupt".
    """

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def _read_limited(fileobj: BinaryIO | bytes, max_bytes: int) -> bytes:
    too_large = DocxImportError(
        _MSG_TOO_LARGE.format(limit=f"{max_bytes / (1024 * 1024):g}")
    )
    if isinstance(fileobj, (bytes, bytearray, memoryview)):
        if len(fileobj) > max_bytes:
            raise too_large
        return bytes(fileobj)
    try:
        fileobj.seek(0)
    except (AttributeError, OSError, ValueError):
        pass  # non-seekable: read from the current position
    content = fileobj.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large
    return content


def _check_container(content: bytes, max_bytes: int) -> None:
    """Reject anything that is not a plausible, reasonably sized .docx zip."""
    if content.startswith(_OLE2_SIGNATURE):
        raise DocxImportError(_MSG_LEGACY)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise DocxImportError(_MSG_CORRUPT)
            uncompressed = sum(info.file_size for info in archive.infolist())
    except DocxImportError:
        raise
    except Exception:  # BadZipFile, truncated central directory, …
        raise DocxImportError(_MSG_CORRUPT) from None
    if uncompressed > max(_MAX_UNCOMPRESSED_FLOOR, max_bytes * _MAX_UNCOMPRESSED_RATIO):
        raise DocxImportError(_MSG_CORRUPT)


def _guess_title(html: str) -> str:
    """First heading, else the first paragraph if it is short; else ""."""
    # clean_html output is normalised (no attributes on headings/paragraphs,
    # no nesting of either), so a regex is reliable here.
    heading = re.search(r"<(h[234])>(.*?)</\1>", html, re.S)
    if heading:
        return html_to_text(heading.group(0))
    first = re.match(r"<p>(.*?)</p>", html, re.S)
    if first:
        text = html_to_text(first.group(0))
        if "\n" not in text and len(text) <= _MAX_TITLE_PARAGRAPH_CHARS:
            return text
    return ""


def docx_to_html(
    fileobj: BinaryIO | bytes,
    *,
    save_image: SaveImage,
    max_bytes: int = DEFAULT_MAX_BYTES,
    media_url: str = "/media/",
) -> DocxResult:
    """Convert a .docx file to sanitised article HTML.

    ``save_image(data, content_type)`` is called for each embedded image and
    must return the URL of the stored image (under ``media_url``, otherwise
    the sanitiser drops it).  If it raises :class:`ImageRejected`, the image
    is skipped and a warning is added to ``messages``; other exceptions from
    it propagate unchanged.

    Raises :class:`DocxImportError` for files over ``max_bytes`` and for
    anything that is not a readable .docx (never a raw parser exception).
    """
    content = _read_limited(fileobj, max_bytes)
    _check_container(content, max_bytes)

    messages: list[str] = []
    image_count = 0

    def convert_image(image) -> dict[str, str]:
        nonlocal image_count
        image_count += 1
        try:
            with image.open() as stream:
                data = stream.read()
        except Exception:
            # The image part is missing or damaged: skip the picture rather
            # than failing the whole import.
            messages.append(
                _MSG_IMAGE_SKIPPED.format(index=image_count, reason="图片数据已损坏。")
            )
            return {}
        try:
            src = save_image(data, image.content_type or "application/octet-stream")
        except ImageRejected as exc:
            messages.append(
                _MSG_IMAGE_SKIPPED.format(index=image_count, reason=exc.message)
            )
            return {}  # an <img> without src is removed by clean_html
        except Exception as exc:
            raise _SaveImageFailed(exc) from exc
        return {"src": src}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(content),
            style_map=_STYLE_MAP,
            convert_image=mammoth.images.img_element(convert_image),
            # A .docx can carry its own mammoth style map; ignore it so the
            # output vocabulary is ours alone.
            include_embedded_style_map=False,
            external_file_access=False,
        )
    except _SaveImageFailed as exc:
        raise exc.original from None
    except Exception:
        logger.info("docx import failed", exc_info=True)
        raise DocxImportError(_MSG_CORRUPT) from None

    for message in result.messages:
        # Mostly "unrecognised paragraph style" notes: useful for tuning the
        # style map, meaningless to editors.
        logger.debug("mammoth: %s", message.message)

    html = clean_html(result.value, media_url=media_url)
    if not html_to_text(html) and "<img" not in html and "<hr>" not in html:
        messages.append(_MSG_EMPTY)
    return DocxResult(html=html, title=_guess_title(html), messages=messages)
