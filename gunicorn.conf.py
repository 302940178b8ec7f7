"""gunicorn settings, read automatically from the working directory (`gunicorn config.wsgi`).

Command-line flags override these (docker-compose.yml passes --bind and --workers).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gunicorn also reads WEB_CONCURRENCY; 2 × cores + 1 is its own advice for sync workers.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
# Publishing with BULLETIN_PDF_ON_PUBLISH=sync and first PDF downloads typeset a whole issue.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
# A worker is replaced now and then, so a slow leak in a library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    # Build jieba's prefix dictionary (~1 s) while the worker starts, not in the first search
    # or the first article save that re-indexes an article.
    from bulletin.search.text import load_jieba

    load_jieba()
