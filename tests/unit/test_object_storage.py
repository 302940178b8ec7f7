"""Files on S3-compatible object storage (issue #14): with BULLETIN_S3_BUCKET every kind of file
(uploaded images and their renditions, rendered PDFs, staged imports, uploaded fonts) is kept in
the bucket, under media/ or private/, and nothing on the web node's disk; the bucket is private,
and a browser gets a file only after Django's access check, as a presigned URL that expires.
Runs against moto's S3 server on the loopback (tests/object_storage.py)."""

import io
import json
import subprocess
import tarfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image as PILImage

from bulletin import backup
from bulletin.importing import staging
from bulletin.models import Issue, IssueArticle, PublicationFont, Visibility
from bulletin.pdf import store as pdf_store
from bulletin.publishing import publish_back_issue
from editorial.models import Article
from editorial.models import Image as StoredImage
from tests import object_storage
from tests.conftest import make_user
from tests.security.test_media_access import body_with, png_bytes, publish_with  # noqa: F401

pytestmark = pytest.mark.django_db

# The fixtures: moto's S3 server (one per run) and a bucket the site uses (one per test).
s3_server, s3 = object_storage.s3_server, object_storage.s3


def http_get(url):
    """(status, body) of a plain GET, as a browser without cookies sends it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def follow_signed(s3, response, *, expected_seconds=300):
    """The bytes behind Django's redirect to a presigned URL, after checking what the URL is."""
    assert response.status_code == 302, response.status_code
    url = response["Location"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert url.startswith(f"{s3.endpoint}/{s3.name}/site/"), url
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Signature"]
    assert query["X-Amz-Expires"] == [str(expected_seconds)], "a short-lived address"
    status, body = http_get(url)
    assert status == 200
    return body


def assert_private(s3, key):
    """No one reads the object without a signature: no public grant, and moto's anonymous GET
    of its plain address is refused (as on S3 and MinIO)."""
    grants = s3.client.get_object_acl(Bucket=s3.name, Key=key)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")], grants
    status, body = http_get(s3.public_url(key))
    assert status == 403 and s3.read(key) not in body


def nothing_on_disk(settings):
    """No stored file on the web node's disk (the page cache's generation counter, PRIVATE_ROOT/
    pages, is config.pagecache's own and not a stored file)."""
    pages = Path(settings.PRIVATE_ROOT) / "pages"
    for root in (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT)):
        files = [p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(pages)] if root.exists() else []
        assert not files, files


def test_uploaded_image_and_renditions_live_in_the_bucket_and_reach_readers_signed(
    s3, settings, editor, publish_with  # noqa: F811
):
    client = Client()
    client.force_login(editor)
    upload = io.BytesIO(png_bytes())
    upload.name = "现场.png"
    answer = client.post(reverse("desk:image_upload"), {"upload": upload}).json()
    image = StoredImage.objects.get()
    # The editor's URL is the site's own, through the access check; never the bucket's.
    assert answer["url"] == f"/media/{image.web.name}" and s3.endpoint not in answer["url"]
    web_key, print_key = f"site/media/{image.web.name}", f"site/media/{image.print_file.name}"
    assert s3.keys("site/media/") == sorted([web_key, print_key])
    nothing_on_disk(settings)
    assert_private(s3, web_key)
    assert_private(s3, print_key)

    publish_with(body_with(image), visibility=Visibility.PUBLIC)
    for name in (image.web.name, image.print_file.name):
        response = Client().get(f"/media/{name}")
        assert follow_signed(s3, response) == s3.read(f"site/media/{name}")
        assert response["Cache-Control"] == "private, max-age=150", "kept less long than the URL lives"
    assert Client().get("/media/images/web/none.png").status_code == 404


def test_internal_image_is_refused_anonymously_and_signed_for_a_reader(s3, editor, reader, publish_with):  # noqa: F811
    from editorial.uploads import store_image

    image = store_image(png_bytes((10, 20, 30)), by=editor, name="internal.png")
    publish_with(body_with(image), visibility=Visibility.INTERNAL)
    anonymous = Client().get(image.web.url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert s3.endpoint not in anonymous["Location"]
    outsider = Client()
    outsider.force_login(make_user("outsider-2"))
    assert outsider.get(image.web.url).status_code == 404
    allowed = Client()
    allowed.force_login(reader)
    response = allowed.get(image.web.url)
    assert follow_signed(s3, response).startswith(b"\x89PNG")
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def _photo(width, height):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (40, 120, 200)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _published(publication, make_article, editor, *, visibility, serial, month, image=None):
    body = "<p>9月17日，区里召开会议。</p>"
    if image is not None:
        body += f'<p><img src="{image.web.url}" alt="现场"></p>'
    article = make_article(title=f"对象存储稿件{serial}", status=Article.Status.APPROVED, body=body)
    issue = Issue.objects.create(publication=publication, year=2020, month=month, visibility=visibility,
                                 focus_article=article)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section)
    publish_back_issue(issue, year_number=10, serial_number=serial)
    issue.refresh_from_db()
    return issue


