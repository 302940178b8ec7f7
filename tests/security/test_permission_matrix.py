"""The permission matrix (issue #10, "Tests that keep it so"): every desk action, the admin and
the reader pages, GET and POST, for each kind of visitor. The expected outcome of each cell is in
the tables below; for a POST the database says whether the action happened.

Outcomes:
    ok       the page is shown (200), or the action was done (and the database shows it)
    login    sent to the login page (desk: /accounts/login/, admin: the admin's login)
    403      refused with the 403 page (JSON 403 for script endpoints)
    404      not found (the reader does not reveal what it may not show)
    refused  a desk user whose role may not do it: back to a page with a message, nothing changed
    away     a desk user sent elsewhere with a message (GET of a page their role does not use)
    read-only  (admin) the change page is shown without a save button
    ok+internal  (reader) the page shows the published internal issue's articles or address

Tables run on one shared world per test (the reader's and the admin's whole tables in one test
each: building the world is the expensive part); POST cells each run in a savepoint rolled back
after the request, with the world's rows reloaded before the next.
"""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Erratum, Issue, IssueArticle
from editorial.models import Article, Comment, Image
from tests.conftest import OWN_ISSUE, drop_sign_offs, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anon", "reader", "nogroup", "staff", "editor", "editor2", "approver", "head", "superuser"]
DESK = ("editor", "editor2", "approver", "head", "superuser")


def row(anon="login", reader="403", nogroup="403", staff="403", editor="ok", editor2="ok",
        approver="ok", head="ok", superuser="ok"):
    return dict(anon=anon, reader=reader, nogroup=nogroup, staff=staff, editor=editor, editor2=editor2,
                approver=approver, head=head, superuser=superuser)


DESK_PAGE = row()  # any desk role reads it; others are refused, anonymous visitors log in first


# ---------------------------------------------------------------------------------------------
# State: one world per test, built with the shared fixtures.


class World:
    pass


@pytest.fixture
def world(publication, editor, editor2, approver, head, reader, outsider, make_article, signed_off_issue):
    w = World()
    w.users = {
        "anon": None,
        "reader": reader,
        "nogroup": outsider,
        "staff": make_user("staff", is_staff=True),
        "editor": editor,
        "editor2": editor2,
        "approver": approver,
        "head": head,
        "superuser": get_user_model().objects.create_superuser("root", password="pw-root"),
    }
    w.publication = publication
    w.draft = make_article(title="草稿一篇")  # by editor
    w.draft2 = make_article(title="草稿两篇")
    w.submitted = make_article(title="待审一篇")
    publishing_submit = __import__("editorial.workflow", fromlist=["submit"]).submit
    publishing_submit(w.submitted, by=editor, version=w.submitted.version)
    w.approved = make_article(title="已审一篇", status=Article.Status.APPROVED)
    w.published = signed_off_issue(year=2020, month=10)
    publishing.publish_issue(w.published, by=editor)
    w.published.refresh_from_db()
    w.internal = signed_off_issue(year=2020, month=11, visibility="internal")
    publishing.publish_issue(w.internal, by=editor)
    w.internal.refresh_from_db()
    w.signed = signed_off_issue(year=2020, month=12)
    w.submitted_issue = signed_off_issue(year=2021, month=1)
    # Submitted by editor: the head may sign it off (four eyes).
    from bulletin.models import SignOff
    drop_sign_offs(SignOff.objects.filter(issue=w.submitted_issue))
    Issue.objects.filter(pk=w.submitted_issue.pk).update(status=Issue.Status.DRAFT)
    w.submitted_issue.refresh_from_db()
    publishing.submit_for_sign_off(w.submitted_issue, by=editor)
    w.submitted_issue.refresh_from_db()
    w.draft_issue = Issue.objects.create(publication=publication, year=2021, month=2)
    w.erratum = publishing.propose_erratum(w.published, text="第2页“稿件”应为“稿子”。", by=editor)
    return w


def client_for(world, role):
    client = Client(raise_request_exception=False)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def outcome(response, *, admin=False):
    code = response.status_code
    if code in (301, 302):
        location = response["Location"]
        if "/accounts/login/" in location or (admin and "/login/" in location):
            return "login"
        return "redirect"
    if code in (200, 400, 409):
        return "ok" if code == 200 else f"ok{code}"
    return str(code)


# ---------------------------------------------------------------------------------------------
# GET: desk pages


def _a(name, attr):
    return lambda w: reverse(name, args=[getattr(w, attr).pk])


def _editors_note(w):
    from office.models import Notification

    return Notification.objects.create(
        recipient=w.users["editor"], kind=Notification.Kind.ARTICLE_APPROVED, text="《已审一篇》已审核通过。",
        link=reverse("desk:article_detail", args=[w.approved.pk]),
    )


BACK_ISSUE = """\
测试区大事月报

2019年3月
(总第 50 期)

测试区地方史志办公室

2019年3月15日

时政要点

区政府召开春耕生产部署会

3月2日，区政府召开春耕生产部署会。
"""


