"""Validate a dump's columns: the one path from a table to a :class:`~affectctl.io.schema.Dump`.

:func:`dump_from_frame` checks every column against the contract in
:mod:`affectctl.io.schema` (labels in range or an exclusion code, probabilities that sum
to 1, VA in [-1, 1] or -5, AU values 0/1 or -1, unique ids) with vectorized checks, and
names the file, 1-based line (header = line 1) and column of the first problem. Every
reader (dumps, dataset annotation files, tool outputs) ends here.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd

from ._text import delimiter_hint, duplicated_columns
from ..errors import ConfigError, DumpFormatError
from .schema import (
    AU_EXCLUDED,
    EXPR_EXCLUDED,
    PROBA_ROUNDING,
    PROBA_SUM_TOLERANCE,
    VA_EXCLUDED,
    Dump,
    proba_column,
    soft_column,
)
from ..taxonomies import Taxonomy, canonical_name, get_taxonomy, infer_taxonomy

__all__ = ["dump_from_frame", "soft_truth"]

_AU_TRUE = re.compile(r"^au(\d+)_true$", re.IGNORECASE)
_AU_PRED = re.compile(r"^au(\d+)_pred$", re.IGNORECASE)
_EMB = re.compile(r"^emb_(\d+)$")


def _line(i: int) -> int:
    """Line number in the file of 0-based data row ``i`` (the header is line 1)."""
    return int(i) + 2


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _native(frame: pd.DataFrame, col: str) -> "np.ndarray | None":
    """The column's own int64/float64 NumPy array (no copy) when it is stored as one, else None.

    The fast paths of validation take it and check it with whole-array reductions; any
    doubt (another dtype, a value out of range) sends the column through the general
    path, which finds the first bad row and words the error.
    """
    s = frame[col]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "if" and s.dtype.itemsize == 8:
        return s.to_numpy()
    return None


def _numeric(frame: pd.DataFrame, col: str, source: str) -> np.ndarray:
    native = _native(frame, col)
    if native is not None and native.dtype.kind == "i":
        return native.astype(np.float64)
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values)
    if bad.any():
        i = _first_bad(bad)
        raw = frame[col].iloc[i]
        what = "missing value" if pd.isna(raw) else f"non-numeric value {raw!r}"
        raise DumpFormatError(what + ".", file=source, row=_line(i), column=col)
    return values


def _labels(frame: pd.DataFrame, col: str, tax: Taxonomy, source: str, allow_excluded: bool,
            range_hint: str = "") -> np.ndarray:
    raw = frame[col]
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind == "i":  # indices, as written by most tools
        return _indices(raw.to_numpy(dtype=np.int64), col, tax, source, allow_excluded, range_hint)
    if raw.isna().any():
        i = _first_bad(raw.isna().to_numpy())
        raise DumpFormatError("missing class label.", file=source, row=_line(i), column=col)
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise DumpFormatError("holds true/false values, not class indices or names; write the "
                              "class index or name.", file=source, row=2, column=col)
    numeric = pd.to_numeric(raw, errors="coerce")
    # a column of indices with a few names in it: name the first name (the exclusion code -1
    # counts as neither, so a column of names with many unannotated frames is still names)
    annotated = (numeric != EXPR_EXCLUDED) if allow_excluded else pd.Series(True, index=raw.index)
    is_index = numeric.notna() & annotated
    is_name = numeric.isna()
    if is_index.any() and is_name.any() and is_index.sum() >= is_name.sum():
        i = _first_bad(is_name.to_numpy())
        raise DumpFormatError(f"class label {str(raw.iloc[i])!r} is not a class index, though the "
                              "column otherwise holds indices.", file=source, row=_line(i), column=col)
    if numeric.notna().all():
        values = numeric.to_numpy(dtype=np.float64)
        if (values != np.round(values)).any():
            i = _first_bad(values != np.round(values))
            raise DumpFormatError(f"class index {raw.iloc[i]} is not an integer.",
                                  file=source, row=_line(i), column=col)
        return _indices(values.astype(np.int64), col, tax, source, allow_excluded, range_hint)
    # class names
    names = raw.astype(str).str.strip()
    lookup = {}
    for k, c in enumerate(tax.classes):
        lookup[c.lower()] = k
    for k, canon in enumerate(tax.canonical):
        lookup.setdefault(canon, k)
    from ..taxonomies import _SYNONYMS  # synonyms map onto canonical names

    for syn, canon in _SYNONYMS.items():
        if canon in tax.canonical:
            lookup.setdefault(syn, tax.canonical.index(canon))
    if allow_excluded:
        lookup[str(EXPR_EXCLUDED)] = -1
    mapped = names.str.lower().map(lookup)
    if mapped.isna().any():
        i = _first_bad(mapped.isna().to_numpy())
        raise DumpFormatError(
            f"unknown class name {names.iloc[i]!r}; taxonomy '{tax.name}' has {', '.join(tax.classes)}.",
            file=source, row=_line(i), column=col)
    return mapped.to_numpy(dtype=np.int64)


def _indices(idx: np.ndarray, col: str, tax: Taxonomy, source: str, allow_excluded: bool,
             range_hint: str) -> np.ndarray:
    """0-based class positions from class indices in the taxonomy's numbering (-1 excluded)."""
    lo, hi, base = idx.min(), idx.max(), tax.index_base
    if base <= lo and hi < base + tax.n_classes:  # all in range, none excluded
        return idx - base
    if base == 0 and allow_excluded and EXPR_EXCLUDED == -1 and lo >= -1 and hi < tax.n_classes:
        return idx.copy()  # in range or -1, which stays -1
    excluded = idx == EXPR_EXCLUDED if allow_excluded else np.zeros(idx.shape, bool)
    pos = idx - tax.index_base
    bad = ~excluded & ((pos < 0) | (pos >= tax.n_classes))
    if bad.any():
        i = _first_bad(bad)
        lo, hi = tax.index_base, tax.index_base + tax.n_classes - 1
        raise DumpFormatError(
            f"class index {idx[i]} is out of range {lo}..{hi} of taxonomy '{tax.name}'"
            + (" (-1 marks a frame without annotation)" if allow_excluded else "") + range_hint + ".",
            file=source, row=_line(i), column=col)
    return np.where(excluded, -1, pos).astype(np.int64)


