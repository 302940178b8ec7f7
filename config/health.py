"""/healthz for load balancers and docker: 200 when the database (and cache) answer, else 503."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse

logger = logging.getLogger(__name__)


def healthz(request):
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database unavailable")
        problems.append("database")
    try:
        # Pages of published issues read the cache; a dead Redis makes them fail too.
        cache.get("healthz-probe")
    except Exception:
        logger.exception("healthz: cache unavailable")
        problems.append("cache")
    if problems:
        response = HttpResponse("unavailable: " + ", ".join(problems), content_type="text/plain", status=503)
    else:
        response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
