"""The proofreading aid (校对): findings in an article's text, per GB/T 15834 (punctuation) and
GB/T 15835 (numbers), the rules for internal publications, and the publication's own list of
standard wordings (规范表述).

Pure and Django-free: `find(text, context=...)` takes the plain text (paragraphs joined by "\\n";
`paragraphs(html)` extracts them from an article body) and returns `Finding`s with their offsets
in that text; `find_title(title)` checks a title for what makes sense there (no stray spaces:
a two-phrase title may hold one), `find_article(title, body)` both, the title's first. What the
checker must know about the article's publication and issue comes in a
`Context` (editorial never imports bulletin: bulletin.proofreading builds it). Applying a fix to
the HTML body: `replace_in_html`. The services on the database are in editorial.proofing.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from common.cjk import IDEOGRAPHS, PUNCTUATION
from common.errors import BulletinError

ERROR = "error"  # a certain mistake
WARNING = "warning"  # worth a look: may be right
SEVERITY_LABELS = {ERROR: "错误", WARNING: "提示"}

# Kinds (codes) of findings and their Chinese names.
HALFWIDTH_PUNCT = "halfwidth_punct"
BRACKETS = "brackets"
DOUBLED_PUNCT = "doubled_punct"
STRAY_SPACE = "stray_space"
YEAR_ZERO = "year_zero"
FULLWIDTH_DIGIT = "fullwidth_digit"
MIXED_NUMERALS = "mixed_numerals"
TRADITIONAL = "traditional"
BAD_DATE = "bad_date"
LATE_DATE = "late_date"
INTERNAL_WORDING = "internal_wording"
STANDARD_WORDING = "standard_wording"

KIND_LABELS = {
    HALFWIDTH_PUNCT: "半角标点",
    BRACKETS: "引号括号不成对",
    DOUBLED_PUNCT: "标点重复",
    STRAY_SPACE: "多余空格",
    YEAR_ZERO: "年份中的〇",
    FULLWIDTH_DIGIT: "全角数字",
    MIXED_NUMERALS: "数字写法不一",
    TRADITIONAL: "繁体字",
    BAD_DATE: "日期不存在",
    LATE_DATE: "日期晚于本期",
    INTERNAL_WORDING: "内部资料用语",
    STANDARD_WORDING: "规范表述",
}

CJK = f"[{IDEOGRAPHS}]"
_CJK_RE = re.compile(CJK)
_FULL_PUNCT = PUNCTUATION
SPACES = " \u00a0\u3000\t"
LINE_BREAK = "\u2028"  # a <br> inside a paragraph: one character, as in CKEditor's model


@dataclass(frozen=True)
class Wording:
    """One entry of the publication's list: the wrong or outdated form and the right one."""

    wrong: str
    right: str
    note: str = ""


@dataclass(frozen=True)
class Context:
    """What the checker knows beyond the text: the issue's year and month (None: unknown),
    whether the publication is internal (内部资料), and its standard wordings."""

    year: int | None = None
    month: int | None = None
    internal: bool = False
    wordings: tuple[Wording, ...] = ()


BODY = "body"
TITLE = "title"
FIELD_LABELS = {BODY: "正文", TITLE: "标题"}


@dataclass
class Finding:
    kind: str
    message: str
    start: int  # offsets in the plain text
    end: int
    text: str  # the text found, text[start:end]
    fix: str | None = None  # a certain replacement of `text`, applied in one click
    severity: str = ERROR
    # Filled in by find(): where it is, for the editor and the dismissal.
    paragraph: int = 0
    offset: int = 0  # start within the paragraph
    before: str = ""  # up to 12 characters of the paragraph either side
    after: str = ""
    more_before: bool = False  # the paragraph goes on beyond them
    more_after: bool = False
    key: str = ""
    field: str = BODY  # TITLE: in the article's title (paragraph 0, offset within it)

    @property
    def in_title(self) -> bool:
        return self.field == TITLE

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    def as_dict(self) -> dict:
        return {
            "key": self.key, "kind": self.kind, "kind_label": self.kind_label, "message": self.message,
            "start": self.start, "end": self.end, "text": self.text, "fix": self.fix,
            "severity": self.severity, "severity_label": self.severity_label,
            "paragraph": self.paragraph, "offset": self.offset,
            "before": self.before, "after": self.after,
            "more_before": self.more_before, "more_after": self.more_after,
            "field": self.field, "field_label": self.field_label,
        }


