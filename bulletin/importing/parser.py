"""Pure-Python parser for issues of the district monthly (e.g. 中原区大事月报).

The parser is line based.  ``parse_text`` takes the plain text of an issue,
``parse_docx`` extracts the paragraphs of a Word file (including the
paragraphs inside tables, since Word tables of contents are often tables)
and feeds the same algorithm.  Nothing here depends on Django.

Input layout understood by the parser::

    masthead      publication name, "2020年10月", "(总第97期)", office,
                  "2020年10月15日"
    TOC           section headings, entries "title.....page" (a title may be
                  wrapped over two lines before its dots) or table rows
                  "| title..... | 9 |" (a wrap is rendered as a space)
    body          section headings, article titles (possibly on two lines),
                  paragraphs; the first paragraph usually starts with the
                  event date ("9月17日，")
    colophon      "(内部资料 注意保存)", "发放范围：…", "主 办：…",
                  "编辑出版：…", "电 话：…", "邮 箱：…"

Normalisation
-------------
* Full-width digits/letters and ideographic spaces become ASCII (a targeted
  NFKC: Chinese punctuation such as "，" and "（" is kept as is).
* Spaces between a CJK character and a digit, and spaces next to CJK
  punctuation, are removed everywhere ("2020 年" -> "2020年",
  "9 月 10 日" -> "9月10日").
* In body paragraphs and colophon labels spaces between two CJK characters
  are removed as well (they are layout debris).

Canonical article titles
------------------------
Titles are compared with all whitespace removed.  The stored title is the
body heading (after the normalisation above; a heading wrapped over two lines
is joined without a space).  A space between two CJK runs survives only if
*every* rendering of the title has it at the same place, i.e. the body
heading and the TOC entry.  A TOC table row rendering a wrap as
"第九次 集体学习" while the body says "第九次集体学习" therefore gives
"…第九次集体学习", whereas "创建食品安全区 共享共建食安中原", spaced
the same way in both, keeps its space.  Titles known only from the TOC
(``ParsedIssue.toc``) drop a table-row space when the text before it is at
least ``_TOC_WRAP_MIN`` characters long (a wrap at the column width).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from common import periods
from common.cjk import FOLD_WIDTH, IDEOGRAPHS, PUNCTUATION
from common.dates import leading_month_day
from common.errors import BulletinError

__all__ = [
    "DEFAULT_SECTIONS",
    "ImportParseError",
    "ParsedArticle",
    "DocxText",
    "ParsedIssue",
    "TocEntry",
    "docx_to_text",
    "format_report",
    "parse_docx",
    "parse_text",
    "read_docx",
    "warn_dropped_content",
]

DEFAULT_SECTIONS = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]

COLOPHON_KEYS = (
    "confidentiality_notice",
    "distribution_scope",
    "sponsor",
    "publisher",
    "phone",
    "email",
)

COLOPHON_LABELS = {
    "confidentiality_notice": "保密提示",
    "distribution_scope": "发放范围",
    "sponsor": "主办",
    "publisher": "编辑出版",
    "phone": "电话",
    "email": "邮箱",
}


class ImportParseError(BulletinError, ValueError):
    """A file that cannot be imported.  ``message`` (and ``str(err)``) names the line."""

    def __init__(self, message: str, line_no: int | None = None):
        self.line_no = line_no
        self.detail = message  # without the line number
        super().__init__(f"第 {line_no} 行：{message}" if line_no else message)


@dataclass
class ParsedArticle:
    title: str
    section: str | None
    event_month_day: tuple[int, int] | None
    event_date: date | None
    body_paragraphs: list[str]
    toc_page: int | None
    line_no: int


@dataclass
class TocEntry:
    title: str
    section: str | None
    page: int | None
    line_no: int
    rendering: str = ""  # the TOC text as found (light normalisation)
    found: bool = False


@dataclass
class ParsedIssue:
    publication_name: str | None
    year: int
    month: int
    serial_number: int
    publication_date: date | None
    office: str | None
    sections: list[str]
    articles: list[ParsedArticle]
    colophon: dict
    unplaced_lines: list[tuple[int, str]]
    warnings: list[str]
    toc: list[TocEntry] = field(default_factory=list)
    # 第N期 (the number within the year) when the masthead gives it, else None: it is never
    # invented from the month.
    year_number: int | None = None
    # The period when the masthead names one (“2020年第三季度”, “2020年9–10月”): its frequency
    # (common.periods) and last month; `month` is then the period's first month. None: a month.
    period: str | None = None
    last_month: int | None = None
    # The masthead dated the issue only as “2020年第N期”: `month` is N, which the import reads
    # as the publication's N-th period (a quarterly's 第3期 is its third quarter).
    month_is_number: bool = False

    @property
    def period_label(self) -> str:
        """2020年10月, 2020年第三季度, 2020年9–10月: the period as the file gives it."""
        return periods.period_label(self.period or periods.MONTHLY, self.year, self.month)


# --------------------------------------------------------------------------
# character classes and normalisation

_CJK = IDEOGRAPHS
_CJK_PUNCT = PUNCTUATION
_FINAL_PUNCT = "。！？!?；;…”’」』：:"

_CHAR_TRANS = {**FOLD_WIDTH, 0x00A0: " ", 0x200B: None, 0xFEFF: None}
for _cp in range(0x2000, 0x200B):
    _CHAR_TRANS[_cp] = " "

_RE_WS = re.compile(r"\s+")
_RE_SP_CJK_DIGIT = re.compile(rf"(?<=[{_CJK}])\s+(?=[0-9])|(?<=[0-9])\s+(?=[{_CJK}])")
_RE_SP_PUNCT = re.compile(rf"\s+(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}])\s+")
_RE_SP_CJK_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def _chars(s: str) -> str:
    return s.translate(_CHAR_TRANS)


def _light(s: str) -> str:
    """Normalise a line but keep spaces between CJK runs (titles)."""
    s = _RE_WS.sub(" ", _chars(s)).strip()
    s = _RE_SP_CJK_DIGIT.sub("", s)
    return _RE_SP_PUNCT.sub("", s)


def _full(s: str) -> str:
    """Normalise body text: also drop spaces between two CJK characters."""
    return _RE_SP_CJK_CJK.sub("", _light(s))


def _key(s: str) -> str:
    return _RE_WS.sub("", _chars(s))


def _join(a: str, b: str) -> str:
    """Join two pieces of a wrapped line / split paragraph."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


