from django.urls import path

from . import search_views, views

app_name = "reader"

urlpatterns = [
    path("", views.home, name="home"),
    # Before "<slug>/": otherwise /search/ would be taken for a publication's archive.
    path("search/", search_views.reader_search, name="search"),
    path("<slug:slug>/", views.archive, name="archive"),
    path("<slug:slug>/chronicle/<int:year>/", search_views.chronicle_page, name="chronicle"),
    path("<slug:slug>/chronicle/<int:year>.pdf", search_views.chronicle_pdf, name="chronicle_pdf"),
    path("<slug:slug>/chronicle/<int:year>.docx", search_views.chronicle_docx, name="chronicle_docx"),
    path("<slug:slug>/<int:serial>/", views.issue_detail, name="issue"),
    path("<slug:slug>/<int:serial>.pdf", views.issue_pdf, name="issue_pdf"),
    path("<slug:slug>/<int:serial>/<int:article_id>/", views.article_detail, name="article"),
]
