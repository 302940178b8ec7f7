"""The container's health probe sends a Host the production site accepts."""

import pytest
from django.test import Client, override_settings

from config.healthcheck import probe_host


@pytest.mark.parametrize("allowed, host", [
    ("bulletin.example.gov.cn", "bulletin.example.gov.cn"),
    (".example.gov.cn,other.example.org", "example.gov.cn"),
    ("*", "localhost"),
    ("", "localhost"),
])
def test_the_probe_names_a_host_the_site_accepts(allowed, host):
    assert probe_host(allowed) == host


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["bulletin.example.gov.cn"])
def test_healthz_answers_the_probe_and_refuses_a_bare_loopback_host():
    client = Client()
    assert client.get("/healthz", HTTP_HOST="127.0.0.1").status_code == 400  # what the old probe sent
    assert client.get("/healthz", HTTP_HOST=probe_host("bulletin.example.gov.cn")).status_code == 200