#: Rows per block in :func:`_row_major`: 16,384 rows of 8 float64 columns (1 MiB) stay in cache
#: while each column's stretch is written into them.
_BLOCK_ROWS = 1 << 14


def _row_major(columns: list) -> np.ndarray:
    """The float64 ``(n, k)`` matrix (C order) whose columns are ``columns``.

    Filled block by block of rows: written column by column, each column would sweep the
    whole matrix through the cache again (measured ~2x slower for 1,000,000 x 8).
    """
    n = columns[0].shape[0]
    out = np.empty((n, len(columns)), dtype=np.float64)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        for k, col in enumerate(columns):
            out[rows, k] = col[rows]
    return out


def _probabilities(frame: pd.DataFrame, col: str, source: str) -> np.ndarray:
    """One ``p_<Class>`` column as float64, checked finite and non-negative."""
    native = _native(frame, col)
    if native is not None and native.min() >= 0 and native.max() < np.inf:  # NaN fails both
        return native
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        i = _first_bad(bad)
        raise DumpFormatError("probability is NaN, infinite or not a number.",
                              file=source, row=_line(i), column=col)
    if (values < 0).any():
        i = _first_bad(values < 0)
        raise DumpFormatError(f"negative probability {values[i]}.", file=source,
                              row=_line(i), column=col)
    return values


def _au_annotation(frame: pd.DataFrame, col: str, source: str) -> np.ndarray:
    """One ``au<N>_true`` column: 0, 1 or -1 (not annotated)."""
    native = _native(frame, col)
    if native is not None and native.dtype.kind == "i" and native.min() >= AU_EXCLUDED and native.max() <= 1:
        return native  # integers in [-1, 1]
    t = _numeric(frame, col, source)
    bad = ~np.isin(t, (0, 1, AU_EXCLUDED))
    if bad.any():
        i = _first_bad(bad)
        raise DumpFormatError(f"AU annotation {t[i]} is not 0, 1 or -1.", file=source,
                              row=_line(i), column=col)
    return t


