"""The layers of the design: imports point down only, and no two modules import each other.

Every import statement counts, also those inside functions or under ``TYPE_CHECKING``:
a lazy import that dodges a cycle is still a cycle in the design.

    indexer  <-  matcher  <-  api, eval  <-  cmatch
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What each layer may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "indexer": set(),
    "matcher": {"indexer"},
    "api": {"matcher", "indexer"},
    "eval": {"matcher", "indexer"},
    "cmatch": {"api", "eval", "matcher", "indexer"},
}


def _modules(root: Path) -> dict[str, Path]:
    mods = {}
    for layer in ALLOWED:
        for path in (root / layer).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = path
    return mods


def _targets(mod: str, path: Path, node: ast.AST, mods: dict[str, Path]) -> list[str]:
    """Project modules an import statement refers to (``from pkg import submodule`` included)."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join(parts + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
    out = []
    for name in names:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        if name and name != mod:
            out.append(name)
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    mods = _modules(root)
    graph: dict[str, set[str]] = defaultdict(set)
    for mod, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[mod].update(_targets(mod, path, node, mods))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} -> {t}" for m, ts in graph.items() for t in ts
                  if t.split(".")[0] != m.split(".")[0] and t.split(".")[0] not in ALLOWED[m.split(".")[0]])


def test_imports_point_down_the_layers():
    upward = upward_imports(import_graph())
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_cycle_finder(graph, expected):
    assert cycles(graph) == expected


def test_graph_sees_every_kind_of_import(tmp_path):
    files = {
        "indexer/__init__.py": "",
        "indexer/store.py": "def f():\n    from matcher.search import ranking\n",
        "indexer/util.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import store\n",
        "matcher/__init__.py": "",
        "matcher/search/__init__.py": "",
        "matcher/search/ranking.py": "import indexer.util\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["indexer.store"] == {"matcher.search.ranking"}       # inside a function
    assert graph["indexer.util"] == {"indexer.store"}                 # relative, under TYPE_CHECKING
    assert upward_imports(graph) == ["indexer.store -> matcher.search.ranking"]
    assert cycles(graph) == [["indexer.store", "indexer.util", "matcher.search.ranking"]]
