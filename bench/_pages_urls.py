"""Bulletin's URLs plus one bench-only view, `/__bench__/bare/<name>`, that returns bytes read
once from BENCH_BARE_DIR: variant b of bench/pages.py, a bare Django view through the same
gunicorn and the same middleware. Never used outside the benchmark."""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

import config.urls

_BODIES: dict[str, tuple[bytes, str]] = {}


def bare(request, name):
    if name not in _BODIES:
        folder = Path(os.environ["BENCH_BARE_DIR"])
        _BODIES[name] = ((folder / name).read_bytes(), (folder / f"{name}.type").read_text())
    body, content_type = _BODIES[name]
    return HttpResponse(body, content_type=content_type)


urlpatterns = [path("__bench__/bare/<str:name>", bare), *config.urls.urlpatterns]
