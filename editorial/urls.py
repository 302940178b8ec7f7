from django.urls import include, path

from bulletin import search_views

from . import views

app_name = "editorial"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("review/", views.review_queue, name="review_queue"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/import/", views.article_import_new, name="article_import_new"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/autosave/", views.article_autosave, name="article_autosave"),
    path("articles/<int:pk>/action/", views.article_transition, name="article_transition"),
    path("articles/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("articles/<int:pk>/compare/", views.article_compare, name="article_compare"),
    path("articles/<int:pk>/revisions/<int:number>/restore/", views.article_restore, name="article_restore"),
    path("articles/<int:pk>/import/", views.article_import, name="article_import"),
    path("issues/<int:pk>/preview/", views.issue_preview, name="issue_preview"),
    path("search/", search_views.desk_search, name="search"),
    path("images/upload/", views.image_upload, name="image_upload"),
    path("issues/", include("editorial.issue_urls")),
]
