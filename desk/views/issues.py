"""The desk's issue pages: list, assembly, sign-off (签发), publishing, withdrawal, errata.

Thin views: every change goes through bulletin.publishing, which checks the user's role,
locks the issue and records the history. A refusal (IssueError) becomes a message.
"""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bulletin import publishing
from bulletin.models import (
    Erratum,
    Issue,
    IssueEvent,
    Publication,
    Visibility,
    attach_return_events,
)
from bulletin.pdf.store import pdf_job, render_pdf_bytes
from bulletin.proofreading import issue_findings
from bulletin.publishing import IssueError, issue_fingerprint, valid_sign_off
from bulletin.publishing.base import when_label
from bulletin.rendering import issue_layout
from common import periods
from common.numbers import parse_id, parse_int
from common.roles import EDITOR, HEAD, has_role
from editorial import membership
from editorial.models import Article

from ..feedback import refused
from ..permissions import desk_view


def _issue(pk) -> Issue:
    issue = get_object_or_404(
        Issue.objects.with_handover().select_related("publication", "focus_article"), pk=pk
    )
    attach_return_events([issue])
    return issue


# The issue list's filters (?show=…): the lists the count cards of 待我处理 link to.
ISSUE_FILTERS = {
    "signoff": ("待签发", Q(status=Issue.Status.SUBMITTED)),
    "returned": ("退回修改", Q(status=Issue.Status.DRAFT, handover_action=IssueEvent.Action.RETURNED)),
    "publish": ("已签发待发布", Q(status=Issue.Status.SIGNED_OFF, scheduled_publish_at__isnull=True)),
    "scheduled": ("定时发布", Q(status=Issue.Status.SIGNED_OFF, scheduled_publish_at__isnull=False)),
    "errata": ("有待批准的勘误", Q(status=Issue.Status.PUBLISHED, errata__published_at__isnull=True,
                                 errata__isnull=False)),
}


@desk_view()
def issue_list(request):
    # Only the publications the user works in (editorial.membership), from the ids the
    # navigation's badges read for this request too; creating an issue checks membership again.
    publications = list(Publication.objects.filter(pk__in=membership.publication_ids(request.user)))
    if request.method == "POST":
        chosen = parse_id(request.POST.get("publication"))
        publication = next((p for p in publications if p.pk == chosen), None) if chosen else None
        if publication is None:
            messages.error(request, "请选择刊物。")
        else:
            try:
                issue = publishing.create_issue(
                    publication, year=request.POST.get("year"), month=request.POST.get("month"),
                    title=request.POST.get("title", ""), by=request.user,
                )
            except IssueError as exc:
                refused(request, exc)
            else:
                messages.success(request, f"已创建 {issue.month_label} 期，请编排稿件。")
                return redirect("desk:issue_detail", issue.pk)
    today = timezone.localdate()
    following = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    issues = (
        Issue.objects.with_handover().select_related("publication")
        .filter(publication__in=[p.pk for p in publications])
        .order_by("-year", "-month", "publication__name")
    )
    show = request.GET.get("show", "")
    if show in ISSUE_FILTERS:
        issues = issues.filter(ISSUE_FILTERS[show][1]).distinct()
    page = Paginator(issues, 30).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    attach_return_events(rows)
    return render(request, "desk/issue_list.html", {
        "issues": rows,
        "page": page,
        "show": show if show in ISSUE_FILTERS else "",
        "filters": [(key, label) for key, (label, _q) in ISSUE_FILTERS.items()],
        "publications": publications,
        # What the form showed when it comes back with a message: a valid year and month only.
        "default_year": parse_int(request.POST.get("year"), low=1900, high=2200) or following.year,
        **_period_fields(publications, parse_int(request.POST.get("month"), low=1, high=12) or following.month),
        "can_create": has_role(request.user, EDITOR, HEAD),
    })


def _period_fields(publications, default_month: int) -> dict:
    """The new-issue form's period select: the quarters or two-month periods when all the user's
    publications share that frequency, months otherwise; a title field for 专刊、增刊."""
    frequencies = {p.frequency for p in publications}
    single = frequencies.pop() if len(frequencies) == 1 else None
    if single in (periods.BIMONTHLY, periods.QUARTERLY):
        return {
            "period_label": "季度" if single == periods.QUARTERLY else "期（双月）",
            "period_options": periods.period_choices(single),
            "default_month": periods.period_start(single, default_month),
            "period_hint": "",
            "ask_title": False,
        }
    mixed = any(p.frequency in (periods.BIMONTHLY, periods.QUARTERLY) for p in publications)
    return {
        "period_label": "月份",
        "period_options": periods.period_choices(periods.MONTHLY),
        "default_month": default_month,
        "period_hint": "双月刊、季刊选该期内的任一月份。" if mixed else "",
        "ask_title": any(p.frequency == periods.IRREGULAR for p in publications),
    }


