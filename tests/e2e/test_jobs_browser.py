"""Long work in a real browser: the head publishes an issue (BULLETIN_PDF_ON_PUBLISH="task"), a
reader who asks for the PDF at once is told it is being made, the issue's desk page links to the
render job's progress page, which follows the job by itself (static/js/job-progress.js, no inline
script) until the background worker has finished it: 已完成 and the link to the PDF."""

import os

import pytest

from bulletin.models import BackgroundJob
from tests.unit.test_pdf_jobs import run_worker


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BULLETIN_PDF_ON_PUBLISH = "task"


def _screenshot(page, tmp_path, name):
    # BULLETIN_SCREENSHOTS=<folder> keeps them for a person to look at.
    folder = os.environ.get("BULLETIN_SCREENSHOTS") or tmp_path
    page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_the_progress_page_follows_the_pdf_job_to_done(page, live_server, login, logout, signed_off_issue, head, tmp_path):
    issue = signed_off_issue()
    console = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    login(page, "head")
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布本期").click()
    page.wait_for_load_state()
    issue.refresh_from_db()
    job = BackgroundJob.objects.get(kind="issue_pdf")

    # A reader who asks for the PDF now is told to wait (the page asks again by itself).
    reader = page.context.browser.new_page()
    response = reader.goto(f"{live_server.url}{issue.get_pdf_url()}")
    assert response.status == 503 and "PDF 正在生成" in reader.locator("h1").inner_text()

    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    page.get_by_role("link", name="查看生成进度").click()
    assert page.url.endswith(f"/desk/jobs/{job.pk}/")
    assert page.locator("#job-status").inner_text() == "排队中"
    _screenshot(page, tmp_path, "job-queued.png")

    # The background worker renders the PDF while both pages keep asking; the reader's opens it.
    with reader.expect_response(lambda r: r.url.endswith(".pdf") and r.request.method == "GET" and r.status == 200,
                                timeout=30_000) as opened:
        run_worker()
    assert opened.value.headers["content-type"] == "application/pdf"
    reader.close()

    # The script notices the end and reloads the page (which then shows the result link).
    page.locator("#job-result a").wait_for(timeout=30_000)
    assert page.locator("#job-status").inner_text() == "已完成"
    assert page.locator("#job-progress").get_attribute("value") == "1"
    link = page.get_by_role("link", name="打开 PDF")
    assert link.get_attribute("href") == issue.get_pdf_url()
    _screenshot(page, tmp_path, "job-done.png")
    pdf = page.request.get(f"{live_server.url}{issue.get_pdf_url()}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert not [text for text in console if "Content Security Policy" in text or "Refused" in text]


@pytest.mark.django_db(transaction=True)
def test_the_job_pages_have_no_accessibility_violations(page, live_server, login, signed_off_issue, head):
    from axe_playwright_python.sync_playwright import Axe
    from django.utils import timezone

    from bulletin import publishing
    from tests.e2e.test_accessibility import violations

    issue = publishing.publish_issue(signed_off_issue(), by=head)  # its render job waits: no worker
    queued = BackgroundJob.objects.get(kind="issue_pdf")
    running = BackgroundJob.objects.create(
        kind="search_reindex", params_key="running", status="running", requested_by=head, progress_done=150,
        progress_total=400, step="已索引 150 / 400 篇稿件", attempts=1, started_at=timezone.now(),
        lease_owner="elsewhere", lease_until=timezone.now() + timezone.timedelta(minutes=10),
    )
    failed = BackgroundJob.objects.create(
        kind="search_reindex", params_key="failed", status="failed", requested_by=head, attempts=1,
        failure="内部错误（OSError），详情见后台日志。可以重试。", finished_at=timezone.now(),
    )
    axe = Axe()
    found = violations(page, axe, f"{live_server.url}{issue.get_pdf_url()}")  # PDF 正在生成
    login(page, "head")
    for path in ["/desk/jobs/", f"/desk/jobs/{queued.pk}/", f"/desk/jobs/{running.pk}/", f"/desk/jobs/{failed.pk}/"]:
        found += violations(page, axe, live_server.url + path)
    assert not found, "\n".join(found)
