"""Bulletin settings, read from the environment (12-factor) with django-environ.

Defaults are for a developer's machine: SQLite in the project directory, DEBUG on.
Production sets DEBUG=false and must provide SECRET_KEY and ALLOWED_HOSTS.
"""

import base64
import hashlib
import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The reader site's /sitemap.xml (its template); feeds need no app.
    "django.contrib.sitemaps",
    "django_ckeditor_5",
    "django_tasks",
    "config.apps.TaskQueueConfig",  # django_tasks_db, named in Chinese
    "config.apps.SiteConfig",  # write_public_pages, the public files' receiver (config/public_files.py)
    "csp",
    # PostgreSQL triggers declared on models (history is append-only: bulletin and editorial
    # Meta.triggers); its migration operations do nothing on SQLite.
    "pgtrigger",
    "bulletin",
    "editorial",
    "office",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Whole public reader pages for visitors without a session, before any other work
    # (config/pagecache.py; kept until published content changes).
    "config.pagecache.PageCacheMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Inline styles for the desk and the admin only (CKEditor 5 writes style attributes).
    "config.csp.AreaPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or process_view (CSRF reads request.POST there) parses the body; after
    # authentication so that the 413 page shows who is signed in.
    "config.middleware.RequestSizeLimitMiddleware",
    # A NUL character in the query string or a form field: a Chinese 400 page before any view.
    "config.middleware.InvalidCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.roles",
                "config.context_processors.desk_todo",
                "config.context_processors.desk_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Keep each worker's database connection between requests (opening one on every request was
# ~22 % of a reader page's time on PostgreSQL, issue #15); checked before reuse, so a restarted
# database costs one failed check, not an error. BULLETIN_DB_CONN_MAX_AGE=0 closes after each.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("BULLETIN_DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent requests on the embedded database wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache that treats an unreachable Redis as a miss (config/cache.py).
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reader:home"
LOGOUT_REDIRECT_URL = "reader:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Chinese for the admin and auth strings that Django's own zh_Hans catalogs leave in English.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files (common/storage.py): "default" holds uploaded images and their renditions (MEDIA_ROOT),
# "private" the rendered PDFs, staged imports and fonts (PRIVATE_ROOT), both on this disk unless
# BULLETIN_S3_BUCKET names an S3-compatible bucket (then both are prefixes of it, below).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "common.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# A `{% static %}` name missing from the manifest (e.g. a source map a vendored bundle
# mentions but does not ship) falls back to the unhashed URL instead of a 500 page.
WHITENOISE_MANIFEST_STRICT = False

MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Rendered PDFs of issues live outside MEDIA_ROOT so that an internal issue's PDF has no
# guessable public URL; they are served through a view that checks visibility.
PRIVATE_ROOT = env.path("PRIVATE_ROOT", default=BASE_DIR / "var" / "private")
# Shared object storage for several web nodes (README, "Storage"): the bucket, its endpoint (empty
# for AWS), keys, region and an optional key prefix; objects are private (no ACL, the bucket's
# own) and reach browsers only as presigned URLs valid BULLETIN_S3_URL_SECONDS, after the access
# check. BULLETIN_S3_PUBLIC_ENDPOINT_URL: the address browsers reach it at, if not the endpoint.
BULLETIN_S3_BUCKET = env.str("BULLETIN_S3_BUCKET", default="")
if BULLETIN_S3_BUCKET:
    # Imported only when configured: it loads django-storages and boto3, which disk needs not.
    from common.s3 import s3_storages

    STORAGES.update(s3_storages(env, media_url=MEDIA_URL))
# Fonts kept on S3 are copied to this folder for the PDF renderer, which reads local files
# (empty: a folder in the system's temporary directory).
BULLETIN_FONT_CACHE = env.str("BULLETIN_FONT_CACHE", default="")
# When the PDF of a newly published issue is rendered: "task" (by the background worker, as a
# job with a progress page; readers asking before it is done are told to wait), "sync" (after
# commit, in the publishing request) or "off" (on first download). bulletin/pdf/store.py.
BULLETIN_PDF_ON_PUBLISH = env.str("BULLETIN_PDF_ON_PUBLISH", default="task")
# Public reader pages written as files for nginx (config/public_files.py, deploy/nginx.conf):
# unset (the default, no nginx) keeps them in the page cache only (config/pagecache.py).
PUBLIC_PAGES_ROOT = Path(env.str("PUBLIC_PAGES_ROOT")) if env.str("PUBLIC_PAGES_ROOT", default="") else None
# Seconds between autosaves of an article being edited on the desk (static/js/desk.js).
BULLETIN_AUTOSAVE_SECONDS = env.int("BULLETIN_AUTOSAVE_SECONDS", default=20)
# One sitting: one user's autosaves less than this apart show as one entry in 版本记录.
BULLETIN_AUTOSAVE_SITTING_MINUTES = env.int("BULLETIN_AUTOSAVE_SITTING_MINUTES", default=30)

