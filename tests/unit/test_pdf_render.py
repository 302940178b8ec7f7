"""Render an invented 12-article issue to PDF and check it with poppler."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import time
from pathlib import Path

import django
import pytest
from django.conf import settings

REPO_ROOT = Path(__file__).resolve().parents[2]

if not settings.configured:  # standalone run (-p no:django), no settings module
    settings.configure(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [REPO_ROOT / "templates"],
            }
        ],
        INSTALLED_APPS=[],
        USE_TZ=True,
        TIME_ZONE="Asia/Shanghai",
    )
    django.setup()

from django.utils.html import strip_tags  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402

from bulletin.pdf.render import render_issue_pdf  # noqa: E402

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils not installed",
)

# ---------------------------------------------------------------------------
# Invented fixture content (not taken from any real issue).

PUBLICATION = {
    "name": "中原区大事月报",
    "sponsor": "示例区人民政府",
    "publisher": "示例区地方史志办公室",
    "phone": "0371-00000000",
    "email": "shili@example.com",
    "distribution_scope": "区委常委，区人大常委会主任、副主任，区政府副区长，区政协主席、副主席，"
    "区委各部门，区属机关各单位，各街道党工委、办事处，各人民团体",
    "confidentiality_notice": "（内部资料　注意保存）",
}

SENTENCES = [
    "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署。",
    "与会人员围绕社区服务、环境整治和安全生产等议题展开讨论，提出了具体改进意见。",
    "调研组一行实地查看了项目建设现场，详细了解工程进度、资金使用和群众反映情况。",
    "会议强调，各单位要提高思想认识，压实工作责任，确保各项措施落到实处、见到实效。",
    "下一步，相关部门将持续完善工作机制，加强督促检查，推动工作再上新台阶。",
    "活动现场秩序井然，志愿者耐心为居民讲解政策，发放宣传资料三百余份。",
]

ARTICLES = [
    # (section, title, month, day, paragraphs)
    ("本期焦点", "示例区举办秋季重点项目集中观摩活动", 9, 3, 9),
    ("时政要点", "区政府召开第十二次常务会议", 9, 5, 2),
    (
        "时政要点",
        "市政务服务管理局到示例区调研指导基层政务服务标准化规范化便利化建设工作",
        9,
        8,
        3,
    ),
    ("时政要点", "区人大常委会视察老旧小区改造提升工作", 9, 10, 2),
    (
        "时政要点",
        "示例区召开二〇二〇年度第九次区委理论学习中心组集体学习暨专题研讨会议",
        9,
        12,
        7,
    ),
    ("创文看点", "区文明办督导检查创建全国文明城市工作", 9, 14, 2),
    ("创文看点", "示例街道开展背街小巷环境卫生集中整治行动", 9, 15, 3),
    ("经济热点", "示例区第三批重大项目集中开工", 9, 18, 4),
    ("经济热点", "区商务局组织辖区企业参加网上招商推介会", 9, 20, 2),
    ("文化亮点", "示例区召开庆祝教师节暨教育高质量发展座谈会", 9, 10, 3),
    ("民生视点", "区卫健委组织开展孕产妇健康服务管理培训", 9, 22, 2),
    ("民生视点", "示例区千村百镇系列体育活动启动", 9, 26, 12),
]

SVG = (
    "data:image/svg+xml;utf8,"
    "%3Csvg xmlns='http://www.w3.org/2000/svg' width='1600' height='600'%3E"
    "%3Crect width='1600' height='600' fill='%23ddd' stroke='%23000' stroke-width='8'/%3E"
    "%3C/svg%3E"
)


def make_body(index: int, month: int, day: int, paragraphs: int) -> str:
    parts = []
    for p in range(paragraphs):
        text = "".join(SENTENCES[(index + p + k) % len(SENTENCES)] for k in range(3))
        if p == 0:
            text = f"{month}月{day}日，第{index + 1}篇示例稿件开头。" + text
        parts.append(f"<p>{text}</p>")
    if index == 7:
        parts.insert(
            1,
            "<table><thead><tr><th>项目名称</th><th>总投资（亿元）</th><th>开工时间</th></tr></thead>"
            "<tbody><tr><td>示例产业园一期</td><td>12.5</td><td>9月18日</td></tr>"
            "<tr><td>示例路网改造工程</td><td>3.2</td><td>9月18日</td></tr></tbody></table>",
        )
    if index == 0:
        parts.insert(2, f'<figure><img src="{SVG}" alt=""><figcaption>活动现场</figcaption></figure>')
    return "".join(parts)


def build_context(*, preview: bool = False, errata: bool = True) -> dict:
    sections: list[dict] = []
    focus = None
    for index, (section_name, title, month, day, paragraphs) in enumerate(ARTICLES):
        entry = {
            "anchor": f"article-{index + 1}",
            "title": title,
            "event_date": datetime.date(2020, month, day),
            "body": mark_safe(make_body(index, month, day, paragraphs)),
        }
        if not sections or sections[-1]["name"] != section_name:
            sections.append({"name": section_name, "entries": []})
        sections[-1]["entries"].append(entry)
        if section_name == "本期焦点":
            focus = entry
    return {
        "publication": PUBLICATION,
        "issue": {
            "year": 2020,
            "month": 10,
            "year_number": 10,
            "serial_number": 97,
            "publication_date": datetime.date(2020, 10, 15),
        },
        "focus": focus,
        "sections": sections,
        "errata": (
            [
                {
                    "text": "上期第5页“示例街道”应为“示例路街道”，特此更正。",
                    "published_at": datetime.datetime(2020, 10, 16, 9, 30, tzinfo=datetime.UTC),
                }
            ]
            if errata
            else []
        ),
        "preview": preview,
    }


# ---------------------------------------------------------------------------
# Poppler helpers


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def page_texts(pdf: Path) -> list[str]:
    """Text of every page; index 0 is physical page 1."""
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, page_count(pdf) + 1)
    ]


class Rendered:
    def __init__(self, path: Path, seconds: float, context: dict):
        self.path = path
        self.seconds = seconds
        self.context = context
        self.pages = page_texts(path)
        self.flat = [squash(t) for t in self.pages]

    @property
    def entries(self):
        return [e for s in self.context["sections"] for e in s["entries"]]

    def toc_pages(self) -> list[int]:
        """Physical page numbers (1-based) holding TOC entries (it starts on the cover)."""
        return [i + 1 for i, t in enumerate(self.flat) if re.search(r"\.{4,}\d+", t)]

    def first_body_page(self) -> int:
        return max(self.toc_pages()) + 1


def _render(tmp_path_factory, name: str, **kwargs) -> Rendered:
    context = build_context(**kwargs)
    started = time.perf_counter()
    data = render_issue_pdf(context)
    seconds = time.perf_counter() - started
    path = tmp_path_factory.mktemp("pdf") / name
    path.write_bytes(data)
    print(f"\nrendered {name}: {len(data)} bytes in {seconds:.2f}s -> {path}")
    return Rendered(path, seconds, context)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Rendered:
    return _render(tmp_path_factory, "issue.pdf")


@pytest.fixture(scope="module")
def rendered_preview(tmp_path_factory) -> Rendered:
    return _render(tmp_path_factory, "issue-preview.pdf", preview=True, errata=False)


# ---------------------------------------------------------------------------
# Tests


def test_pdf_is_a_pdf(rendered):
    assert rendered.path.read_bytes().startswith(b"%PDF-")
    assert len(rendered.pages) >= 6


def test_cover_has_masthead_and_no_page_number(rendered):
    cover = rendered.flat[0]
    for text in ("中原区大事月报", "2020年10月", "总第97期", "示例区地方史志办公室", "2020年10月15日"):
        assert text in cover
    assert "勘误" in cover and "特此更正" in cover
    assert "—1—" not in cover
    assert not re.search(r"—\d+—", cover)


def test_footer_prints_physical_page_number(rendered):
    """The cover counts as page 1, so page N prints "— N —"."""
    last = len(rendered.pages)
    for n in range(2, last):
        text = rendered.flat[n - 1]
        if not text:  # blank page before an even-page colophon
            continue
        assert f"—{n}—" in text, f"page {n} footer"
        others = set(re.findall(r"—(\d+)—", text)) - {str(n)}
        assert not others, f"page {n} prints other page numbers {others}"
    assert not re.search(r"—\d+—", rendered.flat[last - 1]), "colophon page is unnumbered"


def test_toc_lists_every_title_with_real_page(rendered):
    toc_pages = rendered.toc_pages()
    assert toc_pages and toc_pages[0] == 1, "the contents start on the cover"
    toc = "".join(rendered.flat[n - 1] for n in toc_pages)
    body_pages = range(rendered.first_body_page(), len(rendered.pages) + 1)
    assert "目录" in toc
    for section in rendered.context["sections"]:
        assert section["name"] in toc
    for entry in rendered.entries:
        title = squash(entry["title"])
        match = re.search(re.escape(title) + r"\.{3,}(\d+)", toc)
        assert match, f"TOC entry missing for {entry['title']}"
        listed = int(match.group(1))
        actual = next(n for n in body_pages if title in rendered.flat[n - 1])
        assert listed == actual, f"{entry['title']}: TOC says {listed}, printed on {actual}"
        assert f"—{actual}—" in rendered.flat[actual - 1]


def test_long_titles_wrap_in_toc_with_number_on_last_line(rendered):
    toc_raw = "\n".join(rendered.pages[n - 1] for n in rendered.toc_pages())
    lines = [ln.strip() for ln in toc_raw.splitlines() if ln.strip()]
    long_titles = [e["title"] for e in rendered.entries if len(e["title"]) > 30]
    assert long_titles
    for title in long_titles:
        head = title[:8]
        idx = next(i for i, ln in enumerate(lines) if head in ln)
        assert not re.search(r"\d+$", lines[idx]), "number must not be on the first line"
        assert re.search(r"\.{3,}\s*\d+$", lines[idx + 1]), lines[idx : idx + 2]


def test_headings_are_not_stranded(rendered):
    body_pages = range(rendered.first_body_page(), len(rendered.pages) + 1)
    for section in rendered.context["sections"]:
        first = section["entries"][0]
        page = next(n for n in body_pages if squash(first["title"]) in rendered.flat[n - 1])
        assert section["name"] in rendered.flat[page - 1], section["name"]
    for entry in rendered.entries:
        title = squash(entry["title"])
        page = next(n for n in body_pages if title in rendered.flat[n - 1])
        opening = squash(strip_tags(entry["body"]))[:8]
        assert opening in rendered.flat[page - 1], f"title stranded: {entry['title']}"


def test_fonts_are_embedded_cjk(rendered):
    out = subprocess.run(
        ["pdffonts", str(rendered.path)], capture_output=True, text=True, check=True
    ).stdout
    rows = out.splitlines()[2:]
    assert rows
    names = " ".join(r.split()[0] for r in rows)
    # WeasyPrint names subsets like "ABCDEF+Noto-Serif-CJK-SC".
    assert re.search(r"Noto-?Serif-?CJK", names), names
    assert re.search(r"Noto-?Sans-?CJK", names), names
    for row in rows:
        assert "Type 3" not in row, row
        assert re.search(r"Noto-?S(erif|ans)-?CJK", row.split()[0]), f"unexpected font {row}"
        # columns: ... emb sub uni object ID
        emb, sub, uni = row.split()[-5:-2]
        assert emb == "yes" and uni == "yes", row


def test_text_has_no_replacement_or_missing_glyphs(rendered):
    full = "".join(rendered.pages)
    assert "\ufffd" not in full
    flat = "".join(rendered.flat)
    for entry in rendered.entries:
        body = squash(strip_tags(entry["body"]))
        assert body[:40] in flat
        assert body[-20:] in flat


def test_colophon_on_last_page(rendered):
    last = rendered.flat[-1]
    for text in ("发放范围", "编辑出版", "邮箱", "内部资料", "shili@example.com"):
        assert text in last
    assert len(rendered.pages) % 2 == 0, "colophon sits on an even (back) page"
    for page in rendered.flat[:-1]:
        assert "发放范围" not in page


def test_preview_watermark_on_every_page(rendered, rendered_preview):
    # The watermark is set diagonally, so poppler extracts it one character
    # per line; check for its characters (absent from the fixture text).
    mark = set("预览未签")
    for number, page in enumerate(rendered_preview.flat, start=1):
        assert mark <= set(page), f"no watermark on preview page {number}"
    for page in rendered.flat:
        assert not mark & set(page)
    assert "勘误" not in rendered_preview.flat[0]


def test_render_time_is_reasonable(rendered):
    assert rendered.seconds < 30


def test_minimal_context_with_objects(tmp_path):
    """Objects with attributes work too; optional parts are simply left out."""
    from types import SimpleNamespace as NS

    entry = NS(
        anchor="article-1",
        title="示例区召开安全生产工作会议",
        event_date=None,
        body=mark_safe("<p>9月1日，示例区召开安全生产工作会议。</p>"),
    )
    context = {
        "publication": NS(**{**PUBLICATION, "confidentiality_notice": ""}),
        "issue": NS(year=2021, month=1, year_number=None, serial_number=None, publication_date=None),
        "focus": None,
        "sections": [NS(name="时政要点", entries=[entry])],
        "errata": [],
        "preview": False,
    }
    pdf = tmp_path / "minimal.pdf"
    pdf.write_bytes(render_issue_pdf(context))
    pages = [squash(t) for t in page_texts(pdf)]
    assert "2021年1月" in pages[0]
    assert "总第" not in pages[0] and "勘误" not in pages[0]
    assert re.search(r"示例区召开安全生产工作会议\.{3,}2", pages[0]), "contents on the cover"
    assert "示例区召开安全生产工作会议" in pages[1] and "—2—" in pages[1]
    assert "发放范围" in pages[-1] and "内部资料" not in pages[-1]


def test_erratum_keeps_its_line_breaks_and_stays_escaped():
    # The web page shows a multi-line erratum line by line; the PDF must not run the lines together.
    from bulletin.pdf.render import render_issue_html

    context = build_context()
    context["errata"] = [{"text": "第3页“甲”应为“乙”。\n第5页<b>丙</b>应为“丁”。", "published_at": None}]
    html = render_issue_html(context)
    assert "第3页“甲”应为“乙”。<br>第5页&lt;b&gt;丙&lt;/b&gt;应为“丁”。" in html


def _inflated(data: bytes) -> bytes:
    """The file with every Flate stream inflated: the catalog sits in a compressed object stream."""
    import zlib

    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            parts.append(zlib.decompress(data[match.end():end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_pdf_is_tagged_with_its_title_and_language(rendered):
    """A screen reader gets a structure tree (headings, paragraphs, links in reading order), the
    issue's title and the language to read it in (bulletin.pdf.render: pdf_tags)."""
    objects = _inflated(rendered.path.read_bytes())
    assert b"/StructTreeRoot" in objects
    assert b"/MarkInfo <</Marked true>>" in objects
    assert b"/Lang (zh-CN)" in objects
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(rendered.path)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Tagged:\s+yes$", info, re.M)
        assert re.search(r"^Title:\s+中原区大事月报 2020年10月（总第97期）$", info, re.M)
        tree = subprocess.run(["pdfinfo", "-struct", str(rendered.path)], capture_output=True, text=True,
                              check=True).stdout
        assert "H1" in tree and "P (block)" in tree
