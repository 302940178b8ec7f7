"""The reader's search (/search/): published issues only, internal ones for allowed readers."""

from django.shortcuts import render

from bulletin.access import can_read_internal
from bulletin.models import ArticleIndex, Issue, Visibility
from bulletin.search.pages import reader_article_url, search_page


def reader_search(request):
    base = ArticleIndex.objects.filter(issue__status=Issue.Status.PUBLISHED, issue__serial_number__isnull=False)
    hidden_note = not can_read_internal(request.user)
    if hidden_note:
        base = base.filter(issue__visibility=Visibility.PUBLIC)
    context = search_page(request.GET, base, link=reader_article_url)
    context["hidden_internal"] = hidden_note and ArticleIndex.objects.filter(
        issue__status=Issue.Status.PUBLISHED, issue__visibility=Visibility.INTERNAL
    ).exists()
    return render(request, "reader/search.html", context)
