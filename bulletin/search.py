"""Chinese full-text search over articles.

Text is cut into words by jieba (dictionary mode, no HMM guessing, so the same word is cut the
same way in an article and in a query) plus each publication's own dictionary (SearchTerm,
edited in admin). The index (ArticleIndex) is kept fresh by signals on Article, IssueArticle
and Issue, which reindex the changed articles in one batch when the transaction commits
(bulletin.search_signals), and can be rebuilt with ``manage.py rebuild_search_index``.

Matching: the index holds jieba's words *and* every Chinese character on its own. A query is
cut into words the same way; a row matches when it contains every query word literally
(substring check, so word boundaries that jieba draws differently in a longer sentence never
lose a hit). The full-text index narrows the candidates first: every character of the query
must be an indexed token (PostgreSQL tsvector @@ with GIN, SQLite FTS5 MATCH), and ranking
uses the words and characters (ts_rank / bm25). A one-character query is just one such token.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import search_backend
from .search_models import ArticleIndex, SearchTerm

# A "term" is a run of letters/digits/ideographs; quotes and punctuation separate terms.
TERM_RE = re.compile(r"[^\W_]+")
CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
MAX_QUERY_TERMS = 10
# Full-width letters and digits (ＴＯＤ, ２０２０, typed by an IME in full-width mode or pasted
# from Word) are folded to ASCII on both sides, so either form finds either. Chinese punctuation
# (，。) is left alone: it is what the snippets show.
FOLD_WIDTH = {
    0x3000: " ",
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
}
MAX_QUERY_LENGTH = 100

_lock = threading.Lock()
_tokenizer = None
_loaded_terms: dict[str, int | None] = {}
_loaded_stamp = None


def _jieba():
    """The process's jieba tokenizer, created lazily (building its prefix dict costs ~1 s)."""
    global _tokenizer
    if _tokenizer is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        _tokenizer = tokenizer
    return _tokenizer


def _sync_dictionary(tokenizer):
    """Bring the tokenizer's extra words in line with SearchTerm (all publications).

    One small aggregate query decides whether anything changed since the last call, so an
    edit in admin takes effect in every process without a restart.
    """
    global _loaded_terms, _loaded_stamp
    stamp = SearchTerm.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    stamp = (stamp["n"], stamp["last"])
    if stamp == _loaded_stamp:
        return
    wanted = dict(SearchTerm.objects.values_list("word", "freq"))
    wanted = {word.strip(): freq for word, freq in wanted.items() if word.strip()}
    for word in set(_loaded_terms) - set(wanted):
        tokenizer.del_word(word)
    for word, freq in wanted.items():
        if word not in _loaded_terms or _loaded_terms[word] != freq:
            # Without a frequency jieba computes one just high enough to keep the word whole.
            tokenizer.add_word(word, freq=freq or None)
    _loaded_terms = wanted
    _loaded_stamp = stamp


def segmenter():
    with _lock:
        tokenizer = _jieba()
        _sync_dictionary(tokenizer)
        return tokenizer


def _words(tokens) -> list[str]:
    return [t for t in (tok.strip() for tok in tokens) if t and TERM_RE.fullmatch(t)]


def segment_document(text: str, tokenizer=None) -> str:
    """Words of a document for the index, search-engine style (long words also as parts)."""
    tokenizer = tokenizer or segmenter()
    words = _words(tokenizer.cut_for_search(text, HMM=False))
    # Single characters too, so any substring of Chinese text can be found through the index.
    characters = CJK_RE.findall(text)
    return " ".join(words + characters).lower()


def segment_query(text: str, tokenizer=None) -> list[str]:
    tokenizer = tokenizer or segmenter()
    return [w.lower() for w in _words(tokenizer.cut(text, HMM=False))]


# --------------------------------------------------------------------------- indexing

# Fields of ArticleIndex that indexing computes (compared to skip rows that did not change).
_INDEX_FIELDS = ("publication_id", "section_id", "issue_id", "title", "text", "segmented", "event_date", "year")
# Articles indexed per batch of queries (rebuild, or a very large import).
BATCH_SIZE = 500


