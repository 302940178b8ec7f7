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
from tests.conftest import OWN_ISSUE, make_user

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
    SignOff.objects.filter(issue=w.submitted_issue).delete()
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


DESK_GETS = {
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
        data=lambda w: {},
        happened=lambda w: w.draft.revisions.count() > w.revisions_before,
        expected=REFUSED_UNLESS(*DESK),
    ),
    "article_import_new": dict(
        url=lambda w: reverse("desk:article_import_new"),
        data=lambda w: {"file": _docx(), "section": _section(w), "publication": w.publication.pk},
        happened=lambda w: Article.objects.filter(body__contains="导入的正文").exists(),
        expected=REFUSED_UNLESS("editor", "editor2", "superuser"),
    ),
    "article_import": dict(
        url=_a("desk:article_import", "draft"),
        data=lambda w: {"file": _docx(), "version": w.draft.version},
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
        expected=REFUSED_UNLESS(*DESK),
    ),
    "erratum_approve": dict(
        url=lambda w: reverse("desk:erratum_approve", args=[w.published.pk, w.erratum.pk]),
        data=lambda w: {},
        happened=lambda w: Erratum.objects.get(pk=w.erratum.pk).approved_at is not None,
        expected=REFUSED_UNLESS("head", "superuser"),
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


def _post_cell(world, case, role):
    if "setup" in case:
        case["setup"](world)
    world.issues_before = Issue.objects.count()
    response = client_for(world, role).post(case["url"](world), case["data"](world))
    got = outcome(response)
    happened = case["happened"](world) if case["happened"] else None
    if got in ("redirect", "ok") and case["expected"][role] in ("ok", "refused"):
        got = "ok" if happened in (True, None) else "refused"
    elif happened:
        got += "+happened"  # refused, yet the database changed: always a failure
    return got


# Not yet checked against the running code (their state set-up needs work: in-memory versions after
# a rolled-back save, the .docx import form's fields, the erratum's approval field).
PENDING = {"article_edit", "article_autosave", "article_restore", "article_import_new", "article_import",
           "erratum_propose", "erratum_approve"}


@pytest.mark.parametrize("action", [a for a in DESK_POSTS if a not in PENDING])
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
