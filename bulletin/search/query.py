"""Parsing a reader's query, matching and ranking index rows, highlighting the hits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Value, Window
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


def _contains(field: str, needle: str) -> Q:
    """`field` contains `needle`, ignoring case. A needle without letters that have a case
    (Chinese) is looked up as it is: the same rows, and PostgreSQL's UPPER() of every text
    compared cost three times the comparison (issue #15)."""
    lookup = "icontains" if needle.lower() != needle.upper() else "contains"
    return Q(**{f"{field}__{lookup}": needle})


def _substring_filter(queryset, needles):
    condition = Q()
    for needle in needles:
        condition &= _contains("title", needle) | _contains("text", needle)
    return queryset.filter(condition)


def _title_hits(needles):
    """How many of the query's needles occur in the title."""
    from django.db.models import Case, IntegerField, When

    return sum(
        (
            Case(When(_contains("title", n), then=Value(1)), default=Value(0), output_field=IntegerField())
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


def ordered(results, sort: str = "relevance"):
    if sort == "date":
        return results.order_by("-event_date", "-pk")
    return results.order_by("-title_hits", "-rank", "-event_date", "-pk")


def search(queryset, raw: str, *, sort: str = "relevance"):
    parsed = parse_query(raw)
    if parsed.empty:
        return parsed, queryset.none()
    return parsed, ordered(match(queryset, parsed), sort)


# --------------------------------------------------------------------------- bounded work
#
# A word found in every article (会议) matched 100,000 rows at 100,000 articles: counting them,
# ranking every one and sorting took a second. The page needs 20 rows and a count a reader can
# use, so the count stops at count_limit() and the ranking looks at a bounded set of rows that
# provably holds the best ones (bulletin.search.backend, impact lexemes).

def count_limit() -> int:
    """Rows counted at most (BULLETIN_SEARCH_COUNT_LIMIT, 1000); pages list no more."""
    return settings.BULLETIN_SEARCH_COUNT_LIMIT

# Ranking queries tried before giving up on a query whose words are rare together.
_LEVELS_TRIED = 8

@dataclass
class ResultWindow:
    ids: list  # primary keys of the rows asked for, in search order
    total: int  # rows matching, counted up to count_limit() + 1 (more: "over the limit")


def count_upto(queryset, parsed: ParsedQuery, limit: int | None = None) -> int:
    """How many rows match, counted up to limit + 1 (count_limit() by default)."""
    limit = count_limit() if limit is None else limit
    if parsed.empty:
        return 0
    return match(queryset, parsed).order_by().values("pk")[: limit + 1].count()


def bounded_ranking_applies(parsed: ParsedQuery, sort: str) -> bool:
    """Impact lexemes are kept on PostgreSQL, for words of ideographs only; they help when
    every needle is a word jieba knows (a word's lexeme lies only in rows containing it)."""
    tokens = [*parsed.words, *parsed.keys]
    return (
        sort == "relevance"
        and backend.connection.vendor == "postgresql"
        and bool(parsed.keys)
        and set(parsed.needles) <= set(parsed.words)
        and all(CJK_RE.fullmatch(ch) for token in tokens for ch in token)
    )


def window(queryset, parsed: ParsedQuery, *, sort: str, offset: int, limit: int) -> ResultWindow:
    """Rows offset … offset + limit of the results in the order `search` gives, and the count.

    The count stops at count_limit() + 1, and pages go no further than count_limit(). A word found
    in most articles is ranked over a bounded set of rows that provably holds the best ones
    (_top_by_impact), which also tells when the count is over the limit.
    """
    if parsed.empty:
        return ResultWindow([], 0)
    most = count_limit()
    offset = min(offset, most)
    limit = max(0, min(limit, most - offset))
    if bounded_ranking_applies(parsed, sort) and limit:
        found = _top_by_impact(queryset, parsed, offset + limit)
        if found is not None:
            total = found.at_least if found.at_least > most else count_upto(queryset, parsed)
            return ResultWindow(found.ids[offset:], total)
    results = ordered(match(queryset, parsed), sort)
    if sort == "relevance" and limit and backend.connection.vendor == "postgresql":
        # Ranking reads every match anyway: they are counted in the same query (the full-text
        # index read once, not twice). Past the last page there is no row to carry the count.
        # (SQLite refuses bm25() beside a window function.)
        rows = list(results.annotate(found=Window(Count("*"))).values_list("pk", "found")[offset : offset + limit])
        if rows:
            return ResultWindow([pk for pk, _ in rows], min(rows[0][1], most + 1))
    total = count_upto(queryset, parsed)
    if offset >= total:
        return ResultWindow([], total)
    return ResultWindow(list(results.values_list("pk", flat=True)[offset : offset + limit]), total)


@dataclass
class Ranked:
    ids: list  # the first k primary keys in search order
    at_least: int  # a lower bound of the rows matching, up to count_limit() + 1
    level: int  # the impact level whose candidates were ranked


def _top_by_impact(queryset, parsed: ParsedQuery, k: int) -> Ranked | None:
    """The first k rows in search order and what proved them, or None when no level does.

    Rows are ordered by (title hits, rank, event date, pk). At level n the candidates are the
    matching rows holding "word#n" for some query word (bulletin.search.backend); every other
    row ranks at most backend.rank_bound(n). When the k-th candidate has the most title hits a
    row can have and a rank above that bound, no other row comes before it: the candidates'
    first k are the result's first k, exactly. Lower levels take more rows.
    Candidates need no full-text filter: a needle found in the text puts its characters in
    the row's vector (and that filter read every row of a word found everywhere).
    """
    tokens = [*parsed.words, *parsed.keys]
    most_title_hits = len(parsed.needles)
    levels = sorted(backend.IMPACT_LEVELS, reverse=True)
    bounds = [backend.rank_bound(parsed.words, len(tokens), level) for level in levels]
    matching = _substring_filter(queryset, parsed.needles)
    most = count_limit() + 1
    counts = _impact_walk(queryset, parsed.words, levels, most)
    at = next((i for i, n in enumerate(counts) if n >= k), None)
    if at is None:
        return None  # fewer than k rows hold even the lowest level
    at_least = max(counts)
    candidates = ordered(
        matching.annotate(rank=backend.rank_expression(tokens), title_hits=_title_hits(parsed.needles))
    )
    marker = "\x00impact\x00"
    sql, params = (
        candidates.extra(where=[f"{backend.TABLE}.impact @@ (%s)::tsquery"], params=[marker])
        .values_list("pk", "title_hits", "rank")[:k]
        .query.sql_with_params()
    )
    params = list(params)
    slot = params.index(marker)
    step = 1
    for _ in range(_LEVELS_TRIED):
        params[slot] = backend.impact_query(parsed.words, levels[at])
        with backend.connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            order = [names.index(name) for name in ("pk", "title_hits", "rank")]
            rows = [tuple(row[i] for i in order) for row in cursor.fetchall()]
        if len(rows) >= k and rows[-1][1] == most_title_hits:
            rank = rows[-1][2]
            if rank > bounds[at]:
                return Ranked([pk for pk, *_ in rows], at_least, levels[at])
            # A lower level holds these rows and more, so its k-th row ranks at least as high:
            # the highest level whose bound this rank beats proves the result.
            at = next((i for i in range(at + 1, len(levels)) if bounds[i] < rank), None)
            if at is None:
                return None
            continue
        at += step  # too few rows with every needle in the title: more rows, faster each time
        step *= 2
        if at >= len(levels):
            return None
    return None


def _impact_walk(queryset, words, levels, most):
    """Per level of `levels` (highest first), how many rows of `queryset` hold "word#level" for
    every query word, counted up to `most`, in one query that stops at the first level
    reaching it (the levels above the best rows hold nothing and cost an index probe each).

    Such a row contains every word (a lexeme is a piece of the title or the text), so it
    matches the query and holds a candidate's lexeme at that level: a level counted at k or
    more holds k candidates, and any count is a lower bound of the rows matching, read from the
    small impact index instead of comparing the text of a thousand rows.
    """
    inner, inner_params = (
        queryset.extra(
            where=[f"{backend.TABLE}.impact @@ (impact_walk_levels.queries)[impact_walk.i + 1]::tsquery"]
        )
        .order_by().values("pk")[:most].query.sql_with_params()
    )
    queries = [backend.impact_query(words, level, every=True) for level in levels]
    with backend.connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE impact_walk_levels AS (SELECT %s::text[] AS queries),"
            " impact_walk(i, n) AS ("
            " SELECT 0, 0::bigint"
            " UNION ALL"
            f" SELECT impact_walk.i + 1, (SELECT count(*) FROM ({inner}) AS level_rows)"
            " FROM impact_walk, impact_walk_levels"
            " WHERE impact_walk.i < %s AND impact_walk.n < %s"
            ") SELECT n FROM impact_walk WHERE i > 0 ORDER BY i",
            [queries, *inner_params, len(levels), most],
        )
        return [n for (n,) in cursor.fetchall()]


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
