"""The back-issue import as a background job (kind ``back_issue_import``, bulletin.jobs).

The desk's upload → preview stays in the request (reading and parsing a file is quick, and the
preview writes nothing). Confirming starts a job with the staged file's token: the worker reads
the staged file again (bulletin.importing.staging), parses it and writes the issue, its
articles, placements and search index in one transaction (service.import_parsed_issue), or files
the replacement request (service.request_replacement). The role and publication membership are
checked there again, for the user who uploaded the file. The staged file is removed only after
the import committed, so a failed job can be retried once its cause is fixed (a section renamed
back, a membership restored); a retry more than a day after the upload finds the file expired.

Progress: reading and checking are reported as they happen; the articles are written inside the
import's transaction, where a report would stay invisible until the commit (and hold the job's
row), so there the reports only renew the worker's lease, at most every LEASE_RENEW_SECONDS.
"""

from __future__ import annotations

import time

from django.db import connection
from django.urls import reverse

from ..jobs import JobError
from ..models import BackgroundJob, Issue, IssueEvent, Publication
from . import staging
from .service import existing_issues, import_parsed_issue, parse_issue_file, request_replacement

KIND = "back_issue_import"
LEASE_RENEW_SECONDS = 10


def job_params(token: str, *, replace: bool) -> dict:
    return {"token": str(token), "replace": bool(replace)}


def _throttled_in_transaction(progress):
    """``progress`` as is outside a transaction; inside one, only every LEASE_RENEW_SECONDS."""
    last = [time.monotonic()]

    def report(done, total, step):
        now = time.monotonic()
        if connection.in_atomic_block and now - last[0] < LEASE_RENEW_SECONDS:
            return
        last[0] = now
        progress(done, total, step)

    return report


def _imported_by_this_job(job: BackgroundJob, parsed, publication) -> Issue | None:
    """The issue an earlier run of this job imported, if its worker died after the commit but
    before it could mark the job done (the file is then still staged)."""
    for issue in existing_issues(parsed, publication):
        if issue.imported and IssueEvent.objects.filter(
            issue=issue, action=IssueEvent.Action.PUBLISHED, actor_id=job.requested_by_id,
            created_at__gte=job.created_at,
        ).exists():
            return issue
    return None


def run_import_job(job: BackgroundJob, progress) -> dict:
    """The handler: import the staged file (or file its replacement request), all or nothing."""
    user = job.requested_by
    if user is None:
        raise JobError("导入人已不存在，请重新上传文件。")
    progress(0, None, "正在读取上传的文件")
    staged = staging.load(job.params.get("token", ""), user=user)
    if staged is None:
        raise JobError("上传的文件已过期或已导入，请重新上传。")
    data, meta = staged
    publication = Publication.objects.filter(pk=meta["publication_id"]).first()
    if publication is None:
        raise JobError("该刊物已不存在，请重新上传。")
    parsed = parse_issue_file(
        data, meta["filename"], publication=publication, create_sections=meta["create_sections"],
        year_number=meta.get("year_number"),
    )
    total = len(parsed.articles) + 2
    progress(0, total, f"已读取“{meta['filename']}”：{len(parsed.articles)} 篇文章")
    if job.params.get("replace") and existing_issues(parsed, publication):
        replacement = request_replacement(
            data, meta["filename"], parsed, publication=publication, by=user,
            create_sections=meta["create_sections"], year_number=meta.get("year_number"),
        )
        staging.discard(job.params["token"])
        return {"replacement": replacement.pk, "issue": replacement.issue_id, "label": str(replacement.issue)}
    issue = _imported_by_this_job(job, parsed, publication) if job.attempts > 1 else None
    warnings = []
    if issue is None:
        issue = import_parsed_issue(
            parsed, publication=publication, by=user, create_sections=meta["create_sections"],
            progress=_throttled_in_transaction(progress),
        )
        warnings = list(issue.import_warnings)  # the file's own warnings were on the preview
    staging.discard(job.params["token"])
    return {
        "issue": issue.pk, "label": str(issue), "articles": issue.placements.count(), "warnings": warnings,
    }


def job_link(job: BackgroundJob) -> tuple[str, str] | None:
    """Where the desk's job page sends the editor once the import is done."""
    result = job.result or {}
    if result.get("replacement"):
        return f"查看替换{result.get('label', '')}的申请", reverse("desk:import_replacement", args=[result["replacement"]])
    if result.get("issue"):
        return f"查看导入的{result.get('label', '往期')}", reverse("desk:import_done", args=[result["issue"]])
    return None


def latest_import_of(issue: Issue) -> BackgroundJob | None:
    """The job that imported ``issue`` (for its warnings on the desk's result page)."""
    return (
        BackgroundJob.objects.filter(kind=KIND, status=BackgroundJob.Status.DONE, result__issue=issue.pk)
        .exclude(result__has_key="replacement")
        .order_by("-pk")
        .first()
    )