def _au_prediction(frame: pd.DataFrame, col: str, source: str) -> np.ndarray:
    """One ``au<N>_pred`` column: 0/1 or a probability in [0, 1]; returns occurrence (>= 0.5)."""
    native = _native(frame, col)
    if native is None or not (native.min() >= 0 and native.max() <= 1):  # NaN fails both
        native = _numeric(frame, col, source)
        bad = (native < 0) | (native > 1)
        if bad.any():
            i = _first_bad(bad)
            raise DumpFormatError(f"AU prediction {native[i]} is outside [0, 1].", file=source,
                                  row=_line(i), column=col)
    return native >= 0.5


def _resolve_taxonomy(frame: pd.DataFrame, taxonomy, source: str, meta: "dict | None" = None) -> Taxonomy:
    """``taxonomy``, else the one the ``p_<Class>`` columns or the label names identify
    (:func:`affectctl.taxonomies.identify_taxonomy`; why is written to ``meta``)."""
    if taxonomy is not None:
        try:
            return get_taxonomy(taxonomy)
        except ConfigError as exc:
            raise DumpFormatError(str(exc), file=source) from None
    pcols = [c for c in frame.columns if str(c).startswith("p_")]
    if pcols:
        try:
            tax = infer_taxonomy(c[2:] for c in pcols)
        except ConfigError as exc:
            raise DumpFormatError(f"cannot infer the taxonomy from the p_ columns: {exc}",
                                  file=source, column=_first_unknown_class_column(pcols)) from None
        if tax.name == "custom":
            _missing_class_column(tax, source)
            _zero_extra_class_column(frame, tax, source)
        return tax
    names = label_names(frame)
    if names:
        from ..taxonomies import identify_taxonomy

        try:
            tax, why = identify_taxonomy(names, ordered=False)
        except ConfigError as exc:
            raise DumpFormatError(str(exc), file=source, column="y_true") from None
        if meta is not None:
            meta["taxonomy_reason"] = why + " (names in y_true/y_pred)"
        return tax
    raise DumpFormatError(
        "cannot infer the taxonomy (no p_<Class> columns and no metadata); pass --taxonomy.",
        file=source)


def label_names(frame: pd.DataFrame, columns=("y_true", "y_pred")) -> list:
    """The distinct class names written in the label columns, in order of appearance
    (empty when the labels are indices; the exclusion code -1 is not a name)."""
    seen: dict = {}
    for col in columns:
        if col not in frame.columns:
            continue
        raw = frame[col].dropna()
        if raw.empty or pd.to_numeric(raw, errors="coerce").notna().all():
            continue
        for v in pd.unique(raw.astype(str).str.strip()):
            if v and v != str(EXPR_EXCLUDED) and pd.isna(pd.to_numeric(v, errors="coerce")):
                seen.setdefault(v, None)
    return list(seen)


def _first_unknown_class_column(pcols: list) -> str:
    """The first ``p_<Class>`` column whose class is not a known emotion (else the first)."""
    for c in pcols:
        try:
            canonical_name(c[2:])
        except ConfigError:
            return c
    return pcols[0]


def _zero_extra_class_column(frame: pd.DataFrame, tax: Taxonomy, source: str) -> None:
    """A custom class list that is a built-in taxonomy plus classes whose ``p_`` columns are
    zero in every row is a padded file, not a larger label space: reading it as one would
    change every macro average and drop the official score."""
    from ..taxonomies import TAXONOMIES

    have = set(tax.canonical)
    if any(set(known.canonical) == have for known in TAXONOMIES.values()):
        return  # a built-in label space in another order (documented), not a padded one
    for known in sorted(TAXONOMIES.values(), key=lambda t: -t.n_classes):
        if set(known.canonical) < have:
            extra = [c for c, k in zip(tax.classes, tax.canonical) if k not in set(known.canonical)]
            cols = [proba_column(c) for c in extra]
            zero = [c for c in cols if (pd.to_numeric(frame[c], errors="coerce") == 0).all()]
            if zero:
                raise DumpFormatError(
                    f"probability is 0 in every row, for a class outside taxonomy '{known.name}' whose "
                    f"classes the other p_ columns give; read as is, the file would be a "
                    f"{tax.n_classes}-class custom taxonomy (other macro averages, no official "
                    f"score). Drop the column, or pass the classes as --taxonomy 'A,B,...'.",
                    file=source, column=zero[0])
            return


