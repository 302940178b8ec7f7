"""HTML sanitising and plain-text helpers for article bodies.

Every piece of rich text that reaches the database (editor submissions,
Word paste, .docx import) goes through :func:`clean_html`.  The heavy lifting
is done by nh3 (Rust "ammonia", an HTML5-conformant parser), which decides
what is *safe*.  A small second pass over nh3's already-normalised output then
decides what is *tidy*: it drops images that are not ours, empty paragraphs
left behind by Word/WPS, anchors whose URL was rejected, and maps headings
onto the levels the site templates use.

``class`` is removed everywhere except on ``<figure>``, where only the
values the desk's CKEditor emits survive (:data:`FIGURE_CLASSES`): without
``class="image"`` the editor reads a block image back as an inline image in a
paragraph, and the next save would change the layout.

The second pass uses :mod:`html.parser` only on nh3's output, never on raw
input: that output is serialised by html5ever with every element explicitly
closed, so the simple stdlib parser reads it unambiguously.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import nh3

from common.cjk import WORD_COUNT_RE

__all__ = ["FIGURE_CLASSES", "clean_html", "count_words", "html_to_text"]

# Tags that survive sanitising.  h1/h5/h6 and div are accepted from nh3 only so
# the tidy pass can *map* them (h1 -> h2, h5/h6 -> h4, div -> p or unwrap);
# simply stripping them would glue their text onto the neighbouring paragraph.
_FINAL_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s",
        "sub", "sup", "blockquote", "ul", "ol", "li", "table", "thead",
        "tbody", "tr", "th", "td", "a", "img", "figure", "figcaption", "hr",
    }
)  # fmt: skip
_MAPPED_TAGS = frozenset({"h1", "h5", "h6", "div"})
_NH3_TAGS = _FINAL_TAGS | _MAPPED_TAGS

# Elements removed together with everything inside them.  For these the text
# content is never article text: code, styling, embedded documents, form
# widgets, and the <xml> islands Word puts into pasted HTML.
_CLEAN_CONTENT_TAGS = frozenset(
    {
        "script", "style", "svg", "math", "iframe", "object", "embed",
        "applet", "noscript", "template", "xml", "title", "textarea",
        "select", "button", "frame", "frameset", "noembed", "noframes",
    }
)  # fmt: skip

# The classes CKEditor 5 (django-ckeditor-5, config/settings.py CKEDITOR_5_CONFIGS) puts on the
# figures it emits: "image" for a block image, "table" for a table. The image style classes
# (image-style-side, image-style-align-*) are left out: the desk's image toolbar offers no
# style buttons, and neither the reader site nor the PDF lays them out. "image_resized" is
# left out too: it only marks the width kept in a style attribute, which is always removed.
FIGURE_CLASSES = frozenset({"image", "table"})

_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

# nh3 applies the scheme allow-list to href/src; relative URLs pass through.
# It parses URLs the way browsers do, so "jav&#x09;ascript:" and "JAVASCRIPT:"
# are recognised as javascript: and removed.
_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_NUMERIC_ATTRS = {"width": 5, "height": 5, "colspan": 3, "rowspan": 3}

_VOID_TAGS = frozenset({"br", "img", "hr"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul",
        "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "figure",
        "figcaption", "hr",
    }
)  # fmt: skip
# Paragraph-like blocks that are removed when they carry no visible content.
_DROP_IF_EMPTY_BLOCKS = frozenset({"p", "h2", "h3", "h4"})
# Inline formatting removed when it has no children at all (Word leaves
# "<b><o:p></o:p></b>" behind, which becomes "<b></b>").
_DROP_IF_EMPTY_INLINE = frozenset(
    {"strong", "b", "em", "i", "u", "s", "sub", "sup", "a"}
)
# Descendants that make a block "non-empty" even without text.
_CONTENT_VOIDS = frozenset({"img", "hr", "table"})
_RENAME = {"h1": "h2", "h5": "h4", "h6": "h4"}

# Nesting depth kept in clean output; deeper elements are unwrapped (text kept). See _TreeBuilder.
MAX_NESTING = 32
# Raw input nested deeper than this loses the deeper tags before nh3 parses it; see
# _limit_raw_nesting.
MAX_INPUT_NESTING = 256
# A start or end tag, or a comment (skipped whole, so tags inside it do not count). A tag ends
# at the first ">" and never spans a "<", so every match attempt stops at the next bracket
# (linear time on any input); a quoted ">" inside an attribute only ends the tag early, which
# does not change the count.
_RAW_TAG_RE = re.compile(r"<!--.*?(?:-->|\Z)|<(/?)([A-Za-z][^\s/<>]*)[^<>]*>", re.S)
_RAW_VOID_TAGS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link",
        "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
# A start tag that closes an open element of the same name right above it: "<li>a<li>b".
_RAW_SIBLING_CLOSES = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})

# Whitespace that does not count as content: ASCII whitespace, NBSP, the
# ideographic space used for Chinese indentation, and zero-width characters.
_BLANK_RE = re.compile(r"^[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]*$")
_HTML_SPACE_RE = re.compile(r"[ \t\n\r\f]+")


# --------------------------------------------------------------------------
# Minimal DOM for the tidy pass
# --------------------------------------------------------------------------


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds an :class:`_Element` tree from nh3's normalised output.

    Elements nested deeper than :data:`MAX_NESTING` are unwrapped: their text and their
    shallower-than-the-limit siblings stay, the tags go. No real article nests that deep (a
    table in a list in a quote is about ten levels), and a bounded tree keeps every recursive
    step after this one (tidying, serialising, plain text, templates, the PDF) far from
    Python's recursion limit.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("#root")
        self._stack = [self.root]
        self._unwrapped = 0  # open elements below the depth limit that were not added

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            self.handle_startendtag(tag, attrs)
            return
        if len(self._stack) > MAX_NESTING:
            self._unwrapped += 1
            return
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self._stack[-1].children.append(element)
        self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self._stack[-1].children.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            return
        if self._unwrapped:
            # nh3's output is well formed: the innermost open element closes first.
            self._unwrapped -= 1
            return
        # Pop back to the matching element; ignore stray end tags.
        for index in range(len(self._stack) - 1, 0, -1):
            if self._stack[index].tag == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


def _limit_raw_nesting(html: str) -> str:
    """Drop the tags of elements nested deeper than :data:`MAX_INPUT_NESTING` in raw input.

    html5ever (inside nh3) looks through the stack of open elements for many tags, so its time
    grows with depth times length: 100 000 nested <div> take 17 s. No real text comes near the
    limit, so this only ever changes hostile or broken input, and only by removing tags (the
    text stays); what remains is sanitised by nh3 like any other input. The depth is estimated
    from the tags alone (void elements and a sibling <p>/<li>/<td>... closing the previous one
    are understood), which counts at least as deep as a browser would.
    """
    if html.count("<") <= MAX_INPUT_NESTING:
        return html  # too few tags to nest that deep: the usual case, no scan
    pieces: list[str] = []
    position = 0
    stack: list[tuple[str, bool]] = []  # (tag, kept)
    open_count: dict[str, int] = {}
    for match in _RAW_TAG_RE.finditer(html):
        name = match.group(2)
        if name is None:
            continue  # a comment
        name = name.lower()
        keep = True
        if match.group(1):  # end tag: close back to the matching element, if it is open
            if open_count.get(name):
                while True:
                    tag, kept = stack.pop()
                    open_count[tag] -= 1
                    if tag == name:
                        keep = kept
                        break
        elif name not in _RAW_VOID_TAGS:
            if stack and name in _RAW_SIBLING_CLOSES and stack[-1][0] == name:
                open_count[name] -= 1
                stack.pop()
            keep = len(stack) < MAX_INPUT_NESTING
            stack.append((name, keep))
            open_count[name] = open_count.get(name, 0) + 1
        if not keep:
            pieces.append(html[position : match.start()])
            position = match.end()
    if not pieces:
        return html
    pieces.append(html[position:])
    return "".join(pieces)


def _parse(fragment: str) -> _Element:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    return builder.root


def _serialize(nodes: list[_Element | str]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(html_lib.escape(node, quote=False).replace("\xa0", "&nbsp;"))
            continue
        attrs = "".join(
            f' {name}="{html_lib.escape(value, quote=True)}"'
            for name, value in node.attrs.items()
        )
        parts.append(f"<{node.tag}{attrs}>")
        if node.tag not in _VOID_TAGS:
            parts.append(_serialize(node.children))
            parts.append(f"</{node.tag}>")
    return "".join(parts)


def _has_content(node: _Element | str) -> bool:
    if isinstance(node, str):
        return not _BLANK_RE.match(node)
    if node.tag in _CONTENT_VOIDS:
        return True
    return any(_has_content(child) for child in node.children)


def _tidy(nodes: list[_Element | str]) -> list[_Element | str]:
    """Return ``nodes`` with the structural clean-ups applied, recursively."""
    result: list[_Element | str] = []
    for node in nodes:
        if isinstance(node, str):
            result.append(node)
            continue
        node.children = _tidy(node.children)
        node.tag = _RENAME.get(node.tag, node.tag)

        if node.tag == "figure":
            _normalise_figure_class(node)
        if node.tag == "img" and "src" not in node.attrs:
            continue  # not our media (or an unsafe URL): drop the image entirely
        if node.tag == "a" and "href" not in node.attrs:
            result.extend(node.children)  # link target was unsafe: keep the text
            continue
        if node.tag == "div":
            # Word wraps paragraphs in <div class=WordSection1>; editors that
            # use <div> per line mean paragraphs.
            if any(
                isinstance(c, _Element) and c.tag in _BLOCK_TAGS for c in node.children
            ):
                result.extend(node.children)
                continue
            node.tag = "p"
        if node.tag in _DROP_IF_EMPTY_BLOCKS and not _has_content(node):
            continue  # <p></p>, <p>&nbsp;</p>, <p><br></p>, <p><o:p></o:p></p>
        if node.tag in _DROP_IF_EMPTY_INLINE and not node.children:
            continue
        if node.tag in _BLOCK_TAGS:
            _trim_edges(node)
        result.append(node)
    # Source indentation between blocks (Word emits plenty) is meaningless.
    return [
        node
        for index, node in enumerate(result)
        if not (isinstance(node, str) and _is_interblock_space(result, index))
    ]


def _normalise_figure_class(node: _Element) -> None:
    """Keep each allowed class once, in its first place; no ``class=""`` when none is left.

    nh3 has already removed the classes outside :data:`FIGURE_CLASSES`, but leaves an empty
    attribute behind when it removed them all. A figure without a class that is shaped like
    CKEditor's (an image, possibly linked, or a table, each with an optional caption) gets
    CKEditor's class back: bodies saved before the class was kept lost it.
    """
    kept = list(dict.fromkeys(name for name in node.attrs.get("class", "").split() if name in FIGURE_CLASSES))
    if not kept:
        kept = [kind] if (kind := _ckeditor_figure_kind(node)) else []
    if kept:
        node.attrs["class"] = " ".join(kept)
    else:
        node.attrs.pop("class", None)


def _ckeditor_figure_kind(node: _Element) -> str | None:
    """"image" or "table" when ``node`` holds what CKEditor puts in such a figure, else None."""
    if any(isinstance(child, str) and not _BLANK_RE.match(child) for child in node.children):
        return None
    elements = [child for child in node.children if isinstance(child, _Element)]
    content = [child for child in elements if child.tag != "figcaption"]
    if len(content) != 1 or len(elements) - len(content) > 1:
        return None
    (main,) = content
    if main.tag == "a" and [c.tag for c in main.children if isinstance(c, _Element)] == ["img"]:
        main = next(c for c in main.children if isinstance(c, _Element))
    if main.tag == "img":
        return "image"
    if main.tag == "table":
        return "table"
    return None


def _is_block(node: _Element | str | None) -> bool:
    return isinstance(node, _Element) and node.tag in _BLOCK_TAGS


def _is_interblock_space(nodes: list[_Element | str], index: int) -> bool:
    """Whitespace-only text node that touches a block sibling (or the edge)."""
    text = nodes[index]
    if not isinstance(text, str) or _HTML_SPACE_RE.sub("", text):
        return False
    before = nodes[index - 1] if index > 0 else None
    after = nodes[index + 1] if index + 1 < len(nodes) else None
    return _is_block(before) or _is_block(after)


def _trim_edges(node: _Element) -> None:
    """Strip ASCII whitespace at the very start and end of a block's text.

    Word/WPS wrap source lines inside paragraphs; left in place the line
    breaks render as stray spaces before the first character.  NBSP and
    ideographic spaces are intentional indentation and are kept.
    """
    for from_start in (True, False):
        current = node
        while current.children:
            index = 0 if from_start else -1
            child = current.children[index]
            if isinstance(child, _Element):
                current = child
                continue
            trimmed = (
                child.lstrip(" \t\n\r\f") if from_start else child.rstrip(" \t\n\r\f")
            )
            if trimmed:
                current.children[index] = trimmed
                break
            del current.children[index]  # whitespace-only: drop and look further


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _is_own_media(src: str, media_url: str) -> bool:
    """True if ``src`` points into our media storage.

    External images are refused because they leak readers' IPs to third
    parties, can change after publication and break in print.  Accepts
    ``media_url`` itself as prefix and, when ``media_url`` is absolute
    (e.g. a CDN), also its path part so host-relative URLs still match.
    """
    src = src.strip()
    prefixes = [media_url]
    parts = urlsplit(media_url)
    if parts.scheme and parts.netloc and parts.path.startswith("/"):
        prefixes.append(parts.path)
    if not any(src.startswith(prefix) for prefix in prefixes):
        return False
    # "/media/../admin/logout/" would make the reader's browser request an
    # arbitrary URL of ours; refuse path traversal, literal or percent-encoded.
    path = unquote(urlsplit(src).path)
    return "\\" not in src and ".." not in path.split("/")


def clean_html(html: str, *, media_url: str = "/media/") -> str:
    """Sanitise an HTML fragment for storage and display.

    Only a small editorial vocabulary survives (paragraphs, h2–h4, basic
    inline formatting, lists, quotes, tables, links, figures and images).
    Scripts, styles, event handlers, ``style`` attributes, ``class`` attributes
    (except CKEditor's ``image``/``table`` on ``<figure>``), comments,
    SVG/MathML, frames and forms are removed; links may only use http, https
    or mailto and get ``rel="noopener noreferrer"``.  Images are kept only
    when their ``src`` lies under ``media_url``.  Empty paragraphs and
    Word/WPS leftovers are dropped.
    """
    if not html:
        return ""
    if not media_url.endswith("/"):
        media_url += "/"  # so "/media" does not also accept "/mediaevil/..."

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            return value if _is_own_media(value, media_url) else None
        if attr in _NUMERIC_ATTRS:
            digits = value.strip()
            if (
                digits.isascii()
                and digits.isdigit()
                and len(digits) <= _NUMERIC_ATTRS[attr]
            ):
                return digits
            return None
        return value

    sanitized = nh3.clean(
        _limit_raw_nesting(html),
        tags=set(_NH3_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in _ATTRIBUTES.items()},
        allowed_classes={"figure": set(FIGURE_CLASSES)},
        attribute_filter=attribute_filter,
        url_schemes=set(_URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )
    return _serialize(_tidy(_parse(sanitized).children)).strip()


def _iter_text(node: _Element | str) -> Iterator[str]:
    """Yield text pieces, with "\\n" at block boundaries and line breaks."""
    if isinstance(node, str):
        yield _HTML_SPACE_RE.sub(" ", node)
        return
    if node.tag == "br":
        yield "\n"
        return
    if node.tag in {"td", "th"}:
        # Cells of one row share a line, separated by a space; the <tr>
        # (a block) ends the line.
        for child in node.children:
            yield from _iter_text(child)
        yield " "
        return
    block = node.tag in _BLOCK_TAGS
    if block:
        yield "\n"
    for child in node.children:
        yield from _iter_text(child)
    if block:
        yield "\n"


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, for word counts, search and summaries.

    The input is sanitised first, so script/style contents never leak into the
    text.  Blocks (paragraphs, headings, list items, table rows…) end up on
    their own lines, whitespace is collapsed, entities are decoded and blank
    lines are removed.
    """
    root = _parse(clean_html(html))
    raw = "".join(_iter_text(root))
    lines = (" ".join(line.replace("\xa0", " ").split()) for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


# A non-CJK word: letters/digits, allowing inner apostrophes, hyphens and
# dots so "don't", "e-mail" and "3.14" count once.
_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019.\-][^\W_]+)*")


def count_words(html: str) -> int:
    """Word count in the style of Word's 字数.

    Every CJK character counts as one; every run of Latin (or other
    alphabetic/numeric) characters counts as one word.  Punctuation is not
    counted.
    """
    text = html_to_text(html)
    cjk = len(WORD_COUNT_RE.findall(text))
    return cjk + len(_WORD_RE.findall(WORD_COUNT_RE.sub(" ", text)))
