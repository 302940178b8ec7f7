""".docx bombs (issue #10: a 155 KB file held a worker for two minutes and 3 GB).

Each bomb is built here, small on disk, and fed to both Word imports (an article's body and a
back issue) in a fresh process (docx_probe.py) that measures the import call: it must be
refused with the Chinese message within 2 s of CPU and 200 MB of extra peak memory. CPU
seconds rather than wall seconds, so that other work on a shared machine does not make the
test flaky; the probe process is also killed after 60 s and capped in memory, so a regression
fails instead of hanging the suite.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import zipfile
import zlib
from pathlib import Path

import pytest

from editorial.docx_import import docx_to_html
from editorial.docx_safety import DocxImportError, DocxLimits, open_docx

PROBE = Path(__file__).with_name("docx_probe.py")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
REFUSED = "无法导入该 Word 文件："


def document(body: str, prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    )


def package(document_xml: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("word/document.xml", document_xml)
        for name, payload in (extra or {}).items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def zeros_entry(name: str, size: int) -> bytes:
    """A docx whose ``name`` unpacks to ``size`` zero bytes, compressed in 1 MiB steps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("word/document.xml", document("<w:p><w:r><w:t>正文</w:t></w:r></w:p>"))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as stream:
            block = bytes(1024 * 1024)
            for _ in range(size // len(block)):
                stream.write(block)
    return buffer.getvalue()


def many_entries(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("word/document.xml", document("<w:p><w:r><w:t>正文</w:t></w:r></w:p>"))
        for index in range(count):
            archive.writestr(f"customXml/i{index}.bin", b"")
    return buffer.getvalue()


BILLION_LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)
TABLE_ROW = "<w:tr>" + "<w:tc><w:p><w:r><w:t>格</w:t></w:r></w:p></w:tc>" * 8 + "</w:tr>"

# name -> (builder, a word the refusal must contain)
BOMBS = {
    "deeply nested XML": (
        lambda: package(document("<w:p>" + "<w:hyperlink>" * 50_000 + "</w:hyperlink>" * 50_000 + "</w:p>")),
        "嵌套",
    ),
    "a million tiny runs": (
        lambda: package(document("<w:p>" + "<w:r><w:t>字</w:t></w:r>" * 1_000_000 + "</w:p>")),
        "元素",
    ),
    "a million empty paragraphs": (lambda: package(document("<w:p/>" * 1_000_000)), "段落"),
    "a table of 100 000 rows": (
        lambda: package(document("<w:tbl>" + TABLE_ROW * 100_000 + "</w:tbl>")),
        "段落",  # one per cell: 800 000
    ),
    "90 MB of zeros as a picture (ratio)": (
        lambda: zeros_entry("word/media/image1.png", 90 * 1024 * 1024),
        "压缩比",
    ),
    "600 MB of zeros (unpacked size)": (
        lambda: zeros_entry("word/media/image1.png", 600 * 1024 * 1024),
        "解压后超过",
    ),
    "40 MB of XML whitespace": (
        lambda: package(document("<w:p>" + " " * (40 * 1024 * 1024) + "</w:p>")),
        "XML 内容",
    ),
    "20 000 entries": (lambda: many_entries(20_000), "文件"),
    "billion laughs": (
        lambda: package(document("<w:p><w:r><w:t>&j;</w:t></w:r></w:p>", prolog=BILLION_LAUGHS)),
        "DTD",
    ),
}

_built: dict[str, Path] = {}
_lock = threading.Lock()


def bomb_file(name: str, tmp_path_factory) -> Path:
    with _lock:
        if name not in _built:
            data = BOMBS[name][0]()
            assert len(data) < 3 * 1024 * 1024, f"{name}: {len(data)} bytes"  # small on disk
            path = tmp_path_factory.mktemp("bombs") / "bomb.docx"
            path.write_bytes(data)
            _built[name] = path
        return _built[name]


def probe(path: Path, kind: str, limits: dict | None = None) -> dict:
    args = [sys.executable, str(PROBE), str(path), kind]
    if limits:
        args.append(json.dumps(limits))
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["article", "issue"])
@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_is_refused_quickly_in_little_memory(name, kind, tmp_path_factory):
    report = probe(bomb_file(name, tmp_path_factory), kind)
    assert report["refused"], report
    assert report["message"].startswith(REFUSED), report
    assert BOMBS[name][1] in report["message"], report
    assert report["cpu"] < 2.0, report
    assert report["extra_rss_mb"] < 200, report


def real_article() -> bytes:
    paragraphs = "".join(
        f"<w:p><w:r><w:t>9月{day}日，第{day}段正文，区委召开会议研究部署有关工作。</w:t></w:r></w:p>"
        for day in range(1, 29)
    )
    return package(document('<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>标题</w:t></w:r></w:p>' + paragraphs))


@pytest.mark.parametrize("kind", ["article", "issue"])
def test_an_ordinary_file_passes_the_same_probe(kind, tmp_path):
    path = tmp_path / "real.docx"
    path.write_bytes(real_article())
    report = probe(path, kind)
    # The issue path parses no issue here (read_issue_file only reads the text): not refused.
    assert not report["refused"], report


@pytest.mark.parametrize("kind", ["article", "issue"])
def test_wall_time_limit_stops_a_slow_conversion(kind, tmp_path):
    """A file within every structural limit but slower than the time allowed is stopped."""
    path = tmp_path / "slow.docx"
    path.write_bytes(package(document("<w:tbl>" + TABLE_ROW * 3_000 + "</w:tbl>")))
    limits = {"max_seconds": 0.3, "max_elements": 10**7, "max_paragraphs": 10**7}
    report = probe(path, kind, limits)
    assert report["refused"], report
    assert "处理超过 0.3 秒仍未完成" in report["message"], report
    assert report["wall"] < 5, report  # stopped by the timer, not at the end of the work


def test_time_limit_outside_the_main_thread_is_checked_between_steps():
    """Request threads (runserver, threaded workers) cannot use the timer: the clock is checked."""
    outcome = {}

    def run():
        try:
            docx_to_html(real_article(), save_image=lambda data, ct: "", limits=DocxLimits(max_seconds=0))
        except DocxImportError as exc:
            outcome["message"] = exc.message

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert "处理超过 0 秒仍未完成" in outcome["message"]


def test_zip_that_lies_about_its_size_is_refused():
    """A local header that understates the unpacked size: the CRC check at the end refuses it."""
    data = bytearray(zeros_entry("word/media/image1.png", 2 * 1024 * 1024))
    # Rewrite the central directory's size of the last entry to a harmless 1 KB.
    index = data.rfind(b"PK\x01\x02")
    data[index + 24 : index + 28] = (1024).to_bytes(4, "little")
    with pytest.raises(DocxImportError):
        open_docx(bytes(data))


def test_refusal_messages_are_chinese_and_name_the_limit():
    deep = package(document("<w:p>" + "<w:hyperlink>" * 200 + "</w:hyperlink>" * 200 + "</w:p>"))
    with pytest.raises(DocxImportError) as info:
        open_docx(deep)
    assert info.value.message.startswith("无法导入该 Word 文件：文档结构嵌套超过 100 层")
    assert "另存为新的 .docx" in info.value.message
    # A legit file is not affected by the limits and its zlib stream is untouched.
    content, budget = open_docx(real_article())
    assert content == real_article() and zlib.crc32(content)
