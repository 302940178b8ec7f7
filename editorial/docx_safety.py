"""The one gate every .docx passes before mammoth or python-docx reads it.

Both Word imports (an article's body, editorial.docx_import; a back issue,
bulletin.importing.service) call :func:`open_docx` first. Bounding the bytes is not enough: a
155 KB file held a worker for two minutes and 3 GB, because the libraries' work grows with
the *structure* of the XML (mammoth builds a minidom tree and converts it recursively; its time
grows faster than the element count). So the file is refused, with a Chinese message, unless
all of these hold:

* the upload is at most ``max_bytes``; it is a zip (not an OLE2 .doc or encrypted file) with
  ``word/document.xml``, at most ``max_entries`` entries (counted from the zip's end record,
  before Python builds an object per entry) and ``max_unpacked_bytes`` unpacked;
* no part other than XML over 1 MB unpacks more than ``max_ratio`` times its packed size
  (pictures pack about once, a megabyte of zeros a thousand times; XML, which packs 10 to
  more than 100 times, is bounded by the scan below instead);
* every part that is XML, whatever its name, streamed through expat (constant memory, no
  tree): no DTD (Word never writes one; it is how entity bombs start), at most ``max_depth``
  levels, ``max_elements`` elements and ``max_paragraphs`` paragraphs in all, and
  ``max_xml_bytes`` of XML;
* the whole import finishes within ``max_seconds`` of wall time. The scan checks the clock as
  it goes; the conversion itself runs under :meth:`DocxBudget.run`, which stops it with a timer
  signal where one is available (the main thread: gunicorn's sync workers, management
  commands) and otherwise checks the clock between steps.

A real issue of the monthly (about 17 000 characters) has some 200 paragraphs and 20 000 to
40 000 XML elements, 18 000 of them Word's styles; an article has far fewer. The defaults
(for the article import, whose mammoth costs some 30 µs an element, more on a busy machine)
leave room for a whole issue; the back-issue import (python-docx, about five times cheaper)
allows more (bulletin.importing.service.DOCX_LIMITS). ``bench/docx_limits.py`` prints the
conversion time of files at the limits; every bomb the tests build is refused by the scan well
within a second.
"""

from __future__ import annotations

import io
import signal
import struct
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO
from xml.parsers import expat

from common.errors import BulletinError

from .upload_limits import read_limited

__all__ = [
    "DEFAULT_LIMITS",
    "DocxBudget",
    "DocxImportError",
    "DocxLimits",
    "MSG_CORRUPT",
    "MSG_LEGACY",
    "OLE2_SIGNATURE",
    "open_docx",
]

MSG_CORRUPT = "无法读取该 Word 文件：文件已损坏或不是 .docx 格式。"
MSG_LEGACY = (
    "无法读取该 Word 文件：这是旧版 .doc 格式或加密文档，请在 Word 中另存为未加密的 .docx 后再导入。"
)
MSG_TOO_LARGE = "Word 文件过大（最大 {limit} MB）。"
MSG_TOO_COMPLEX = (
    "无法导入该 Word 文件：{reason}。正常的文稿不会这样，文件可能已损坏或经过特殊构造；"
    "请在 Word 中打开检查，另存为新的 .docx 后再导入。"
)

# OLE2 compound file signature: legacy .doc files, and also password-protected .docx files
# (Office wraps encrypted OOXML in an OLE2 container).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD_SIZE = 22
_CHUNK = 64 * 1024
_MB = 1024 * 1024
# Ratio checks apply to entries above this size: tiny parts pack oddly well and cost nothing.
_RATIO_MIN_BYTES = 1 * _MB
# A central directory entry is 46 bytes plus its name and extras; Word's are under 100.
_MAX_CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 512

_PARAGRAPHS = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main p",
        "http://purl.oclc.org/ooxml/wordprocessingml/main p",  # "strict" OOXML
    }
)


class DocxImportError(BulletinError, ValueError):
    """The file cannot be imported; ``message`` is user-facing (Chinese)."""


