"""Unit tests for the issue parser (plain pytest, no Django needed)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from bulletin.importing.parser import (
    DEFAULT_SECTIONS,
    ImportParseError,
    format_report,
    parse_docx,
    parse_text,
)

FINAL = "。！？”；…"


def _nows(s: str) -> str:
    return re.sub(r"\s+", "", s)


# ---------------------------------------------------------------------------
# whole issues: the tests' own (tests/data/issue-sample.txt) and, where it is beside the
# repository, the office's real sample (the `sample_issue` fixture in tests/conftest.py)


@pytest.fixture(scope="module")
def sample_text(sample_issue) -> str:
    return sample_issue.text()


@pytest.fixture(scope="module")
def sample(sample_text):
    return parse_text(sample_text)


def _sample_toc_titles(text: str) -> list[str]:
    """An independent, deliberately simple TOC reader for a sample file:
    everything between the first two occurrences of the first section name,
    entries end with dots (+ page), a wrapped title has its first half on
    the line directly above."""
    lines = text.splitlines()
    first = lines.index(DEFAULT_SECTIONS[0])
    second = lines.index(DEFAULT_SECTIONS[0], first + 1)
    titles, prev = [], ""
    for line in lines[first + 1 : second]:
        cell = (
            line.strip().strip("|").split("|")[0].strip()
            if line.strip().startswith("|")
            else line.strip()
        )
        m = re.match(r"^(.*?)\.{3,}", cell)
        if m:
            titles.append(_nows(prev + m.group(1)))
            prev = ""
        elif cell and cell not in DEFAULT_SECTIONS and not set(cell) <= set("-| "):
            prev = cell
        else:
            prev = ""
    return titles


def test_sample_masthead(sample, sample_issue):
    assert sample.publication_name == sample_issue.publication_name
    assert (sample.year, sample.month) == (sample_issue.year, sample_issue.month)
    assert sample.serial_number == sample_issue.serial_number
    assert sample.publication_date == sample_issue.publication_date
    assert sample.office == sample_issue.office


def test_sample_sections_in_order(sample):
    assert sample.sections == DEFAULT_SECTIONS


def test_sample_titles_equal_toc(sample, sample_text, sample_issue):
    toc_titles = _sample_toc_titles(sample_text)
    assert len(toc_titles) == sample_issue.article_count
    assert len(sample.articles) == sample_issue.article_count
    assert [_nows(a.title) for a in sample.articles] == toc_titles
    # the parser's own TOC view agrees with the article titles exactly
    assert [a.title for a in sample.articles] == [e.title for e in sample.toc]
    assert all(e.found for e in sample.toc)


def test_sample_canonical_titles(sample, sample_issue):
    titles = [a.title for a in sample.articles]
    # TOC table wrap space ("第九次 集体学习") and "2020 年" spacing removed
    assert sample_issue.wrapped_title in titles
    # a genuine space (TOC and body agree) is kept
    assert sample_issue.spaced_title in titles
    # no title keeps a space next to a digit
    assert not any(re.search(r"\d |\s\d", t) for t in titles)


def test_sample_article_sections(sample, sample_issue):
    counts = {s: 0 for s in DEFAULT_SECTIONS}
    for art in sample.articles:
        counts[art.section] += 1
    assert counts == sample_issue.section_counts
    by_title = {a.title: a for a in sample.articles}
    assert by_title[sample_issue.focus_title].section == "本期焦点"
    assert by_title[sample_issue.spaced_title].section == "民生视点"


def test_sample_dates(sample, sample_issue):
    by_title = {a.title: a for a in sample.articles}
    first = by_title[sample_issue.focus_title]
    focus_date = sample_issue.focus_date
    assert first.event_month_day == (focus_date.month, focus_date.day)
    assert first.event_date == focus_date
    assert first.toc_page == sample.toc[0].page
    # "9 月 10 日" written with spaces
    spaced = next(a for a in sample.articles if sample_issue.spaced_date_words in a.title)
    assert spaced.event_date == sample_issue.spaced_date
    # every article but one starts with its day; all happened in the month before the issue
    undated = [a.title for a in sample.articles if a.event_date is None]
    assert undated == [sample_issue.undated_title]
    before = date(sample_issue.year, sample_issue.month, 1) - timedelta(days=1)
    assert {(a.event_date.year, a.event_date.month) for a in sample.articles if a.event_date} == {
        (before.year, before.month)
    }


def test_sample_page_break_paragraphs_merged(sample, sample_issue):
    rejoined = next(a for a in sample.articles if a.title == sample_issue.rejoined_title)
    assert len(rejoined.body_paragraphs) == 1
    assert rejoined.body_paragraphs[0].startswith(sample_issue.rejoined_start)
    # every split paragraph in the issue was repaired
    for art in sample.articles:
        for para in art.body_paragraphs:
            assert para[-1] in FINAL, (art.title, para[-10:])
    # body text is normalised: no "2020 年" style spacing left
    assert not any(
        re.search(r"\d [\u4e00-\u9fff]|[\u4e00-\u9fff] \d", p)
        for a in sample.articles
        for p in a.body_paragraphs
    )


def test_sample_page_numbers_are_not_text(sample):
    # "— 4 —" / "- 7 -" page numbers between the halves of a paragraph are dropped
    assert not any(
        re.fullmatch(r"[-–—\s]*\d{1,3}[-–—\s]*", p) or re.search(r"—\s*\d{1,3}\s*—", p)
        for a in sample.articles
        for p in a.body_paragraphs
    )


def test_sample_colophon(sample, sample_issue):
    col = sample.colophon
    expected = sample_issue.colophon
    assert "内部资料" in col["confidentiality_notice"]
    assert col["distribution_scope"].startswith(expected["distribution_scope"])
    for key in ("sponsor", "publisher", "phone", "email"):
        assert col[key] == expected[key], key


def test_sample_nothing_unplaced(sample, sample_issue):
    assert sample.unplaced_lines == []
    # the only warning: one article starts with a year/season, not a day
    assert len(sample.warnings) == 1
    assert sample_issue.undated_title in sample.warnings[0] and "正文开头没有日期" in sample.warnings[0]


def test_sample_report(sample, sample_issue):
    s = sample_issue
    report = format_report(sample)
    year_number = f"第{s.year_number}期 " if s.year_number else ""
    assert f"《{s.publication_name}》{s.year}年{s.month}月 {year_number}总第{s.serial_number}期" in report
    assert f"【民生视点】（{s.section_counts['民生视点']} 篇）" in report
    assert f"{s.focus_date.isoformat()}  {s.focus_title}" in report
    assert f"电话：{s.colophon['phone']}" in report
    assert "未归类的行（0 行）" in report


def test_office_real_sample_is_checked_when_present(shared_sample):
    # Where ../shared/seed/ is beside the repository, every `sample_issue` test also runs on
    # the office's real issue (parameter "shared-sample"); a lone clone skips this one test.
    parsed = parse_text(shared_sample.text())
    assert len(parsed.articles) == shared_sample.article_count


# ---------------------------------------------------------------------------
# invented fixtures

INVENTED = """\
东城区工作简报

