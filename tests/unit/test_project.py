"""Project-level promises: settings from the environment, a valid docker-compose file."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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
    # Started once the one-shot migrate service has migrated the database.
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_bin_serve_shows_the_demo_with_debug_off_unless_asked():
    """The demo is what the office evaluates: Chinese error pages, not Django's debug pages."""
    serve = (ROOT / "bin" / "serve").read_text()
    assert 'export DEBUG="${DEBUG:-false}"' in serve
    setup = serve.index('export DEBUG="${DEBUG:-false}"')
    assert setup < serve.index("manage.py collectstatic") < serve.index("manage.py runserver")
    assert "SESSION_COOKIE_SECURE" in serve and "var/demo-secret-key" in serve


def test_bin_serve_starts_the_worker_beside_the_web_server():
    serve = (ROOT / "bin" / "serve").read_text()
    assert "manage.py db_worker" in serve and "runserver" in serve
    start = serve.index("manage.py start_ticking\n")
    assert start < serve.index("manage.py db_worker --no-reload") < serve.index("manage.py runserver")


# docker-compose.yml checked statically (no Docker engine here): Debian's docker-compose 1.29
# (installed by `bin/setup --dev`) validates the file against the Compose Specification's schema
# and resolves it (anchors merged, .env interpolated) without an engine; the checks read that.

