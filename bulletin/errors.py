"""Error views that need more than a template: the CSRF failure page."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    # Almost always an expired form (the session ended, or the page was open across a log-in
    # elsewhere); the reason is for the log, not for the user.
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
