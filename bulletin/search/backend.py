"""The database-specific half of search: full-text structures and MATCH queries.

PostgreSQL: a generated tsvector column over `segmented` (parser config 'simple': the text is
already cut into words by jieba and separated by spaces) with a GIN index.
SQLite: an FTS5 external-content table over the same column, kept in step by triggers.

Both are created by a migration; `ensure_structures()` is idempotent and is also called by
`rebuild_search_index`, because on SQLite Django rebuilds a table to alter it, which drops its
triggers.
"""

import threading
import time

from django.db import connection

TABLE = "bulletin_articleindex"
FTS = "bulletin_articleindex_fts"

_PG_CREATE = [
    f"""ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(segmented, ''))) STORED""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_search_vector_gin ON {TABLE} USING GIN (search_vector)",
]

# Impact lexemes (PostgreSQL), so that a word found in every article (会议) is ranked over a
# bounded set of rows that provably holds the best ones (bulletin.search.query._top_by_impact).
#
# ts_rank, for a query of tokens t (OR, every position of the same weight), is the mean over the
# distinct tokens of f(count of t in the row), where f(n) = 0.1 · Σ_{j≤n} 1/j² / 1.64493406685
# (f(0) = 0; a row holds at most 256 positions of a lexeme). A query for one word w is the word
# and its distinct characters, so its rank in a row is the row's *word score*
#     score(w) = (f(count of w) + Σ_c f(count of c)) / (1 + number of distinct characters c of w),
# computed once per row and word at indexing. For every word of two or more ideographs and every
# level n of IMPACT_LEVELS with score(w) ≥ f(n), the row holds the lexeme "w#n" in a second
# GIN-indexed tsvector: the rows lacking "w#n" all rank below f(n) for the query w. (Earlier
# levels counted each token alone; the character 会 occurring 16 times put 2,557 rows in the
# ranked set of 会议 where a score bound needs 40.)
# Counted from the same to_tsvector, so from the positions ts_rank itself sees; dense where the
# best rows of a common word sit (ts_rank grows very little past a dozen occurrences).
# Changing the levels or the score needs a migration replacing the function and recomputing the
# rows (as 0024; a test compares the database's function with this one).
IMPACT_LEVELS = (*range(2, 25), 26, 28, 30, 32, 36, 40, 48, 56, 64, 80, 96, 128, 192, 256)
MAX_POSITIONS = 256  # positions a tsvector keeps per lexeme


def rank_of_count(n: int) -> float:
    """f(n): ts_rank's share of a token found n times (in double precision; PostgreSQL computes
    it in single precision, which rounds within RANK_ERROR)."""
    return 0.1 * sum(1.0 / (j * j) for j in range(1, min(n, MAX_POSITIONS) + 1)) / 1.64493406685


# How far ts_rank's single-precision sums (≤ 256 terms per token) can be from the exact value.
RANK_ERROR = 2e-6
_IDEOGRAPH_WORD = (
    r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U0003134f]{2,}$"
)
_F = "'[0:{}]={{{}}}'::float8[]".format(
    MAX_POSITIONS, ",".join(repr(rank_of_count(n)) for n in range(MAX_POSITIONS + 1))
)
_IMPACT_FUNCTION = f"{TABLE}_impact"
_IMPACT_BODY = f"""
        BEGIN
            NEW.impact := coalesce((
                WITH lexemes AS MATERIALIZED (
                    SELECT u.lexeme, ({_F})[array_length(u.positions, 1)] AS f
                    FROM unnest(to_tsvector('simple', coalesce(NEW.segmented, ''))) AS u
                ),
                scores AS (
                    SELECT w.lexeme, (w.f + sum(c.f)) / (1 + count(*)) AS score
                    FROM lexemes AS w
                    CROSS JOIN LATERAL (
                        SELECT DISTINCT ch FROM unnest(string_to_array(w.lexeme, NULL)) AS ch
                    ) AS chars
                    JOIN lexemes AS c ON c.lexeme = chars.ch
                    WHERE w.lexeme ~ '{_IDEOGRAPH_WORD}'
                    GROUP BY w.lexeme, w.f
                )
                SELECT array_to_tsvector(array_agg(s.lexeme || '#' || lv.n))
                FROM scores AS s
                JOIN unnest(
                    ARRAY[{", ".join(map(str, IMPACT_LEVELS))}],
                    ARRAY[{", ".join(repr(rank_of_count(n)) for n in IMPACT_LEVELS)}]::float8[]
                ) AS lv(n, f) ON s.score >= lv.f
            ), ''::tsvector);
            RETURN NEW;
        END"""
_PG_IMPACT = [
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS impact tsvector NOT NULL DEFAULT ''",
    f"CREATE OR REPLACE FUNCTION {_IMPACT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $${_IMPACT_BODY} $$",
    f"""CREATE OR REPLACE TRIGGER {TABLE}_impact_biu BEFORE INSERT OR UPDATE OF segmented
        ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {_IMPACT_FUNCTION}()""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_impact_gin ON {TABLE} USING GIN (impact)",
]
_PG_IMPACT_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_impact_biu ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {_IMPACT_FUNCTION}()",
    f"DROP INDEX IF EXISTS {TABLE}_impact_gin",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS impact",
]
_PG_CREATE += _PG_IMPACT

