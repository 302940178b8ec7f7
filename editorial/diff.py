"""Side-by-side comparison of two versions of an article, on their plain text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from html.parser import HTMLParser
from posixpath import basename
from urllib.parse import unquote, urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .sanitize import html_to_text


@dataclass(frozen=True)
class Row:
    kind: str  # "same", "changed", "added", "removed"
    left: SafeString
    right: SafeString


def _inline(a: str, b: str) -> tuple[str, str]:
    """Mark changed characters inside a changed line (Chinese has no spaces, so by character)."""
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(escape(a[i1:i2]))
            right.append(escape(b[j1:j2]))
            continue
        if i2 > i1:
            left.append(f"<del>{escape(a[i1:i2])}</del>")
        if j2 > j1:
            right.append(f"<ins>{escape(b[j1:j2])}</ins>")
    return "".join(left), "".join(right)


def compare_lines(old: list[str], new: list[str]) -> list[Row]:
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [Row("same", escape(line), escape(line)) for line in old[i1:i2]]
        elif op == "replace":
            pairs = max(i2 - i1, j2 - j1)
            for k in range(pairs):
                a = old[i1 + k] if i1 + k < i2 else None
                b = new[j1 + k] if j1 + k < j2 else None
                if a is None:
                    rows.append(Row("added", mark_safe(""), mark_safe(f"<ins>{escape(b)}</ins>")))
                elif b is None:
                    rows.append(Row("removed", mark_safe(f"<del>{escape(a)}</del>"), mark_safe("")))
                else:
                    left, right = _inline(a, b)
                    rows.append(Row("changed", mark_safe(left), mark_safe(right)))
        elif op == "delete":
            rows += [Row("removed", mark_safe(f"<del>{escape(a)}</del>"), mark_safe("")) for a in old[i1:i2]]
        elif op == "insert":
            rows += [Row("added", mark_safe(""), mark_safe(f"<ins>{escape(b)}</ins>")) for b in new[j1:j2]]
    return rows


class _Images(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attributes = dict(attrs)
            self.found.append((attributes.get("src") or "", (attributes.get("alt") or "").strip()))


def image_lines(body: str) -> list[str]:
    """One line per picture, named by its file and its 说明文字 (alt), so that a picture added,
    removed, replaced or re-described shows as a changed line."""
    parser = _Images()
    parser.feed(body or "")
    parser.close()
    lines = []
    for n, (src, alt) in enumerate(parser.found, 1):
        name = unquote(basename(urlsplit(src).path)) or "（无文件）"
        lines.append(f"图片{n}：{name}　说明：{alt or '（无说明文字）'}")
    return lines


def version_lines(title: str, event_date_label: str, section: str, body: str) -> list[str]:
    lines = [f"标题：{title}", f"日期：{event_date_label or '（无）'}", f"栏目：{section}", ""]
    text = html_to_text(body)
    lines += text.split("\n") if text else []
    return lines + image_lines(body)


def has_changes(rows: list[Row]) -> bool:
    return any(row.kind != "same" for row in rows)


def compare(old, new) -> list[Row]:
    """Rows comparing two objects with title, event_date_label, section and body (revisions, articles)."""
    return compare_lines(
        version_lines(old.title, old.event_date_label, str(old.section), old.body),
        version_lines(new.title, new.event_date_label, str(new.section), new.body),
    )
