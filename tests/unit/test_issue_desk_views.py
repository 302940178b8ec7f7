"""The desk's issue pages over HTTP: permissions on the server, messages, double submission."""

import pytest
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Issue
from editorial.models import Article
from tests.conftest import drop_sign_offs

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_editor_creates_and_assembles_an_issue(client, publication, editor, make_article):
    focus = make_article(title="焦点稿件", section="本期焦点", status=Article.Status.APPROVED)
    client.force_login(editor)
    response = client.post(reverse("desk:issue_list"), {"publication": publication.pk, "year": 2020, "month": 10})
    issue = Issue.objects.get(year=2020, month=10)
    assert response.url == reverse("desk:issue_detail", args=[issue.pk])
    page = client.get(response.url)
    assert "焦点稿件" in page.content.decode()  # offered as a candidate
    assembly = reverse("desk:issue_assemble", args=[issue.pk])
    client.post(assembly, {"op": f"add:{focus.pk}"})
    client.post(assembly, {"op": f"focus:{focus.pk}"})
    issue.refresh_from_db()
    assert issue.focus_article == focus
    response = client.post(reverse("desk:issue_submit", args=[issue.pk]), follow=True)
    assert "已提交主任签发。" in messages_of(response)


def test_submit_shows_what_is_missing(client, publication, editor):
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    client.force_login(editor)
    response = client.post(reverse("desk:issue_submit", args=[issue.pk]), follow=True)
    shown = messages_of(response)
    assert "必备栏目“本期焦点”还没有稿件。" in shown
    assert "还没有指定本期焦点文章。" in shown
    assert "必备栏目“本期焦点”还没有稿件。" in response.content.decode()


def test_editor_cannot_sign_off_even_by_posting(client, signed_off_issue, editor, head):
    issue = signed_off_issue()
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SUBMITTED)
    drop_sign_offs(issue)
    client.force_login(editor)
    response = client.post(
        reverse("desk:issue_signoff", args=[issue.pk]), {"action": "sign_off", "fingerprint": "x"}, follow=True
    )
    assert "您没有签发的权限。" in messages_of(response)
    assert not issue.sign_offs.exists()


def test_outsiders_cannot_open_the_desk(client, signed_off_issue, reader):
    issue = signed_off_issue()
    client.force_login(reader)
    assert client.get(reverse("desk:issue_detail", args=[issue.pk])).status_code == 403
    assert client.post(reverse("desk:issue_publish", args=[issue.pk])).status_code == 403
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SIGNED_OFF


def test_head_signs_off_what_was_shown(client, signed_off_issue, head, editor):
    issue = signed_off_issue()
    drop_sign_offs(issue)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SUBMITTED)
    client.force_login(head)
    url = reverse("desk:issue_signoff", args=[issue.pk])
    shown = client.get(url).context["fingerprint"]
    article = issue.placements.last().article
    article.title = "有人在主任看过后改了标题"
    article.save()
    response = client.post(url, {"action": "sign_off", "fingerprint": shown}, follow=True)
    assert "您查看之后本期内容有变动，请重新查看后再签发。" in messages_of(response)
    shown = client.get(url).context["fingerprint"]
    response = client.post(url, {"action": "sign_off", "fingerprint": shown, "comment": "同意"}, follow=True)
    assert "已签发" in messages_of(response)[0]
    assert issue.sign_offs.get().comment == "同意"


def test_double_submitted_publish_form_publishes_once(client, signed_off_issue, head):
    issue = signed_off_issue()
    client.force_login(head)
    page = client.get(reverse("desk:issue_detail", args=[issue.pk]))
    sign_off_id = page.context["sign_off"].pk
    url = reverse("desk:issue_publish", args=[issue.pk])
    first = client.post(url, {"sign_off": sign_off_id, "confirm": "yes"}, follow=True)
    second = client.post(url, {"sign_off": sign_off_id, "confirm": "yes"}, follow=True)
    assert "已发布：2020年10月 第1期（总第97期）。" in messages_of(first)
    assert any("已经发布" in m for m in messages_of(second))
    issue.refresh_from_db()
    assert issue.serial_number == 97
    assert Issue.objects.filter(serial_number__isnull=False).count() == 1
    assert issue.events.filter(action="published").count() == 1