def _compose_config(tmp_path, env_text=None):
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is missing: run bin/setup --dev (installs Debian's docker-compose)"
    if env_text is None:
        # .env.example as an operator fills it in: the two required secrets set.
        env_text = re.sub(r"(?m)^(SECRET_KEY|MINIO_ROOT_PASSWORD)=$", r"\1=filled-in-secret",
                          (ROOT / ".env.example").read_text())
    env_file = tmp_path / "compose.env"
    env_file.write_text(env_text)
    return subprocess.run(
        [binary, "--env-file", str(env_file), "-f", "docker-compose.yml", "config"], cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def compose(tmp_path_factory):
    done = _compose_config(tmp_path_factory.mktemp("compose"))
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def _command(service) -> str:
    """A service's command as one line, whether written as a list or a (folded) string."""
    command = service["command"]
    return " ".join(command if isinstance(command, list) else command.split())


def _volumes(service) -> list[str]:
    """`source:target:mode` of each volume, as `docker-compose config` prints them."""
    return [volume if isinstance(volume, str) else
            f"{volume['source']}:{volume['target']}:{'ro' if volume.get('read_only') else 'rw'}"
            for volume in service.get("volumes", [])]


def _nginx_conf():
    return re.sub(r"(?m)#.*$", "", (ROOT / "deploy" / "nginx.conf").read_text())


def test_compose_file_is_valid_and_refuses_to_start_without_its_secrets(tmp_path):
    assert _compose_config(tmp_path).returncode == 0
    done = _compose_config(tmp_path, env_text="MINIO_ROOT_PASSWORD=filled-in-secret\n")
    assert done.returncode != 0 and "set SECRET_KEY" in done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text((ROOT / "docker-compose.yml").read_text().replace("    healthcheck:\n", "    healthcheck_:\n", 1))
    done = subprocess.run([shutil.which("docker-compose"), "-f", str(broken), "config", "-q"], cwd=ROOT,
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SECRET_KEY": "s",
                               "MINIO_ROOT_PASSWORD": "m"}, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "healthcheck_" in done.stderr, "the validator does read the schema"


def test_compose_runs_two_web_replicas_behind_nginx(compose):
    services = compose["services"]
    web, nginx = services["web"], services["nginx"]
    assert web["deploy"]["replicas"] == 2
    # gunicorn listens on the container's network (nginx is another container), never published.
    assert web["command"] == ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
    assert "ports" not in web
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert set(published) == {"nginx", "minio"}, "the site only through nginx (and MinIO for presigned URLs)"
    assert [(port["published"], port["target"]) for port in published["nginx"]] == [(80, 80)]
    assert f"{ROOT / 'deploy' / 'nginx.conf'}:/etc/nginx/conf.d/default.conf:ro" in _volumes(nginx)
    # nginx balances over every replica by the service's DNS name, followed as replicas come and go:
    # `resolve` needs nginx 1.27.3 or later.
    conf = _nginx_conf()
    upstream = re.search(r"upstream bulletin_app \{(.*?)\}", conf, re.S).group(1)
    assert re.findall(r"^\s*server\s+(.*?);", upstream, re.M) == ["web:8000 resolve"]
    assert re.search(r"^\s*zone bulletin_app ", upstream, re.M)
    assert re.search(r"^resolver 127\.0\.0\.11 valid=\d+s", conf, re.M), "Docker's DNS, looked up again"
    version = tuple(int(part) for part in re.match(r"nginx:(\d+)\.(\d+)", nginx["image"]).groups())
    assert version >= (1, 28)
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"
    # A request a node cannot take is passed on to the next node.
    assert re.search(r"^\s*proxy_next_upstream error timeout;", conf, re.M)
    assert re.search(r"^\s*proxy_pass http://bulletin_app;", conf, re.M)


def test_compose_trusts_forwarded_headers_only_from_nginxs_network(compose):
    services = compose["services"]
    subnet = compose["networks"]["front"]["ipam"]["config"][0]["subnet"]
    assert subnet == "172.30.80.0/24"
    on_front = {name for name, service in services.items() if "front" in service.get("networks", {})}
    assert on_front == {"nginx", "web"}, "nothing else may send requests from the trusted subnet"
    assert set(services["nginx"]["networks"]) == {"front"}
    web = services["web"]["environment"]
    assert web["BULLETIN_TRUSTED_PROXIES"] == subnet and web["FORWARDED_ALLOW_IPS"] == subnet
    conf = _nginx_conf()
    for header in ("Host $host", "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in conf, header
    assert "localhost" in web["ALLOWED_HOSTS"].split(",")


def test_every_compose_service_has_a_health_check_or_is_a_one_shot_others_wait_for(compose):
    services = compose["services"]
    one_shots = {name for name, service in services.items() if service.get("restart") == "no"}
    assert one_shots == {"migrate", "minio-init"}
    for name, service in services.items():
        if name in one_shots:
            # Done when it exits: the services after it wait for its success.
            assert any(other.get("depends_on", {}).get(name, {}).get("condition") == "service_completed_successfully"
                       for other in services.values()), name
            continue
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert service.get("restart") == "unless-stopped", name
    assert services["web"]["healthcheck"]["test"][-1].endswith("/healthz")
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "-m", "config.workercheck"]
    # nginx's own check: a location nginx answers itself, from the container only.
    assert services["nginx"]["healthcheck"]["test"][-1] == "http://127.0.0.1/nginx-health"
    location = re.search(r"location = /nginx-health \{(.*?)\}", _nginx_conf(), re.S).group(1)
    assert "allow 127.0.0.1;" in location and "deny all;" in location and "return 200" in location


def test_compose_migrates_once_and_the_worker_runs_db_worker(compose):
    services = compose["services"]
    migrate, web, worker = services["migrate"], services["web"], services["worker"]
    # Once per `up`, before any replica or worker starts: two replicas migrating at once would race.
    assert "python manage.py migrate --noinput" in _command(migrate)
    assert "migrate" not in _command(web) and "migrate" not in _command(worker)
    assert "cp -R /app/staticfiles/. /data/static/" in _command(migrate)
    assert "write_public_pages --reset --queue" in _command(migrate)
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "exec python manage.py db_worker --no-reload" in _command(worker)
    # Every Bulletin container runs with the same settings (database, cache, bucket, pages, key).
    shared = {key: value for key, value in web["environment"].items()
              if key not in ("WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS")}
    for service in (migrate, worker):
        assert service["environment"] == shared
    assert shared["SECRET_KEY"] == "filled-in-secret"
    assert shared["DATABASE_URL"] == "postgres://bulletin:bulletin@db:5432/bulletin"
    assert shared["REDIS_URL"] == "redis://redis:6379/0"


def test_nginx_limits_bodies_and_has_the_internal_locations_the_app_expects(compose):
    from django.conf import settings

    conf = _nginx_conf()
    limit = re.search(r"client_max_body_size (\d+)m;", conf)
    assert int(limit.group(1)) * 1024 * 1024 == settings.BULLETIN_MAX_REQUEST_BYTES
    services = compose["services"]
    env = services["web"]["environment"]
    assert env["BULLETIN_MEDIA_ACCEL"] == "true"
    # X-Accel-Redirect's targets: `internal` locations aliasing MEDIA_ROOT (checked images) and
    # PRIVATE_ROOT's pdf/ (an internal issue's PDF) as the containers see them.
    for prefix, folder in ((settings.BULLETIN_MEDIA_ACCEL_PREFIX, env["MEDIA_ROOT"]),
                           (settings.BULLETIN_PDF_ACCEL_PREFIX, env["PRIVATE_ROOT"] + "/pdf")):
        block = re.search(r"location \^~ " + re.escape(prefix) + r" \{(.*?)\}", conf, re.S).group(1)
        assert re.search(r"^\s*internal;", block, re.M), prefix
        assert f"alias {folder.rstrip('/')}/;" in block, prefix
    # Nothing else of PRIVATE_ROOT (staged imports, fonts) is aliased anywhere, nor MEDIA_ROOT
    # outside its internal location; static files and public pages come from the shared volume.
    assert conf.count(env["PRIVATE_ROOT"]) == 1 and conf.count(env["MEDIA_ROOT"]) == 1
    assert "alias /data/static/;" in conf and f"root {env['PUBLIC_PAGES_ROOT']}$" in conf
    assert _volumes(services["web"]) == ["media:/data:rw"]
    assert "media:/data:ro" in _volumes(services["nginx"]), "nginx reads the shared volume, never writes it"
