"""Any other prediction CSV: ``--map 'angry=Anger,happy=Happy,...' --id image``, and
prediction-only dumps.

``--map`` names what the file calls each class and the emotion it means
(``column=Class``). When the names are columns of the file, they are score
columns (probabilities, or logits put through a softmax and counted); otherwise a
column whose every value is one of the names is the predicted label. ``--id`` names
the image-id column (default: the first of ``image``, ``file``, ``path``,
``sample_id``, ...). Classes the map leaves out are never predicted.

A prediction-only dump follows :mod:`affectctl.io.schema` without ``y_true``:
``sample_id`` and any of ``y_pred`` and/or ``p_<Class>``, ``v_pred``/``a_pred``,
``au<N>_pred`` (and ``group``, ``emb_<i>``); numeric ``y_pred`` are indices of the
file's own taxonomy, else of the truth's.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl.errors import ConfigError, DumpFormatError, InputWarning
from affectctl.domain.taxonomies import canonical_name, get_taxonomy
from affectctl.io.columns import AU_PRED, TRUTH
from affectctl.io.formats._tables import (
    check_sample_ids, label_column, line_of, numeric_column, read_csv, softmax_if_logits,
)
from affectctl.io.formats.emotiefflib import find_id_column
from affectctl.io.pairing import Predictions

__all__ = ["parse_map", "read_mapped", "is_prediction_dump", "read_dump_predictions"]



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
    """True for a CSV or Parquet with ``sample_id``, no ``y_true``, and prediction columns
    (``y_pred``, ``p_<Class>``, ``v_pred``/``a_pred`` or ``au<N>_pred``)."""
    from affectctl.io.formats.dumptruth import table_fields

    h = table_fields(path)
    return ("sample_id" in h and "y_true" not in h
            and ("y_pred" in h or "v_pred" in h or any(c.startswith("p_") or AU_PRED.match(c) for c in h)))




def read_dump_predictions(path: "str | Path", *, taxonomy=None, **_ignored) -> Predictions:
    """Read a prediction-only dump (CSV or Parquet), validated as :func:`read_dump` validates.

    The rules are the dump contract's (:mod:`affectctl.io.schema`): probabilities
    finite, non-negative, each row within ``PROBA_SUM_TOLERANCE`` of 1 (renormalized
    and counted; further off is an error: logits need a softmax first); ``v_pred`` and
    ``a_pred`` in [-1, 1]; ``au<N>_pred`` 0/1 or a probability in [0, 1]. Numeric
    ``y_pred`` are indices of the file's own taxonomy (its metadata, else its
    ``p_<Class>`` columns), else of ``taxonomy`` (the truth's).
    """
    from affectctl.io.columns import _au_prediction, _check_unique, _numeric, _probabilities, _row_major
    from affectctl.io.dumps import _read_table
    from affectctl.io.formats.dumptruth import file_taxonomy
    from affectctl.io.schema import PROBA_ROUNDING, PROBA_SUM_TOLERANCE

    path = Path(path)
    src = str(path)
    frame, meta = _read_table(path)
    frame = frame.rename(columns=lambda c: str(c).strip())
    if frame.shape[0] == 0:
        raise DumpFormatError("has a header but no data rows.", file=path)
    if "sample_id" not in frame.columns:
        raise DumpFormatError("required column is missing (it pairs the predictions with the truth).",
                              file=path, column="sample_id")
    truthy = [c for c in frame.columns if TRUTH.match(c)]
    if truthy:
        raise DumpFormatError("has its own truth column although --truth is given; drop --truth or "
                              "the column.", file=path, column=truthy[0])
    check_sample_ids(frame, path)
    ids = frame["sample_id"].astype(str).str.strip().to_numpy(dtype=object)
    _check_unique(ids, src)
    pcols = [c for c in frame.columns if c.startswith("p_")]
    own = file_taxonomy(meta, path)
    if own is None and pcols:
        from affectctl.domain.taxonomies import infer_taxonomy

        try:
            own = infer_taxonomy((c[2:] for c in pcols), ambiguous="custom")
        except ConfigError as exc:
            raise DumpFormatError(f"cannot read the classes of the p_ columns: {exc}", file=path,
                                  column=pcols[0]) from None
    classes = tuple(c[2:] for c in pcols) if pcols else ()
    proba = y_pred = None
    ex: dict = {}
    if pcols:
        if own is not None and own.name != "custom" and len(pcols) == own.n_classes:
            classes = own.classes if [c[2:] for c in pcols] == list(own.classes) else classes
        proba = _row_major([_probabilities(frame, c, src) for c in pcols])
        sums = proba.sum(axis=1)
        off = np.abs(sums - 1.0) > PROBA_SUM_TOLERANCE
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise DumpFormatError(
                f"probabilities sum to {sums[i]:.6g}, not 1 (tolerance {PROBA_SUM_TOLERANCE}); "
                "if these are logits, apply a softmax first.", file=path, row=line_of(i), column=pcols[0])
        ex["proba_renormalized"] = int((np.abs(sums - 1.0) > PROBA_ROUNDING).sum())
        proba /= sums[:, None]
    if "y_pred" in frame.columns:
        raw = frame["y_pred"]
        if raw.isna().any():
            i = int(np.flatnonzero(raw.isna().to_numpy())[0])
            raise DumpFormatError("missing predicted class.", file=path, row=line_of(i), column="y_pred")
        num = pd.to_numeric(raw, errors="coerce")
        if num.notna().all():
            tax = own or (get_taxonomy(taxonomy) if taxonomy is not None else None)
            if tax is None:
                raise DumpFormatError("numeric y_pred needs the truth's taxonomy.", file=path, column="y_pred")
            if not classes:
                classes = tax.classes
            values = num.to_numpy(dtype=np.float64)
            if (values != np.round(values)).any():
                i = int(np.flatnonzero(values != np.round(values))[0])
                raise DumpFormatError(f"class index {raw.iloc[i]} is not an integer.", file=path,
                                      row=line_of(i), column="y_pred")
            pos = values.astype(np.int64) - tax.index_base
            bad = (pos < 0) | (pos >= tax.n_classes)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                hi = tax.index_base + tax.n_classes - 1
                raise DumpFormatError(f"class index {raw.iloc[i]} is out of range {tax.index_base}..{hi} "
                                      f"of taxonomy '{tax.name}'.", file=path, row=line_of(i), column="y_pred")
            names = np.asarray(tax.classes, dtype=object)[pos]
        else:
            names = raw.astype(str).str.strip().to_numpy(dtype=object)
            if not classes:
                classes = (get_taxonomy(taxonomy).classes if taxonomy is not None
                           else tuple(dict.fromkeys(names.tolist())))
        lookup = {canonical_name(c): j for j, c in enumerate(classes)}
        uniq, inv = np.unique(names.astype(str), return_inverse=True)
        codes = np.empty(len(uniq), dtype=np.int64)
        for u, nm in enumerate(uniq):  # one look-up per distinct name, not per row
            j = lookup.get(canonical_name(nm)) if _known(nm) else None
            if j is None:
                i = int(np.flatnonzero(inv == u)[0])
                raise DumpFormatError(f"predicted class {nm!r} is not among the file's classes "
                                      f"({', '.join(classes)}).", file=path, row=line_of(i), column="y_pred")
            codes[u] = j
        y_pred = codes[inv]
    va = None
    if "v_pred" in frame.columns or "a_pred" in frame.columns:
        va = np.empty((len(frame), 2))
        for j, c in enumerate(("v_pred", "a_pred")):
            if c not in frame.columns:
                raise DumpFormatError("v_pred and a_pred come together; one is missing.", file=path, column=c)
            v = _numeric(frame, c, src)
            bad = np.abs(v) > 1
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DumpFormatError(f"value {v[i]:g} is outside [-1, 1].", file=path, row=line_of(i),
                                      column=c)
            va[:, j] = v
    au = {f"AU{int(m.group(1))}": _au_prediction(frame, c, src).astype(np.float64)
          for c in frame.columns if (m := AU_PRED.match(c))}
    group = None
    if "group" in frame.columns:
        group = label_column(frame, "group", path)
    if proba is None and y_pred is None and va is None and not au:
        raise DumpFormatError("needs prediction columns: y_pred or p_<Class>, v_pred and a_pred, or "
                              "au<N>_pred.", file=path, column="y_pred")
    emb_cols = sorted((int(m.group(1)), c) for c in frame.columns if (m := re.match(r"^emb_(\d+)$", c)))
    embedding = np.column_stack([_numeric(frame, c, src) for _, c in emb_cols]) if emb_cols else None
    return Predictions(source=src, sample_id=ids, classes=classes, proba=proba, y_pred=y_pred, va_pred=va,
                       au_pred=au or None, group=group, rows=np.arange(len(frame)) + 2, exclusions=ex,
                       embedding=embedding, metadata={**meta, "prediction_format": "dump"})


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
