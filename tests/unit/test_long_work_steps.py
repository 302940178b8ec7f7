"""The long parts of the back-issue import and the chronicle exports report their progress
(done, total, a Chinese step), build without a request (a visibility scope instead of a reader),
and the import service itself refuses a user who does not work in the publication."""

from __future__ import annotations

import datetime

import pytest

from bulletin import chronicle as chron
from bulletin.importing.service import IssueImportError, import_parsed_issue, request_replacement
from bulletin.models import Issue, IssueArticle, Publication, Section, Visibility
from bulletin.publishing import publish_back_issue
from editorial.models import Article, PublicationMembership
from tests.conftest import BACK_ISSUE_SERIES_START, start_series_at
from tests.unit.test_import_quality import TITLES, issue_text, parse_issue_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def publication(publication):
    return start_series_at(publication, BACK_ISSUE_SERIES_START)


def recorder():
    steps = []

    def progress(done, total, message):
        assert 0 <= done <= total
        steps.append((done, total, message))

    progress.steps = steps
    return progress


def test_the_import_reports_each_article_and_ends_complete(publication, editor):
    parsed = parse_issue_file(issue_text().encode(), "issue.txt", publication=publication)
    progress = recorder()
    issue = import_parsed_issue(parsed, publication=publication, by=editor, progress=progress)
    assert issue.placements.count() == len(TITLES)
    done = [d for d, _t, _m in progress.steps]
    assert done == sorted(done) and progress.steps[-1][0] == progress.steps[-1][1]
    messages = [m for _d, _t, m in progress.steps]
    assert f"正在写入文章（1/{len(TITLES)}）：{TITLES[0]}" in messages
    assert messages[-1] == "导入完成"


def test_the_import_service_refuses_a_publication_the_user_does_not_work_in(publication, editor, reader):
    other = Publication.objects.create(name="测试区志鉴通讯", slug="test-zjtx")
    Section.objects.create(publication=other, name="工作动态", position=1)
    # Adding a second publication made the editor a member of the first; now the other only.
    PublicationMembership.objects.filter(user=editor).delete()
    PublicationMembership.objects.create(user=editor, publication=other)
    parsed = parse_issue_file(issue_text().encode(), "issue.txt", publication=publication)
    with pytest.raises(IssueImportError, match="不是《测试区大事月报》的成员"):
        import_parsed_issue(parsed, publication=publication, by=editor)
    with pytest.raises(IssueImportError, match="不是《测试区大事月报》的成员"):
        request_replacement(b"x", "x.txt", parsed, publication=publication, by=editor)
    with pytest.raises(IssueImportError, match="权限"):
        import_parsed_issue(parsed, publication=publication, by=reader)
    assert not Issue.objects.exists() and not Article.objects.exists()


@pytest.fixture
def two_issues(publication, make_article):
    made = []
    for serial, (month, visibility) in zip((96, 95), ((3, Visibility.PUBLIC), (9, Visibility.INTERNAL)), strict=True):
        publication.refresh_from_db()
        issue = Issue.objects.create(publication=publication, year=2021, month=month, visibility=visibility)
        article = make_article(title=f"{month}月稿", event_date=datetime.date(2021, month, 5),
                               status=Article.Status.APPROVED, body=f"<p>{month}月的第一句。第二句。</p>")
        IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=0)
        made.append(publish_back_issue(issue, year_number=month, serial_number=serial))
    return made


def test_a_chronicle_is_built_for_a_scope_and_its_version_follows_its_content(publication, two_issues, reader):
    start, end = datetime.date(2021, 1, 1), datetime.date(2021, 12, 31)
    public = chron.chronicle_for(publication, start, end, chron.PUBLIC)
    internal = chron.chronicle_for(publication, start, end, chron.INTERNAL)
    assert [e.title for e in public.entries] == ["3月稿"]
    assert [e.title for e in internal.entries] == ["3月稿", "9月稿"]
    assert chron.scope_of(reader) == chron.INTERNAL and chron.scope_of(None) == chron.PUBLIC

    base = "http://example.org/"
    version = chron.content_version(public, chron.PDF, base)
    assert version == chron.content_version(chron.chronicle_for(publication, start, end, chron.PUBLIC), chron.PDF, base)
    assert version != chron.content_version(public, chron.DOCX, base)
    assert version != chron.content_version(internal, chron.PDF, base)
    # An internal issue made public changes the public chronicle, hence its version.
    Issue.objects.filter(pk=two_issues[1].pk).update(visibility=Visibility.PUBLIC)
    changed = chron.chronicle_for(publication, start, end, chron.PUBLIC)
    assert chron.content_version(changed, chron.PDF, base) != version


def test_the_word_export_reports_progress(publication, two_issues):
    chronicle = chron.chronicle_for(publication, datetime.date(2021, 1, 1), datetime.date(2021, 12, 31), chron.INTERNAL)
    progress = recorder()
    data = chron.export(chronicle, chron.DOCX, "http://example.org/", progress)
    assert data.startswith(b"PK")
    assert progress.steps[0][2] == "正在生成 Word 文档"
    assert progress.steps[-1][0] == progress.steps[-1][1] and progress.steps[-1][2] == "Word 文档已生成"
