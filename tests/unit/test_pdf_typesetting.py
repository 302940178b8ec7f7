"""Chinese typesetting of the issue PDF, checked on the rendered file with pdftotext -bbox.

A small issue is rendered once; the lines poppler reads back (bulletin.pdf.lines) show where
each line ends, how a title was broken, where page numbers sit and how large things are.
"""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

import django
import pytest
from django.conf import settings

REPO_ROOT = Path(__file__).resolve().parents[2]

if not settings.configured:  # standalone run (-p no:django), no settings module
    settings.configure(
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                    "DIRS": [REPO_ROOT / "templates"]}],
        INSTALLED_APPS=[], USE_TZ=True, TIME_ZONE="Asia/Shanghai",
    )
    django.setup()

from django.utils.safestring import mark_safe  # noqa: E402

from bulletin.pdf import typesetting  # noqa: E402
from bulletin.pdf.lines import (  # noqa: E402
    LEFT,
    RIGHT_MARGIN,
    body_paragraphs,
    justification,
    letters,
    read_pages,
)
from bulletin.pdf.render import render_issue_pdf, weasyprint_api  # noqa: E402

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

# Invented text (not from a real issue), with what makes Chinese justification hard: commas
# and full stops that may not start a line, quotes and brackets, digits and Latin letters,
# and bold runs (several text boxes on one line).
SENTENCES = [
    "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署。",
    "与会人员围绕“社区服务”“环境整治”和安全生产等议题展开讨论，提出了具体改进意见。",
    "调研组一行实地查看了项目建设现场，详细了解工程进度、资金使用和群众反映情况。",
    "截至9月底，全区累计完成投资204.84亿元，同比增长12.5%，其中TOD项目3个。",
    "会议强调，各单位要提高思想认识，压实工作责任，确保各项措施落到实处、见到实效。",
    "活动现场秩序井然，志愿者耐心为居民讲解政策（含《实施方案》），发放宣传资料三百余份。",
]

# 26 characters on the indented first line, 28 on the second, then "效。": plain WeasyPrint
# leaves one character and its full stop alone on a third line.
ONE_CHARACTER_LAST_LINE = (
    "会议听取了有关单位近期工作情况汇报并对下一阶段重点任"  # 26
    "务进行了安排部署要求各单位压实责任确保各项措施落实取得实"  # 28
    "效。"
)
assert len(ONE_CHARACTER_LAST_LINE) == 26 + 28 + 2


def make_body(index: int, paragraphs: int) -> str:
    parts = []
    for p in range(paragraphs):
        text = "".join(SENTENCES[(index + p + k) % len(SENTENCES)] for k in range(3 + p % 3))
        if p == 1:
            text = text[:20] + "<strong>" + text[20:34] + "</strong>" + text[34:]
        parts.append(f"<p>9月{index + 1}日，{text}</p>" if p == 0 else f"<p>{text}</p>")
    return "".join(parts)


LONG_TITLE = "示例区政务公开办公室到示例西路街道督查指导基层政务公开标准化规范化建设工作"
FILLER_TITLES = [
    ("时政要点", "区政府召开第十二次常务会议"), ("创文看点", "区文明办督导检查创建全国文明城市工作"),
    ("创文看点", "示例街道开展背街小巷环境卫生集中整治行动"), ("经济热点", "示例区第三批重大项目集中开工"),
    ("经济热点", "区商务局组织辖区企业参加网上招商推介会"), ("文化亮点", "示例区召开庆祝第 36 个教师节座谈会"),
    ("民生视点", "区卫健委组织开展孕产妇健康服务管理培训"), ("民生视点", "示例区千村百镇系列体育活动启动"),
]


def build_context() -> dict:
    main = [
        ("本期焦点", "示例区召开重点项目建设推进会", make_body(0, 4) + f"<p>{ONE_CHARACTER_LAST_LINE}</p>"),
        ("时政要点", LONG_TITLE, make_body(1, 5)),
        ("时政要点", "区人大常委会视察老旧小区改造提升工作", make_body(2, 6)),
    ]
    main += [(section, title, make_body(3 + n, 1)) for n, (section, title) in enumerate(FILLER_TITLES)]
    sections: list[dict] = []
    for n, (section, title, body) in enumerate(main):
        entry = {"anchor": f"article-{n + 1}", "title": title, "event_date": datetime.date(2020, 9, 1 + n),
                 "body": mark_safe(body)}
        found = next((s for s in sections if s["name"] == section), None)
        if found is None:
            found = {"name": section, "entries": []}
            sections.append(found)
        found["entries"].append(entry)
    return {
        "publication": {"name": "中原区大事月报", "sponsor": "示例区人民政府", "publisher": "示例区地方史志办公室",
                        "phone": "0371-00000000", "email": "shili@example.com",
                        "distribution_scope": "区委、区政府各部门", "confidentiality_notice": "内部资料 注意保存"},
        "issue": {"year": 2020, "month": 10, "year_number": 10, "serial_number": 97,
                  "publication_date": datetime.date(2020, 10, 15)},
        "focus": sections[0]["entries"][0],
        "sections": sections,
        "errata": [],
        "preview": False,
    }


