"""The chronicle (大事记): every published article of a publication in a period, by event date.

One list, three outputs: the web page, a PDF (WeasyPrint) and a .docx (python-docx) that the
office pastes into the yearbook. Entries without an event date come last, flagged for fixing.

What a chronicle lists depends on the reader only through its *visibility scope*: ``public``
(published public issues) or ``internal`` (internal issues too, for whoever may read them,
``bulletin.access.can_read_internal``). ``chronicle_for(publication, start, end, scope)`` builds
it for a scope, so work done away from the request (an export made by the worker) never needs
the reader. ``content_version`` hashes what an export shows, so an export made once can be
reused until the chronicle's content changes. The exports (``export``, ``render_pdf``,
``render_docx``) take a progress callback ``progress(done, total, message)``.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from common.dates import month_day_label
from editorial.sanitize import html_to_text

from .access import can_read_internal
from .models import Issue, IssueArticle, Publication, Visibility
from .pdf.render import weasyprint_api

Progress = Callable[[int, int, str], None]

PUBLIC, INTERNAL = "public", "internal"
SCOPES = (PUBLIC, INTERNAL)
PDF, DOCX = "pdf", "docx"
FORMATS = (PDF, DOCX)
CONTENT_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FORMAT_LABELS = {PDF: "PDF", DOCX: "Word（.docx）"}
# Bump when the .docx or PDF code changes what an export shows (the PDF's template is hashed).
EXPORT_CODE_VERSION = "1"
PDF_TEMPLATE = "pdf/chronicle.html"
_TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "templates" / PDF_TEMPLATE


def _silent(done: int, total: int, message: str) -> None:
    pass


def scope_of(user) -> str:
    """The visibility scope of what ``user`` may read in a chronicle."""
    return INTERNAL if can_read_internal(user) else PUBLIC


SENTENCE_END = re.compile(r"[。！？!?]")
SUMMARY_MAX = 120


def first_sentence(text: str) -> str:
    """Up to and including the first 。！？ of the first paragraph (cut at SUMMARY_MAX)."""
    text = (text or "").strip()
    first_line = text.split("\n", 1)[0].strip()
    m = SENTENCE_END.search(first_line)
    sentence = first_line[: m.end()] if m else first_line
    if len(sentence) > SUMMARY_MAX:
        sentence = sentence[: SUMMARY_MAX - 1] + "…"
    return sentence


@dataclass
class Entry:
    date: datetime.date | None
    title: str
    summary: str
    url: str
    section: str
    issue_label: str

    @property
    def date_label(self) -> str:
        return month_day_label(self.date) or "（无日期）"


@dataclass
class Chronicle:
    publication: Publication
    start: datetime.date
    end: datetime.date
    dated: list[Entry]
    undated: list[Entry]
    hidden_internal: bool
    scope: str = PUBLIC

    @property
    def is_whole_year(self) -> bool:
        return (
            self.start.year == self.end.year
            and (self.start.month, self.start.day) == (1, 1)
            and (self.end.month, self.end.day) == (12, 31)
        )

    @property
    def period_label(self) -> str:
        if self.is_whole_year:
            return f"{self.start.year}年"
        return f"{self.start:%Y}年{self.start.month}月{self.start.day}日至{self.end:%Y}年{self.end.month}月{self.end.day}日"

    @property
    def title(self) -> str:
        return f"{self.publication.name} {self.period_label}大事记"

    @property
    def entries(self) -> list[Entry]:
        return self.dated + self.undated


def build_chronicle(publication: Publication, start: datetime.date, end: datetime.date, user) -> Chronicle:
    """The chronicle as ``user`` may read it (see chronicle_for)."""
    return chronicle_for(publication, start, end, scope_of(user))


def chronicle_for(publication: Publication, start: datetime.date, end: datetime.date, scope: str) -> Chronicle:
    """Published placements visible in ``scope`` whose pinned revision's event date is in [start, end].

    An entry without an event date belongs to the period of its issue (its month, two months or
    quarter): it is listed when that period overlaps [start, end].
    """
    placements = IssueArticle.objects.filter(
        issue__publication=publication,
        issue__status=Issue.Status.PUBLISHED,
        revision__isnull=False,
    ).select_related("issue", "revision", "section")
    if scope not in SCOPES:
        raise ValueError(scope)
    visible = placements
    if scope != INTERNAL:
        visible = placements.filter(issue__visibility=Visibility.PUBLIC)
    in_period = Q(revision__event_date__gte=start, revision__event_date__lte=end)
    first_month = start.year * 12 + start.month
    last_month = end.year * 12 + end.month
    undated_q = Q(revision__event_date__isnull=True)

    def issue_in_period(p):
        issue_start = p.issue.year * 12 + p.issue.month
        issue_end = p.issue.year * 12 + p.issue.last_month
        return issue_start <= last_month and first_month <= issue_end

    def to_entry(p) -> Entry:
        return Entry(
            date=p.revision.event_date,
            title=p.revision.title,
            summary=first_sentence(html_to_text(p.revision.body or "")),
            url=reverse("reader:article", args=[publication.slug, p.issue.serial_number, p.article_id]),
            section=p.section.name,
            issue_label=p.issue.dated_numbers_label,
        )

    dated = [
        to_entry(p)
        for p in visible.filter(in_period).order_by("revision__event_date", "issue__serial_number", "section__position", "position", "pk")
    ]
    undated = [
        to_entry(p)
        for p in visible.filter(undated_q, issue__year__gte=start.year, issue__year__lte=end.year)
        .order_by("issue__serial_number", "section__position", "position", "pk")
        if issue_in_period(p)
    ]
    hidden = visible is not placements and placements.filter(in_period).exclude(
        issue__visibility=Visibility.PUBLIC
    ).exists()
    return Chronicle(publication, start, end, dated, undated, hidden, scope)


# --------------------------------------------------------------------------- exports


def content_version(chronicle: Chronicle, fmt: str, base_url: str) -> str:
    """A short hash of everything an export of ``chronicle`` in ``fmt`` shows: its entries (dates,
    titles, summaries, links, sources), title and publisher, the site address in the links, and
    the code or template that lays it out. Equal versions make equal files, so one stored export
    serves every request until the chronicle's content changes."""
    digest = hashlib.sha256()
    publication = chronicle.publication
    head = [fmt, EXPORT_CODE_VERSION, chronicle.scope, chronicle.start.isoformat(), chronicle.end.isoformat(),
            publication.name, publication.publisher, base_url]
    for part in head:
        digest.update(f"{part}\x1f".encode())
    if fmt == PDF:
        try:
            digest.update(_TEMPLATE_PATH.read_bytes())
        except OSError:
            pass
    for group, entries in (("dated", chronicle.dated), ("undated", chronicle.undated)):
        digest.update(f"\x1e{group}".encode())
        for e in entries:
            fields = (e.date.isoformat() if e.date else "", e.title, e.summary, e.url, e.section, e.issue_label)
            digest.update(("\x1f".join(fields) + "\x1e").encode())
    return digest.hexdigest()[:16]