def _replacement(w):
    """A pending request (by the editor) to replace an imported back issue; made on first use."""
    from bulletin.importing.parser import parse_text
    from bulletin.importing.service import import_parsed_issue, request_replacement

    names = list(w.publication.sections.values_list("name", flat=True))
    if not Issue.objects.filter(serial_number=50).exists():
        import_parsed_issue(parse_text(BACK_ISSUE, known_sections=names), publication=w.publication,
                            by=w.users["editor"])
    text = BACK_ISSUE.replace("春耕生产", "春季植树")
    w.replacement = request_replacement(text.encode(), "new.txt", parse_text(text, known_sections=names),
                                        publication=w.publication, by=w.users["editor"])
    return w.replacement


def _replacement_url(name):
    return lambda w: reverse(name, args=[(getattr(w, "replacement", None) or _replacement(w)).pk])


def _failed_pdf_job(w):
    """A render job of the published issue that failed (the system started it: no requester)."""
    from bulletin.models import BackgroundJob

    job = getattr(w, "pdf_job", None)
    if job is None or not BackgroundJob.objects.filter(pk=job.pk).exists():
        job = w.pdf_job = BackgroundJob.objects.create(
            kind="issue_pdf", params={"issue": w.published.pk}, params_key="matrix", status="failed",
            failure="内部错误（OSError），详情见后台日志。可以重试。",
        )
    return job


def _job_url(name):
    return lambda w: reverse(name, args=[_failed_pdf_job(w).pk])


# Jobs: any desk role opens the list; one job is seen by its requester and the roles of its
# kind (the PDF's: editors and heads, not the approver).
JOB_PAGE = row(approver="403")

DESK_GETS = {
    "job_list": (lambda w: reverse("desk:job_list"), DESK_PAGE),
    "job_detail": (_job_url("desk:job_detail"), JOB_PAGE),
    "job_state": (_job_url("desk:job_state"), JOB_PAGE),
    "dashboard": (lambda w: reverse("desk:dashboard"), DESK_PAGE),
    "review_queue": (lambda w: reverse("desk:review_queue"), DESK_PAGE),
    "search": (lambda w: reverse("desk:search") + "?q=稿件", DESK_PAGE),
    "article_list": (lambda w: reverse("desk:article_list"), DESK_PAGE),
    "article_new": (lambda w: reverse("desk:article_new"),
                    row(approver="redirect", head="redirect")),
    "article_detail": (_a("desk:article_detail", "draft"), DESK_PAGE),
    "article_edit": (_a("desk:article_edit", "draft"), DESK_PAGE),
    # A submitted article stays editable on the desk (reviewers correct it while reviewing).
    "article_edit_submitted": (_a("desk:article_edit", "submitted"), DESK_PAGE),
    "article_compare": (_a("desk:article_compare", "draft"), DESK_PAGE),
    "issue_list": (lambda w: reverse("desk:issue_list"), DESK_PAGE),
    "calendar": (lambda w: reverse("desk:calendar"), DESK_PAGE),
    "calendar_address": (lambda w: reverse("desk:calendar_address"),
                         row(editor="405", editor2="405", approver="405", head="405", superuser="405")),
    # The feed needs no sign-in: its secret address is the key; a wrong one is not found.
    "calendar_feed": (lambda w: reverse("desk:calendar_feed", args=["not-a-token"]),
                      row(anon="404", reader="404", nogroup="404", staff="404", editor="404", editor2="404",
                          approver="404", head="404", superuser="404")),
    # 消息: one's own notifications; another person's is not found.
    "notifications": (lambda w: reverse("desk:notifications"), DESK_PAGE),
    "notification_settings": (lambda w: reverse("desk:notification_settings"), DESK_PAGE),
    "notification_open": (lambda w: reverse("desk:notification_open", args=[_editors_note(w).pk]),
                          row(editor="redirect", editor2="404", approver="404", head="404", superuser="404")),
    "notifications_read": (lambda w: reverse("desk:notifications_read"),
                           row(editor="405", editor2="405", approver="405", head="405", superuser="405")),
    "issue_detail": (_a("desk:issue_detail", "draft_issue"), DESK_PAGE),
    "issue_preview": (_a("desk:issue_preview", "signed"), DESK_PAGE),
    "issue_signoff": (_a("desk:issue_signoff", "submitted_issue"), DESK_PAGE),
    "import_upload": (lambda w: reverse("desk:import_upload"), row(approver="403")),
    "import_done": (_a("desk:import_done", "published"), row(approver="403")),
    "import_replacements": (lambda w: reverse("desk:import_replacements"), row(approver="403")),
    "import_replacement": (_replacement_url("desk:import_replacement"), row(approver="403")),
    "missing_article": (lambda w: reverse("desk:article_detail", args=[999999]),
                        row(editor="404", editor2="404", approver="404", head="404", superuser="404")),
    # Script endpoints answer GET with 405 once the role is checked.
    "article_autosave": (_a("desk:article_autosave", "draft"),
                         row(editor="405", editor2="405", approver="405", head="405", superuser="405")),
    "article_autosave_new": (lambda w: reverse("desk:article_autosave_new"),
                             row(editor="405", editor2="405", approver="403", head="403", superuser="405")),
    "issue_schedule": (_a("desk:issue_schedule", "signed"),
                       row(editor="403", editor2="403", approver="403", head="405", superuser="405")),
    "issue_publish": (_a("desk:issue_publish", "signed"),
                      row(editor="405", editor2="405", approver="405", head="405", superuser="405")),
    "image_upload": (lambda w: reverse("desk:image_upload"),
                     row(reader="403", editor="405", editor2="405", approver="405", head="405", superuser="405")),
}


