"""The layout stays readable: no import cycles among the project's modules, no module over
400 lines."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIRS = [
    ROOT / "lambdas" / "training_refresh",
    ROOT / "src" / "ims_refresh",
    ROOT / "stacks",
    ROOT / "bench",
]
MAX_LINES = 400


def _python_files() -> list[Path]:
    files = [path for folder in PROJECT_DIRS for path in sorted(folder.rglob("*.py"))]
    return [*files, ROOT / "app.py"]


def _module_name(path: Path) -> str:
    for base in (ROOT / "lambdas", ROOT / "src", ROOT):
        if path.is_relative_to(base):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join(parts)
    raise AssertionError(path)


def _imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Every module named by an import anywhere in the file (functions included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}".strip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _import_graph() -> dict[str, set[str]]:
    files = {_module_name(path): path for path in _python_files()}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text("utf-8"))
        named = _imports(tree, module, path.name == "__init__.py")
        graph[module] = {name for name in named if name in files and name != module}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        return list(error.args[1])
    return None


def test_the_import_graph_is_seen() -> None:
    # Given the graph, Then it knows the modules and edges this test is about
    graph = _import_graph()
    assert "training_refresh.gold_load.plan" in graph["training_refresh.handlers.gold_load"]
    assert "ims_refresh.run_report" in graph["ims_refresh.local_execution"]
    assert "training_refresh.registry" in graph["stacks.workflows"]
    assert "bench.limit" in graph["bench.gold_load_phase"]


def test_a_cycle_would_be_found() -> None:
    cycle = _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert cycle is not None
    assert set(cycle) == {"a", "b", "c"}
    assert _cycle({"a": {"b"}, "b": set(), "d": {"a", "b"}}) is None


def test_no_import_cycles_among_the_projects_modules() -> None:
    assert _cycle(_import_graph()) is None


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_longer_than_400_lines(path: Path) -> None:
    lines = len(path.read_text("utf-8").splitlines())
    name = str(path.relative_to(ROOT))
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it"
