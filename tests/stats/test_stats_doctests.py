"""The Examples sections of affectctl.stats run as doctests."""

import doctest
import importlib
import warnings

import pytest

from affectctl.errors import DegenerateDataWarning

MODULES = ["seeds", "samples", "effects", "correction", "classifier", "power", "power_samples"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(f"affectctl.stats.{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.failed == 0 and res.attempted > 0
