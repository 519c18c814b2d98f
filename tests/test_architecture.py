"""The core knows nothing of terminals and has no import cycle (read from the source with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

CLI = ROOT / "cli"
# Not core: the Typer layer, the entry point, rendering, and the modules that print or write
# output (the catalogue tables, explain's printer, the batch writer), and the public API
# (its results turn themselves into plain data through render.data).
NOT_CORE = {"app", "__main__", "catalogue", "explain", "batch", "api"}
FORBIDDEN = ("typer", "rich", "render")


def _imports(path: Path, root: Path) -> set[str]:
    """Every module a file imports (at any depth, functions included), as dotted names
    relative to the package for its own modules (`engine`, `render.data`) or absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(root).with_suffix("").parts[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                out.add(node.module)
                continue
            base = list(here[: len(here) - (node.level - 1)])
            if node.module:
                out.add(".".join([*base, *node.module.split(".")]))
            else:  # from . import x
                out.update(".".join([*base, alias.name]) for alias in node.names)
    return out


def core_modules(root: Path = CLI) -> dict[str, set[str]]:
    """The core modules and, for each, the package modules it imports."""
    names = {p.stem for p in root.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in sorted(root.glob("*.py")):
        if path.stem in NOT_CORE or path.stem == "__init__":
            continue
        graph[path.stem] = _imports(path, root)
    for name, deps in graph.items():
        graph[name] = {d for d in deps if d.split(".")[0] in names | {"render"}} | {
            d for d in deps if d.split(".")[0] in FORBIDDEN
        }
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle among the graph's nodes, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_core_imports_neither_typer_rich_nor_render():
    graph = core_modules()
    assert {"engine", "ceilings", "stacking", "results", "model", "loader", "formulas"} <= set(graph)
    bad = {name: sorted(d for d in deps if d.split(".")[0] in FORBIDDEN)
           for name, deps in graph.items()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_core_has_no_import_cycle():
    assert find_cycle(core_modules()) is None


def test_the_checks_can_fail(tmp_path):
    # A made-up package where a imports b (inside a function) and b imports a, and c imports
    # rich: both checks must see it.
    (tmp_path / "a.py").write_text("def f():\n    from .b import g\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from . import a\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("import rich.console\nfrom .render.data import x\n",
                                   encoding="utf-8")
    graph = core_modules(tmp_path)
    assert find_cycle(graph) in (["a", "b", "a"], ["b", "a", "b"])
    assert {"rich.console", "render.data"} <= graph["c"]


@pytest.mark.parametrize("name", ["engine", "ceilings", "stacking"])
def test_result_types_come_from_results(name):
    deps = core_modules()[name]
    assert "results" in deps
    assert not ({"engine", "ceilings", "stacking"} - {name}) & deps or name == "engine"
