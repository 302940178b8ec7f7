"""Search over articles (reader site and desk) on whichever database the run uses."""

import datetime
import re

import pytest
from django.urls import reverse

from bulletin.models import Issue, IssueArticle, SearchTerm, SignOff, Visibility
from bulletin.publishing import issue_fingerprint, publish_back_issue, publish_issue
from bulletin.search.query import parse_query
from bulletin.search.text import segment_document
from editorial.models import Article

RIVER = "<p>4月3日，区长杜建强主持召开全区河长制工作会议。会议要求各级河长履职尽责。</p>"
PARK = "<p>5月8日，碧沙岗公园完成改造提升，市民可免费入园。</p>"
MARKET = "<p>6月1日，区市场监管局开展夏季食品安全检查。</p>"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block registered with on_commit, as a commit would.

    The test runs inside one transaction that is never committed, and the search index is
    updated once a transaction commits (bulletin.search.signals)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def publish(publication, make_article, head, committed):
    # Back issues lie below the first number Bulletin publishes (97 in the test publication).
    back_serials = iter(range(96, 0, -1))

    """Publish an issue of the given (title, body, section, event_date) articles."""
    def make(year, month, articles, visibility=Visibility.PUBLIC, via_sign_off=False):
        with committed():
            return _make(year, month, articles, visibility, via_sign_off)

    def _make(year, month, articles, visibility, via_sign_off):
        publication.refresh_from_db()
        issue = Issue.objects.create(publication=publication, year=year, month=month, visibility=visibility)
        for position, (title, body, section, event_date) in enumerate(articles):
            article = make_article(
                title=title, body=body, section=section, event_date=event_date,
                status=Article.Status.APPROVED,
            )
            IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=position)
        if via_sign_off:
            issue.status = Issue.Status.SIGNED_OFF
            issue.save()
            SignOff.objects.create(issue=issue, signed_by=head, content_hash=issue_fingerprint(issue))
            publish_issue(issue, by=head)
            publication.refresh_from_db()
            return issue
        return publish_back_issue(
            issue, year_number=month, serial_number=next(back_serials)
        )

    return make


@pytest.fixture
def corpus(publish):
    public = publish(2021, 4, [
        ("全区河长制工作会议召开", RIVER, "时政要点", datetime.date(2021, 4, 3)),
        ("碧沙岗公园改造完成", PARK, "民生视点", datetime.date(2021, 5, 8)),
    ], via_sign_off=True)
    internal = publish(2022, 6, [
        ("夏季食品安全检查", MARKET + "<p>杜建强到现场督导。</p>", "经济热点", datetime.date(2022, 6, 1)),
    ], visibility=Visibility.INTERNAL)
    return public, internal


def titles(response):
    return [r["row"].title for r in response.context["results"]]


@pytest.mark.django_db
def test_search_finds_name_and_policy_term(client, corpus):
    response = client.get(reverse("reader:search"), {"q": "杜建强"})
    assert response.status_code == 200
    assert titles(response) == ["全区河长制工作会议召开"]

    response = client.get(reverse("reader:search"), {"q": "河长制"})
    assert titles(response) == ["全区河长制工作会议召开"]
    html = response.content.decode()
    assert "<mark>河长制</mark>" in html
    assert "/test-dsyb/97/" in html  # links to the article in its issue


@pytest.mark.django_db
def test_internal_issue_hidden_from_anonymous_but_found_by_reader(client, corpus, reader):
    response = client.get(reverse("reader:search"), {"q": "杜建强"})
    assert "夏季食品安全检查" not in titles(response)
    assert "内部资料不在检索范围内" in response.content.decode()

    client.force_login(reader)
    response = client.get(reverse("reader:search"), {"q": "杜建强"})
    assert set(titles(response)) == {"全区河长制工作会议召开", "夏季食品安全检查"}


@pytest.mark.django_db
def test_unpublished_and_withdrawn_not_found_by_readers(client, corpus, make_article, committed):
    with committed():
        make_article(title="草稿：杜建强调研", body="<p>杜建强调研河长制。</p>")
    public, _ = corpus
    response = client.get(reverse("reader:search"), {"q": "杜建强"})
    assert titles(response) == ["全区河长制工作会议召开"]

    public.status = Issue.Status.WITHDRAWN
    with committed():
        public.save()
    response = client.get(reverse("reader:search"), {"q": "杜建强"})
    assert titles(response) == []
    assert "没有找到" in response.content.decode()


