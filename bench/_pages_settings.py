"""Settings of the gunicorn that bench/pages.py starts: Bulletin's own (production settings from
the environment), with the URLs of bench/_pages_urls.py. Never used outside the benchmark."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "_pages_urls"