@pytest.mark.parametrize("page", list(DESK_GETS))
def test_desk_get(world, page):
    url, expected = DESK_GETS[page]
    got = {role: outcome(client_for(world, role).get(url(world))) for role in ROLES}
    assert got == expected, f"GET {page}"


def test_every_desk_route_is_in_the_matrix():
    from desk import urls

    covered = set(DESK_GETS) | set(DESK_POSTS) | {"issue_pdf_preview"}
    names = {p.name for p in urls.urlpatterns}
    missing = {n for n in names if not any(c == n or c.startswith(n + "_") for c in covered)}
    assert not missing, f"desk routes not in the permission matrix: {sorted(missing)}"


@pytest.mark.parametrize("role", ["anon", "reader", "staff", "head"])
def test_desk_pdf_preview(world, role):
    # Rendering a PDF takes a second: four roles cover login, 403 and ok.
    response = client_for(world, role).get(reverse("desk:issue_pdf_preview", args=[world.signed.pk]))
    assert outcome(response) == {"anon": "login", "reader": "403", "staff": "403", "head": "ok"}[role]


# ---------------------------------------------------------------------------------------------
# GET: the reader site. Lists are shown to everyone; what they list is part of the cell:
#     +internal  the page shows an article or the address of the published internal issue
#     +draft     the page shows an article no issue has published (never expected)
# Internal issues are for readers, staff and the desk; a signed-in user without a role gets the
# login page too (it says this account may not read it), an image only the desk sees is a 404.


def _reader(name, *args):
    return lambda w: reverse(f"reader:{name}", args=[a(w) if callable(a) else a for a in args])


def _slug(w):
    return w.publication.slug


def _serial(attr):
    return lambda w: getattr(w, attr).serial_number


def _placed(attr):
    return lambda w: getattr(w, attr).placements.order_by("position").first().article_id


def _searched(w):
    from bulletin.search.index import rebuild_index

    rebuild_index()  # the index follows commits; a test's writes never commit
    return reverse("reader:search") + "?q=稿件"


def _image_in(attr):
    """An image shown by the first article of the issue `attr` as published (its pinned revision),
    or by the draft if attr is "draft"."""

    def url(w):
        from editorial.uploads import store_image

        image = store_image(_png().getvalue(), by=w.users["editor"], name=f"{attr}.png")
        if attr == "draft":
            w.draft.revisions.order_by("-number").first().images.add(image)
        else:
            placement = getattr(w, attr).placements.order_by("position").first()
            (placement.revision or placement.article.revisions.order_by("-number").first()).images.add(image)
        return image.web.url

    return url


PUBLIC_PAGE = row(anon="ok", reader="ok", nogroup="ok", staff="ok")
LIST_PAGE = row(anon="ok", reader="ok+internal", nogroup="ok", staff="ok+internal", editor="ok+internal",
                editor2="ok+internal", approver="ok+internal", head="ok+internal", superuser="ok+internal")
INTERNAL_PAGE = row(anon="login", reader="ok+internal", nogroup="login", staff="ok+internal",
                    editor="ok+internal", editor2="ok+internal", approver="ok+internal", head="ok+internal",
                    superuser="ok+internal")
NOT_FOUND = row(**{r: "404" for r in ROLES})
# An internal chronicle export (its progress page, its stored file): as an internal issue, but
# the page lists no entries.
INTERNAL_EXPORT = row(anon="login", reader="ok", nogroup="login", staff="ok", editor="ok", editor2="ok",
                      approver="ok", head="ok", superuser="ok")


def _internal_export(w):
    """A finished internal-scope chronicle export of the world's publication, its file stored."""
    from bulletin import chronicle_exports
    from bulletin.models import BackgroundJob
    from common.storage import private_storage, write_atomically

    job = getattr(w, "internal_export", None)
    if job is None:
        params = {"publication": w.publication.pk, "start": "2020-01-01", "end": "2020-12-31",
                  "format": "docx", "scope": "internal", "version": "0123456789abcdef"}
        name = chronicle_exports.storage_name(params)
        write_atomically(private_storage(), name, b"PK internal chronicle")
        job = w.internal_export = BackgroundJob.objects.create(
            kind=chronicle_exports.KIND, params=params, params_key="matrix", status=BackgroundJob.Status.DONE,
            result={"storage_name": name, "title": "大事记", "entries": 1, "size": 21},
        )
    return job.pk