# ---------------------------------------------------------------------------
# Plain text of an HTML body
# ---------------------------------------------------------------------------

# Elements whose text is a paragraph of its own (what CKEditor 5 holds as a block).
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "figcaption", "caption",
          "blockquote", "div", "pre", "dt", "dd", "table", "tr", "ul", "ol", "figure"}
_SKIP = {"script", "style"}


class _Text(HTMLParser):
    """Collects the paragraphs of an HTML body and, for each character, its span in the source."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        for m in re.finditer("\n", source):
            self.line_starts.append(m.end())
        self.paragraphs: list[list[str]] = [[]]
        self.spans: list[list[tuple[int, int]]] = [[]]
        self.skip = 0

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _break(self):
        if self.paragraphs[-1]:
            self.paragraphs.append([])
            self.spans.append([])

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag in BLOCKS:
            self._break()
        elif tag == "br":
            self._add(LINE_BREAK, None)

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self._add(LINE_BREAK, None)

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self._break()

    def _add(self, chars: str, span):
        if self.skip:
            return
        for ch in chars:
            self.paragraphs[-1].append(ch)
            self.spans[-1].append(span)

    def handle_data(self, data):
        if self.skip:
            return
        start = self._pos()
        for i, ch in enumerate(data):
            if ch in "\r\n":
                ch = " "
            self.paragraphs[-1].append(ch)
            self.spans[-1].append((start + i, start + i + 1))

    def _ref(self, text: str, raw: str):
        start = self._pos()
        span = (start, start + len(raw))
        if self.source[span[1]:span[1] + 1] == ";" and not raw.endswith(";"):
            span = (span[0], span[1] + 1)
        self._add(text, span)

    def handle_entityref(self, name):
        self._ref(html.unescape(f"&{name};"), f"&{name}")

    def handle_charref(self, name):
        self._ref(html.unescape(f"&#{name};"), f"&#{name}")


def _parse(body: str) -> _Text:
    parser = _Text(body or "")
    parser.feed(body or "")
    parser.close()
    return parser


def _trimmed(parser: _Text):
    """The non-blank paragraphs with their character spans, HTML line breaks folded."""
    out = []
    for chars, spans in zip(parser.paragraphs, parser.spans, strict=True):
        text = "".join(chars)
        if text.strip(SPACES):
            out.append((text, spans))
    return out


def paragraphs(body: str) -> list[str]:
    """The text of each paragraph (block) of an HTML body, in order; blank ones left out."""
    return [text for text, _spans in _trimmed(_parse(body))]


def plain_text(body: str) -> str:
    return "\n".join(paragraphs(body))


class FixError(BulletinError, ValueError):
    """The fix cannot be applied to the HTML (the text moved, or formatting lies inside it)."""


def replace_in_html(body: str, finding: Finding, replacement: str) -> str:
    """The body with the finding's text (paragraph, offset) replaced; raises FixError."""
    found = _trimmed(_parse(body))
    if finding.paragraph >= len(found):
        raise FixError("找不到这处文字，正文可能已经改过。")
    text, spans = found[finding.paragraph]
    start, end = finding.offset, finding.offset + len(finding.text)
    if text[start:end] != finding.text or start == end:
        raise FixError("找不到这处文字，正文可能已经改过。")
    chosen = spans[start:end]
    if any(span is None for span in chosen) or any(
        a[1] != b[0] for a, b in zip(chosen, chosen[1:], strict=False)
    ):
        raise FixError("这处文字中间有格式（加粗、链接等），请在编辑器中手工修改。")
    first, last = chosen[0][0], chosen[-1][1]
    return body[:first] + html.escape(replacement, quote=False) + body[last:]


