"""The database-specific half of search: full-text structures and MATCH queries.

PostgreSQL: a generated tsvector column over `segmented` (parser config 'simple': the text is
already cut into words by jieba and separated by spaces) with a GIN index.
SQLite: an FTS5 external-content table over the same column, kept in step by triggers.

Both are created by a migration; `ensure_structures()` is idempotent and is also called by
`rebuild_search_index`, because on SQLite Django rebuilds a table to alter it, which drops its
triggers.
"""

from django.db import connection

TABLE = "bulletin_articleindex"
FTS = "bulletin_articleindex_fts"

_PG_CREATE = [
    f"""ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(segmented, ''))) STORED""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_search_vector_gin ON {TABLE} USING GIN (search_vector)",
]

# Impact lexemes (PostgreSQL): for every lexeme of search_vector that occurs at least B times
# (B in IMPACT_LEVELS), the lexeme "word#B", in a second GIN-indexed tsvector. ts_rank of a row
# grows with how often each query word occurs in it and nothing else, so the rows holding
# "word#B" for some query word contain every row ranked above all rows that hold none, whose
# rank is at most that of a document with each query word B-1 times. bulletin.search.query
# ranks that bounded set instead of every hit of a word found in every article (会议).
# Counted from the same to_tsvector, so from the positions ts_rank itself sees (at most 256).
# Denser near the top, where the best rows of a word found everywhere sit (their count).
IMPACT_LEVELS = (2, 3, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 28, 32, 48, 64)
_IMPACT_FUNCTION = f"{TABLE}_impact"
_PG_IMPACT = [
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS impact tsvector NOT NULL DEFAULT ''",
    f"""CREATE OR REPLACE FUNCTION {_IMPACT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.impact := coalesce((
                SELECT array_to_tsvector(array_agg(u.lexeme || '#' || b))
                FROM unnest(to_tsvector('simple', coalesce(NEW.segmented, ''))) AS u,
                     unnest(ARRAY[{", ".join(map(str, IMPACT_LEVELS))}]) AS b
                WHERE array_length(u.positions, 1) >= b
            ), ''::tsvector);
            RETURN NEW;
        END $$""",
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
    """Restrict an ArticleIndex queryset to rows containing every token; annotate `rank`.

    `rank_tokens` (any of them counts) order the result. Tokens are runs of letters, digits
    and ideographs only (bulletin.search.text.TERM_RE), so they cannot carry query syntax; they are
    passed as parameters all the same.
    """

    rank_tokens = rank_tokens or tokens
    if connection.vendor == "postgresql":
        # plainto_tsquery ANDs the words and cannot raise a syntax error whatever they contain.
        every = " ".join(tokens)
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


def impact_query(tokens: list[str], level: int) -> str:
    """A tsquery (text, for a ::tsquery cast) matching rows where some token occurs at least
    `level` times. Tokens are ideographs only (query.bounded_ranking_applies), no quoting needed
    beyond the tsquery's own quotes."""
    return " | ".join(f"'{token}#{level}'" for token in tokens)


def rank_expression(rank_tokens: list[str]):
    """ts_rank of a row for any of these tokens (PostgreSQL), as `fulltext_filter` annotates it."""
    from django.db.models.expressions import RawSQL

    return RawSQL(f"ts_rank({TABLE}.search_vector, to_tsquery('simple', %s))", [" | ".join(rank_tokens)])


def rank_bounds(tokens: list[str]) -> dict[int, float]:
    """In one query, per impact level B, the rank of a row holding each token B-1 times: the
    most a row without any "token#B" can score. ts_rank with every position of the same weight grows with each token's
    count and depends on nothing else, so PostgreSQL computes the bound itself (the same float4
    arithmetic as for a row)."""
    selects, params = [], []
    for level in IMPACT_LEVELS:
        vector = " ".join(
            f"'{token}':" + ",".join(str(n * 100 + i + 1) for i in range(level - 1))
            for n, token in enumerate(tokens)
        )
        selects.append("ts_rank(%s::tsvector, to_tsquery('simple', %s))")
        params += [vector, " | ".join(tokens)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        return dict(zip(IMPACT_LEVELS, cursor.fetchone(), strict=True))
