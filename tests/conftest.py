"""Shared fixtures: a publication with the sample's sections, and one user per role."""

import os

import pytest
from django.contrib.auth.models import Group

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# in a thread with a running loop unless told this is fine (it is: tests are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SECTION_NAMES = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
    # Tests that publish do not render PDFs in background threads; PDF tests opt in ("sync").
    settings.BULLETIN_PDF_ON_PUBLISH = "off"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Every test client comes from 127.0.0.1: failed logins counted by one test (login
    # throttling, bulletin/login_guard.py) must not lock out a later test in the same worker.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def publication(db):
    from bulletin.models import Publication, Section, Visibility
    from editorial.models import ReviewLevel

    pub = Publication.objects.create(
        name="测试区大事月报",
        slug="test-dsyb",
        sponsor="测试区人民政府",
        publisher="测试区地方史志办公室",
        phone="0371-12345678",
        email="office@example.org",
        distribution_scope="区委、区政府各部门",
        default_visibility=Visibility.PUBLIC,
        first_serial_number=97,
    )
    for index, name in enumerate(SECTION_NAMES):
        Section.objects.create(publication=pub, name=name, position=index + 1, required=index == 0)
    ReviewLevel.objects.create(publication=pub, level=1, name="审核", group=role_group("approver"))
    return pub


def role_group(name):
    # The role groups come from a data migration; the flush after a transaction=True (browser)
    # test deletes them, so later tests in the same run recreate them.
    return Group.objects.get_or_create(name=name)[0]


def make_user(username, *roles, **extra):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, password="pw-" + username, **extra)
    for role in roles:
        user.groups.add(role_group(role))
    return user


@pytest.fixture
def editor(db):
    return make_user("editor", "editor", first_name="李编辑")


@pytest.fixture
def editor2(db):
    return make_user("editor2", "editor", first_name="王编辑")


@pytest.fixture
def approver(db):
    return make_user("approver", "approver", first_name="赵审核")


@pytest.fixture
def head(db):
    return make_user("head", "head", first_name="陈主任")


@pytest.fixture
def reader(db):
    return make_user("reader", "reader", first_name="周读者")


@pytest.fixture
def outsider(db):
    return make_user("outsider")


@pytest.fixture
def make_article(publication, editor):
    """Create an article (with its first revision) in a section of the test publication."""
    import datetime

    from editorial.models import Article
    from editorial.revisions import record_revision

    def make(title="测试稿件", section="时政要点", status=Article.Status.DRAFT, author=None, body=None, **kw):
        author = author or editor
        article = Article.objects.create(
            publication=publication,
            section=publication.sections.get(name=section),
            title=title,
            event_date=kw.pop("event_date", datetime.date(2020, 9, 17)),
            body=body if body is not None else f"<p>9月17日，{title}的正文。</p>",
            author=author,
            last_edited_by=author,
            status=status,
            **kw,
        )
        record_revision(article, by=author)
        return article

    return make


@pytest.fixture
def signed_off_issue(publication, make_article, head):
    """Build a signed-off issue for a month: approved articles placed, focus set, sign-off recorded."""
    from bulletin.models import Issue, IssueArticle
    from editorial.models import Article, SignOff
    from editorial.signoff import issue_fingerprint

    def make(year=2020, month=10, count=2, pub=None):
        pub = pub or publication
        issue = Issue.objects.create(publication=pub, year=year, month=month)
        for n in range(count):
            article = make_article(
                title=f"{year}年{month}月 稿件{n + 1}",
                section="本期焦点" if n == 0 else "时政要点",
                status=Article.Status.APPROVED,
            )
            IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
            if n == 0:
                issue.focus_article = article
        issue.status = Issue.Status.SIGNED_OFF
        issue.save()
        SignOff.objects.create(issue=issue, signed_by=head, content_hash=issue_fingerprint(issue))
        return issue

    return make