# ---------------------------------------------------------------------------
# The checks: each yields (kind, start, end, message, fix, severity) in one paragraph
# ---------------------------------------------------------------------------

_FULL_OF = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_CJK_OR_PUNCT = re.compile(f"[{IDEOGRAPHS}{_FULL_PUNCT}]")
_CLOSERS = "”’」』）》〉】"


def _is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_CJK_RE.match(ch))


def _chinese_side(ch: str) -> bool:
    return bool(ch) and bool(_CJK_OR_PUNCT.match(ch))


def _halfwidth(text: str):
    for m in re.finditer(r"[,;:?!.]", text):
        i = m.start()
        ch = m.group()
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == ".":
            if not _is_cjk(prev):
                continue
            if nxt == "" or nxt in SPACES or nxt in _CLOSERS:
                yield (HALFWIDTH_PUNCT, i, i + 1, "中文句末用了半角句点“.”，应为句号“。”。", "。", ERROR)
            elif _is_cjk(nxt):
                yield (HALFWIDTH_PUNCT, i, i + 1,
                       "汉字之间用了半角句点“.”：句末应为句号“。”，人名等的间隔应为间隔号“·”。", None, ERROR)
            continue
        if ch == ":" and prev.isdigit() and nxt.isdigit():
            continue  # 9:30
        if ch == "," and prev.isdigit() and nxt.isdigit():
            continue  # 1,000
        if ch in "?!" and nxt and nxt.isascii() and nxt.isalnum():
            continue  # a web address or code
        if _is_cjk(prev) and (nxt == "" or _chinese_side(nxt) or nxt.isdigit() or nxt in SPACES):
            pass
        elif _is_cjk(nxt) and prev and (prev.isdigit() or prev in "%％" or _chinese_side(prev)):
            pass
        else:
            continue
        full = _FULL_OF[ch]
        yield (HALFWIDTH_PUNCT, i, i + 1, f"中文里用了半角“{ch}”，应为全角“{full}”。", full, ERROR)


# Opening → closing marks that must pair within a paragraph.
_PAIRS = {"“": "”", "‘": "’", "《": "》", "〈": "〉", "（": "）", "【": "】", "「": "」", "『": "』", "(": ")"}
_CLOSING = {v: k for k, v in _PAIRS.items()}


def _brackets(text: str):
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _CLOSING:
            if stack and _PAIRS[stack[-1][0]] == ch:
                opener, j = stack.pop()
                if opener == "(":
                    inner = text[j + 1:i]
                    outside = (text[j - 1] if j else "") + (text[i + 1] if i + 1 < len(text) else "")
                    if _CJK_RE.search(inner) or _CJK_RE.search(outside):
                        yield (HALFWIDTH_PUNCT, j, i + 1, "中文里用了半角括号“()”，应为全角“（）”。",
                               f"（{inner}）", ERROR)
                continue
            if stack and {stack[-1][0], ch} in ({"(", "）"}, {"（", ")"}):
                opener, j = stack.pop()
                inner = text[j + 1:i]
                yield (BRACKETS, j, i + 1, f"括号全角半角混用（“{opener}”与“{ch}”），应为全角“（）”。",
                       f"（{inner}）", ERROR)
                continue
            if ch in "”’" and stack and stack[-1][0] in "“‘":
                opener, j = stack.pop()
                yield (BRACKETS, j, i + 1, f"引号不配对：“{opener}”与“{ch}”。", None, ERROR)
                continue
            # A closing mark with nothing to close (or the wrong one: the opener stays open).
            yield (BRACKETS, i, i + 1, f"“{ch}”没有与之配对的“{_CLOSING[ch]}”。", None, ERROR)
    for opener, j in stack:
        yield (BRACKETS, j, j + 1, f"“{opener}”没有与之配对的“{_PAIRS[opener]}”。", None, ERROR)


