"""Any other prediction CSV: ``--map 'angry=Anger,happy=Happy,...' --id image``, and
prediction-only dumps.

``--map`` names what the file calls each class and the emotion it means
(``column=Class``). When the names are columns of the file, they are score
columns (probabilities, or logits put through a softmax and counted); otherwise a
column whose every value is one of the names is the predicted label. ``--id`` names
the image-id column (default: the first of ``image``, ``file``, ``path``,
``sample_id``, ...). Classes the map leaves out are never predicted.

A prediction-only dump follows :mod:`affectctl.io.schema` without ``y_true``:
``sample_id``, ``y_pred`` and/or ``p_<Class>``, optionally ``v_pred``, ``a_pred`` and
``au<N>_pred``; numeric ``y_pred`` are indices of the truth's taxonomy.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DumpFormatError, InputWarning
from ..taxonomies import canonical_name, get_taxonomy
from ._tables import header_fields, line_of, numeric_column, read_csv, softmax_if_logits
from .emotiefflib import find_id_column
from .pairing import Predictions

__all__ = ["parse_map", "read_mapped", "is_prediction_dump", "read_dump_predictions"]

_AU_PRED = re.compile(r"^au(\d+)_pred$", re.IGNORECASE)


def parse_map(text: "str | dict") -> dict:
    """Parse ``'angry=Anger,happy=Happy'`` into ``{"angry": "Anger", "happy": "Happy"}``.

    Raises
    ------
    ConfigError
        Malformed pairs, an unknown emotion, or two names for one emotion.
    """
    if isinstance(text, dict):
        pairs = dict(text)
    else:
        pairs = {}
        for part in str(text).split(","):
            if not part.strip():
                continue
            if part.count("=") != 1:
                raise ConfigError(f"`--map` must look like 'angry=Anger,happy=Happy'; got {part.strip()!r}.")
            k, v = (x.strip() for x in part.split("="))
            if not k or not v:
                raise ConfigError(f"`--map` pair {part.strip()!r} has an empty side.")
            if k in pairs:
                raise ConfigError(f"`--map` names {k!r} twice.")
            pairs[k] = v
    if not pairs:
        raise ConfigError("`--map` is empty.")
    seen: dict = {}
    for k, v in pairs.items():
        try:
            canon = canonical_name(v)
        except ConfigError as exc:
            raise ConfigError(f"`--map` pair '{k}={v}': {exc}") from None
        if canon in seen:
            raise ConfigError(f"`--map` maps both {seen[canon]!r} and {k!r} to {canon}.")
        seen[canon] = k
    return pairs


def read_mapped(path: "str | Path", *, mapping, id_column=None, **_ignored) -> Predictions:
    """Read a CSV of predictions through a class-name map (see the module docstring)."""
    path = Path(path)
    pairs = parse_map(mapping)
    frame = read_csv(path, what="prediction file")
    idc = find_id_column(frame.columns, id_column, path)
    keys = list(pairs)
    classes = tuple(pairs[k] for k in keys)
    present = [k for k in keys if k in frame.columns]
    proba = y_pred = None
    ex: dict = {}
    if present:
        if len(present) != len(keys):
            missing = [k for k in keys if k not in frame.columns][0]
            raise DumpFormatError(f"--map names score column {missing!r}, which the file lacks.",
                                  file=path, column=missing)
        # score-like columns --map leaves out: the mapped ones then miss probability mass
        skipped = [c for c in frame.columns if c != idc and c not in keys
                   and not str(c).startswith("Unnamed:") and _is_emotion_name(c)]
        if skipped:
            warnings.warn(f"{path}: --map leaves out {len(skipped)} column(s) named like emotions "
                          f"({', '.join(map(str, skipped))}); their scores are not read, and the "
                          "mapped scores are renormalized without them.", InputWarning, stacklevel=2)
        raw = np.column_stack([numeric_column(frame, k, path) for k in keys])
        proba, n_soft = softmax_if_logits(raw, path, keys)
        if n_soft:
            ex["scores_softmaxed"] = n_soft
    else:
        label_col = None
        for c in frame.columns:
            if c == idc:
                continue
            vals = frame[c].astype(str).str.strip()
            if vals.isin(keys).mean() > 0.5:
                label_col = c
                break
        if label_col is None:
            raise DumpFormatError(f"no column of the file is named by --map ({', '.join(keys)}) and no "
                                  "column holds those names as labels.", file=path)
        vals = frame[label_col].astype(str).str.strip()
        bad = ~vals.isin(keys).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DumpFormatError(f"label {vals.iloc[i]!r} is not named in --map ({', '.join(keys)}).",
                                  file=path, row=line_of(i), column=label_col)
        y_pred = vals.map({k: j for j, k in enumerate(keys)}).to_numpy(dtype=np.int64)
    return Predictions(source=str(path), sample_id=frame[idc].astype(str).str.strip().to_numpy(dtype=object),
                       classes=classes, proba=proba, y_pred=y_pred, rows=np.arange(len(frame)) + 2,
                       exclusions=ex, metadata={"prediction_format": "generic"})


def is_prediction_dump(path: Path) -> bool:
    """True for a CSV with ``sample_id``, no ``y_true``, and ``y_pred`` or ``p_`` columns."""
    h = header_fields(path)
    return ("sample_id" in h and "y_true" not in h
            and ("y_pred" in h or any(c.startswith("p_") for c in h)))


def read_dump_predictions(path: "str | Path", *, taxonomy=None, **_ignored) -> Predictions:
    """Read a prediction-only dump; numeric ``y_pred`` are indices of ``taxonomy``."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            frame = pq.read_table(path).to_pandas()
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            raise DumpFormatError(f"not a readable Parquet file: {exc.__class__.__name__}.", file=path) from None
        frame.columns = [str(c).strip() for c in frame.columns]
    else:
        frame = read_csv(path, required=("sample_id",), dtype={"sample_id": str}, what="prediction dump")
    if "sample_id" not in frame.columns:
        raise DumpFormatError("required column is missing.", file=path, column="sample_id")
    pcols = [c for c in frame.columns if c.startswith("p_")]
    classes = tuple(c[2:] for c in pcols)
    proba = y_pred = None
    if pcols:
        raw = np.column_stack([numeric_column(frame, c, path) for c in pcols])
        proba, n_soft = softmax_if_logits(raw, path, pcols)
        if n_soft:
            raise DumpFormatError("probabilities do not sum to 1; if these are logits, apply a softmax "
                                  "first.", file=path, column=pcols[0])
    if "y_pred" in frame.columns:
        raw = frame["y_pred"]
        num = pd.to_numeric(raw, errors="coerce")
        if num.notna().all():
            tax = get_taxonomy(taxonomy) if taxonomy is not None else None
            if tax is None:
                raise DumpFormatError("numeric y_pred needs the truth's taxonomy.", file=path, column="y_pred")
            if not classes:
                classes = tax.classes
            pos = num.to_numpy(dtype=np.int64) - tax.index_base
            bad = (pos < 0) | (pos >= tax.n_classes)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DumpFormatError(f"class index {raw.iloc[i]} is out of range of taxonomy '{tax.name}'.",
                                      file=path, row=line_of(i), column="y_pred")
            names = [tax.classes[p] for p in pos]
        else:
            names = raw.astype(str).str.strip().tolist()
            if not classes:
                classes = (get_taxonomy(taxonomy).classes if taxonomy is not None
                           else tuple(dict.fromkeys(names)))
        lookup = {canonical_name(c): j for j, c in enumerate(classes)}
        try:
            y_pred = np.array([lookup[canonical_name(nm)] for nm in names], dtype=np.int64)
        except (KeyError, ConfigError):
            i = next(i for i, nm in enumerate(names)
                     if not _known(nm) or canonical_name(nm) not in lookup)
            raise DumpFormatError(f"predicted class {names[i]!r} is not among the file's classes.",
                                  file=path, row=line_of(i), column="y_pred") from None
    if proba is None and y_pred is None:
        raise DumpFormatError("needs a y_pred column or p_<Class> columns.", file=path, column="y_pred")
    va = None
    if "v_pred" in frame.columns and "a_pred" in frame.columns:
        va = np.column_stack([numeric_column(frame, c, path) for c in ("v_pred", "a_pred")])
    au = {f"AU{int(m.group(1))}": numeric_column(frame, c, path)
          for c in frame.columns if (m := _AU_PRED.match(c))}
    group = frame["group"].astype(str).to_numpy(dtype=object) if "group" in frame.columns else None
    return Predictions(source=str(path), sample_id=frame["sample_id"].astype(str).str.strip().to_numpy(dtype=object),
                       classes=classes, proba=proba, y_pred=y_pred, va_pred=va, au_pred=au or None,
                       group=group, rows=np.arange(len(frame)) + 2, metadata={"prediction_format": "dump"})


def _known(name) -> bool:
    try:
        canonical_name(name)
        return True
    except ConfigError:
        return False


def _is_emotion_name(column) -> bool:
    """True when ``column`` is a class name affectctl knows (``angry``, ``Happiness``, ...)."""
    try:
        canonical_name(str(column).strip())
    except ConfigError:
        return False
    return True
