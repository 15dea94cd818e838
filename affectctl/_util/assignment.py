"""SciPy's ``linear_sum_assignment`` without importing ``scipy.optimize``.

``from scipy.optimize import linear_sum_assignment`` runs ``scipy/optimize/__init__.py``,
which loads every optimiser, linear-programming and sparse module (0.4–0.8 s on this
project's machine): most of ``affectctl audit``'s start-up for one 8×8 assignment. The
function itself is the compiled extension ``scipy/optimize/_lsap`` (the modified
Jonker–Volgenant algorithm of Crouse 2016, IEEE TAES 52(4)), which needs nothing from its
package, so it is loaded from its file; when that fails (another SciPy layout) the public
import is used. Either way it is the same function, so the results are SciPy's.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os

_LSAP = None


def _load():
    import scipy

    try:
        spec = importlib.machinery.PathFinder.find_spec(
            "_lsap", [os.path.join(os.path.dirname(scipy.__file__), "optimize")])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.linear_sum_assignment
    except Exception:  # noqa: BLE001 - any other layout: the public import
        from scipy.optimize import linear_sum_assignment

        return linear_sum_assignment


def linear_sum_assignment(cost, maximize: bool = False):
    """``scipy.optimize.linear_sum_assignment(cost, maximize)``: (row indices, column indices)."""
    global _LSAP
    if _LSAP is None:
        _LSAP = _load()
    return _LSAP(cost, maximize=maximize)