def test_publish_form_from_a_voided_sign_off_is_refused(client, signed_off_issue, head):
    issue = signed_off_issue()
    old = issue.sign_offs.get().pk
    article = issue.placements.first().article
    article.body = "<p>改过了</p>"
    article.save()
    client.force_login(head)
    response = client.post(
        reverse("desk:issue_publish", args=[issue.pk]), {"sign_off": old, "confirm": "yes"}, follow=True
    )
    assert "本期尚未经主任签发，不能发布。" in messages_of(response)
    issue.refresh_from_db()
    assert issue.serial_number is None


def test_previews_are_watermarked(client, signed_off_issue, editor):
    issue = signed_off_issue()
    client.force_login(editor)
    html = client.get(reverse("desk:issue_preview", args=[issue.pk])).content.decode()
    # Signed off already: the watermark must not claim otherwise.
    assert "预览 — 待发布" in html and "未签发" not in html and "2020年10月 稿件1" in html
    response = client.get(reverse("desk:issue_pdf_preview", args=[issue.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_first_serial_number_is_read_only_in_admin_after_a_publish(client, publication, signed_off_issue, head, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    url = reverse("admin:bulletin_publication_change", args=[publication.pk])
    assert 'name="first_serial_number"' in client.get(url).content.decode()
    publishing.publish_issue(signed_off_issue(), by=head)
    assert 'name="first_serial_number"' not in client.get(url).content.decode()
    issue = Issue.objects.get()
    page = client.get(reverse("admin:bulletin_issue_change", args=[issue.pk])).content.decode()
    assert 'name="month"' not in page and 'name="placements-TOTAL_FORMS"' not in page
    assert client.get(reverse("admin:bulletin_issue_delete", args=[issue.pk])).status_code == 403


@pytest.mark.django_db
def test_pdf_preview_is_watermarked_and_refused_to_readers(client, signed_off_issue, editor, reader, tmp_path):
    import subprocess

    issue = signed_off_issue()
    client.force_login(reader)
    assert client.get(f"/desk/issues/{issue.pk}/preview.pdf").status_code == 403
    client.force_login(editor)
    response = client.get(f"/desk/issues/{issue.pk}/preview.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "preview.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "2020年10月 稿件1" in text
    assert "预" in text and "待" in text  # the rotated "预览 — 待发布" watermark (signed off)


def test_preview_watermark_tells_unsigned_from_signed_off(client, publication, signed_off_issue, editor):
    from bulletin.pdf.render import render_issue_html
    from bulletin.rendering import issue_layout

    draft = publishing.create_issue(publication, year=2021, month=1, by=editor)
    signed = signed_off_issue()
    client.force_login(editor)
    assert "预览 — 未签发" in client.get(reverse("desk:issue_preview", args=[draft.pk])).content.decode()
    assert "预览 — 未签发" in render_issue_html(issue_layout(draft))
    assert "预览 — 待发布" in render_issue_html(issue_layout(signed))
    assert "未签发" not in render_issue_html(issue_layout(signed))


@pytest.mark.parametrize("op", ["reorder:abc", "reorder:", "reorder:1.5"])
def test_tampered_reorder_gets_a_message_not_a_500(client, publication, editor, op):
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    client.force_login(editor)
    response = client.post(
        reverse("desk:issue_assemble", args=[issue.pk]), {"op": op, "order": "1,2"}, follow=True
    )
    assert response.status_code == 200
    assert "顺序数据有误，请刷新页面后重试。" in messages_of(response)


@pytest.mark.parametrize("value", ["x", "1.5", "99999"])
def test_creating_an_issue_with_a_bad_publication_gets_a_message(client, publication, editor, value):
    client.force_login(editor)
    response = client.post(reverse("desk:issue_list"), {"publication": value, "year": 2020, "month": 10})
    assert response.status_code == 200
    assert "请选择刊物。" in messages_of(response)
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_visibility_is_chosen_on_the_desk_and_a_change_reopens_the_sign_off(client, signed_off_issue, editor, reader):
    from bulletin.models import Visibility

    issue = signed_off_issue()
    issue.refresh_from_db()
    assert issue.visibility == Visibility.PUBLIC
    url = reverse("desk:issue_assemble", args=[issue.pk])
    client.force_login(reader)
    assert client.post(url, {"op": "visibility", "visibility": "internal"}).status_code == 403
    client.force_login(editor)
    response = client.post(url, {"op": "visibility", "visibility": "internal"}, follow=True)
    assert "可见范围已改为“内部资料" in response.content.decode()
    issue.refresh_from_db()
    assert issue.visibility == Visibility.INTERNAL
    assert issue.status == Issue.Status.DRAFT  # the head signs off again
    assert issue.sign_offs.get().voided_at is not None
    response = client.post(url, {"op": "visibility", "visibility": "secret"}, follow=True)
    assert "请选择可见范围" in response.content.decode()


def test_assembly_changes_come_back_to_the_row_and_sections_take_a_whole_order(
        client, publication, editor, make_article):
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    first = make_article(title="甲", section="时政要点", status=Article.Status.APPROVED)
    second = make_article(title="乙", section="时政要点", status=Article.Status.APPROVED)
    client.force_login(editor)
    assembly = reverse("desk:issue_assemble", args=[issue.pk])
    detail = reverse("desk:issue_detail", args=[issue.pk])
    assert client.post(assembly, {"op": f"add:{first.pk}"})["Location"] == f"{detail}#article-{first.pk}"
    client.post(assembly, {"op": f"add:{second.pk}"})
    assert client.post(assembly, {"op": f"up:{second.pk}"})["Location"] == f"{detail}#article-{second.pk}"
    politics = publication.sections.get(name="时政要点")
    assert client.post(assembly, {"op": f"remove:{first.pk}"})["Location"] == f"{detail}#section-{politics.pk}"
    # A dragged section sends the issue's whole section order.
    order = [s.pk for s in publishing.effective_section_order(issue)]
    wanted = order[-1:] + order[:-1]
    response = client.post(assembly, {"op": "section_order", "order": ",".join(map(str, wanted)),
                                      "anchor": f"section-{wanted[0]}"})
    assert response["Location"] == f"{detail}#section-{wanted[0]}"
    issue.refresh_from_db()
    assert [s.pk for s in publishing.effective_section_order(issue)] == wanted
    # A stale page (a section missing from the list) is refused in words, nothing changes.
    response = client.post(assembly, {"op": "section_order", "order": ",".join(map(str, wanted[1:]))}, follow=True)
    assert "本期的栏目已被他人修改，请刷新页面后重试。" in messages_of(response)
    response = client.post(assembly, {"op": "section_order", "order": "x,1"}, follow=True)
    assert "顺序数据有误，请刷新页面后重试。" in messages_of(response)
    issue.refresh_from_db()
    assert [s.pk for s in publishing.effective_section_order(issue)] == wanted


def test_moving_an_article_says_what_moved_once(client, publication, editor, make_article):
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    first = make_article(title="甲", section="时政要点", status=Article.Status.APPROVED)
    second = make_article(title="乙", section="时政要点", status=Article.Status.APPROVED)
    publishing.add_article(issue, first, by=editor)
    publishing.add_article(issue, second, by=editor)
    client.force_login(editor)
    assembly = reverse("desk:issue_assemble", args=[issue.pk])

    def said(data):
        response = client.post(assembly, data, follow=True)
        shown = messages_of(response)
        for message in shown:  # each message once on the page
            assert response.content.decode().count(message) == 1, message
        return shown

    assert said({"op": f"up:{second.pk}"}) == ["已将《乙》上移。"]
    assert said({"op": f"down:{second.pk}"}) == ["已将《乙》下移。"]
    assert said({"op": f"down:{second.pk}"}) == ["稿件已在本栏目最后，无法下移。"]  # a stale page
    economy = publication.sections.get(name="经济热点")
    assert said({"op": f"section:{first.pk}", f"section-{first.pk}": economy.pk}) == ["已将《甲》移到“经济热点”。"]
    assert said({"op": f"section:{first.pk}", f"section-{first.pk}": economy.pk}) == ["稿件已在所选栏目中，栏目没有变化。"]
    # Dragging posts the same form (no fetch) and says nothing: the new order is what it shows.
    third = make_article(title="丙", section="时政要点", status=Article.Status.APPROVED)
    publishing.add_article(issue, third, by=editor)
    politics = publication.sections.get(name="时政要点")
    assert said({"op": f"reorder:{politics.pk}", "order": f"{third.pk},{second.pk}"}) == []
    assert [p.article.title for p in issue.placements.filter(section=politics).order_by("position")] == ["丙", "乙"]
    order = [s.pk for s in publishing.effective_section_order(issue)]
    assert said({"op": "section_order", "order": ",".join(map(str, order[::-1]))}) == []
