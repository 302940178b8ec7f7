"""The editor desk's article pages: the article list, editor, review, revisions, uploads.

Views are thin: they parse forms and render; every change goes through editorial.workflow,
which checks permissions and writes the audit trail. Who may open each page is declared once,
with desk.permissions.desk_view.
"""

import html
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bulletin import proofreading as proof_context
from bulletin.importing import staging
from bulletin.models import Issue
from common.checks import warnings as check_warnings
from common.dates import month_day_label
from common.numbers import parse_int
from common.roles import EDITOR, has_role
from editorial import membership, proofing, workflow
from editorial.checks import article_checks
from editorial.diff import compare, has_changes
from editorial.docx_import import DocxImportError, event_date_from_body
from editorial.images import ImageRejected
from editorial.models import Article, Comment
from editorial.resubmission import changes_since_return
from editorial.revisions import listed_revisions
from editorial.sanitize import clean_html, count_words
from editorial.uploads import import_docx, store_image
from office import todo

from ..feedback import refused
from ..forms import ArticleForm, CommentForm, DashboardFilterForm, DocxImportForm, TransitionForm
from ..permissions import desk_view

Status = Article.Status



def _article(pk):
    return get_object_or_404(
        Article.objects.select_related("publication", "section", "author", "last_edited_by"), pk=pk
    )


def _version(request):
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# The article list and the review queue
# ---------------------------------------------------------------------------


@desk_view()
def article_list(request):
    """稿件: every article by state, filtered by section and month; my drafts and submissions."""
    user = request.user
    filters = DashboardFilterForm(request.GET or None, user=user)
    articles = Article.objects.select_related("section", "author", "last_edited_by", "publication").defer("body")
    if filters.is_valid():
        if filters.cleaned_data["section"]:
            articles = articles.filter(section=filters.cleaned_data["section"])
        if filters.cleaned_data["month"]:
            year, month = filters.cleaned_data["month"]
            articles = articles.filter(event_date__year=year, event_date__month=month)
    # The counts and the recent approvals cover the publications the user works in (刊物成员),
    # as every other desk list does; the user's own lists below are theirs in any publication.
    # publication_ids is read once per request (the filter form above already asked).
    mine = articles.filter(publication_id__in=membership.publication_ids(user))
    counts = dict(mine.order_by().values_list("status").annotate(n=Count("pk")))
    # Each list is paged on its own (?returned_page=, …): the page costs the same few queries
    # and bytes whatever the size of the archive (issue #15).
    returned = _list_page(request, articles.filter(author=user, status=Status.RETURNED), "returned_page")
    returns = workflow.last_returns(returned["page"].object_list)
    for article in returned["page"].object_list:
        article.return_entry = returns.get(article.pk)
    context = {
        "filters": filters,
        "counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "drafts": _list_page(request, articles.filter(author=user, status=Status.DRAFT), "drafts_page"),
        "returned": returned,
        "to_review": _list_page(request, todo.awaiting_review(user, articles), "review_page"),
        "submitted_mine": _list_page(
            request, articles.filter(author=user, status=Status.SUBMITTED), "submitted_page"
        ),
        "approved": mine.filter(status=Status.APPROVED).order_by("-updated_at")[:10],
        "can_create": has_role(user, EDITOR),
    }
    return render(request, "desk/article_list.html", context)


LIST_PAGE_SIZE = 20


def _list_page(request, articles, param):
    """One page of a list of articles, latest change first, with what desk/_pagination.html
    needs to link the other pages while keeping the rest of the query string."""
    articles = articles.order_by("-updated_at", "-pk")
    number = parse_int(request.GET.get(param), low=1) or 1
    start = (number - 1) * LIST_PAGE_SIZE
    # The page's rows and the count of all in one query (a window count).
    rows = list(articles.annotate(total_count=Window(Count("pk")))[start : start + LIST_PAGE_SIZE])
    total = rows[0].total_count if rows else (0 if number == 1 else articles.count())
    page = Paginator(range(total), LIST_PAGE_SIZE).get_page(number)
    if page.number != number:  # past the last page: the last page, as Paginator.get_page does
        rows = list(articles[page.start_index() - 1 : page.end_index()])
    page.object_list = rows
    others = request.GET.copy()
    others.pop(param, None)
    return {"page": page, "param": param, "query": others.urlencode()}


