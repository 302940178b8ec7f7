"""The layout's rules that import-linter cannot see (README, "Layout").

- A cross-app import inside a function is allowed only to break a real import cycle, and says so
  in a comment on its line or the line above; otherwise it hides a dependency.
- Every setting the code reads is declared in config/settings.py (or is Django's own), and every
  variable read from the environment is in the README's configuration table.
"""

import ast
import re
from pathlib import Path

import django.conf.global_settings

ROOT = Path(__file__).resolve().parents[2]
APPS = ["config", "desk", "reader", "office", "bulletin", "editorial", "common"]


def _sources(*, server_config=True):
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path
    if server_config:
        # gunicorn's own file, read before Django is set up: it reaches the app from its hooks.
        yield "config", ROOT / "gunicorn.conf.py"


def _function_local_imports(tree):
    """(line, module) of every import statement nested in a function body."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if in_function and isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.lineno, child.module))
            elif in_function and isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            visit(child, inside)

    visit(tree, False)
    return found


def test_function_local_cross_app_imports_say_which_cycle_they_break():
    unexplained = []
    for app, path in _sources(server_config=False):
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, module in _function_local_imports(ast.parse("\n".join(lines))):
            target = module.split(".")[0]
            if target not in APPS or target == app:
                continue
            said = " ".join(lines[max(0, lineno - 2):lineno]).lower()
            if "cycle" not in said:
                unexplained.append(f"{path.relative_to(ROOT)}:{lineno} imports {module}")
    assert unexplained == [], "move these to the top of the module, or say which cycle they break"


def _code():
    return "\n".join(path.read_text(encoding="utf-8") for _app, path in _sources())


def test_every_setting_read_in_code_is_declared_in_settings():
    declared = set(re.findall(r"^\s*([A-Z][A-Z0-9_]+)\s*[:=]", (ROOT / "config/settings.py").read_text(), re.M))
    django_own = {name for name in dir(django.conf.global_settings) if name.isupper()}
    read = set(re.findall(r"settings\.([A-Z][A-Z0-9_]+)", _code()))
    read |= set(re.findall(r"getattr\(\s*settings,\s*[\"']([A-Z][A-Z0-9_]+)", _code()))
    assert read, "the scan found no settings: the pattern is wrong"
    assert sorted(read - declared - django_own) == []


def test_every_environment_variable_read_is_in_the_readme_table():
    table = "\n".join(
        line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("| ")
    )
    code = _code()
    names = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", code))
    names |= set(re.findall(r"environ(?:\.get)?[\[(]\s*\"([A-Z][A-Z0-9_]+)\"", code))
    assert len(names) > 30, "the scan found too few variables: the pattern is wrong"
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert missing == []
