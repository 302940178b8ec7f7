"""The reader's search (/search/): published issues only, internal ones for allowed readers."""

from django.shortcuts import render

from bulletin.access import can_read_internal
from bulletin.models import ArticleIndex, Issue, Visibility
from bulletin.search.pages import in_issues, reader_article_url, search_page


def reader_search(request):
    issues = Issue.objects.filter(status=Issue.Status.PUBLISHED, serial_number__isnull=False)
    hidden_note = not can_read_internal(request.user)
    if hidden_note:
        issues = issues.filter(visibility=Visibility.PUBLIC)
    # The issues' ids (one per published issue) instead of a join: the planner joined every hit
    # of a common word to the issue table (issue #15).
    base = in_issues(ArticleIndex.objects.all(), issues.values_list("pk", flat=True))
    context = search_page(request.GET, base, link=reader_article_url, issues=issues)
    context["hidden_internal"] = hidden_note and ArticleIndex.objects.filter(
        issue__status=Issue.Status.PUBLISHED, issue__visibility=Visibility.INTERNAL
    ).exists()
    return render(request, "reader/search.html", context)