@desk_view()
def review_queue(request):
    articles = Article.objects.select_related("section", "author", "last_edited_by", "publication")
    mine = todo.awaiting_review(request.user, articles).order_by("updated_at", "pk")
    others = (
        articles.filter(status=Status.SUBMITTED, publication_id__in=membership.publication_ids(request.user))
        .exclude(pk__in=mine.values("pk")).order_by("updated_at", "pk")
    )
    page = Paginator(mine, 30).get_page(request.GET.get("page"))
    return render(request, "desk/review_queue.html", {
        "mine": page.object_list, "page": page, "others": others[:30], "others_count": others.count(),
    })


# ---------------------------------------------------------------------------
# Creating and editing
# ---------------------------------------------------------------------------


@desk_view(EDITOR, message="只有编辑可以新建稿件。", redirect_to="desk:dashboard")
def article_new(request):
    if request.method == "POST":
        form = ArticleForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                article = workflow.create_article(
                    by=request.user,
                    publication=data["publication"],
                    section=data["section"],
                    title=data["title"],
                    event_date=data["event_date"],
                    body=data["body"],
                )
            except workflow.WorkflowError as exc:
                refused(request, exc)
            else:
                messages.success(request, "稿件已保存为草稿。")
                return redirect("desk:article_edit", article.pk)
    else:
        form = ArticleForm(user=request.user)
    # A Word file chosen before the section was: kept, so the import form only asks for the section.
    staged = staging.load(request.GET.get("docx", ""), user=request.user) if request.GET.get("docx") else None
    # The checklist of the article about to be written (the form's publication).
    publication = form.chosen_publication()
    blank = SimpleNamespace(title=request.POST.get("title", ""), event_date=None,
                            body=request.POST.get("body", ""))
    return render(
        request, "desk/article_form.html",
        {"form": form, "article": None, "import_form": DocxImportForm(user=request.user),
         "autosave_seconds": settings.BULLETIN_AUTOSAVE_SECONDS,
         "staged_docx": {"token": request.GET["docx"], "filename": staged[1]["filename"]} if staged else None,
         "checks": article_checks(blank, publication=publication) if publication else None},
    )


def _submit_warnings(request, article) -> None:
    """Optional checks only warn: the article went to review, the editor learns what to mind."""
    for warning in check_warnings(article_checks(article)):
        messages.warning(request, f"提醒：{warning}")


def _proofreading(request, article) -> dict:
    """The 校对 panel beside the editor: the open findings of the saved text."""
    context = proof_context.context_for(article)
    return {
        "proof_findings": proofing.open_findings(article, context),
        "proof_internal": context.internal,
        "proof_can_fix": workflow.can_edit(request.user, article),
    }


def _proofreading_html(request, article) -> str:
    context = {"article": article, **_proofreading(request, article)}
    return render_to_string("desk/_proofreading.html", context, request=request)


def _edit_context(request, article, form):
    return {
        **_proofreading(request, article),
        "form": form,
        "article": article,
        # The checks before submit, as a checklist beside the editor (updated by autosave).
        "checks": article_checks(article),
        "words": count_words(article.body),
        "return_entry": workflow.last_return(article) if article.status in (Status.RETURNED, Status.DRAFT) else None,
        "import_form": DocxImportForm(initial={"version": article.version}),
        "comment_form": CommentForm(),
        "comments": article.comments.select_related("author"),
        "autosave": article.status in (Status.DRAFT, Status.RETURNED),
        "autosave_seconds": settings.BULLETIN_AUTOSAVE_SECONDS,
        # Editing an article placed in an issue on its way to publication sends the article back
        # to review and voids a sign-off: say so before the editor saves, not after.
        "placed_in": [
            placement.issue
            for placement in article.placements.select_related("issue__publication")
            if placement.issue.status in (Issue.Status.DRAFT, Issue.Status.SUBMITTED, Issue.Status.SIGNED_OFF)
        ],
    }


