"""Shared fixtures: a publication with the sample's sections, one user per role, and the
issue files the import tests read (the tests' own issue, and the office's real one if present)."""

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

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
    # throttling, config/login_guard.py) must not lock out a later test in the same worker.
    from django.core.cache import cache

    from config.pagecache import local
    from reader.views.pages import local_shells

    cache.clear()
    local.clear()  # each worker's own copies of cached pages (config/pagecache.py)
    local_shells.clear()


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
        permit_number="测内资准字（2020）第001号",
        printer="测试区机关印刷厂",
        print_run=300,
        default_visibility=Visibility.PUBLIC,
        first_serial_number=97,
    )
    for index, name in enumerate(SECTION_NAMES):
        Section.objects.create(publication=pub, name=name, position=index + 1, required=index == 0)
    ReviewLevel.objects.create(publication=pub, level=1, name="审核", group=role_group("approver"))
    return pub


# Bulletin's own series of the import tests' publication: the back issues the test files carry
# (总第97–115期, the office's sample 总第97期) lie below it, as back issues must.
BACK_ISSUE_SERIES_START = 200


def start_series_at(publication, first_serial_number):
    """Set where Bulletin's own numbering starts (the admin's 起始总期号) and return the publication."""
    type(publication).objects.filter(pk=publication.pk).update(first_serial_number=first_serial_number)
    publication.refresh_from_db()
    return publication


def drop_sign_offs(issue_or_queryset):
    """Test set-up shortcut: remove sign-offs made by the signed_off_issue fixture (history is
    append-only: on PostgreSQL only inside common.history.deleting_history)."""
    from bulletin.models import SignOff
    from common.history import deleting_history

    with deleting_history():
        qs = issue_or_queryset if hasattr(issue_or_queryset, "model") else SignOff.objects.filter(issue=issue_or_queryset)
        qs.delete()


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
    from bulletin.models import Issue, IssueArticle, SignOff
    from bulletin.publishing import issue_fingerprint
    from editorial.models import Article

    def make(year=2020, month=10, count=2, pub=None, visibility=None):
        pub = pub or publication
        issue = Issue.objects.create(publication=pub, year=year, month=month, visibility=visibility or "")
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


# ---------------------------------------------------------------------------------------------
# Issue files for the import tests. The tests' own issue (tests/data/issue-sample.txt, invented
# text shaped like the office's real issues) is always there; the office's real sample lives
# beside the repository in ../shared/seed/ and is an extra check where it exists.

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SampleIssue:
    """An issue file and what a person reading it knows, independently of the importer."""

    path: Path
    publication_name: str
    office: str
    year: int
    month: int
    serial_number: int
    year_number: int | None  # 第N期 if the masthead gives one (never the month made into one)
    publication_date: datetime.date
    section_counts: dict  # section -> number of articles, in the file's order
    wrapped_title: str  # wrapped in a TOC table row ("… 集体学习"): stored without the space
    spaced_title: str  # a space that the TOC and the body agree on: kept
    focus_title: str
    focus_date: datetime.date
    focus_words: str  # a search for these finds the focus article alone
    spaced_date_words: str  # in the title of the article whose date is written "9 月 10 日"
    spaced_date: datetime.date
    rejoined_title: str  # an article whose one paragraph a page break split in the file
    rejoined_start: str
    undated_title: str  # starts with a year and season, not a day: the importer warns
    colophon: dict  # distribution_scope: its beginning

    @property
    def article_count(self) -> int:
        return sum(self.section_counts.values())

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


