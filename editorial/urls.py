from django.urls import include, path

from . import views

app_name = "editorial"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("issues/<int:pk>/preview/", views.issue_preview, name="issue_preview"),
    path("images/upload/", views.image_upload, name="image_upload"),
    path("issues/", include("editorial.issue_urls")),
]
