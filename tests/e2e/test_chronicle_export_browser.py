"""A reader exporting the 大事记 in a real browser: the export link leads to the progress page,
which follows the background job by itself (static/js/export-progress.js, no reload, no inline
script) until the worker has made the file, then offers the download; axe finds no WCAG
violation on the waiting page (a timed meta refresh would be one)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from bulletin.models import BackgroundJob
from tests.e2e.test_accessibility import AA
from tests.unit.test_chronicle import publish, year_2021  # noqa: F401 (fixtures)
from tests.unit.test_pdf_jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_export_page_offers_the_download_once_the_worker_is_done(page, live_server, year_2021):  # noqa: F811
    console = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/test-dsyb/chronicle/2021/")
    page.goto(f"{live_server.url}/test-dsyb/chronicle/2021.docx")
    assert "/chronicle/exports/" in page.url
    assert "正在排队" in page.locator("#export-job").inner_text()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # only inside <noscript>
    assert Axe().run(page, options=AA).response["violations"] == []
    waiting_url = page.url

    page.evaluate("window.__same_document = true")  # gone if the page reloaded
    run_worker()
    job = BackgroundJob.objects.get(kind="chronicle_export")
    assert job.status == BackgroundJob.Status.DONE

    download = page.get_by_role("link", name="下载 Word")
    download.wait_for(timeout=30_000)
    assert page.url == waiting_url and page.evaluate("window.__same_document") is True
    assert "已完成：共 6 条" in page.locator("#export-job").inner_text()
    with page.expect_download() as got:
        download.click()
    assert got.value.suggested_filename.endswith(".docx")
    assert console == []
