"""A truth file in the dump's own columns, for pairing with a tool's predictions.

``sample_id`` plus any of ``y_true`` (indices of ``--taxonomy`` or class names),
``v_true``/``a_true`` (``-5`` = not annotated) and ``au<N>_true`` (0/1, ``-1`` = not
annotated), with the meanings of :mod:`affectctl.io.schema`. Used when the truth is
not a dataset's own file (AU annotations for OpenFace output, say).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import DumpFormatError
from ..taxonomies import get_taxonomy
from ._tables import header_fields, line_of, numeric_column, read_csv
from .pairing import Truth
from .schema import AU_EXCLUDED, VA_EXCLUDED

__all__ = ["is_truth_table", "read_truth_table"]

_AU_TRUE = re.compile(r"^au(\d+)_true$", re.IGNORECASE)


def is_truth_table(path: Path) -> bool:
    """True for a CSV with ``sample_id`` and truth columns but no prediction columns."""
    h = header_fields(path)
    truthy = "y_true" in h or "v_true" in h or any(_AU_TRUE.match(c) for c in h)
    predy = "y_pred" in h or "v_pred" in h or any(c.startswith("p_") or c.endswith("_pred") for c in h)
    return "sample_id" in h and truthy and not predy


def read_truth_table(path: "str | Path", *, taxonomy=None) -> Truth:
    """Read a dump-format truth table (see the module docstring)."""
    from .dumps import _labels  # the dump's own label parser (indices or names)

    path = Path(path)
    frame = read_csv(path, required=("sample_id",), dtype={"sample_id": str}, what="truth file")
    tax = get_taxonomy(taxonomy or "affwild2-expr8")
    y = None
    if "y_true" in frame.columns:
        if taxonomy is None:
            raise DumpFormatError("y_true needs its taxonomy; pass --taxonomy.", file=path, column="y_true")
        y = _labels(frame, "y_true", tax, str(path), allow_excluded=True)
    va = None
    if "v_true" in frame.columns or "a_true" in frame.columns:
        va = np.empty((len(frame), 2))
        for j, c in enumerate(("v_true", "a_true")):
            if c not in frame.columns:
                raise DumpFormatError("v_true and a_true come together; one is missing.", file=path, column=c)
            v = numeric_column(frame, c, path)
            excl = v == VA_EXCLUDED
            out = ~excl & (np.abs(v) > 1)
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise DumpFormatError(f"value {v[i]} is outside [-1, 1] (-5 marks a frame without "
                                      "annotation).", file=path, row=line_of(i), column=c)
            va[:, j] = np.where(excl, np.nan, v)
    au = {}
    for c in frame.columns:
        m = _AU_TRUE.match(c)
        if m:
            v = numeric_column(frame, c, path)
            bad = ~np.isin(v, (0, 1, AU_EXCLUDED))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DumpFormatError(f"AU annotation {v[i]:g} is not 0, 1 or -1.", file=path,
                                      row=line_of(i), column=c)
            au[f"AU{int(m.group(1))}"] = v.astype(np.int8)
    if y is None and va is None and not au:
        raise DumpFormatError("has no y_true, v_true/a_true or au<N>_true column.", file=path)
    return Truth(source=str(path), sample_id=frame["sample_id"].astype(str).str.strip().to_numpy(dtype=object),
                 taxonomy=tax, y_true=y, va_true=va, au_true=au or None, rows=np.arange(len(frame)) + 2,
                 metadata={"truth_format": "dump"})