# Background work (django-tasks): e-mails, scheduled publishing, deadline reminders. The database
# backend keeps the queue in the site's own database; `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Long work on the queue (bulletin/jobs.py): a worker holds a job under a lease that a heartbeat
# thread renews while the handler runs (every third of the lease); a job whose lease ran out (its
# worker died) is queued again by the periodic tick, at most BULLETIN_JOB_MAX_ATTEMPTS times
# before it is marked failed.
BULLETIN_JOB_LEASE_SECONDS = env.int("BULLETIN_JOB_LEASE_SECONDS", default=120)
# The heartbeat stops renewing after this long: a handler still running (hung) then loses the
# job as a dead worker does (queued again, or failed after BULLETIN_JOB_MAX_ATTEMPTS runs).
BULLETIN_JOB_MAX_RUN_SECONDS = env.int("BULLETIN_JOB_MAX_RUN_SECONDS", default=3600)
BULLETIN_JOB_MAX_ATTEMPTS = env.int("BULLETIN_JOB_MAX_ATTEMPTS", default=3)
# Extra job kinds (tests): {"kind": {"label": …, "handler": "dotted.path", "roles": (…)}}.
BULLETIN_JOB_KINDS: dict = {}

# Search counts matches up to this many (找到 1000 篇以上) and pages go no further (bulletin/search/query.py).
BULLETIN_SEARCH_COUNT_LIMIT = env.int("BULLETIN_SEARCH_COUNT_LIMIT", default=1000)

# E-mail (notifications): printed on the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="编辑部 <bulletin@localhost>")
# A failed send is tried again after each of these delays (seconds), then given up.
BULLETIN_EMAIL_RETRY_SECONDS = [
    int(s) for s in env.list("BULLETIN_EMAIL_RETRY_SECONDS", default=["60", "300", "1800", "7200", "21600"])
]
# Seconds between two runs of the worker's periodic task (scheduled publishing, reminders).
BULLETIN_TICK_SECONDS = env.int("BULLETIN_TICK_SECONDS", default=60)
# Links in e-mails point here (the address people open the site at).
BULLETIN_SITE_URL = env.str("BULLETIN_SITE_URL", default="http://127.0.0.1:8000")

# Upload limits (images and .docx). Decompression bombs are refused by pixel count.
BULLETIN_MAX_UPLOAD_BYTES = env.int("BULLETIN_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
BULLETIN_MAX_IMAGE_PIXELS = env.int("BULLETIN_MAX_IMAGE_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploaded files above this size are streamed to a temporary file, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Requests announcing a larger body are refused with a 413 page before anything is read
# (config.middleware.RequestSizeLimitMiddleware); the per-file limit above is checked later.
BULLETIN_MAX_REQUEST_BYTES = env.int("BULLETIN_MAX_REQUEST_BYTES", default=50 * 1024 * 1024)

# Uploaded images (MEDIA_URL) always go through reader/media.py, which checks who may see them
# (an image of an internal issue is internal). With BULLETIN_MEDIA_ACCEL (behind nginx,
# deploy/nginx.conf) Django checks and nginx sends the file from an `internal` location.
BULLETIN_MEDIA_ACCEL = env.bool("BULLETIN_MEDIA_ACCEL", default=False)
BULLETIN_MEDIA_ACCEL_PREFIX = env.str("BULLETIN_MEDIA_ACCEL_PREFIX", default="/protected-media/")
# The same for an internal issue's stored PDF (reader/views/pages.py issue_pdf): an `internal`
# location over PRIVATE_ROOT/pdf/ only. A public issue's PDF is written out for nginx instead.
BULLETIN_PDF_ACCEL_PREFIX = env.str("BULLETIN_PDF_ACCEL_PREFIX", default="/protected-pdf/")

# The admin's address; set ADMIN_URL to something less guessable in production.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"

# Login throttling (config/login_guard.py): this many failed attempts for one username
# (case-insensitive) within the lock period lock it for the lock period; from this many failures
# of one client IP on, each further attempt from it waits 1, 2, 4, … up to the maximum delay.
BULLETIN_LOGIN_MAX_FAILURES_PER_USER = env.int("BULLETIN_LOGIN_MAX_FAILURES_PER_USER", default=5)
BULLETIN_LOGIN_MAX_FAILURES_PER_IP = env.int("BULLETIN_LOGIN_MAX_FAILURES_PER_IP", default=20)
BULLETIN_LOGIN_IP_MAX_DELAY_SECONDS = env.int("BULLETIN_LOGIN_IP_MAX_DELAY_SECONDS", default=60)
BULLETIN_LOGIN_LOCK_SECONDS = env.int("BULLETIN_LOGIN_LOCK_SECONDS", default=15 * 60)
# The client IP is REMOTE_ADDR, unless REMOTE_ADDR is one of these proxies (addresses or networks):
# then the X-Forwarded-For entry that proxy appended. By default the loopback, where nginx
# (deploy/nginx.conf, docker-compose.yml) reaches gunicorn; gunicorn must not be reachable
# from elsewhere through a trusted address.
BULLETIN_TRUSTED_PROXIES = env.list("BULLETIN_TRUSTED_PROXIES", default=["127.0.0.1/32", "::1/128"])

# Content-Security-Policy (django-csp, config/csp.py): scripts only from the site's own files
# (no inline script, no eval: every page's script is a file in static/js/ or a package's), no
# framing by anyone, violations reported to /csp-report/ and logged. Styles are the site's own
# files (and the error pages' one <style>, by its hash); the desk and the admin also allow
# inline styles (config.csp.AreaPolicyMiddleware).
def _inline_style_hashes(template):
    """'sha256-…' of each <style> element of a template whose styles contain no template logic."""
    text = (BASE_DIR / "templates" / template).read_text(encoding="utf-8")
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'"
        for style in re.findall(r"<style>(.*?)</style>", text, re.S)
    ]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # The self-contained error pages (400, 500, CSRF: no static files) carry their own <style>.
        "style-src": [SELF, *_inline_style_hashes("_standalone_error.html")],
        # data:/blob: are CKEditor's previews of an image being uploaded or pasted.
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": "/csp-report/",
    },
}

