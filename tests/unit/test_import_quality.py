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
from tests.conftest import BACK_ISSUE_SERIES_START, start_series_at


@pytest.fixture
def publication(publication):
    """Bulletin's own series starts above the files' back issues (tests/conftest.py)."""
    return start_series_at(publication, BACK_ISSUE_SERIES_START)


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


def test_desk_preview_says_when_the_file_has_no_year_number(client, publication, editor,
                                                           django_capture_on_commit_callbacks):
    from tests.unit.test_chronicle_exports import run_worker

    client.force_login(editor)
    response = upload(client, publication, issue_text().encode())
    assert response.status_code == 200
    html = text_of(response)
    assert "年度期号：文件未注明" in html and "2020年第10期" not in html

    response = upload(client, publication, issue_text().encode(), year_number="10")
    html = text_of(response)
    assert "年度期号：2020年第10期" in html
    token = response.context["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:import_confirm"), {"token": token})
    assert response.status_code == 302
    run_worker()  # the import's writing step
    assert Issue.objects.get(serial_number=97).year_number == 10

    response = upload(client, publication, issue_text().encode(), year_number="0")
    assert response.status_code == 400
    assert "年度期号应在 1 到 999 之间" in text_of(response)


# ---------------------------------------------------------------------------------------------
# files whose layout alone decides: no table of contents, a title written twice


def body_of(parsed):
    return {article.title: article.body_paragraphs for article in parsed.articles}


def test_file_without_toc_keeps_every_article_and_says_how_it_read_them():
    # Two articles (the 4th, the 8th) do not start with a date: before, they were glued to the
    # article above them without a word (10 articles became 8).
    parsed = parse_text(issue_text(toc=False))
    assert [article.title for article in parsed.articles] == TITLES
    for _section, title, first in ARTICLES:
        assert body_of(parsed)[title] == [first, SECOND_PARAGRAPH]
    warnings = "\n".join(parsed.warnings)
    assert parsed.warnings[0].startswith("文件中没有目录，无法与目录逐篇核对")
    assert "“区政协召开专题协商会”像是标题（后面一段开头没有日期），已作为新的一篇导入" in warnings
    assert "“庆祝教师节座谈会召开”像是标题" in warnings


def test_file_without_toc_and_a_two_line_title():
    articles = list(ARTICLES)
    articles[3] = ("时政要点", "区政协召开专题协商会\n围绕养老服务建言献策", articles[3][2])
    parsed = parse_text(issue_text(toc=False, articles=articles))
    assert parsed.articles[3].title == "区政协召开专题协商会围绕养老服务建言献策"
    assert len(parsed.articles) == 10


def test_title_missing_from_the_toc_is_reported():
    text = issue_text().replace("区政协召开专题协商会.....6\n", "")
    parsed = parse_text(text)
    assert "区政协召开专题协商会" not in [article.title for article in parsed.articles]
    assert any(
        "“区政协召开专题协商会”像是一篇文章的标题，但目录中没有，已作为“区人大常委会视察老旧小区改造”的正文导入"
        in warning
        for warning in parsed.warnings
    )


@pytest.mark.parametrize("toc", [True, False])
def test_a_title_line_written_twice_is_one_article(toc):
    parsed = parse_text(issue_text(toc=toc, repeat=2))
    assert [article.title for article in parsed.articles] == TITLES  # not doubled, none empty
    assert all(article.body_paragraphs for article in parsed.articles)
    assert any("标题“区人大常委会视察老旧小区改造”连续出现了两次，已按一篇文章导入" in w for w in parsed.warnings)


def test_desk_preview_lists_the_layout_warnings(client, publication, editor):
    client.force_login(editor)
    response = upload(client, publication, issue_text(toc=False, repeat=2).encode())
    assert response.status_code == 200
    html = text_of(response)
    assert "10 篇文章" in html
    assert "文件中没有目录" in html
    assert "连续出现了两次" in html
    assert "像是标题（后面一段开头没有日期）" in html


# ---------------------------------------------------------------------------------------------
# pictures and text boxes in a .docx: the import takes the text only, and says what it left


