"""Side-by-side comparison of two versions of an article, on their plain text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

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


def version_lines(title: str, event_date_label: str, section: str, body: str) -> list[str]:
    lines = [f"标题：{title}", f"日期：{event_date_label or '（无）'}", f"栏目：{section}", ""]
    text = html_to_text(body)
    lines += text.split("\n") if text else []
    images = body.count("<img")
    if images:
        lines.append(f"（图片 {images} 张）")
    return lines


def compare(old, new) -> list[Row]:
    """Rows comparing two objects with title, event_date_label, section and body (revisions, articles)."""
    return compare_lines(
        version_lines(old.title, old.event_date_label, str(old.section), old.body),
        version_lines(new.title, new.event_date_label, str(new.section), new.body),
    )
