"""The public site: home, archive, issue, article, PDF, search, chronicle (namespace "reader")."""

from django.urls import path

from .views import chronicle, pages, search

app_name = "reader"

urlpatterns = [
    path("", pages.home, name="home"),
    # Before "<slug>/": otherwise /search/ would be taken for a publication's archive.
    path("search/", search.reader_search, name="search"),
    path("<slug:slug>/", pages.archive, name="archive"),
    path("<slug:slug>/chronicle/<int:year>/", chronicle.chronicle_page, name="chronicle"),
    path("<slug:slug>/chronicle/<int:year>.pdf", chronicle.chronicle_pdf, name="chronicle_pdf"),
    path("<slug:slug>/chronicle/<int:year>.docx", chronicle.chronicle_docx, name="chronicle_docx"),
    path("<slug:slug>/<int:serial>/", pages.issue_detail, name="issue"),
    path("<slug:slug>/<int:serial>.pdf", pages.issue_pdf, name="issue_pdf"),
    path("<slug:slug>/<int:serial>/<int:article_id>/", pages.article_detail, name="article"),
]
