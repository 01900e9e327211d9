"""The pure packages stay easy to read: short modules, short functions, and imports that never come back."""

from __future__ import annotations

import ast

import pytest

from tests.paths import PROJECT_ROOT

PACKAGES = ("framework", "surveys")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

MODULES = {
    ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__"): path
    for package in PACKAGES
    for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
}


def imports_of(module: str) -> set[str]:
    """The modules of these packages that `module` imports anywhere: at the top, in a function, for typing."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from its package, or a package above it
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, base] if base else parents)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # a submodule, when it is one
    return found & MODULES.keys() - {module}


def cycle_from(start: str) -> list[str] | None:
    """A chain of imports from `start` that leads back to it, if there is one."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        module, chain = stack.pop()
        for imported in imports_of(module):
            if imported == start:
                return [*chain, start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*chain, imported]))
    return None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_has_at_most_400_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module} has {lines} lines"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_function_has_at_most_60_lines(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{module}: {', '.join(long)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_imported_back_by_what_it_imports(module: str) -> None:
    cycle = cycle_from(module)
    assert cycle is None, " imports ".join(cycle)


def test_the_import_scan_sees_a_lazy_import_inside_a_function() -> None:
    assert "framework.charts.rainbow_drawing" in imports_of("framework.charts.rainbow")


def test_the_import_scan_sees_an_import_from_a_package_of_its_module() -> None:
    assert "framework.charts.rainbow_chart" in imports_of("framework.charts.rainbow_drawing")
