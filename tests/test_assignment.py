"""affectctl._util.assignment: SciPy's assignment, loaded without scipy.optimize."""

import subprocess
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment as scipy_lsa

from affectctl._util.assignment import linear_sum_assignment


def test_same_as_scipy_with_ties_and_rectangles():
    rng = np.random.default_rng(0)
    for shape in [(8, 8), (7, 7), (3, 5), (6, 4), (1, 1)]:
        for _ in range(20):
            cost = rng.integers(0, 3, shape).astype(float)  # many ties
            for maximize in (False, True):
                got = linear_sum_assignment(cost, maximize=maximize)
                want = scipy_lsa(cost, maximize=maximize)
                assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))


def test_does_not_import_scipy_optimize():
    code = ("import sys, numpy as np; from affectctl._util.assignment import linear_sum_assignment;"
            "r, c = linear_sum_assignment(np.eye(3), maximize=True); assert list(c) == [0, 1, 2];"
            "print(any(m.startswith('scipy.optimize') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
