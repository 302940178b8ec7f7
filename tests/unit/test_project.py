"""Project-level promises: settings from the environment, a valid docker-compose file."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _run_settings(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); "
         "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.TIME_ZONE, s.LANGUAGE_CODE)"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _run_settings({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_defaults_are_sqlite_chinese_and_shanghai():
    result = _run_settings({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "Asia/Shanghai", "zh-hans"]


def test_database_url_selects_postgresql():
    result = _run_settings({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "SECRET_KEY": "k", "DEBUG": "false"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.postgresql"


def test_docker_compose_defines_web_db_and_redis():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "db", "redis"} <= set(services)
    assert "gunicorn" in " ".join(services["web"]["command"]) if isinstance(services["web"]["command"], list) else "gunicorn" in services["web"]["command"]
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    assert "SECRET_KEY" in env
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")


def _dockerfile_instructions():
    """(instruction, argument) pairs of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def test_dockerfile_builds_a_complete_non_root_image():
    steps = _dockerfile_instructions()
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    # The PDF's fonts and WeasyPrint's native libraries.
    for package in ["fonts-noto-cjk", "libharfbuzz-subset0", "libpango-1.0-0", "libpangoft2-1.0-0"]:
        assert package in runs
    # Everything the running site reads from BASE_DIR is in the image, and exists in the repo.
    copied = {name for op, arg in steps if op == "COPY" for name in arg.split()[:-1]}
    for source in ["pyproject.toml", "manage.py", "gunicorn.conf.py", "bulletin", "editorial", "templates", "static"]:
        assert source in copied
        assert (ROOT / source).exists()
    # Static files are hashed and compressed at build time, with DEBUG off (manifest storage).
    assert "DEBUG=false" in runs and "collectstatic --noinput" in runs
    # Runs unprivileged, with uploads and PDFs on a volume it owns.
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert any(op == "VOLUME" and "/data" in arg for op, arg in steps)
    assert "chown" in runs and "/data" in runs
    env = " ".join(arg for op, arg in steps if op == "ENV")
    assert "MEDIA_ROOT=/data/media" in env and "PRIVATE_ROOT=/data/private" in env
    assert any(op == "HEALTHCHECK" and "/healthz" in arg for op, arg in steps)
    cmd = next(arg for op, arg in steps if op == "CMD")
    assert "migrate" in cmd and "gunicorn" in cmd


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "db.sqlite3", "media/", "var/", "staticfiles/"} <= ignored


def test_compose_keeps_uploads_on_a_volume_and_does_not_write_into_the_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert any(volume.endswith(":/data") for volume in web["volumes"])
    assert web["environment"]["MEDIA_ROOT"].startswith("/data/")
    # The container user cannot write to /app: static files come from the image build.
    assert "collectstatic" not in web["command"]
    assert web["environment"]["DEBUG"] == "false"


def test_compose_runs_the_background_worker_on_the_same_database():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    worker, web = compose["services"]["worker"], compose["services"]["web"]
    assert "db_worker" in worker["command"] and "--no-reload" in worker["command"]
    assert worker["command"].index("start_ticking") < worker["command"].index("db_worker")
    assert worker["environment"]["DATABASE_URL"] == web["environment"]["DATABASE_URL"]
    assert "EMAIL_HOST" in worker["environment"] and "BULLETIN_SITE_URL" in worker["environment"]
    # Started once the web service has migrated the database (it answers /healthz then).
    assert worker["depends_on"]["web"]["condition"] == "service_healthy"


def test_bin_serve_starts_the_worker_beside_the_web_server():
    serve = (ROOT / "bin" / "serve").read_text()
    assert "manage.py db_worker" in serve and "runserver" in serve
    start = serve.index("manage.py start_ticking\n")
    assert start < serve.index("manage.py db_worker --no-reload") < serve.index("manage.py runserver")