def _conflict(request, article, form, exc):
    data = form.cleaned_data
    mine = SimpleNamespace(
        title=data["title"],
        event_date=data["event_date"],
        event_date_label=month_day_label(data["event_date"]),
        section=data["section"],
        body=workflow.clean_body(data["body"]),
    )
    current = exc.current
    # Re-offer the user's own text, now based on the current version: saving it again is a
    # conscious decision to replace the other person's changes.
    retry = ArticleForm(
        article=article,
        initial={
            "title": mine.title, "event_date": mine.event_date, "section": mine.section,
            "body": mine.body, "version": current.version,
        },
    )
    context = {
        "article": article,
        "current": current,
        "mine": mine,
        "rows": compare(current, mine),
        "current_body": clean_html(current.body, media_url=settings.MEDIA_URL),
        "form": retry,
        "message": exc.message,
    }
    return render(request, "desk/conflict.html", context, status=409)


@desk_view()
def article_edit(request, pk):
    article = _article(pk)
    if not workflow.can_edit(request.user, article):
        try:
            workflow.check_can_edit(request.user, article)
        except workflow.WorkflowError as exc:
            refused(request, exc)
        return redirect("desk:article_detail", article.pk)
    if request.method == "POST":
        form = ArticleForm(request.POST, article=article)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workflow.save_article(
                    article, by=request.user, version=data["version"],
                    title=data["title"], event_date=data["event_date"], section=data["section"], body=data["body"],
                )
            except workflow.EditConflict as exc:
                return _conflict(request, article, form, exc)
            except workflow.WorkflowError as exc:
                refused(request, exc)
            else:
                if request.POST.get("then") == "submit":
                    try:
                        workflow.submit(article, by=request.user, version=article.version)
                    except workflow.WorkflowError as exc:
                        refused(request, exc, prefix="已保存，但未能提交审核：")
                    else:
                        messages.success(request, "已保存并提交审核。")
                        _submit_warnings(request, article)
                        return redirect("desk:article_detail", article.pk)
                else:
                    messages.success(request, f"已保存（第{article.version}版）。")
                return redirect("desk:article_edit", article.pk)
    else:
        form = ArticleForm(
            article=article,
            initial={
                "title": article.title, "event_date": article.event_date, "section": article.section,
                # Cleaned again so a figure saved before its class was kept reaches CKEditor as
                # a block image (or table), not as an inline image the next save would store.
                "body": workflow.clean_body(article.body), "version": article.version,
            },
        )
    return render(request, "desk/article_form.html", _edit_context(request, article, form))


# A new article's first autosave has only what the editor typed so far: it is filed under these
# until the editor fills them in (the checklist still asks for a real title before review).
UNTITLED = "无标题稿件"


def _autosave_form(request, article):
    """The editor's form as the timer sent it: a title or section not given yet keeps the saved one."""
    data = request.POST.copy()
    if not data.get("title", "").strip():
        data["title"] = article.title if article else UNTITLED
    if not data.get("section"):
        if article is not None:
            data["section"] = article.section_id
        else:
            # The posted publication if it is one of the user's, else the one the form opens on.
            mine = list(membership.publications_of(request.user))
            chosen = data.get("publication", "")
            publication = next((p for p in mine if str(p.pk) == chosen), None) \
                or membership.last_choice(request.user, mine)
            first = publication.sections.filter(active=True).order_by("position", "pk").first() if publication else None
            if first is not None:
                data["section"] = first.pk
    form = ArticleForm(data, article=article, user=request.user)
    if form.is_valid():
        return form, None
    errors = "；".join(f"{form.fields[f].label if f in form.fields else ''}{'：' if f in form.fields else ''}{e[0]}"
                      for f, e in form.errors.items())
    return form, JsonResponse({"ok": False, "message": "未自动保存：" + errors}, status=400)