def export(chronicle: Chronicle, fmt: str, base_url: str, progress: Progress | None = None) -> bytes:
    """The chronicle as a file in ``fmt`` (PDF or DOCX)."""
    if fmt == PDF:
        return render_pdf(chronicle, base_url, progress)
    if fmt == DOCX:
        return render_docx(chronicle, base_url, progress)
    raise ValueError(fmt)


def render_pdf(chronicle: Chronicle, base_url: str, progress: Progress | None = None) -> bytes:
    # WeasyPrint reports nothing while it lays out, so the steps are coarse: 3 of them.
    progress = progress or _silent
    progress(0, 3, "正在准备排版")
    HTML, FontConfiguration = weasyprint_api()
    html = render_to_string(PDF_TEMPLATE, {"chronicle": chronicle, "base_url": base_url})
    progress(1, 3, f"正在排版 PDF（{len(chronicle.entries)} 条）")
    data = HTML(string=html, base_url=base_url).write_pdf(font_config=FontConfiguration())
    progress(3, 3, "PDF 已生成")
    return data


SONG = "宋体"
HEI = "黑体"
LATIN = "Times New Roman"


def _set_font(run_or_style, east_asian: str, size_pt: float | None = None, bold: bool | None = None):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = LATIN
    element = run_or_style._element  # a Run's w:r or a style's w:style
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)
    if size_pt:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold


def render_docx(chronicle: Chronicle, base_url: str, progress: Progress | None = None) -> bytes:
    """A plain document in the yearbook's usual shape: date in bold, then title and summary."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = chronicle.title
    document.core_properties.author = chronicle.publication.publisher or chronicle.publication.name
    normal = document.styles["Normal"]
    _set_font(normal, SONG, 12)
    normal.paragraph_format.space_after = Pt(6)
    for name in ("Title", "Heading 1"):
        _set_font(document.styles[name], HEI, None)

    heading = document.add_heading(chronicle.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER

    progress = progress or _silent
    total = len(chronicle.entries) + 1
    progress(0, total, "正在生成 Word 文档")
    done = 0
    for entry in chronicle.dated:
        _add_entry(document, entry, base_url)
        done += 1
        if done % 20 == 0:
            progress(done, total, f"正在写入条目（{done}/{total - 1}）")
    if chronicle.undated:
        document.add_heading("以下条目缺少事件日期，请补充后再编入年鉴", level=1)
        for entry in chronicle.undated:
            _add_entry(document, entry, base_url)
            done += 1
            if done % 20 == 0:
                progress(done, total, f"正在写入条目（{done}/{total - 1}）")
    if not chronicle.entries:
        document.add_paragraph("该时段没有已发布的稿件。")

    out = io.BytesIO()
    document.save(out)
    progress(total, total, "Word 文档已生成")
    return out.getvalue()


def _add_entry(document, entry: Entry, base_url: str):
    paragraph = document.add_paragraph()
    date_run = paragraph.add_run(entry.date_label + "　")
    _set_font(date_run, HEI, bold=True)
    title_run = paragraph.add_run(entry.title)
    _set_font(title_run, HEI, bold=True)
    if entry.summary:
        paragraph.add_run("　" + entry.summary)
    source = paragraph.add_run(f"（{entry.issue_label}，{base_url.rstrip('/')}{entry.url}）")
    _set_font(source, SONG, 9)