WP_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "v": "urn:schemas-microsoft-com:vml",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}
DECLS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in WP_NS.items())
# A text box as Word writes it: DrawingML inside mc:Choice, the same shape as VML in mc:Fallback.
TEXT_BOX_RUN = f"""<w:r {DECLS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>
<w:p><w:r><w:t>图为活动现场的志愿者</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp>
</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape>
<v:textbox><w:txbxContent><w:p><w:r><w:t>图为活动现场的志愿者</w:t></w:r></w:p></w:txbxContent>
</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"""


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def issue_docx(text: str, *, pictures_after=(), text_box_after=()) -> bytes:
    """The issue text as a Word file, one paragraph a line; a picture (its own paragraph)
    after the lines in ``pictures_after``, a text box after those in ``text_box_after``."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    for line in text.splitlines():
        if not line:
            continue
        document.add_paragraph(line)
        if line in pictures_after:
            document.add_picture(io.BytesIO(png()))
        if line in text_box_after:
            paragraph = document.add_paragraph()
            paragraph._p.append(parse_xml(TEXT_BOX_RUN))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_pictures_and_text_boxes_in_a_docx_are_reported(publication):
    data = issue_docx(
        issue_text(),
        pictures_after=["9月3日，区政府召开常务会议，听取有关工作汇报。", "9月12日，第三批重大项目集中开工，总投资一百亿元。"],
        text_box_after=["9月9日，文明交通志愿服务队走进十个路口开展劝导。"],
    )
    parsed = parse_issue_file(data, "2020-10.docx", publication=publication)
    assert [article.title for article in parsed.articles] == TITLES
    warnings = "\n".join(parsed.warnings)
    assert "“区政府召开常务会议”中有 1 张图片（或图表、图形）未导入" in warnings
    assert "“第三批重大项目集中开工”中有 1 张图片（或图表、图形）未导入" in warnings
    # Word's two renderings of one text box (DrawingML and VML fallback) are one text box
    assert warnings.count("文本框") == 1
    assert "“文明交通志愿服务进路口”中有一个文本框，其中的文字未导入（“图为活动现场的志愿者”）" in warnings
    assert "图为活动现场的志愿者" not in "".join(p for a in parsed.articles for p in a.body_paragraphs)


def test_a_docx_without_pictures_gets_no_such_warning(publication):
    parsed = parse_issue_file(issue_docx(issue_text()), "2020-10.docx", publication=publication)
    assert not any("图片" in warning or "文本框" in warning for warning in parsed.warnings)


def test_desk_preview_shows_the_dropped_picture(client, publication, editor):
    client.force_login(editor)
    data = issue_docx(issue_text(), pictures_after=["9月3日，区政府召开常务会议，听取有关工作汇报。"])
    response = upload(client, publication, data, name="2020-10.docx")
    assert response.status_code == 200
    assert "“区政府召开常务会议”中有 1 张图片（或图表、图形）未导入" in text_of(response)


# ---------------------------------------------------------------------------------------------
# text files as Chinese Windows writes them


def titles_of(data: bytes, publication, name="issue.txt"):
    parsed = parse_issue_file(data, name, publication=publication)
    return [article.title for article in parsed.articles], parsed.warnings


def test_gbk_text_file_is_read(publication):
    titles, warnings = titles_of(issue_text().encode("gbk"), publication)
    assert titles == TITLES
    assert warnings[0] == "文件按 GBK/GB18030 编码读取（中文 Windows 记事本的默认编码）。"


def test_gb18030_characters_outside_gbk_survive(publication):
    # 𠮷 (U+20BB7) and 䶮 (U+4DAE) are not in GBK; GB18030 has every Unicode character.
    articles = list(ARTICLES)
    articles[1] = ("时政要点", "区政府召开常务会议", "9月3日，区政府召开常务会议，𠮷䶮两位代表列席。")
    data = issue_text(articles=articles).encode("gb18030")
    parsed = parse_issue_file(data, "issue.txt", publication=publication)
    assert parsed.articles[1].body_paragraphs[0] == "9月3日，区政府召开常务会议，𠮷䶮两位代表列席。"


def test_utf16_text_file_with_byte_order_mark_is_read(publication):
    titles, warnings = titles_of(issue_text().encode("utf-16"), publication)
    assert titles == TITLES and "UTF-16" in warnings[0]


def test_utf8_stays_utf8_without_a_note(publication):
    titles, warnings = titles_of(issue_text().encode("utf-8-sig"), publication)
    assert titles == TITLES and not any("编码" in warning for warning in warnings)


def test_damaged_utf8_is_refused_naming_the_line_not_read_as_gbk(publication):
    data = issue_text().encode()
    damaged = data.replace("区政府召开常务会议，听取".encode(), "区政府召开常务会议，听取".encode()[:-1], 1)
    with pytest.raises(ImportParseError) as info:
        parse_issue_file(damaged, "issue.txt", publication=publication)
    line = next(no for no, text in enumerate(issue_text().splitlines(), 1) if "听取有关工作汇报" in text)
    assert str(info.value) == f"第 {line} 行：文件是 UTF-8 编码，但这一行有损坏的字符，请检查后重新保存再导入。"


def test_binary_named_txt_is_refused(publication):
    with pytest.raises(ImportParseError) as info:
        parse_issue_file(png() * 3, "issue.txt", publication=publication)
    assert "无法识别文件的编码" in str(info.value) or "不是纯文本文件" in str(info.value)


def test_gbk_file_imports_through_the_command_and_the_desk(client, publication, editor, tmp_path):
    path = tmp_path / "2020-10.txt"
    path.write_bytes(issue_text().encode("gbk"))
    out = io.StringIO()
    call_command("import_issue", str(path), "--as", "editor", stdout=out)
    issue = Issue.objects.get(serial_number=97)
    assert issue.placements.count() == 10
    assert issue.focus_article.title == "区委召开常委会议研究部署重点工作"
    assert "注意：文件按 GBK/GB18030 编码读取" in out.getvalue()

    client.force_login(editor)
    november = issue_text(month="2020年11月", numbers="(总第98期)").replace("2020年10月15日", "2020年11月15日")
    response = upload(client, publication, november.encode("gbk"))
    assert response.status_code == 200
    assert "文件按 GBK/GB18030 编码读取" in text_of(response)
    assert "区委召开常委会议研究部署重点工作" in text_of(response)