OWN_ISSUE = SampleIssue(
    path=REPO_ROOT / "tests" / "data" / "issue-sample.txt",
    publication_name="桐湾区大事月报",
    office="桐湾区地方史志办公室",
    year=2021,
    month=10,
    serial_number=109,
    year_number=10,
    publication_date=datetime.date(2021, 10, 14),
    section_counts={"本期焦点": 1, "时政要点": 5, "创文看点": 2, "经济热点": 1, "文化亮点": 1, "民生视点": 3},
    wrapped_title="桐湾区委理论学习中心组召开2021年度第八次集体学习",
    spaced_title="守护一江清水 共建美丽桐湾",
    focus_title="桐湾区滨江科创走廊首批项目集中入驻",
    focus_date=datetime.date(2021, 9, 16),
    focus_words="滨江科创走廊",
    spaced_date_words="防汛抗旱",
    spaced_date=datetime.date(2021, 9, 6),
    rejoined_title="守护一江清水 共建美丽桐湾",
    rejoined_start="9月10日，",
    undated_title="桐湾区长者食堂秋季菜单上新",
    colophon={
        "confidentiality_notice": "内部资料 注意保存",
        "distribution_scope": "区委常委，区人大常委会主任、副主任，区政府副区长，区政协主席、副主席，"
        "区委各部门，区直各单位，各街道党工委、办事处",
        "sponsor": "桐湾区人民政府",
        "publisher": "桐湾区地方史志办公室",
        "phone": "0123-45678901",
        "email": "twqszb@example.org",
    },
)

SHARED_SAMPLE = SampleIssue(
    path=REPO_ROOT.parent / "shared" / "seed" / "sample-issue-2020-10.txt",
    publication_name="中原区大事月报",
    office="中原区地方史志办公室",
    year=2020,
    month=10,
    serial_number=97,
    year_number=None,
    publication_date=datetime.date(2020, 10, 15),
    section_counts={"本期焦点": 1, "时政要点": 17, "创文看点": 3, "经济热点": 1, "文化亮点": 1, "民生视点": 4},
    wrapped_title="中原区委理论学习中心组召开2020年度第九次集体学习",
    spaced_title="创建食品安全区 共享共建食安中原",
    focus_title="徐立毅出席芝麻街双创园开园仪式",
    focus_date=datetime.date(2020, 9, 17),
    focus_words="芝麻街双创园",
    spaced_date_words="教师节",
    spaced_date=datetime.date(2020, 9, 10),
    rejoined_title="创建食品安全区 共享共建食安中原",
    rejoined_start="9月7日，",
    undated_title="中原区市场监管局开展秋季学校食堂监管工作",
    colophon={
        "confidentiality_notice": "内部资料 注意保存",
        "distribution_scope": "区委常委",
        "sponsor": "中原区人民政府",
        "publisher": "中原区地方史志办公室",
        "phone": "0371-61290268",
        "email": "zyqdfzyyy@163.com",
    },
)


# The office's real sample, when present, is one more parameter of `sample_issue`: a lone clone
# collects those tests once (on its own issue) and reports one skip, `shared_sample`'s.
ISSUE_FILES = [OWN_ISSUE] + ([SHARED_SAMPLE] if SHARED_SAMPLE.path.exists() else [])


@pytest.fixture(scope="session")
def own_issue() -> SampleIssue:
    """The tests' own issue: always in the repository."""
    assert OWN_ISSUE.path.exists(), f"the tests' own issue is missing: {OWN_ISSUE.path}"
    return OWN_ISSUE


@pytest.fixture(
    scope="session",
    params=ISSUE_FILES,
    ids=lambda issue: "own-issue" if issue is OWN_ISSUE else "shared-sample",
)
def sample_issue(request) -> SampleIssue:
    """Each issue file in turn: the tests' own, then the office's real sample if it is beside
    the repository."""
    return request.param


@pytest.fixture(scope="session")
def shared_sample() -> SampleIssue:
    """The office's real sample, or a skip that says where it was looked for."""
    if not SHARED_SAMPLE.path.exists():
        pytest.skip(
            f"the office's real issue is not beside this checkout ({SHARED_SAMPLE.path}): the "
            "import tests ran on the tests' own issue only (tests/data/issue-sample.txt)"
        )
    return SHARED_SAMPLE


def form_data(article, **overrides):
    """What the desk's article form posts for `article` as it stands, with `overrides`."""
    data = {
        "title": article.title,
        "event_date": article.event_date.isoformat() if article.event_date else "",
        "section": article.section_id,
        "body": article.body,
        "version": article.version,
    }
    data.update(overrides)
    return data