_PG_DROP = [
    *_PG_IMPACT_DROP,
    f"DROP INDEX IF EXISTS {TABLE}_search_vector_gin",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
]

_SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS}
        USING fts5(segmented, content='{TABLE}', content_rowid='id')""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_fts_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, segmented) VALUES (new.id, new.segmented); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_fts_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, segmented) VALUES ('delete', old.id, old.segmented); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_fts_au AFTER UPDATE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, segmented) VALUES ('delete', old.id, old.segmented);
        INSERT INTO {FTS}(rowid, segmented) VALUES (new.id, new.segmented); END""",
]
_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_fts_ai",
    f"DROP TRIGGER IF EXISTS {TABLE}_fts_ad",
    f"DROP TRIGGER IF EXISTS {TABLE}_fts_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def create_structures(executor, vendor=None):
    """Create what is missing; `executor` is a schema editor (migration) or a cursor."""
    vendor = vendor or executor.connection.vendor
    if vendor == "postgresql":
        statements = _PG_CREATE
    elif vendor == "sqlite":
        # 'rebuild' fills the FTS table from rows that existed before it (none on a fresh migrate).
        statements = [*_SQLITE_CREATE, f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"]
    else:
        statements = []
    for sql in statements:
        executor.execute(sql)


def create_impact(executor):
    """Add the impact lexemes to a PostgreSQL database that has the rest (migration 0018),
    and compute them for the rows already indexed."""
    if executor.connection.vendor != "postgresql":
        return
    for sql in _PG_IMPACT:
        executor.execute(sql)
    executor.execute(f"UPDATE {TABLE} SET segmented = segmented")


def drop_impact(executor):
    if executor.connection.vendor == "postgresql":
        for sql in _PG_IMPACT_DROP:
            executor.execute(sql)


def drop_structures(executor, vendor=None):
    vendor = vendor or executor.connection.vendor
    statements = {"postgresql": _PG_DROP, "sqlite": _SQLITE_DROP}.get(vendor, [])
    for sql in statements:
        executor.execute(sql)


def ensure_structures():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE is refused inside a transaction with pending deferred FK checks, so
            # only touch the schema when something is actually missing.
            cursor.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexname IN (%s, %s)",
                [f"{TABLE}_search_vector_gin", f"{TABLE}_impact_gin"],
            )
            if cursor.fetchone()[0] == 2:
                return
        create_structures(cursor, connection.vendor)


def supports_fulltext() -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def fulltext_filter(queryset, tokens: list[str], rank_tokens: list[str] | None = None):
    """Restrict an ArticleIndex queryset to rows containing every token (on PostgreSQL, the rare
    ones when there are: the caller checks every needle in the text); annotate `rank`.

    `rank_tokens` (any of them counts) order the result. Tokens are runs of letters, digits
    and ideographs only (bulletin.search.text.TERM_RE), so they cannot carry query syntax; they are
    passed as parameters all the same.
    """

    rank_tokens = rank_tokens or tokens
    if connection.vendor == "postgresql":
        # plainto_tsquery ANDs the words and cannot raise a syntax error whatever they contain.
        every = " ".join(_rare_first(tokens))
        return queryset.annotate(rank=rank_expression(rank_tokens)).extra(
            where=[f"{TABLE}.search_vector @@ plainto_tsquery('simple', %s)"], params=[every]
        )
    # FTS5: each token as a quoted string (quotes doubled); space = AND.
    def quoted(token):
        return '"' + token.replace('"', '""') + '"'

    every = " ".join(quoted(t) for t in tokens)
    anyof = " OR ".join(quoted(t) for t in rank_tokens)
    # One MATCH joined to the rows: every token AND any rank token (the same rows as `every`;
    # bm25 weighs the words too). A rank computed by a correlated MATCH per row re-read the
    # posting lists for every candidate: 1.2 s for 会议 over 2000 articles, 15 ms joined.
    return queryset.extra(
        select={"rank": f"-bm25({FTS})"},
        tables=[FTS],
        where=[f"{FTS}.rowid = {TABLE}.id", f"{FTS} MATCH %s"],
        params=[f"{every} AND ({anyof})"],
    )


# A token found in fewer rows than this share narrows the full-text filter alone.
RARE_SHARE = 0.05
_STATISTICS_SECONDS = 600
_statistics_lock = threading.Lock()
_statistics: dict = {"read": None, "shares": {}}


def lexeme_shares() -> dict[str, float]:
    """The share of rows holding each of search_vector's most common lexemes, from PostgreSQL's
    own statistics (ANALYZE), read at most once every ten minutes per process; empty when the
    table has none yet. A lexeme not listed is rarer than every one listed."""
    now = time.monotonic()
    with _statistics_lock:
        if _statistics["read"] is not None and now - _statistics["read"] < _STATISTICS_SECONDS:
            return _statistics["shares"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE tablename = %s AND attname = 'search_vector'",
            [TABLE],
        )
        row = cursor.fetchone()
    shares = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
    with _statistics_lock:
        _statistics.update(read=now, shares=shares)
    return shares


def _rare_first(tokens: list[str]) -> list[str]:
    """The tokens the full-text filter needs: the rare ones alone when there are any. Every
    needle is checked in the text afterwards, so any of the tokens finds every match; a GIN AND
    with characters found in most articles (杜建强: 建, 强) read their whole posting lists, 6 ms
    of a search for a name found in 50 articles (issue #15)."""
    shares = lexeme_shares()
    rare = [token for token in tokens if shares.get(token, 0.0) < RARE_SHARE]
    return rare or tokens


def impact_query(words: list[str], level: int, *, every: bool = False) -> str:
    """A tsquery (text, for a ::tsquery cast) matching rows whose score for some (`every`: each)
    of these words is at least rank_of_count(level). Words are ideographs only
    (query.bounded_ranking_applies), no quoting needed beyond the tsquery's own quotes."""
    return (" & " if every else " | ").join(f"'{word}#{level}'" for word in words)


def rank_bound(words: list[str], tokens: int, level: int) -> float:
    """The most a row lacking every "word#level" can rank for a query of these words (and their
    characters; `tokens` distinct tokens in all), rounding included.

    The rank is the mean over the tokens of f(count); each word with its characters contributes
    (1 + its distinct characters) × its score in the row, less than f(level) where the row has
    the word without "word#level", at most f(256) per character where the row lacks the word
    (a character shared by two words is counted twice: an upper bound still).
    """
    top = rank_of_count(level)
    ceiling = rank_of_count(MAX_POSITIONS)
    total = 0.0
    for word in words:
        characters = len(set(word))
        total += max((1 + characters) * top, characters * ceiling)
    return total / tokens + RANK_ERROR


def rank_expression(rank_tokens: list[str]):
    """ts_rank of a row for any of these tokens (PostgreSQL), as `fulltext_filter` annotates it."""
    from django.db.models.expressions import RawSQL

    return RawSQL(f"ts_rank({TABLE}.search_vector, to_tsquery('simple', %s))", [" | ".join(rank_tokens)])
