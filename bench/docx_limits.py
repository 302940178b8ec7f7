"""Benchmark: how long the Word imports take on files just inside the .docx limits.

    python bench/docx_limits.py [--runs 1]

editorial/docx_safety.py refuses a .docx whose XML has too many elements or paragraphs (and
more); this prints, for files built just under those limits in the shapes that cost the
libraries most, the time of the safety scan, of the article import (mammoth + sanitiser) and
of the back-issue import's text extraction (python-docx), plus the process's peak memory.
It also prints the same for a realistic issue (the sample issue's text, ~170 paragraphs in
runs of 20 characters with alternating bold). The back-issue import allows more structure
than the article import (python-docx is cheaper than mammoth); its shapes are timed with
python-docx only. The wall-time limit (``DocxLimits.max_seconds``) should sit well above the
worst figure here.
No database.
"""

import argparse
import io
import os
import resource
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from bulletin.importing.parser import docx_to_text  # noqa: E402
from editorial.docx_import import docx_to_html  # noqa: E402
from editorial.docx_safety import DEFAULT_LIMITS, DocxLimits, open_docx  # noqa: E402

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "sample-issue-2020-10.txt"


def package(body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>',
        )
    return buffer.getvalue()


def realistic_issue() -> bytes:
    import docx

    document = docx.Document()
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        paragraph = document.add_paragraph()
        for start in range(0, len(line), 20):
            paragraph.add_run(line[start : start + 20]).bold = (start // 20) % 3 == 0
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def shapes(limits: DocxLimits):
    elements, paragraphs = limits.max_elements - 1_000, limits.max_paragraphs - 10
    # <w:p><w:r><w:t>: 3 elements per paragraph
    yield "paragraphs at the limit", package("<w:p><w:r><w:t>字</w:t></w:r></w:p>" * paragraphs)
    # one paragraph of runs: 2 elements per run
    yield "runs up to the element limit", package(
        "<w:p>" + "<w:r><w:t>字</w:t></w:r>" * (elements // 2) + "</w:p>"
    )
    # a table: 4 elements per cell (tc, p, r, t), 5 cells a row, up to the paragraph limit
    rows = min(paragraphs // 5, elements // 21)
    row = "<w:tr>" + "<w:tc><w:p><w:r><w:t>格</w:t></w:r></w:p></w:tc>" * 5 + "</w:tr>"
    yield "table up to the limits", package("<w:tbl>" + row * rows + "</w:tbl>")
    # paragraphs with many runs each: elements and paragraphs both near their limits
    per = max(1, (elements // paragraphs - 1) // 2)
    yield "paragraphs of runs", package(
        ("<w:p>" + "<w:r><w:t>字</w:t></w:r>" * per + "</w:p>") * (paragraphs - 10)
    )


def measure(label, data, runs, limits, *, article=True):
    def timed(func):
        best = None
        for _ in range(runs):
            started = time.perf_counter()
            func()
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        return best

    unlimited = replace(limits, max_seconds=3600)  # the structure limits, no time limit
    scan = timed(lambda: open_docx(data, unlimited))
    if article:
        seconds = timed(
            lambda: docx_to_html(data, save_image=lambda d, c: "/media/x.png", limits=unlimited)
        )
        article = f"{seconds:5.2f} s"
    else:
        article = "  (refused)"
    issue = timed(lambda: docx_to_text(io.BytesIO(data)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:32s} {len(data) / 1024:6.0f} KB   scan {scan:5.2f} s   article {article}"
        f"   issue {issue:5.2f} s   peak RSS so far {peak:4.0f} MB"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from bulletin.importing.service import DOCX_LIMITS as ISSUE_LIMITS

    for name, limits in (("article import", DEFAULT_LIMITS), ("back-issue import", ISSUE_LIMITS)):
        print(
            f"{name} limits: {limits.max_elements} elements, {limits.max_paragraphs} paragraphs,"
            f" depth {limits.max_depth}, {limits.max_seconds:g} s"
        )
    print(f"best of {args.runs} run(s); 'article' is mammoth + sanitiser, 'issue' python-docx")
    if SAMPLE.exists():
        measure("realistic issue (sample)", realistic_issue(), args.runs, DEFAULT_LIMITS)
    for label, data in shapes(DEFAULT_LIMITS):
        measure(label, data, args.runs, DEFAULT_LIMITS)
    for label, data in shapes(ISSUE_LIMITS):
        measure(f"{label} (issue)", data, args.runs, ISSUE_LIMITS, article=False)


if __name__ == "__main__":
    main()
