"""Importing back issues: the service, `manage.py import_issue` and the desk upload flow.

Whole issues come from the `sample_issue` / `own_issue` fixtures (tests/conftest.py): the tests'
own issue in tests/data/, and the office's real sample when it is beside the repository in
../shared/seed/ (read at test time, never copied into the repository). Every other fixture
below is invented text.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bulletin.models import BackIssueReplacement, Issue, IssueArticle, Publication, Section
from editorial.models import Article, Revision
from tests.conftest import BACK_ISSUE_SERIES_START, start_series_at
from tests.unit.test_chronicle_exports import run_worker


@pytest.fixture
def publication(publication):
    """Bulletin's own series starts above the files' back issues (tests/conftest.py)."""
    return start_series_at(publication, BACK_ISSUE_SERIES_START)


SECTIONS = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]


def _nows(text: str) -> str:
    return re.sub(r"\s+", "", text)


def toc_titles(text: str) -> list[tuple[str, str]]:
    """(section, title) of every TOC entry, read independently of the importer: between the
    first two occurrences of 本期焦点, an entry ends in dots and a page number; a wrapped title
    has its first half on the line above."""
    lines = text.splitlines()
    first = lines.index("本期焦点")
    second = lines.index("本期焦点", first + 1)
    entries, prev, section = [], "", None
    for line in lines[first:second]:
        cell = line.strip()
        if cell.startswith("|"):
            cell = cell.strip("|").split("|")[0].strip()
        if cell in SECTIONS:
            section, prev = cell, ""
            continue
        m = re.match(r"^(.*?)\.{3,}", cell)
        if m:
            entries.append((section, _nows(prev + m.group(1))))
            prev = ""
        elif cell and not set(cell) <= set("-| "):
            prev = cell
        else:
            prev = ""
    return entries


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_issue", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def counts():
    return (
        Issue.objects.count(), Article.objects.count(), Revision.objects.count(),
        IssueArticle.objects.count(), Section.objects.count(),
    )


def placed(issue):
    return [
        (p.section.name, p.article.title)
        for p in issue.placements.select_related("section", "article").order_by("section__position", "position")
    ]


# ---------------------------------------------------------------------------
# the sample issue through the command


def test_command_imports_sample(publication, editor, client, sample_issue):
    s = sample_issue
    output = run(s.path, "--as", "editor")

    issue = Issue.objects.get(publication=publication)
    assert (issue.year, issue.month, issue.year_number, issue.serial_number) == (
        s.year, s.month, s.year_number, s.serial_number
    )
    assert issue.status == Issue.Status.PUBLISHED
    assert issue.publication_date == s.publication_date
    assert "已导入" in output and f"总第{s.serial_number}期" in output
    assert f"{s.article_count} 篇文章" in output

    expected = toc_titles(s.text())
    assert len(expected) == s.article_count
    got = placed(issue)
    assert [(section, _nows(title)) for section, title in got] == expected
    by_section = {}
    for section, _title in got:
        by_section[section] = by_section.get(section, 0) + 1
    assert by_section == s.section_counts
    # a TOC-wrapped title is one title; a space kept by both renderings survives
    titles = [title for _s, title in got]
    assert s.wrapped_title in titles
    assert s.spaced_title in titles

    focus = issue.focus_article
    assert focus.title == s.focus_title and focus.section.name == "本期焦点"
    assert focus.event_date == s.focus_date
    assert focus.body.startswith(f"<p>{s.focus_date.month}月{s.focus_date.day}日，")
    assert focus.status == Article.Status.PUBLISHED and focus.author == editor
    # every article has its first revision, pinned by the published issue
    for placement in issue.placements.all():
        assert placement.revision is not None and placement.revision.number == 1
    publication.refresh_from_db()
    assert publication.last_serial_number is None  # importing never moves the counter
    # the colophon differs from the publication's settings: reported, not overwritten
    assert "刊尾“主办”与刊物设置不一致" in output
    assert publication.sponsor == "测试区人民政府"

    page = client.get(f"/test-dsyb/{s.serial_number}/")
    assert page.status_code == 200
    html = page.content.decode()
    for _section, title in got:
        assert title in html
    # the next regular publish still starts Bulletin's own series
    from bulletin.publishing import next_numbers

    assert next_numbers(publication, s.year).serial_number == BACK_ISSUE_SERIES_START


def live_issue(publication):
    return Issue.objects.exclude(status=Issue.Status.REPLACED).get(publication=publication)


def approve_latest(head):
    from bulletin.importing.service import approve_replacement
    from bulletin.models import BackIssueReplacement

    return approve_replacement(BackIssueReplacement.objects.latest("pk"), by=head)


def test_imported_articles_are_indexed_once_and_found_by_readers(
    publication, editor, head, client, sample_issue, django_capture_on_commit_callbacks, monkeypatch
):
    """Each article is saved, placed, then the issue saved twice: the search index is built
    once per article, in one batch, after the import commits (also when it replaces)."""
    from bulletin.search import index as search

    batches = []
    index_rows = search.index_rows
    monkeypatch.setattr(search, "index_rows", lambda ids, *a: batches.append(sorted(ids)) or index_rows(ids, *a))
    for replace in (False, True):
        batches.clear()
        with django_capture_on_commit_callbacks(execute=True):
            if replace:
                run(sample_issue.path, "--as", "editor", "--replace")
                approve_latest(head)
            else:
                run(sample_issue.path, "--as", "editor")
        issue = live_issue(publication)
        assert batches == [sorted(issue.placements.values_list("article_id", flat=True))]
        response = client.get(reverse("reader:search"), {"q": sample_issue.focus_words})
        assert [r["row"].title for r in response.context["results"]] == [sample_issue.focus_title]
        assert issue.placements.filter(article__search_index__issue=issue).count() == sample_issue.article_count


def test_dry_run_writes_nothing(publication, editor, sample_issue):
    s = sample_issue
    before = counts()
    output = run(s.path, "--dry-run")
    assert counts() == before
    assert f"总第{s.serial_number}期" in output
    assert f"【时政要点】（{s.section_counts['时政要点']} 篇）" in output
    assert f"{s.focus_date.isoformat()}  {s.focus_title}" in output
    assert f"邮箱：{s.colophon['email']}" in output
    assert "未归类的行（0 行）" in output
    assert "试运行：未写入任何内容。" in output


def test_importing_twice_is_refused_and_replace_is_a_request_the_head_approves(
    publication, editor, head, own_issue
):
    run(own_issue.path, "--as", "editor")
    first = Issue.objects.get(publication=publication)
    before = counts()

    with pytest.raises(CommandError, match=f"总第{own_issue.serial_number}期）已存在"):
        run(own_issue.path, "--as", "editor")
    assert counts() == before

    output = run(own_issue.path, "--as", "editor", "--replace")
    assert "已提交替换" in output and "须由另一位主任在编辑部批准" in output
    assert counts() == before and live_issue(publication) == first  # nothing replaced yet

    issue = approve_latest(head)
    assert issue.pk != first.pk and live_issue(publication) == issue
    assert issue.serial_number == own_issue.serial_number and issue.year_number == own_issue.year_number
    assert issue.placements.count() == own_issue.article_count
    first.refresh_from_db()
    # the old issue is kept with its articles, placements and history
    assert first.status == Issue.Status.REPLACED and first.serial_number == own_issue.serial_number
    assert first.placements.count() == own_issue.article_count
    assert Article.objects.filter(publication=publication).count() == 2 * own_issue.article_count


def test_replace_refuses_a_month_being_assembled(publication, editor, own_issue):
    Issue.objects.create(publication=publication, year=own_issue.year, month=own_issue.month)
    before = counts()
    with pytest.raises(CommandError, match="正在编排中"):
        run(own_issue.path, "--as", "editor", "--replace")
    assert counts() == before


def test_command_needs_a_known_publication_and_user(publication, own_issue):
    with pytest.raises(CommandError, match="没有网址标识为“nope”的刊物"):
        run(own_issue.path, "--publication", "nope")
    with pytest.raises(CommandError, match="没有超级用户"):
        run(own_issue.path)
    Publication.objects.create(name="另一份刊物", slug="other")
    with pytest.raises(CommandError, match="有多个刊物"):
        run(own_issue.path, "--dry-run")


# ---------------------------------------------------------------------------
# invented issues: wrapped titles, page-break debris, spacing, .docx, malformed files

INVENTED_TXT = """\
测试区大事月报