@pytest.fixture(scope="module")
def pages():
    return read_pages(render_issue_pdf(build_context()))


# ---------------------------------------------------------------- text preparation


def test_paragraph_end_joins_the_last_three_characters_and_the_full_stop():
    assert typesetting.keep_paragraph_ends("<p>甲乙丙丁。</p>") == "<p>甲乙\u2060丙\u2060丁\u2060。</p>"
    # Markup before the last run is left alone; trailing spaces are skipped.
    assert typesetting.keep_paragraph_ends('<p class="x">见<b>附件</b>，确保实效。 </p>') == (
        '<p class="x">见<b>附件</b>，确保\u2060实\u2060效\u2060。 </p>'
    )
    assert typesetting.keep_paragraph_ends("<p>见<b>附件</b>。</p>") == "<p>见<b>附件</b>。</p>"
    assert typesetting.keep_paragraph_ends("<p>A&amp;B。</p>") == "<p>A\u2060&amp;\u2060B\u2060。</p>"


def test_words_are_joined_so_a_title_breaks_between_words_only():
    joined = typesetting.join_words("基层政务公开", cut=lambda t: ["基层", "政务", "公开"])
    assert joined == "基\u2060层政\u2060务公\u2060开"
    # A comma stays with the word before it, a number with its unit.
    assert typesetting.join_words("办、下放", cut=lambda t: ["办", "、", "下放"]) == "办\u2060、下\u2060放"
    assert typesetting.join_words("召开 2020 年", cut=lambda t: ["召开", " ", "2020", " ", "年"]) == (
        "召\u2060开 2\u20600\u20602\u20600\u00a0年"
    )


def test_long_title_is_balanced_at_a_word_boundary():
    title = "郑州市政务公开办公室到中原西路街道督查指导基层政务公开标准化规范化建设工作"
    lines = typesetting.balance_lines(title, typesetting.ARTICLE_TITLE_MEASURE)
    assert "".join(lines) == title
    assert len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 2, lines
    assert "基层" in lines[1] or "基层" in lines[0]  # never "…基 / 层…"
    assert typesetting.balance_lines("示例区召开安全生产工作会议", 22) == ["示例区召开安全生产工作会议"]


# ---------------------------------------------------------------- justification in WeasyPrint


@needs_poppler
def test_every_non_final_body_line_ends_at_the_measure(pages):
    report = justification(pages)
    assert report.non_final >= 40
    assert report.at_edge == report.non_final, [
        (line.page, round(line.x1, 2), line.text)
        for paragraph in body_paragraphs(pages) for line in paragraph[:-1]
        if abs(line.x1 - (pages[0].width - RIGHT_MARGIN)) > 0.25
    ]


@needs_poppler
def test_last_lines_of_paragraphs_are_not_stretched(pages):
    right = pages[0].width - RIGHT_MARGIN
    finals = [paragraph[-1] for paragraph in body_paragraphs(pages) if len(paragraph) > 1]
    assert finals and all(line.x1 < right - 5 for line in finals)


@needs_poppler
def test_no_paragraph_ends_on_a_line_of_one_or_two_characters(pages):
    report = justification(pages)
    assert not report.short_last_lines, [(line.page, line.text) for line in report.short_last_lines]
    crafted = next(p for p in body_paragraphs(pages) if p[0].text.startswith("会议听取了有关单位近期工作情况汇报并对"))
    assert len(crafted) == 3 and letters(crafted[-1].text) >= 3, [line.text for line in crafted]


@needs_poppler
def test_the_crafted_paragraph_would_end_on_one_character_without_the_join(tmp_path):
    """The fixture really produces a one-character last line with plain WeasyPrint."""
    HTML, _ = weasyprint_api()
    css = (REPO_ROOT / "static" / "css" / "pdf.css").read_text(encoding="utf-8")
    html = (f"<style>{css}</style><main class='content'><div class='article-body'>"
            f"<p>{ONE_CHARACTER_LAST_LINE}</p></div></main>")
    lines = [line for page in read_pages(HTML(string=html).write_pdf()) for line in page.lines]
    body = [line for line in lines if abs(line.x0 - LEFT) < 0.5 or abs(line.x0 - LEFT - 31.5) < 0.5]
    assert letters(body[-1].text) == 1, [line.text for line in body]


def test_install_is_idempotent_and_leaves_other_blocks_alone():
    typesetting.install()
    typesetting.install()
    from weasyprint.layout import inline

    assert inline.justify_line.__module__ == "bulletin.pdf.typesetting"
    assert not typesetting.wants_inter_character({"__text_justify": None})


# ---------------------------------------------------------------- titles, hierarchy, pages