READER_GETS = {
    "home": (_reader("home"), LIST_PAGE),
    "archive": (_reader("archive", _slug), LIST_PAGE),
    "search": (_searched, LIST_PAGE),
    "chronicle": (_reader("chronicle", _slug, 2020), LIST_PAGE),
    "public_issue": (_reader("issue", _slug, _serial("published")), PUBLIC_PAGE),
    "public_article": (_reader("article", _slug, _serial("published"), _placed("published")), PUBLIC_PAGE),
    "internal_issue": (_reader("issue", _slug, _serial("internal")), INTERNAL_PAGE),
    "internal_article": (_reader("article", _slug, _serial("internal"), _placed("internal")), INTERNAL_PAGE),
    # An article of another issue under the internal issue's address: not found, once allowed to look.
    "draft_in_internal_issue": (_reader("article", _slug, _serial("internal"), lambda w: w.draft.pk),
                                row(anon="login", reader="404", nogroup="login", staff="404", editor="404",
                                    editor2="404", approver="404", head="404", superuser="404")),
    # Feeds and the sitemap list public issues only, whoever asks (reader/feeds.py).
    "feed_atom": (_reader("feed_atom", _slug), PUBLIC_PAGE),
    "feed_rss": (_reader("feed_rss", _slug), PUBLIC_PAGE),
    "sitemap": (lambda w: reverse("sitemap"), PUBLIC_PAGE),
    "missing_issue": (_reader("issue", _slug, 999999), NOT_FOUND),
    "missing_publication": (_reader("archive", "no-such-publication"), NOT_FOUND),
    "public_media": (_image_in("published"), PUBLIC_PAGE),
    "internal_media": (_image_in("internal"), row(anon="login", reader="ok", nogroup="404", staff="ok")),
    "draft_media": (_image_in("draft"), row(anon="404", reader="404", nogroup="404", staff="404")),
    "internal_chronicle_export": (_reader("chronicle_export", _slug, _internal_export), INTERNAL_EXPORT),
    "internal_chronicle_download": (_reader("chronicle_export_download", _slug, _internal_export), INTERNAL_EXPORT),
}


def _reader_outcome(world, response):
    got = outcome(response)
    if got == "ok" and not getattr(response, "streaming", False):
        text = response.content.decode("utf-8", "replace")
        internal = [world.internal.get_absolute_url()] + [
            p.article.title for p in world.internal.placements.select_related("article")
        ]
        if any(marker in text for marker in internal):
            got += "+internal"
        if any(a.title in text for a in (world.draft, world.draft2, world.submitted, world.approved)):
            got += "+draft"
    return got


def test_reader_get(world):
    """The whole table on one world (each row only reads, or adds what no other row looks at)."""
    clients = {role: client_for(world, role) for role in ROLES}
    got, urls = {}, {}
    for page, (url, _expected) in READER_GETS.items():
        urls[page] = url(world)
        got[page] = {role: _reader_outcome(world, clients[role].get(urls[page])) for role in ROLES}
    expected = {page: cells for page, (_url, cells) in READER_GETS.items()}
    wrong = {page: {r: f"{got[page][r]} (expected {cells[r]})" for r in ROLES if got[page][r] != cells[r]}
             for page, cells in expected.items() if got[page] != cells}
    assert not wrong, "\n".join(f"GET {page} {urls[page]}: {cells}" for page, cells in wrong.items())


def test_reader_pdf_of_an_internal_issue(world):
    # Rendering a PDF takes seconds: three roles cover login (anonymous, no role) and ok.
    url = reverse("reader:issue_pdf", args=[world.publication.slug, world.internal.serial_number])
    got = {role: client_for(world, role).get(url) for role in ("anon", "nogroup", "reader")}
    assert {role: outcome(r) for role, r in got.items()} == {"anon": "login", "nogroup": "login", "reader": "ok"}
    assert got["reader"]["Content-Type"] == "application/pdf"
    assert "private" in got["reader"]["Cache-Control"]


def test_every_reader_route_is_in_the_matrix():
    from reader import urls

    covered = {"home", "search", "archive", "chronicle", "issue", "article", "issue_pdf", "feed_atom", "feed_rss"}
    # The chronicle's PDF and .docx build from the same bulletin.chronicle as its page.
    covered |= {"chronicle_pdf", "chronicle_docx"}
    # An export's progress page and download (internal rows above; tests/unit/test_chronicle_exports.py).
    covered |= {"chronicle_export", "chronicle_export_download"}
    names = {p.name for p in urls.urlpatterns}
    assert names <= covered, f"reader routes not in the permission matrix: {sorted(names - covered)}"


# ---------------------------------------------------------------------------------------------
# POST: desk actions. Each entry: url, data (may build files), "did it happen", expected row.


def _png():
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "x.png"
    return buffer


def _docx(text="导入的正文。"):
    import docx

    document = docx.Document()
    document.add_heading("导入的标题", level=1)  # becomes the new article's title
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    buffer.name = "稿件.docx"
    return buffer


def _section(w, name="时政要点"):
    return w.publication.sections.get(name=name).pk


def _issue_file():
    buffer = io.BytesIO(OWN_ISSUE.path.read_bytes())
    buffer.name = OWN_ISSUE.path.name
    return buffer


def _edited(w):
    w.draft.refresh_from_db()
    return w.draft.title == "改过的标题"


def _restore_setup(w):
    from editorial import workflow

    workflow.save_article(w.draft, by=w.users["editor"], version=w.draft.version, title="第二版",
                          event_date=w.draft.event_date, section=w.draft.section, body="<p>第二版正文。</p>")
    w.revisions_before = w.draft.revisions.count()


def _proofread_setup(w):
    from editorial.proofreading import find_in_html

    body = "<p>9月17日，召开会议,研究工作。</p>"
    Article.objects.filter(pk=w.draft.pk).update(body=body)
    w.draft.refresh_from_db()
    w.proof_key = find_in_html(body)[0].key


REFUSED_UNLESS = lambda *allowed: row(**{r: ("ok" if r in allowed else "refused") for r in DESK})  # noqa: E731
ONLY_EDITORS_JSON = row(reader="403", approver="403", head="403")

