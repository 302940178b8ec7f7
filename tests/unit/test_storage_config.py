"""Where files are kept, as configured from the environment (common/storage.py, common/s3.py), and
the docker-compose stack's object storage (MinIO, a private bucket created at start), checked
statically: no Docker engine here."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

PRINT_STORAGES = (
    "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); "
    "from django.conf import settings as s; "
    "print(json.dumps({'storages': s.STORAGES, 'img': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
)


def _settings(env_overrides):
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_S3_")}
    env.update(env_overrides)
    done = subprocess.run([sys.executable, "-c", PRINT_STORAGES], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_by_default_files_stay_on_this_disk():
    found = _settings({})
    assert found["storages"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["storages"]["private"]["BACKEND"] == "common.storage.PrivateFileSystemStorage"
    assert found["img"] == ["'self'", "data:", "blob:"]


def test_a_bucket_in_the_environment_puts_both_storages_on_it_privately():
    found = _settings({
        "BULLETIN_S3_BUCKET": "office-files", "BULLETIN_S3_ENDPOINT_URL": "http://minio:9000",
        "BULLETIN_S3_PUBLIC_ENDPOINT_URL": "https://files.example.gov.cn", "BULLETIN_S3_PREFIX": "bulletin",
        "BULLETIN_S3_ACCESS_KEY_ID": "id", "BULLETIN_S3_SECRET_ACCESS_KEY": "secret",
    })
    media, private = (found["storages"][alias] for alias in ("default", "private"))
    for storage in (media, private):
        assert storage["BACKEND"] == "common.s3.S3Storage"
        options = storage["OPTIONS"]
        assert options["bucket_name"] == "office-files" and options["endpoint_url"] == "http://minio:9000"
        # Never a public object, only short-lived signed addresses.
        assert options["default_acl"] is None and options["querystring_auth"] is True
        assert options["querystring_expire"] == 300
    assert (media["OPTIONS"]["location"], private["OPTIONS"]["location"]) == ("bulletin/media", "bulletin/private")
    # Images are addressed through the site's /media/ view; private files have no address at all.
    assert media["OPTIONS"]["site_url"] == "/media/" and private["OPTIONS"]["site_url"] is None
    # The browser may load the images it is redirected to, from the public address only.
    assert found["img"] == ["'self'", "data:", "blob:", "https://files.example.gov.cn"]


def test_compose_keeps_files_in_minio_with_a_private_bucket_made_at_start():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    minio, init = services["minio"], services["minio-init"]
    assert minio["image"].startswith("minio/minio") and "server" in minio["command"]
    assert minio["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    assert any(volume.endswith(":/data") for volume in minio["volumes"])
    # The one-shot client waits for MinIO, makes the bucket (again harmlessly) and closes it to
    # anonymous readers; the site and the worker start only after it succeeded.
    assert init["image"].startswith("minio/mc") and init["restart"] == "no"
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "mc mb --ignore-existing" in init["entrypoint"] and "mc anonymous set none" in init["entrypoint"]
    # migrate (one-shot) waits for the bucket; web and worker wait for migrate.
    assert services["migrate"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # Every service that others wait for has a health check.
    for name in ("db", "redis", "minio"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["BULLETIN_S3_BUCKET"] == "${S3_BUCKET:-bulletin}"
        assert env["BULLETIN_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert env["BULLETIN_S3_SECRET_ACCESS_KEY"].startswith("${MINIO_ROOT_PASSWORD:?")
        assert env["BULLETIN_S3_PUBLIC_ENDPOINT_URL"].startswith("${S3_PUBLIC_ENDPOINT_URL:-")
    assert "objects" in compose["volumes"]


def test_env_example_documents_every_variable_compose_reads():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z_0-9]+)", compose_text))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z_0-9]+)=", example, re.M))
    assert used <= documented, used - documented
    # Each setting has a comment above it (the file is read by the office's administrator).
    lines = example.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z_0-9]+=", line):
            above = next(text for text in reversed(lines[:index]) if not re.match(r"^[A-Z_0-9]+=", text))
            assert above.startswith("#"), line
    # None of compose's names switches Django's own settings to the bucket (Django reads .env too).
    assert not [name for name in documented if name.startswith("BULLETIN_S3_")]
