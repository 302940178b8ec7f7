"""Chronicle (大事记) exports are background jobs whose result is a stored file: the same export
(publication, range, format, visibility scope, the chronicle's content) is made once by the worker
and then served to every request for it; the reader waits on a progress page that reloads itself;
an internal export never reaches an anonymous reader; a changed chronicle gets a new file and the
old one is removed. Run by the real db_worker loop, with the files in moto's S3 server."""

from __future__ import annotations

import datetime
import io
import re
from unittest import mock

import pytest
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker

from bulletin import chronicle as chron
from bulletin import chronicle_exports as exports
from bulletin.models import BackgroundJob, Issue, Visibility
from tests import object_storage
from tests.unit.test_chronicle import EXPECTED, publish, year_2021  # noqa: F401 (fixtures)
from tests.unit.test_object_storage import follow_signed

pytestmark = pytest.mark.django_db

s3_server, s3 = object_storage.s3_server, object_storage.s3
Status = BackgroundJob.Status


def run_worker():
    """What `manage.py db_worker --batch` does: run every task that is due, then return.

    Inside a test's transaction the worker must not close the connection as it does between
    tasks (close_old_connections closes one that is not in autocommit: the test's own, on
    PostgreSQL), just as Django's test client does not close it between requests."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None):
        Worker(
            queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
        ).run()


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """GET an export link as the browser does, with the job's task queued as the request commits."""

    def get(url, who=client, **query):
        with django_capture_on_commit_callbacks(execute=True):
            return who.get(url, query)

    return get


def progress_url(response, slug="test-dsyb"):
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(rf"/{slug}/chronicle/exports/(\d+)/", response["Location"])
    assert match, response["Location"]
    return response["Location"]


def docx_text(data: bytes) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_the_same_export_is_made_once_for_two_requests_and_served_from_the_bucket(
    s3, client, ask, year_2021, monkeypatch  # noqa: F811
):
    renders = []
    real = chron.render_pdf
    monkeypatch.setattr(chron, "render_pdf", lambda *a, **k: renders.append(1) or real(*a, **k))
    url = reverse("reader:chronicle_pdf", args=["test-dsyb", 2021])

    first = progress_url(ask(url))
    assert progress_url(ask(url)) == first  # the second reader waits for the same job
    assert BackgroundJob.objects.filter(kind=exports.KIND).count() == 1

    page = client.get(first)
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html and "正在排队" in html
    assert "js/export-progress.js" in html  # with script the page follows the job without reloading
    assert "导出大事记（PDF）" in html and "测试区大事月报 2021年大事记" in html

    run_worker()

    job = BackgroundJob.objects.get(kind=exports.KIND)
    assert job.status == Status.DONE and job.params["scope"] == chron.PUBLIC
    keys = s3.keys("site/private/exports/")
    assert keys == [f"site/private/{job.result['storage_name']}"]
    html = client.get(first).content.decode()
    assert "已完成：共 6 条" in html and 'http-equiv="refresh"' not in html
    download = reverse("reader:chronicle_export_download", args=["test-dsyb", job.pk])
    assert f'href="{download}"' in html
    pdf = follow_signed(s3, client.get(download))
    assert pdf.startswith(b"%PDF") and pdf == s3.read(keys[0])

    # Asked again (another reader, the same range): the stored file at once, no new job.
    again = ask(url)
    assert follow_signed(s3, again) == pdf
    assert "filename" in again["Location"] or "response-content-disposition" in again["Location"]
    assert BackgroundJob.objects.filter(kind=exports.KIND).count() == 1 and len(renders) == 1


