"""Each issue prints its own 版记; internal issues carry what the rules for internal publications
require, and are not signed off without it."""

import subprocess

import pytest
from django.core.management import call_command

from bulletin.models import Issue, IssueArticle, Visibility
from bulletin.pdf.store import render_pdf_bytes
from bulletin.publishing import IssueError, publish_issue, sign_off, submit_for_sign_off
from editorial.models import Article

pytestmark = pytest.mark.django_db


def page_text(client, issue) -> str:
    response = client.get(issue.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def last_page_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "issue.pdf"
    path.write_bytes(pdf)
    pages = int(
        next(line for line in subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout.splitlines()
             if line.startswith("Pages:")).split()[1]
    )
    return subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_published_issue_keeps_its_colophon_after_the_publication_changes(
    client, publication, signed_off_issue, head, editor, tmp_path
):
    issue = publish_issue(signed_off_issue(), by=head)
    publication.distribution_scope = "全区各单位（新的发放范围）"
    publication.publisher = "测试区档案馆"
    publication.phone = "0371-99999999"
    publication.save()
    issue.refresh_from_db()

    html = page_text(client, issue)
    assert "区委、区政府各部门" in html and "全区各单位" not in html
    assert "测试区地方史志办公室" in html and "测试区档案馆" not in html
    assert "0371-12345678" in html and "0371-99999999" not in html
    text = last_page_text(render_pdf_bytes(issue), tmp_path).replace(" ", "")
    assert "区委、区政府各部门" in text and "全区各单位" not in text
    assert "0371-12345678" in text

    # The next issue, still being prepared, shows the publication's new values.
    draft = Issue.objects.create(publication=publication, year=2020, month=11)
    client.force_login(editor)
    preview = client.get(f"/desk/issues/{draft.pk}/preview/").content.decode()
    assert "全区各单位（新的发放范围）" in preview and "测试区档案馆" in preview


def test_an_imported_back_issue_prints_the_file_s_colophon_not_the_publication_s(
    client, publication, editor, own_issue
):
    publication.distribution_scope = "本刊今天的发放范围"
    publication.first_serial_number = own_issue.serial_number + 1  # a back issue precedes the first
    publication.save()
    call_command("import_issue", str(own_issue.path), "--as", "editor", stdout=None)
    issue = Issue.objects.get(publication=publication, serial_number=own_issue.serial_number)
    html = page_text(client, issue)
    assert "区直各单位" in html  # from the file's 发放范围
    assert "本刊今天的发放范围" not in html
    assert issue.colophon["email"] == "twqszb@example.org"


def _internal_issue(publication, make_article, editor):
    """An internal issue the editor has submitted for 签发."""
    issue = Issue.objects.create(publication=publication, year=2020, month=10, visibility=Visibility.INTERNAL)
    for n, section in enumerate(["本期焦点", "时政要点"]):
        article = make_article(title=f"内部稿件{n + 1}", section=section, status=Article.Status.APPROVED)
        IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
        if n == 0:
            issue.focus_article = article
    issue.save()
    return submit_for_sign_off(issue, by=editor)


def test_an_internal_issue_is_not_signed_off_without_the_required_colophon_fields(
    publication, make_article, head, editor
):
    publication.permit_number = ""
    publication.printer = ""
    publication.print_run = None
    publication.save()
    issue = _internal_issue(publication, make_article, editor)
    with pytest.raises(IssueError) as refused:
        sign_off(issue, by=head)
    listed = " ".join(refused.value.problems)
    assert "准印证号" in listed and "印刷单位" in listed and "印数" in listed
    assert "发送对象" not in listed and "编印单位" not in listed  # those are filled in

    publication.permit_number = "测内资准字（2020）第001号"
    publication.printer = "测试区机关印刷厂"
    publication.print_run = 300
    publication.save()
    assert sign_off(issue, by=head).signed_by == head


def test_the_sign_off_page_lists_the_missing_fields(client, publication, make_article, head, editor):
    publication.permit_number = ""
    publication.save()
    issue = _internal_issue(publication, make_article, editor)
    client.force_login(head)
    page = client.get(f"/desk/issues/{issue.pk}/signoff/").content.decode()
    assert "尚不能签发" in page and "准印证号" in page


def test_a_public_issue_needs_no_permit(publication, signed_off_issue, head, editor):
    publication.permit_number = ""
    publication.save()
    issue = signed_off_issue(visibility=Visibility.PUBLIC)
    assert publish_issue(issue, by=head).status == Issue.Status.PUBLISHED


def test_the_pdf_s_last_page_carries_every_field_of_an_internal_issue(
    publication, signed_off_issue, head, tmp_path
):
    issue = publish_issue(signed_off_issue(visibility=Visibility.INTERNAL), by=head)
    text = last_page_text(render_pdf_bytes(issue), tmp_path).replace(" ", "")
    date = issue.publication_date
    for expected in [
        "内部资料", "注意保存", "内部资料，免费交流", "准印证号：测内资准字（2020）第001号",
        "发放范围：区委、区政府各部门", "编辑出版：测试区地方史志办公室", "印刷单位：测试区机关印刷厂",
        f"印刷日期：{date.year}年{date.month}月{date.day}日", "300份",
    ]:
        assert expected in text, expected


PUBLICATION_ONLY = ["准印证号", "印刷单位", "印数", "免费交流", "测内资准字", "测试区机关印刷厂", "300份"]


def _import_back_issue(publication, own_issue):
    """Import the tests' own back issue into an internal publication whose current colophon
    carries a permit, a printer, a print run and the free-exchange line (the file has none)."""
    publication.default_visibility = Visibility.INTERNAL
    publication.free_notice = "内部资料，免费交流"
    publication.first_serial_number = own_issue.serial_number + 1  # a back issue precedes the first
    publication.save()
    call_command("import_issue", str(own_issue.path), "--as", "editor", stdout=None)
    return Issue.objects.get(publication=publication, serial_number=own_issue.serial_number)


def test_an_imported_back_issue_prints_only_the_colophon_its_file_had(
    client, publication, editor, own_issue, signed_off_issue, head, tmp_path
):
    issue = _import_back_issue(publication, own_issue)
    assert issue.imported and issue.is_internal
    for key in ("permit_number", "printer", "print_run", "free_notice"):
        assert not issue.colophon.get(key), key

    text = last_page_text(render_pdf_bytes(issue), tmp_path).replace(" ", "")
    for expected in ["内部资料", "注意保存", "区直各单位", "桐湾区人民政府", "编辑出版", "twqszb@example.org"]:
        assert expected in text, expected
    for absent in PUBLICATION_ONLY:
        assert absent not in text, absent
    client.force_login(editor)  # an internal issue is read signed in
    html = page_text(client, issue)
    assert "twqszb@example.org" in html and "区直各单位" in html
    for absent in PUBLICATION_ONLY:
        assert absent not in html, absent

    # An issue published in Bulletin still prints the publication's full colophon.
    own = publish_issue(signed_off_issue(visibility=Visibility.INTERNAL), by=head)
    own_text = last_page_text(render_pdf_bytes(own), tmp_path).replace(" ", "")
    own_html = page_text(client, own)
    for expected in ["准印证号：测内资准字（2020）第001号", "印刷单位：测试区机关印刷厂", "300份", "内部资料，免费交流"]:
        assert expected in own_text, expected
    for expected in ["测内资准字（2020）第001号", "测试区机关印刷厂", "300份", "内部资料，免费交流"]:
        assert expected in own_html, expected


def test_the_migration_clears_what_an_earlier_import_took_from_the_publication(
    publication, editor, own_issue, signed_off_issue, head
):
    import importlib

    from django.apps import apps

    from bulletin import colophon

    migration = importlib.import_module("bulletin.migrations.0026_imported_colophon_file_only")
    imported = _import_back_issue(publication, own_issue)
    # As imports recorded it before: the publication's values, the file's own on top.
    imported.colophon = {**colophon.current_values(publication), **{k: v for k, v in imported.colophon.items() if v}}
    imported.save()
    assert imported.colophon["permit_number"]
    own = publish_issue(signed_off_issue(visibility=Visibility.INTERNAL), by=head)

    migration.forwards(apps, None)
    imported.refresh_from_db()
    own.refresh_from_db()
    assert not any(imported.colophon[key] for key in migration.NOT_IN_FILES)
    assert imported.colophon["email"] == "twqszb@example.org"
    assert own.colophon["permit_number"] == "测内资准字（2020）第001号" and own.colophon["print_run"] == "300"