2021年3月
(总第 101 期)

测试区地方史志办公室

2021年3月12日

本期焦点

测试区召开春季植树造林动员大会暨生态廊道
建设推进会.....2

民生视点

社区老年食堂新增三处就餐点.....3

本期焦点

测试区召开春季植树造林动员大会暨生态廊道
建设推进会

2 月 26 日，测试区召开 2021 年春季植树造林动员大会，区林业局、各街道负责人参加会议。会议要求各单位

- 3 -

落实责任，确保按时完成绿化任务。

会议还部署了生态廊道建设的重点工作。

民生视点

社区老年食堂新增三处就餐点

3月2日，区民政局在三个社区新增老年食堂就餐点，为老人提供平价午餐。

（内部资料 注意保存）

主 办：测试区人民政府
编辑出版：测试区地方史志办公室
电 话：0371-87654321
邮 箱：new-office@example.org
"""


def write(tmp_path, name, content) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_text_with_wrapped_title_and_page_break(publication, editor, tmp_path):
    publication.phone = ""
    publication.save()
    run(write(tmp_path, "2021-03.txt", INVENTED_TXT), "--as", "editor")

    issue = Issue.objects.get(serial_number=101)
    # the masthead gives no 第N期: none is made up from the month (shown as 总第101期 alone)
    assert (issue.year, issue.month, issue.year_number) == (2021, 3, None)
    assert issue.numbers_label == "总第101期"
    assert placed(issue) == [
        ("本期焦点", "测试区召开春季植树造林动员大会暨生态廊道建设推进会"),
        ("民生视点", "社区老年食堂新增三处就餐点"),
    ]
    focus = issue.focus_article
    assert focus.event_date == datetime.date(2021, 2, 26)
    # the paragraph split by the page break is one paragraph again; the page number is gone,
    # and the spaces inside Chinese text are removed
    assert focus.body == (
        "<p>2月26日，测试区召开2021年春季植树造林动员大会，区林业局、各街道负责人参加会议。"
        "会议要求各单位落实责任，确保按时完成绿化任务。</p>"
        "<p>会议还部署了生态廊道建设的重点工作。</p>"
    )
    publication.refresh_from_db()
    assert publication.phone == "0371-87654321"  # was empty: filled from the colophon
    assert publication.email == "office@example.org"  # differs: kept


def test_body_text_is_escaped(publication, editor, tmp_path):
    text = INVENTED_TXT.replace(
        "为老人提供平价午餐。", "为老人提供<script>alert(1)</script>平价午餐。"
    )
    run(write(tmp_path, "x.txt", text), "--as", "editor")
    article = Article.objects.get(title="社区老年食堂新增三处就餐点")
    assert "<script>" not in article.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article.body


def build_docx() -> bytes:
    """An invented issue as Word: wrapped titles on two paragraphs, a page number paragraph
    splitting a paragraph, spaces inside Chinese text, the TOC as a Word table."""
    import docx

    doc = docx.Document()
    for line in ["测试区大事月报", "2022年5月", "（总第 115 期）", "测试区地方史志办公室", "2022年5月16日"]:
        doc.add_paragraph(line)
    doc.add_paragraph("时政要点")
    table = doc.add_table(rows=0, cols=2)
    for title, page in [
        ("测试区召开优化营商环境工作推进会暨重点项目 集中签约仪式.....", "2"),
        ("区人大常委会视察城市书房建设.....", "3"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = title, page
    doc.add_paragraph("文化亮点")
    doc.add_paragraph("非遗展演走进社区.....4")

    doc.add_paragraph("时政要点")
    doc.add_paragraph("测试区召开优化营商环境工作推进会暨重点项目")
    doc.add_paragraph("集中签约仪式")
    doc.add_paragraph("4 月 20 日，测试区召开优化营商环境工作推进会，现场集中签约重点项目 8 个，")
    doc.add_paragraph("3")
    doc.add_paragraph("总投资约 40 亿元。")
    doc.add_paragraph("区人大常委会视察城市书房建设")
    doc.add_paragraph("4月27日，区人大常委会组织代表视察城市书房建设情况。")
    doc.add_paragraph("文化亮点")
    doc.add_paragraph("非遗展演走进社区")
    doc.add_paragraph("5月3日，区文化馆组织非遗传承人走进社区开展展演活动。")
    doc.add_paragraph("（内部资料 注意保存）")
    doc.add_paragraph("主 办：测试区人民政府")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_command_imports_a_docx(publication, editor, tmp_path):
    path = write(tmp_path, "2022-05.docx", build_docx())
    run(path, "--as", "editor")
    issue = Issue.objects.get(serial_number=115)
    assert (issue.year, issue.month) == (2022, 5)
    assert issue.publication_date == datetime.date(2022, 5, 16)
    assert placed(issue) == [
        ("时政要点", "测试区召开优化营商环境工作推进会暨重点项目集中签约仪式"),
        ("时政要点", "区人大常委会视察城市书房建设"),
        ("文化亮点", "非遗展演走进社区"),
    ]
    # no 本期焦点 in this issue: the focus is the first article
    assert issue.focus_article.title.startswith("测试区召开优化营商环境")
    assert issue.focus_article.body == (
        "<p>4月20日，测试区召开优化营商环境工作推进会，现场集中签约重点项目8个，总投资约40亿元。</p>"
    )
    assert issue.focus_article.event_date == datetime.date(2022, 4, 20)


def test_malformed_file_names_the_line_and_writes_nothing(publication, editor, tmp_path):
    broken = INVENTED_TXT.replace("(总第 101 期)", "(总第 一O一 期)")
    before = counts()
    with pytest.raises(CommandError, match="第 4 行：无法识别期号"):
        run(write(tmp_path, "broken.txt", broken), "--as", "editor")
    assert counts() == before


NO_SECTION_TXT = """\
测试区大事月报