def _missing_class_column(tax: Taxonomy, source: str) -> None:
    """A custom class list that is a built-in taxonomy minus classes is a missing column."""
    from ..taxonomies import TAXONOMIES

    have = set(tax.canonical)
    for known in TAXONOMIES.values():
        if have < set(known.canonical):
            lost = [c for c, k in zip(known.classes, known.canonical) if k not in have]
            raise DumpFormatError(
                f"probability column is missing: the p_ columns match taxonomy '{known.name}' "
                f"except {', '.join(lost)} (if the label space really differs, pass it as "
                "--taxonomy 'ClassA,ClassB,...').",
                file=source, column=proba_column(lost[0]))


def dump_from_frame(frame: pd.DataFrame, taxonomy: "str | Taxonomy | None" = None,
                    source: str = "<memory>", metadata: dict | None = None) -> Dump:
    """Validate a table in the dump format and return a :class:`Dump`.

    See :mod:`affectctl.io.schema` for the columns and the rules applied.
    """
    meta = dict(metadata or {})
    if frame.shape[0] == 0:
        raise DumpFormatError("has a header but no data rows.", file=source)
    if any(not isinstance(c, str) or c != c.strip() for c in frame.columns):
        frame = frame.rename(columns=lambda c: str(c).strip())  # (a copy of the data before pandas 3)
    repeated = duplicated_columns(frame.columns)
    if repeated:
        name, pos = repeated[0]
        raise DumpFormatError(f"column appears {len(pos)} times in the header (positions "
                              f"{', '.join(map(str, pos))}); keep one.", file=source, row=1, column=name)
    if "sample_id" not in frame.columns:
        hint = delimiter_hint(frame.columns)
        raise DumpFormatError("required column is missing" + (f"; {hint}" if hint else "."),
                              file=source, column="sample_id")
    if "y_true" not in frame.columns:
        raise DumpFormatError("required column is missing.", file=source, column="y_true")
    tax = _resolve_taxonomy(frame, taxonomy, source, meta)

    sid = frame["sample_id"]
    blank = (sid.isna() | (sid.astype(str).str.strip() == "")).to_numpy()
    if blank.any():
        i = _first_bad(blank)
        raise DumpFormatError("missing sample_id.", file=source, row=_line(i), column="sample_id")
    n = frame.shape[0]
    with ThreadPoolExecutor(max_workers=2) as pool:
        # Hashing a million ids is the costliest single check; Arrow does it without the GIL
        # on the other core while this thread checks the other columns. Turning the Arrow ids
        # into Python strings (the Dump's object array, ~0.3 s per million) runs beside the
        # column checks too: it holds the GIL, their NumPy reductions mostly do not. A
        # duplicate is still the error reported when the ids and another column are both
        # wrong, as before.
        distinct = _count_distinct_in(pool, sid)
        if distinct is None:
            sample_id = sid.astype(str).to_numpy(dtype=object)
            _check_unique(sample_id, source)
            as_objects = None
        else:
            as_objects = pool.submit(lambda: sid.astype(str).to_numpy(dtype=object))
        try:
            fields = _columns(frame, tax, taxonomy, source)
        except DumpFormatError:
            if distinct is not None and distinct.result() < n:
                _check_unique(as_objects.result(), source)
            raise
        if as_objects is not None:
            sample_id = as_objects.result()
        if distinct is not None and distinct.result() < n:
            _check_unique(sample_id, source)

    meta.setdefault("taxonomy", tax.name)
    return Dump(taxonomy=tax, sample_id=sample_id, source=str(source), metadata=meta, **fields)


def _count_distinct_in(pool: ThreadPoolExecutor, ids: pd.Series) -> "Future | None":
    """The number of distinct ids, counted by Arrow in ``pool``; None unless they are Arrow strings
    (pandas >= 3 reads text so) and then the caller checks them itself."""
    if ids.dtype == object or not pd.api.types.is_string_dtype(ids.dtype) \
            or not hasattr(ids.array, "__arrow_array__"):
        return None
    import pyarrow.compute as pc

    arrow = ids.array.__arrow_array__()
    return pool.submit(lambda: pc.count_distinct(arrow).as_py())


