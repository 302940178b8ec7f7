"""Back-issue import never differs silently from the file (issue #13, "Import"):

* 第N期 comes from the file or the editor, never from the month;
* a file without a table of contents, a repeated title line, a picture or text box in a .docx
  each end in a warning on the preview (or a refusal);
* GBK/GB18030 text files, what Chinese Windows writes, are read.

Every file here is built in the test from invented text.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from bulletin.importing.parser import ImportParseError, parse_text
from bulletin.importing.service import import_parsed_issue, parse_issue_file
from bulletin.models import Issue

ARTICLES = [
    ("本期焦点", "区委召开常委会议研究部署重点工作", "9月1日，区委召开常委会议，研究部署近期重点工作。"),
    ("时政要点", "区政府召开常务会议", "9月3日，区政府召开常务会议，听取有关工作汇报。"),
    ("时政要点", "区人大常委会视察老旧小区改造", "9月5日，区人大常委会组织代表视察老旧小区改造工作。"),
    ("时政要点", "区政协召开专题协商会", "为推动民生实事落地，区政协召开专题协商会，围绕养老服务建言献策。"),
    ("创文看点", "区纪委督导街道创文工作", "9月8日，区纪委督导组到街道督导创文工作。"),
    ("创文看点", "文明交通志愿服务进路口", "9月9日，文明交通志愿服务队走进十个路口开展劝导。"),
    ("经济热点", "第三批重大项目集中开工", "9月12日，第三批重大项目集中开工，总投资一百亿元。"),
    ("文化亮点", "庆祝教师节座谈会召开", "在第36个教师节到来之际，区委区政府召开座谈会，慰问优秀教师代表。"),
    ("民生视点", "秋季学校食堂监管工作开展", "9月15日，区市场监管局开展秋季学校食堂监管工作。"),
    ("民生视点", "全民健身系列活动启动", "9月18日，全民健身系列体育活动在区体育中心启动。"),
]
SECOND_PARAGRAPH = "会议强调，要提高政治站位，压实工作责任，确保各项任务落到实处。"
TITLES = [title for _section, title, _first in ARTICLES]


def issue_text(
    *, toc=True, numbers="(总第97期)", month="2020年10月", repeat=None, articles=ARTICLES
) -> str:
    """An issue of ten articles; two (the 4th and the 8th) do not start with a date."""
    out = ["中原区大事月报", "", month, numbers, "", "中原区地方史志办公室", "", "2020年10月15日", ""]
    if toc:
        section = None
        for page, (name, title, _first) in enumerate(articles, start=3):
            if name != section:
                out += [name, ""]
                section = name
            out += [f"{title}.....{page}", ""]
    section = None
    for index, (name, title, first) in enumerate(articles):
        if name != section:
            out += [name, ""]
            section = name
        out += [title, ""]
        if repeat == index:
            out += [title, ""]
        out += [first, "", SECOND_PARAGRAPH, ""]
    out += [
        "（内部资料 注意保存）",
        "发放范围：区委、区政府各部门",
        "主 办：测试区人民政府",
        "编辑出版：测试区地方史志办公室",
        "电 话：0371-12345678",
        "邮 箱：office@example.org",
    ]
    return "\n".join(out) + "\n"


def import_file(publication, user, data: bytes, name="issue.txt", **options) -> Issue:
    parsed = parse_issue_file(data, name, publication=publication, **options)
    return import_parsed_issue(parsed, publication=publication, by=user)


def upload(client, publication, data: bytes, name="issue.txt", **fields):
    return client.post(
        reverse("desk:import_upload"),
        {"file": SimpleUploadedFile(name, data), "publication": publication.pk, **fields},
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ---------------------------------------------------------------------------------------------
# 第N期: from the file or the editor, never from the month


@pytest.mark.parametrize(
    "numbers, expected",
    [
        ("(总第97期)", None),
        ("(第10期 总第97期)", 10),
        ("（第十期　总第97期）", 10),
        ("2020年第10期\n(总第97期)", 10),
        ("第9期\n总第97期", 9),
    ],
)
def test_year_number_only_when_the_masthead_gives_it(numbers, expected):
    parsed = parse_text(issue_text(numbers=numbers))
    assert (parsed.year, parsed.month, parsed.serial_number) == (2020, 10, 97)
    assert parsed.year_number == expected


@pytest.mark.parametrize(
    "numbers, message",
    [("(第0期 总第97期)", "年度期号（第N期）无效"), ("第9期\n(第10期 总第97期)", "年度期号不一致")],
)
def test_impossible_year_numbers_are_refused(numbers, message):
    with pytest.raises(ImportParseError) as info:
        parse_text(issue_text(numbers=numbers))
    assert message in str(info.value)


def test_issue_without_year_number_shows_its_serial_number_only(
    publication, editor, reader, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the search index is built on commit
        issue = import_file(publication, editor, issue_text().encode())
    assert (issue.year_number, issue.serial_number) == (None, 97)
    assert issue.numbers_label == "总第97期"
    assert issue.dated_numbers_label == "2020年10月（总第97期）"
    assert issue.events.last().comment == "按原期号录入：总第97期"

    client.force_login(reader)
    pages = [
        reverse("reader:home"),
        reverse("reader:archive", args=[publication.slug]),
        issue.get_absolute_url(),
        reverse("reader:search") + "?q=" + "常务会议",
        reverse("reader:chronicle", args=[publication.slug, 2020]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = text_of(response)
        assert "None" not in html and "第期" not in html, url
        assert "总第97期" in html, url
        assert "第10期" not in html, url  # nothing made up from the month


def test_several_back_issues_of_a_year_without_year_numbers(publication, editor):
    """The (publication, year, 第N期) constraint lets any number of issues have none."""
    first = import_file(publication, editor, issue_text().encode())
    second = import_file(
        publication, editor,
        issue_text(month="2020年11月", numbers="(总第98期)").replace("2020年10月15日", "2020年11月15日").encode(),
    )
    assert (first.year, first.year_number, second.year, second.year_number) == (2020, None, 2020, None)
    assert Issue.objects.filter(year=2020, year_number__isnull=True).count() == 2


def test_editor_gives_the_year_number(publication, editor, tmp_path):
    path = tmp_path / "2020-10.txt"
    path.write_text(issue_text(), encoding="utf-8")
    out = io.StringIO()
    call_command("import_issue", str(path), "--as", "editor", "--year-number", "10", stdout=out)
    issue = Issue.objects.get(serial_number=97)
    assert issue.year_number == 10 and issue.numbers_label == "第10期（总第97期）"


def test_editor_number_overrides_the_file_with_a_warning(publication, editor):
    parsed = parse_issue_file(
        issue_text(numbers="(第9期 总第97期)").encode(), "issue.txt", publication=publication,
        year_number=10,
    )
    assert parsed.year_number == 10
    assert "文件中为第9期，按填写的第10期导入。" in parsed.warnings


def test_a_year_number_already_taken_is_refused(publication, editor):
    import_file(publication, editor, issue_text(numbers="(第10期 总第97期)").encode())
    november = issue_text(month="2020年11月", numbers="(第10期 总第98期)").replace("2020年10月15日", "2020年11月15日")
    with pytest.raises(ImportParseError) as info:
        import_file(publication, editor, november.encode())
    assert "2020年第10期已存在" in str(info.value)
    assert not Issue.objects.filter(serial_number=98).exists()


def test_desk_preview_says_when_the_file_has_no_year_number(client, publication, editor):
    client.force_login(editor)
    response = upload(client, publication, issue_text().encode())
    assert response.status_code == 200
    html = text_of(response)
    assert "年度期号：文件未注明" in html and "2020年第10期" not in html

    response = upload(client, publication, issue_text().encode(), year_number="10")
    html = text_of(response)
    assert "年度期号：2020年第10期" in html
    token = response.context["token"]
    response = client.post(reverse("desk:import_confirm"), {"token": token})
    assert response.status_code == 302
    assert Issue.objects.get(serial_number=97).year_number == 10

    response = upload(client, publication, issue_text().encode(), year_number="0")
    assert response.status_code == 400
    assert "年度期号应在 1 到 999 之间" in text_of(response)
