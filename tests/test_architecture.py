"""The layers point one way: the framework and the questionnaires never import the web service."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import PROJECT_ROOT

PURE_PACKAGES = ["framework", "surveys"]
FORBIDDEN = ("app", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "jinja2")
HEAVY_LIBRARIES = ("matplotlib", "numpy", "openpyxl", "reportlab")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_do_not_import_the_service(package: str) -> None:
    for path in (PROJECT_ROOT / package).rglob("*.py"):
        for module in imported_modules(path):
            assert module.split(".")[0] not in FORBIDDEN, f"{path.relative_to(PROJECT_ROOT)} imports {module}"


def test_every_template_a_route_names_exists() -> None:
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.endswith(".html")
            ):
                assert (PROJECT_ROOT / "app" / "templates" / node.value).is_file(), (
                    f"{path.name} names {node.value}"
                )


def probe(code: str) -> str:
    """What `code` prints in a fresh interpreter, where HEAVY stands for the set of heavy library names."""
    done = subprocess.run(
        [sys.executable, "-c", code.replace("HEAVY", repr(set(HEAVY_LIBRARIES)))],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_starting_the_service_does_not_wait_for_the_chart_and_export_libraries() -> None:
    """matplotlib, reportlab and openpyxl take most of a second to import, numpy a tenth: the first chart,
    comparison or download loads them, so a restarted server answers a room of tablets sooner."""
    loaded = probe("import sys, app.main; print(sorted(HEAVY & {m.split('.')[0] for m in sys.modules}))")
    assert loaded == "[]"