@pytest.mark.django_db
def test_filters_and_sorting(client, corpus, reader):
    client.force_login(reader)
    url = reverse("reader:search")
    assert titles(client.get(url, {"q": "杜建强", "year": 2022})) == ["夏季食品安全检查"]
    assert titles(client.get(url, {"q": "杜建强", "section": "时政要点"})) == ["全区河长制工作会议召开"]
    assert titles(client.get(url, {"q": "杜建强", "publication": "no-such"})) == []
    assert titles(client.get(url, {"q": "杜建强", "sort": "date"})) == [
        "夏季食品安全检查", "全区河长制工作会议召开",
    ]
    # Relevance: the name in the title body counts; a title match ranks first.
    assert titles(client.get(url, {"q": "食品安全"}))[0] == "夏季食品安全检查"


@pytest.mark.django_db
def test_one_character_and_quote_only_queries(client, corpus):
    url = reverse("reader:search")
    response = client.get(url, {"q": "园"})
    assert response.status_code == 200
    assert titles(response) == ["碧沙岗公园改造完成"]

    for query in ['"', "“”", "'\"《》，。", "   "]:
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        assert titles(response) == []
    no_text = "检索词中没有可检索的文字，请输入汉字、字母或数字。"
    for query in ["“”", "😀", "👍🏽✅"]:
        page = client.get(url, {"q": query}).content.decode()
        assert no_text in page and "标点" not in page, query


@pytest.mark.django_db
def test_desk_search_gives_the_same_message_for_a_query_without_text(client, corpus, editor):
    client.force_login(editor)
    page = client.get(reverse("desk:search"), {"q": "😀"}).content.decode()
    assert "检索词中没有可检索的文字，请输入汉字、字母或数字。" in page


@pytest.mark.django_db
def test_quoted_query_and_hostile_input_are_harmless(client, corpus):
    url = reverse("reader:search")
    assert titles(client.get(url, {"q": "“河长制”"})) == ["全区河长制工作会议召开"]
    for query in ['河长制" OR "x', "杜建强 & | ! ( ) :*", "NEAR(a b)", "a" * 500]:
        assert client.get(url, {"q": query}).status_code == 200


