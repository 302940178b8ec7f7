import re

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from desk.views.articles import image_upload
from reader.feeds import sitemap
from reader.media import serve_media

from . import csp, health, login_guard

# Password guessing is throttled on the admin's login as on the site's (config/login_guard.py).
admin.site.login_form = login_guard.GuardedAdminAuthenticationForm

urlpatterns = [
    # Before the admin's own URLs: the admin's login answers 429 while locked (config/login_guard.py).
    path(settings.ADMIN_URL + "login/", login_guard.admin_login),
    path(settings.ADMIN_URL, admin.site.urls),
    path("accounts/login/", login_guard.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/", include("desk.urls")),
    # The package's own upload view stores files unprocessed (EXIF/GPS kept): route its URL to
    # ours too, so every image upload is verified and re-encoded whichever URL is used.
    path("ckeditor5/image_upload/", image_upload),
    path("ckeditor5/", include("django_ckeditor_5.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("csp-report/", csp.csp_report, name="csp_report"),
    # The public pages (reader.feeds); before the reader site's "<slug>/" patterns.
    path("sitemap.xml", sitemap, name="sitemap"),
    path("", include("reader.urls")),
]

# Uploaded images: every request is checked (reader/media.py; with BULLETIN_MEDIA_ACCEL nginx
# sends the file). Inserted before the reader site's catch-all "<slug>/" patterns.
urlpatterns.insert(
    -1, re_path(r"^{}(?P<path>.+)$".format(re.escape(settings.MEDIA_URL.lstrip("/"))), serve_media)
)
