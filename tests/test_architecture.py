"""The package's imports follow the data flow, checked on the source.

Layers, lowest first: domain facts and shared helpers; ``io`` (data in); ``metrics``;
``stats`` and ``controls``; the analyses (``audit``, ``compare``, ``diagnose``);
``report``; ``plans``; ``cli``. A module may import its own layer or any lower one,
never a higher one. ``train`` is a shell beside ``cli``: only it imports torch or POT,
and only ``cli`` imports it (``cli`` trains what a command needs, then hands runs on).
``report`` computes nothing: from the analyses, statistics and controls it may import
result types and constants, never a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "affectctl"

#: Top-level module or subpackage -> layer (higher may import lower, not the reverse).
LAYERS = {
    "errors": 0, "_validation": 0, "_json": 0, "_machine": 0, "_version": 0, "_resources": 0, "_provenance": 0, "_display": 0, "taxonomies": 0, "circumplex": 0, "facs": 0,
    "io": 1,
    "metrics": 2,
    "stats": 3, "controls": 3,
    "audit": 4, "compare": 4, "diagnose": 4, "geometry_sensitivity": 4,
    "report": 5,
    "plans": 6,
    "train": 7,
    "cli": 8,
    "__init__": 9, "__main__": 9,
}
HEAVY = {"torch", "ot"}


def _component(module: str) -> str:
    """``affectctl.io.dumps`` -> ``io``; ``affectctl.compare`` -> ``compare``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, int, tuple]]:
    """Absolute names of the modules ``path`` imports, with line numbers and imported names."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module]
            imported = tuple(a.name for a in node.names) if node.module else ()
            found += [(name, node.lineno, imported) for name in names]
    return found


def _sources():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_component_has_a_layer():
    components = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _sources()}
    assert components <= set(LAYERS), f"give these a layer: {sorted(components - set(LAYERS))}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_data_flow(path):
    own = _component("affectctl." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    wrong = []
    for name, line, imported in _imports(path):
        root = name.split(".")[0]
        if root in HEAVY and own != "train":
            wrong.append(f"line {line}: {name} (only train/ may import torch or POT)")
        if root != "affectctl":
            continue
        target = _component(name)
        if target == "__init__" and own != "__init__":
            wrong.append(f"line {line}: {name} (import the defining module, not the package)")
        elif LAYERS[target] > LAYERS[own]:
            wrong.append(f"line {line}: {name} ({target} is above {own} in the data flow)")
        elif target == "train" and own not in ("train", "cli"):
            wrong.append(f"line {line}: {name} (only cli starts training)")
        elif own == "report" and 3 <= LAYERS[target] <= 4:
            functions = [n for n in imported if not (n.isupper() or n[:1].isupper())]
            if functions or not imported:
                wrong.append(f"line {line}: {name} {functions} (report computes nothing: pass results in)")
    assert not wrong, f"{path.relative_to(PACKAGE)}: " + "; ".join(wrong)


# that ``import affectctl`` and the analysis packages load neither torch nor POT is
# tests/train/test_train_imports.py (one interpreter for every module)
