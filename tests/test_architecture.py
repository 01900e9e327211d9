"""The layers point one way: the framework and the questionnaires never import the web service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

PURE_PACKAGES = ["framework", "surveys"]
FORBIDDEN = ("app", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "jinja2")


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
                assert (PROJECT_ROOT / "templates" / node.value).is_file(), f"{path.name} names {node.value}"
