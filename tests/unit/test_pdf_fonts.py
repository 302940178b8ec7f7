"""A publication's own licensed fonts: checked on upload in the admin, kept out of every public
URL, and embedded in the issue PDF in place of Noto CJK (which stays behind them)."""

import functools
import io
import shutil
import string
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bulletin.models import PublicationFont
from bulletin.pdf.fonts import COMMON_HANZI, font_face_css
from bulletin.pdf.store import render_pdf_bytes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed"),
]

NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
# What the test issue prints besides the common hanzi (digits, punctuation, the publication's words).
EXTRA = "0123456789０１２３４５６７８９，。、；：？！“”（）《》—…·测试稿件正文期刊月报版记第页总"


def _subset(font, text: str) -> None:
    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)


@functools.cache
def _noto_face(index: int) -> bytes:
    """Noto Serif CJK's face `index` (2 = SC), cut down to what any test font holds (read once)."""
    from fontTools.ttLib import TTFont

    if not NOTO_SERIF.is_file():
        pytest.skip("Noto Serif CJK (fonts-noto-cjk) not installed")
    font = TTFont(str(NOTO_SERIF), fontNumber=index)
    _subset(font, COMMON_HANZI + EXTRA + string.ascii_letters)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def make_font(family: str, text: str, *, face: int = 2, fs_type: int | None = None) -> bytes:
    """A small real font: Noto Serif CJK's face `face` (2 = SC) cut down to `text` and renamed."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(_noto_face(face)))
    _subset(font, text)
    name = font["name"]
    for name_id in (1, 2, 3, 4, 6, 16, 17, 21, 22):
        name.removeNames(nameID=name_id)
    postscript = family.replace(" ", "") + "-Regular"
    for name_id, value in ((1, family), (2, "Regular"), (3, postscript), (4, family), (6, postscript)):
        name.setName(value, name_id, 3, 1, 0x409)
    if fs_type is not None:
        font["OS/2"].fsType = fs_type
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def test_song():
    return make_font("Test Song", COMMON_HANZI + EXTRA)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="pw-root")


def admin_form(client, publication) -> dict:
    """The publication's change form as the browser sends it (inline management forms and all)."""
    page = client.get(reverse("admin:bulletin_publication_change", args=[publication.pk]))
    data = {}
    forms = [page.context["adminform"].form]
    forms += [inline.formset.management_form for inline in page.context["inline_admin_formsets"]]
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is not None and value is not False and value != "":
                data.setdefault(form.add_prefix(name), value)
    for inline in page.context["inline_admin_formsets"]:  # the rows already there, unchanged
        for row in inline.formset.forms:
            for name, field in row.fields.items():
                value = row.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                if value is not None and value is not False and value != "" and name != "file":
                    data[row.add_prefix(name)] = value
    return data


def upload(client, publication, content: bytes, filename: str, role="body"):
    data = admin_form(client, publication)
    data.update({
        "fonts-TOTAL_FORMS": 1 + int(data.get("fonts-INITIAL_FORMS", 0)),
        f"fonts-{data.get('fonts-INITIAL_FORMS', 0)}-role": role,
        f"fonts-{data.get('fonts-INITIAL_FORMS', 0)}-file": SimpleUploadedFile(filename, content),
    })
    return client.post(reverse("admin:bulletin_publication_change", args=[publication.pk]), data)


def font_errors(response) -> list[str]:
    assert response.status_code == 200, "the form was accepted"
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "fonts")
    return [message for form in formset.forms for message in form.errors.get("file", [])]


def test_a_file_that_is_not_a_font_is_refused_in_chinese(client, publication, superuser):
    client.force_login(superuser)
    response = upload(client, publication, b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "fzxbs.ttf")
    assert font_errors(response) == [
        "这不是 TrueType/OpenType 字体文件（.ttf、.otf 或 .ttc），请上传字体文件本身。"
    ]
    broken = upload(client, publication, b"OTTO" + b"\0" * 300, "broken.otf")
    assert font_errors(broken) == ["字体文件已损坏或格式不受支持，无法读取，请换一个文件。"]
    assert not PublicationFont.objects.exists()