_DOUBLE_RE = re.compile(r"([，。、；：])\1+|[，。、；：][，。、；：]")


def _doubled(text: str):
    for m in _DOUBLE_RE.finditer(text):
        s = m.group()
        if len(set(s)) == 1:
            yield (DOUBLED_PUNCT, m.start(), m.end(), f"标点重复：“{s}”。", s[0], ERROR)
        else:
            yield (DOUBLED_PUNCT, m.start(), m.end(), f"两个标点连用：“{s}”，只应保留一个。", None, ERROR)


# Between two Chinese characters, or a Chinese character and full-width punctuation (。  区长),
# a space is a typing slip: Chinese text is set without spaces.
_SPACE_RE = re.compile(
    f"(?<=[{IDEOGRAPHS}{_FULL_PUNCT}])[{SPACES}]+(?=[{IDEOGRAPHS}])|(?<=[{IDEOGRAPHS}])[{SPACES}]+(?=[{_FULL_PUNCT}])"
)
# A byline in parentheses spaces its parts by custom: （记者 张伟）, （通讯员 李明 摄）,
# （记者 张伟 通讯员 李明）. Its spaces are not stray: a parenthesis that opens with a byline's
# role and holds only names, spaces and name separators.
BYLINE_ROLES = (
    "特约记者", "实习记者", "见习记者", "首席记者", "记者", "特约通讯员", "通讯员", "摄影", "摄像",
    "作者", "撰稿", "执笔", "供稿", "文/图", "文／图", "责任编辑", "编辑",
)
_BYLINE_RE = re.compile(
    f"[（(][{SPACES}]*(?:{'|'.join(re.escape(role) for role in BYLINE_ROLES)})"
    f"[{IDEOGRAPHS}{SPACES}：:、/／·]*[）)]"
)


def _spaces(text: str):
    bylines = [m.span() for m in _BYLINE_RE.finditer(text)]
    for m in _SPACE_RE.finditer(text):
        if any(start < m.start() and m.end() < end for start, end in bylines):
            continue
        yield (STRAY_SPACE, m.start(), m.end(), "中文里有多余的空格（汉字、中文标点旁不空格）。", "", ERROR)


_ZERO_CHARS = "O0oＯｏ０○零Ο"
_YEAR_RE = re.compile(
    f"(?<![一二三四五六七八九〇{_ZERO_CHARS}0-9])[一二三四五六七八九〇{_ZERO_CHARS}]{{4}}(?=年)"
)


def _year_zero(text: str):
    for m in _YEAR_RE.finditer(text):
        s = m.group()
        if not re.search("[一二三四五六七八九]", s) or not any(c in _ZERO_CHARS for c in s):
            continue
        right = "".join("〇" if c in _ZERO_CHARS else c for c in s)
        yield (YEAR_ZERO, m.start(), m.end(), f"年份中的零应写作“〇”：“{right}年”。", right, ERROR)


_FULLDIGIT_RE = re.compile("[０-９]+")


def _fullwidth_digits(text: str):
    for m in _FULLDIGIT_RE.finditer(text):
        half = m.group().translate({0xFF10 + i: ord("0") + i for i in range(10)})
        yield (FULLWIDTH_DIGIT, m.start(), m.end(), f"全角数字应为半角：“{half}”。", half, ERROR)


# Dates: Arabic (2020年10月15日, 9月17日) and Chinese (二〇二〇年十月十五日, 九月十七日).
_CN_DIGITS = "〇零一二三四五六七八九"
_CN_NUM = f"[{_CN_DIGITS}十]{{1,3}}"
_AR_DATE_RE = re.compile(
    r"(?<![0-9.])(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?"
)
_CN_DATE_RE = re.compile(
    f"(?:(?P<y>[{_CN_DIGITS}]{{4}})年)?(?P<m>{_CN_NUM})月(?:(?P<d>{_CN_NUM})日)?"
)
_AR_YEAR_RE = re.compile(r"(?<![0-9.])\d{4}年")
_CN_YEAR_RE = re.compile(f"[{_CN_DIGITS}{_ZERO_CHARS}]{{4}}年")


