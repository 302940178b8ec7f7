"""The editor desk in the browser's place: pages, forms, uploads, conflicts, admin routing."""

import html as html_lib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from docx.shared import Inches
from PIL import ExifTags
from PIL import Image as PILImage

from editorial import workflow
from editorial.models import Article, Comment, Image
from tests.conftest import form_data

S = Article.Status


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def text(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def png(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (39.0, 54.0, 27.0)}
    buffer = io.BytesIO()
    PILImage.new("RGB", (60, 40), (10, 120, 200)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


# --- access ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["reader", "outsider"])
def test_desk_is_closed_to_readers_and_outsiders(name, request, client, make_article):
    article = make_article()
    client.force_login(request.getfixturevalue(name))
    for url in [
        reverse("desk:dashboard"),
        reverse("desk:article_list"),
        reverse("desk:article_detail", args=[article.pk]),
        reverse("desk:article_edit", args=[article.pk]),
    ]:
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("desk:article_transition", args=[article.pk]), {"action": "submit", "version": 1}
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == S.DRAFT


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("desk:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the article list (稿件) ---------------------------------------------------------------


@pytest.mark.django_db
def test_article_list_shows_my_work_and_counts(client, editor, editor2, approver, make_article):
    import datetime

    draft = make_article(title="我的草稿稿件")
    returned = make_article(title="被退回的稿件")
    workflow.submit(returned, by=editor)
    workflow.return_to_author(returned, by=approver, comment="请核实第三段的数字")
    other = make_article(title="他人的待审稿件", author=editor2, section="经济热点",
                         event_date=datetime.date(2020, 8, 3))
    workflow.submit(other, by=editor2)

    client.force_login(editor)
    html = text(client.get(reverse("desk:article_list")))
    assert "我的草稿稿件" in html
    assert "请核实第三段的数字" in html and "赵审核" in html
    assert html.index("退回给我的") < html.index("被退回的稿件") < html.index("等我审核的")

    client.force_login(approver)
    response = client.get(reverse("desk:article_list"))
    assert [a.title for a in response.context["to_review"]["page"].object_list] == ["他人的待审稿件"]
    counts = {value: n for value, _label, n in response.context["counts"]}
    assert counts[S.DRAFT] == 1 and counts[S.SUBMITTED] == 1 and counts[S.RETURNED] == 1

    section = other.section
    filtered = client.get(reverse("desk:article_list"), {"section": section.pk})
    assert {value: n for value, _l, n in filtered.context["counts"]}[S.SUBMITTED] == 1
    assert sum(n for _v, _l, n in filtered.context["counts"]) == 1
    by_month = client.get(reverse("desk:article_list"), {"month": "2020-09"})
    assert sum(n for _v, _l, n in by_month.context["counts"]) == 2  # draft and returned, dated 9月17日
    assert draft.pk in [a.pk for a in Article.objects.filter(event_date__month=9)]
    bad = client.get(reverse("desk:article_list"), {"month": "九月"})
    assert bad.status_code == 200 and "月份格式" in text(bad)


# --- editing ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_article_then_edit_with_hostile_html(client, editor, publication):
    client.force_login(editor)
    assert client.get(reverse("desk:article_new")).status_code == 200
    section = publication.sections.get(name="时政要点")
    response = client.post(reverse("desk:article_new"), {
        "title": "区政务服务中心启用", "event_date": "2020-09-17", "section": section.pk,
        "body": "<p>9月17日，<strong>新大厅</strong>启用。</p>",
    })
    article = Article.objects.get(title="区政务服务中心启用")
    assert response.status_code == 302 and response["Location"] == reverse("desk:article_edit", args=[article.pk])
    assert article.body == "<p>9月17日，<strong>新大厅</strong>启用。</p>" and article.version == 1

    hostile = (
        '<p onmouseover="alert(1)" style="background:url(javascript:alert(2))">正文一</p>'
        "<script>document.cookie</script><style>body{display:none}</style>"
        '<p><a href="javascript:alert(3)">坏链接</a> <a href="https://example.org/">好链接</a></p>'
        '<svg onload="alert(4)"><script>alert(5)</script></svg>'
        '<img src="x" onerror="alert(6)"><img src="https://evil.example/track.png">'
        '<img src="/media/images/web/ok.jpg" alt="图">'
        '<iframe src="https://evil.example/"></iframe><p>正文二</p>'
    )
    edit = client.get(reverse("desk:article_edit", args=[article.pk]))
    assert "django_ckeditor_5" in text(edit)
    response = client.post(reverse("desk:article_edit", args=[article.pk]), form_data(article, body=hostile))
    assert response.status_code == 302
    article.refresh_from_db()
    for bad in ["script", "onmouseover", "onerror", "onload", "style", "javascript", "svg", "iframe", "evil.example", 'src="x"']:
        assert bad not in article.body, bad
    assert "正文一" in article.body and "正文二" in article.body
    assert '<a href="https://example.org/" rel="noopener noreferrer">好链接</a>' in article.body
    assert '<img src="/media/images/web/ok.jpg" alt="图">' in article.body
    assert article.version == 2 and article.revisions.count() == 2


@pytest.mark.django_db
def test_block_image_and_table_stay_figures_through_save_and_reload(client, editor, make_article):
    """CKEditor's figure classes survive the desk's save: without class="image" the editor would
    read the block image back as an inline one and the next save would store <p><img></p>."""
    article = make_article(author=editor, body="<p>正文。</p>")
    client.force_login(editor)
    image = '<figure class="image"><img src="/media/images/web/a.jpg" alt="新大厅"><figcaption>新大厅</figcaption></figure>'
    table = '<figure class="table"><table><tbody><tr><td>窗口</td><td>12</td></tr></tbody></table></figure>'
    hostile_image = image.replace('class="image"', 'class="image evil"')
    body = f"<p>正文。</p>{hostile_image}{table}"
    url = reverse("desk:article_edit", args=[article.pk])
    assert client.post(url, form_data(article, body=body)).status_code == 302
    article.refresh_from_db()
    assert article.body == f"<p>正文。</p>{image}{table}"

    # What the editor gets back on reload (escaped into the widget's textarea) keeps the classes,
    # and saving it unchanged stores the same body.
    page = text(client.get(url))
    assert html_lib.escape(image) in page and html_lib.escape(table) in page
    assert client.post(url, form_data(article)).status_code == 302
    article.refresh_from_db()
    assert article.body == f"<p>正文。</p>{image}{table}"


@pytest.mark.django_db
def test_figure_stored_without_its_class_reaches_the_editor_as_a_block_image(client, editor, make_article):
    legacy = '<p>正文。</p><figure><img src="/media/images/web/a.jpg" alt="图"></figure>'
    article = make_article(author=editor, body=legacy)
    assert Article.objects.get(pk=article.pk).body == legacy  # stored as saved before the fix
    client.force_login(editor)
    page = text(client.get(reverse("desk:article_edit", args=[article.pk])))
    assert html_lib.escape('<figure class="image"><img src="/media/images/web/a.jpg" alt="图"></figure>') in page


@pytest.mark.django_db
def test_second_stale_save_shows_conflict_page_and_keeps_both_texts(client, editor, editor2, make_article):
    article = make_article(body="<p>原来的正文。</p>")
    url = reverse("desk:article_edit", args=[article.pk])
    stale = form_data(article)  # both open the form at version 1

    client.force_login(editor)
    assert client.post(url, {**stale, "body": "<p>李编辑的修改。</p>"}).status_code == 302

    client.force_login(editor2)
    response = client.post(url, {**stale, "body": "<p>王编辑的修改，不能丢。</p>"})
    assert response.status_code == 409
    html = text(response)
    assert "保存冲突" in html and "李编辑" in html
    assert "李编辑的修改" in html and "王编辑的修改，不能丢" in html  # both versions shown
    # The user's own text is in the form again, now based on the current version.
    assert response.context["form"].initial["version"] == 2
    assert "王编辑的修改，不能丢" in response.context["form"].initial["body"]
    article.refresh_from_db()
    assert (article.body, article.version) == ("<p>李编辑的修改。</p>", 2)

    # Saving again from the conflict page is a conscious overwrite, and the other version stays in history.
    response = client.post(url, {**stale, "version": 2, "body": "<p>王编辑的修改，不能丢。</p>"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "<p>王编辑的修改，不能丢。</p>"
    assert article.revisions.filter(body="<p>李编辑的修改。</p>").exists()


@pytest.mark.django_db
def test_autosave_saves_drafts_and_reports_conflicts(client, editor, editor2, make_article):
    article = make_article()
    url = reverse("desk:article_autosave", args=[article.pk])
    client.force_login(editor)
    response = client.post(url, form_data(article, body="<p>自动保存的内容abc</p>"))
    assert response.status_code == 200
    assert response.json()["version"] == 2 and response.json()["words"] == 8
    assert article.revisions.get(number=2).note == "自动保存"
    client.force_login(editor2)
    response = client.post(url, form_data(article, body="<p>过时的页面</p>"))  # still version 1
    assert response.status_code == 409 and "保存冲突" in response.json()["message"]
    article.refresh_from_db()
    assert article.body == "<p>自动保存的内容abc</p>"


@pytest.mark.django_db
def test_too_long_title_is_refused_in_plain_chinese(client, editor, make_article, publication):
    article = make_article()
    client.force_login(editor)
    expected = "标题不能超过200字（现为500字）"
    response = client.post(reverse("desk:article_edit", args=[article.pk]), form_data(article, title="长" * 500))
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [expected]
    assert expected in text(response) and "确保" not in text(response)
    response = client.post(reverse("desk:article_autosave", args=[article.pk]), form_data(article, title="长" * 500))
    assert response.status_code == 400 and response.json()["message"] == f"未自动保存：标题：{expected}"
    section = publication.sections.get(name="时政要点")
    response = client.post(reverse("desk:article_new"), {"title": "长" * 500, "section": section.pk})
    assert response.context["form"].errors["title"] == [expected]
    article.refresh_from_db()
    assert article.title == "测试稿件"
    # the admin's article form says the same
    from editorial.admin import ArticleAdminForm

    assert ArticleAdminForm.base_fields["title"].error_messages["max_length"] % {
        "limit_value": 200, "show_value": 500} == expected


@pytest.mark.django_db
def test_autosave_does_not_touch_articles_under_review(client, editor, make_article):
    article = make_article(status=S.APPROVED)
    client.force_login(editor)
    response = client.post(reverse("desk:article_autosave", args=[article.pk]), form_data(article, title="x"))
    assert response.status_code == 400 and "手动保存" in response.json()["message"]
    article.refresh_from_db()
    assert article.status == S.APPROVED and article.title == "测试稿件"


@pytest.mark.django_db
def test_editing_a_published_article_is_refused_in_chinese(client, editor, make_article):
    article = make_article(status=S.PUBLISHED)
    client.force_login(editor)
    url = reverse("desk:article_edit", args=[article.pk])
    response = client.post(url, form_data(article, title="偷改"), follow=True)
    assert response.status_code == 200
    assert any("已发布" in m for m in messages_of(response))
    article.refresh_from_db()
    assert article.title == "测试稿件"


# --- transitions through the views -----------------------------------------------------------


@pytest.mark.django_db
def test_illegal_transition_gets_a_message_not_a_500(client, approver, make_article):
    article = make_article()
    client.force_login(approver)
    response = client.post(
        reverse("desk:article_transition", args=[article.pk]),
        {"action": "approve", "version": 1}, follow=True,
    )
    assert response.status_code == 200
    assert any("不能执行“审核通过”" in m for m in messages_of(response))
    article.refresh_from_db()
    assert article.status == S.DRAFT


@pytest.mark.django_db
def test_review_round_through_the_views(client, editor, approver, make_article):
    article = make_article()
    action = reverse("desk:article_transition", args=[article.pk])
    client.force_login(editor)
    client.post(action, {"action": "submit", "version": 1})
    detail = client.get(reverse("desk:article_detail", args=[article.pk]))
    assert "不能审核通过自己撰写的稿件" not in text(detail)  # editor is not a reviewer: no approve button
    client.force_login(approver)
    detail = text(client.get(reverse("desk:article_detail", args=[article.pk])))
    assert "审核通过" in detail and "退回修改" in detail
    response = client.post(action, {"action": "return", "comment": "", "version": 1}, follow=True)
    assert any("必须填写退回意见" in m for m in messages_of(response))
    client.post(action, {"action": "return", "comment": "标题太长", "version": 1})
    article.refresh_from_db()
    assert article.status == S.RETURNED
    client.force_login(editor)
    edit = text(client.get(reverse("desk:article_edit", args=[article.pk])))
    assert "标题太长" in edit
    client.post(reverse("desk:article_edit", args=[article.pk]), {**form_data(article, title="短标题"), "then": "submit"})
    article.refresh_from_db()
    assert (article.status, article.title) == (S.SUBMITTED, "短标题")
    client.force_login(approver)
    client.post(action, {"action": "approve", "version": article.version})
    article.refresh_from_db()
    assert article.status == S.APPROVED
    assert list(article.transitions.values_list("action", flat=True)) == ["submit", "return", "revise", "submit", "approve"]


@pytest.mark.django_db
def test_comments_thread(client, editor, approver, make_article):
    article = make_article()
    client.force_login(approver)
    client.post(reverse("desk:comment_add", args=[article.pk]), {"body": "第二段<b>请</b>补充来源"})
    client.post(reverse("desk:comment_add", args=[article.pk]), {"body": "   "})
    assert Comment.objects.count() == 1
    client.force_login(editor)
    html = text(client.get(reverse("desk:article_detail", args=[article.pk])))
    assert "第二段&lt;b&gt;请&lt;/b&gt;补充来源" in html and "赵审核" in html


# --- revisions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_compare_and_restore(client, editor, make_article):
    article = make_article(body="<p>九月十七日，新大厅启用。</p><p>第二段不变。</p>")
    workflow.save_article(article, by=editor, version=1, body="<p>九月十八日，新大厅启用。</p><p>第二段不变。</p>")
    client.force_login(editor)
    response = client.get(reverse("desk:article_compare", args=[article.pk]), {"a": 1, "b": 2})
    html = text(response)
    assert "<del>七</del>" in html and "<ins>八</ins>" in html
    assert "第二段不变。" in html
    response = client.post(reverse("desk:article_restore", args=[article.pk, 1]), {"version": 2})
    assert response.status_code == 302
    article.refresh_from_db()
    assert "十七日" in article.body and article.version == 3
    assert article.revisions.count() == 3
    # A restore from a stale page is refused.
    response = client.post(reverse("desk:article_restore", args=[article.pk, 2]), {"version": 2}, follow=True)
    assert any("保存冲突" in m for m in messages_of(response))
    article.refresh_from_db()
    assert article.version == 3


# --- Word import -----------------------------------------------------------------------------


def real_docx() -> bytes:
    document = Document()
    document.add_heading("区政务服务中心新大厅启用", level=1)
    paragraph = document.add_paragraph("9月17日，")
    bold = paragraph.add_run("区政务服务中心新大厅")
    bold.bold = True
    styled = paragraph.add_run("正式启用。")
    styled.font.name = "楷体"
    styled.font.size = 400000
    document.add_paragraph("")
    document.add_paragraph("   ")
    document.add_paragraph("窗口数量增加", style="List Bullet")
    document.add_paragraph("办事时间缩短", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "项目", "数量"
    table.cell(1, 0).text, table.cell(1, 1).text = "窗口", "48"
    image = io.BytesIO(png((80, 60)))
    document.add_picture(image, width=Inches(1))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_import_docx_creates_an_article(client, editor, publication):
    client.force_login(editor)
    section = publication.sections.get(name="本期焦点")
    upload = SimpleUploadedFile("新大厅.docx", real_docx())
    response = client.post(reverse("desk:article_import_new"), {"docx": upload, "section": section.pk})
    article = Article.objects.get()
    assert response["Location"] == reverse("desk:article_edit", args=[article.pk])
    assert article.title == "区政务服务中心新大厅启用" and article.section == section
    body = article.body
    assert "<strong>区政务服务中心新大厅</strong>" in body
    assert "<ul><li>窗口数量增加</li><li>办事时间缩短</li></ul>" in body
    assert "<tr><td><p>窗口</p></td><td><p>48</p></td></tr>" in body
    assert "<h2>区政务服务中心新大厅启用</h2>" not in body  # became the title, not repeated in the body
    assert "楷体" not in body and "style" not in body and "<p></p>" not in body
    assert re.search(r"<p>\s*</p>", body) is None
    image = Image.objects.get()
    assert f'<img src="{image.web.url}"' in body
    assert article.revisions.get().note == "从 Word 导入"


@pytest.mark.django_db
def test_import_docx_into_existing_article_and_corrupt_file(client, editor, make_article):
    article = make_article(body="<p>原有正文。</p>")
    url = reverse("desk:article_import", args=[article.pk])
    client.force_login(editor)
    broken = real_docx()[:2000]
    for name, data in [("坏文件.docx", broken), ("照片.docx", png()), ("旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100)]:
        response = client.post(url, {"docx": SimpleUploadedFile(name, data), "version": 1}, follow=True)
        assert response.status_code == 200
        assert any("无法读取该 Word 文件" in m for m in messages_of(response)), name
        article.refresh_from_db()
        assert (article.body, article.version) == ("<p>原有正文。</p>", 1)
    response = client.post(url, {"docx": SimpleUploadedFile("稿.docx", real_docx()), "version": 1})
    article.refresh_from_db()
    assert "<strong>区政务服务中心新大厅</strong>" in article.body and article.version == 2
    assert article.title == "测试稿件"  # filling an article keeps its title
    assert article.revisions.filter(body="<p>原有正文。</p>").exists()


@pytest.mark.django_db
def test_import_corrupt_docx_for_new_article_creates_nothing(client, editor, publication):
    client.force_login(editor)
    response = client.post(
        reverse("desk:article_import_new"),
        {"docx": SimpleUploadedFile("x.docx", b"PK\x03\x04 not really"), "section": publication.sections.first().pk},
        follow=True,
    )
    assert any("无法读取该 Word 文件" in m for m in messages_of(response))
    assert not Article.objects.exists()


# --- images ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_image_upload_stores_two_renditions_without_exif(client, editor):
    client.force_login(editor)
    response = client.post(reverse("desk:image_upload"), {"upload": SimpleUploadedFile("p.jpg", jpeg_with_gps())})
    assert response.status_code == 200, response.content
    image = Image.objects.get()
    assert response.json()["url"] == image.web.url
    assert (image.width, image.height, image.uploaded_by, image.original_name) == (60, 40, editor, "p.jpg")
    for stored in (image.web, image.print_file):
        with stored.open("rb") as handle:
            reopened = PILImage.open(handle)
            assert ExifTags.IFD.GPSInfo not in reopened.getexif()
            assert "TestCam" not in str(dict(reopened.getexif()))


@pytest.mark.django_db
def test_image_upload_refusals(client, editor, reader, settings):
    url = reverse("desk:image_upload")
    client.force_login(editor)
    response = client.post(url, {"upload": SimpleUploadedFile("x.png", b"<svg onload=alert(1)></svg>")})
    assert response.status_code == 400 and "不是有效的图片" in response.json()["error"]["message"]

    settings.BULLETIN_MAX_UPLOAD_BYTES = 1000
    big = png((400, 400), (1, 2, 3))
    big = big + b"\0" * max(0, 1200 - len(big))
    response = client.post(url, {"upload": SimpleUploadedFile("big.png", big)})
    assert response.status_code == 400 and "过大" in response.json()["error"]["message"]

    settings.BULLETIN_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    settings.BULLETIN_MAX_IMAGE_PIXELS = 100 * 100
    response = client.post(url, {"upload": SimpleUploadedFile("wide.png", png((200, 100)))})
    assert response.status_code == 400 and "像素过大" in response.json()["error"]["message"]
    assert not Image.objects.exists()

    client.force_login(reader)
    response = client.post(url, {"upload": SimpleUploadedFile("ok.png", png())})
    assert response.status_code == 403 and not Image.objects.exists()


@pytest.mark.django_db
def test_editor_widget_uploads_to_our_view(client, editor, make_article):
    article = make_article()
    client.force_login(editor)
    html = text(client.get(reverse("desk:article_edit", args=[article.pk])))
    assert f'data-upload-url="{reverse("desk:image_upload")}"' in html


# --- admin goes through the workflow ---------------------------------------------------------


@pytest.mark.django_db
def test_admin_edit_goes_through_the_workflow(client, approver, editor, make_article, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    article = make_article()
    workflow.submit(article, by=editor)
    workflow.approve(article, by=approver)
    client.force_login(root)
    url = reverse("admin:editorial_article_change", args=[article.pk])
    data = {
        "section": article.section_id, "title": "后台改标题", "event_date": "2020-09-17",
        "body": '<p>后台<script>x()</script>正文</p>', "expected_version": article.version,
        "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0,
        "transitions-TOTAL_FORMS": 0, "transitions-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, text(response)[:3000]
    article.refresh_from_db()
    assert (article.title, article.body, article.status) == ("后台改标题", "<p>后台正文</p>", S.SUBMITTED)
    assert article.transitions.last().action == "reopen"
    assert article.latest_revision().note == "后台保存"

    # A stale admin form is refused with the conflict message.
    response = client.post(url, {**data, "title": "过时", "expected_version": 1})
    assert response.status_code == 200 and "保存冲突" in text(response)
    # Publishing freezes the article: the admin refuses to edit it.
    Article.objects.filter(pk=article.pk).update(status=S.PUBLISHED)
    response = client.post(url, {**data, "title": "发布后偷改", "expected_version": article.version})
    assert response.status_code == 200 and "已发布" in text(response)
    article.refresh_from_db()
    assert article.title == "后台改标题"


@pytest.mark.django_db
def test_admin_shows_a_published_article_read_only(client, editor, make_article, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    article = make_article(title="已发布的稿件", status=S.PUBLISHED)
    client.force_login(root)
    url = reverse("admin:editorial_article_change", args=[article.pk])
    page = text(client.get(url))
    for field in ("title", "body", "section", "event_date"):
        assert f'name="{field}"' not in page, field
    assert "已发布的稿件" in page and "9月17日，已发布的稿件的正文。" in page
    # no save buttons that could only be refused; the history stays on the page
    for button in ('name="_save"', 'name="_continue"', 'name="_addanother"'):
        assert button not in page, button
    assert "保存人" in page and "状态变化" in page and "关闭" in page
    # a save sent anyway is still refused
    data = {
        "section": article.section_id, "title": "发布后偷改", "event_date": "2020-09-17", "body": "<p>改</p>",
        "expected_version": article.version,
        "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0,
        "transitions-TOTAL_FORMS": 0, "transitions-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "已发布" in text(response)
    article.refresh_from_db()
    assert article.title == "已发布的稿件" and article.version == 1
    # an article still in the workflow keeps its form and its buttons
    draft = make_article(title="草稿")
    page = text(client.get(reverse("admin:editorial_article_change", args=[draft.pk])))
    assert 'name="title"' in page and 'name="_save"' in page and 'name="_continue"' in page


@pytest.mark.django_db
def test_review_page_explains_the_four_eyes_rule(client, editor, approver, make_article):
    article = make_article()
    workflow.submit(article, by=editor)
    workflow.save_article(article, by=approver, version=article.version, body="<p>审核人改过。</p>")
    client.force_login(approver)
    response = client.get(reverse("desk:article_detail", args=[article.pk]))
    assert response.context["actions"]["approve"]["refusal"].startswith("您是这篇稿件的最后修改人")
    assert re.search(r"<button[^>]*disabled[^>]*>审核通过</button>", text(response))
    # The server refuses it too, whatever the browser sends.
    response = client.post(
        reverse("desk:article_transition", args=[article.pk]),
        {"action": "approve", "version": article.version}, follow=True,
    )
    assert any("最后修改人" in m for m in messages_of(response))
    article.refresh_from_db()
    assert article.status == S.SUBMITTED
    client.force_login(editor)
    assert set(client.get(reverse("desk:article_detail", args=[article.pk])).context["actions"]) == set()


@pytest.mark.django_db
def test_package_upload_url_also_strips_exif(client, django_user_model):
    staff = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(staff)
    response = client.post("/ckeditor5/image_upload/", {"upload": SimpleUploadedFile("p.jpg", jpeg_with_gps())})
    assert response.status_code == 200
    image = Image.objects.get()
    with image.web.open("rb") as handle:
        assert ExifTags.IFD.GPSInfo not in PILImage.open(handle).getexif()


def test_new_article_page_has_one_section_field_per_id(client, editor, publication):
    # The Word-import box has its own 栏目 select: its label must point at it, and it must not
    # share the article form's id (a click on either label would land in the article form).
    client.force_login(editor)
    page = text(client.get(reverse("desk:article_new")))
    assert page.count('id="id_section"') == 1
    assert page.count('id="import-section"') == 1
    assert '<label for="import-section">' in page


@pytest.mark.django_db
def test_edit_page_warns_that_saving_voids_the_sign_off(client, signed_off_issue, editor):
    issue = signed_off_issue()
    article = issue.placements.first().article
    client.force_login(editor)
    html = client.get(f"/desk/articles/{article.pk}/edit/").content.decode()
    assert "本稿已编入《测试区大事月报》2020年10月（已签发）" in html
    assert "签发失效" in html


@pytest.mark.django_db
def test_word_import_without_a_section_keeps_the_chosen_file(client, editor, editor2, publication):
    """No section chosen: the page says so and keeps the file; choosing the section is enough."""
    client.force_login(editor)
    upload = SimpleUploadedFile("新大厅.docx", real_docx())
    response = client.post(reverse("desk:article_import_new"), {"docx": upload, "section": ""})
    assert not Article.objects.exists()
    assert response["Location"].startswith(reverse("desk:article_new") + "?docx=")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "请选择栏目。已选的文件“新大厅.docx”已保留" in " ".join(str(m) for m in page.context["messages"])
    assert "已选文件：<strong>新大厅.docx</strong>" in html
    token = page.context["staged_docx"]["token"]
    assert f'name="staged" value="{token}"' in html
    # Another editor cannot use the token.
    client.force_login(editor2)
    other = client.post(reverse("desk:article_import_new"), {"staged": token, "section": publication.sections.first().pk})
    assert other["Location"] == reverse("desk:article_new") and not Article.objects.exists()
    # The same editor picks the section only, sends no file again: the article is created from it.
    client.force_login(editor)
    section = publication.sections.get(name="时政要点")
    response = client.post(reverse("desk:article_import_new"), {"staged": token, "section": section.pk})
    article = Article.objects.get()
    assert response["Location"] == reverse("desk:article_edit", args=[article.pk])
    assert article.title == "区政务服务中心新大厅启用" and article.section == section
    # The kept file is used once.
    again = client.post(reverse("desk:article_import_new"), {"staged": token, "section": section.pk})
    assert again["Location"] == reverse("desk:article_new") and Article.objects.count() == 1
