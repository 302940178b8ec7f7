"""Chinese typesetting for the issue PDF: justification, word-aware breaks, balanced titles.

Django-free. Two halves:

1. **Inter-character justification for WeasyPrint.** WeasyPrint justifies a line by widening
   its spaces only; a Chinese line has none, so every line that Pango ended one character
   early (to keep a comma off the next line's start, 避头尾) stays short of the right edge.
   `install()` extends WeasyPrint's ``justify_line`` with the CSS Text 3 ``text-justify:
   inter-character`` behaviour: the missing width is spread evenly over every gap between
   two characters of the line (letter-spacing on the line's text boxes, applied through
   Pango so glyph positions, selection and copied text stay right). A block opts in with the
   custom property ``--text-justify: inter-character`` (inherited); everything else keeps
   WeasyPrint's own justification. Line breaking is untouched, so Pango's UAX #14 rules keep
   closing punctuation off a line's start and opening punctuation off its end.

2. **Text preparation** (plain strings in, strings out, no HTML parser):

   - `join_words(text)` puts WORD JOINER (U+2060, invisible, no width) between the
     characters of each word jieba finds, so a title never breaks inside a word
     (``基层政务公 / 开``); Pango may still break between words.
   - `balance_lines(text, measure)` splits a title that needs n lines into n lines of nearly
     equal width, at word boundaries, never before closing or after opening punctuation.
   - `keep_paragraph_ends(html)` joins the last characters of every ``<p>`` so a paragraph
     never ends on a line holding one or two characters.

Widths are estimated in ems of the title's font: CJK characters and full-width punctuation
are 1 em in every CJK face; Latin letters and digits are counted generously (0.62 em) so a
balanced line is never wider than the estimate; Pango still wraps a line that does not fit,
at a word boundary.
"""

from __future__ import annotations

import copy
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable

WORD_JOINER = "\u2060"

# Characters that must not start a line (closing punctuation) or end one (opening), after
# W3C "Requirements for Chinese Text Layout" §3.1.7 (避头尾).
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’…—·%‰℃,.;:?!)]}")
NO_LINE_END = set("（《「『【〔〈“‘([{")
_CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

Cutter = Callable[[str], Iterable[str]]

_cut_lock = threading.Lock()
_default_tokenizer = None


def default_cut(text: str) -> Iterable[str]:
    """jieba's dictionary segmentation (no HMM guessing), one tokenizer per process."""
    global _default_tokenizer
    with _cut_lock:
        if _default_tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _default_tokenizer = tokenizer
    return _default_tokenizer.cut(text, HMM=False)


# --------------------------------------------------------------------------------------
# Text preparation


def char_width(char: str) -> float:
    """Estimated advance of `char` in ems of a CJK face (generous for Latin)."""
    if char == WORD_JOINER or unicodedata.combining(char):
        return 0.0
    if char == " ":
        return 0.3
    if unicodedata.east_asian_width(char) in ("W", "F", "A") and ord(char) > 0x2000:
        return 1.0
    if ord(char) < 0x2000:
        return 0.62
    return 1.0


def text_width(text: str) -> float:
    return sum(char_width(c) for c in text)


def words(text: str, cut: Cutter | None = None) -> list[str]:
    """`text` cut into words (jieba); the pieces joined give `text` back."""
    pieces = [piece for piece in (cut or default_cut)(text) if piece]
    if "".join(pieces) != text:  # a tokenizer that drops or changes characters: keep it whole
        return [text]
    return pieces


def _break_allowed(before: str, after: str) -> bool:
    """May a line break fall between these two words? (避头尾; a number keeps its unit)"""
    if not before or not after:
        return False
    if before[-1] in NO_LINE_END or after[0] in NO_LINE_START:
        return False
    number = before.rstrip(" ")
    if number and number[-1].isascii() and number[-1].isdigit() and (after[0] == " " or before[-1] == " "):
        return False  # "2020 年", "36 个": a space after a number does not break
    return True


def _unbreakable_runs(pieces: list[str]) -> list[str]:
    """Merge words that punctuation glues together into runs a line may break between."""
    runs: list[str] = []
    for piece in pieces:
        if runs and not _break_allowed(runs[-1], piece):
            runs[-1] += piece
        else:
            runs.append(piece)
    return runs


