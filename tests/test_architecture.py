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
NOT_CORE = {
    "app",
    "options",
    "batchrun",
    "answers",
    "commands",
    "entry",
    "__main__",
    "catalogue",
    "batch",
    "api",
    "interview",
}
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
    assert {"engine", "ceilings", "stacking", "results", "model", "loader", "formulas"} <= set(
        graph
    )
    bad = {
        name: sorted(d for d in deps if d.split(".")[0] in FORBIDDEN)
        for name, deps in graph.items()
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_core_has_no_import_cycle():
    assert find_cycle(core_modules()) is None


def test_the_checks_can_fail(tmp_path):
    # A made-up package where a imports b (inside a function) and b imports a, and c imports
    # rich: both checks must see it.
    (tmp_path / "a.py").write_text("def f():\n    from .b import g\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from . import a\n", encoding="utf-8")
    (tmp_path / "c.py").write_text(
        "import rich.console\nfrom .render.data import x\n", encoding="utf-8"
    )
    graph = core_modules(tmp_path)
    assert find_cycle(graph) in (["a", "b", "a"], ["b", "a", "b"])
    assert {"rich.console", "render.data"} <= graph["c"]


@pytest.mark.parametrize("name", ["engine", "ceilings", "stacking"])
def test_result_types_come_from_results(name):
    deps = core_modules()[name]
    assert "results" in deps
    assert not ({"engine", "ceilings", "stacking"} - {name}) & deps or name == "engine"


# ------------------------------------------------------------------ the whole package

# Layers, lowest first: a module may import its own layer and those below, never one above.
# Imports inside functions count (they run too); imports under `if TYPE_CHECKING:` do not.
LAYERS: list[tuple[str, set[str]]] = [
    ("base", {"errors", "records", "lines", "money", "bundled", "formats", "output", "cache",
              "schema", "yamlsafe", "seen"}),
    ("model", {"formulas", "model", "wording"}),
    ("reading", {"loader", "rulesets", "profile", "template"}),
    ("computing", {"results", "stacking", "ceilings", "engine", "opportunities"}),
    ("rendering", {"render"}),  # every module of render/
    ("services", {"catalogue", "scenarios", "interview", "batch", "workbook", "_parallel"}),
    ("api", {"api"}),
    ("commands", {"options", "batchrun", "answers", "commands", "app", "entry", "__main__"}),
]


def _imports_in(tree: ast.AST, here: tuple[str, ...]) -> set[str]:
    """What a module imports, each name as `module.name` (a name that is no module is trimmed
    to its module by the caller), relative imports resolved from `here`."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                base = node.module.split(".")
            else:
                base = list(here[: len(here) - (node.level - 1)])
                base += node.module.split(".") if node.module else []
            out.update(".".join([*base, alias.name]) for alias in node.names)
    return out


def package_graph(root: Path = CLI) -> dict[str, set[str]]:
    """Every module of the package (`engine`, `render.table`) and the package modules it
    imports at run time."""
    modules = {
        ".".join(p.relative_to(root).with_suffix("").parts): p
        for p in sorted(root.rglob("*.py"))
        if p.name != "__init__.py"
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = [ast.Pass()]
        here = path.relative_to(root).with_suffix("").parts[:-1]
        found = set()
        for target in _imports_in(tree, here):
            while target and target not in modules:  # `from .x import name` -> x
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in graph:
                continue
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for number, (_, members) in enumerate(LAYERS):
        if top in members:
            return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def test_every_module_has_a_layer():
    for module in package_graph():
        layer_of(module)


def test_the_package_has_no_import_cycle():
    assert cycles(package_graph()) == []


def test_no_module_imports_one_above_its_layer():
    graph = package_graph()
    upward = {
        (module, dep)
        for module, deps in graph.items()
        for dep in deps
        if layer_of(dep) > layer_of(module)
    }
    assert upward == set()


def test_the_package_checks_can_fail(tmp_path):
    (tmp_path / "render").mkdir()
    (tmp_path / "engine.py").write_text(
        "def f():\n    from .render.table import x\n", encoding="utf-8"
    )
    (tmp_path / "render" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "render" / "table.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..model import M\n"
        "from ..engine import f\n",
        encoding="utf-8",
    )
    (tmp_path / "model.py").write_text("from .render import table\n", encoding="utf-8")
    graph = package_graph(tmp_path)
    assert graph == {
        "engine": {"render.table"},
        "model": {"render.table"},
        "render.table": {"engine"},
    }
    assert cycles(graph) == [{"engine", "render.table"}]
    assert layer_of("engine") < layer_of("render.table")


def test_rendering_never_runs_the_engine():
    # Views carry what the command computed; render/ reads results, it never computes them.
    computing = {"engine", "stacking", "ceilings", "opportunities", "api", "_parallel"}
    graph = package_graph()
    found = {
        (module, dep)
        for module, deps in graph.items()
        if module.startswith("render.")
        for dep in deps
        if dep in computing
    }
    assert found == set()


def test_the_command_layer_stays_thin():
    # app.py declares the commands and their options; what they do lives beside it.
    assert len((CLI / "app.py").read_text(encoding="utf-8").splitlines()) < 900