def _check_unique(sample_id: np.ndarray, source: str) -> None:
    dup = pd.Series(sample_id, dtype=object).duplicated(keep="first").to_numpy()  # object hash: fast
    if dup.any():
        i = _first_bad(dup)
        raise DumpFormatError(f"duplicate sample_id {sample_id[i]!r}.", file=source, row=_line(i),
                              column="sample_id")


def _columns(frame: pd.DataFrame, tax: Taxonomy, taxonomy, source: str) -> dict:
    """Every column but ``sample_id``, validated: the remaining fields of the :class:`Dump`."""
    exclusions: dict = {}
    y_true = _labels(frame, "y_true", tax, source, allow_excluded=True,
                     range_hint=(", which was inferred from the p_ columns: is a p_<Class> column "
                                 "missing? (else pass --taxonomy)") if taxonomy is None else "")
    exclusions["expr"] = int((y_true < 0).sum())

    pcols = [proba_column(c) for c in tax.classes]
    present = [c for c in pcols if c in frame.columns]
    proba = None
    if present:
        if len(present) != len(pcols):
            missing = [c for c in pcols if c not in frame.columns][0]
            raise DumpFormatError(
                f"probability column is missing (taxonomy '{tax.name}' needs {', '.join(pcols)}).",
                file=source, column=missing)
        extra = [c for c in frame.columns if c.startswith("p_") and c not in pcols]
        if extra:
            raise DumpFormatError(f"probability column for a class not in taxonomy '{tax.name}'.",
                                  file=source, column=extra[0])
        proba = _row_major([_probabilities(frame, c, source) for c in pcols])
        sums = proba.sum(axis=1)
        off = np.abs(sums - 1.0) > PROBA_SUM_TOLERANCE
        if off.any():
            i = _first_bad(off)
            raise DumpFormatError(
                f"probabilities sum to {sums[i]:.6g}, not 1 (tolerance {PROBA_SUM_TOLERANCE}); "
                "if these are logits, apply a softmax first.", file=source, row=_line(i),
                column=pcols[0])
        # Count rows that really needed renormalizing, not float rounding of a written CSV.
        exclusions["proba_renormalized"] = int((np.abs(sums - 1.0) > PROBA_ROUNDING).sum())
        proba /= sums[:, None]  # in place: proba is this function's own array

    if "y_pred" in frame.columns:
        y_pred = _labels(frame, "y_pred", tax, source, allow_excluded=False)
    elif proba is not None:
        y_pred = proba.argmax(axis=1).astype(np.int64)
    else:
        raise DumpFormatError("needs a y_pred column or one p_<Class> column per class.",
                              file=source, column="y_pred")

    group = None
    if "group" in frame.columns:
        g = frame["group"]
        # one rule for CSV and Parquet: a null or empty (blank) group is missing
        blank = (g.isna() | (g.astype(str).str.strip() == "")).to_numpy()
        if blank.any():
            i = _first_bad(blank)
            raise DumpFormatError("missing group (empty or null); every row needs its video or "
                                  "subject.", file=source, row=_line(i), column="group")
        codes, names = pd.factorize(g.astype(str))  # one str object per group, not per row
        group = np.asarray(names, dtype=object)[codes]

    va_true = va_pred = None
    va_cols = ("v_true", "a_true", "v_pred", "a_pred")
    if any(c in frame.columns for c in va_cols):
        for c in va_cols:
            if c not in frame.columns:
                raise DumpFormatError("VA columns come as v_true, a_true, v_pred, a_pred; one is missing.",
                                      file=source, column=c)
        va_true = np.empty((frame.shape[0], 2))
        va_pred = np.empty((frame.shape[0], 2))
        for j, dim in enumerate(("v", "a")):
            t = _numeric(frame, f"{dim}_true", source)
            excl = t == VA_EXCLUDED
            bad = ~excl & ((t < -1) | (t > 1))
            if bad.any():
                i = _first_bad(bad)
                raise DumpFormatError(f"value {t[i]} is outside [-1, 1] (-5 marks a frame without annotation).",
                                      file=source, row=_line(i), column=f"{dim}_true")
            va_true[:, j] = np.where(excl, np.nan, t)
            exclusions["valence" if dim == "v" else "arousal"] = int(excl.sum())
            p = _numeric(frame, f"{dim}_pred", source)
            bad = (p < -1) | (p > 1)
            if bad.any():
                i = _first_bad(bad)
                raise DumpFormatError(f"value {p[i]} is outside [-1, 1].", file=source, row=_line(i),
                                      column=f"{dim}_pred")
            va_pred[:, j] = p

    au_true_cols = {int(m.group(1)): c for c in frame.columns if (m := _AU_TRUE.match(c))}
    au_pred_cols = {int(m.group(1)): c for c in frame.columns if (m := _AU_PRED.match(c))}
    au_names: tuple = ()
    au_true = au_pred = None
    if au_true_cols or au_pred_cols:
        if set(au_true_cols) != set(au_pred_cols):
            odd = sorted(set(au_true_cols) ^ set(au_pred_cols))[0]
            col = au_true_cols.get(odd) or au_pred_cols.get(odd)
            raise DumpFormatError(f"AU{odd} has a {'true' if odd in au_true_cols else 'pred'} column "
                                  "but not its partner.", file=source, column=col)
        nums = sorted(au_true_cols)
        au_names = tuple(f"AU{n}" for n in nums)
        au_true = np.empty((frame.shape[0], len(nums)), dtype=np.int8)
        au_pred = np.empty((frame.shape[0], len(nums)), dtype=np.int8)
        n_excl = 0
        for j, n in enumerate(nums):
            t = _au_annotation(frame, au_true_cols[n], source)
            au_true[:, j] = t
            n_excl += int(np.count_nonzero(t == AU_EXCLUDED))
            au_pred[:, j] = _au_prediction(frame, au_pred_cols[n], source)
        exclusions["au"] = n_excl

    emb_cols = sorted((int(m.group(1)), c) for c in frame.columns if (m := _EMB.match(c)))
    embedding = None
    if emb_cols:
        embedding = np.column_stack([_numeric(frame, c, source) for _, c in emb_cols])

    return dict(y_true=y_true, y_pred=y_pred, proba=proba, group=group, va_true=va_true,
                va_pred=va_pred, au_names=au_names, au_true=au_true, au_pred=au_pred,
                embedding=embedding, soft_true=soft_truth(frame, tax, source), exclusions=exclusions)