# (field, label, help) of the deadline inputs on the assembly page.
DEADLINE_FORM = [
    ("draft_due", "截稿", "稿件提交审核"),
    ("review_due", "审核截止", "审核完毕"),
    ("signoff_due", "签发截止", "主任签发"),
    ("publish_due", "出版", "发布本期"),
]


def _detail_context(request, issue: Issue) -> dict:
    sections = publishing.effective_section_order(issue)
    placements = list(
        issue.placements.select_related("article", "article__author", "section", "revision")
        .order_by("position", "pk")
    )
    groups = []
    for section in sections:
        entries = [p for p in placements if p.section_id == section.pk]
        groups.append({"section": section, "placements": entries})
    sign_off = valid_sign_off(issue)
    user = request.user
    checks = publishing.issue_checks(issue) if not issue.is_frozen else []
    return {
        "issue": issue,
        "groups": groups,
        "all_sections": [s for s in sections if s.active],
        "focus_section": next((s for s in sections if s.is_focus), None),
        "candidates": publishing.addable_articles(issue) if not issue.is_frozen else [],
        # The checklist before 提交签发 (met / missing / warning), and what refuses it.
        "checks": checks,
        "problems": [d for c in checks if c.blocking for d in c.details],
        "sign_off": sign_off,
        "sign_offs": issue.sign_offs.select_related("signed_by").order_by("-signed_at", "-pk"),
        "events": issue.events.select_related("actor").order_by("-created_at", "-pk"),
        "errata": issue.errata.select_related("created_by", "approved_by").order_by("pk"),
        "fingerprint": issue_fingerprint(issue) if issue.status == Issue.Status.SUBMITTED else "",
        "can_edit": has_role(user, EDITOR, HEAD) and not issue.is_frozen,
        "visibility_choices": Visibility.choices,
        "can_publish": has_role(user, EDITOR, HEAD) and issue.status == Issue.Status.SIGNED_OFF
        and sign_off is not None,
        "is_head": has_role(user, HEAD),
        "is_editor": has_role(user, EDITOR, HEAD),
        "deadline_form": [(due, label, hint, getattr(issue, due)) for due, label, hint in DEADLINE_FORM],
        "can_schedule": has_role(user, HEAD) and issue.status == Issue.Status.SIGNED_OFF and sign_off is not None,
        "schedule_min": timezone.localtime(timezone.now() + datetime.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"),
        "scheduled_label": when_label(issue.scheduled_publish_at) if issue.scheduled_publish_at else "",
        "sign_off_refusal": publishing.sign_off_refusal(issue, user)
        if issue.status == Issue.Status.SUBMITTED else None,
        # The PDF's render job (bulletin.jobs), linked to its progress page.
        "pdf_job": pdf_job(issue) if issue.status == Issue.Status.PUBLISHED else None,
    }


@desk_view()
def issue_detail(request, pk):
    """The assembly page."""
    issue = _issue(pk)
    return render(request, "desk/issue_detail.html", _detail_context(request, issue))


@desk_view()
def issue_signoff(request, pk):
    """The office head's page: look at the submitted issue, then sign it off or return it."""
    issue = _issue(pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "sign_off":
                publishing.sign_off(
                    issue, by=request.user, comment=request.POST.get("comment", ""),
                    fingerprint=request.POST.get("fingerprint") or "-",
                )
                messages.success(request, f"已签发 {issue.month_label} 期，可以发布了。")
            elif action == "return":
                publishing.return_issue(issue, by=request.user, comment=request.POST.get("comment", ""))
                messages.success(request, "已退回编辑修改。")
            else:
                messages.error(request, "未知的操作。")
        except IssueError as exc:
            refused(request, exc)
        return redirect("desk:issue_signoff", issue.pk)
    context = _detail_context(request, issue)
    context["layout"] = issue_layout(issue)
    # What keeps the head from signing (the content checks), and what changed since the head
    # last saw the issue, in words (a first sign-off: the whole issue, in reading order).
    context["problems"] = publishing.sign_off_problems(issue) if not issue.is_frozen else []
    context["changes"] = publishing.changes_since_last_seen(issue)
    # 校对: the open proofreading findings of every article (none once the issue is frozen).
    context["proofreading"] = None if issue.is_frozen else issue_findings(issue)
    context["proof_total"] = sum(entry.count for entry in context["proofreading"] or [])
    return render(request, "desk/issue_signoff.html", context)


STALE_PAGE = "页面数据有误或已过期，请刷新页面后重试。"
BAD_ORDER = "顺序数据有误，请刷新页面后重试。"


# Buttons of the assembly form post `op` as "verb:argument"; the argument is an article's or a
# section's id, except for "visibility".
def _apply_op(request, issue: Issue, op: str):
    verb, _, raw = op.partition(":")
    user = request.user
    if verb == "visibility":
        publishing.set_visibility(issue, request.POST.get("visibility", ""), by=user)
        return f"可见范围已改为“{issue.get_visibility_display()}”。"
    if verb == "section_order":  # a section dragged: the whole order of the issue's sections
        ids = [parse_id(x) for x in request.POST.get("order", "").split(",") if x]
        if not ids or None in ids:
            raise IssueError(BAD_ORDER)
        publishing.reorder_sections(issue, ids, by=user)
        return None
    arg = parse_id(raw)
    if arg is None:
        if verb == "reorder":
            raise IssueError(BAD_ORDER)
        raise IssueError(STALE_PAGE if verb in _ID_VERBS else "未知的操作。")
    if verb == "add":
        article = Article.objects.filter(pk=arg).first()
        if article is None:
            raise IssueError("没有这篇稿件，页面可能已过期，请刷新。")
        publishing.add_article(issue, article, by=user)
        return f"已加入《{article.title}》。"
    if verb == "remove":
        publishing.remove_article(issue, arg, by=user)
        return "已移出本期。"
    if verb in ("up", "down"):
        where = "上移" if verb == "up" else "下移"
        moved = publishing.move_article(issue, arg, verb, by=user)
        if moved is None:  # already first/last (a page older than the order)
            messages.info(request, f"稿件已在本栏目{'最前' if verb == 'up' else '最后'}，无法{where}。")
            return None
        return f"已将《{moved.article.title}》{where}。"
    if verb in ("section_up", "section_down"):
        publishing.move_section(issue, arg, verb.removeprefix("section_"), by=user)
        return None
    if verb == "focus":
        publishing.set_focus(issue, arg, by=user)
        return "已设为本期焦点。"
    if verb == "section":
        section = parse_id(request.POST.get(f"section-{arg}"))
        if section is None:
            raise IssueError("请选择本刊物的一个栏目。")
        moved = publishing.change_section(issue, arg, section, by=user)
        if moved is None:
            messages.info(request, "稿件已在所选栏目中，栏目没有变化。")
            return None
        return f"已将《{moved.article.title}》移到“{moved.section.name}”。"
    if verb == "reorder":
        ids = [parse_id(x) for x in request.POST.get("order", "").split(",") if x]
        if None in ids:
            raise IssueError(BAD_ORDER)
        publishing.reorder_section(issue, arg, ids, by=user)
        return None
    raise IssueError("未知的操作。")


_ID_VERBS = {"add", "remove", "up", "down", "section_up", "section_down", "focus", "section", "reorder"}


@desk_view()
@require_POST
def issue_assemble(request, pk):
    issue = _issue(pk)
    op = request.POST.get("op", "")
    # Come back to where the editor was working on the page: the moved row (or its section).
    anchor = request.POST.get("anchor", "") or _anchor_of(issue, op)
    try:
        done = _apply_op(request, issue, op)
    except IssueError as exc:
        refused(request, exc)
    else:
        if done:
            messages.success(request, done)
    url = reverse("desk:issue_detail", args=[issue.pk])
    return redirect(url + f"#{anchor}" if anchor.replace("-", "_").isidentifier() else url)


def _anchor_of(issue: Issue, op: str) -> str:
    """The element of the assembly page an op acts on (templates/desk/issue_detail.html ids)."""
    verb, _, raw = op.partition(":")
    arg = parse_id(raw)
    if arg is None:
        return "assembly-form" if verb == "section_order" else ""
    if verb in ("section_up", "section_down", "reorder"):
        return f"section-{arg}"
    if verb == "remove":  # the row goes: its section stays
        section = issue.placements.filter(article_id=arg).values_list("section_id", flat=True).first()
        return f"section-{section}" if section else ""
    if verb in ("add", "up", "down", "focus", "section"):
        return f"article-{arg}"
    return ""


def _lifecycle_action(request, pk, action, success, back="desk:issue_detail"):
    """Run one lifecycle service on the issue; a refusal becomes a message, never an error page."""
    issue = _issue(pk)
    try:
        action(issue)
    except IssueError as exc:
        refused(request, exc)
    else:
        messages.success(request, success(issue) if callable(success) else success)
    return redirect(back, issue.pk)


@desk_view()
@require_POST
def issue_submit(request, pk):
    def submit(issue):
        publishing.submit_for_sign_off(issue, by=request.user)
        # Optional checks only warn: the issue went to the head, the editor learns what to mind.
        for warning in publishing.assembly_warnings(issue):
            messages.warning(request, f"提醒：{warning}")

    return _lifecycle_action(request, pk, submit, "已提交主任签发。")


def _confirmed(request, pk, what: str, back="desk:issue_detail"):
    """Publishing and withdrawing cannot be undone: the form must carry an explicit confirm."""
    if request.POST.get("confirm") == "yes":
        return None
    messages.error(request, f"{what}需要确认：请点按钮后在提示框中选择“确定”。")
    return redirect(back, pk)


@desk_view(EDITOR, HEAD, message="只有编辑和主任可以调整截止日期。")
@require_POST
def issue_deadlines(request, pk):
    issue = _issue(pk)
    try:
        changes = publishing.set_deadlines(
            issue, by=request.user, **{due: request.POST.get(due, "") for due, _label, _d in DEADLINE_FORM}
        )
    except IssueError as exc:
        refused(request, exc)
    else:
        if changes:
            messages.success(request, "截止日期已更新：" + "；".join(changes) + "。")
        else:
            messages.info(request, "截止日期没有变化。")
    return redirect(reverse("desk:issue_detail", args=[issue.pk]) + "#deadlines")


@desk_view()
@require_POST
def issue_publish(request, pk):
    back = "desk:issue_signoff" if request.POST.get("next") == "signoff" else "desk:issue_detail"
    unconfirmed = _confirmed(request, pk, "发布本期", back)
    if unconfirmed:
        return unconfirmed
    return _lifecycle_action(
        request, pk,
        lambda issue: publishing.publish_issue(
            issue, by=request.user, sign_off_id=request.POST.get("sign_off") or "-"
        ),
        lambda issue: f"已发布：{issue.month_label} 第{issue.year_number}期（总第{issue.serial_number}期）。",
        back="desk:issue_signoff" if request.POST.get("next") == "signoff" else "desk:issue_detail",
    )


@desk_view(HEAD, message="只有主任可以定时发布。")
@require_POST
def issue_schedule(request, pk):
    """定时发布: the head names a time after 签发 (the worker publishes then), or takes it back."""
    back = "desk:issue_signoff" if request.POST.get("next") == "signoff" else "desk:issue_detail"
    if request.POST.get("action") == "unschedule":
        return _lifecycle_action(
            request, pk, lambda issue: publishing.unschedule_publishing(issue, by=request.user),
            "已取消定时发布。", back=back,
        )
    return _lifecycle_action(
        request, pk,
        lambda issue: publishing.schedule_publishing(issue, by=request.user, when=request.POST.get("when", "")),
        lambda issue: f"已设定定时发布：{when_label(issue.scheduled_publish_at)}，到时由系统自动发布。",
        back=back,
    )


@desk_view()
@require_POST
def issue_withdraw(request, pk):
    unconfirmed = _confirmed(request, pk, "撤回本期")
    if unconfirmed:
        return unconfirmed
    return _lifecycle_action(
        request, pk,
        lambda issue: publishing.withdraw_issue(issue, by=request.user, reason=request.POST.get("reason", "")),
        "已撤回，读者不再能看到本期；期号保留。",
    )


@desk_view()
@require_POST
def erratum_propose(request, pk):
    return _lifecycle_action(
        request, pk,
        lambda issue: publishing.propose_erratum(issue, text=request.POST.get("text", ""), by=request.user),
        "勘误已提交，待主任批准后发布。",
    )


@desk_view()
@require_POST
def erratum_approve(request, pk, erratum_pk):
    erratum = get_object_or_404(Erratum, pk=erratum_pk, issue_id=pk)
    try:
        publishing.approve_erratum(erratum, by=request.user)
    except IssueError as exc:
        refused(request, exc)
    else:
        messages.success(request, "勘误已发布，显示在本期页面和 PDF 顶部。")
    return redirect("desk:issue_detail", pk)


@desk_view()
def issue_pdf_preview(request, pk):
    """The PDF exactly as it will print, watermarked until the issue is published."""
    issue = _issue(pk)
    # Same renderer as the stored edition: images from MEDIA_ROOT (print renditions), no HTTP.
    pdf = render_pdf_bytes(issue)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="preview-{issue.year}-{issue.month:02d}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@desk_view()
def issue_preview(request, pk):
    issue = _issue(pk)
    return render(request, "reader/issue.html", issue_layout(issue))