# --------------------------------------------------------------------------
# line patterns

_LEADER = r"(?:[.．·•‥…]{2,}|…|\t+)"
_RE_TOC_LINE = re.compile(rf"^(?P<title>.*?\S)\s*{_LEADER}\s*(?P<page>\d{{1,3}})$")
_RE_TRAILING_LEADER = re.compile(r"\s*[.．·•‥…]+$")
_RE_TABLE_SEP_CELL = re.compile(r"^:?-+:?$")
_RE_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:第\s*)?\d{1,3}(?:\s*页)?[-–—\s]*$")
_RE_SERIAL = re.compile(r"总第([0-9零〇一二两三四五六七八九十百千]+)期")
_RE_PUBDATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_RE_BARE_SERIAL = re.compile(r"^[(（]?第.{0,6}期[)）]?$")
_RE_YEAR_NUMBER = re.compile(r"(?<!总)第([0-9零〇一二两三四五六七八九十百]+)期")
_YEAR_NUMBER_MAX = 999
_RE_YEAR_MONTH = re.compile(r"(\d{4})年(?:(\d{1,2})月(?![0-9])|第(\d{1,2})期)")
# A quarterly's or bimonthly's masthead: 2020年第三季度, 2020年3季度, 2020年7—9月, 2020年9-10月.
_RE_YEAR_QUARTER = re.compile(r"(\d{4})年第?([一二三四1-4])季度")
_RE_YEAR_MONTHS = re.compile(r"(\d{4})年(\d{1,2})\s*[-–—―~～至到]\s*(\d{1,2})月(?![0-9])")
# Layout only (titles, paragraph starts); the article's event date is read by common.dates.
_RE_EVENT_DATE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_RE_PARA_DATE_START = re.compile(
    r"^(?:\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?|\d{1,2}月(?:\d{1,2}日|上旬|中旬|下旬|初|底)?"
    r"|近日|日前|近期|今年以来)"
)
_RE_ENUM_START = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、．.](?!\d))"
)
_RE_HEADING_CAND = re.compile(rf"^[{_CJK}]{{2,8}}$")
_RE_CONFIDENTIAL = re.compile(r"内部资料|内部刊物|注意保存|妥善保管")
_COLOPHON_RES = [
    ("distribution_scope", r"发\s*放\s*范\s*围|发\s*送\s*范\s*围|分\s*送|报\s*送"),
    ("sponsor", r"主\s*办(?:\s*单\s*位)?"),
    ("publisher", r"编\s*辑\s*出\s*版|编\s*印|出\s*版|承\s*办"),
    ("phone", r"(?:联\s*系\s*)?电\s*话"),
    ("email", r"(?:电\s*子\s*)?邮\s*箱|[Ee]-?mail"),
]
_RE_COLOPHON = [
    (name, re.compile(rf"^(?:{pattern})\s*[：:]\s*(?P<value>.*)$"))
    for name, pattern in _COLOPHON_RES
]

