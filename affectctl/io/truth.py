"""Prediction-only dumps joined to a truth file on ``sample_id``.

Third-party predictions often come without labels: a CSV or Parquet file with
``sample_id`` and ``y_pred`` (and/or ``p_<Class>``, ``v_pred``/``a_pred``,
``au<N>_pred``) but no ``y_true``. :func:`read_with_truth` joins such a file to a
truth file in the dump format (``sample_id``, ``y_true`` and any of ``group``,
``v_true``, ``a_true``, ``au<N>_true``) and validates the result as one dump.

Every prediction must find its truth and every truth row its prediction: scoring a
subset silently would change the test set. Unmatched ids are an error that gives
both counts and the first few ids of each side.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DumpFormatError
from ..taxonomies import Taxonomy, get_taxonomy
from .dumps import _read_table, dump_from_frame
from .schema import VA_EXCLUDED, Dump

__all__ = ["read_with_truth", "TRUTH_COLUMNS"]

#: Columns taken from the truth file (``au<N>_true`` too).
TRUTH_COLUMNS = ("y_true", "group", "v_true", "a_true")
_AU_TRUE = re.compile(r"^au\d+_true$")
_SHOW = 3


def _truth_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if c in TRUTH_COLUMNS or _AU_TRUE.match(str(c))]


def _ids(frame: pd.DataFrame, path: Path) -> pd.Series:
    if "sample_id" not in frame.columns:
        raise DumpFormatError("required column is missing (it pairs predictions with the truth).",
                              file=path, column="sample_id")
    ids = frame["sample_id"].astype(str).str.strip()
    dup = ids.duplicated(keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DumpFormatError(f"duplicate sample_id {ids.iloc[i]!r}.", file=path, row=i + 2,
                              column="sample_id")
    return ids


def _taxonomy(meta: dict, path: Path, taxonomy):
    if taxonomy is not None or not meta.get("taxonomy"):
        return taxonomy
    if meta["taxonomy"] == "custom" and meta.get("classes"):
        return Taxonomy("custom", tuple(meta["classes"]), source=str(path))
    try:
        return get_taxonomy(meta["taxonomy"])
    except ConfigError as exc:
        raise DumpFormatError(f"metadata: {exc}", file=path) from None


def read_with_truth(path: "str | Path", truth: "str | Path", *, taxonomy=None) -> Dump:
    """Read a prediction-only dump and take its labels from ``truth``, joined on ``sample_id``.

    Parameters
    ----------
    path : str or Path
        CSV or Parquet predictions without ``y_true``.
    truth : str or Path
        CSV or Parquet with ``sample_id``, ``y_true`` and optionally ``group``,
        ``v_true``, ``a_true``, ``au<N>_true`` (the dump format's truth columns).
    taxonomy : str or Taxonomy, optional
        As :func:`affectctl.io.dumps.read_dump`; else from either file's metadata,
        else inferred.

    Returns
    -------
    Dump
        Rows in the prediction file's order; ``source`` is the prediction file, so
        line numbers in later errors are lines of that file.

    Raises
    ------
    DumpFormatError
        A file without ``sample_id``, a truth file without ``y_true``, a prediction
        file that has its own ``y_true``, a truth column present in both files, or
        ids that do not match (both counts and the first few ids are given).
    """
    path, truth = Path(path), Path(truth)
    preds, meta = _read_table(path)
    if "y_true" in preds.columns:
        raise DumpFormatError(f"--truth {truth} given, but this file has its own y_true column; "
                              "drop --truth or the column.", file=path, column="y_true")
    labels, tmeta = _read_table(truth)
    if "y_true" not in labels.columns:
        raise DumpFormatError("required column of a truth file is missing.", file=truth,
                              column="y_true")
    pid, tid = _ids(preds, path), _ids(labels, truth)
    take = _truth_columns(labels)
    both = [c for c in take if c in preds.columns]
    if both:
        raise DumpFormatError(f"column '{both[0]}' is in the predictions and in the truth file "
                              f"{truth}; keep it in one of them.", file=path, column=both[0])
    only_p = pid[~pid.isin(tid)]
    only_t = tid[~tid.isin(pid)]
    if len(only_p) or len(only_t):
        def show(s):
            return ", ".join(repr(x) for x in s.iloc[:_SHOW]) + (", ..." if len(s) > _SHOW else "")
        parts = []
        if len(only_p):
            parts.append(f"{len(only_p)} of {len(pid)} prediction ids are not in {truth} "
                         f"(e.g. {show(only_p)})")
        if len(only_t):
            parts.append(f"{len(only_t)} of {len(tid)} truth ids have no prediction "
                         f"(e.g. {show(only_t)})")
        raise DumpFormatError("sample ids do not match the truth file: " + "; ".join(parts) + ".",
                              file=path, column="sample_id")
    truth_part = labels[take].set_axis(tid.to_numpy(), axis=0).loc[pid.to_numpy()]
    joined = preds.copy()
    for c in take:
        joined[c] = truth_part[c].to_numpy()
    tax = _taxonomy(meta, path, taxonomy)
    tax = _taxonomy(tmeta, truth, tax)
    # VA annotations without VA predictions (a classifier scored against AffectNet-style
    # truth): no VA metric, but the annotations still place the classes (geometry auto,
    # the class-order check from VA), as for a tool's output paired with a dataset file
    va_truth_only = ("v_true" in joined.columns and "a_true" in joined.columns
                     and "v_pred" not in joined.columns and "a_pred" not in joined.columns)
    va = joined[["v_true", "a_true"]] if va_truth_only else None
    if va_truth_only:
        joined = joined.drop(columns=["v_true", "a_true"])
    dump = dump_from_frame(joined, taxonomy=tax, source=str(path), metadata=meta)
    if va_truth_only:
        va_true = np.column_stack([pd.to_numeric(va[c], errors="coerce").to_numpy(dtype=np.float64)
                                   for c in ("v_true", "a_true")])
        bad = (~np.isfinite(va_true) | (np.abs(va_true) > 1)) & (va_true != VA_EXCLUDED)
        if bad.any():
            i, j = (int(v[0]) for v in np.nonzero(bad))
            line = int(np.flatnonzero(tid.to_numpy() == pid.iloc[i])[0]) + 2   # the truth file's line
            raise DumpFormatError(f"value {va.iloc[i, j]!r} is not a valence/arousal in [-1, 1] "
                                  "(-5 = not annotated).", file=truth, row=line,
                                  column=("v_true", "a_true")[j])
        va_true = np.where(va_true == VA_EXCLUDED, np.nan, va_true)
        exclusions = dict(dump.exclusions)
        exclusions["valence"] = int(np.isnan(va_true[:, 0]).sum())
        exclusions["arousal"] = int(np.isnan(va_true[:, 1]).sum())
        dump = dataclasses.replace(dump, va_true=va_true, exclusions=exclusions)
    return dump