def _published_placements(article_ids) -> dict:
    """Per article, the placement whose pinned revision readers see (the latest issue if
    several), in one query."""
    from .models import IssueArticle

    placements = (
        IssueArticle.objects.filter(article_id__in=article_ids, revision__isnull=False)
        .select_related("issue", "revision")
        .order_by("article_id", "-issue__year", "-issue__month", "-pk")
    )
    latest = {}
    for placement in placements:
        latest.setdefault(placement.article_id, placement)
    return latest


def _index_values(article, placement, tokenizer) -> dict:
    from editorial.sanitize import html_to_text

    if placement is not None:
        content, issue, section_id = placement.revision, placement.issue, placement.section_id
        year = issue.year
    else:
        content, issue, section_id = article, None, article.section_id
        year = article.event_date.year if article.event_date else None
    text = html_to_text(content.body or "").translate(FOLD_WIDTH)
    title = content.title.translate(FOLD_WIDTH)
    # The title is segmented twice so that a match in the title ranks above one in the body.
    segmented = " ".join(
        part for part in (
            segment_document(title, tokenizer),
            segment_document(title, tokenizer),
            segment_document(text, tokenizer),
        ) if part
    )
    return {
        "publication_id": article.publication_id,
        "section_id": section_id,
        "issue_id": issue.pk if issue is not None else None,
        "title": title,
        "text": text,
        "segmented": segmented,
        "event_date": content.event_date,
        "year": year,
    }


def index_rows(article_ids, tokenizer=None) -> int:
    """(Re)build the index rows of these articles with a fixed number of queries.

    One query each for the articles, their published placements and their existing rows;
    then one bulk UPDATE for the rows whose values changed and one bulk INSERT for the new
    ones. Rows whose values are unchanged are not written (publishing an issue saves it and
    its placements, which asks for every article again). Ids of articles deleted meanwhile
    are skipped (their row went with them). The FTS5 triggers (SQLite) fire per row for bulk
    statements too, and PostgreSQL's tsvector is a generated column, so both stay in step.
    Returns the number of articles indexed.
    """
    from django.utils import timezone

    from editorial.models import Article

    article_ids = sorted(set(article_ids))
    if not article_ids:
        return 0
    tokenizer = tokenizer or segmenter()
    articles = list(Article.objects.filter(pk__in=article_ids))
    placements = _published_placements(article_ids)
    existing = {row.article_id: row for row in ArticleIndex.objects.filter(article_id__in=article_ids)}
    now = timezone.now()
    changed, created = [], []
    for article in articles:
        values = _index_values(article, placements.get(article.pk), tokenizer)
        row = existing.get(article.pk)
        if row is None:
            created.append(ArticleIndex(article_id=article.pk, indexed_at=now, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.indexed_at = now  # auto_now is not applied by bulk_update
            changed.append(row)
    if changed:
        ArticleIndex.objects.bulk_update(changed, [*_INDEX_FIELDS, "indexed_at"])
    if created:
        ArticleIndex.objects.bulk_create(created)
    return len(articles)


def index_article(article, tokenizer=None) -> ArticleIndex:
    """Index one article now and return its row."""
    index_rows([article.pk], tokenizer)
    return ArticleIndex.objects.get(article_id=article.pk)


def reindex_articles(articles) -> int:
    """Index these articles (instances or ids) now, in batches of BATCH_SIZE."""
    tokenizer = segmenter()
    count = 0
    batch = []
    for article in articles:
        batch.append(getattr(article, "pk", article))
        if len(batch) >= BATCH_SIZE:
            count += index_rows(batch, tokenizer)
            batch = []
    return count + index_rows(batch, tokenizer)


def rebuild_index() -> int:
    from editorial.models import Article

    search_backend.ensure_structures()
    ArticleIndex.objects.all().delete()
    return reindex_articles(Article.objects.order_by("pk").values_list("pk", flat=True).iterator())


# --------------------------------------------------------------------------- querying


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
    if parsed.keys and search_backend.supports_fulltext():
        candidates = search_backend.fulltext_filter(
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

