"""Published issues are the record (issue #10): a back-issue import never touches a number
Bulletin published itself, stays inside the back issues' range and never moves the counter."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from bulletin.importing.parser import parse_text
from bulletin.importing.service import IssueImportError, import_parsed_issue
from bulletin.models import Issue, IssueEvent, SignOff
from bulletin.publishing import next_numbers, publish_back_issue, publish_issue, withdraw_issue
from editorial.models import Article


def issue_text(serial: int | str, year: int = 2019, month: int = 5, title: str = "区政府召开防汛工作部署会") -> str:
    return f"""\
测试区大事月报

{year}年{month}月
(总第 {serial} 期)

测试区地方史志办公室

{year}年{month}月15日

时政要点

{title}

{month}月2日，区政府召开防汛工作部署会，要求各街道做好人员转移预案。
"""


def parsed(publication, text):
    return parse_text(text, known_sections=list(publication.sections.values_list("name", flat=True)))


def import_text(publication, user, text, **options):
    return import_parsed_issue(parsed(publication, text), publication=publication, by=user, **options)


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_issue", *[str(a) for a in args], stdout=out)
    return out.getvalue()


@pytest.fixture
def published(signed_off_issue, head, editor):
    """An issue Bulletin published itself (总第97期: the test publication starts there)."""
    issue = signed_off_issue(year=2020, month=10)
    return publish_issue(issue, by=editor)


def history(issue):
    return (
        list(IssueEvent.objects.filter(issue=issue).values_list("pk", flat=True)),
        list(SignOff.objects.filter(issue=issue).values_list("pk", flat=True)),
        list(issue.placements.values_list("article_id", "revision_id")),
    )


@pytest.mark.parametrize("same", ["serial", "month"])
def test_an_issue_bulletin_published_is_never_replaced(publication, editor, published, tmp_path, same):
    assert (published.serial_number, published.imported) == (97, False)
    before = history(published)
    text = issue_text(97, 2019, 5) if same == "serial" else issue_text(50, 2020, 10)
    path = tmp_path / "issue.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="是在本系统签发、发布的期"):
        run(path, "--as", "editor", "--replace")
    with pytest.raises(IssueImportError, match="不能替换它"):
        ask(publication, editor, text)
    published.refresh_from_db()
    assert published.status == Issue.Status.PUBLISHED and history(published) == before
    assert Issue.objects.filter(publication=publication).count() == 1


def test_a_withdrawn_issue_is_not_resurrected(publication, editor, head, published):
    withdraw_issue(published, by=head, reason="内容有误")
    with pytest.raises(IssueImportError, match="已撤回"):
        ask(publication, editor, issue_text(97))
    published.refresh_from_db()
    assert published.status == Issue.Status.WITHDRAWN
    assert Issue.objects.filter(publication=publication).count() == 1


@pytest.mark.parametrize("serial", [0, 97, 98, 5000, 9999999999])
def test_numbers_outside_the_back_issues_are_refused(publication, editor, serial):
    """The test publication's own series starts at 总第97期: back issues are 总第1–96期."""
    before = (Issue.objects.count(), Article.objects.count())
    with pytest.raises(IssueImportError, match="总期号无效|不是往期") as refused:
        import_text(publication, editor, issue_text(serial))
    if serial >= 97:
        assert "总第1期至总第96期" in str(refused.value)
    assert (Issue.objects.count(), Article.objects.count()) == before
    publication.refresh_from_db()
    assert publication.last_serial_number is None


def test_importing_never_moves_the_counter(publication, editor, signed_off_issue):
    import_text(publication, editor, issue_text(96))
    publication.refresh_from_db()
    assert publication.last_serial_number is None
    assert next_numbers(publication, 2020).serial_number == 97
    issue = publish_issue(signed_off_issue(year=2020, month=10), by=editor)
    assert issue.serial_number == 97
    assert Issue.objects.get(serial_number=96).imported is True and issue.imported is False


def test_the_range_follows_what_bulletin_published(publication, editor, published):
    import_text(publication, editor, issue_text(96))
    with pytest.raises(IssueImportError, match="下一期将是总第98期"):
        import_text(publication, editor, issue_text(98, 2019, 6))


def test_publish_back_issue_checks_the_range_itself(publication, head):
    issue = Issue.objects.create(publication=publication, year=2019, month=1)
    with pytest.raises(Exception, match="不是往期"):
        publish_back_issue(issue, year_number=None, serial_number=97, by=head)