2021年3月
(总第 101 期)

测试区地方史志办公室

2021年3月12日

区图书馆延长周末开放时间

3月6日，区图书馆宣布周末开放时间延长至晚上九点。

专题报道

社区老年食堂新增三处就餐点

3月2日，区民政局在三个社区新增老年食堂就餐点，为老人提供平价午餐。
"""


def test_error_during_import_rolls_back_a_replace(publication, editor, head, tmp_path):
    """An error after the old issue was set aside and a new section was created undoes it all."""
    from bulletin.importing.service import IssueImportError
    from bulletin.models import BackIssueReplacement

    run(write(tmp_path, "ok.txt", INVENTED_TXT), "--as", "editor")
    old = Issue.objects.get(serial_number=101)
    path = write(tmp_path, "no-section.txt", NO_SECTION_TXT)
    run(path, "--as", "editor", "--replace", "--create-sections")
    before = counts()
    with pytest.raises(IssueImportError, match="第 10 行：“区图书馆延长周末开放时间”不属于任何栏目"):
        approve_latest(head)
    assert counts() == before
    assert Issue.objects.get(pk=old.pk).status == Issue.Status.PUBLISHED
    assert BackIssueReplacement.objects.get().is_pending
    assert not Section.objects.filter(name="专题报道").exists()


def test_unknown_section_needs_create_sections(publication, editor, tmp_path):
    text = INVENTED_TXT.replace("民生视点", "专题报道")
    path = write(tmp_path, "new-section.txt", text)
    before = counts()
    with pytest.raises(CommandError, match=r"第 \d+ 行：未知栏目“专题报道”"):
        run(path, "--as", "editor")
    assert counts() == before

    run(path, "--as", "editor", "--create-sections")
    section = Section.objects.get(publication=publication, name="专题报道")
    assert section.position > publication.sections.get(name="民生视点").position
    assert placed(Issue.objects.get(serial_number=101))[-1] == ("专题报道", "社区老年食堂新增三处就餐点")


def test_unreadable_files_are_refused_in_chinese(publication, editor, tmp_path):
    with pytest.raises(CommandError, match="文件已损坏"):
        run(write(tmp_path, "bad.docx", b"PK\x03\x04 not really a zip"), "--as", "editor")
    # GBK is read (tests/unit/test_import_quality.py); a damaged UTF-8 file is not guessed at
    with pytest.raises(CommandError, match="第 3 行：文件是 UTF-8 编码，但这一行有损坏的字符"):
        run(write(tmp_path, "broken.txt", "中原区大事月报\n\n二〇二〇年十月".encode()[:-1]), "--as", "editor")
    with pytest.raises(CommandError, match="无法识别文件的编码"):
        run(write(tmp_path, "odd.txt", b"\x81\x20" * 40), "--as", "editor")
    with pytest.raises(CommandError, match="另存为 .docx"):
        run(write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100), "--as", "editor")
    with pytest.raises(CommandError, match="无法读取文件"):
        run(tmp_path / "missing.txt", "--as", "editor")
    assert Issue.objects.count() == 0


# ---------------------------------------------------------------------------
# the desk: upload → preview → confirm


def upload(client, name, content, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("desk:import_upload"),
        {"file": SimpleUploadedFile(name, data), "publication": extra.pop("publication"), **extra},
    )


def test_desk_upload_preview_confirm(client, publication, editor, sample_issue, django_capture_on_commit_callbacks):
    s = sample_issue
    client.force_login(editor)
    assert client.get(reverse("desk:import_upload")).status_code == 200

    response = upload(client, "sample.txt", s.path.read_bytes(), publication=publication.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"总第{s.serial_number}期" in html
    for _section, title in toc_titles(s.text()):
        assert title in _nows(html)
    focus_date = f"{s.focus_date.year}年{s.focus_date.month}月{s.focus_date.day}日"
    assert focus_date in html and s.colophon["email"] in html
    assert "正文开头没有日期" in html  # the parser's warning is shown
    assert Issue.objects.count() == 0  # the preview writes nothing
    token = response.context["token"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:import_confirm"), {"token": token})
    assert response.status_code == 302 and "/desk/jobs/" in response.url  # the worker writes it
    run_worker()
    issue = Issue.objects.get(serial_number=s.serial_number)
    assert issue.placements.count() == s.article_count
    assert f'href="{reverse("desk:import_done", args=[issue.pk])}"' in client.get(response.url).content.decode()
    page = client.get(reverse("desk:import_done", args=[issue.pk])).content.decode()
    assert "已导入" in page and "刊尾“主办”与刊物设置不一致" in page
    assert f'href="/test-dsyb/{s.serial_number}/"' in page
    assert s.focus_title in client.get(f"/test-dsyb/{s.serial_number}/").content.decode()

    # the staged file is gone: confirming again cannot import twice
    response = client.post(reverse("desk:import_confirm"), {"token": token}, follow=True)
    assert "预览已过期" in response.content.decode()
    assert Issue.objects.count() == 1


def test_desk_duplicate_needs_replace(client, publication, editor, head, tmp_path, django_capture_on_commit_callbacks):
    run(write(tmp_path, "a.txt", INVENTED_TXT), "--as", "editor")
    before = counts()
    client.force_login(editor)
    response = upload(client, "again.txt", INVENTED_TXT, publication=publication.pk)
    assert "已存在" in response.content.decode() and 'name="replace"' in response.content.decode()
    token = response.context["token"]

    response = client.post(reverse("desk:import_confirm"), {"token": token})
    assert response.status_code == 409
    assert "导入失败，未写入任何内容" in response.content.decode()
    assert counts() == before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:import_confirm"), {"token": token, "replace": "1"})
    assert response.status_code == 302 and "/desk/jobs/" in response["Location"]
    run_worker()  # files the request
    assert counts() == before  # a request: nothing replaced until the head approves
    request = BackIssueReplacement.objects.get()

    client.force_login(head)
    response = client.post(reverse("desk:import_replacement", args=[request.pk]) + "approve/", {"confirm": "1"})
    assert response.status_code == 302
    assert Issue.objects.filter(serial_number=101, status=Issue.Status.PUBLISHED).count() == 1
    assert Issue.objects.filter(serial_number=101, status=Issue.Status.REPLACED).count() == 1


def test_desk_broken_file_gets_a_chinese_message(client, publication, head):
    client.force_login(head)
    response = upload(client, "broken.docx", b"PK\x03\x04garbage", publication=publication.pk)
    assert response.status_code == 400
    assert "文件已损坏" in response.content.decode()

    broken = INVENTED_TXT.replace("(总第 101 期)", "(总第 一O一 期)")
    response = upload(client, "broken.txt", broken, publication=publication.pk)
    assert response.status_code == 400
    assert "第 4 行：无法识别期号" in response.content.decode()
    assert Issue.objects.count() == 0


def test_desk_import_is_for_editors_and_head_only(client, publication, reader, approver, editor,
                                                 django_capture_on_commit_callbacks):
    assert client.get(reverse("desk:import_upload")).status_code == 302  # to the login page
    for user in (reader, approver):
        client.force_login(user)
        assert client.get(reverse("desk:import_upload")).status_code == 403
        response = upload(client, "x.txt", INVENTED_TXT, publication=publication.pk)
        assert response.status_code == 403
    client.force_login(editor)
    run_issue = upload(client, "x.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("desk:import_confirm"), {"token": run_issue})
    run_worker()
    imported = Issue.objects.get(serial_number=101)
    client.force_login(reader)
    assert client.get(reverse("desk:import_done", args=[imported.pk])).status_code == 403
    imported_counts = counts()
    # an editor's staged file cannot be confirmed by a reader
    client.force_login(editor)
    token = upload(client, "x.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    client.force_login(reader)
    assert client.post(reverse("desk:import_confirm"), {"token": token, "replace": "1"}).status_code == 403
    assert counts() == imported_counts


def test_desk_token_belongs_to_its_uploader(client, publication, editor, editor2):
    client.force_login(editor)
    token = upload(client, "x.txt", INVENTED_TXT, publication=publication.pk).context["token"]
    client.force_login(editor2)
    for bad in (token, "../../etc/passwd", ""):
        response = client.post(reverse("desk:import_confirm"), {"token": bad}, follow=True)
        assert "预览已过期" in response.content.decode()
    assert Issue.objects.count() == 0


def test_publication_without_sections_gets_a_usable_hint(editor, own_issue):
    # A publication just created in admin has no sections yet: the office must be told so, and
    # be pointed at the option that exists on the command line, not at an empty list.
    Publication.objects.create(name=own_issue.publication_name, slug="twq-dsyb")
    with pytest.raises(CommandError) as refused:
        run(own_issue.path, "--as", "editor")
    message = str(refused.value)
    line = own_issue.text().splitlines().index("本期焦点") + 1
    assert line == 12  # the TOC's first heading, after the masthead
    assert f"第 {line} 行：未知栏目“本期焦点”" in message
    assert "已知栏目：）" not in message and "还没有栏目" in message
    assert "--create-sections" in message and "允许新增栏目" in message
    assert Issue.objects.count() == 0


def test_text_far_beyond_an_issue_is_refused_before_parsing(client, publication, editor, tmp_path, own_issue):
    # 18 MB of text took 90 s and 2 GB of memory to import (one web request on the desk); a
    # monthly issue is about 20 000 characters, so anything past the limit is not an issue.
    from bulletin.importing.service import MAX_TEXT_CHARS

    sample = own_issue.text()
    cut = sample.index("(内部资料 注意保存)")
    filler = "区民政局每季度走访一次长者食堂，检查菜品价格和卫生情况。\n\n"
    big = sample[:cut] + filler * (MAX_TEXT_CHARS // len(filler) + 1) + sample[cut:]
    assert len(big.encode()) < 20 * 1024 * 1024  # under the byte limit: the text limit refuses it
    with pytest.raises(CommandError, match="文字过多"):
        run(write(tmp_path, "big.txt", big), "--dry-run")

    import docx

    document = docx.Document()
    for paragraph in big.split("\n\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    client.force_login(editor)
    response = upload(client, "big.docx", buffer.getvalue(), publication=publication.pk)
    assert response.status_code == 400
    assert "文字过多" in response.content.decode()
    assert Issue.objects.count() == 0


def test_refused_upload_explains_itself_in_chinese(client, publication, reader):
    # A reader who opens the import page gets the reason in Chinese on a normal site page,
    # not Django's bare English "403 Forbidden".
    client.force_login(reader)
    response = client.get(reverse("desk:import_upload"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "只有编辑和主任可以导入往期刊物。" in html
    assert "Forbidden" not in html and 'lang="zh-Hans"' in html
