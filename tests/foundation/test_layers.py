"""The layer contract (pyproject [tool.importlinter], README "Architecture") holds, no module
dodges it with an import inside a function, and every task enqueued by name exists."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["helpdesk", "accounts", "notifications", "tickets", "escalation", "live", "bookings", "desk", "reports"]
ENQUEUERS = {"enqueue", "enqueue_on_commit", "enqueue_coalesced_on_commit", "enqueue_batched_on_commit",
             "task_named"}


def _product_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def _function_level_project_imports(tree: ast.Module) -> list[tuple[int, str, str]]:
    found = []

    def visit(node, function: str | None):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if function is not None and isinstance(child, ast.Import | ast.ImportFrom):
                if isinstance(child, ast.ImportFrom):
                    module = "." * child.level + (child.module or "")
                    if child.level or module.split(".")[0] in APPS:
                        found.append((child.lineno, function, module))
                else:
                    found.extend((child.lineno, function, a.name) for a in child.names
                                 if a.name.split(".")[0] in APPS)
            visit(child, function)

    visit(tree, None)
    return found


def test_no_import_inside_a_function_except_app_loading():
    """Django's AppConfig.ready() is where an app registers its listeners once models are loaded;
    every other import of a project module is at the top of its module."""
    offenders = []
    for path, tree in _product_modules():
        for line, function, module in _function_level_project_imports(tree):
            if path.name == "apps.py" and function == "ready":
                continue
            offenders.append(f"{path.relative_to(ROOT)}:{line} {function}() imports {module}")
    assert offenders == []


def test_app_loading_imports_say_why():
    for path in sorted(ROOT.glob("*/apps.py")):
        source = path.read_text()
        if "def ready" in source:
            assert "Django app loading" in source, path


def _enqueued_names() -> list[tuple[str, str]]:
    names = []
    for path, tree in _product_modules():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
                    and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in ENQUEUERS
                    and node.args and isinstance(node.args[0], ast.Constant)):
                names.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0].value))
    return names


def test_tasks_are_enqueued_by_names_that_exist():
    from helpdesk.queue import task_named

    names = _enqueued_names()
    assert len(names) >= 6  # outbox (3), sweep, live (2), bookings import
    for where, name in names:
        try:
            task_named(name)
        except KeyError:
            pytest.fail(f"{where}: no task named {name!r}")


def test_beat_schedule_names_registered_tasks(settings):
    from helpdesk.queue import task_named

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        task_named(entry["task"])


# Modules of the apps stay small enough to read in one sitting (STYLE.md); the settings are one
# module by Django's convention, sectioned by app.
MAX_MODULE_LINES = 400
LONG_MODULES_LEFT = {"helpdesk/settings.py"}


def test_modules_stay_under_the_line_limit():
    long = set()
    for path, _tree in _product_modules():
        relative = path.relative_to(ROOT).as_posix()
        if sum(1 for _ in path.open(encoding="utf-8")) > MAX_MODULE_LINES:
            long.add(relative)
    assert not long - LONG_MODULES_LEFT, sorted(long - LONG_MODULES_LEFT)
    assert not LONG_MODULES_LEFT - long, ("short now: take them off LONG_MODULES_LEFT", sorted(LONG_MODULES_LEFT - long))