def test_rendered_pdf_is_stored_in_the_bucket_with_images_read_from_it(
    s3, settings, publication, make_article, editor, reader, tmp_path
):
    from editorial.uploads import store_image

    image = store_image(_photo(3000, 2000), by=editor, name="photo.jpg")
    issue = _published(publication, make_article, editor, visibility=Visibility.PUBLIC, serial=96, month=10,
                       image=image)
    response = Client().get(f"/{publication.slug}/96.pdf")
    pdf = follow_signed(s3, response)
    assert pdf.startswith(b"%PDF")
    key = f"site/private/{pdf_store.pdf_name(issue)}"
    assert s3.keys("site/private/pdf/") == [key] and s3.read(key) == pdf
    assert_private(s3, key)
    nothing_on_disk(settings)
    # The download is named for the reader, and the ETag still answers 304.
    query = parse_qs(urlsplit(response["Location"]).query)
    assert "attachment" not in query["response-content-disposition"][0]
    assert query["response-content-type"] == ["application/pdf"]
    etag = response["ETag"]
    assert Client().get(f"/{publication.slug}/96.pdf", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # The print rendition (2400 px) was fetched from the bucket by the renderer.
    out = tmp_path / "issue.pdf"
    out.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    assert [int(line.split()[3]) for line in listing.splitlines()[2:]] == [2400], listing

    # A new version (here: the stored file gone) is rendered again and the old one removed.
    pdf_store.invalidate_issue_pdf(issue)
    assert s3.keys("site/private/pdf/") == []


def test_internal_pdf_is_refused_anonymously_and_signed_for_a_reader(s3, publication, make_article, editor, reader):
    _published(publication, make_article, editor, visibility=Visibility.INTERNAL, serial=95, month=9)
    url = f"/{publication.slug}/95.pdf"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert s3.keys("site/private/pdf/") == [], "nothing rendered for a refused request"
    allowed = Client()
    allowed.force_login(reader)
    assert follow_signed(s3, allowed.get(url)).startswith(b"%PDF")
    (key,) = s3.keys("site/private/pdf/")
    assert_private(s3, key)


def test_staged_import_round_trips_through_the_bucket(s3, settings, editor, editor2, publication):
    data = "中原区大事月报\n2020年10月\n".encode("gb18030") * 50
    token = staging.stage(data, user=editor, filename="十月.txt", publication_id=publication.pk,
                          create_sections=False)
    assert s3.keys("site/private/imports/") == [
        f"site/private/imports/{token}.bin", f"site/private/imports/{token}.json"
    ]
    assert_private(s3, f"site/private/imports/{token}.bin")
    nothing_on_disk(settings)
    staged, meta = staging.load(token, user=editor)
    assert staged == data and meta["filename"] == "十月.txt"
    assert staging.load(token, user=editor2) is None, "another user's file is not theirs"
    assert staging.load("../../etc/passwd", user=editor) is None
    staging.discard(token)
    assert s3.keys("site/private/imports/") == [] and staging.load(token, user=editor) is None


def test_uploaded_font_is_kept_in_the_bucket_and_used_by_a_render(
    s3, settings, client, publication, signed_off_issue, tmp_path
):
    from django.contrib.auth import get_user_model

    from bulletin.pdf.fonts import COMMON_HANZI
    from tests.unit.test_pdf_fonts import EXTRA, font_errors, make_font, upload

    superuser = get_user_model().objects.create_superuser("root", password="pw-root")
    issue = signed_off_issue()
    client.force_login(superuser)
    response = upload(client, publication, make_font("Test Song", COMMON_HANZI + EXTRA), "方正仿宋.otf")
    assert response.status_code == 302, font_errors(response)
    font = PublicationFont.objects.get()
    key = f"site/private/fonts/{font.file.name}"
    assert s3.keys("site/private/fonts/") == [key]
    assert_private(s3, key)
    with pytest.raises(ValueError):
        font.file.url  # noqa: B018 (the property raises: no address at all)
    nothing_on_disk(settings)

    pdf = tmp_path / "issue.pdf"
    pdf.write_bytes(pdf_store.render_pdf_bytes(issue))
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert "Test-Song" in {row.split()[0].split("+", 1)[-1] for row in rows}, rows
    # WeasyPrint read a local copy named by its checksum, fetched once.
    import hashlib

    cached = [p for p in Path(settings.BULLETIN_FONT_CACHE).iterdir() if p.suffix == ".otf"]
    assert [p.name for p in cached] == [hashlib.sha256(s3.read(key)).hexdigest() + ".otf"]
    pdf_store.render_pdf_bytes(issue)
    assert len(list(Path(settings.BULLETIN_FONT_CACHE).iterdir())) == 2  # the copy and its index


def test_backup_reads_every_file_from_the_bucket(
    s3, settings, editor, publication, make_article, tmp_path, monkeypatch
):
    from editorial.uploads import store_image

    # The database's part is tested by tests/unit/test_backup.py on a real installation (SQLite's
    # online backup cannot copy the test's own open transaction); here only the files.
    def dump_stand_in(engine, workdir):
        (workdir / "database.sqlite3").write_bytes(b"stand-in")
        return workdir / "database.sqlite3"

    monkeypatch.setattr(backup, "_dump_database", dump_stand_in)

    image = store_image(png_bytes(), by=editor, name="a.png")
    staging.stage(b"text", user=editor, filename="a.txt", publication_id=publication.pk, create_sections=False)
    issue = _published(publication, make_article, editor, visibility=Visibility.PUBLIC, serial=94, month=8)
    pdf_store.ensure_issue_pdf(issue)
    archive = backup.create_backup(tmp_path / "backup.tar.gz").archive
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        stored = {name: tar.extractfile(name).read() for name in manifest["files"] if name.startswith("files/")}
    expected = {f"files/media/{image.web.name}", f"files/media/{image.print_file.name}",
                f"files/private/{pdf_store.pdf_name(issue)}"}
    assert expected <= set(stored) and len(stored) == 5  # and the staged file with its options
    for name, data in stored.items():
        assert data == s3.read("site/" + name.removeprefix("files/"))
    assert any("对象存储" in line for line in backup.has_data())