def test_a_latin_only_font_is_refused(client, publication, superuser):
    client.force_login(superuser)
    latin = make_font("Test Latin", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    response = upload(client, publication, latin, "latin.otf")
    assert font_errors(response) == [
        "这个字体缺少常用汉字（500 个最常用的汉字中只有 0 个），不能用来排印中文；"
        "请上传中文字体，如方正小标宋、仿宋_GB2312、黑体。"
    ]
    # 94 % of the common hanzi is not enough either (the rule is 95 %).
    partial = make_font("Test Partial", COMMON_HANZI[:470])
    assert font_errors(upload(client, publication, partial, "partial.otf"))[0].startswith(
        "这个字体缺少常用汉字（500 个最常用的汉字中只有 470 个）"
    )
    assert not PublicationFont.objects.exists()


def test_a_font_whose_licence_flag_forbids_embedding_is_refused(client, publication, superuser):
    client.force_login(superuser)
    restricted = make_font("Test Restricted", COMMON_HANZI, fs_type=0x0002)
    assert font_errors(upload(client, publication, restricted, "restricted.otf")) == [
        "这个字体的授权标记为“受限”（不允许嵌入文档），不能用于 PDF。请向字体厂商索取允许嵌入的版本。"
    ]


def test_a_cjk_font_is_kept_privately_and_the_pdf_embeds_it(
    client, publication, superuser, signed_off_issue, settings, tmp_path, test_song
):
    issue = signed_off_issue()
    client.force_login(superuser)
    response = upload(client, publication, test_song, "方正仿宋.otf", role="body")
    assert response.status_code == 302, font_errors(response)
    font = PublicationFont.objects.get()
    assert (font.role, font.family_name, font.uploaded_by) == ("body", "Test Song", superuser)

    # Kept under PRIVATE_ROOT, nowhere under MEDIA_ROOT, with no URL and not named on the admin page.
    stored = Path(font.file.path)
    assert stored.is_file() and stored.is_relative_to(Path(settings.PRIVATE_ROOT).resolve())
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.otf"))
    with pytest.raises(ValueError):
        font.file.url  # noqa: B018 (the property raises)
    page = client.get(reverse("admin:bulletin_publication_change", args=[publication.pk])).content.decode()
    assert "Test Song" in page and font.file.name not in page

    pdf = tmp_path / "issue.pdf"
    pdf.write_bytes(render_pdf_bytes(issue))
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    embedded = {row.split()[0].split("+", 1)[-1] for row in rows if row.split()[-5] == "yes"}
    assert "Test-Song" in embedded, rows
    # Noto CJK is still there: headings keep theirs, and a character the font lacks (稿) falls back.
    assert any(name.startswith("Noto-Sans-CJK") for name in embedded), rows
    assert any(name.startswith("Noto-Serif-CJK") for name in embedded), rows


def test_a_collection_gives_its_simplified_chinese_face(client, publication, superuser):
    from fontTools.ttLib import TTCollection, TTFont

    client.force_login(superuser)
    collection = TTCollection()
    for family, face in (("Test Song JP", 0), ("Test Song SC", 2)):
        collection.fonts.append(TTFont(io.BytesIO(make_font(family, COMMON_HANZI, face=face))))
    out = io.BytesIO()
    collection.save(out)
    response = upload(client, publication, out.getvalue(), "songti.ttc", role="title")
    assert response.status_code == 302, font_errors(response)
    font = PublicationFont.objects.get()
    assert font.family_name == "Test Song SC" and font.file.name.endswith(".otf")
    assert TTFont(font.file.path)["name"].getDebugName(1) == "Test Song SC"  # the face alone


def test_replacing_or_removing_a_font_leaves_no_file_behind(
    client, publication, superuser, test_song, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, publication, test_song, "a.otf", role="heading").status_code == 302
    first = Path(PublicationFont.objects.get().file.path)
    data = admin_form(client, publication)
    data["fonts-0-file"] = SimpleUploadedFile("b.otf", make_font("Test Hei", COMMON_HANZI))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:bulletin_publication_change", args=[publication.pk]), data)
    assert response.status_code == 302, font_errors(response)
    font = PublicationFont.objects.get()
    assert font.family_name == "Test Hei" and Path(font.file.path).is_file() and not first.exists()

    data = admin_form(client, publication)
    data["fonts-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:bulletin_publication_change", args=[publication.pk]), data).status_code == 302
    assert not PublicationFont.objects.exists() and not Path(font.file.path).exists()


def test_font_faces_put_each_role_first_and_keep_names_harmless():
    css = font_face_css([
        {"role": "title", "family": 'Evil"; } body { color: red', "path": "/fonts/a.otf"},
        {"role": "body", "family": "FangSong_GB2312", "path": "/fonts/b.ttf"},
        {"role": "heading", "family": "FangSong_GB2312", "path": "/fonts/c.ttf"},
    ])
    assert '"Evil body color red"' in css and "color: red" not in css
    assert css.count("@font-face") == 6  # each face at the weights its role is set in
    assert ':root { --title-face: "Evil body color red"; --body-face: "FangSong_GB2312"; ' \
           '--heading-face: "FangSong_GB2312 heading"; }' in css
    assert font_face_css([]) == ""