2021年1月
(总第 12 期)

东城区档案信息中心

2021年1月20日

本期焦点

东城区召开冬季供暖保障工作调度会暨燃气安全
专项检查部署会.....2

时政要点

| | |
|---|---|
| 区领导走访慰问困难群众..... | 3 |
| 东城区举办 2021 年度基层党建 业务培训班..... | 4 |
| 银杏社区 共建共享..... | 5 |

本期焦点

东城区召开冬季供暖保障工作调度会暨燃气安全
专项检查部署会

12月28日，东城区召开冬季供暖保障工作调度会，区住建局、各街道负责人参加会议。会议要求

- 7 -

各单位压实责任，确保群众温暖过冬。

时政要点

区领导走访慰问困难群众

1 月 5 日，区领导分组走访慰问 2021 年困难群众 30 户，送去米面油等慰问品。

东城区举办 2021 年度基层党建业务培训班

1月8日，东城区举办基层党建业务培训班，共 120 人参加。

8

银杏社区 共建共享

1月12日，银杏社区召开共建单位联席会议。

（内部资料 注意保存）

主 办：东城区人民政府
编辑出版：东城区档案信息中心
电 话：010-12345678
邮 箱：editor@example.org
"""


@pytest.fixture
def invented():
    return parse_text(INVENTED)


def test_invented_masthead(invented):
    assert invented.publication_name == "东城区工作简报"
    assert (invented.year, invented.month, invented.serial_number) == (2021, 1, 12)
    assert invented.publication_date == date(2021, 1, 20)
    assert invented.office == "东城区档案信息中心"
    assert invented.sections == ["本期焦点", "时政要点"]


def test_invented_wrapped_titles(invented):
    titles = [a.title for a in invented.articles]
    assert titles == [
        "东城区召开冬季供暖保障工作调度会暨燃气安全专项检查部署会",  # wrapped in TOC and body
        "区领导走访慰问困难群众",
        "东城区举办2021年度基层党建业务培训班",  # table wrap space dropped
        "银杏社区 共建共享",  # genuine space kept
    ]
    assert [a.section for a in invented.articles] == [
        "本期焦点",
        "时政要点",
        "时政要点",
        "时政要点",
    ]
    assert [a.toc_page for a in invented.articles] == [2, 3, 4, 5]
    assert invented.articles[0].line_no == 25


def test_invented_split_paragraph_and_page_numbers(invented):
    first = invented.articles[0]
    assert first.body_paragraphs == [
        "12月28日，东城区召开冬季供暖保障工作调度会，区住建局、各街道负责人参加会议。"
        "会议要求各单位压实责任，确保群众温暖过冬。"
    ]
    training = invented.articles[2]
    assert training.body_paragraphs == ["1月8日，东城区举办基层党建业务培训班，共120人参加。"]
    assert invented.unplaced_lines == []


def test_invented_spacing_and_dates(invented):
    visit = invented.articles[1]
    assert (
        visit.body_paragraphs[0]
        == "1月5日，区领导分组走访慰问2021年困难群众30户，送去米面油等慰问品。"
    )
    assert visit.event_date == date(2021, 1, 5)
    # a December event in a January issue belongs to the previous year
    assert invented.articles[0].event_month_day == (12, 28)
    assert invented.articles[0].event_date == date(2020, 12, 28)


def test_invented_colophon(invented):
    assert invented.colophon == {
        "confidentiality_notice": "内部资料 注意保存",
        "distribution_scope": None,
        "sponsor": "东城区人民政府",
        "publisher": "东城区档案信息中心",
        "phone": "010-12345678",
        "email": "editor@example.org",
    }
    assert any("发放范围" in w for w in invented.warnings)


def test_report_lists_warnings_and_unplaced_lines():
    text = INVENTED.replace("（内部资料 注意保存）", "（内部资料 注意保存）\n\n校对：某某", 1)
    parsed = parse_text(text)
    report = format_report(parsed)
    no = text.splitlines().index("校对：某某") + 1
    assert parsed.unplaced_lines == [(no, "校对：某某")]
    assert f"第 {no} 行：校对：某某" in report
    assert "刊尾信息缺少：发放范围。" in report


def test_toc_wrap_on_separate_paragraphs_and_subheadings():
    # the first TOC title's halves are separate paragraphs (blank line between);
    # an article contains an enumerated sub-heading followed by a dated paragraph
    text = INVENTED.replace(
        "燃气安全\n专项检查部署会.....2", "燃气安全\n\n专项检查部署会.....2"
    ).replace(
        "1月8日，东城区举办基层党建业务培训班，共 120 人参加。",
        "1月8日，东城区举办基层党建业务培训班，共 120 人参加。\n\n二、培训安排\n\n1月9日，学员分组讨论。",
    )
    parsed = parse_text(text)
    first = parsed.articles[0]
    assert first.title == "东城区召开冬季供暖保障工作调度会暨燃气安全专项检查部署会"
    assert parsed.office == "东城区档案信息中心"
    assert parsed.articles[2].body_paragraphs == [
        "1月8日，东城区举办基层党建业务培训班，共120人参加。",
        "二、培训安排",
        "1月9日，学员分组讨论。",
    ]
    assert parsed.unplaced_lines == []


NO_TOC = """\
西城区大事记
２０２２年３月
（总第５０期）
西城区志办
2022年3月10日