DESK_POSTS = {
    "article_new": dict(
        url=lambda w: reverse("desk:article_new"),
        data=lambda w: {"title": "新建的稿件", "section": _section(w), "body": "<p>正文</p>", "event_date": "2020-09-01",
                        "publication": w.publication.pk},
        happened=lambda w: Article.objects.filter(title="新建的稿件").exists(),
        expected=REFUSED_UNLESS("editor", "editor2", "superuser"),
    ),
    "article_edit": dict(
        url=_a("desk:article_edit", "draft"),
        data=lambda w: {"title": "改过的标题", "section": w.draft.section_id, "body": "<p>改过</p>",
                        "event_date": "2020-09-17", "version": w.draft.version},
        happened=_edited,
        expected=REFUSED_UNLESS(*DESK),
    ),
    "article_autosave": dict(
        url=_a("desk:article_autosave", "draft"),
        data=lambda w: {"title": "改过的标题", "section": w.draft.section_id, "body": "<p>改过</p>",
                        "event_date": "2020-09-17", "version": w.draft.version},
        happened=_edited,
        expected=row(),
    ),
    # The new-article page's first autosave creates the draft: editors only.
    "article_autosave_new": dict(
        url=lambda w: reverse("desk:article_autosave_new"),
        data=lambda w: {"title": "自动保存新建", "section": _section(w), "body": "<p>正文</p>", "event_date": "",
                        "publication": w.publication.pk, "version": ""},
        happened=lambda w: Article.objects.filter(title="自动保存新建").exists(),
        expected=row(approver="403", head="403"),
    ),
    "article_transition_submit": dict(
        url=_a("desk:article_transition", "draft"),
        data=lambda w: {"action": "submit", "version": w.draft.version},
        happened=lambda w: Article.objects.get(pk=w.draft.pk).status == Article.Status.SUBMITTED,
        expected=REFUSED_UNLESS("editor", "editor2", "superuser"),
    ),
    "article_transition_approve": dict(
        url=_a("desk:article_transition", "submitted"),
        data=lambda w: {"action": "approve", "version": Article.objects.get(pk=w.submitted.pk).version},
        happened=lambda w: Article.objects.get(pk=w.submitted.pk).status == Article.Status.APPROVED,
        expected=REFUSED_UNLESS("approver", "superuser"),
    ),
    "article_transition_return": dict(
        url=_a("desk:article_transition", "submitted"),
        data=lambda w: {"action": "return", "comment": "请补充时间。",
                        "version": Article.objects.get(pk=w.submitted.pk).version},
        happened=lambda w: Article.objects.get(pk=w.submitted.pk).status == Article.Status.RETURNED,
        expected=REFUSED_UNLESS("approver", "superuser"),
    ),
    "comment_add": dict(
        url=_a("desk:comment_add", "draft"),
        data=lambda w: {"body": "一条评论"},
        happened=lambda w: Comment.objects.filter(body="一条评论").exists(),
        expected=row(),
    ),
    "article_restore": dict(
        setup=_restore_setup,
        url=lambda w: reverse("desk:article_restore", args=[w.draft.pk, 1]),
        data=lambda w: {"version": w.draft.version},
        happened=lambda w: w.draft.revisions.count() > w.revisions_before,
        expected=REFUSED_UNLESS(*DESK),
    ),
    "article_import_new": dict(
        url=lambda w: reverse("desk:article_import_new"),
        data=lambda w: {"docx": _docx(), "section": _section(w)},
        happened=lambda w: Article.objects.filter(title="导入的标题", body__contains="导入的正文").exists(),
        expected=REFUSED_UNLESS("editor", "editor2", "superuser"),
    ),
    "article_import": dict(
        url=_a("desk:article_import", "draft"),
        data=lambda w: {"docx": _docx(), "version": w.draft.version},
        happened=lambda w: "导入的正文" in Article.objects.get(pk=w.draft.pk).body,
        expected=REFUSED_UNLESS(*DESK),
    ),
    # 校对: any desk role corrects (a new revision) or dismisses a finding of a draft.
    "article_proofread_fix": dict(
        setup=_proofread_setup,
        url=_a("desk:article_proofread", "draft"),
        data=lambda w: {"op": "fix", "key": w.proof_key, "version": w.draft.version},
        happened=lambda w: "会议，研究" in Article.objects.get(pk=w.draft.pk).body,
        expected=REFUSED_UNLESS(*DESK),
    ),
    "article_proofread_dismiss": dict(
        setup=_proofread_setup,
        url=_a("desk:article_proofread", "draft"),
        data=lambda w: {"op": "dismiss", "key": w.proof_key},
        happened=lambda w: w.draft.proofreading_dismissals.exists(),
        expected=REFUSED_UNLESS(*DESK),
    ),
    "image_upload": dict(
        url=lambda w: reverse("desk:image_upload"),
        data=lambda w: {"upload": _png()},
        happened=lambda w: Image.objects.exists(),
        expected=row(),
    ),
    "issue_assemble": dict(
        url=_a("desk:issue_assemble", "draft_issue"),
        data=lambda w: {"op": f"add:{w.approved.pk}"},
        happened=lambda w: IssueArticle.objects.filter(issue=w.draft_issue, article=w.approved).exists(),
        expected=REFUSED_UNLESS("editor", "editor2", "head", "superuser"),
    ),
    "issue_deadlines": dict(
        url=_a("desk:issue_deadlines", "draft_issue"),
        data=lambda w: {"draft_due": "2021-02-05"},
        happened=lambda w: Issue.objects.get(pk=w.draft_issue.pk).draft_due == datetime.date(2021, 2, 5),
        expected=row(approver="403"),
    ),
    "issue_submit": dict(
        url=_a("desk:issue_submit", "signed"),
        setup=lambda w: Issue.objects.filter(pk=w.signed.pk).update(status=Issue.Status.DRAFT),
        data=lambda w: {},
        happened=lambda w: Issue.objects.get(pk=w.signed.pk).status == Issue.Status.SUBMITTED,
        expected=REFUSED_UNLESS("editor", "editor2", "head", "superuser"),
    ),
    "issue_signoff": dict(
        url=_a("desk:issue_signoff", "submitted_issue"),
        data=lambda w: {"action": "sign_off", "fingerprint": publishing.issue_fingerprint(w.submitted_issue)},
        happened=lambda w: Issue.objects.get(pk=w.submitted_issue.pk).status == Issue.Status.SIGNED_OFF,
        expected=REFUSED_UNLESS("head", "superuser"),
    ),
    "issue_signoff_return": dict(
        url=_a("desk:issue_signoff", "submitted_issue"),
        data=lambda w: {"action": "return", "comment": "请调整顺序。"},
        happened=lambda w: Issue.objects.get(pk=w.submitted_issue.pk).status == Issue.Status.DRAFT,
        expected=REFUSED_UNLESS("head", "superuser"),
    ),
    "issue_publish": dict(
        url=_a("desk:issue_publish", "signed"),
        data=lambda w: {"sign_off": publishing.valid_sign_off(w.signed).pk, "confirm": "yes"},
        happened=lambda w: Issue.objects.get(pk=w.signed.pk).status == Issue.Status.PUBLISHED,
        expected=REFUSED_UNLESS("editor", "editor2", "head", "superuser"),
    ),
    "issue_schedule": dict(
        url=_a("desk:issue_schedule", "signed"),
        data=lambda w: {"when": (datetime.datetime.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
        happened=lambda w: Issue.objects.get(pk=w.signed.pk).scheduled_publish_at is not None,
        expected=row(editor="403", editor2="403", approver="403"),
    ),
    "issue_withdraw": dict(
        url=_a("desk:issue_withdraw", "published"),
        data=lambda w: {"reason": "内容有误", "confirm": "yes"},
        happened=lambda w: Issue.objects.get(pk=w.published.pk).status == Issue.Status.WITHDRAWN,
        expected=REFUSED_UNLESS("head", "superuser"),
    ),
    "erratum_propose": dict(
        url=_a("desk:erratum_propose", "published"),
        data=lambda w: {"text": "新的勘误"},
        happened=lambda w: Erratum.objects.filter(text="新的勘误").exists(),
        # Those who assemble issues correct them (the approver reviews articles, not issues).
        expected=REFUSED_UNLESS("editor", "editor2", "head", "superuser"),
    ),
    "erratum_approve": dict(
        url=lambda w: reverse("desk:erratum_approve", args=[w.published.pk, w.erratum.pk]),
        data=lambda w: {},
        happened=lambda w: Erratum.objects.get(pk=w.erratum.pk).published_at is not None,
        expected=REFUSED_UNLESS("head", "superuser"),
    ),
    "job_retry": dict(
        setup=_failed_pdf_job,
        url=_job_url("desk:job_retry"),
        data=lambda w: {},
        happened=lambda w: type(w.pdf_job).objects.filter(pk=w.pdf_job.pk, status="queued").exists(),
        expected=JOB_PAGE,
    ),
    "job_reindex": dict(
        url=lambda w: reverse("desk:job_reindex"),
        data=lambda w: {},
        happened=lambda w: __import__("bulletin.models", fromlist=["BackgroundJob"]).BackgroundJob.objects
        .filter(kind="search_reindex").exists(),
        expected=row(editor="403", editor2="403", approver="403"),
    ),
    "notifications_read": dict(
        url=lambda w: reverse("desk:notifications_read"),
        data=lambda w: {},
        happened=None,  # each marks their own messages read
        expected=row(),
    ),
    "notification_settings": dict(
        url=lambda w: reverse("desk:notification_settings"),
        data=lambda w: {"email": ["deadline"]},
        happened=None,  # each sets their own
        expected=row(),
    ),
    "import_upload": dict(
        url=lambda w: reverse("desk:import_upload"),
        data=lambda w: {"file": _issue_file(), "publication": w.publication.pk},
        happened=None,  # a preview only: nothing is written until confirm
        expected=row(approver="403"),
    ),
    "import_confirm": dict(
        url=lambda w: reverse("desk:import_confirm"),
        data=lambda w: {"token": "no-such-token"},
        happened=lambda w: Issue.objects.count() > w.issues_before,
        expected=row(editor="redirect", editor2="redirect", approver="403", head="redirect", superuser="redirect"),
    ),
    # Replacing a back issue: the editor asked; a head (any other person with the role) decides.
    "import_replacement_approve": dict(
        setup=_replacement,
        url=_replacement_url("desk:import_replacement_approve"),
        data=lambda w: {"confirm": "1"},
        happened=lambda w: Issue.objects.filter(serial_number=50, status=Issue.Status.REPLACED).exists(),
        expected=row(editor="403", editor2="403", approver="403", head="ok", superuser="ok"),
    ),
    "import_replacement_refuse": dict(
        setup=_replacement,
        url=_replacement_url("desk:import_replacement_refuse"),
        data=lambda w: {"comment": "文件不是定稿。"},
        happened=lambda w: Issue.objects.get(serial_number=50, status=Issue.Status.PUBLISHED)
        .events.filter(action="replace_refused").exists(),
        expected=row(editor="403", editor2="403", approver="403", head="ok", superuser="ok"),
    ),
}


def _fresh(world):
    """Reload the world's rows: a rolled-back request leaves in-memory copies ahead of the database
    (an article's version after a save that was undone)."""
    from django.db.models import Model

    for name, value in list(vars(world).items()):
        if isinstance(value, Model):
            try:
                value.refresh_from_db()
            except type(value).DoesNotExist:
                delattr(world, name)  # made by a cell's set-up, rolled back with it


def _post_cell(world, case, role, *, admin=False):
    _fresh(world)
    if "setup" in case:
        case["setup"](world)
    world.issues_before = Issue.objects.count()
    response = client_for(world, role).post(case["url"](world), case["data"](world))
    got = outcome(response, admin=admin)
    happened = case["happened"](world) if case["happened"] else None
    if got in ("redirect", "ok") and case["expected"][role] in ("ok", "refused"):
        got = "ok" if happened in (True, None) else "refused"
    elif happened:
        got += "+happened"  # refused, yet the database changed: always a failure
    return got


@pytest.mark.parametrize("action", list(DESK_POSTS))
def test_desk_post(world, action):
    """Each role in turn on the same state, rolled back to a savepoint after each request."""
    case = DESK_POSTS[action]
    got = {}
    for role in ROLES:
        with transaction.atomic():
            got[role] = _post_cell(world, case, role)
            transaction.set_rollback(True)
        for user in world.users.values():
            if user is not None:
                user.refresh_from_db()
    assert got == case["expected"], f"POST {action}"


# ---------------------------------------------------------------------------------------------
# The admin: only active staff sign in there (others are sent to its login page), staff act only
# with the model permissions they were given, the superuser has them all. History (sign-offs,
# issue events, article transitions) is never added or changed there, not even by the superuser.
#     read-only  the change page is shown without a save button
#
# IssueEvent and ArticleTransition (and Revision) have view-only admins like SignOff's
# (common.history_admin, issue #10 "history is append-only").

ADMIN = row(anon="login", reader="login", nogroup="login", staff="403", editor="login", editor2="login",
            approver="login", head="login", superuser="ok")
ADMIN_REFUSED = {**ADMIN, "superuser": "403"}
ADMIN_READ_ONLY = {**ADMIN, "superuser": "read-only"}
ADMIN_UNREGISTERED = {**ADMIN, "staff": "404", "superuser": "404"}


def _admin(label, view, attr=None):
    """The admin's address of a model's view (for models without an admin, the address it would have)."""
    from django.conf import settings
    from django.urls import NoReverseMatch

    app, model = label.split(".")

    def url(w):
        obj = _admin_obj(w, attr) if attr else None
        try:
            return reverse(f"admin:{app}_{model}_{view}", args=[obj.pk] if obj else [])
        except NoReverseMatch:
            tail = {"changelist": "", "add": "add/", "change": f"{getattr(obj, 'pk', '')}/change/"}[view]
            return f"/{settings.ADMIN_URL}{app}/{model}/{tail}"

    return url


def _admin_obj(w, attr):
    if attr == "event":
        return w.published.events.order_by("pk").first()
    if attr == "transition":
        return w.submitted.transitions.order_by("pk").first()
    if attr == "signoff":
        return w.signed.sign_offs.order_by("pk").first()
    if attr in w.users:
        return w.users[attr]
    return getattr(w, attr)


ADMIN_MODELS = {
    # model label: (object for its change page, rows: changelist, add, change)
    "bulletin.publication": ("publication", ADMIN, ADMIN, ADMIN),
    "bulletin.issue": ("draft_issue", ADMIN, ADMIN, ADMIN),
    "editorial.article": ("draft", ADMIN, ADMIN, ADMIN),
    "auth.user": ("nogroup", ADMIN, ADMIN, ADMIN),
    "bulletin.signoff": ("signoff", ADMIN, ADMIN_REFUSED, ADMIN_READ_ONLY),
    "bulletin.issueevent": ("event", ADMIN, ADMIN_REFUSED, ADMIN_READ_ONLY),
    "editorial.articletransition": ("transition", ADMIN, ADMIN_REFUSED, ADMIN_READ_ONLY),
}

ADMIN_GETS = {}
for _label, (_attr, _list, _add, _change) in ADMIN_MODELS.items():
    ADMIN_GETS[f"{_label} changelist"] = (_admin(_label, "changelist"), _list)
    ADMIN_GETS[f"{_label} add"] = (_admin(_label, "add"), _add)
    ADMIN_GETS[f"{_label} change"] = (_admin(_label, "change", _attr), _change)


def _admin_outcome(response):
    got = outcome(response, admin=True)
    if got == "ok" and b'name="_save"' not in response.content and "changelist" not in response.request["PATH_INFO"]:
        if response.request["PATH_INFO"].endswith(("/add/", "/change/")):
            got = "read-only"
    return got


def test_admin_get(world):
    clients = {role: client_for(world, role) for role in ROLES}
    got, urls = {}, {}
    for page, (url, _expected) in ADMIN_GETS.items():
        urls[page] = url(world)
        got[page] = {role: _admin_outcome(clients[role].get(urls[page])) for role in ROLES}
    expected = {page: cells for page, (_url, cells) in ADMIN_GETS.items()}
    wrong = {page: {r: f"{got[page][r]} (expected {cells[r]})" for r in ROLES if got[page][r] != cells[r]}
             for page, cells in expected.items() if got[page] != cells}
    assert not wrong, "\n".join(f"GET {page} {urls[page]}: {cells}" for page, cells in wrong.items())


def _admin_form(w, url, **changes):
    """The admin's form as the superuser's browser would send it (inline management forms and all),
    with `changes`; the same data is then posted by each role."""
    import lxml.html

    client = Client()
    client.force_login(w.users["superuser"])
    page = lxml.html.fromstring(client.get(url).content.decode())
    form = next(f for f in page.forms if (f.get("id") or "").endswith("_form"))
    data = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    data = {name: values if len(values) > 1 else values[0] for name, values in data.items()}
    data.update(changes)
    return data


ADMIN_POSTS = {
    "publication change": dict(
        url=_admin("bulletin.publication", "change", "publication"),
        data=lambda w: _admin_form(w, _admin("bulletin.publication", "change", "publication")(w),
                                   name="后台改名的刊物"),
        happened=lambda w: w.publication.__class__.objects.filter(name="后台改名的刊物").exists(),
        expected=ADMIN,
    ),
    "issue add": dict(
        url=_admin("bulletin.issue", "add"),
        data=lambda w: _admin_form(w, _admin("bulletin.issue", "add")(w), publication=str(w.publication.pk),
                                   year="2022", month="5"),
        happened=lambda w: Issue.objects.filter(year=2022, month=5).exists(),
        expected=ADMIN,
    ),
    "issue change": dict(
        url=_admin("bulletin.issue", "change", "draft_issue"),
        data=lambda w: _admin_form(w, _admin("bulletin.issue", "change", "draft_issue")(w),
                                   publication_date="2021-02-20"),
        happened=lambda w: Issue.objects.get(pk=w.draft_issue.pk).publication_date == datetime.date(2021, 2, 20),
        expected=ADMIN,
    ),
    "article change": dict(
        url=_admin("editorial.article", "change", "draft"),
        data=lambda w: _admin_form(w, _admin("editorial.article", "change", "draft")(w), title="后台改的标题"),
        happened=lambda w: Article.objects.get(pk=w.draft.pk).title == "后台改的标题",
        expected=ADMIN,
    ),
    "user add": dict(
        url=_admin("auth.user", "add"),
        data=lambda w: _admin_form(w, _admin("auth.user", "add")(w), username="newcomer",
                                   password1="Qx7-long-enough-pw", password2="Qx7-long-enough-pw",
                                   usable_password="true"),
        happened=lambda w: get_user_model().objects.filter(username="newcomer").exists(),
        expected=ADMIN,
    ),
    "user change": dict(
        url=_admin("auth.user", "change", "nogroup"),
        data=lambda w: _admin_form(w, _admin("auth.user", "change", "nogroup")(w), is_staff="on"),
        happened=lambda w: get_user_model().objects.get(pk=w.users["nogroup"].pk).is_staff,
        expected=ADMIN,
    ),
    "signoff change": dict(
        url=_admin("bulletin.signoff", "change", "signoff"),
        data=lambda w: {"comment": "后台改的意见", "signed_by": str(w.users["editor"].pk)},
        happened=lambda w: w.signed.sign_offs.filter(comment="后台改的意见").exists(),
        expected=ADMIN_REFUSED,
    ),
    "issueevent change": dict(
        url=_admin("bulletin.issueevent", "change", "event"),
        data=lambda w: {"comment": "后台改的记录"},
        happened=lambda w: w.published.events.filter(comment="后台改的记录").exists(),
        expected=ADMIN_REFUSED,
    ),
    "articletransition change": dict(
        url=_admin("editorial.articletransition", "change", "transition"),
        data=lambda w: {"comment": "后台改的记录"},
        happened=lambda w: w.submitted.transitions.filter(comment="后台改的记录").exists(),
        expected=ADMIN_REFUSED,
    ),
}


def test_admin_post(world):
    """Each role in turn on the same state, rolled back to a savepoint after each request."""
    got = {}
    for action, case in ADMIN_POSTS.items():
        got[action] = {}
        for role in ROLES:
            with transaction.atomic():
                got[action][role] = _post_cell(world, case, role, admin=True)
                transaction.set_rollback(True)
            for user in world.users.values():
                if user is not None:
                    user.refresh_from_db()
    wrong = {a: {r: f"{got[a][r]} (expected {c['expected'][r]})" for r in ROLES if got[a][r] != c["expected"][r]}
             for a, c in ADMIN_POSTS.items() if got[a] != c["expected"]}
    assert not wrong, "\n".join(f"POST {a}: {cells}" for a, cells in wrong.items())