_TOC_WRAP_MIN = 12  # min. chars before a table-row space for it to count as a wrap
_TITLE_MAX = 40

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def _cn_number(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


@dataclass
class _Line:
    no: int
    raw: str  # characters translated, stripped, whitespace kept
    light: str
    key: str
    cells: list[str] | None = None  # table row cells (markdown "| a | b |")

    @property
    def blank(self) -> bool:
        return not self.key

    @property
    def is_table(self) -> bool:
        return self.cells is not None

    @property
    def structural(self) -> bool:
        """An empty or separator table row (no content)."""
        return self.cells is not None and all(
            not c.strip() or _RE_TABLE_SEP_CELL.match(c.strip()) for c in self.cells
        )


def _make_line(no: int, text: str) -> _Line:
    raw = _chars(text).strip()
    cells = None
    if raw.startswith("|"):
        parts = raw.split("|")[1:]
        if raw.endswith("|") and len(parts) > 1:
            parts = parts[:-1]
        cells = [p.strip() for p in parts]
    return _Line(no=no, raw=raw, light=_light(raw), key=_key(raw), cells=cells)


def _colophon_match(ln: _Line) -> tuple[str, str] | None:
    text = ln.light
    inner = text.strip("()（）【】[]").strip()
    if len(ln.key) <= 30 and _RE_CONFIDENTIAL.search(ln.key) and "：" not in text:
        return "confidentiality_notice", inner
    for name, rx in _RE_COLOPHON:
        m = rx.match(text)
        if m:
            value = m.group("value").strip()
            if name in ("phone", "email"):
                value = _key(value)
            else:
                value = _full(value)
            return name, value
    return None


def _is_final(text: str) -> bool:
    return bool(text) and text[-1] in _FINAL_PUNCT


def _date_para(ln: _Line) -> bool:
    """Does the line look like the first paragraph of an article?"""
    if ln.is_table or len(ln.key) < 12:
        return False
    m = _RE_PARA_DATE_START.match(ln.key)
    return bool(m) and len(ln.key) > m.end() + 2


def _title_ish(ln: _Line) -> bool:
    k = ln.key
    if ln.is_table or not (2 <= len(k) <= _TITLE_MAX):
        return False
    if _is_final(k) or k[-1] in "，,、" or "。" in k:
        return False
    if _RE_EVENT_DATE.match(k) or _RE_PAGE_NUMBER.match(k) or _RE_ENUM_START.match(k):
        return False
    if _masthead_pattern(ln):
        return False
    return True


def _masthead_pattern(ln: _Line) -> bool:
    """Is the line (almost) nothing but an issue date / serial number?"""
    k = ln.key
    rest = _RE_SERIAL.sub("", _RE_PUBDATE.sub("", _RE_YEAR_MONTH.sub("", k)))
    rest = _RE_YEAR_NUMBER.sub("", rest)
    rest = re.sub(rf"[{_CJK_PUNCT}()\[\]]", "", rest)
    return rest != k and len(rest) <= 2


def _para_start(text: str) -> bool:
    return bool(_RE_EVENT_DATE.match(text) or _RE_ENUM_START.match(text))


def _should_merge(prev: str, nxt: str) -> bool:
    """Page-break repair: is ``nxt`` the continuation of ``prev``?"""
    if not prev or _is_final(prev):
        return False
    if _para_start(nxt):
        return False
    # A short unpunctuated paragraph is a sub-heading, not a broken sentence.
    if len(prev) <= 15 and not re.search(rf"[{_CJK_PUNCT},.;:]", prev):
        return False
    return True


def _space_positions(rendering: str) -> tuple[str, set[int]]:
    """Return (key, set of key indices that are preceded by a space)."""
    key_chars: list[str] = []
    spaces: set[int] = set()
    pending = False
    for ch in rendering:
        if ch.isspace():
            pending = bool(key_chars)
            continue
        if pending:
            spaces.add(len(key_chars))
            pending = False
        key_chars.append(ch)
    return "".join(key_chars), spaces


def _canonical_title(renderings: list[str]) -> str:
    """Keep a space only where every rendering agrees on it."""
    renderings = [r for r in renderings if r]
    key, spaces = _space_positions(renderings[0])
    for r in renderings[1:]:
        k, s = _space_positions(r)
        if k == key:
            spaces &= s
    out = []
    for i, ch in enumerate(key):
        if i in spaces:
            out.append(" ")
        out.append(ch)
    return "".join(out)


def _toc_display_title(rendering: str, from_table: bool) -> str:
    if not from_table:
        return rendering
    key, spaces = _space_positions(rendering)
    keep = set()
    for pos in spaces:
        prev_space = max([p for p in spaces if p < pos], default=0)
        if pos - prev_space < _TOC_WRAP_MIN:
            keep.add(pos)
    return "".join((" " if i in keep else "") + ch for i, ch in enumerate(key))


def _resolve_event_date(
    issue_year: int, issue_month: int, month: int, day: int, explicit_year: int | None
) -> date | None:
    """Dates are in the issue's year, except months after the issue month
    (+1 for late publication), which belong to the previous year: a December
    event in a January issue happened the year before."""
    year = explicit_year
    if year is None:
        year = issue_year - 1 if month > issue_month + 1 else issue_year
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# the parser


class _Parser:
    def __init__(self, text: str, known_sections, allow_new_sections: bool):
        text = text.lstrip("\ufeff")
        self.lines = [_make_line(i + 1, t) for i, t in enumerate(text.splitlines())]
        self.known_sections = (
            list(known_sections) if known_sections is not None else list(DEFAULT_SECTIONS)
        )
        self.section_by_key = {_key(s): s for s in self.known_sections}
        self.allow_new_sections = allow_new_sections
        self.warnings: list[str] = []
        self.unplaced: list[tuple[int, str]] = []
        self.sections: list[str] = []
        self.toc: list[TocEntry] = []
        self.toc_by_key: dict[str, TocEntry] = {}
        self.toc_table_keys: set[str] = set()
        self.articles: list[ParsedArticle] = []
        self.colophon: dict = {k: None for k in COLOPHON_KEYS}
        self._article_renderings: list[list[str]] = []

    # -- helpers ---------------------------------------------------------
    def _ignorable(self, ln: _Line) -> bool:
        return (
            ln.blank or ln.structural or (not ln.is_table and bool(_RE_PAGE_NUMBER.match(ln.raw)))
        )

    def _next(self, i: int) -> int | None:
        for j in range(i + 1, len(self.lines)):
            if not self._ignorable(self.lines[j]):
                return j
        return None

    def _prev(self, i: int) -> int | None:
        for j in range(i - 1, -1, -1):
            if not self._ignorable(self.lines[j]):
                return j
        return None

    def _section_of(self, ln: _Line) -> str | None:
        if ln.is_table:
            return None
        return self.section_by_key.get(ln.key)

    def _add_section(self, name: str) -> None:
        if name not in self.sections:
            self.sections.append(name)

    def _new_section(self, ln: _Line) -> str:
        """An unknown heading: accept it or refuse the file."""
        name = ln.key
        if not self.allow_new_sections:
            known = "、".join(self.known_sections)
            known = f"已知栏目：{known}" if known else "刊物还没有栏目，可先在后台为刊物添加栏目"
            raise ImportParseError(
                f"未知栏目“{name}”（{known}）。"
                "如需新增栏目，请选择“允许新增栏目”（命令行加 --create-sections）。",
                ln.no,
            )
        self.section_by_key[name] = name
        self.warnings.append(f"第 {ln.no} 行：新增栏目“{name}”。")
        return name

    def _toc_entry(self, ln: _Line) -> tuple[str, int, bool] | None:
        """(title rendering, page, from_table) if the line is a TOC entry."""
        if ln.is_table:
            cells = [c for c in ln.cells if c.strip()]
            if len(cells) >= 2 and re.fullmatch(r"\d{1,3}", _key(cells[-1])):
                title = _RE_TRAILING_LEADER.sub("", cells[0])
                if _key(title):
                    return _light(title), int(_key(cells[-1])), True
            return None
        m = _RE_TOC_LINE.match(ln.raw)
        if m and not _RE_PAGE_NUMBER.match(m.group("title")):
            return _light(m.group("title")), int(m.group("page")), False
        return None

    # -- stages ----------------------------------------------------------
    def run(self) -> ParsedIssue:
        if not any(not ln.blank for ln in self.lines):
            raise ImportParseError("文件为空。", 1)
        entries = [i for i, ln in enumerate(self.lines) if self._toc_entry(ln)]
        if entries:
            toc_start, toc_end = self._toc_bounds(entries[0])
            masthead_end = toc_start
        else:
            toc_start = toc_end = None
            masthead_end = self._masthead_end_without_toc()
            self.warnings.append(
                "文件中没有目录，无法与目录逐篇核对：文章是按版式（标题行、以日期开头的正文）"
                "识别的，请核对文章数量和每篇的标题。"
            )
        issue = self._parse_masthead(masthead_end)
        if toc_start is not None:
            self._parse_toc(toc_start, toc_end)
            body_start = toc_end + 1
        else:
            body_start = masthead_end
        self._parse_body(body_start, issue)
        self._final_checks(issue, body_start)
        issue.sections = self.sections
        issue.articles = self.articles
        issue.colophon = self.colophon
        issue.unplaced_lines = self.unplaced
        issue.warnings = self.warnings
        issue.toc = self.toc
        return issue

    def _toc_bounds(self, first: int) -> tuple[int, int]:
        # backwards: a wrapped-title prefix above the first entry (directly
        # above, or below a heading), then the heading itself
        def heading(idx: int | None) -> bool:
            if idx is None:
                return False
            ln = self.lines[idx]
            return bool(self._section_of(ln)) or (
                bool(_RE_HEADING_CAND.match(ln.key))
                and not _masthead_pattern(ln)
                and not ln.is_table
            )

        start = first
        p = self._prev(first)
        if (
            p is not None
            and not heading(p)
            and not self.lines[first].is_table
            and not self.lines[p].is_table
            and not _masthead_pattern(self.lines[p])
            and (p == first - 1 or heading(self._prev(p)))
        ):
            start = p
            p = self._prev(p)
        if heading(p):
            start = p
        # forwards: until a heading repeats or a long paragraph shows up
        last = first
        seen: set[str] = set()
        for i in range(start, len(self.lines)):
            ln = self.lines[i]
            if self._ignorable(ln):
                continue
            if self._toc_entry(ln):
                last = i
                continue
            sec = self._section_of(ln)
            if sec:
                if sec in seen:
                    break
                seen.add(sec)
                continue
            if len(ln.key) > 60 or _date_para(ln):
                break
        return start, last

    def _masthead_end_without_toc(self) -> int:
        seen = 0
        for i, ln in enumerate(self.lines):
            if self._ignorable(ln):
                continue
            seen += 1
            if self._section_of(ln) or _date_para(ln) or len(ln.key) > _TITLE_MAX:
                return i
            if _title_ish(ln) and seen > 1:
                j = self._next(i)
                if j is not None and _date_para(self.lines[j]):
                    return i
            if seen > 15:
                return i
        return len(self.lines)

    def _parse_masthead(self, end: int) -> ParsedIssue:
        year = month = serial = year_number = period = None
        month_is_number = False
        pubdate = None
        others: list[_Line] = []
        last_no = 1
        for ln in self.lines[:end]:
            if self._ignorable(ln):
                continue
            last_no = ln.no
            col = _colophon_match(ln)
            if col:
                self.colophon[col[0]] = col[1]
                continue
            k = ln.key
            matched = False
            m = _RE_SERIAL.search(k)
            if m:
                serial = _cn_number(m.group(1))
                matched = True
            elif "总第" in k:
                raise ImportParseError(f"无法识别期号（总第N期）：“{ln.light}”。", ln.no)
            y = _RE_YEAR_NUMBER.search(_RE_SERIAL.sub("", k))
            if y:
                number = _cn_number(y.group(1))
                if number is None or not 1 <= number <= _YEAR_NUMBER_MAX:
                    raise ImportParseError(f"年度期号（第N期）无效：“{ln.light}”。", ln.no)
                if year_number is not None and number != year_number:
                    raise ImportParseError(
                        f"刊头的年度期号不一致：第{year_number}期和第{number}期。", ln.no
                    )
                year_number = number
                matched = True
            elif not m and _RE_BARE_SERIAL.match(k):
                raise ImportParseError(f"无法识别期号：“{ln.light}”。", ln.no)
            m = _RE_PUBDATE.search(k)
            if m:
                try:
                    pubdate = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    raise ImportParseError(f"出版日期无效：“{ln.light}”。", ln.no) from None
                matched = True
            q = _RE_YEAR_QUARTER.search(k)
            r = _RE_YEAR_MONTHS.search(k)
            m = _RE_YEAR_MONTH.search(k)
            if q and year is None:
                year, period = int(q.group(1)), periods.QUARTERLY
                month = ("一二三四".find(q.group(2)) + 1 or int(q.group(2))) * 3 - 2
                matched = True
            elif r and year is None:
                year, first, last = int(r.group(1)), int(r.group(2)), int(r.group(3))
                period = {2: periods.BIMONTHLY, 3: periods.QUARTERLY}.get(last - first + 1)
                if not 1 <= first <= last <= 12 or period is None or periods.period_start(period, first) != first:
                    raise ImportParseError(
                        f"无法识别出版周期：“{ln.light}”（双月刊写作“2020年9–10月”，季刊写作“2020年第三季度”或“2020年7–9月”）。",
                        ln.no,
                    )
                month = first
                matched = True
            elif m and year is None:
                year = int(m.group(1))
                month = int(m.group(2) or m.group(3))
                month_is_number = m.group(3) is not None
                if not 1 <= month <= 12:
                    raise ImportParseError(f"月份无效：“{ln.light}”。", ln.no)
                matched = True
            if not matched:
                others.append(ln)
        if year is None:
            raise ImportParseError("无法识别出版年月（如“2020年10月”）。", last_no)
        if serial is None:
            raise ImportParseError("无法识别期号（总第N期）。", last_no)
        name = others[0].light if others else None
        office = others[1].light if len(others) > 1 else None
        for ln in others[2:]:
            self.unplaced.append((ln.no, ln.light))
        if name is None:
            self.warnings.append("未找到刊名。")
        if pubdate is None:
            self.warnings.append("未找到出版日期（如“2020年10月15日”）。")
        elif (pubdate.year, pubdate.month) < (year, month):
            label = periods.period_label(period or periods.MONTHLY, year, month)
            self.warnings.append(f"出版日期 {pubdate.isoformat()} 早于本期年月 {label}。")
        return ParsedIssue(
            publication_name=name,
            year=year,
            month=month,
            serial_number=serial,
            publication_date=pubdate,
            office=office,
            sections=[],
            articles=[],
            colophon={},
            unplaced_lines=[],
            warnings=[],
            year_number=year_number,
            period=period,
            last_month=periods.period_months(period, month)[1] if period else None,
            month_is_number=month_is_number,
        )

    def _parse_toc(self, start: int, end: int) -> None:
        section = None
        pending: list[_Line] = []
        for i in range(start, end + 1):
            ln = self.lines[i]
            if self._ignorable(ln):
                continue
            entry = self._toc_entry(ln)
            if entry:
                rendering, page, from_table = entry
                for prefix in reversed(pending):
                    rendering = _join(prefix.light, rendering)
                first_no = pending[0].no if pending else ln.no
                pending = []
                te = TocEntry(
                    title=_toc_display_title(rendering, from_table),
                    section=section,
                    page=page,
                    line_no=first_no,
                    rendering=rendering,
                )
                key = _key(rendering)
                if key in self.toc_by_key:
                    self.warnings.append(f"第 {first_no} 行：目录条目“{te.title}”重复。")
                    continue
                self.toc.append(te)
                self.toc_by_key[key] = te
                continue
            sec = self._section_of(ln)
            nxt = self.lines[i + 1] if i + 1 < len(self.lines) else None
            direct_continuation = (
                nxt is not None and not nxt.is_table and bool(self._toc_entry(nxt))
            )
            if (
                not sec
                and not pending
                and _RE_HEADING_CAND.match(ln.key)
                and not ln.is_table
                and not direct_continuation
            ):
                sec = self._new_section(ln)
            if sec:
                self._flush_unplaced(pending)
                pending = []
                section = sec
                self._add_section(sec)
                continue
            if ln.is_table:
                text = " ".join(c for c in ln.cells if c.strip())
                pending.append(_Line(ln.no, text, _light(text), _key(text)))
            else:
                pending.append(ln)
        self._flush_unplaced(pending)
        pages = [e.page for e in self.toc if e.page is not None]
        if any(b < a for a, b in zip(pages, pages[1:], strict=False)):
            self.warnings.append("目录页码不是递增的。")

    def _flush_unplaced(self, lines: list[_Line]) -> None:
        for ln in lines:
            self.unplaced.append((ln.no, ln.light))

    # -- body ------------------------------------------------------------
    def _match_toc(self, i: int) -> tuple[TocEntry, list[int]] | None:
        ln = self.lines[i]
        if ln.is_table:
            return None
        if ln.key in self.toc_by_key:
            return self.toc_by_key[ln.key], [i]
        j = self._next(i)
        if j is not None and not self.lines[j].is_table and len(ln.key) <= _TITLE_MAX:
            joined = ln.key + self.lines[j].key
            if joined in self.toc_by_key:
                return self.toc_by_key[joined], [i, j]
        return None

    def _title_without_toc(self, i: int) -> list[int] | None:
        ln = self.lines[i]
        if not _title_ish(ln):
            return None
        j = self._next(i)
        if j is None:
            return None
        if _date_para(self.lines[j]):
            return [i]
        k = self._next(j)
        if (
            k is not None
            and _title_ish(self.lines[j])
            and not self._section_of(self.lines[j])
            and _date_para(self.lines[k])
            and len(ln.key) + len(self.lines[j].key) <= 2 * _TITLE_MAX
        ):
            return [i, j]
        return None

    def _starts_title(self, i: int) -> bool:
        if self.toc_by_key:
            return self._match_toc(i) is not None
        return self._title_without_toc(i) is not None

    def _untimed_title(self, i: int) -> list[int] | None:
        """A title-like line (or two) between body paragraphs, before a body paragraph that
        does not start with a date: the title of an article the layout alone cannot tell
        from a short line of text. Called for lines that do not continue a paragraph."""
        ln = self.lines[i]
        if not _title_ish(ln) or "，" in ln.key:
            return None
        j = self._next(i)
        if j is None or self._section_of(self.lines[j]) or _colophon_match(self.lines[j]):
            return None
        if not _title_ish(self.lines[j]):
            return [i]
        k = self._next(j)
        if (
            k is not None
            and "，" not in self.lines[j].key
            and not self._section_of(self.lines[j])
            and not _title_ish(self.lines[k])
            and not self._section_of(self.lines[k])
            and not _colophon_match(self.lines[k])
            and len(ln.key) + len(self.lines[j].key) <= 2 * _TITLE_MAX
        ):
            return [i, j]
        return None

    def _parse_body(self, start: int, issue: ParsedIssue) -> None:
        has_toc = bool(self.toc_by_key)
        article: ParsedArticle | None = None
        article_entry: TocEntry | None = None
        section: str | None = None
        in_colophon = False
        last_colophon: str | None = None
        i = start
        n = len(self.lines)
        while i < n:
            ln = self.lines[i]
            if self._ignorable(ln):
                i += 1
                continue
            col = _colophon_match(ln)
            if col:
                name, value = col
                if self.colophon.get(name):
                    self.warnings.append(
                        f"第 {ln.no} 行：刊尾“{COLOPHON_LABELS[name]}”重复，以后者为准。"
                    )
                self.colophon[name] = value
                in_colophon, last_colophon = True, name
                i += 1
                continue
            if in_colophon:
                if last_colophon == "distribution_scope" and not _colophon_match(ln):
                    self.colophon[last_colophon] = _join(
                        self.colophon[last_colophon], _full(ln.light)
                    )
                else:
                    self.unplaced.append((ln.no, ln.light))
                i += 1
                continue
            sec = self._section_of(ln)
            if sec:
                section = sec
                self._add_section(sec)
                i += 1
                continue
            # an article title?
            title_lines: list[int] | None = None
            entry: TocEntry | None = None
            if has_toc:
                m = self._match_toc(i)
                if m:
                    entry, title_lines = m
            else:
                title_lines = self._title_without_toc(i)
                if title_lines and _RE_HEADING_CAND.match(ln.key) and len(title_lines) == 2:
                    title_lines = None  # "heading + title" is handled below
                if title_lines and len(title_lines) == 2 and (
                    ln.key == self.lines[title_lines[1]].key
                ):
                    # the same line twice is one title written twice, not a two-line title
                    article = self._start_article(title_lines[:1], None, section)
                    article_entry = None
                    self._warn_repeated_title(self.lines[title_lines[1]], article)
                    i = title_lines[-1] + 1
                    continue
            if title_lines and self._repeats_title(title_lines, entry, article, article_entry):
                # The title line written twice (copy and paste): one article, not an empty one.
                self._warn_repeated_title(self.lines[title_lines[0]], article)
                i = title_lines[-1] + 1
                continue
            if title_lines:
                article = self._start_article(title_lines, entry, section)
                article_entry = entry
                i = title_lines[-1] + 1
                continue
            # an unknown section heading followed by a title?
            j = self._next(i)
            if (
                _RE_HEADING_CAND.match(ln.key)
                and not ln.is_table
                and j is not None
                and self._starts_title(j)
            ):
                section = self._new_section(ln)
                self._add_section(section)
                i += 1
                continue
            # a title that is not in the TOC?
            continuation = (
                article is not None
                and article.body_paragraphs
                and not _is_final(article.body_paragraphs[-1])
            )
            if has_toc and not continuation and _title_ish(ln) and "，" not in ln.key:
                if j is not None and _date_para(self.lines[j]):
                    raise ImportParseError(f"正文标题“{ln.light}”在目录中找不到对应条目。", ln.no)
            untimed = (
                self._untimed_title(i)
                if article is not None and article.body_paragraphs and not continuation
                else None
            )
            if untimed and not has_toc:
                # Without a TOC nothing says whether this is a title; a short unpunctuated line
                # between paragraphs almost always is one. Split, and say so.
                previous = article
                article = self._start_article(untimed, None, section)
                article_entry = None
                self.warnings.append(
                    f"第 {ln.no} 行：“{article.title}”像是标题（后面一段开头没有日期），"
                    f"已作为新的一篇导入，没有并入上一篇“{previous.title}”，请核对。"
                )
                i = untimed[-1] + 1
                continue
            if untimed:
                title = "".join(self.lines[k].light for k in untimed)
                self.warnings.append(
                    f"第 {ln.no} 行：“{title}”像是一篇文章的标题，但目录中没有，"
                    f"已作为“{article.title}”的正文导入，请核对。"
                )
            # a body paragraph
            if article is None:
                self.unplaced.append((ln.no, ln.light))
            else:
                text = _full(ln.light)
                if article.body_paragraphs and _should_merge(article.body_paragraphs[-1], text):
                    article.body_paragraphs[-1] = _join(article.body_paragraphs[-1], text)
                else:
                    article.body_paragraphs.append(text)
            i += 1

    def _repeats_title(
        self,
        idx: list[int],
        entry: TocEntry | None,
        article: ParsedArticle | None,
        article_entry: TocEntry | None,
    ) -> bool:
        """Is this title the current article's, again, before any of its text?"""
        if article is None or article.body_paragraphs:
            return False
        if entry is not None:
            return entry is article_entry
        return "".join(self.lines[k].key for k in idx) == _key(article.title)

    def _warn_repeated_title(self, ln: _Line, article: ParsedArticle) -> None:
        self.warnings.append(
            f"第 {ln.no} 行：标题“{article.title}”连续出现了两次，已按一篇文章导入，请核对。"
        )

    def _start_article(
        self, idx: list[int], entry: TocEntry | None, section: str | None
    ) -> ParsedArticle:
        lines = [self.lines[k] for k in idx]
        body_rendering = lines[0].light
        for ln in lines[1:]:
            body_rendering = _join(body_rendering, ln.light)
        renderings = [body_rendering]
        if entry is not None:
            if entry.found:
                self.warnings.append(f"第 {lines[0].no} 行：标题“{entry.title}”在正文中重复出现。")
            entry.found = True
            renderings.append(entry.rendering)
            if section and entry.section and section != entry.section:
                self.warnings.append(
                    f"第 {lines[0].no} 行：“{entry.title}”在目录中属于“{entry.section}”，正文中位于“{section}”。"
                )
            section = section or entry.section
        article = ParsedArticle(
            title=_canonical_title(renderings),
            section=section,
            event_month_day=None,
            event_date=None,
            body_paragraphs=[],
            toc_page=entry.page if entry else None,
            line_no=lines[0].no,
        )
        self.articles.append(article)
        return article

    def _final_checks(self, issue: ParsedIssue, body_start: int) -> None:
        if not self.articles:
            no = self.lines[min(body_start, len(self.lines) - 1)].no if self.lines else 1
            raise ImportParseError("未找到任何文章（正文中没有可识别的标题）。", no)
        for entry in self.toc:
            if not entry.found:
                self.warnings.append(
                    f"第 {entry.line_no} 行：目录条目“{entry.title}”（第 {entry.page} 页）在正文中未找到。"
                )
        for art in self.articles:
            if art.section is None:
                self.warnings.append(f"第 {art.line_no} 行：“{art.title}”不属于任何栏目。")
            if not art.body_paragraphs:
                self.warnings.append(f"第 {art.line_no} 行：“{art.title}”没有正文。")
                continue
            found = leading_month_day(art.body_paragraphs[0])
            if found is None:
                self.warnings.append(f"第 {art.line_no} 行：“{art.title}”正文开头没有日期。")
                continue
            explicit_year, month, day = found
            art.event_month_day = (month, day)
            art.event_date = _resolve_event_date(
                issue.year, issue.last_month or issue.month, month, day, explicit_year
            )
            if art.event_date is None:
                self.warnings.append(
                    f"第 {art.line_no} 行：“{art.title}”的日期 {month}月{day}日 无效。"
                )
        missing = [COLOPHON_LABELS[k] for k in COLOPHON_KEYS if not self.colophon.get(k)]
        if missing:
            self.warnings.append("刊尾信息缺少：" + "、".join(missing) + "。")


# --------------------------------------------------------------------------
# public API


def parse_text(
    text: str, *, known_sections: list[str] | None = None, allow_new_sections: bool = False
) -> ParsedIssue:
    """Parse the plain text of an issue.  Raises :class:`ImportParseError`."""
    return _Parser(text, known_sections, allow_new_sections).run()


@dataclass
class DocxText:
    """The text of a .docx as :func:`parse_text` reads it, and what the text leaves out.

    ``pictures`` holds the line (in ``text``) of each picture, chart or other drawing;
    ``text_boxes`` the line and the text of each text box. A back issue is imported as text,
    so these are reported on the preview (:func:`warn_dropped_content`), never lost silently.
    """

    text: str
    pictures: list[int] = field(default_factory=list)
    text_boxes: list[tuple[int, str]] = field(default_factory=list)


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DRAWINGS = (f"{{{_W_NS}}}drawing", f"{{{_W_NS}}}pict", f"{{{_W_NS}}}object")
_TEXT_BOX = f"{{{_W_NS}}}txbxContent"
_W_T = f"{{{_W_NS}}}t"


def _dropped(element) -> tuple[int, list[str]]:
    """(pictures, text box texts) inside a paragraph or table element.

    Word writes a shape twice, as DrawingML and inside mc:Fallback as VML: only the first
    counts. A drawing holding a text box is a text box, not a picture.
    """
    pictures, boxes = 0, []
    for drawing in element.iter(*_DRAWINGS):
        if any(parent.tag == _MC_FALLBACK for parent in drawing.iterancestors()):
            continue
        if any(parent.tag in _DRAWINGS for parent in drawing.iterancestors()):
            continue  # a drawing inside a drawing (e.g. in a text box): counted with its parent
        contents = list(drawing.iter(_TEXT_BOX))
        if contents:
            text = "".join(node.text or "" for box in contents for node in box.iter(_W_T))
            boxes.append(text.strip())
        else:
            pictures += 1
    return pictures, boxes


def read_docx(fileobj) -> DocxText:
    """Paragraphs of a .docx (body, content controls and tables, in document order) as text:
    paragraphs separated by blank lines, soft line breaks kept as single newlines, table rows
    as ``| cell | cell |`` lines; with the pictures and text boxes the text leaves out."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(fileobj)
    blocks: list[str] = []
    result = DocxText(text="")
    line = 1  # the line the next block starts on in the joined text

    def add(block: str, element) -> None:
        nonlocal line
        pictures, boxes = _dropped(element)
        result.pictures.extend([line] * pictures)
        result.text_boxes.extend((line, text) for text in boxes)
        blocks.append(block)
        line += block.count("\n") + 2  # the block, then the blank line between blocks

    def walk(container) -> None:
        for child in container.iterchildren():
            if child.tag == qn("w:p"):
                add(Paragraph(child, document).text, child)
            elif child.tag == qn("w:tbl"):
                rows = []
                for row in Table(child, document).rows:
                    seen, cells = set(), []
                    for cell in row.cells:
                        if id(cell._tc) in seen:
                            continue
                        seen.add(id(cell._tc))
                        cells.append(
                            " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
                        )
                    rows.append("| " + " | ".join(cells) + " |")
                add("\n".join(rows), child)
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content)

    walk(document.element.body)
    result.text = "\n\n".join(blocks) + "\n"
    return result


def docx_to_text(fileobj) -> str:
    """The text of a .docx as :func:`read_docx` gives it."""
    return read_docx(fileobj).text


def _where(parsed: ParsedIssue, line: int) -> str:
    """“标题”: the article a line of the text belongs to, or where in the issue it is."""
    owner = None
    for article in parsed.articles:
        if article.line_no <= line:
            owner = article
    if owner is None:
        return "刊头或目录"
    return f"“{owner.title}”"


def warn_dropped_content(parsed: ParsedIssue, source: DocxText) -> None:
    """Add a warning for each picture and text box the text import leaves out."""
    by_place: dict[str, list[int]] = {}
    for line in source.pictures:
        by_place.setdefault(_where(parsed, line), []).append(line)
    for place, lines in by_place.items():
        parsed.warnings.append(
            f"第 {lines[0]} 行附近：{place}中有 {len(lines)} 张图片（或图表、图形）未导入；"
            "往期导入只导入文字，如需图片，请导入后在编辑部补上。"
        )
    for line, text in source.text_boxes:
        shown = text if len(text) <= 30 else text[:30] + "…"
        parsed.warnings.append(
            f"第 {line} 行附近：{_where(parsed, line)}中有一个文本框，其中的文字未导入"
            + (f"（“{shown}”）" if shown else "")
            + "；如需保留，请在 Word 中把它移到正文后重新导入。"
        )


def parse_docx(
    fileobj, *, known_sections: list[str] | None = None, allow_new_sections: bool = False
) -> ParsedIssue:
    """Parse a Word (.docx) issue.  Line numbers in errors and in
    ``unplaced_lines`` refer to the text produced by :func:`docx_to_text`."""
    source = read_docx(fileobj)
    parsed = parse_text(
        source.text, known_sections=known_sections, allow_new_sections=allow_new_sections
    )
    warn_dropped_content(parsed, source)
    return parsed


def format_report(parsed: ParsedIssue) -> str:
    """A Chinese dry-run report of what an import would create."""
    out: list[str] = []
    name = parsed.publication_name or "（未知刊名）"
    year_number = f"第{parsed.year_number}期 " if parsed.year_number else ""
    out.append(f"《{name}》{parsed.period_label} {year_number}总第{parsed.serial_number}期")
    pub = parsed.publication_date.isoformat() if parsed.publication_date else "（未找到）"
    out.append(f"出版日期：{pub}")
    out.append(f"编印单位：{parsed.office or '（未找到）'}")
    out.append(f"栏目 {len(parsed.sections)} 个，文章 {len(parsed.articles)} 篇")
    out.append("")
    by_section: dict[str | None, list[ParsedArticle]] = {}
    for art in parsed.articles:
        by_section.setdefault(art.section, []).append(art)
    order: list[str | None] = list(parsed.sections) + [
        s for s in by_section if s not in parsed.sections
    ]
    number = 0
    for sec in order:
        arts = by_section.get(sec, [])
        out.append(f"【{sec or '未分栏目'}】（{len(arts)} 篇）")
        for art in arts:
            number += 1
            if art.event_date:
                when = art.event_date.isoformat()
            elif art.event_month_day:
                when = f"{art.event_month_day[0]}月{art.event_month_day[1]}日"
            else:
                when = "日期不详"
            page = f"，目录第 {art.toc_page} 页" if art.toc_page is not None else ""
            out.append(
                f"  {number:>2}. {when}  {art.title}（第 {art.line_no} 行，{len(art.body_paragraphs)} 段{page}）"
            )
        out.append("")
    out.append("刊尾信息：")
    for key in COLOPHON_KEYS:
        out.append(f"  {COLOPHON_LABELS[key]}：{parsed.colophon.get(key) or '（无）'}")
    out.append("")
    out.append(f"警告（{len(parsed.warnings)} 条）：")
    out.extend(f"  - {w}" for w in parsed.warnings)
    if not parsed.warnings:
        out.append("  无")
    out.append("")
    out.append(f"未归类的行（{len(parsed.unplaced_lines)} 行）：")
    out.extend(f"  第 {no} 行：{text}" for no, text in parsed.unplaced_lines)
    if not parsed.unplaced_lines:
        out.append("  无")
    return "\n".join(out) + "\n"