_CN_VALUES = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}


def _cn_int(s: str) -> int | None:
    values = _CN_VALUES
    if not s:
        return None
    if "十" in s:
        head, _, tail = s.partition("十")
        if "十" in tail or len(head) > 1 or len(tail) > 1:
            return None
        tens = values.get(head, None) if head else 1
        ones = values.get(tail, None) if tail else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) > 2:
        return None
    n = 0
    for c in s:
        if c not in values:
            return None
        n = n * 10 + values[c]
    return n


def _cn_year(s: str) -> int:
    return int("".join(str(_CN_VALUES.get(c, 0)) for c in s))


def _dates(text: str):
    """(start, end, year, month, day, style) of each date expression in a paragraph."""
    for m in _AR_DATE_RE.finditer(text):
        # "13个月": 个 breaks the match; a date's month is 1–2 digits right before 月.
        yield (m.start(), m.end(), int(m["y"]) if m["y"] else None, int(m["m"]),
               int(m["d"]) if m["d"] else None, "arabic")
    for m in _CN_DATE_RE.finditer(text):
        if m.start() and text[m.start() - 1] in _CN_DIGITS + "十第" and not m["y"]:
            continue  # part of a longer number, or 第十月
        month = _cn_int(m["m"])
        day = _cn_int(m["d"]) if m["d"] else None
        if month is None or (m["d"] and day is None):
            continue
        if not m["d"] and not m["y"]:
            continue  # 十月 alone: also a name (十月革命), not counted
        yield (m.start(), m.end(), _cn_year(m["y"]) if m["y"] else None, month, day, "chinese")


def _date_findings(text: str, context: Context):
    for start, end, year, month, day, _style in _dates(text):
        label = text[start:end]
        if not 1 <= month <= 12:
            yield (BAD_DATE, start, end, f"“{label}”：没有{month}月。", None, ERROR)
            continue
        if day is not None:
            y = year or context.year
            last = calendar.monthrange(y, month)[1] if y else (29 if month == 2 else
                                                            calendar.monthrange(2001, month)[1])
            if not 1 <= day <= last:
                where = f"{y}年{month}月" if y and month == 2 else f"{month}月"
                yield (BAD_DATE, start, end, f"“{label}”：{where}没有{day}日（只有{last}天）。", None, ERROR)
                continue
        if context.year and context.month:
            if year is not None and (year, month) > (context.year, context.month):
                yield (LATE_DATE, start, end,
                       f"“{label}”晚于本期所在的{context.year}年{context.month}月，请核对（计划中的日期可忽略）。", None, WARNING)
            elif year is None and day is not None and month > context.month:
                yield (LATE_DATE, start, end,
                       f"“{label}”晚于本期所在的{context.month}月，请核对（指去年或计划中的日期时可忽略）。",
                       None, WARNING)


