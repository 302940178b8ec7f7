from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from editorial import views as editorial_views

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/import/", include("bulletin.importing.urls")),
    path("desk/", include("editorial.urls")),
    # The package's own upload view stores files unprocessed (EXIF/GPS kept): route its URL to
    # ours too, so every image upload is verified and re-encoded whichever URL is used.
    path("ckeditor5/image_upload/", editorial_views.image_upload),
    path("ckeditor5/", include("django_ckeditor_5.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("bulletin.reader_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
