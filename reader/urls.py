"""The public site: home, archive, issue, article, PDF, feeds, search, chronicle (namespace "reader")."""

from django.urls import path

import common.converters  # noqa: F401  (registers <id:…>: at most 18 digits)

from . import feeds
from .views import chronicle, pages, search

app_name = "reader"

urlpatterns = [
    path("", pages.home, name="home"),
    # Before "<slug>/": otherwise /search/ would be taken for a publication's archive.
    path("search/", search.reader_search, name="search"),
    path("<slug:slug>/", pages.archive, name="archive"),
    path("<slug:slug>/feed.atom", feeds.IssuesAtomFeed(), name="feed_atom"),
    path("<slug:slug>/feed.rss", feeds.IssuesFeed(), name="feed_rss"),
    path("<slug:slug>/chronicle/<id:year>/", chronicle.chronicle_page, name="chronicle"),
    path("<slug:slug>/chronicle/<id:year>.pdf", chronicle.chronicle_pdf, name="chronicle_pdf"),
    path("<slug:slug>/chronicle/<id:year>.docx", chronicle.chronicle_docx, name="chronicle_docx"),
    path("<slug:slug>/chronicle/exports/<id:pk>/", chronicle.chronicle_export, name="chronicle_export"),
    path("<slug:slug>/chronicle/exports/<id:pk>/download/", chronicle.chronicle_export_download,
         name="chronicle_export_download"),
    path("<slug:slug>/<id:serial>/", pages.issue_detail, name="issue"),
    path("<slug:slug>/<id:serial>.pdf", pages.issue_pdf, name="issue_pdf"),
    path("<slug:slug>/<id:serial>/<id:article_id>/", pages.article_detail, name="article"),
]
