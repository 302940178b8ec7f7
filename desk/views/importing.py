"""Desk import of back issues (/desk/import/): upload → preview → confirm.

Only editors and the office head may import; the role is checked on every request. The preview
is made in the request; confirming checks what can be checked at once (the numbers, a duplicate
without 申请替换) and starts the background job that writes the issue or files the replacement
request (bulletin.importing.jobs), then shows the job's progress page. Replacing an imported back
issue is a request (/desk/import/replacements/) that a head other than the person who asked
approves or refuses.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bulletin.importing import jobs as import_jobs
from bulletin.importing import staging
from bulletin.importing.parser import COLOPHON_KEYS, COLOPHON_LABELS, ImportParseError
from bulletin.importing.service import (
    FOCUS_SECTION,
    MAX_FILE_BYTES,
    approve_replacement,
    check_colophon,
    duplicate_message,
    existing_issues,
    import_refusal,
    parse_issue_file,
    period_label,
    refuse_replacement,
    replacement_refusal,
    require_importer,
)
from bulletin.jobs import start_job
from bulletin.models import BackIssueReplacement, Issue, Publication
from bulletin.rendering import issue_layout
from common.errors import BulletinError
from common.roles import EDITOR, HEAD, has_role

from ..feedback import refused
from ..forms import ImportUploadForm
from ..permissions import desk_view

IMPORTERS = (EDITOR, HEAD)
JOB_PAGE = "desk:job_detail"  # the job's progress page (desk/views/jobs.py)


def _preview_context(parsed, publication, token, *, replace=False, error=None):
    existing = set(publication.sections.values_list("name", flat=True))
    groups: dict = {}
    for article in parsed.articles:
        groups.setdefault(article.section, []).append(article)
    order = list(parsed.sections) + [name for name in groups if name not in parsed.sections]
    sections = [
        {"name": name, "articles": groups.get(name, []), "new": bool(name) and name not in existing}
        for name in order
    ]
    focus = next((a for a in parsed.articles if a.section == FOCUS_SECTION), None)
    refusal = import_refusal(parsed, publication)
    clashes = [] if refusal else existing_issues(parsed, publication)
    colophon = check_colophon(parsed, publication)
    return {
        "parsed": parsed,
        "period_label": period_label(parsed, publication),
        "publication": publication,
        "token": token,
        "sections": sections,
        "focus": focus or (parsed.articles[0] if parsed.articles else None),
        "colophon_rows": [
            {"label": COLOPHON_LABELS[key], "value": parsed.colophon.get(key) or "",
             "fill": key in colophon.fills}
            for key in COLOPHON_KEYS
        ],
        "warnings": parsed.warnings + colophon.warnings,
        "refusal": refusal,
        "duplicate": duplicate_message(parsed, clashes) if clashes else "",
        "replace": replace,
        "error": error,
    }


@desk_view(*IMPORTERS, message="只有编辑和主任可以导入往期刊物。")
def upload(request):
    if request.method != "POST":
        return render(request, "desk/import_upload.html", {"form": ImportUploadForm(user=request.user)})
    form = ImportUploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return render(request, "desk/import_upload.html", {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    publication = form.cleaned_data["publication"]
    create_sections = form.cleaned_data["create_sections"]
    year_number = form.cleaned_data["year_number"]
    if upload.size > MAX_FILE_BYTES:
        form.add_error("file", f"文件过大（最大 {MAX_FILE_BYTES // (1024 * 1024)} MB）。")
        return render(request, "desk/import_upload.html", {"form": form}, status=400)
    data = upload.read()
    try:
        parsed = parse_issue_file(
            data, upload.name, publication=publication, create_sections=create_sections,
            year_number=year_number,
        )
    except ImportParseError as exc:
        form.add_error("file", f"无法导入“{upload.name}”：{exc}")
        return render(request, "desk/import_upload.html", {"form": form}, status=400)
    token = staging.stage(
        data, user=request.user, filename=upload.name, publication_id=publication.pk,
        create_sections=create_sections, year_number=year_number,
    )
    context = _preview_context(parsed, publication, token)
    context["filename"] = upload.name
    return render(request, "desk/import_preview.html", context)


@desk_view(*IMPORTERS, message="只有编辑和主任可以导入往期刊物。")
@require_POST
def confirm(request):
    token = request.POST.get("token", "")
    staged = staging.load(token, user=request.user)
    if staged is None:
        messages.error(request, "预览已过期或文件不存在，请重新上传。")
        return redirect("desk:import_upload")
    data, meta = staged
    publication = Publication.objects.filter(pk=meta["publication_id"]).first()
    if publication is None:
        staging.discard(token)
        messages.error(request, "该刊物已不存在，请重新上传。")
        return redirect("desk:import_upload")
    replace = request.POST.get("replace") == "1"
    try:
        # Parsed again from the stored file: what is imported is what was previewed.
        parsed = parse_issue_file(
            data, meta["filename"], publication=publication, create_sections=meta["create_sections"],
            year_number=meta.get("year_number"),
        )
    except ImportParseError as exc:
        staging.discard(token)
        messages.error(request, f"无法导入“{meta['filename']}”：{exc}")
        return redirect("desk:import_upload")
    try:
        # What can be told at once is told on the preview (nothing is written); the worker
        # checks everything again under the publication's lock.
        require_importer(request.user, publication)
        refusal = import_refusal(parsed, publication)
        if refusal:
            raise ImportParseError(refusal)
        clashes = existing_issues(parsed, publication)
        if clashes and not replace:
            raise ImportParseError(
                duplicate_message(parsed, clashes)
                + "如需用该文件替换原有内容，请选择“申请替换已有期刊”，由主任批准后生效。"
            )
        job = start_job(import_jobs.KIND, import_jobs.job_params(token, replace=replace), by=request.user,
                        publication=publication)
    except BulletinError as exc:
        context = _preview_context(parsed, publication, token, replace=replace, error=str(exc))
        context["filename"] = meta["filename"]
        return render(request, "desk/import_preview.html", context, status=409)
    return redirect(JOB_PAGE, pk=job.pk)


@desk_view(*IMPORTERS, message="只有编辑和主任可以导入往期刊物。")
def done(request, pk):
    """The result of an import: where to see the issue (internal issues are not on the reader
    site for every desk user, so the desk preview is linked as well)."""
    issue = get_object_or_404(Issue.objects.select_related("publication", "focus_article"), pk=pk)
    job = import_jobs.latest_import_of(issue)
    return render(request, "desk/import_done.html", {
        "issue": issue, "layout": issue_layout(issue), "job": job,
        "warnings": (job.result or {}).get("warnings", []) if job else [],
    })


# ---------------------------------------------------------------------------------------------
# replacement requests (往期替换申请)


@desk_view(*IMPORTERS, message="只有编辑和主任可以查看往期替换申请。")
def replacements(request):
    rows = BackIssueReplacement.objects.select_related(
        "issue__publication", "requested_by", "decided_by", "new_issue"
    ).defer("data")
    return render(request, "desk/import_replacements.html", {
        "pending": [r for r in rows.filter(status=BackIssueReplacement.Status.PENDING)],
        "decided": list(rows.exclude(status=BackIssueReplacement.Status.PENDING)[:50]),
    })


@desk_view(*IMPORTERS, message="只有编辑和主任可以查看往期替换申请。")
def replacement(request, pk):
    item = get_object_or_404(
        BackIssueReplacement.objects.select_related(
            "publication", "issue__publication", "requested_by", "decided_by", "new_issue__publication"
        ),
        pk=pk,
    )
    context = {"item": item, "old_layout": issue_layout(item.issue), "events": item.issue.events.select_related("actor")}
    if item.is_pending:
        try:
            parsed = parse_issue_file(
                bytes(item.data), item.filename, publication=item.publication,
                create_sections=item.create_sections, year_number=item.year_number,
            )
        except ImportParseError as exc:
            context["parse_error"] = str(exc)
        else:
            context.update(_preview_context(parsed, item.publication, token=""))
        context["may_decide"] = has_role(request.user, HEAD)
        context["approve_refusal"] = replacement_refusal(item, request.user)
    return render(request, "desk/import_replacement.html", context)


@desk_view(HEAD, message="只有主任可以批准替换往期。")
@require_POST
def replacement_approve(request, pk):
    item = get_object_or_404(BackIssueReplacement.objects.defer("data"), pk=pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, "请勾选“确认替换”后再批准。")
        return redirect("desk:import_replacement", pk=pk)
    try:
        issue = approve_replacement(item, by=request.user)
    except ImportParseError as exc:
        refused(request, exc, prefix="未能替换：")
        return redirect("desk:import_replacement", pk=pk)
    messages.success(request, f"已批准替换：{issue}已按新文件导入，原有的期保留为“已被替换”。")
    return redirect("desk:import_replacement", pk=pk)


@desk_view(HEAD, message="只有主任可以处理替换往期的申请。")
@require_POST
def replacement_refuse(request, pk):
    item = get_object_or_404(BackIssueReplacement.objects.defer("data"), pk=pk)
    try:
        refuse_replacement(item, by=request.user, comment=request.POST.get("comment", ""))
    except ImportParseError as exc:
        refused(request, exc)
    else:
        messages.success(request, "已拒绝这份替换申请，原有的期不变。")
    return redirect("desk:import_replacement", pk=pk)
