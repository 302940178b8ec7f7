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
from bulletin.search import query
from bulletin.search.query import parse_query, search

LIMIT = 40  # BULLETIN_SEARCH_COUNT_LIMIT for these tests: the corpus is well above it


@pytest.fixture
def corpus(db, settings):
    settings.BULLETIN_SEARCH_COUNT_LIMIT = LIMIT
    # 2,000 would be the issue's 杜建强 ratio; 160 articles give it 1 (n % 2000 == 7).
    call_command(
        "generate_search_corpus", articles=160, per_issue=10, publication="bench-search", stdout=io.StringIO()
    )
    return ArticleIndex.objects.filter(
        issue__status=Issue.Status.PUBLISHED, issue__visibility=Visibility.PUBLIC
    )


def page_ids(client, q, page=1, sort=None):
    params = {"q": q, "page": page, **({"sort": sort} if sort else {})}
    response = client.get(reverse("reader:search"), params)
    assert response.status_code == 200
    return [r["row"].pk for r in response.context["results"]], response


@pytest.mark.parametrize("q", ["会议", "工作会议", "杜建强", "河长制", "调研 会议", "一网通办", "没有这个词"])
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
    ids, candidates = query._top_by_impact(corpus, parsed, 20)
    _, unbounded = search(corpus, "会议")
    assert ids == list(unbounded.values_list("pk", flat=True)[:20])
    assert candidates < unbounded.count()  # fewer rows ranked than match


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


@pytest.mark.parametrize("q", ["会议", "杜建强"])
def test_search_page_asks_a_bounded_number_of_queries(client, corpus, q, django_assert_max_num_queries):
    page_ids(client, q)  # jieba's dictionary stamp and the like, once
    with django_assert_max_num_queries(25):
        page_ids(client, q)


def test_year_list_is_the_years_of_the_articles_searched(client, corpus):
    reader_years = client.get(reverse("reader:search"), {"q": "会议"}).context["years"]
    assert reader_years == sorted(set(corpus.values_list("year", flat=True)), reverse=True)
    assert len(reader_years) > 1
