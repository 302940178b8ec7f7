"""Publishing costs a fixed number of queries whatever the number of articles (issue #15): the
latest revisions are read in one query, the pins written in one UPDATE, the search index and
the public pages renewed once per publish, not once per article. Real commits, so that what
runs once the publish has committed (indexing, the pages' generation) is counted too; on
PostgreSQL the history tables' triggers are live."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulletin import public_pages
from bulletin.models import Issue, IssueArticle, IssueEvent, SignOff
from bulletin.publishing import issue_fingerprint, publish_issue
from bulletin.search.models import ArticleIndex
from editorial.models import Article, Revision

pytestmark = pytest.mark.django_db(transaction=True)


def published_counting(issue, head):
    with CaptureQueriesContext(connection) as captured:
        issue = publish_issue(issue, by=head)
    return issue, len(captured.captured_queries)


def test_publishing_asks_the_same_queries_for_5_and_30_articles(signed_off_issue, head, settings):
    settings.BULLETIN_PDF_ON_PUBLISH = "off"
    publish_issue(signed_off_issue(month=9, count=2), by=head)  # first use: the pages' token row
    few, few_queries = published_counting(signed_off_issue(month=10, count=5), head)
    generation = public_pages.generation()
    many, many_queries = published_counting(signed_off_issue(month=11, count=30), head)
    assert many_queries == few_queries, (few_queries, many_queries)
    assert many_queries <= 60

    # And it still does what publishing did one article at a time.
    assert (many.year_number, many.serial_number) == (few.year_number + 1, few.serial_number + 1)
    placements = list(many.placements.select_related("article", "revision"))
    assert len(placements) == 30
    for placement in placements:
        article, revision = placement.article, placement.revision
        assert article.status == Article.Status.PUBLISHED
        assert revision == article.revisions.order_by("-number").first()
        assert (revision.title, revision.body) == (article.title, article.body)
    assert list(many.events.filter(action=IssueEvent.Action.PUBLISHED).values_list("comment", flat=True)) == [
        f"第{many.year_number}期，总第{many.serial_number}期"
    ]
    assert set(ArticleIndex.objects.filter(article__placements__issue=many).values_list("issue_id", "year")) == {
        (many.pk, 2020)
    }
    assert public_pages.generation() != generation


def test_an_article_whose_text_has_no_revision_yet_gets_one_pinned(publication, editor, head, settings):
    """Publishing pins the revision matching each article's current text, writing it for an
    article whose latest revision is older (changed outside the services) or missing."""
    settings.BULLETIN_PDF_ON_PUBLISH = "off"
    issue = Issue.objects.create(publication=publication, year=2020, month=10)
    articles = []
    for n, section in enumerate(["本期焦点", "时政要点", "时政要点"]):
        article = Article.objects.create(
            publication=publication, section=publication.sections.get(name=section), title=f"稿件{n + 1}",
            event_date=datetime.date(2020, 10, 1), body=f"<p>正文{n + 1}。</p>", author=editor,
            last_edited_by=editor, status=Article.Status.APPROVED,
        )
        if n < 2:  # the third one has no revision at all
            Revision.objects.create(article=article, number=1, title=article.title, event_date=article.event_date,
                                    section_id=article.section_id, body=article.body, created_by=editor)
        IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
        articles.append(article)
    # The second one's latest revision is older than its text.
    Article.objects.filter(pk=articles[1].pk).update(body="<p>正文2，改过。</p>")
    issue.focus_article = articles[0]
    issue.status = Issue.Status.SIGNED_OFF
    issue.save()
    SignOff.objects.create(issue=issue, signed_by=head, content_hash=issue_fingerprint(issue))

    publish_issue(issue, by=head)
    pinned = {p.article_id: p.revision for p in IssueArticle.objects.filter(issue=issue).select_related("revision")}
    assert pinned[articles[0].pk].number == 1
    assert (pinned[articles[1].pk].number, pinned[articles[1].pk].body) == (2, "<p>正文2，改过。</p>")
    assert (pinned[articles[2].pk].number, pinned[articles[2].pk].body) == (1, "<p>正文3。</p>")
    assert pinned[articles[1].pk].created_by == editor  # the last editor, as one at a time did
