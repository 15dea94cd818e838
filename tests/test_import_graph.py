"""The import graph of affectctl, function-level imports included: no circle, no dynamic import.

The layers and the forbidden imports are import-linter contracts (``[tool.importlinter]``
in pyproject.toml, run by ``lint-imports`` in .ci/run). This file checks what those
contracts cannot say, from the source with :mod:`ast` (no import-linter needed):

* no ``importlib.import_module``, ``__import__`` or ``importlib.util.spec_from_*`` in
  library code, except the PEP 562 table of ``affectctl/__init__.py``, whose every entry
  must name a module that exists;
* no cycle between sibling modules at any depth, counting every ``import`` statement
  wherever it stands (inside functions too), except ``if TYPE_CHECKING:`` blocks.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import affectctl

ROOT = Path(affectctl.__file__).resolve().parent
DYNAMIC = {"import_module", "__import__", "spec_from_file_location", "spec_from_loader"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.lru_cache(maxsize=1)
def _sources() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8"), str(p))
            for p in sorted(ROOT.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks (annotations, not imports)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                out.update(id(n) for n in ast.walk(child))
    return out


def import_graph(sources: dict[str, ast.Module]) -> dict[str, set[str]]:
    """module -> the affectctl modules it imports (anywhere in its body, absolute names)."""
    known = set(sources)

    def resolve(name: str) -> str | None:  # the deepest module of a dotted name
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in sources}
    for mod, tree in sources.items():
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for t in targets:
                r = resolve(t) if t.split(".")[0] == "affectctl" else None
                if r and r != mod:
                    graph[mod].add(r)
    return graph


def sibling_cycles(graph: dict[str, set[str]]) -> list[tuple[str, list[str]]]:
    """For each package, the cycles among its children (each child standing for itself and
    everything below it): ``[(package, [child, ..., child]), ...]``."""
    packages = {m.rpartition(".")[0] for m in graph if "." in m} | {"affectctl"}
    found = []
    for pkg in sorted(packages):
        prefix = pkg + "."

        def child(m: str) -> str | None:
            return m[len(prefix):].split(".")[0] if m.startswith(prefix) else None

        edges: dict[str, set[str]] = {}
        for a, targets in graph.items():
            ca = child(a)
            for b in targets:
                cb = child(b)
                if ca and cb and ca != cb:
                    edges.setdefault(ca, set()).add(cb)
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(n: str) -> list[str] | None:
            state[n] = 1
            stack.append(n)
            for m in sorted(edges.get(n, ())):
                if state.get(m) == 1:
                    return stack[stack.index(m):] + [m]
                if m not in state and (cyc := visit(m)):
                    return cyc
            stack.pop()
            state[n] = 2
            return None

        for n in sorted(edges):
            if n not in state and (cyc := visit(n)):
                found.append((pkg, cyc))
                break
    return found


def test_no_dynamic_import_in_library_code():
    offenders = []
    for p in sorted(ROOT.rglob("*.py")):
        if p == ROOT / "__init__.py":
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in DYNAMIC:
                    offenders.append(f"{p.relative_to(ROOT.parent)}:{node.lineno} {name}")
    assert offenders == []


def test_every_lazy_name_names_a_module_that_exists():
    sources = _sources()
    assert [(n, m) for n, m in affectctl._LAZY.items() if m not in sources] == []


def test_no_cycle_between_siblings_function_level_imports_included():
    graph = import_graph(_sources())
    # the graph does see function-level imports (cli loads each command inside a function)
    assert "affectctl.cli.compare" in graph["affectctl.cli"]
    assert sibling_cycles(graph) == []


@pytest.mark.parametrize("graph, expected", [
    ({"affectctl.a.x": {"affectctl.b"}, "affectctl.b": {"affectctl.a"}, "affectctl.a": set()},
     [("affectctl", ["a", "b", "a"])]),
    ({"affectctl.t.r": {"affectctl.t.l"}, "affectctl.t.l": {"affectctl.t.r"}, "affectctl.t": set()},
     [("affectctl.t", ["l", "r", "l"])]),
    ({"affectctl.a": {"affectctl.b"}, "affectctl.b": {"affectctl.c"}, "affectctl.c": set()}, []),
])
def test_the_cycle_check_can_fail(graph, expected):
    assert sibling_cycles(graph) == expected


def test_at_most_four_modules_at_the_root():
    assert sorted(p.name for p in ROOT.glob("*.py")) == [
        "__init__.py", "__main__.py", "_version.py", "errors.py"]