def _numeral_styles(paragraphs_: list[str]):
    """Dates written both ways in one article: the fewer (Chinese on a tie) are flagged."""
    found = []
    for p, text in enumerate(paragraphs_):
        here = [(start, end, style) for start, end, _y, _m, _d, style in _dates(text)]
        inside = {i for start, end, _style in here for i in range(start, end)}
        for m in _AR_YEAR_RE.finditer(text):
            if m.start() not in inside:
                here.append((m.start(), m.end(), "arabic"))
        for m in _CN_YEAR_RE.finditer(text):
            if re.search("[一二三四五六七八九]", m.group()) and m.start() not in inside:
                here.append((m.start(), m.end(), "chinese"))
        found.extend((p, start, end, style) for start, end, style in here)
    counts = Counter(style for *_x, style in found)
    if len(counts) < 2:
        return
    minority = "arabic" if counts["arabic"] < counts["chinese"] else "chinese"
    majority = "chinese" if minority == "arabic" else "arabic"
    example = next(paragraphs_[p][s:e] for p, s, e, style in found if style == majority)
    names = {"arabic": "阿拉伯数字", "chinese": "汉字数字"}
    for p, s, e, style in found:
        if style == minority:
            yield p, (MIXED_NUMERALS, s, e,
                      f"本文日期数字写法不一：此处用{names[minority]}，其他{counts[majority]}处用"
                      f"{names[majority]}（如“{example}”）。", None, WARNING)


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # OpenCC's own Python package (the C++ library and its dictionaries)

    return opencc.OpenCC("t2s")


def _traditional(text: str):
    converted = _t2s().convert(text)
    if converted == text:
        return
    if len(converted) != len(text):
        converted = "".join(_t2s().convert(c) if _CJK_RE.match(c) else c for c in text)
    i = 0
    while i < len(text):
        if text[i] != converted[i] and _CJK_RE.match(text[i]):
            j = i + 1
            while j < len(text) and text[j] != converted[j] and _CJK_RE.match(text[j]):
                j += 1
            yield (TRADITIONAL, i, j, f"繁体字“{text[i:j]}”，简体为“{converted[i:j]}”。", converted[i:j], ERROR)
            i = j
        else:
            i += 1


# 《内部资料性出版物管理规定》: an internal publication may not present itself as a periodical or
# a newspaper (本刊, 本报, 刊号, 杂志社) nor name reporters (记者××).
_INTERNAL_RE = re.compile(
    "本刊|本报(?![告表送名销批备请账道价案考建审修出到复])|刊号|杂志社"
)
# The commonest family names: 记者 followed by one of them and a given name is a byline.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝"
)
_REPORTER_RE = re.compile(
    f"记者[{SPACES}：:]*[{SURNAMES}]{CJK}{{1,2}}(?=报道|摄|[^{IDEOGRAPHS}]|$)"
)


def _internal(text: str):
    for m in _INTERNAL_RE.finditer(text):
        s = m.group()
        yield (INTERNAL_WORDING, m.start(), m.end(),
               f"内部资料不得使用“{s}”等报刊用语（《内部资料性出版物管理规定》），请改写。", None, ERROR)
    for m in _REPORTER_RE.finditer(text):
        yield (INTERNAL_WORDING, m.start(), m.end(),
               f"内部资料不得署“{m.group()}”（记者××），可署作者或供稿单位。", None, ERROR)


def _occurrences(text: str, needle: str):
    at = text.find(needle)
    while at != -1:
        yield at
        at = text.find(needle, at + 1)


def _wordings(text: str, wordings):
    for w in wordings:
        if not w.wrong or w.wrong == w.right or w.wrong not in text:
            continue
        # Where the right form contains the wrong one (中原区委 in 中共中原区委), a hit inside
        # the right form is no hit.
        covered = []
        if w.right and w.wrong in w.right:
            covered = [(at, at + len(w.right)) for at in _occurrences(text, w.right)]
        for at in _occurrences(text, w.wrong):
            end = at + len(w.wrong)
            if any(s <= at and end <= e for s, e in covered):
                continue
            note = f"（{w.note}）" if w.note else ""
            yield (STANDARD_WORDING, at, end,
                   f"规范表述为“{w.right}”，不用“{w.wrong}”{note}。", w.right, ERROR)


# ---------------------------------------------------------------------------


def _key(kind: str, before: str, text: str, after: str, n: int) -> str:
    raw = f"{kind}|{before}|{text}|{after}|{n}".encode()
    return hashlib.sha1(raw).hexdigest()[:16]


CONTEXT_CHARS = 12