def _jieba_boundaries(text: str) -> set[int]:
    positions, at = {0}, 0
    for piece in typesetting.words(text):
        at += len(piece)
        positions.add(at)
    return positions


def _clean(text: str) -> str:
    """A line's text without spaces and without a table of contents' dot leader."""
    return re.sub(r"(\s*\.)+\s*$", "", text).replace(" ", "")


def _lines_of(pages, text: str, *, min_height: float, max_height: float = 1000):
    """The lines (in order) whose texts are consecutive pieces of `text`."""
    flat = text.replace(" ", "")
    candidates = [
        line for page in pages for line in page.lines
        if min_height <= line.height <= max_height and len(_clean(line.text)) >= 4
        and _clean(line.text) in flat
    ]
    for start in range(len(candidates)):
        joined, run = "", []
        for line in candidates[start:]:
            joined += _clean(line.text)
            run.append(line)
            if joined == flat:
                return run
            if not flat.startswith(joined):
                break
    raise AssertionError(f"{text} not found")


@needs_poppler
def test_long_title_breaks_between_words_in_balanced_lines(pages):
    # At 22 characters a line, a greedy break would fall inside 基层.
    assert int(typesetting.ARTICLE_TITLE_MEASURE) == 22 and LONG_TITLE[21:23] == "基层"
    lines = _lines_of(pages, LONG_TITLE, min_height=24)  # 18 pt title type
    assert len(lines) == 2
    lengths = [len(_clean(line.text)) for line in lines]
    assert abs(lengths[0] - lengths[1]) <= 2, [line.text for line in lines]
    assert lengths[0] in _jieba_boundaries(LONG_TITLE), [line.text for line in lines]


@needs_poppler
def test_toc_entry_breaks_between_words(pages):
    lines = _lines_of(pages, LONG_TITLE, min_height=20, max_height=24)
    assert len(lines) == 2
    assert len(_clean(lines[0].text)) in _jieba_boundaries(LONG_TITLE), [line.text for line in lines]


@needs_poppler
def test_page_numbers_sit_in_the_outer_corner(pages):
    left, right = LEFT, pages[0].width - RIGHT_MARGIN
    numbered = {}
    for page in pages:
        for line in page.lines:
            if line.y0 > page.height - 35 * 72 / 25.4 and line.text.startswith("—"):
                numbered[page.number] = line
    assert 1 not in numbered, "the cover prints no number"
    assert numbered and set(numbered) >= set(range(2, len(pages) - 1))
    for number, line in numbered.items():
        assert line.text == f"— {number} —"
        if number % 2:
            assert abs(line.x1 - (right - 14)) < 1, (number, line.x1)  # one 4号 character in
        else:
            assert abs(line.x0 - (left + 14)) < 1, (number, line.x0)


@needs_poppler
def test_masthead_sections_and_titles_are_larger_than_body_text(pages):
    def height(text, page_from=1):
        return max(line.height for page in pages[page_from - 1:] for line in page.lines
                   if line.text.replace(" ", "") == text)

    body = max(line.height for paragraph in body_paragraphs(pages) for line in paragraph)
    masthead = height("中原区大事月报")
    section = height("民生视点")
    title = height("区人大常委会视察老旧小区改造提升工作")
    assert masthead > section > title > body * 1.1, (masthead, section, title, body)


@needs_poppler
def test_cover_holds_the_focus_on_one_line_and_the_contents(pages):
    cover = pages[0]
    label = next(line for line in cover.lines if line.text == "本期焦点")  # the first one: the focus line
    focus_line = [line for line in cover.lines if abs(line.y0 - label.y0) < 1 and line is not label]
    assert len(focus_line) == 1 and _clean(focus_line[0].text) == "示例区召开重点项目建设推进会（第3页）"
    assert "目 录" in " ".join(line.text for line in cover.lines)
    text_bottom = cover.height - 35 * 72 / 25.4
    lowest = max(line.y1 for line in cover.lines)
    assert lowest > text_bottom - 3 * 28.95, "the contents fill the cover to its foot"


def test_focus_line_type_size_shrinks_to_fit_one_line():
    assert typesetting.focus_size("示例区召开重点项目建设推进会") == 15.75
    assert typesetting.focus_size("示" * 24) == 12.0
    assert typesetting.focus_size("示" * 60) is None


def test_contents_title_that_would_leave_no_leader_is_balanced():
    title = "区司法局组织收看关于全国社区矫正教育管理工作会议"  # 24 characters: one dot of leader
    lines = typesetting.toc_lines(title, cut=lambda t: ["区", "司法局", "组织", "收看", "关于", "全国", "社区",
                                                        "矫正", "教育", "管理", "工作", "会议"])
    assert lines == ["区司法局组织收看关于全国", "社区矫正教育管理工作会议"]
    assert typesetting.toc_lines("中原区召开河长制工作推进会") == ["中原区召开河长制工作推进会"]
