"""Read a rendered issue PDF back as lines of text with their boxes (``pdftotext -bbox-layout``).

Django-free; used by the typesetting tests and ``bench/justify.py``. Needs poppler-utils.

Geometry defaults follow static/css/pdf.css (A4, GB/T 9704 margins: left 28 mm, right 26 mm,
bottom 35 mm; body 15.75 pt Song). Body text is recognised by where a line starts (the left
edge, or the left edge plus a two-character first-line indent) and by the height pdftotext
gives a line of body-size type; headings, the table of contents (indented one character),
the colophon and page numbers fall outside that.
"""

from __future__ import annotations

import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

MM = 72 / 25.4
LEFT = 28 * MM
RIGHT_MARGIN = 26 * MM
BOTTOM_MARGIN = 35 * MM
BODY_SIZE = 15.75
# pdftotext's box for one line of 15.75 pt Noto CJK (ascent + descent of the face).
BODY_HEIGHT = 22.7
HEIGHT_TOLERANCE = 0.6
EDGE_TOLERANCE = 0.25  # pt: "ends at the measure"


@dataclass
class Line:
    page: int  # 1-based
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


def read_pages(pdf: bytes | str | Path) -> list[Page]:
    """Every page of `pdf` (bytes or a path) with its lines in reading order."""
    with tempfile.TemporaryDirectory(prefix="bulletin-pdf-lines-") as tmp:
        if isinstance(pdf, bytes):
            path = Path(tmp) / "in.pdf"
            path.write_bytes(pdf)
        else:
            path = Path(pdf)
        out = subprocess.run(
            ["pdftotext", "-bbox-layout", str(path), "-"],
            check=True, capture_output=True,
        ).stdout
    root = ET.fromstring(out)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = []
    for number, page_el in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), start=1):
        page = Page(number, float(page_el.get("width")), float(page_el.get("height")))
        for line_el in page_el.iterfind(".//h:line", ns):
            words = [w.text or "" for w in line_el.iterfind("h:word", ns)]
            page.lines.append(Line(
                number, float(line_el.get("xMin")), float(line_el.get("yMin")),
                float(line_el.get("xMax")), float(line_el.get("yMax")), " ".join(words),
            ))
        page.lines.sort(key=lambda line: (round(line.y0, 1), line.x0))
        pages.append(page)
    return pages


def _is_body_height(line: Line) -> bool:
    return abs(line.height - BODY_HEIGHT) <= HEIGHT_TOLERANCE


def body_paragraphs(pages: list[Page], *, left: float = LEFT, size: float = BODY_SIZE) -> list[list[Line]]:
    """Body paragraphs as lists of lines, across pages.

    A paragraph starts with a body-size line indented two characters and continues with
    body-size lines at the left edge (also at the top of the next page). Anything else ends it.
    """
    paragraphs: list[list[Line]] = []
    current: list[Line] | None = None
    for page in pages:
        bottom = page.height - BOTTOM_MARGIN
        for line in page.lines:
            if line.y0 >= bottom:  # page number
                continue
            if _is_body_height(line) and abs(line.x0 - (left + 2 * size)) <= 0.5:
                current = [line]
                paragraphs.append(current)
            elif _is_body_height(line) and abs(line.x0 - left) <= 0.5 and current is not None:
                current.append(line)
            else:
                current = None
    return paragraphs


@dataclass
class JustificationReport:
    non_final: int
    at_edge: int
    within_quarter_em: int
    short_last_lines: list[Line]
    widows: list[Line]  # a paragraph's short last line alone at the top of a page

    @property
    def share(self) -> float:
        return self.at_edge / self.non_final if self.non_final else 1.0

    @property
    def share_quarter_em(self) -> float:
        return self.within_quarter_em / self.non_final if self.non_final else 1.0


def letters(text: str) -> int:
    """Characters of a line, punctuation and spaces not counted."""
    import unicodedata

    return sum(
        1 for char in text
        if not char.isspace() and not unicodedata.category(char).startswith("P")
    )


def justification(pages: list[Page], *, left: float = LEFT, right_margin: float = RIGHT_MARGIN,
                  size: float = BODY_SIZE, tolerance: float = EDGE_TOLERANCE,
                  min_last_letters: int = 3) -> JustificationReport:
    """How many non-final body lines end at the right edge of the text block."""
    non_final = at_edge = near = 0
    short, widows = [], []
    first_on_page = {}
    for page in pages:
        for line in page.lines:
            first_on_page.setdefault(page.number, line)
    for paragraph in body_paragraphs(pages, left=left, size=size):
        for line in paragraph[:-1]:
            right = pages[line.page - 1].width - right_margin
            non_final += 1
            at_edge += abs(line.x1 - right) <= tolerance
            near += abs(line.x1 - right) <= size / 4
        last = paragraph[-1]
        if len(paragraph) > 1 and letters(last.text) < min_last_letters:
            short.append(last)
            if first_on_page.get(last.page) is last:
                widows.append(last)
    return JustificationReport(non_final, at_edge, near, short, widows)
