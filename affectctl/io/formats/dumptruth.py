"""A truth table in the dump's own columns, for pairing with predictions in any format.

``sample_id`` plus any of ``y_true`` (indices of the taxonomy or class names;
``-1`` = not annotated) with optional ``soft_<Class>`` vote shares, ``group`` (video or subject), ``v_true``/``a_true`` (``-5`` =
not annotated) and ``au<N>_true`` (0/1, ``-1`` = not annotated), with the meanings
of :mod:`affectctl.io.schema`; CSV, or Parquet with the dump's metadata. Used when
the truth is not a dataset's own file: labels kept apart from a model's
prediction-only dump, AU annotations for OpenFace output, and so on.

The taxonomy of numeric ``y_true`` is ``--taxonomy``, else the one in the file's
metadata (Parquet schema or ``<file>.meta.json``), else the one the caller infers
from the predictions (:func:`affectctl.io.formats.read_paired`: their metadata or
``p_<Class>`` columns), else an error asking for ``--taxonomy``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from affectctl.errors import ConfigError, DumpFormatError
from affectctl.domain.taxonomies import Taxonomy, get_taxonomy
from affectctl.io.columns import AU_TRUE, PREDICTION
from affectctl.io.formats._tables import check_sample_ids, header_fields, label_column
from affectctl.io.pairing import Truth
from affectctl.io.schema import VA_EXCLUDED

__all__ = ["is_truth_table", "read_truth_table", "table_fields", "file_taxonomy"]



def table_fields(path: Path) -> list:
    """Column names of a CSV (first line) or a Parquet file (its schema); [] when unreadable."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq") and path.is_file():
        import pyarrow.parquet as pq

        try:
            return [str(n).strip() for n in pq.read_schema(path).names]
        except Exception:  # not a Parquet file: the dump reader words the error
            return []
    return header_fields(path)


def is_truth_table(path: Path) -> bool:
    """True for a CSV or Parquet with ``sample_id`` and truth columns but no prediction columns."""
    h = table_fields(path)
    truthy = "y_true" in h or "v_true" in h or any(AU_TRUE.match(c) for c in h)
    return "sample_id" in h and truthy and not any(PREDICTION.match(c) for c in h)


def file_taxonomy(meta: dict, path) -> "Taxonomy | None":
    """The taxonomy a dump's metadata names (None when it names none)."""
    name = (meta or {}).get("taxonomy")
    if not name:
        return None
    if name == "custom" and meta.get("classes"):
        return Taxonomy("custom", tuple(meta["classes"]), source=str(path))
    try:
        return get_taxonomy(name)
    except ConfigError as exc:
        raise DumpFormatError(f"metadata: {exc}", file=path) from None


def read_truth_table(path: "str | Path", *, taxonomy=None) -> Truth:
    """Read a dump-format truth table (see the module docstring).

    Raises
    ------
    DumpFormatError
        Naming file, line and column: a missing or repeated ``sample_id``, a label
        outside the taxonomy, VA outside [-1, 1] (other than -5), an AU annotation
        other than 0, 1 or -1, prediction columns (this is a truth file), or no
        truth column at all.
    """
    from affectctl.io.columns import _au_annotation, _check_unique, _labels, _numeric, soft_truth
    from affectctl.io.dumps import _read_table

    path = Path(path)
    frame, meta = _read_table(path)
    frame = frame.rename(columns=lambda c: str(c).strip())
    if "sample_id" not in frame.columns:
        raise DumpFormatError("required column of a truth file is missing (it pairs the rows with "
                              "the predictions).", file=path, column="sample_id")
    if frame.shape[0] == 0:
        raise DumpFormatError("has a header but no data rows.", file=path)
    preds = [c for c in frame.columns if PREDICTION.match(c)]
    if preds:
        raise DumpFormatError("is given as --truth but holds predictions; a truth file has sample_id "
                              "and *_true columns (and group) only.", file=path, column=preds[0])
    check_sample_ids(frame, path)
    ids = frame["sample_id"].astype(str).str.strip().to_numpy(dtype=object)
    _check_unique(ids, str(path))
    tax = get_taxonomy(taxonomy) if taxonomy is not None else file_taxonomy(meta, path)
    y = None
    if "y_true" in frame.columns and tax is None:
        from affectctl.io.columns import label_names
        from affectctl.domain.taxonomies import identify_taxonomy

        names = label_names(frame, ("y_true",))
        if names:
            try:
                tax, why = identify_taxonomy(names, ordered=False)
            except ConfigError as exc:
                raise DumpFormatError(str(exc), file=path, column="y_true") from None
            meta = {**meta, "taxonomy_reason": why + " (names in y_true)"}
    if "y_true" in frame.columns:
        if tax is None:
            raise DumpFormatError("y_true needs its taxonomy: pass --taxonomy (the predictions name "
                                  "none either, by metadata or p_<Class> columns).", file=path,
                                  column="y_true")
        y = _labels(frame, "y_true", tax, str(path), allow_excluded=True)
    soft = soft_truth(frame, tax, str(path)) if y is not None else None
    va = None
    if "v_true" in frame.columns or "a_true" in frame.columns:
        va = np.empty((len(frame), 2))
        for j, c in enumerate(("v_true", "a_true")):
            if c not in frame.columns:
                raise DumpFormatError("v_true and a_true come together; one is missing.", file=path,
                                      column=c)
            v = _numeric(frame, c, str(path))
            excl = v == VA_EXCLUDED
            out = ~excl & (np.abs(v) > 1)
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise DumpFormatError(f"value {v[i]:g} is outside [-1, 1] (-5 marks a frame without "
                                      "annotation).", file=path, row=i + 2, column=c)
            va[:, j] = np.where(excl, np.nan, v)
    au = {}
    for c in frame.columns:
        m = AU_TRUE.match(c)
        if m:
            au[f"AU{int(m.group(1))}"] = np.asarray(_au_annotation(frame, c, str(path))).astype(np.int8)
    if y is None and va is None and not au:
        raise DumpFormatError("has no y_true, v_true/a_true or au<N>_true column.", file=path)
    group = None
    if "group" in frame.columns:
        group = label_column(frame, "group", path)
    return Truth(source=str(path), sample_id=ids, taxonomy=tax or get_taxonomy("affwild2-expr8"),
                 y_true=y, va_true=va, soft_true=soft, au_true=au or None, rows=np.arange(len(frame)) + 2,
                 group=group, metadata={**meta, "truth_format": "dump"})
