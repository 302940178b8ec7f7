"""Content-Security-Policy: the per-area part of the policy and the violation reports.

The policy itself is CONTENT_SECURITY_POLICY in config/settings.py (django-csp's middleware sends
it on every response). Two things live here:

- AreaPolicyMiddleware lets the desk and the admin use inline styles: CKEditor 5's stylesheet
  is a file (django_ckeditor_5/dist/styles.css), but its editing view writes `style` attributes
  for styled content (setAttribute, which the policy governs) and some of its widgets add a
  <style> element; two desk templates and the admin's use style attributes too. The typing,
  autosave and drag-and-drop the browser test goes through meet none of these today; the
  allowance is for the rest of the editor. The reader site keeps `style-src 'self'`. Scripts are never
  inline anywhere. A PDF gets `frame-ancestors 'none'` alone: the rest of the policy means
  nothing for a PDF and could only get in the way of the browser's own PDF viewer.
- csp_report receives the browser's violation reports (POST /csp-report/, `application/csp-report`
  or the Reporting API's `application/reports+json`) and logs each as a warning on the
  `config.csp` logger. It answers 204 to anything, junk included, never reads more than
  REPORT_MAX_BYTES, and logs at most REPORTS_PER_MINUTE per client address, so a script sending
  reports in a loop cannot fill the log.
"""

import json
import logging

from csp.constants import NONE
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .login_guard import client_ip

logger = logging.getLogger(__name__)

REPORT_MAX_BYTES = 16 * 1024
REPORTS_PER_MINUTE = 30
FIELDS = ("document-uri", "violated-directive", "effective-directive", "blocked-uri",
          "source-file", "line-number", "column-number", "script-sample", "disposition")
# The Reporting API's camelCase names of the same fields.
REPORTING_API_FIELDS = {"documentURL": "document-uri", "effectiveDirective": "effective-directive",
                        "blockedURL": "blocked-uri", "sourceFile": "source-file", "lineNumber": "line-number",
                        "columnNumber": "column-number", "sample": "script-sample", "disposition": "disposition"}


class AreaPolicyMiddleware:
    """`style-src 'self' 'unsafe-inline'` for /desk/ and the admin, `frame-ancestors 'none'` alone
    for PDFs (see the module's docstring). Listed after CSPMiddleware, so it marks the response
    before the policy is written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/pdf"):
            response._csp_config = {"frame-ancestors": [NONE]}
        elif request.path_info.startswith(("/desk/", "/" + settings.ADMIN_URL)):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["style-src"] = ["'unsafe-inline'"]
            response._csp_update = update
        return response


def _reports(body):
    data = json.loads(body)
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        yield {key: data["csp-report"].get(key) for key in FIELDS}
    elif isinstance(data, list):  # Reporting API: a list of {"type": "csp-violation", "body": {...}}
        for item in data[:10]:
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict):
                yield {name: item["body"].get(camel) for camel, name in REPORTING_API_FIELDS.items()}


def _short(value):
    return str(value)[:300] if value is not None else "-"


@csrf_exempt
@require_POST
def csp_report(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > REPORT_MAX_BYTES:
        return HttpResponse(status=204)
    key = "csp-reports:" + client_ip(request)
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    if count > REPORTS_PER_MINUTE:
        return HttpResponse(status=204)
    try:
        body = request.read(REPORT_MAX_BYTES + 1)
        reports = list(_reports(body.decode("utf-8"))) if len(body) <= REPORT_MAX_BYTES else []
    except (ValueError, UnicodeDecodeError, RecursionError, OSError):
        reports = []
    for report in reports:
        logger.warning(
            "CSP violation: %s",
            " ".join(f"{name}={_short(report.get(name))}" for name in FIELDS if report.get(name) is not None),
        )
    return HttpResponse(status=204)