def _too_complex(reason: str) -> DocxImportError:
    return DocxImportError(MSG_TOO_COMPLEX.format(reason=reason))


def _mb(value: int) -> str:
    return f"{value / _MB:g}"


@dataclass(frozen=True)
class DocxLimits:
    max_bytes: int = 20 * _MB
    max_entries: int = 1000
    max_unpacked_bytes: int = 100 * _MB
    max_ratio: int = 200
    max_xml_bytes: int = 32 * _MB
    max_depth: int = 100
    max_elements: int = 60_000
    max_paragraphs: int = 3_000
    max_seconds: float = 15.0

    def with_max_bytes(self, max_bytes: int) -> DocxLimits:
        """These limits for uploads of up to ``max_bytes`` (the unpacked limit keeps room)."""
        from dataclasses import replace

        return replace(
            self, max_bytes=max_bytes, max_unpacked_bytes=max(self.max_unpacked_bytes, 2 * max_bytes)
        )


DEFAULT_LIMITS = DocxLimits()


class _HardStop(BaseException):
    """Raised by the timer signal; a BaseException so no library's ``except Exception`` eats it."""


class DocxBudget:
    """The wall-time allowance of one import, started when the file is opened."""

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds
        self.deadline = time.monotonic() + max_seconds
        self._armed = False

    def timeout_error(self) -> DocxImportError:
        return _too_complex(f"处理超过 {self.max_seconds:g} 秒仍未完成")

    def check(self) -> None:
        """Refuse if the allowance is spent (call between steps and inside loops)."""
        if time.monotonic() > self.deadline:
            raise self.timeout_error()

    def run(self, func, /, *args, **kwargs):
        """``func(*args, **kwargs)``, stopped with the timeout message when the time is up."""
        self.check()
        try:
            with self._alarm():
                result = func(*args, **kwargs)
        except _HardStop:
            raise self.timeout_error() from None
        self.check()
        return result

    @contextmanager
    def paused(self):
        """Do not interrupt the block (e.g. storing an image: a file and a database row).

        The block's time still counts: :meth:`check` runs before it.
        """
        self.check()
        if not self._armed:
            yield
            return
        self._armed = False
        remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            yield
        finally:
            self._armed = True
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001))

    def _on_alarm(self, signum, frame):
        if self._armed:
            self._armed = False
            raise _HardStop

    @contextmanager
    def _alarm(self):
        usable = (
            hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # nobody else's timer is running
        )
        if not usable:
            yield  # other threads: the clock is checked between steps only
            return
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, max(self.deadline - time.monotonic(), 0.001))
        try:
            yield
        finally:
            self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


@dataclass
class _Counts:
    elements: int = 0
    paragraphs: int = 0
    xml_bytes: int = 0


def open_docx(
    fileobj: BinaryIO | bytes, limits: DocxLimits = DEFAULT_LIMITS
) -> tuple[bytes, DocxBudget]:
    """Read and check an uploaded .docx; return its bytes and the budget for converting it.

    Raises :class:`DocxImportError` (Chinese message) for anything over the limits, for legacy
    or encrypted Word files and for anything that is not a readable .docx.
    """
    budget = DocxBudget(limits.max_seconds)
    content = read_limited(
        fileobj,
        limits.max_bytes,
        too_large=DocxImportError(MSG_TOO_LARGE.format(limit=_mb(limits.max_bytes))),
        invalid=DocxImportError(MSG_CORRUPT),
    )
    if content.startswith(OLE2_SIGNATURE):
        raise DocxImportError(MSG_LEGACY)
    _check_directory_size(content, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception:  # BadZipFile, truncated central directory, …
        raise DocxImportError(MSG_CORRUPT) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise _too_complex(f"压缩包内有 {len(infos)} 个文件（上限 {limits.max_entries} 个）")
        if "word/document.xml" not in {info.filename for info in infos}:
            raise DocxImportError(MSG_CORRUPT)
        unpacked = sum(info.file_size for info in infos)
        if unpacked > limits.max_unpacked_bytes:
            raise _too_complex(f"解压后超过 {_mb(limits.max_unpacked_bytes)} MB")
        for info in infos:
            if (
                not _named_xml(info)  # XML is bounded by the structure scan below
                and info.file_size > _RATIO_MIN_BYTES
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)
            ):
                raise _too_complex(
                    f"其中一个文件的压缩比超过 {limits.max_ratio}:1（{_mb(info.file_size)} MB 压缩成 "
                    f"{info.compress_size / 1024:.0f} KB）"
                )
        counts = _Counts()
        for info in infos:
            if not info.is_dir():
                _scan_entry(archive, info, counts, limits, budget)
    return content, budget