时政要点

西城区召开春季植树动员会
2 月 20 日，西城区召开春季植树动员会，部署全年绿化任务。

区政协组织委员开展
社区民生专题调研活动
2月25日，区政协组织委员到社区开展民生调研，

走访居民二十余户。

民生视点

西城区新增三处便民市场
2月28日，西城区新开三处便民市场，方便群众生活。
"""


def test_no_toc():
    parsed = parse_text(NO_TOC)
    assert (parsed.year, parsed.month, parsed.serial_number) == (2022, 3, 50)
    assert parsed.publication_name == "西城区大事记"
    assert parsed.office == "西城区志办"
    assert parsed.toc == []
    assert parsed.sections == ["时政要点", "民生视点"]
    assert [(a.title, a.section) for a in parsed.articles] == [
        ("西城区召开春季植树动员会", "时政要点"),
        ("区政协组织委员开展社区民生专题调研活动", "时政要点"),
        ("西城区新增三处便民市场", "民生视点"),
    ]
    assert [a.event_date for a in parsed.articles] == [
        date(2022, 2, 20),
        date(2022, 2, 25),
        date(2022, 2, 28),
    ]
    assert parsed.articles[1].body_paragraphs == [
        "2月25日，区政协组织委员到社区开展民生调研，走访居民二十余户。"
    ]
    assert all(a.toc_page is None for a in parsed.articles)


def test_missing_serial_raises_with_line_number():
    text = NO_TOC.replace("（总第５０期）\n", "")
    with pytest.raises(ImportParseError) as exc:
        parse_text(text)
    err = exc.value
    assert "期号" in err.message
    assert isinstance(err.line_no, int) and err.line_no >= 1
    assert str(err) == err.message == f"第 {err.line_no} 行：{err.detail}"


def test_garbled_serial_names_its_line():
    text = NO_TOC.replace("（总第５０期）", "（总第??期）")
    with pytest.raises(ImportParseError) as exc:
        parse_text(text)
    assert exc.value.line_no == 3
    assert str(exc.value).startswith("第 3 行：无法识别期号（总第N期）")


def test_missing_year_month_raises():
    text = NO_TOC.replace("２０２２年３月\n", "")
    with pytest.raises(ImportParseError, match="年月"):
        parse_text(text)


def test_no_articles_raises():
    text = "西城区大事记\n2022年3月\n（总第50期）\n西城区志办\n\n这里只有一段没有标题的文字。\n"
    with pytest.raises(ImportParseError, match="未找到任何文章"):
        parse_text(text)


def test_body_title_not_in_toc_raises():
    text = INVENTED.replace(
        "区领导走访慰问困难群众\n\n1 月 5 日", "区领导走访慰问退役军人\n\n1 月 5 日"
    )
    with pytest.raises(ImportParseError) as exc:
        parse_text(text)
    assert "目录中找不到" in exc.value.message
    assert exc.value.line_no == text.splitlines().index("区领导走访慰问退役军人") + 1


def test_toc_entry_missing_from_body_warns():
    start = INVENTED.index("银杏社区 共建共享\n\n1月12日")
    end = INVENTED.index("（内部资料")
    text = INVENTED[:start] + INVENTED[end:]
    parsed = parse_text(text)
    assert len(parsed.articles) == 3
    assert any("银杏社区 共建共享" in w and "未找到" in w for w in parsed.warnings)


def test_unknown_section_requires_opt_in():
    text = NO_TOC.replace("民生视点", "科技前沿")
    with pytest.raises(ImportParseError, match="未知栏目"):
        parse_text(text)
    parsed = parse_text(text, allow_new_sections=True)
    assert parsed.sections == ["时政要点", "科技前沿"]
    assert parsed.articles[-1].section == "科技前沿"
    # ... and known_sections replaces the default list
    parsed = parse_text(text, known_sections=["时政要点", "科技前沿"])
    assert parsed.sections == ["时政要点", "科技前沿"]


def test_unknown_section_in_toc():
    text = INVENTED.replace("时政要点", "基层动态")
    with pytest.raises(ImportParseError) as exc:
        parse_text(text)
    assert exc.value.line_no == text.splitlines().index("基层动态") + 1
    parsed = parse_text(text, allow_new_sections=True)
    assert parsed.sections == ["本期焦点", "基层动态"]
    assert len(parsed.articles) == 4


# ---------------------------------------------------------------------------
# .docx


def _build_docx() -> io.BytesIO:
    docx = pytest.importorskip("docx")
    from docx.enum.text import WD_BREAK

    doc = docx.Document()
    for text in [
        "南城区要闻月报",
        "2023年4月",
        "（总第 33 期）",
        "南城区史志研究室",
        "2023年4月18日",
    ]:
        doc.add_paragraph(text)
    doc.add_paragraph("时政要点")
    table = doc.add_table(rows=0, cols=2)
    rows = [
        (["南城区召开一季度经济运行分析会....."], "2"),
        (
            ["南城区启动全民阅读月暨书香机关", "建设活动....."],
            "3",
        ),  # wrapped: two paragraphs in a cell
    ]
    for paragraphs, page in rows:
        cells = table.add_row().cells
        cells[0].text = paragraphs[0]
        for extra in paragraphs[1:]:
            cells[0].add_paragraph(extra)
        cells[1].text = page
    doc.add_paragraph("民生视点")
    doc.add_paragraph("湖滨公园改造工程完工\t4")  # Word-style tab leader

    doc.add_paragraph("时政要点")
    doc.add_paragraph("南城区召开一季度经济运行分析会")
    doc.add_paragraph("3月30日，南城区召开一季度经济运行分析会，通报主要经济指标完成情况，")
    doc.add_paragraph("部署二季度重点工作。")
    title = doc.add_paragraph("南城区启动全民阅读月暨书香机关")
    title.add_run().add_break(WD_BREAK.LINE)  # soft line break inside the title
    title.add_run("建设活动")
    doc.add_paragraph("4 月 2 日，南城区启动全民阅读月活动，发放图书 500 册。")
    doc.add_paragraph("民生视点")
    doc.add_paragraph("湖滨公园改造工程完工")
    doc.add_paragraph("4月10日，湖滨公园改造工程完工并向市民开放。")
    doc.add_paragraph("（内部资料 注意保存）")
    doc.add_paragraph("主 办：南城区人民政府")
    doc.add_paragraph("电 话：020-7654321")

    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    return buf


def test_parse_docx_with_table_toc():
    parsed = parse_docx(_build_docx())
    assert parsed.publication_name == "南城区要闻月报"
    assert (parsed.year, parsed.month, parsed.serial_number) == (2023, 4, 33)
    assert parsed.publication_date == date(2023, 4, 18)
    assert parsed.sections == ["时政要点", "民生视点"]
    assert [(a.title, a.section, a.toc_page) for a in parsed.articles] == [
        ("南城区召开一季度经济运行分析会", "时政要点", 2),
        ("南城区启动全民阅读月暨书香机关建设活动", "时政要点", 3),
        ("湖滨公园改造工程完工", "民生视点", 4),
    ]
    assert parsed.articles[0].body_paragraphs == [
        "3月30日，南城区召开一季度经济运行分析会，通报主要经济指标完成情况，部署二季度重点工作。"
    ]
    assert parsed.articles[1].event_date == date(2023, 4, 2)
    assert parsed.articles[1].body_paragraphs == [
        "4月2日，南城区启动全民阅读月活动，发放图书500册。"
    ]
    assert parsed.colophon["sponsor"] == "南城区人民政府"
    assert parsed.colophon["phone"] == "020-7654321"
    assert parsed.unplaced_lines == []


def test_sample_without_toc_gives_same_articles(sample, sample_text):
    lines = sample_text.splitlines()
    first = lines.index(DEFAULT_SECTIONS[0])
    second = lines.index(DEFAULT_SECTIONS[0], first + 1)
    parsed = parse_text("\n".join(lines[:first] + lines[second:]))
    assert parsed.toc == []
    assert [(a.title, a.section, a.event_date) for a in parsed.articles] == [
        (a.title, a.section, a.event_date) for a in sample.articles
    ]
    assert [a.body_paragraphs for a in parsed.articles] == [
        a.body_paragraphs for a in sample.articles
    ]


def test_sample_as_docx_matches_text(sample, sample_text, sample_issue):
    """The sample rendered into Word (blocks as paragraphs, wraps as soft
    breaks, TOC tables as Word tables) parses to the same issue."""
    docx = pytest.importorskip("docx")
    from docx.enum.text import WD_BREAK

    doc = docx.Document()
    for block in sample_text.split("\n\n"):
        block = block.strip("\n")
        if not block.strip():
            continue
        if block.lstrip().startswith("|"):
            table = doc.add_table(rows=0, cols=2)
            for row in block.split("\n"):
                if set(row) <= set("|- "):
                    continue
                cells = [c.strip() for c in row.strip().strip("|").split("|")]
                row_cells = table.add_row().cells
                row_cells[0].text = cells[0]
                row_cells[1].text = cells[1] if len(cells) > 1 else ""
        else:
            parts = block.split("\n")
            para = doc.add_paragraph(parts[0])
            for part in parts[1:]:
                para.add_run().add_break(WD_BREAK.LINE)
                para.add_run(part)
    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    parsed = parse_docx(buf)
    assert [(a.title, a.section, a.event_date, a.toc_page) for a in parsed.articles] == [
        (a.title, a.section, a.event_date, a.toc_page) for a in sample.articles
    ]
    assert [a.body_paragraphs for a in parsed.articles] == [
        a.body_paragraphs for a in sample.articles
    ]
    assert parsed.colophon == sample.colophon
    assert parsed.serial_number == sample_issue.serial_number