if BULLETIN_S3_BUCKET:
    # Images reach the browser by a redirect to a presigned URL of the object store.
    from common.s3 import s3_origins  # only when configured, as above

    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += s3_origins(env)

SESSION_COOKIE_HTTPONLY = True
# An editorial session lasts a working day, not Django's default two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
# No page of the site is meant to be framed (clickjacking).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # Off by default: the proxy usually redirects to HTTPS itself; set true if it does not.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    # HSTS is opt-in: once browsers have seen it the site cannot go back to plain HTTP.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # The container's HEALTHCHECK asks gunicorn over plain HTTP, without the proxy's header.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# HSTS preloading (security.W021) is decided for a whole registered domain (e.g. the government's
# gov.cn domain) by its owner and submitted to the browsers' list; a site on a subdomain cannot
# opt in alone, so `manage.py check --deploy` is not asked to warn about it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

CKEDITOR_5_CONFIGS = {
    "default": {
        "language": "zh-cn",
        "toolbar": [
            "heading", "|", "bold", "italic", "underline", "link", "|",
            "bulletedList", "numberedList", "blockQuote", "insertTable", "imageUpload", "|",
            "undo", "redo",
        ],
        "heading": {
            "options": [
                {"model": "paragraph", "title": "正文", "class": "ck-heading_paragraph"},
                {"model": "heading2", "view": "h2", "title": "标题 2", "class": "ck-heading_heading2"},
                {"model": "heading3", "view": "h3", "title": "标题 3", "class": "ck-heading_heading3"},
            ]
        },
        "image": {"toolbar": ["imageTextAlternative"]},
        "table": {"contentToolbar": ["tableColumn", "tableRow", "mergeTableCells"]},
    }
}
CKEDITOR_5_FILE_STORAGE = "django.core.files.storage.FileSystemStorage"
CKEDITOR_5_UPLOAD_FILE_VIEW_NAME = "desk:image_upload"
# django-ckeditor-5's widget reads the upload view's name under this spelling: without it the
# editor would post images to the package's own, unverified upload view.
CK_EDITOR_5_UPLOAD_FILE_VIEW_NAME = CKEDITOR_5_UPLOAD_FILE_VIEW_NAME
CKEDITOR_5_ALLOW_ALL_FILE_TYPES = False
CKEDITOR_5_UPLOAD_FILE_TYPES = ["jpeg", "jpg", "png", "gif", "webp"]

# Everything goes to stdout (12-factor; gunicorn/docker collect it). django.request logs every
# 5xx with its traceback at ERROR and 4xx at WARNING; django.security logs refused hosts/CSRF.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "django.request": {"level": "WARNING"},
        "django.security": {"level": "WARNING"},
    },
}