def soft_truth(frame: pd.DataFrame, tax: Taxonomy, source: str) -> "np.ndarray | None":
    """The ``soft_<Class>`` columns (see :mod:`affectctl.io.schema`) as an (n, K) array, or None.

    Every class of the taxonomy has its column and no other class does; a row is either
    all empty (no vote distribution: NaN) or finite, non-negative and summing to 1
    within ``PROBA_SUM_TOLERANCE`` (then renormalized exactly).
    """
    present = [c for c in frame.columns if str(c).startswith("soft_")]
    if not present:
        return None
    cols = [soft_column(c) for c in tax.classes]
    extra = [c for c in present if c not in cols]
    if extra:
        raise DumpFormatError(f"soft-truth column for a class not in taxonomy '{tax.name}'.", file=source,
                              column=extra[0])
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DumpFormatError(f"soft-truth column is missing (taxonomy '{tax.name}' needs "
                              f"{', '.join(cols)}).", file=source, column=missing[0])
    q = _row_major([pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64) for c in cols])
    empty = np.isnan(q).all(axis=1)
    filled = np.where(empty[:, None], 0.0, q)
    bad = ~empty[:, None] & (~np.isfinite(filled) | (filled < 0))
    for j, c in enumerate(cols):  # a value that is there but not a number is not an empty cell
        raw = frame[c]
        bad[:, j] |= (raw.notna() & pd.to_numeric(raw, errors="coerce").isna()).to_numpy()
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise DumpFormatError(f"soft-truth value {frame[cols[j]].iloc[i]!r} is not a vote share: a row "
                              "holds non-negative shares summing to 1, or is left empty.",
                              file=source, row=_line(i), column=cols[j])
    sums = np.where(empty, 1.0, np.nansum(q, axis=1))
    off = np.abs(sums - 1.0) > PROBA_SUM_TOLERANCE
    if off.any():
        i = _first_bad(off)
        raise DumpFormatError(f"soft-truth shares sum to {sums[i]:.6g}, not 1.", file=source, row=_line(i),
                              column=cols[0])
    q /= sums[:, None]
    return q