def find(text: str, *, context: Context | None = None) -> list[Finding]:
    """Every finding in `text` (paragraphs separated by "\\n"), in reading order.

    A finding's key depends on its kind, its text and up to 12 characters either side (and which
    occurrence of that it is), so a dismissal holds while that place's text stays the same.
    """
    context = context or Context()
    paras = text.split("\n")
    wordings = tuple(w for w in context.wordings if w.wrong and w.wrong in text)
    per_paragraph: dict[int, list[tuple]] = {p: [] for p in range(len(paras))}
    for p, para in enumerate(paras):
        hits = per_paragraph[p]
        for check in (_halfwidth, _brackets, _doubled, _spaces, _year_zero, _fullwidth_digits, _traditional):
            hits.extend(check(para))
        hits.extend(_date_findings(para, context))
        if context.internal:
            hits.extend(_internal(para))
        hits.extend(_wordings(para, wordings))
    for p, hit in _numeral_styles(paras):
        per_paragraph[p].append(hit)
    return _findings(paras, per_paragraph, BODY)


def find_title(title: str, *, context: Context | None = None) -> list[Finding]:
    """The findings in an article's title: the body's checks but stray spaces (a title of two
    phrases may hold a space) and the article-wide count of numeral styles."""
    context = context or Context()
    text = (title or "").replace("\r", " ").replace("\n", " ")  # one line, offsets kept
    hits: list[tuple] = []
    for check in (_halfwidth, _brackets, _doubled, _year_zero, _fullwidth_digits, _traditional):
        hits.extend(check(text))
    hits.extend(_date_findings(text, context))
    if context.internal:
        hits.extend(_internal(text))
    hits.extend(_wordings(text, tuple(w for w in context.wordings if w.wrong and w.wrong in text)))
    return _findings([text], {0: hits}, TITLE)


def _findings(paras: list[str], per_paragraph: dict[int, list[tuple]], field: str) -> list[Finding]:
    findings: list[Finding] = []
    seen: Counter = Counter()
    base = 0
    for p, para in enumerate(paras):
        hits = sorted(set(per_paragraph[p]), key=lambda h: (h[1], h[2], h[0]))
        for kind, start, end, message, fix, severity in hits:
            found = para[start:end]
            before = para[max(0, start - CONTEXT_CHARS):start]
            after = para[end:end + CONTEXT_CHARS]
            ident = (kind, before, found, after)
            seen[ident] += 1
            findings.append(Finding(
                kind=kind, message=message, start=base + start, end=base + end, text=found, fix=fix,
                severity=severity, paragraph=p, offset=start, before=before, after=after,
                more_before=start > CONTEXT_CHARS, more_after=end + CONTEXT_CHARS < len(para),
                # A title's keys differ from the body's (the body's are as they always were).
                key=_key(kind if field == BODY else f"{field}:{kind}", before, found, after, seen[ident]),
                field=field,
            ))
        base += len(para) + 1
    return findings


def find_in_html(body: str, *, context: Context | None = None) -> list[Finding]:
    """find() over an article body's paragraphs."""
    return find(plain_text(body), context=context)


def find_article(title: str, body: str, *, context: Context | None = None) -> list[Finding]:
    """The title's findings, then the body's."""
    return find_title(title, context=context) + find_in_html(body, context=context)


def replace_in_title(title: str, finding: Finding, replacement: str) -> str:
    """The title with the finding's text replaced; raises FixError if it is no longer there."""
    start, end = finding.offset, finding.offset + len(finding.text)
    if finding.field != TITLE or title[start:end] != finding.text or start == end:
        raise FixError("标题中找不到这处文字，标题可能已经改过。")
    return title[:start] + replacement + title[end:]


__all__ = [
    "Context", "Finding", "FixError", "Wording", "find", "find_article", "find_in_html", "find_title",
    "paragraphs", "plain_text", "replace_in_html", "replace_in_title", "KIND_LABELS", "ERROR", "WARNING",
    "BODY", "TITLE",
]
