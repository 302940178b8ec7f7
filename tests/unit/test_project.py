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
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='bulletin.settings'; django.setup(); "
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