def _check_directory_size(content: bytes, limits: DocxLimits) -> None:
    """Refuse archives with too many entries before zipfile builds an object for each."""
    tail = content[-(_EOCD_SIZE + 0xFFFF) :]
    index = tail.rfind(_EOCD_SIGNATURE)
    if index < 0 or len(tail) - index < _EOCD_SIZE:
        raise DocxImportError(MSG_CORRUPT)
    entries, directory_bytes = struct.unpack("<xxxxxxxxxxHI", tail[index : index + 16])
    if entries > limits.max_entries and entries != 0xFFFF:  # 0xFFFF: ZIP64, see the size
        raise _too_complex(f"压缩包内有 {entries} 个文件（上限 {limits.max_entries} 个）")
    if directory_bytes > limits.max_entries * _MAX_CENTRAL_DIRECTORY_BYTES_PER_ENTRY:
        raise _too_complex(f"压缩包内的文件过多（上限 {limits.max_entries} 个）")


def _named_xml(info: zipfile.ZipInfo) -> bool:
    return info.filename.lower().endswith((".xml", ".rels"))


def _looks_like_xml(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte order mark
        return True
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return head.startswith(b"<") or head.startswith((b"\x00<", b"<\x00"))


def _scan_entry(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    counts: _Counts,
    limits: DocxLimits,
    budget: DocxBudget,
) -> None:
    """Stream one entry; if it is XML, count its structure against the limits."""
    named_xml = _named_xml(info)
    try:
        with archive.open(info) as stream:
            chunk = stream.read(_CHUNK)
            if not (named_xml or _looks_like_xml(chunk)):
                return  # a picture or other binary part: its size was checked above
            parser = _structure_parser(counts, limits)
            while chunk:
                counts.xml_bytes += len(chunk)
                if counts.xml_bytes > limits.max_xml_bytes:
                    raise _too_complex(f"文档的 XML 内容解压后超过 {_mb(limits.max_xml_bytes)} MB")
                budget.check()
                parser.Parse(chunk, False)
                chunk = stream.read(_CHUNK)
            parser.Parse(b"", True)
    except DocxImportError:
        raise
    except expat.ExpatError as exc:
        # Broken XML in a part Word names .xml, or in an encoding only lxml reads (so the scan
        # could not see its structure): refused. Other parts that merely start with "<" (an
        # embedded HTML chunk) are parsed by nobody past the error: what was seen is counted.
        if named_xml or exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING]:
            raise DocxImportError(MSG_CORRUPT) from None
    except Exception:  # bad CRC, unsupported compression, encrypted entry, …
        raise DocxImportError(MSG_CORRUPT) from None


def _structure_parser(counts: _Counts, limits: DocxLimits):
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = 0

    def start(name, attributes):
        nonlocal depth
        depth += 1
        counts.elements += 1
        if depth > limits.max_depth:
            raise _too_complex(f"文档结构嵌套超过 {limits.max_depth} 层")
        if counts.elements > limits.max_elements:
            raise _too_complex(f"文档结构超过 {limits.max_elements} 个元素")
        if name in _PARAGRAPHS:
            counts.paragraphs += 1
            if counts.paragraphs > limits.max_paragraphs:
                raise _too_complex(f"文档超过 {limits.max_paragraphs} 个段落")

    def end(name):
        nonlocal depth
        depth -= 1

    def doctype(*args):
        raise _too_complex("文档含有 Word 不会写入的 DTD 声明")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    return parser