def _autosaved(request, article, **extra):
    return JsonResponse({
        "ok": True,
        "version": article.version,
        "status": article.get_status_display(),
        "words": count_words(article.body),
        "saved_at": timezone.localtime().strftime("%H:%M:%S"),
        "checks": [c.as_dict() for c in article_checks(article)],
        # The 校对 panel of the text just saved (templates/desk/_proofreading.html).
        "proofreading": _proofreading_html(request, article),
        **extra,
    })


@desk_view()
@require_POST
def article_autosave(request, pk):
    article = _article(pk)
    if article.status not in (Status.DRAFT, Status.RETURNED):
        return JsonResponse({"ok": False, "message": "只有草稿会自动保存，请手动保存。"}, status=400)
    form, refusal = _autosave_form(request, article)
    if refusal:
        return refusal
    data = form.cleaned_data
    try:
        workflow.save_article(
            article, by=request.user, version=data["version"], autosave=True,
            title=data["title"], event_date=data["event_date"], section=data["section"], body=data["body"],
        )
    except workflow.EditConflict as exc:
        return JsonResponse({"ok": False, "conflict": True, "message": exc.message}, status=409)
    except workflow.WorkflowError as exc:
        return JsonResponse({"ok": False, "message": exc.message}, status=400)
    return _autosaved(request, article)


@desk_view(EDITOR, message="只有编辑可以新建稿件。")
@require_POST
def article_autosave_new(request):
    """The new-article page's first autosave creates the draft; the page goes on as its editor
    (static/js/desk.js switches to the answer's addresses without reloading)."""
    if not request.POST.get("title", "").strip() and not workflow.clean_body(request.POST.get("body", "")).strip():
        return JsonResponse({"ok": False, "message": "还没有内容，未自动保存。"}, status=400)
    form, refusal = _autosave_form(request, None)
    if refusal:
        return refusal
    data = form.cleaned_data
    try:
        article = workflow.create_article(
            by=request.user, publication=data["publication"], section=data["section"], title=data["title"],
            event_date=data["event_date"], body=data["body"], note="新建（自动保存）",
        )
    except workflow.WorkflowError as exc:
        return JsonResponse({"ok": False, "message": exc.message}, status=400)
    return _autosaved(
        request, article,
        created=True,
        edit_url=reverse("desk:article_edit", args=[article.pk]),
        autosave_url=reverse("desk:article_autosave", args=[article.pk]),
        import_url=reverse("desk:article_import", args=[article.pk]),
        title=article.title,
    )


@desk_view()
@require_POST
def article_proofread(request, pk):
    """校对: 改正 (op=fix: the finding's certain fix, as a new revision of the version the page
    showed) or 忽略 (op=dismiss: recorded, hidden while the place reads the same)."""
    article = _article(pk)
    op, key = request.POST.get("op", ""), request.POST.get("key", "")[:32]
    back = reverse("desk:article_edit", args=[article.pk]) + "#proofreading"
    context = proof_context.context_for(article)
    try:
        if op == "fix":
            finding = proofing.apply_fix(article, key=key, context=context, by=request.user,
                                         version=_version(request))
            shown = finding.fix or "（删去）"
            messages.success(request, f"已改正：“{finding.text.strip() or '空格'}”改为“{shown}”（第{article.version}版）。")
        elif op == "dismiss":
            finding = proofing.dismiss(article, key=key, context=context, by=request.user)
            messages.success(request, f"已忽略校对提示：“{finding.text.strip() or '空格'}”。")
        else:
            messages.error(request, "未知的操作。")
    except workflow.EditConflict as exc:
        refused(request, exc, suffix=" 校对结果已按最新版本更新，请再看一遍。")
    except workflow.WorkflowError as exc:
        refused(request, exc)
    if not workflow.can_edit(request.user, article):
        return redirect("desk:article_detail", article.pk)
    return redirect(back)


# ---------------------------------------------------------------------------
# Reading, reviewing, commenting
# ---------------------------------------------------------------------------


