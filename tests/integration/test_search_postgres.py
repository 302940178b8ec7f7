"""On PostgreSQL the search uses the tsvector column and its GIN index."""

import datetime

import pytest
from django.db import connection

from bulletin.search.models import ArticleIndex
from bulletin.search.query import parse_query, search

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_search_vector_is_generated_and_gin_indexed(make_article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the index is written on commit
        make_article(title="全区河长制工作会议", body="<p>区长杜建强出席。</p>", event_date=datetime.date(2021, 4, 3))
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM bulletin_articleindex")
        vector = cursor.fetchone()[0]
        assert "'河'" in vector and "'杜'" in vector
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'bulletin_articleindex' AND indexdef ILIKE '%gin%'"
        )
        assert "search_vector" in cursor.fetchone()[0]

    parsed, results = search(ArticleIndex.objects.all(), "杜建强")
    assert [r.title for r in results] == ["全区河长制工作会议"]
    sql, params = results.query.sql_with_params()
    assert "@@ plainto_tsquery" in sql

    # With sequential scans discouraged the planner must be able to answer through the GIN index.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bulletin_articleindex_search_vector_gin" in plan
    assert parse_query("杜建强").keys == ["杜", "建", "强"]
