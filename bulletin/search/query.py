"""Parsing a reader's query, matching and ranking index rows, highlighting the hits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from common.cjk import CJK_RE, FOLD_WIDTH

from . import backend
from .text import MAX_QUERY_LENGTH, MAX_QUERY_TERMS, TERM_RE, segment_query, segmenter


@dataclass
class ParsedQuery:
    raw: str
    terms: list[str] = field(default_factory=list)  # as typed, punctuation and quotes removed
    needles: list[str] = field(default_factory=list)  # must each occur literally
    keys: list[str] = field(default_factory=list)  # Chinese characters: full-text AND filter
    words: list[str] = field(default_factory=list)  # multi-character words, for ranking

    @property
    def empty(self) -> bool:
        return not self.terms


def parse_query(raw: str) -> ParsedQuery:
    raw = (raw or "")[:MAX_QUERY_LENGTH].translate(FOLD_WIDTH)
    parsed = ParsedQuery(raw=raw.strip())
    parsed.terms = TERM_RE.findall(raw.lower())[:MAX_QUERY_TERMS]
    if not parsed.terms:
        return parsed
    tokenizer = segmenter()
    needles, words = [], []
    for term in parsed.terms:
        run = ""  # consecutive single characters (an unknown name: 杜/建/强) form one needle
        for word in segment_query(term, tokenizer):
            if len(word) == 1:
                run += word
                continue
            if run:
                needles.append(run)
                run = ""
            needles.append(word)
            words.append(word)
        if run:
            needles.append(run)
    parsed.needles = list(dict.fromkeys(needles))
    parsed.words = list(dict.fromkeys(words))
    parsed.keys = list(dict.fromkeys(CJK_RE.findall("".join(parsed.needles))))
    return parsed


def _substring_filter(queryset, needles):
    condition = Q()
    for needle in needles:
        condition &= Q(title__icontains=needle) | Q(text__icontains=needle)
    return queryset.filter(condition)


def _title_hits(needles):
    """How many of the query's needles occur in the title."""
    from django.db.models import Case, IntegerField, When

    return sum(
        (
            Case(When(title__icontains=n, then=Value(1)), default=Value(0), output_field=IntegerField())
            for n in needles
        ),
        Value(0),
    )


def _substring_ranked(queryset, needles):
    return _substring_filter(queryset, needles).annotate(rank=_title_hits(needles))


def match(queryset, parsed: ParsedQuery):
    """Rows of `queryset` matching the query, annotated with `title_hits` and `rank` (higher is
    better; order by both, title hits first)."""
    if parsed.empty:
        return queryset.none()
    if parsed.keys and backend.supports_fulltext():
        candidates = backend.fulltext_filter(
            queryset, parsed.keys, rank_tokens=[*parsed.words, *parsed.keys]
        )
        results = _substring_filter(candidates, parsed.needles)
    else:
        # Latin letters or digits only (or a database without full text): a plain scan.
        results = _substring_ranked(queryset, parsed.needles)
    # The full-text rank counts single characters when jieba does not know a name or term
    # (河长制 = 河 长 制), so an article with many 河 in its body outranked the one whose title
    # is the query. The query found in the title comes first, then the full-text rank.
    return results.annotate(title_hits=_title_hits(parsed.needles))


def search(queryset, raw: str, *, sort: str = "relevance"):
    parsed = parse_query(raw)
    if parsed.empty:
        return parsed, queryset.none()
    results = match(queryset, parsed)
    if sort == "date":
        results = results.order_by("-event_date", "-pk")
    else:
        results = results.order_by("-title_hits", "-rank", "-event_date", "-pk")
    return parsed, results


# --------------------------------------------------------------------------- snippets


def _needles(parsed: ParsedQuery) -> list[str]:
    needles = {*parsed.terms, *parsed.needles}
    return sorted((n for n in needles if n), key=len, reverse=True)


def highlight(text: str, parsed: ParsedQuery) -> SafeString:
    """Escape `text` and wrap every occurrence of a query term in <mark>."""
    needles = _needles(parsed)
    if not needles or not text:
        return escape(text or "")
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append("<mark>" + escape(m.group(0)) + "</mark>")
        pos = m.end()
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))


def snippet(text: str, parsed: ParsedQuery, width: int = 90) -> SafeString:
    """A window of the text around the first hit, highlighted; the opening if no hit."""
    text = " ".join((text or "").split())
    needles = _needles(parsed)
    lowered = text.lower()
    hits = [i for i in (lowered.find(n) for n in needles) if i >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    end = min(len(text), start + width)
    piece = text[start:end]
    result = highlight(piece, parsed)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + result + suffix)
