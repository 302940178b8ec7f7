"""后台任务 on the desk: the list (/desk/jobs/), one job's progress page (/desk/jobs/<id>/, with
its JSON for static/js/job-progress.js), 重试, and starting a search re-index.

Any desk role opens these pages; which jobs a user sees is bulletin.jobs.may_see (the requester,
or a role of the job's kind), checked on every request. The services check again.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bulletin import jobs
from bulletin.models import BackgroundJob
from common.roles import HEAD

from ..feedback import refused
from ..permissions import desk_view

NOT_YOURS = "您无权查看这项后台任务。"


def _job(request, pk) -> BackgroundJob:
    job = get_object_or_404(BackgroundJob.objects.select_related("requested_by"), pk=pk)
    if not jobs.may_see(request.user, job):
        raise PermissionDenied(NOT_YOURS)
    return job


def _state(job: BackgroundJob) -> dict:
    link = jobs.result_link(job)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "step": job.step,
        "failure": job.failure,
        "active": job.is_active,
        "result_link": {"label": link[0], "url": link[1]} if link else None,
    }


@desk_view()
def job_list(request):
    visible = jobs.visible_jobs(request.user).select_related("requested_by")[:50]
    return render(request, "desk/jobs.html", {
        "jobs": [(job, jobs.kind_label(job.kind)) for job in visible],
        "may_reindex": jobs.may_start(request.user, "search_reindex"),
    })


@desk_view()
def job_detail(request, pk):
    job = _job(request, pk)
    return render(request, "desk/job.html", {
        "job": job,
        "label": jobs.kind_label(job.kind),
        "state": _state(job),
        "may_retry": job.status == BackgroundJob.Status.FAILED and jobs.may_start(request.user, job.kind),
    })


@desk_view(answer="json")
def job_state(request, pk):
    job = get_object_or_404(BackgroundJob, pk=pk)
    if not jobs.may_see(request.user, job):
        return JsonResponse({"error": {"message": NOT_YOURS}}, status=403)
    response = JsonResponse(_state(job))
    response["Cache-Control"] = "no-store"
    return response


@desk_view()
@require_POST
def job_retry(request, pk):
    job = _job(request, pk)
    try:
        job = jobs.retry_job(job, by=request.user)
    except jobs.JobError as exc:
        refused(request, exc)
    else:
        messages.success(request, "已重新排队，后台处理中。")
    return redirect("desk:job_detail", job.pk)


@desk_view(HEAD, message="只有主任可以重建检索索引。")
@require_POST
def reindex_start(request):
    try:
        job = jobs.start_job("search_reindex", {}, by=request.user)
    except jobs.JobError as exc:
        refused(request, exc)
        return redirect(reverse("desk:job_list"))
    return redirect("desk:job_detail", job.pk)
