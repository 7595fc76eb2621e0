"""The layout of ``src/lazyray`` (docs/architecture.md), checked by tools we
did not write: import-linter's contracts from ``pyproject.toml`` (layers
import only downwards; no cycle between sibling modules or packages) and
grimp's import graph (no cycle between any two modules, the package root and
imports inside functions included).  Also: no module over 500 lines."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "lazyray"
MAX_LINES = 500

grimp = pytest.importorskip("grimp")


def _cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's
    algorithm, iteratively)."""
    modules = sorted(graph.modules)
    known = set(modules)
    adj = {m: sorted(set(graph.find_modules_directly_imported_by(m)) & known) for m in modules}
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    found = []
    for root in modules:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(adj[root]))]
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(adj[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
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
    return found


def test_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"p", "p.a", "p.b", "p.c"}
        edges = {"p": {"p.a"}, "p.a": {"p.b"}, "p.b": {"p.a", "p.c"}, "p.c": set()}

        def find_modules_directly_imported_by(self, m):
            return self.edges[m]

    assert _cycles(Graph()) == [["p.a", "p.b"]]


def test_no_import_cycle_between_any_two_modules():
    graph = grimp.build_graph("lazyray")  # imports inside functions count
    assert len(graph.modules) > 50
    cycles = _cycles(graph)
    details = []
    for comp in cycles:
        members = set(comp)
        for m in comp:
            for w in sorted(set(graph.find_modules_directly_imported_by(m)) & members):
                lines = [d["line_number"] for d in graph.get_import_details(importer=m, imported=w)]
                details.append(f"{m} -> {w} (line {lines})")
    assert not cycles, "import cycles:\n" + "\n".join(details)


def test_import_linter_contracts_are_kept():
    pytest.importorskip("importlinter")
    from importlinter import cli

    # the contracts of pyproject.toml; 0 when every contract is kept
    code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert code == 0, "import-linter: a contract is broken (run `lint-imports` for details)"


def test_the_layers_contract_names_every_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    named = {part.strip() for layer in layers["layers"] for part in layer.split("|")}
    children = {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    children |= {p.parent.name for p in SRC.glob("*/__init__.py")}
    assert named == children


def test_no_module_over_500_lines():
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
