"""The one conversion of results to plain Python values, and the JSON text made of them.

Every ``to_dict`` / ``to_record`` / ``results.json`` / dump-metadata path goes through
:func:`plain`, so NumPy scalars, arrays, pandas' missing values, tuples and paths come
out the same way everywhere.
"""

from __future__ import annotations

import json
import math
from pathlib import PurePath

import numpy as np

__all__ = ["plain", "dumps"]


def plain(value, *, finite: bool = False):
    """``value`` with NumPy/pandas types replaced by plain Python ones, recursively.

    Parameters
    ----------
    value : any
        Scalars, NumPy scalars and arrays, dicts (keys become ``str``), lists, tuples
        (become lists), paths (become ``str``), pandas ``NA``/``NaT``.
    finite : bool, default False
        ``True`` for JSON: NaN, ±inf and missing values become ``None`` (JSON has no NaN).
        ``False`` keeps NaN, for records that go on into a DataFrame.

    Examples
    --------
    >>> plain({"p": np.float64(0.5), "n": np.int64(3), "ok": np.bool_(True), "c": (1, 2)})
    {'p': 0.5, 'n': 3, 'ok': True, 'c': [1, 2]}
    >>> plain([float("nan"), np.inf], finite=True)
    [None, None]
    """
    if isinstance(value, dict):
        return {str(k) if finite else k: plain(v, finite=finite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, finite=finite) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v, finite=finite) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, float):
        return None if finite and not math.isfinite(value) else value
    if finite and value is not None and _is_missing(value):
        return None
    return value


def _is_missing(value) -> bool:
    """pandas ``NA`` / ``NaT`` without importing pandas for the common case."""
    name = type(value).__name__
    return name in ("NAType", "NaTType")


def dumps(value, **kwargs) -> str:
    """JSON text of :func:`plain` ``(value, finite=True)``; ``allow_nan`` is off."""
    return json.dumps(plain(value, finite=True), allow_nan=False, **kwargs)