@pytest.mark.django_db
def test_snippets_escape_article_text(client, publish):
    publish(2021, 7, [("脚本测试", "<p>杜建强说 &lt;script&gt;alert(1)&lt;/script&gt; 不会执行。</p>",
                       "时政要点", datetime.date(2021, 7, 1))])
    html = client.get(reverse("reader:search"), {"q": "杜建强"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>杜建强</mark>" in html


@pytest.mark.django_db
def test_publication_dictionary_keeps_a_name_whole(client, publication, publish, committed):
    assert "杜建强" not in segment_document("杜建强出席会议").split()

    publish(2021, 4, [("区长出席会议", RIVER, "时政要点", datetime.date(2021, 4, 3))])
    with committed():
        SearchTerm.objects.create(publication=publication, word="杜建强")
    assert "杜建强" in segment_document("杜建强出席会议").split()
    assert parse_query("杜建强").words == ["杜建强"]  # one word, no longer three characters
    # Articles already indexed were re-cut, so the whole word is found through the index.
    assert "杜建强" in publication.articles.get().search_index.segmented.split()
    assert titles(client.get(reverse("reader:search"), {"q": "杜建强"})) == ["区长出席会议"]

    with committed():
        SearchTerm.objects.filter(word="杜建强").delete()
    assert "杜建强" not in segment_document("杜建强出席会议").split()


@pytest.mark.django_db
def test_desk_search_covers_drafts_and_is_for_desk_roles_only(
    client, corpus, make_article, editor, reader, committed
):
    with committed():
        make_article(title="草稿：杜建强调研", body="<p>杜建强调研河长制。</p>")
    url = reverse("desk:search")
    assert client.get(url, {"q": "杜建强"}).status_code == 302  # to the login page

    client.force_login(reader)
    assert client.get(url, {"q": "杜建强"}).status_code == 403

    client.force_login(editor)
    response = client.get(url, {"q": "杜建强"})
    assert set(titles(response)) == {"全区河长制工作会议召开", "夏季食品安全检查", "草稿：杜建强调研"}
    assert "草稿" in response.content.decode()


@pytest.mark.django_db
def test_edits_reindex_the_draft(client, make_article, editor, committed):
    with committed():
        article = make_article(title="初稿", body="<p>内容待定。</p>")
    client.force_login(editor)
    url = reverse("desk:search")
    assert titles(client.get(url, {"q": "河长制"})) == []
    article.body = "<p>改为河长制工作。</p>"
    with committed():
        article.save()
    assert titles(client.get(url, {"q": "河长制"})) == ["初稿"]


@pytest.mark.django_db
def test_readers_see_the_published_revision_not_later_edits(client, publish, committed):
    issue = publish(2021, 4, [("全区河长制工作会议召开", RIVER, "时政要点", datetime.date(2021, 4, 3))])
    article = issue.placements.get().article
    article.body = "<p>发布后改写：黄河湿地。</p>"
    with committed():
        article.save()
    url = reverse("reader:search")
    assert titles(client.get(url, {"q": "河长制"})) == ["全区河长制工作会议召开"]
    assert titles(client.get(url, {"q": "黄河湿地"})) == []


@pytest.mark.django_db
def test_rebuild_command(corpus, client):
    from django.core.management import call_command

    from bulletin.search.models import ArticleIndex

    ArticleIndex.objects.all().delete()
    assert titles(client.get(reverse("reader:search"), {"q": "杜建强"})) == []
    call_command("rebuild_search_index")
    assert ArticleIndex.objects.count() == 3
    assert titles(client.get(reverse("reader:search"), {"q": "杜建强"})) == ["全区河长制工作会议召开"]


@pytest.mark.django_db
def test_search_box_in_header(client, publication):
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html


@pytest.mark.django_db
def test_query_goes_through_the_fulltext_index(corpus):
    from django.db import connection

    from bulletin.search.models import ArticleIndex
    from bulletin.search.query import search

    parsed, results = search(ArticleIndex.objects.all(), "河长制 会议")
    sql, _ = results.query.sql_with_params()
    assert ("MATCH" in sql) if connection.vendor == "sqlite" else ("@@" in sql)
    assert [r.title for r in results] == ["全区河长制工作会议召开"]
    # Words need not be adjacent: both must occur, in any order.
    assert [r.title for r in search(ArticleIndex.objects.all(), "会议 河长制")[1]] == ["全区河长制工作会议召开"]


@pytest.mark.django_db
def test_a_title_match_ranks_above_body_mentions(client, publish):
    # From the 2020-10 sample: 河长制 is three unknown characters to jieba, so the full-text rank
    # counts 河/长/制, and an article about a river (河 in its title, 河长 all over the body)
    # outranked the one titled with the query itself.
    river_patrol = (
        "<p>9月24日，区副总河长、须水河河长杜建强到须水河开展巡河调研，听取河长制落实情况汇报。"
        "杜建强沿河察看河道保洁、河岸整治，要求各级河长巡河到位，河道长治久清。</p>"
    )
    MEETING = (
        "<p>9月18日，中原区召开工作推进会，区领导王泰峰出席会议并讲话。会议通报了前一阶段工作"
        "开展情况，分析了存在的问题，安排部署了下一步重点工作。各街道办事处、区直有关单位主要负责人"
        "参加会议。会议要求，各单位要提高思想认识，压实工作责任，确保各项任务按期完成。</p>"
    )
    publish(2020, 10, [
        ("杜建强到须水河开展巡河调研", river_patrol, "时政要点", datetime.date(2020, 9, 24)),
        ("中原区召开河长制工作推进会", MEETING, "时政要点", datetime.date(2020, 9, 18)),
    ])
    assert titles(client.get(reverse("reader:search"), {"q": "河长制"})) == [
        "中原区召开河长制工作推进会", "杜建强到须水河开展巡河调研",
    ]


@pytest.mark.django_db
def test_full_width_letters_and_digits_match_their_ascii_forms(client, publish):
    # A Chinese IME in full-width mode types ＴＯＤ and ２０２０; articles pasted from Word have
    # both forms too. Either form finds either.
    publish(2020, 10, [
        ("轨道交通TOD开发", "<p>9月17日，坚持以轨道交通为引领的TOD开发建设。</p>", "时政要点",
         datetime.date(2020, 9, 17)),
        ("全角数字的稿件", "<p>９月１０日，召开２０２０年孕产妇健康服务管理工作培训会。</p>", "民生视点",
         datetime.date(2020, 9, 10)),
    ])
    url = reverse("reader:search")
    assert titles(client.get(url, {"q": "ＴＯＤ"})) == ["轨道交通TOD开发"]
    assert titles(client.get(url, {"q": "tod开发"})) == ["轨道交通TOD开发"]
    assert titles(client.get(url, {"q": "2020年孕产妇"})) == ["全角数字的稿件"]
    assert titles(client.get(url, {"q": "２０２０年"})) == ["全角数字的稿件"]
    assert "<mark>2020年</mark>" in client.get(url, {"q": "２０２０年"}).content.decode()


@pytest.mark.django_db
def test_pages_link_to_each_other_without_piling_up_page_parameters(client, publish):
    publish(2021, 4, [
        (f"河长制巡查第{n}次", RIVER, "时政要点", datetime.date(2021, 4, 3)) for n in range(45)
    ])
    url = reverse("reader:search")
    first = client.get(url, {"q": "河长制"})
    assert first.context["page"].paginator.num_pages == 3 and len(titles(first)) == 20
    second = client.get(url, {"q": "河长制", "page": 2})
    html = second.content.decode()
    links = re.findall(r'<nav class="pager".*?</nav>', html, re.S)[0]
    hrefs = re.findall(r'href="([^"]+)"', links)
    assert len(hrefs) == 2
    for href in hrefs:
        assert href.count("page=") == 1, href
    third = client.get(url + hrefs[1].replace("&amp;", "&"))
    assert third.context["page"].number == 3 and len(titles(third)) == 5
    assert not set(titles(third)) & (set(titles(first)) | set(titles(second)))


@pytest.mark.django_db
def test_fulltext_rank_is_one_match_per_query_not_one_per_row(corpus):
    # SQLite computed bm25 in a correlated subquery, one FTS5 MATCH per candidate row: a common
    # word took 1.2 s over 2000 articles (bench/search.py). One joined MATCH ranks every row.
    from django.db import connection

    from bulletin.search.models import ArticleIndex
    from bulletin.search.query import search

    _parsed, results = search(ArticleIndex.objects.all(), "会议")
    sql, _ = results.query.sql_with_params()
    if connection.vendor == "sqlite":
        assert sql.count("MATCH") == 1 and "bm25" in sql
    else:
        assert sql.count("@@") == 1 and "ts_rank" in sql
    assert "SELECT -bm25" not in sql  # no per-row subquery
    assert [r.title for r in results] == ["全区河长制工作会议召开"]


@pytest.mark.django_db
def test_a_rolled_back_edit_leaves_the_index_as_it_was(client, make_article, editor, committed):
    from django.db import transaction

    def failing(write):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                write()
                raise RuntimeError("the desk's save failed")

    with committed():
        failing(lambda: make_article(title="作废稿", body="<p>河长制工作。</p>"))
        # Saved after a rolled-back savepoint in the same transaction: still indexed.
        article = make_article(title="初稿", body="<p>内容待定。</p>")
    article.body = "<p>改为河长制工作。</p>"
    with committed():
        failing(article.save)
    client.force_login(editor)
    url = reverse("desk:search")
    assert titles(client.get(url, {"q": "河长制"})) == []
    assert titles(client.get(url, {"q": "内容待定"})) == ["初稿"]


@pytest.mark.django_db
def test_publishing_indexes_each_article_once_with_a_fixed_number_of_queries(
    publication, signed_off_issue, head, django_capture_on_commit_callbacks, monkeypatch
):
    """Publishing saves the issue, which asks for all its articles to be reindexed; that
    happens once, in one batch, when the transaction commits, and its queries do not grow
    with the number of articles."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bulletin.search import index as search
    from bulletin.search import signals as search_signals

    batches = []
    index_rows = search.index_rows
    monkeypatch.setattr(search, "index_rows", lambda ids, *a: batches.append(sorted(ids)) or index_rows(ids, *a))
    queries = {}
    for count, month in ((2, 10), (6, 11)):
        with django_capture_on_commit_callbacks(execute=True):  # assembling commits first
            issue = signed_off_issue(count=count, month=month)
        with django_capture_on_commit_callbacks() as callbacks:
            publish_issue(issue, by=head)
        assert Article.objects.filter(placements__issue=issue, search_index__issue=issue).count() == 0
        batches.clear()
        with CaptureQueriesContext(connection) as captured:
            for callback in callbacks:
                if isinstance(callback, search_signals._Batch):
                    callback()
        assert batches == [sorted(issue.placements.values_list("article_id", flat=True))]
        queries[count] = len(captured)
        for article in Article.objects.filter(placements__issue=issue):
            assert article.search_index.issue_id == issue.pk
    assert queries[6] == queries[2]