@pytest.mark.parametrize("serial", ["0", "9999999999", "97"])
def test_desk_preview_and_confirm_refuse_in_chinese(client, publication, editor, serial):
    client.force_login(editor)
    data = issue_text(serial).encode()
    response = client.post(
        reverse("desk:import_upload"),
        {"file": SimpleUploadedFile("issue.txt", data), "publication": publication.pk},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "不能导入" in html
    assert "确认导入</button>" not in html
    token = response.context["token"]
    response = client.post(reverse("desk:import_confirm"), {"token": token, "replace": "1"})
    assert response.status_code == 409
    assert "导入失败，未写入任何内容" in response.content.decode()
    assert not Issue.objects.exists()


def test_dry_run_names_the_refusal(publication, tmp_path):
    path = tmp_path / "issue.txt"
    path.write_text(issue_text(5000), encoding="utf-8")
    assert "不能导入：总第5000期不是往期" in run(path, "--dry-run")


def test_admin_start_stays_editable_until_bulletin_publishes(publication, editor):
    from django.core.exceptions import ValidationError

    import_text(publication, editor, issue_text(90))
    publication.first_serial_number = 90
    with pytest.raises(ValidationError, match="已导入到总第90期"):
        publication.full_clean()
    publication.first_serial_number = 120
    publication.full_clean()
    assert not publication.has_published_own_issue()


# ---------------------------------------------------------------------------------------------
# replacing an imported back issue: the editor asks, a head approves or refuses (four eyes)


from bulletin.importing.service import (  # noqa: E402
    approve_replacement,
    refuse_replacement,
    request_replacement,
)
from tests.conftest import make_user  # noqa: E402


def ask(publication, user, text, filename="new.txt"):
    return request_replacement(text.encode(), filename, parsed(publication, text), publication=publication, by=user)


@pytest.fixture
def back_issue(publication, editor):
    return import_text(publication, editor, issue_text(90, title="原来的标题"))


def test_replacing_needs_a_head_other_than_the_requester(publication, editor, head, back_issue):
    request = ask(publication, head, issue_text(90, title="新的标题"))
    # the head who asked cannot approve, even where the head may work alone
    type(publication).objects.filter(pk=publication.pk).update(head_may_work_alone=True)
    with pytest.raises(IssueImportError, match="不能批准自己提出的替换申请"):
        approve_replacement(request, by=head)
    with pytest.raises(Exception, match="没有批准替换往期的权限"):
        approve_replacement(request, by=editor)
    back_issue.refresh_from_db()
    assert back_issue.status == Issue.Status.PUBLISHED and request.is_pending
    head2 = make_user("head2", "head")
    new = approve_replacement(request, by=head2)
    assert new.placements.get().article.title == "新的标题"


def test_approval_keeps_the_old_issue_and_its_history_and_writes_the_audit_trail(
    client, publication, editor, head, back_issue
):
    old_history = history(back_issue)
    request = ask(publication, editor, issue_text(90, title="新的标题"))
    assert IssueEvent.objects.filter(issue=back_issue, action=IssueEvent.Action.REPLACEMENT_REQUESTED).exists()
    # nothing changes before the approval
    assert client.get("/test-dsyb/90/").content.decode().count("原来的标题") >= 1

    new = approve_replacement(request, by=head)
    back_issue.refresh_from_db()
    request.refresh_from_db()
    assert back_issue.status == Issue.Status.REPLACED
    assert (request.status, request.decided_by, request.new_issue) == ("approved", head, new)
    # the old issue's rows are all still there (events only grew), its articles too
    events, sign_offs, placements = history(back_issue)
    assert set(old_history[0]) <= set(events) and sign_offs == old_history[1] and placements == old_history[2]
    assert list(IssueEvent.objects.filter(issue=back_issue).values_list("action", flat=True))[-2:] == [
        "replace_requested", "replaced",
    ]
    replaced = IssueEvent.objects.get(issue=new, action=IssueEvent.Action.REPLACED)
    assert replaced.actor == head and "申请人" in replaced.comment
    # readers see the new content under the same number; the old one is out of the reader site
    page = client.get("/test-dsyb/90/").content.decode()
    assert "新的标题" in page and "原来的标题" not in page
    assert (new.serial_number, new.imported) == (90, True)
    publication.refresh_from_db()
    assert publication.last_serial_number is None


def test_refusal_needs_a_reason_and_changes_nothing(publication, editor, head, back_issue):
    request = ask(publication, editor, issue_text(90, title="新的标题"))
    with pytest.raises(IssueImportError, match="请填写不同意替换的理由"):
        refuse_replacement(request, by=head, comment="  ")
    refuse_replacement(request, by=head, comment="文件不是定稿。")
    back_issue.refresh_from_db()
    assert back_issue.status == Issue.Status.PUBLISHED
    assert request.status == "refused"
    assert IssueEvent.objects.filter(issue=back_issue, action="replace_refused", comment="文件不是定稿。").exists()
    with pytest.raises(IssueImportError, match="已经处理"):
        approve_replacement(request, by=head)


def test_one_pending_request_per_issue_and_only_for_imported_issues(publication, editor, head, back_issue, published):
    ask(publication, editor, issue_text(90, title="新的标题"))
    with pytest.raises(IssueImportError, match="已有一份待批准的替换申请"):
        ask(publication, editor, issue_text(90, title="又一个标题"))
    with pytest.raises(IssueImportError, match="是在本系统签发、发布的期"):
        ask(publication, editor, issue_text(97))
    with pytest.raises(IssueImportError, match="没有需要替换的期刊"):
        ask(publication, editor, issue_text(80, 2018, 1))


def test_desk_request_page_and_head_todo(client, publication, editor, head, back_issue):
    request = ask(publication, editor, issue_text(90, title="新的标题"))
    url = reverse("desk:import_replacement", args=[request.pk])
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "新的标题" in page and "原来的标题" in page and "批准替换" not in page
    assert client.post(url + "approve/", {"confirm": "1"}).status_code == 403
    client.force_login(head)
    todo = client.get(reverse("desk:dashboard")).content.decode()
    assert "待批准的往期替换" in todo and url in todo
    assert "批准替换" in client.get(url).content.decode()
    response = client.post(url + "refuse/", {"comment": "  "}, follow=True)
    assert "请填写不同意替换的理由" in response.content.decode()
    response = client.post(url + "approve/", {"confirm": "1"}, follow=True)
    assert "已批准替换" in response.content.decode()
    assert Issue.objects.get(pk=back_issue.pk).status == Issue.Status.REPLACED
    assert "待批准的往期替换" not in client.get(reverse("desk:dashboard")).content.decode() or \
        url not in client.get(reverse("desk:dashboard")).content.decode()
    assert client.get(reverse("desk:import_replacements")).status_code == 200
    for name in ("desk:issue_detail", "desk:issue_preview"):
        assert client.get(reverse(name, args=[back_issue.pk])).status_code == 200
    assert client.get(reverse("desk:issue_list")).status_code == 200