@desk_view()
def article_detail(request, pk):
    article = _article(pk)
    user = request.user
    level = workflow.current_level(article)
    # Offer only the actions of the user's role; a greyed-out button then explains a real
    # obstacle (four-eyes rule, empty body) rather than "you are not a reviewer".
    offered = [workflow.SUBMIT] if has_role(user, EDITOR) else []
    if workflow.is_reviewer(user, level):
        offered += [workflow.APPROVE, workflow.RETURN]
    actions = {
        action: {"label": workflow.ACTION_LABELS[action], "refusal": workflow.refusal(action, user, article)}
        for action in offered
        if article.status in workflow.SOURCES[action]
    }
    transitions = list(article.transitions.select_related("actor").order_by("-created_at", "-pk"))
    for entry in transitions:
        entry.label = workflow.ACTION_LABELS.get(entry.action, entry.action)
    context = {
        "article": article,
        "words": count_words(article.body),
        # Bodies are cleaned when saved; cleaning again on display also covers rows written by scripts.
        "body_html": clean_html(article.body, media_url=settings.MEDIA_URL),
        "actions": actions,
        "level": level,
        "levels": workflow.levels_of(article.publication),
        "can_edit": workflow.can_edit(user, article),
        "checks": article_checks(article) if article.status in (Status.DRAFT, Status.RETURNED) else [],
        "transitions": transitions,
        # One sitting's autosaves show once (editorial.revisions.record_autosave).
        "revisions": listed_revisions(article).select_related("created_by").order_by("-number"),
        "comments": article.comments.select_related("author"),
        "comment_form": CommentForm(),
        "return_entry": workflow.last_return(article) if article.status in (Status.RETURNED, Status.DRAFT) else None,
        # Back under review after a return: the return comment and what changed since (退回后的修改).
        "since_return": changes_since_return(article),
    }
    if article.status != Status.PUBLISHED:
        # 校对, read-only: the approver sees what the checker found in the title and text
        # before deciding (fixing and dismissing happen in the editor).
        context.update(_proofreading(request, article), proof_readonly=True)
    return render(request, "desk/article_detail.html", context)


@desk_view()
@require_POST
def article_transition(request, pk):
    article = _article(pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "操作无效，请刷新页面后重试。")
        return redirect("desk:article_detail", article.pk)
    action = form.cleaned_data["action"]
    try:
        workflow.perform(
            action, article, by=request.user,
            comment=form.cleaned_data["comment"], version=form.cleaned_data["version"],
        )
    except workflow.WorkflowError as exc:
        refused(request, exc)
    else:
        done = {
            workflow.SUBMIT: "已提交审核。",
            workflow.APPROVE: "已审核通过。" if article.status == Status.APPROVED else "本级审核已通过，已转下一级审核。",
            workflow.RETURN: "已退回给作者修改。",
        }[action]
        messages.success(request, done)
        if action == workflow.SUBMIT:
            _submit_warnings(request, article)
    return redirect("desk:article_detail", article.pk)


