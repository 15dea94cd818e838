"""``import affectctl`` (and the CLI, and ``affectctl.train``) load neither torch nor POT."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["affectctl", "affectctl.cli", "affectctl.train",
                                    "affectctl.train.datasets", "affectctl.train.features"])
def test_import_is_light(module):
    code = f"import sys, {module}; print('torch' in sys.modules, 'ot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], (module, out.stdout)
