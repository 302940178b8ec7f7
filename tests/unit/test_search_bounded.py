"""Search over a generated archive (issue #15): the bounded count and ranking give the same
first results, in the same order, as the unbounded ordered query; the page asks a bounded
number of queries; the year list is the years of the articles searched. On SQLite and (run
by bin/test against PostgreSQL) with the impact lexemes that bound the ranking there."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from bulletin.models import ArticleIndex, Issue, Visibility
from bulletin.search import backend, query
from bulletin.search.query import parse_query, search

LIMIT = 40  # BULLETIN_SEARCH_COUNT_LIMIT for these tests: the corpus is well above it


@pytest.fixture
def corpus(db, settings):
    settings.BULLETIN_SEARCH_COUNT_LIMIT = LIMIT
    # 2,000 would be the issue's 杜建强 ratio; 160 articles give it 1 (n % 2000 == 7).
    call_command(
        "generate_search_corpus", articles=160, per_issue=10, publication="bench-search", stdout=io.StringIO()
    )
    if connection.vendor == "postgresql":
        # The statistics that pick the full-text filter's rare characters, as on a live site.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE bulletin_articleindex")
    backend._statistics["read"] = None
    return ArticleIndex.objects.filter(
        issue__status=Issue.Status.PUBLISHED, issue__visibility=Visibility.PUBLIC
    )


def page_ids(client, q, page=1, sort=None):
    params = {"q": q, "page": page, **({"sort": sort} if sort else {})}
    response = client.get(reverse("reader:search"), params)
    assert response.status_code == 200
    return [r["row"].pk for r in response.context["results"]], response


@pytest.mark.parametrize(
    "q", ["会议", "工作会议", "杜建强", "河长制", "调研 会议", "一网通办", "会议 工作", "单位 会议 推进", "没有这个词"]
)
def test_first_pages_are_those_of_the_unbounded_query_in_the_same_order(client, corpus, q):
    _, unbounded = search(corpus, q)
    want = list(unbounded.values_list("pk", flat=True))
    got, response = page_ids(client, q)
    assert got == want[:20]
    if len(want) > 20:
        got2, _ = page_ids(client, q, page=2)
        assert got2 == want[20:LIMIT]
    dated, _ = page_ids(client, q, sort="date")
    _, by_date = search(corpus, q, sort="date")
    assert dated == list(by_date.values_list("pk", flat=True)[:20])
    html = response.content.decode()
    if len(want) > LIMIT:
        assert f"找到 {LIMIT} 篇以上" in html
    elif want:
        assert f"共找到 {len(want)} 篇。" in html
    else:
        assert "没有找到包含" in html


def test_a_word_in_every_article_is_ranked_over_a_bounded_set_on_postgresql(corpus):
    if connection.vendor != "postgresql":
        pytest.skip("impact lexemes are PostgreSQL's")
    parsed = parse_query("会议")
    assert query.bounded_ranking_applies(parsed, "relevance")
    found = query._top_by_impact(corpus, parsed, 20)
    _, unbounded = search(corpus, "会议")
    assert found.ids == list(unbounded.values_list("pk", flat=True)[:20])
    assert found.at_least == LIMIT + 1  # over the limit, known without counting the matches
    # Fewer rows ranked than match: on this corpus a quarter (at 100,000 articles 40 of 100,000).
    ranked = corpus.extra(where=["impact @@ %s::tsquery"], params=[backend.impact_query(["会议"], found.level)])
    assert 20 <= ranked.count() <= unbounded.count() // 4


@pytest.mark.parametrize("word", ["会议", "工作", "单位", "推进"])
def test_rows_without_a_words_level_rank_below_its_bound_on_postgresql(corpus, word):
    """What the bounded ranking rests on, for every level: a row lacking "word#n" ranks below
    rank_bound(n) for a query of the word, and a row holding it ranks at least f(n) (so the
    lexemes are not simply everywhere)."""
    if connection.vendor != "postgresql":
        pytest.skip("impact lexemes are PostgreSQL's")
    parsed = parse_query(word)
    assert parsed.words == [word]
    tokens = [*parsed.words, *parsed.keys]
    held = set()
    with connection.cursor() as cursor:
        for level in backend.IMPACT_LEVELS:
            cursor.execute(
                "SELECT impact @@ %s::tsquery, max(ts_rank(search_vector, to_tsquery('simple', %s))),"
                " min(ts_rank(search_vector, to_tsquery('simple', %s))) FROM bulletin_articleindex"
                " WHERE search_vector @@ to_tsquery('simple', %s) GROUP BY 1",
                [backend.impact_query([word], level), " | ".join(tokens), " | ".join(tokens), " & ".join(tokens)],
            )
            for holds, highest, lowest in cursor.fetchall():
                if holds:
                    held.add(level)
                    assert lowest >= backend.rank_of_count(level) - backend.RANK_ERROR
                else:
                    assert highest < backend.rank_bound([word], len(tokens), level)
    assert held and held != set(backend.IMPACT_LEVELS)


def test_a_rare_character_alone_narrows_the_full_text_filter_on_postgresql(corpus):
    """杜建强: 杜 is in one article of 160, 建 and 强 in many; reading their whole posting lists
    for a GIN AND cost more than checking the needle in the rows holding 杜 (the first test
    checks the results are the same)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    assert backend._rare_first(["杜", "建", "强"]) == ["杜"]
    assert backend._rare_first(["会", "议"]) == ["会", "议"]  # none is rare: all of them