def test_an_internal_export_is_refused_to_anonymous_readers(s3, client, ask, year_2021, reader):  # noqa: F811
    from django.test import Client

    client.force_login(reader)
    url = reverse("reader:chronicle_docx", args=["test-dsyb", 2021])
    internal_page = progress_url(ask(url, who=client))
    run_worker()
    job = BackgroundJob.objects.get(kind=exports.KIND)
    assert job.params["scope"] == chron.INTERNAL and job.status == Status.DONE
    download = reverse("reader:chronicle_export_download", args=["test-dsyb", job.pk])
    assert "内部稿：专题会议" in docx_text(follow_signed(s3, client.get(download)))

    anonymous = Client()
    for address in (internal_page, download):
        refused = anonymous.get(address)
        assert refused.status_code == 302 and refused["Location"].startswith(reverse("login")), address
        assert s3.endpoint not in refused["Location"]
    # The anonymous reader's own link is another export: the public scope, without the internal entry.
    public_page = progress_url(ask(url, who=anonymous))
    assert public_page != internal_page
    run_worker()
    public_job = BackgroundJob.objects.filter(kind=exports.KIND).latest("pk")
    assert public_job.params["scope"] == chron.PUBLIC
    text = docx_text(follow_signed(s3, anonymous.get(
        reverse("reader:chronicle_export_download", args=["test-dsyb", public_job.pk]))))
    assert "内部稿" not in text and all(title in text for title in EXPECTED)


def test_a_changed_chronicle_gets_a_new_file_and_the_old_one_is_removed(
    s3, client, ask, year_2021, publish  # noqa: F811
):
    url = reverse("reader:chronicle_docx", args=["test-dsyb", 2021])
    old_page = progress_url(ask(url))
    run_worker()
    old = BackgroundJob.objects.get(kind=exports.KIND)
    old_key = f"site/private/{old.result['storage_name']}"
    assert s3.keys("site/private/exports/") == [old_key]

    # The internal September issue is made public: the public chronicle has one more entry.
    Issue.objects.filter(visibility=Visibility.INTERNAL).update(visibility=Visibility.PUBLIC)
    new_page = progress_url(ask(url))
    assert new_page != old_page
    run_worker()
    new = BackgroundJob.objects.filter(kind=exports.KIND).latest("pk")
    new_key = f"site/private/{new.result['storage_name']}"
    assert s3.keys("site/private/exports/") == [new_key] and new_key != old_key
    assert "内部稿：专题会议" in docx_text(s3.read(new_key))
    html = client.get(old_page).content.decode()
    assert "已被新版本取代" in html and f'href="{url}?start=2021-01-01&amp;end=2021-12-31"' in html
    stale = client.get(reverse("reader:chronicle_export_download", args=["test-dsyb", old.pk]))
    assert stale.status_code == 302 and stale["Location"] == old_page


def test_a_failed_export_says_why_and_offers_to_try_again(client, ask, year_2021, monkeypatch):  # noqa: F811
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(chron, "render_docx", broken)
    url = reverse("reader:chronicle_docx", args=["test-dsyb", 2021])
    page = progress_url(ask(url, start="2021-03-01", end="2021-05-31"))
    run_worker()
    job = BackgroundJob.objects.get(kind=exports.KIND)
    assert job.status == Status.FAILED
    html = client.get(page).content.decode()
    assert "导出失败：内部错误（OSError）" in html and "disk full" not in html
    assert f'href="{url}?start=2021-03-01&amp;end=2021-05-31">重新导出' in html

    monkeypatch.undo()
    again = progress_url(ask(url, start="2021-03-01", end="2021-05-31"))
    assert again != page  # a failed job is not reused: the link starts a new one
    run_worker()
    assert BackgroundJob.objects.latest("pk").status == Status.DONE


def test_an_export_job_of_another_publication_or_kind_is_not_found(client, year_2021):  # noqa: F811
    other = BackgroundJob.objects.create(kind="search_reindex", params={}, params_key="x", status=Status.DONE)
    assert client.get(reverse("reader:chronicle_export", args=["test-dsyb", other.pk])).status_code == 404
    assert client.get(reverse("reader:chronicle_export", args=["no-such", other.pk])).status_code == 404


def test_the_export_range_is_part_of_what_is_stored(year_2021, publication):  # noqa: F811
    whole = chron.chronicle_for(publication, datetime.date(2021, 1, 1), datetime.date(2021, 12, 31), chron.PUBLIC)
    part = chron.chronicle_for(publication, datetime.date(2021, 3, 1), datetime.date(2021, 5, 31), chron.PUBLIC)
    names = {exports.storage_name(exports.export_params(c, f)) for c in (whole, part) for f in chron.FORMATS}
    assert len(names) == 4
    assert exports.storage_name(exports.export_params(part, chron.PDF)).startswith(
        f"exports/chronicle/{publication.pk}/2021-03-01_2021-05-31/public-pdf-")
