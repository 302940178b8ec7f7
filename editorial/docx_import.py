"""Import of Word (.docx) documents into article HTML.

Conversion is done by mammoth, which maps Word *styles* to semantic HTML and
ignores direct formatting (fonts, colours, sizes) — exactly what an editorial
CMS wants.  Its output then goes through :func:`editorial.sanitize.clean_html`
like any other rich text.

The file is checked up front by :mod:`editorial.docx_safety` (bytes, zip
structure, unpacked size, XML depth, elements and paragraphs) and converted
within a wall-time budget, so that hostile or broken uploads fail with a clear
Chinese message instead of a stack trace or a worker lost to memory or time.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

import mammoth

from common.dates import leading_event_date

from .docx_safety import DEFAULT_LIMITS, MSG_CORRUPT, DocxImportError, DocxLimits, open_docx
from .images import ImageRejected
from .sanitize import clean_html, html_to_text

__all__ = ["DocxImportError", "DocxResult", "docx_to_html", "event_date_from_body"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = DEFAULT_LIMITS.max_bytes
# A title guessed from a plain paragraph must look like a title.
_MAX_TITLE_PARAGRAPH_CHARS = 60

_MSG_IMAGE_SKIPPED = "第 {index} 张图片未导入：{reason}"
_MSG_EMPTY = "文档中没有可导入的正文内容。"

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


def event_date_from_body(html: str, *, today: date) -> date | None:
    """The date the body's first paragraph starts with (“11月20日，区政府…”), or None.

    A 大事月报 article begins with its event date; see common.dates.leading_event_date for
    the year. The first paragraph is the first <p> with text (a picture-only one is skipped).
    """
    for paragraph in re.finditer(r"<p>(.*?)</p>", html, re.S):
        text = html_to_text(paragraph.group(0)).strip()
        if text:
            return leading_event_date(text, today=today)
    return None


def docx_to_html(
    fileobj: BinaryIO | bytes,
    *,
    save_image: SaveImage,
    max_bytes: int = DEFAULT_MAX_BYTES,
    media_url: str = "/media/",
    limits: DocxLimits = DEFAULT_LIMITS,
) -> DocxResult:
    """Convert a .docx file to sanitised article HTML.

    ``save_image(data, content_type)`` is called for each embedded image and
    must return the URL of the stored image (under ``media_url``, otherwise
    the sanitiser drops it).  If it raises :class:`ImageRejected`, the image
    is skipped and a warning is added to ``messages``; other exceptions from
    it propagate unchanged.

    Raises :class:`DocxImportError` for files over ``max_bytes`` or the other
    ``limits`` (:mod:`editorial.docx_safety`), and for anything that is not a
    readable .docx (never a raw parser exception).
    """
    content, budget = open_docx(fileobj, limits.with_max_bytes(max_bytes))

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
            # Storing writes a file and a row: never interrupted half-way by the time limit.
            with budget.paused():
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
        result = budget.run(
            mammoth.convert_to_html,
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
    except DocxImportError:
        raise  # over the time limit
    except Exception:
        logger.info("docx import failed", exc_info=True)
        raise DocxImportError(MSG_CORRUPT) from None

    for message in result.messages:
        # Mostly "unrecognised paragraph style" notes: useful for tuning the
        # style map, meaningless to editors.
        logger.debug("mammoth: %s", message.message)

    html = clean_html(result.value, media_url=media_url)
    budget.check()
    if not html_to_text(html) and "<img" not in html and "<hr>" not in html:
        messages.append(_MSG_EMPTY)
    return DocxResult(html=html, title=_guess_title(html), messages=messages)
