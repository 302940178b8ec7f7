"""Tests for editorial.docx_import.docx_to_html, using real .docx files."""

import datetime
import io
import os
import re
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from docx.shared import Inches, Pt, RGBColor
from PIL import Image

from common.dates import leading_event_date
from editorial.docx_import import DocxImportError, DocxResult, docx_to_html, event_date_from_body
from editorial.images import ImageRejected
from editorial.models import Article

CORRUPT_MESSAGE = "无法读取该 Word 文件：文件已损坏或不是 .docx 格式。"


def png_bytes(size=(30, 20), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def save_docx(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_article_docx() -> bytes:
    document = Document()
    document.add_heading("市政府召开新闻发布会", level=1)
    paragraph = document.add_paragraph("本报讯 ")
    paragraph.add_run("重点内容").bold = True
    paragraph.add_run("，以及").italic = True
    paragraph.add_run("下划线").underline = True
    document.add_paragraph("")
    document.add_paragraph("   ")
    document.add_heading("二级标题", level=2)
    document.add_paragraph("第一项", style="List Bullet")
    document.add_paragraph("第二项", style="List Bullet")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for row_index, row in enumerate(table.rows):
        for col_index, cell in enumerate(row.cells):
            cell.text = f"单元格{row_index}{col_index}"
    document.add_picture(io.BytesIO(png_bytes()), width=Inches(1))
    document.add_paragraph("结尾段落。")
    return save_docx(document)


class FakeStorage:
    """Stands in for the caller's save_image (process + store + return URL)."""

    def __init__(self, reject: bool = False):
        self.calls: list[tuple[bytes, str]] = []
        self.reject = reject

    def __call__(self, data: bytes, content_type: str) -> str:
        self.calls.append((data, content_type))
        if self.reject:
            raise ImageRejected("不支持的图片格式：仅支持 JPEG、PNG、GIF、WebP。")
        return f"/media/articles/imported-{len(self.calls)}.png"


# -- conversion ---------------------------------------------------------------


def test_converts_real_docx_to_clean_html():
    storage = FakeStorage()
    result = docx_to_html(io.BytesIO(build_article_docx()), save_image=storage)

    assert isinstance(result, DocxResult)
    html = result.html
    assert "<h2>市政府召开新闻发布会</h2>" in html
    assert "<h3>二级标题</h3>" in html
    assert "<strong>重点内容</strong>" in html
    assert "<em>，以及</em>" in html
    assert "<u>下划线</u>" in html
    assert re.search(r"<ul><li>第一项</li><li>第二项</li></ul>", html)
    assert "<table>" in html and "单元格11" in html
    assert '<img src="/media/articles/imported-1.png">' in html
    assert "结尾段落。" in html
    assert not re.search(r"<p>\s*</p>", html)
    assert "style=" not in html and "class=" not in html
    assert result.messages == []


def test_embedded_image_passed_to_save_image():
    storage = FakeStorage()
    docx_to_html(build_article_docx(), save_image=storage)
    assert len(storage.calls) == 1
    data, content_type = storage.calls[0]
    assert content_type == "image/png"
    assert Image.open(io.BytesIO(data)).size == (30, 20)


def test_rejected_image_is_skipped_with_warning():
    result = docx_to_html(build_article_docx(), save_image=FakeStorage(reject=True))
    assert "<img" not in result.html
    assert "结尾段落。" in result.html
    assert result.messages == [
        "第 1 张图片未导入：不支持的图片格式：仅支持 JPEG、PNG、GIF、WebP。"
    ]


def test_unexpected_save_image_error_propagates():
    def broken_storage(data, content_type):
        raise PermissionError("disk is read-only")

    with pytest.raises(PermissionError, match="read-only"):
        docx_to_html(build_article_docx(), save_image=broken_storage)


def test_image_url_outside_media_is_dropped():
    result = docx_to_html(
        build_article_docx(),
        save_image=lambda data, ct: "https://elsewhere.example/x.png",
    )
    assert "<img" not in result.html


def test_title_from_first_heading():
    result = docx_to_html(build_article_docx(), save_image=FakeStorage())
    assert result.title == "市政府召开新闻发布会"


def test_title_style_maps_to_h2_and_is_the_title():
    document = Document()
    document.add_paragraph("正文在前")
    document.add_heading("文档标题", level=0)  # Word's "Title" style
    result = docx_to_html(save_docx(document), save_image=FakeStorage())
    assert "<h2>文档标题</h2>" in result.html
    assert result.title == "文档标题"


def test_title_from_short_first_paragraph():
    document = Document()
    document.add_paragraph("")
    document.add_paragraph("关于 A&B 的通知")
    document.add_paragraph("正文" * 50)
    result = docx_to_html(save_docx(document), save_image=FakeStorage())
    assert result.title == "关于 A&B 的通知"


def test_no_title_when_first_paragraph_is_long():
    document = Document()
    document.add_paragraph("这是一段很长的正文。" * 20)
    result = docx_to_html(save_docx(document), save_image=FakeStorage())
    assert result.title == ""


def test_direct_formatting_is_dropped():
    document = Document()
    run = document.add_paragraph().add_run("红色大号宋体")
    run.font.name = "宋体"
    run.font.size = Pt(32)
    run.font.color.rgb = RGBColor(255, 0, 0)
    result = docx_to_html(save_docx(document), save_image=FakeStorage())
    assert result.html == "<p>红色大号宋体</p>"


def test_empty_document_warns():
    result = docx_to_html(save_docx(Document()), save_image=FakeStorage())
    assert result.html == ""
    assert result.title == ""
    assert result.messages == ["文档中没有可导入的正文内容。"]


# -- broken input ---------------------------------------------------------------


def assert_corrupt(data: bytes, message: str = CORRUPT_MESSAGE) -> None:
    with pytest.raises(DocxImportError) as info:
        docx_to_html(io.BytesIO(data), save_image=FakeStorage())
    assert info.value.message == message
    assert str(info.value) == message


def test_random_bytes_rejected():
    assert_corrupt(os.urandom(4096))


def test_empty_file_rejected():
    assert_corrupt(b"")


def test_zip_without_document_xml_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    assert_corrupt(buffer.getvalue())


def test_truncated_docx_rejected():
    data = build_article_docx()
    assert_corrupt(data[: len(data) // 2])


def test_malformed_document_xml_rejected():
    source = io.BytesIO(save_docx(Document()))
    target = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            payload = src.read(item.filename)
            if item.filename == "word/document.xml":
                payload = b"<w:document><unclosed"
            dst.writestr(item, payload)
    assert_corrupt(target.getvalue())


def test_renamed_doc_rejected_with_specific_message():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2048)
    with pytest.raises(DocxImportError) as info:
        docx_to_html(ole2, save_image=FakeStorage())
    assert "无法读取该 Word 文件" in info.value.message
    assert ".doc" in info.value.message


def test_file_over_max_bytes_rejected():
    with pytest.raises(DocxImportError) as info:
        docx_to_html(build_article_docx(), save_image=FakeStorage(), max_bytes=1024)
    assert info.value.message.startswith("Word 文件过大")


def test_zip_bomb_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<x/>")
        archive.writestr("word/padding.bin", b"\0" * (30 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100 * 1024
    with pytest.raises(DocxImportError):
        docx_to_html(data, save_image=FakeStorage(), max_bytes=1024 * 1024)


# -- event date from the first paragraph ----------------------------------------


TODAY = datetime.date(2026, 1, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11月20日，区政府召开常务会议。", datetime.date(2025, 11, 20)),  # after today this year: last year's
        ("1月5日，区政府召开常务会议。", datetime.date(2026, 1, 5)),
        ("1月10日，今天。", datetime.date(2026, 1, 10)),
        ("1月11日，明天。", datetime.date(2025, 1, 11)),
        ("2025年3月5日，区政府召开常务会议。", datetime.date(2025, 3, 5)),
        ("２０２５年３月５日，全角。", datetime.date(2025, 3, 5)),
        ("１１月２０日，全角。", datetime.date(2025, 11, 20)),
        ("  11 月 20 日，有空格。", datetime.date(2025, 11, 20)),
        ("2月30日，不存在的日期。", None),
        ("2月29日，去年十二个月内没有闰日。", None),
        ("13月1日，不存在的月份。", None),
        ("近日，区政府召开常务会议。", None),
        ("区政府于11月20日召开常务会议。", None),
    ],
)
def test_leading_event_date(text, expected):
    assert leading_event_date(text, today=TODAY) == expected


def test_leading_event_date_leap_day_within_the_past_year():
    assert leading_event_date("2月29日，闰日。", today=datetime.date(2025, 1, 10)) == datetime.date(2024, 2, 29)


def test_event_date_from_body_reads_the_first_paragraph_with_text():
    body = '<h3>概况</h3><p><img src="/media/a.png"></p><p>11月20日，区政府召开常务会议。</p><p>12月1日，另一件事。</p>'
    assert event_date_from_body(body, today=TODAY) == datetime.date(2025, 11, 20)
    assert event_date_from_body("<p>本报讯</p><p>11月20日，……</p>", today=TODAY) is None
    assert event_date_from_body("", today=TODAY) is None


def dated_docx(first_paragraph: str) -> bytes:
    document = Document()
    document.add_heading("区政府召开常务会议", level=1)
    document.add_paragraph(first_paragraph)
    document.add_paragraph("会议研究了有关事项。")
    return save_docx(document)


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)


def success_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "success"]


def import_new(client, publication, first_paragraph):
    section = publication.sections.get(name="时政要点")
    upload = SimpleUploadedFile("会议.docx", dated_docx(first_paragraph))
    return client.post(reverse("desk:article_import_new"), {"docx": upload, "section": section.pk})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first_paragraph", "expected", "label"),
    [
        ("11月20日，区政府召开常务会议。", datetime.date(2025, 11, 20), "11月20日"),
        ("１１月２０日，区政府召开常务会议。", datetime.date(2025, 11, 20), "11月20日"),
        ("2025年3月5日，区政府召开常务会议。", datetime.date(2025, 3, 5), "3月5日"),
    ],
)
def test_word_import_as_new_article_reads_the_event_date(
    client, editor, publication, frozen_today, first_paragraph, expected, label
):
    client.force_login(editor)
    response = import_new(client, publication, first_paragraph)
    article = Article.objects.get()
    assert response["Location"] == reverse("desk:article_edit", args=[article.pk])
    assert article.title == "区政府召开常务会议" and article.event_date == expected
    assert article.revisions.get().event_date == expected
    [message] = success_messages(response)
    assert message.endswith(f"已从正文开头识别事件日期：{label}（可修改）")


@pytest.mark.django_db
def test_word_import_with_an_impossible_date_sets_nothing(client, editor, publication, frozen_today):
    client.force_login(editor)
    response = import_new(client, publication, "2月30日，区政府召开常务会议。")
    article = Article.objects.get()
    assert article.event_date is None and article.body.startswith("<p>2月30日，")
    [message] = success_messages(response)
    assert "识别事件日期" not in message


@pytest.mark.django_db
def test_word_import_into_an_article_fills_only_an_empty_event_date(client, editor, make_article, frozen_today):
    client.force_login(editor)
    dated = make_article(title="已有日期", event_date=datetime.date(2025, 12, 1))
    undated = make_article(title="没有日期", event_date=None)
    for article in (dated, undated):
        response = client.post(
            reverse("desk:article_import", args=[article.pk]),
            {"docx": SimpleUploadedFile("稿.docx", dated_docx("11月20日，区政府召开常务会议。")), "version": 1},
        )
        article.refresh_from_db()
        assert article.version == 2 and "11月20日，区政府召开常务会议。" in article.body
        message = success_messages(response)[-1]  # the first import's message is still unread
        if article == dated:
            assert article.event_date == datetime.date(2025, 12, 1)  # the editor's date is kept
            assert "识别事件日期" not in message
        else:
            assert article.event_date == datetime.date(2025, 11, 20)
            assert message.endswith("已从正文开头识别事件日期：11月20日（可修改）")
