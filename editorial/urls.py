from django.urls import include, path

from bulletin import search_views

from . import views

app_name = "editorial"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("issues/<int:pk>/preview/", views.issue_preview, name="issue_preview"),
    path("search/", search_views.desk_search, name="search"),
    path("images/upload/", views.image_upload, name="image_upload"),
    path("issues/", include("editorial.issue_urls")),
]