@desk_view()
@require_POST
def comment_add(request, pk):
    article = _article(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        Comment.objects.create(article=article, author=request.user, body=form.cleaned_data["body"].strip())
        messages.success(request, "评论已发表。")
    else:
        messages.error(request, "评论不能为空（最多 5000 字）。")
    back = request.POST.get("next")
    if back == "edit" and workflow.can_edit(request.user, article):
        return redirect(reverse("desk:article_edit", args=[article.pk]) + "#comments")
    return redirect(reverse("desk:article_detail", args=[article.pk]) + "#comments")


# ---------------------------------------------------------------------------
# Revisions
# ---------------------------------------------------------------------------


def _revision_label(revision):
    who = revision.created_by.get_full_name() or revision.created_by.username if revision.created_by else ""
    when = timezone.localtime(revision.created_at).strftime("%m月%d日 %H:%M")
    note = f"（{revision.note}）" if revision.note else ""
    return f"第{revision.number}版 · {when} {who}{note}"


@desk_view()
def article_compare(request, pk):
    article = _article(pk)
    every = list(article.revisions.select_related("section", "created_by", "superseded").order_by("number"))
    # Any revision can be asked for by number; the lists and defaults use those 版本记录 shows.
    by_number = {r.number: r for r in every}
    listed = set(listed_revisions(article).values_list("number", flat=True))
    revisions = [r for r in every if r.number in listed]

    def pick(name, default):
        try:
            return by_number[int(request.GET.get(name, ""))]
        except (ValueError, KeyError):
            return default

    newest = revisions[-1] if revisions else None
    new = pick("b", newest)
    earlier = [r for r in revisions if new and r.number < new.number]
    old = pick("a", (earlier[-1] if earlier else new) if new else None)
    if old is None or new is None:
        messages.error(request, "这篇稿件还没有可比较的版本。")
        return redirect("desk:article_detail", article.pk)
    rows = compare(old, new)
    context = {
        "article": article,
        "old": old,
        "new": new,
        "rows": rows,
        "same_revision": old.number == new.number,
        "no_changes": not has_changes(rows),
        "shortcuts": _compare_shortcuts(article, revisions),
        "old_label": _revision_label(old),
        "new_label": _revision_label(new),
        "restorable": [r for r in (old, new) if r.number != newest.number] if old != new else [],
        "revisions": revisions[::-1],
        "can_edit": workflow.can_edit(request.user, article),
    }
    return render(request, "desk/compare.html", context)


def _compare_shortcuts(article, revisions) -> list[tuple[str, int, int]]:
    """(label, a, b): the text as it stood at the last review and at the last approval, against
    the newest version, for the one-click comparisons a reviewer or the head wants."""
    if len(revisions) < 2:
        return []
    newest = revisions[-1].number
    shortcuts = []
    for label, actions in [("自上次审核以来", ("approve", "return")), ("自审核通过以来", ("approve",))]:
        review = article.transitions.filter(action__in=actions).order_by("-created_at", "-pk").first()
        if review is None:
            continue
        seen = [r.number for r in revisions if r.created_at <= review.created_at]
        if seen and seen[-1] != newest:
            shortcuts.append((label, seen[-1], newest))
    return shortcuts


@desk_view()
@require_POST
def article_restore(request, pk, number):
    article = _article(pk)
    revision = get_object_or_404(article.revisions.select_related("section"), number=number)
    try:
        workflow.restore_revision(article, revision, by=request.user, version=_version(request))
    except workflow.EditConflict as exc:
        refused(request, exc, suffix=" 请在最新版本的基础上重新选择要恢复的版本。")
        return redirect(reverse("desk:article_compare", args=[article.pk]) + f"?a={number}")
    except workflow.WorkflowError as exc:
        refused(request, exc)
        return redirect(reverse("desk:article_compare", args=[article.pk]) + f"?a={number}")
    messages.success(request, f"已恢复第{number}版的内容，保存为第{article.latest_revision().number}个版本记录。")
    return redirect("desk:article_edit", article.pk)


# ---------------------------------------------------------------------------
# Word import and images
# ---------------------------------------------------------------------------


def _import(request, upload):
    """Run the import; on failure put the message on the page and return None."""
    try:
        result = import_docx(upload, by=request.user)
    except DocxImportError as exc:
        refused(request, exc)
        return None
    for note in result.messages:
        messages.warning(request, note)
    return result


def _recognised_date_note(event_date) -> str:
    return f"已从正文开头识别事件日期：{month_day_label(event_date)}（可修改）" if event_date else ""


@desk_view(EDITOR, message="只有编辑可以新建稿件。", redirect_to="desk:dashboard")
@require_POST
def article_import_new(request):
    form = DocxImportForm(request.POST, request.FILES, user=request.user)
    form.is_valid()  # each field is looked at below: a file kept from the last try counts
    upload = form.cleaned_data.get("docx")
    section = form.cleaned_data.get("section")
    token = request.POST.get("staged", "")
    staged = staging.load(token, user=request.user) if token and upload is None else None
    if upload is None and staged is not None:
        data, meta = staged
        upload = SimpleUploadedFile(meta["filename"], data)
    if upload is None:
        messages.error(request, "请选择要导入的 .docx 文件。" if section else "请选择栏目和要导入的 .docx 文件。")
        return redirect("desk:article_new")
    if section is None:
        # The chosen file is kept (PRIVATE_ROOT, this user only): choosing the section is enough.
        if staged is None:
            if upload.size > settings.BULLETIN_MAX_UPLOAD_BYTES:
                messages.error(request, "请选择栏目和要导入的 .docx 文件。")
                return redirect("desk:article_new")
            token = staging.stage(upload.read(), user=request.user, filename=upload.name,
                                  publication_id=None, create_sections=False)
        messages.error(request, f"请选择栏目。已选的文件“{upload.name}”已保留，选好栏目后再点“导入为新稿件”即可，不必重新选择文件。")
        return redirect(reverse("desk:article_new") + f"?docx={token}#word-import")
    if staged is not None:
        staging.discard(token)
    result = _import(request, upload)
    if result is None:
        return redirect("desk:article_new")
    section = form.cleaned_data["section"]
    stem = upload.name.rsplit(".", 1)[0][:200] or "未命名稿件"
    body = result.html
    if result.title:
        # The heading that became the title is not repeated as the body's first line.
        for tag in ("h2", "h3", "h4", "p"):
            first = f"<{tag}>{html.escape(result.title, quote=False)}</{tag}>"
            if body.startswith(first):
                body = body[len(first):]
                break
    event_date = event_date_from_body(body, today=timezone.localdate())
    try:
        article = workflow.create_article(
            by=request.user, publication=section.publication, section=section,
            title=(result.title or stem)[:200], body=body, event_date=event_date, note="从 Word 导入",
        )
    except workflow.WorkflowError as exc:
        refused(request, exc)
        return redirect("desk:article_new")
    messages.success(request, f"已从 Word 文件“{upload.name}”创建稿件，请核对标题、日期和正文。"
                     + _recognised_date_note(event_date))
    return redirect("desk:article_edit", article.pk)


@desk_view()
@require_POST
def article_import(request, pk):
    article = _article(pk)
    form = DocxImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要导入的 .docx 文件。")
        return redirect("desk:article_edit", article.pk)
    try:
        workflow.check_can_edit(request.user, article)
    except workflow.WorkflowError as exc:
        refused(request, exc)
        return redirect("desk:article_detail", article.pk)
    result = _import(request, form.cleaned_data["docx"])
    if result is None:
        return redirect("desk:article_edit", article.pk)
    # The editor's own date is never replaced (an edit in between is caught by the version).
    event_date = None if article.event_date else event_date_from_body(result.html, today=timezone.localdate())
    try:
        workflow.save_article(
            article, by=request.user, version=form.cleaned_data["version"],
            note="从 Word 导入", body=result.html, **({"event_date": event_date} if event_date else {}),
        )
    except workflow.WorkflowError as exc:
        refused(request, exc, suffix=" Word 内容未导入。")
        return redirect("desk:article_edit", article.pk)
    messages.success(request, "已用 Word 文件的内容替换正文；原正文可在版本记录中对比和恢复。"
                     + _recognised_date_note(event_date))
    return redirect("desk:article_edit", article.pk)


@desk_view(message="您没有上传图片的权限。", answer="json")
@require_POST
def image_upload(request):
    """CKEditor 5's upload adapter: JSON {"url"} or {"error": {"message"}}."""
    upload = request.FILES.get("upload")
    if upload is None:
        return JsonResponse({"error": {"message": "没有收到图片文件。"}}, status=400)
    try:
        image = store_image(upload, by=request.user, name=upload.name)
    except ImageRejected as exc:
        return JsonResponse({"error": {"message": exc.message}}, status=400)
    return JsonResponse({"url": image.web.url, "width": image.width, "height": image.height})
