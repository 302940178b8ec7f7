"""`manage.py check --deploy` with the production settings README documents (the `export` block
under "## Production", read from the README itself) gives no warning (issue #10, "Done when")."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented_production_env(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    export = re.search(r"^export (.*?)(?<!\\)$", block.replace("\\\n", " "), re.M).group(1)
    variables = dict(token.split("=", 1) for token in shlex.split(export))
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= set(variables)
    # The placeholders, filled in as an operator would.
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    variables["DATABASE_URL"] = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    assert "..." not in "".join(variables.values())
    return variables


def test_check_deploy_gives_no_warning_with_the_documented_production_settings(tmp_path):
    variables = documented_production_env(tmp_path)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "BULLETIN_", "DJANGO_"))
           and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}}
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_without_them_check_deploy_does_warn(tmp_path):
    """The test above would notice: the same run without the HTTPS settings warns."""
    variables = documented_production_env(tmp_path)
    for name in ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS"]:
        variables.pop(name, None)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SECURE_")}
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )
    assert "security.W004" in result.stdout + result.stderr
