"""The shape docs/architecture.md draws, kept by the code: the apps' one-way arrows, a core
library that imports no app, one transition helper, modules a reader can hold in mind."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.clock_free  # reads source files only

ROOT = Path(__file__).resolve().parent.parent

# Each package and the packages it may import (its own modules aside). Lower layers never
# import higher ones; `naskah` (settings, URLs, ASGI) wires everything and `bench` reads
# everything, so they are left out of the rule.
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "organizations": {"core"},
    "workflows": {"core", "organizations"},
    "ops": {"core", "organizations", "workflows"},
    "accounts": {"core", "organizations", "workflows"},
    # notifications pushes for everyone and calls no app's services; it asks accounts' policy
    # whether a socket's user has passed the second factor.
    "notifications": {"core", "organizations", "accounts"},
    "archive": {"core", "organizations", "workflows", "notifications"},
    "scheduling": {"core", "organizations", "workflows", "notifications"},
    "correspondence": {
        "core",
        "organizations",
        "workflows",
        "accounts",
        "notifications",
        "archive",
        "scheduling",
    },
    "reports": {"core", "organizations", "workflows", "correspondence"},
    "intake": {
        "core",
        "organizations",
        "workflows",
        "accounts",
        "notifications",
        "archive",
        "correspondence",
    },
    # Letters between deployments: hears correspondence's signals, registers through its
    # services; correspondence knows nothing of it.
    "federation": {
        "core",
        "organizations",
        "workflows",
        "accounts",
        "notifications",
        "correspondence",
    },
    # Actions queued on a device while offline: applied through correspondence's services.
    "offline": {
        "core",
        "organizations",
        "workflows",
        "accounts",
        "notifications",
        "correspondence",
    },
}
PROJECT = set(MAY_IMPORT) | {"naskah", "bench", "tenants"}
# What counts as application code for the size rules: the apps, the project package and the
# benchmark data generators (bench's scripts are programs of their own, left out).
SIZED = [*MAY_IMPORT, "naskah", "bench/generators", "bench/management"]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
# A formatter-skip marker is allowed only where a table reads better hand-aligned, with a comment saying
# so on the line before; none is needed today.
FMT_SKIP_ALLOWED: set[str] = set()


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_imports_follow_the_arrows(package):
    # GIVEN the package's modules WHEN their imports of project packages are read
    wrong = {
        f"{path.relative_to(ROOT)} imports {other}"
        for path in _modules(package)
        for other in _imports(path) - MAY_IMPORT[package] - {package}
    }
    # THEN each points down the layers only
    assert not wrong, sorted(wrong)


def test_fsm_internals_are_not_touched():
    users = [
        str(path.relative_to(ROOT))
        for package in PROJECT
        for path in _modules(package)
        if "_django_fsm" in path.read_text()
    ]
    assert users == []


@pytest.mark.parametrize("package", SIZED)
def test_modules_stay_readable(package):
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules(package)
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


@pytest.mark.parametrize("package", SIZED)
def test_long_functions_say_why(package):
    # A function over the limit carries a docstring that says why it is long ("long because").
    unexplained = []
    for path in _modules(package):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno + 1
            doc = (ast.get_docstring(node) or "").lower()
            if length > MAX_FUNCTION_LINES and "long because" not in doc:
                unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {length}")
    assert not unexplained, unexplained


MARKER = "# fmt" + ": skip"  # spelt apart so this file does not count itself


def test_formatter_formats_everything():
    skipped = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if ".venv" not in path.parts
        and MARKER in path.read_text(errors="replace")
        and str(path.relative_to(ROOT)) not in FMT_SKIP_ALLOWED
    ]
    assert skipped == []


def test_url_patterns_live_in_url_modules():
    # Views are found through urls.py (and api/urls.py); a view module holds views only.
    misplaced = [
        str(path.relative_to(ROOT))
        for package in MAY_IMPORT
        for path in _modules(package)
        if path.name not in {"urls.py", "routing.py"}
        and any(
            isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "urlpatterns" for t in node.targets)
            for node in _tree(path).body
        )
    ]
    assert misplaced == []
