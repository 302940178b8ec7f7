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
        import_text(publication, editor, text, replace=True)
    published.refresh_from_db()
    assert published.status == Issue.Status.PUBLISHED and history(published) == before
    assert Issue.objects.filter(publication=publication).count() == 1


def test_a_withdrawn_issue_is_not_resurrected(publication, editor, head, published):
    withdraw_issue(published, by=head, reason="内容有误")
    with pytest.raises(IssueImportError, match="已撤回"):
        import_text(publication, editor, issue_text(97), replace=True)
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
