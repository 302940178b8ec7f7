"""The desk's search (/desk/search/): every article, drafts included, for desk roles."""

from django.shortcuts import render
from django.urls import reverse

from bulletin.models import ArticleIndex, Issue
from bulletin.search.pages import reader_article_url, search_page

from ..permissions import desk_view


def _desk_url(row):
    if row.issue_id and row.issue.status == Issue.Status.PUBLISHED and row.issue.serial_number:
        return reader_article_url(row)
    return reverse("desk:article_edit", args=[row.article_id])


@desk_view(message="只有编辑部人员可以检索全部稿件。")
def desk_search(request):
    context = search_page(request.GET, ArticleIndex.objects.all(), link=_desk_url)
    return render(request, "desk/search.html", context)
