"""The guard rails of the layout (README, "Where things live"): dependencies point one way, no import cycles,
modules and functions stay a readable size, routes leave the database to the store, and every route module
has a test module.

Imports are read from the source (`ast`), every one of them: at the top, inside functions (loaded late) and
under ``TYPE_CHECKING``, since each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.paths import PROJECT_ROOT

PACKAGES = ("app", "framework", "surveys")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
#: A comment that lets a module or function be longer, with the reason after the colon.
LONG_MODULE = "# long-module:"
LONG_FUNCTION = "# long-function:"
HEAVY_LIBRARIES = ("matplotlib", "numpy", "openpyxl", "weasyprint", "authlib", "joserfc")
DATABASE_CALLS = {"execute", "scalar", "scalars", "exec", "add", "add_all", "merge", "flush", "commit", "get"}


def source_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, by its full name (``from a import b`` gives a and a.b)."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


@cache
def dependency_graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports."""
    modules = {module_name(path): path for path in source_files()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for imported in imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(f"{imported}."):
                found.add(imported)  # a package's __init__ is not a dependency of its own modules
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def modules_under(prefix: str) -> list[Path]:
    return [path for path in source_files() if module_name(path).startswith(prefix)]


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    assert cycles(dependency_graph()) == []


@pytest.mark.parametrize("package", ["framework", "surveys"])
def test_the_domain_never_imports_the_service_or_the_web(package: str) -> None:
    forbidden = ("app", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "jinja2")
    for path in modules_under(package):
        for imported in imports(path):
            assert imported.split(".")[0] not in forbidden, f"{module_name(path)} imports {imported}"


@pytest.mark.parametrize("layer", ["app.store", "app.services", "app.db", "app.schemas"])
def test_layers_under_the_routes_never_import_fastapi_or_the_web_layer(layer: str) -> None:
    for path in modules_under(layer):
        for imported in imports(path):
            assert not imported.startswith(("fastapi", "starlette", "app.web", "app.routes")), (
                f"{module_name(path)} imports {imported}"
            )


def test_the_store_never_imports_the_services() -> None:
    for path in modules_under("app.store"):
        for imported in imports(path):
            assert not imported.startswith("app.services"), f"{module_name(path)} imports {imported}"


def test_leaf_modules_import_nothing_of_the_app_but_other_leaves() -> None:
    leaves = {"app.errors": set(), "app.choices": set(), "app.identity": {"app.choices"}}
    for name, allowed in leaves.items():
        assert dependency_graph()[name] <= allowed, name


def test_routes_leave_the_database_to_the_store() -> None:
    """No route builds a query or calls the session: they ask the store or a service."""
    for path in modules_under("app.routes"):
        for imported in imports(path):
            assert (
                not imported.startswith(("sqlalchemy", "sqlmodel.sql", "app.db.tables"))
                or imported
                in {
                    "app.db.tables",  # as a type in a page's context only: checked by the calls below
                    "sqlalchemy.Engine",
                }
                or imported.startswith("app.db.tables.")
            ), f"{module_name(path)} imports {imported}"
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
                if isinstance(receiver, ast.Name) and receiver.id == "db":
                    assert node.func.attr not in DATABASE_CALLS, (
                        f"{module_name(path)} calls db.{node.func.attr}"
                    )


def test_modules_are_at_most_400_lines_unless_a_comment_says_why() -> None:
    long = [
        f"{module_name(path)}: {lines} lines"
        for path in source_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and LONG_MODULE not in path.read_text(encoding="utf-8")
    ]
    assert long == []


def test_functions_are_at_most_60_lines_unless_a_comment_says_why() -> None:
    long = []
    for path in source_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES and not lines[
                    start - 2
                ].strip().startswith(LONG_FUNCTION):
                    long.append(f"{module_name(path)}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert long == []


def test_every_route_module_has_its_test_module() -> None:
    """app/routes/api/X.py is tested in tests/app/routes/api/test_X.py (likewise pages)."""
    missing = [
        str(expected.relative_to(PROJECT_ROOT))
        for path in modules_under("app.routes")
        if path.name != "__init__.py"
        and not (
            expected := PROJECT_ROOT / "tests" / path.relative_to(PROJECT_ROOT).parent / f"test_{path.name}"
        ).is_file()
    ]
    assert missing == []


def test_every_template_a_route_names_exists() -> None:
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        for node in ast.walk(tree(path)):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.endswith(".html")
            ):
                assert (PROJECT_ROOT / "app" / "templates" / node.value).is_file(), (
                    f"{path.name} names {node.value}"
                )


def test_every_package_says_what_belongs_in_it() -> None:
    for path in source_files():
        if path.name == "__init__.py":
            assert ast.get_docstring(tree(path)), f"{module_name(path)} has no docstring"


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
    """matplotlib, weasyprint and openpyxl take most of a second to import, numpy a tenth: the first chart,
    comparison or download loads them, so a restarted server answers a room of tablets sooner."""
    loaded = probe("import sys, app.main; print(sorted(HEAVY & {m.split('.')[0] for m in sys.modules}))")
    assert loaded == "[]"
