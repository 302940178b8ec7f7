"""The chronicle (大事记): every published article of a publication in a period, by event date.

One list, three outputs: the web page, a PDF (WeasyPrint) and a .docx (python-docx) that the
office pastes into the yearbook. Entries without an event date come last, flagged for fixing.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from common.dates import month_day_label
from editorial.sanitize import html_to_text

from .access import can_read_internal
from .models import Issue, IssueArticle, Publication, Visibility
from .pdf.render import weasyprint_api

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
    """Published, readable placements whose pinned revision's event date is in [start, end].

    An entry without an event date belongs to the period of its issue (its month, two months or
    quarter): it is listed when that period overlaps [start, end].
    """
    placements = IssueArticle.objects.filter(
        issue__publication=publication,
        issue__status=Issue.Status.PUBLISHED,
        revision__isnull=False,
    ).select_related("issue", "revision", "section")
    visible = placements
    if not can_read_internal(user):
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
    return Chronicle(publication, start, end, dated, undated, hidden)


# --------------------------------------------------------------------------- exports


def render_pdf(chronicle: Chronicle, base_url: str) -> bytes:
    HTML, FontConfiguration = weasyprint_api()
    html = render_to_string("pdf/chronicle.html", {"chronicle": chronicle, "base_url": base_url})
    return HTML(string=html, base_url=base_url).write_pdf(font_config=FontConfiguration())


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


def render_docx(chronicle: Chronicle, base_url: str) -> bytes:
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

    for entry in chronicle.dated:
        _add_entry(document, entry, base_url)
    if chronicle.undated:
        document.add_heading("以下条目缺少事件日期，请补充后再编入年鉴", level=1)
        for entry in chronicle.undated:
            _add_entry(document, entry, base_url)
    if not chronicle.entries:
        document.add_paragraph("该时段没有已发布的稿件。")

    out = io.BytesIO()
    document.save(out)
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