def _join(run: str) -> str:
    """A run with a WORD JOINER between each two characters.

    A run holding a space inside ("2020 年") gets a no-break space; a run that is a space
    stays a break opportunity.
    """
    if run.strip() == "":
        return run
    out = []
    for index, char in enumerate(run):
        if char == " ":
            out.append("\u00a0")
            continue
        if index and run[index - 1] != " ":
            out.append(WORD_JOINER)
        out.append(char)
    return "".join(out)


def join_words(text: str, cut: Cutter | None = None) -> str:
    """`text` that can break only between words (and at spaces), never inside one."""
    if not text or not _CJK_RE.search(text):
        return text
    return "".join(_join(run) for run in _unbreakable_runs(words(text, cut)))


def balance_lines(text: str, measure: float, cut: Cutter | None = None) -> list[str]:
    """Split `text` into the fewest lines of at most `measure` ems, as even as possible.

    Breaks fall between words only. Returns the lines (without word joiners); a text that
    fits on one line, or whose single word is wider than the measure, comes back whole.
    """
    text = text.strip()
    if text_width(text) <= measure:
        return [text]
    runs = _unbreakable_runs(words(text, cut))
    widths = [text_width(run) for run in runs]
    count = len(runs)

    def line_width(i: int, j: int) -> float:  # runs[i:j] as one line, spaces at the ends dropped
        return text_width("".join(runs[i:j]).strip())

    # best[j][k]: (longest line, sum of squares) laying out runs[:j] in k lines.
    inf = (float("inf"), float("inf"))
    max_lines = max(2, int(sum(widths) // max(measure, 1)) + 3)
    best = [[inf] * (max_lines + 1) for _ in range(count + 1)]
    back = [[0] * (max_lines + 1) for _ in range(count + 1)]
    best[0][0] = (0.0, 0.0)
    for j in range(1, count + 1):
        for i in range(j - 1, -1, -1):
            width = line_width(i, j)
            if width > measure and i < j - 1:
                break
            for k in range(1, max_lines + 1):
                prev = best[i][k - 1]
                if prev == inf:
                    continue
                cost = (max(prev[0], width), prev[1] + width * width)
                if cost < best[j][k]:
                    best[j][k] = cost
                    back[j][k] = i
    fitting = [k for k in range(1, max_lines + 1) if best[count][k] != inf]
    if not fitting:
        return [text]
    lines_count = min(fitting)
    # Among layouts with the fewest lines: the most even one (sum of squares is smallest
    # when the lines are equal). Rebuild the breaks.
    lines: list[str] = []
    j, k = count, lines_count
    while k:
        i = back[j][k]
        lines.append("".join(runs[i:j]).strip())
        j, k = i, k - 1
    lines.reverse()
    return lines


_TOKEN_RE = re.compile(r"<[^>]*>|&#?\w+;|[^<&]|&")
_PUNCTUATION_CATEGORIES = ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po")


_SPACE_ENTITIES = ("&nbsp;", "&#160;", "&#xa0;", "&ensp;", "&emsp;", "&thinsp;")


def _is_space(token: str) -> bool:
    return token.isspace() or token.lower() in _SPACE_ENTITIES


def _is_letter(token: str) -> bool:
    if token.startswith("&") and len(token) > 1:
        return not _is_space(token)
    return not token.isspace() and unicodedata.category(token) not in _PUNCTUATION_CATEGORIES


def keep_paragraph_ends(html: str, min_chars: int = 3) -> str:
    """Join the last `min_chars` letters (and the punctuation after them) of each paragraph.

    The last line of a paragraph then holds at least that many characters besides its final
    punctuation: Pango carries the joined group over whole, and the line before it is
    justified. Only the paragraph's last run of text is joined (markup is never crossed).
    """
    if "</p>" not in html:
        return html

    def fix(match: re.Match) -> str:
        inner = match.group(2)
        tokens = _TOKEN_RE.findall(inner)
        # The tokens of the last text run (after the last tag).
        end = len(tokens)
        start = end
        while start > 0 and not tokens[start - 1].startswith("<"):
            start -= 1
        run = tokens[start:end]
        while run and _is_space(run[-1]):  # whitespace before </p> is dropped anyway
            run.pop()
        letters = 0
        cut = len(run)
        for index in range(len(run) - 1, -1, -1):
            if _is_space(run[index]):
                break
            cut = index
            if _is_letter(run[index]):
                letters += 1
                if letters == min_chars:
                    break
        if len(run) - cut < 2:
            return match.group(0)
        joined = WORD_JOINER.join(run[cut:])
        new_inner = "".join(tokens[:start] + run[:cut]) + joined + "".join(tokens[start + len(run):])
        return match.group(1) + new_inner + match.group(3)

    return re.sub(r"(<p\b[^>]*>)(.*?)(</p>)", fix, html, flags=re.S)


# --------------------------------------------------------------------------------------
# WeasyPrint: inter-character justification

_installed = False
_install_lock = threading.Lock()


def wants_inter_character(style) -> bool:
    """True when the block opted in with ``--text-justify: inter-character``."""
    try:
        value = style["__text_justify"]
    except (KeyError, TypeError):
        return False
    return any(getattr(token, "value", None) == "inter-character" for token in value or ())


def _clusters(text: str) -> int:
    return sum(1 for char in text if not unicodedata.combining(char))


def install() -> None:
    """Extend WeasyPrint's justification (idempotent; affects only opted-in blocks)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        from weasyprint.text import line_break
        from weasyprint.text.ffi import ffi, pango

        original_justify = inline.justify_line
        original_set_text = line_break.Layout.set_text
        to_units = line_break.TO_UNITS

        def set_text(self, text, justify=False):
            original_set_text(self, text, justify)
            spacing = getattr(self, "inter_character_spacing", 0)
            if not spacing or not self.text:
                return
            letter_spacing = self.style["letter_spacing"]
            if letter_spacing == "normal":
                letter_spacing = 0
            attr_list = pango.pango_layout_get_attributes(self.layout)
            if attr_list == ffi.NULL:
                attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
            attr = pango.pango_attr_letter_spacing_new(int((letter_spacing + spacing) * to_units))
            attr.start_index, attr.end_index = 0, len(self.text.encode())
            pango.pango_attr_list_change(attr_list, attr)
            pango.pango_layout_set_attributes(self.layout, attr_list)

        def leaves(box):
            if isinstance(box, boxes.TextBox):
                yield box
            elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
                children = box.children
                if box.style["direction"] == "rtl":
                    children = children[::-1]
                for child in children:
                    if child.is_in_normal_flow():
                        yield from leaves(child)
            else:
                yield box

        def units(box) -> int:
            if isinstance(box, boxes.TextBox):
                return _clusters(box.text)
            return 1

        def spread(context, box, spacing, state):
            """Move and widen `box` (recursively); state = [x_advance, seen_a_character]."""
            if isinstance(box, boxes.TextBox):
                count = _clusters(box.text)
                if count and state[1]:
                    state[0] += spacing  # the gap before this box's first character
                box.position_x += state[0]
                if count > 1:
                    # Pango puts the spacing between the characters of the box, not after its
                    # last one; the layout (shaped again when drawn) carries the spacing.
                    layout = copy.copy(box.pango_layout)
                    layout.inter_character_spacing = spacing
                    box.pango_layout = layout
                    widened = (count - 1) * spacing
                    state[0] += widened
                    box.width += widened
                if count:
                    state[1] = True
            elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
                box.position_x += state[0]
                before = state[0]
                children = box.children
                if box.style["direction"] == "rtl":
                    children = children[::-1]
                for child in children:
                    if child.is_in_normal_flow():
                        spread(context, child, spacing, state)
                box.width += state[0] - before
            else:  # atomic inline-level box (image, inline-block)
                if state[1]:
                    state[0] += spacing
                box.translate(state[0], 0)
                state[1] = True

        def justify_line(context, line, extra_width):
            if not wants_inter_character(line.style) or line.style["direction"] == "rtl":
                return original_justify(context, line, extra_width)
            gaps = sum(units(leaf) for leaf in leaves(line)) - 1
            if gaps <= 0 or extra_width <= 0:
                return None
            spread(context, line, extra_width / gaps, [0.0, False])
            return None

        line_break.Layout.set_text = set_text
        inline.justify_line = justify_line
        _keep_fractional_glyph_adjustments()
        _installed = True


class _AdjustmentInt(int):
    """``int(x)`` that still prints as ``x`` (three decimals) in an f-string.

    WeasyPrint writes each glyph's position adjustment into the PDF as ``f'{int(kerning)}'``
    (thousandths of an em), truncating it. With letter-spacing every glyph of a line carries
    a fraction, and the truncations add up to nearly half a point per line. Inside
    ``weasyprint.draw.text`` only, ``int`` is this class: its value (and every use as a
    number) is the truncated integer as before; formatted without a spec it prints the exact
    adjustment. Remove once WeasyPrint keeps the fraction itself.
    """

    def __new__(cls, value=0, *args):
        obj = super().__new__(cls, value, *args)
        obj.exact = value if isinstance(value, float) else None
        return obj

    def __format__(self, spec):
        if spec or self.exact is None or self.exact == int(self):
            return super().__format__(spec)
        return f"{self.exact:.3f}".rstrip("0").rstrip(".")


def _keep_fractional_glyph_adjustments() -> None:
    from weasyprint.draw import text as draw_text

    source = getattr(draw_text.draw_first_line, "__code__", None)
    if source is not None and "int" in source.co_names:
        draw_text.int = _AdjustmentInt


# --------------------------------------------------------------------------------------
# The issue's context for templates/pdf/issue.html

# Measures in ems of each element's font, from static/css/pdf.css: the text block is 156 mm
# (442.2 pt) wide; article titles are 18 pt with a one-character margin on each side.
TEXT_WIDTH_PT = 156 * 72 / 25.4
BODY_SIZE_PT = 15.75
ARTICLE_TITLE_SIZE_PT = 18.0
ARTICLE_TITLE_MEASURE = (TEXT_WIDTH_PT - 2 * ARTICLE_TITLE_SIZE_PT) / ARTICLE_TITLE_SIZE_PT
# A contents entry: the text block less a one-character indent and the 2.2 em kept for the page
# number; a title that would leave less than two characters of dot leader is broken in two
# balanced lines instead.
TOC_MEASURE = TEXT_WIDTH_PT / BODY_SIZE_PT - 1 - 2.2
TOC_MIN_LEADER_EM = 2.0
# The cover's focus line: label, one em, the title, a leader of at least 1.5 em, the page.
FOCUS_EXTRA_EM = 4 + 1 + 1.5 + 1.5
FOCUS_SIZES_PT = (15.75, 14.0, 12.0, 10.5)  # 3号, 4号, 小4号, 5号


def _get(obj, name, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def focus_size(title: str) -> float | None:
    """The largest type size (pt) at which the cover's focus line fits on one line."""
    needed = text_width(title) + FOCUS_EXTRA_EM
    for size in FOCUS_SIZES_PT:
        if needed * size <= TEXT_WIDTH_PT:
            return size
    return None  # too long even at 5号: the line wraps, between words


def toc_lines(title: str, cut: Cutter | None = None) -> list[str]:
    """A contents entry's title: one line, or balanced lines leaving room for a dot leader."""
    room = TOC_MEASURE - TOC_MIN_LEADER_EM
    if text_width(title) <= room:
        return [title]
    return balance_lines(title, room, cut)


def typeset_entry(entry, cut: Cutter | None = None) -> dict:
    """An article entry with its print forms: balanced title lines, TOC title, body."""
    title = str(_get(entry, "title", "") or "")
    body = _get(entry, "body", "") or ""
    return {
        "anchor": _get(entry, "anchor"),
        "title": title,
        "event_date": _get(entry, "event_date"),
        "body": body,
        "title_lines": [join_words(line, cut) for line in balance_lines(title, ARTICLE_TITLE_MEASURE, cut)],
        "toc_title": join_words(title, cut),
        "toc_lines": [join_words(line, cut) for line in toc_lines(title, cut)],
        "print_body": keep_paragraph_ends(str(body)),
    }


def typeset_issue(context: dict, cut: Cutter | None = None) -> dict:
    """A copy of the PDF context whose entries carry their typeset forms (see `typeset_entry`)."""
    ctx = dict(context)
    sections = []
    for section in ctx.get("sections") or []:
        sections.append({
            "name": _get(section, "name"),
            "entries": [typeset_entry(entry, cut) for entry in _get(section, "entries", []) or []],
        })
    ctx["sections"] = sections
    focus = ctx.get("focus")
    if focus:
        focus = typeset_entry(focus, cut)
        focus["size"] = focus_size(focus["title"])
        ctx["focus"] = focus
    return ctx
