"""Every Examples section in the package runs as a doctest.

Modules are found by their source (any ``>>>``), so a new module with Examples is
tested without being listed here.
"""

import doctest
import importlib
import warnings
from pathlib import Path

import pytest

from affectctl.errors import DegenerateDataWarning

PACKAGE = Path(__file__).resolve().parents[1] / "affectctl"
MODULES = sorted(
    ".".join(("affectctl",) + path.relative_to(PACKAGE).with_suffix("").parts)
    for path in PACKAGE.rglob("*.py")
    if "__pycache__" not in path.parts and ">>> " in path.read_text(encoding="utf-8")
)


def test_modules_with_examples_are_found():
    assert "affectctl.stats.seeds" in MODULES and len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name.startswith("affectctl.train"):
        pytest.importorskip("torch", reason="affectctl.train needs the train extra")
    mod = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.failed == 0 and res.attempted > 0