def test_count_stops_at_the_limit(corpus):
    parsed = parse_query("会议")
    assert corpus.count() > LIMIT + 1
    assert query.count_upto(corpus, parsed) == LIMIT + 1
    assert query.count_upto(corpus, parse_query("杜建强")) == 1


def test_pages_end_at_the_limit(client, corpus):
    _, response = page_ids(client, "会议", page=99)
    page = response.context["page"]
    assert page.paginator.num_pages == LIMIT // 20
    assert page.number == 2 and "第 2 / 2 页" in response.content.decode()


# Queries of the reader's search page, whatever the archive's size: the visible issues' ids,
# the section names, the years, the dictionary's stamp, the count (up to the limit), the page's
# ids, its rows, whether internal articles exist, the publications. On PostgreSQL the page's ids
# carry the count; a word found in most articles (会议) is counted and ranked instead by the
# levels' query and one ranking query per level tried (two on this corpus; at most
# query._LEVELS_TRIED).
PAGE_QUERIES = {("sqlite", "会议"): 9, ("sqlite", "杜建强"): 9, ("postgresql", "会议"): 10, ("postgresql", "杜建强"): 8}


@pytest.mark.parametrize("q", ["会议", "杜建强"])
def test_search_page_asks_a_fixed_number_of_queries(client, corpus, q, django_assert_num_queries):
    page_ids(client, q)  # jieba's dictionary stamp and the like, once
    with django_assert_num_queries(PAGE_QUERIES[connection.vendor, q]):
        page_ids(client, q)


def test_year_list_is_the_years_of_the_articles_searched(client, corpus):
    reader_years = client.get(reverse("reader:search"), {"q": "会议"}).context["years"]
    assert reader_years == sorted(set(corpus.values_list("year", flat=True)), reverse=True)
    assert len(reader_years) > 1



@pytest.mark.django_db
def test_the_databases_impact_function_is_the_codes_on_postgresql():
    """The query side's levels and bounds hold only for lexemes computed by the same function:
    changing IMPACT_LEVELS or the score in bulletin.search.backend needs a migration that
    replaces the trigger function and recomputes the rows (as 0024 does)."""
    if connection.vendor != "postgresql":
        pytest.skip("impact lexemes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'bulletin_articleindex_impact'")
        (source,) = cursor.fetchone()
    assert source.strip() == backend._IMPACT_BODY.strip()
