"""Showing a refusal on the next page: the one place a BulletinError becomes messages."""

from django.contrib import messages

from common.errors import BulletinError


def refused(request, exc: BulletinError, prefix: str = "", suffix: str = "") -> None:
    messages.error(request, f"{prefix}{exc.message}{suffix}")
    for problem in exc.problems:
        messages.error(request, problem)
