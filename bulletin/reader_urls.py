from django.urls import path

from . import views

app_name = "reader"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:slug>/", views.archive, name="archive"),
    path("<slug:slug>/<int:serial>/", views.issue_detail, name="issue"),
    path("<slug:slug>/<int:serial>.pdf", views.issue_pdf, name="issue_pdf"),
    path("<slug:slug>/<int:serial>/<int:article_id>/", views.article_detail, name="article"),
]
