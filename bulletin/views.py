"""The reader site: home, archive, issue, article. Thin views over models and rendering."""

from itertools import groupby

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from .access import can_read_internal, can_view_issue
from .models import Issue, Publication, Visibility
from .rendering import flat_entries, issue_layout


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def _published_issue_or_login(request, slug, serial):
    issue = get_object_or_404(
        Issue.objects.select_related("publication"),
        publication__slug=slug,
        serial_number=serial,
        status=Issue.Status.PUBLISHED,
    )
    if not can_view_issue(request.user, issue):
        return issue, redirect_to_login(request.get_full_path())
    return issue, None


def _visible_issues(user, publication=None):
    qs = Issue.objects.published().select_related("publication")
    if publication is not None:
        qs = qs.filter(publication=publication)
    if not can_read_internal(user):
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs.order_by("-year", "-month")


def home(request):
    latest = []
    for publication in Publication.objects.all():
        issue = _visible_issues(request.user, publication).first()
        latest.append({"publication": publication, "issue": issue})
    return render(request, "reader/home.html", {"latest": latest})


def archive(request, slug):
    publication = get_object_or_404(Publication, slug=slug)
    issues = list(_visible_issues(request.user, publication))
    years = [(year, list(group)) for year, group in groupby(issues, key=lambda i: i.year)]
    hidden = (
        not can_read_internal(request.user)
        and publication.issues.published().filter(visibility=Visibility.INTERNAL).exists()
    )
    return render(
        request,
        "reader/archive.html",
        {"publication": publication, "years": years, "hidden_internal": hidden},
    )


def issue_detail(request, slug, serial):
    issue, refusal = _published_issue_or_login(request, slug, serial)
    if refusal:
        return refusal
    layout = issue_layout(issue)
    return render(request, "reader/issue.html", layout)


def article_detail(request, slug, serial, article_id):
    issue, refusal = _published_issue_or_login(request, slug, serial)
    if refusal:
        return refusal
    layout = issue_layout(issue)
    entries = flat_entries(layout)
    for index, entry in enumerate(entries):
        if entry["id"] == article_id:
            break
    else:
        raise Http404("本期没有这篇文章。")
    context = {
        **layout,
        "entry": entry,
        "previous": entries[index - 1] if index > 0 else None,
        "next": entries[index + 1] if index + 1 < len(entries) else None,
    }
    return render(request, "reader/article.html", context)


def issue_pdf(request, slug, serial):
    issue, refusal = _published_issue_or_login(request, slug, serial)
    if refusal:
        return refusal
    raise Http404("PDF 尚未生成。")
