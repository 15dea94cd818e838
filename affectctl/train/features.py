"""Read precomputed features for training (``affectctl train --features FILE``).

File format
-----------
A Parquet table or an NPZ archive, one row per frame:

=====================  ========  ======================================================
column / array         required  meaning
=====================  ========  ======================================================
``f_0 .. f_{d-1}``     yes [1]   feature vector (numbers, finite)
``label``              yes       class index in the taxonomy's own numbering, or class
                                 name (synonyms accepted); ``-1`` = not annotated
``split``              yes       ``train`` or ``test``; both must be present
``valence arousal``    no        in [-1, 1]; ``-5`` or NaN = not annotated; both or none
``au<N>``              no        action-unit occurrence 0/1; ``-1`` = not annotated
``group``              no        video or subject; default: every frame its own group
``sample_id``          no        unique key of a test frame; default ``<split>-<row>``
=====================  ========  ======================================================

[1] An NPZ archive may hold one 2-D array ``X`` of shape (n, d) instead of the
``f_<i>`` arrays. Every other NPZ array is 1-D of length n.

The taxonomy (which class each index means) must be known: pass ``taxonomy``
(``--taxonomy``), or declare it in the file: a 0-d string array ``taxonomy`` in an NPZ,
or Parquet schema metadata ``affectctl = {"taxonomy": "<name>"}`` (the key the dumps
use). Labels are never mapped by a guessed order.

Memory: the feature columns are streamed from the file in blocks of
:data:`BLOCK_ROWS` rows into two float32 ``.npy`` files in a temporary folder (train
rows, test rows), memory-mapped read-only (:class:`MappedArray`). Training workers
reopen the same files, so the features exist once in memory (the page cache) however
many workers run; the folder is removed when the data are garbage-collected.

Errors raise :class:`~affectctl.errors.DumpFormatError` naming the file, the row and
the column. Rows are numbered as in a table whose header is line 1 (first frame = 2),
the convention of the dump readers.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl.train.datasets import FeatureData
from affectctl.errors import ConfigError, DumpFormatError
from affectctl.io.formats._tables import label_column, line_of
from affectctl.io.schema import AU_EXCLUDED, VA_EXCLUDED
from affectctl.domain.taxonomies import TAXONOMIES, Taxonomy, get_taxonomy

__all__ = ["load_features"]

_FEATURE = re.compile(r"^f_(\d+)$")
_AU = re.compile(r"^au(\d+)$", re.IGNORECASE)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: Rows per block when NPZ features are copied into the memory map.
BLOCK_ROWS = 32_768

#: Columns per block when Parquet features are streamed into the memory map.
BLOCK_COLUMNS = 32


def _read_parquet(path: Path):
    """Non-feature columns as a DataFrame, the declared taxonomy, feature names, blocks.

    Feature columns are not loaded here: ``blocks()`` yields ``(row offset, {name: array})``
    for ``BLOCK_ROWS`` rows at a time.
    """
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        fcols = [c for c in names if _FEATURE.match(str(c).strip())]
        frame = pf.read(columns=[c for c in names if c not in fcols]).to_pandas()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise DumpFormatError(f"not a readable Parquet file ({exc.__class__.__name__}).",
                              file=path) from None
    declared = None
    raw = (pf.schema_arrow.metadata or {}).get(b"affectctl")
    if raw:
        try:
            declared = json.loads(raw).get("taxonomy")
        except (ValueError, AttributeError):
            raise DumpFormatError("Parquet metadata 'affectctl' is not a JSON object.",
                                  file=path) from None

    def blocks():
        # one row group at a time, BLOCK_COLUMNS columns at a time: memory stays bounded
        # even when the whole file is one row group (pyarrow's default up to 1M rows)
        offset = 0
        for rg in range(pf.num_row_groups):
            rows = pf.metadata.row_group(rg).num_rows
            for lo in range(0, len(fcols), BLOCK_COLUMNS):
                part = fcols[lo:lo + BLOCK_COLUMNS]
                table = pf.read_row_group(rg, columns=part)
                yield offset, {str(c).strip(): table.column(i).combine_chunks()
                               for i, c in enumerate(part)}
                del table
            offset += rows

    return frame, declared, [str(c).strip() for c in fcols], blocks, pf.metadata.num_rows


def _read_npz(path: Path):
    """As :func:`_read_parquet` for an NPZ archive (its arrays are loaded as stored)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DumpFormatError(f"not a readable NPZ file ({exc.__class__.__name__}).",
                              file=path) from None
    with archive:
        try:
            arrays = {k: archive[k] for k in archive.files}
        except ValueError as exc:  # an object array: loading it would run pickled code
            what = "holds an object (pickled) array" if "pickle" in str(exc) else \
                f"has an unreadable array ({exc})"
            raise DumpFormatError(f"{what}; affectctl loads NPZ archives without pickle: save "
                                  "X as a numeric array (np.savez(path, X=X.astype(float)))",
                                  file=path) from None
    declared = None
    if "taxonomy" in arrays:
        t = arrays.pop("taxonomy")
        if t.ndim != 0 or t.dtype.kind not in "US":
            raise DumpFormatError("array 'taxonomy' must be a 0-d string.", file=path,
                                  column="taxonomy")
        declared = str(t)
    X = None
    if "X" in arrays:
        X = arrays.pop("X")
        if X.ndim != 2:
            raise DumpFormatError(f"array 'X' must be 2-D (n, d); got shape {X.shape}.",
                                  file=path, column="X")
        if any(_FEATURE.match(k) for k in arrays):
            raise DumpFormatError("holds both 'X' and f_<i> arrays; keep one.", file=path,
                                  column="X")
    n = X.shape[0] if X is not None else None
    for k, a in arrays.items():
        if a.ndim != 1:
            raise DumpFormatError(f"array must be 1-D; got shape {a.shape}.", file=path,
                                  column=k)
        if n is None:
            n = a.shape[0]
        if a.shape[0] != n:
            raise DumpFormatError(f"array has {a.shape[0]} rows; others have {n}.", file=path,
                                  column=k)
    if X is not None:
        fcols = [f"f_{j}" for j in range(X.shape[1])]
        feats = {c: X[:, j] for j, c in enumerate(fcols)}
    else:
        fcols = [k for k in arrays if _FEATURE.match(k)]
        feats = {k: arrays.pop(k) for k in fcols}
    frame = pd.DataFrame(arrays) if arrays else pd.DataFrame(index=range(n or 0))

    def blocks():
        for lo in range(0, n or 0, BLOCK_ROWS):
            yield lo, {c: a[lo:lo + BLOCK_ROWS] for c, a in feats.items()}

    return frame, declared, fcols, blocks, n or 0


class MappedArray(np.memmap):
    """A read-only memory-mapped ``.npy`` array that pickles as its file name.

    Sent to a training worker, it is reopened there from the same file (one copy in
    the page cache, shared by every process) instead of being copied into the pickle.
    Views and copies pickle as ordinary arrays.
    """

    _whole = False

    def __reduce__(self):
        if self._whole:
            return (_open_mapped, (self.filename,))
        return np.asarray(self).copy().__reduce__()


def _open_mapped(path: str) -> MappedArray:
    arr = np.load(path, mmap_mode="r")
    out = MappedArray.__new__(MappedArray, path, dtype=arr.dtype, mode="r",
                              offset=arr.offset, shape=arr.shape, order="C")
    out._whole = True
    return out


def _column(values, path: Path, col: str, offset: int) -> np.ndarray:
    """One block of a feature column as float64 (non-numeric values named by row)."""
    if hasattr(values, "to_numpy"):  # a pyarrow array
        import pyarrow as pa

        if pa.types.is_floating(values.type):
            return values.to_numpy(zero_copy_only=False)  # nulls become NaN
        if pa.types.is_integer(values.type):
            return values.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        values = values.to_pandas()
    series = pd.Series(np.asarray(values) if not isinstance(values, pd.Series) else values)
    if series.dtype.kind in "biuf":
        return series.to_numpy(dtype=np.float64)
    out = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(out) & series.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DumpFormatError(f"non-numeric value {series.iloc[i]!r}.", file=path,
                              row=line_of(offset + i), column=col)
    return out


def _release_arrow_memory() -> None:
    """Hand memory freed by Arrow back to the system (its pool keeps it otherwise)."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass


def _map_features(path: Path, fcols, blocks, n: int, train: np.ndarray):
    """Stream the features into two float32 ``.npy`` memory maps (train rows, test rows).

    Returns the two :class:`MappedArray` objects; their folder is removed when the
    train array is garbage-collected (files already mapped stay readable on POSIX).
    """
    import shutil
    import tempfile
    import weakref

    d = len(fcols)
    folder = Path(tempfile.mkdtemp(prefix="affectctl-features-"))
    try:
        files = {}
        for name, count in (("train", int(train.sum())), ("test", int((~train).sum()))):
            files[name] = np.lib.format.open_memmap(folder / f"X_{name}.npy", mode="w+",
                                                    dtype=np.float32, shape=(count, d))
        before = np.r_[0, np.cumsum(train)]   # train rows before each row
        col = {c: j for j, c in enumerate(fcols)}
        for offset, cols in blocks():
            rows = len(next(iter(cols.values()))) if cols else 0
            names = list(cols)
            block = np.empty((rows, len(names)), dtype=np.float32)
            for j, c in enumerate(names):
                v = _column(cols[c], path, c, offset)
                with np.errstate(over="ignore", invalid="ignore"):
                    block[:, j] = v
                if v.dtype != np.float32:  # a finite value beyond float32's range
                    over = np.isfinite(v) & ~np.isfinite(block[:, j])
                    if over.any():
                        i = int(np.flatnonzero(over)[0])
                        raise DumpFormatError("feature is beyond float32's range.", file=path,
                                              row=line_of(offset + i), column=c)
            bad = ~np.isfinite(block)
            if bad.any():
                i, j = (int(v[0]) for v in np.nonzero(bad))
                raise DumpFormatError("feature is missing, NaN or infinite.", file=path,
                                      row=line_of(offset + i), column=names[j])
            t = train[offset:offset + rows]
            lo_tr = int(before[offset])
            lo_te = offset - lo_tr
            js = [col[c] for c in names]
            sl = slice(js[0], js[-1] + 1) if js == list(range(js[0], js[-1] + 1)) else js
            n_tr = int(t.sum())
            files["train"][lo_tr:lo_tr + n_tr, sl] = block[t]
            files["test"][lo_te:lo_te + rows - n_tr, sl] = block[~t]
            del cols, block
            _release_arrow_memory()
        for f in files.values():
            f.flush()
        del files
        out = [_open_mapped(str(folder / f"X_{name}.npy")) for name in ("train", "test")]
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    weakref.finalize(out[0], shutil.rmtree, str(folder), True)
    return out


def _numbers(frame: pd.DataFrame, col: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & frame[col].notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DumpFormatError(f"non-numeric value {frame[col].iloc[i]!r}.", file=path,
                              row=line_of(i), column=col)
    return values


def _labels(frame: pd.DataFrame, tax: Taxonomy, path: Path) -> np.ndarray:
    raw = frame["label"]
    if raw.isna().any():
        i = int(np.flatnonzero(raw.isna().to_numpy())[0])
        raise DumpFormatError("missing label (use -1 for a frame without annotation).",
                              file=path, row=line_of(i), column="label")
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().all():
        v = numeric.to_numpy(dtype=np.float64)
        idx = np.round(v).astype(np.int64)
        pos = idx - tax.index_base
        bad = (v != idx) | ((idx != -1) & ((pos < 0) | (pos >= tax.n_classes)))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            lo, hi = tax.index_base, tax.index_base + tax.n_classes - 1
            raise DumpFormatError(f"label {raw.iloc[i]!r} is not a class index {lo}..{hi} of "
                                  f"taxonomy '{tax.name}' or -1.", file=path, row=line_of(i),
                                  column="label")
        return np.where(idx == -1, -1, pos).astype(np.int64)
    out = np.empty(len(raw), dtype=np.int64)
    cache: dict = {}
    for i, value in enumerate(raw.astype(str).str.strip()):
        if value not in cache:
            if value == "-1":
                cache[value] = -1
            else:
                try:
                    cache[value] = tax.index(value)
                except ConfigError:
                    raise DumpFormatError(f"unknown class name {value!r}; taxonomy '{tax.name}' "
                                          f"has {', '.join(tax.classes)}.", file=path,
                                          row=line_of(i), column="label") from None
        out[i] = cache[value]
    return out


def load_features(path: "str | Path", *, taxonomy: "str | Taxonomy | None" = None) -> FeatureData:
    """Read a features file (format in the module docstring) as :class:`FeatureData`.

    Parameters
    ----------
    path : path to a ``.parquet`` / ``.pq`` or ``.npz`` file
    taxonomy : name or Taxonomy, optional
        Overrides the taxonomy declared in the file; required when the file declares none.

    Returns
    -------
    FeatureData
        ``name`` is the file stem; ``knobs`` records the path, its SHA-256 and the taxonomy.

    Raises
    ------
    DumpFormatError
        The file does not follow the format (file, row and column named).
    ConfigError
        No taxonomy given or declared, or an unknown taxonomy name.
    """
    path = Path(path)
    if not path.is_file():
        from affectctl._util.validation import not_regular

        raise DumpFormatError(not_regular(path) if path.exists() else "features file does not exist.",
                              file=path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        frame, declared, fcols, blocks, n_rows = _read_parquet(path)
    elif suffix == ".npz":
        frame, declared, fcols, blocks, n_rows = _read_npz(path)
    else:
        raise DumpFormatError(f"features file must end in .parquet, .pq or .npz; got {suffix!r}.",
                              file=path)
    if taxonomy is None and declared is None:
        raise ConfigError(f"{path}: the features file does not declare its taxonomy; pass "
                          f"`taxonomy` (--taxonomy), one of {sorted(TAXONOMIES)}.")
    tax = get_taxonomy(taxonomy if taxonomy is not None else declared)
    if n_rows == 0:
        raise DumpFormatError("has no rows.", file=path)
    frame = frame.rename(columns=lambda c: str(c).strip())

    fnums = sorted(int(m.group(1)) for c in fcols if (m := _FEATURE.match(c)))
    if not fnums:
        raise DumpFormatError("no feature columns f_0 .. f_<d-1> (or NPZ array X).", file=path,
                              column="f_0")
    for j in range(fnums[-1] + 1):
        if f"f_{j}" not in fcols:
            raise DumpFormatError(f"feature columns must run f_0 .. f_{fnums[-1]} without gaps.",
                                  file=path, column=f"f_{j}")
    ordered = [f"f_{j}" for j in range(fnums[-1] + 1)]

    for col in ("label", "split"):
        if col not in frame.columns:
            raise DumpFormatError("required column is missing.", file=path, column=col)
    y = _labels(frame, tax, path)
    split = frame["split"].astype(str).str.strip().str.lower().to_numpy()
    bad = ~np.isin(split, ("train", "test"))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DumpFormatError(f"split must be 'train' or 'test'; got {frame['split'].iloc[i]!r}.",
                              file=path, row=line_of(i), column="split")
    train = split == "train"
    for name, mask in (("train", train), ("test", ~train)):
        if not mask.any():
            raise DumpFormatError(f"no '{name}' rows; both splits are needed.", file=path,
                                  column="split")
    if not (y[train] >= 0).any():
        raise DumpFormatError("no annotated label among the 'train' rows.", file=path,
                              column="label")

    n = frame.shape[0]
    va = np.full((n, 2), np.nan)
    has_v, has_a = "valence" in frame.columns, "arousal" in frame.columns
    if has_v != has_a:
        raise DumpFormatError("valence and arousal come together; one is missing.", file=path,
                              column="arousal" if has_v else "valence")
    if has_v:
        for j, col in enumerate(("valence", "arousal")):
            v = _numbers(frame, col, path)
            excluded = np.isnan(v) | (v == VA_EXCLUDED)
            bad = ~excluded & ((v < -1) | (v > 1) | ~np.isfinite(v))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DumpFormatError(f"value {v[i]} is outside [-1, 1] (-5 marks a frame "
                                      "without annotation).", file=path, row=line_of(i), column=col)
            va[:, j] = np.where(excluded, np.nan, v)

    au_cols = sorted((int(m.group(1)), c) for c in frame.columns if (m := _AU.match(c)))
    au = np.empty((n, len(au_cols)), dtype=np.int8)
    for j, (_, col) in enumerate(au_cols):
        v = _numbers(frame, col, path)
        bad = ~np.isin(v, (0, 1, AU_EXCLUDED))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DumpFormatError(f"AU annotation {v[i]} is not 0, 1 or -1.", file=path,
                                  row=line_of(i), column=col)
        au[:, j] = v
    au_names = tuple(f"AU{num}" for num, _ in au_cols)

    if "sample_id" in frame.columns:
        sid = label_column(frame, "sample_id", path)
    else:
        sid = np.array([f"{s}-{i}" for i, s in enumerate(split)], dtype=object)
    dup = pd.Series(sid[~train]).duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(~train)[np.flatnonzero(dup)[0]])
        raise DumpFormatError(f"duplicate sample_id {sid[i]!r} among test rows.", file=path,
                              row=line_of(i), column="sample_id")
    if "group" in frame.columns:
        group = label_column(frame, "group", path)
    else:
        group = sid.copy()

    X_train, X_test = _map_features(path, ordered, blocks, n_rows, train)
    return FeatureData(
        name=path.stem, taxonomy=tax,
        X_train=X_train, y_train=y[train], va_train=va[train], au_train=au[train],
        group_train=group[train],
        X_test=X_test, y_test=y[~train], va_test=va[~train], au_test=au[~train],
        group_test=group[~train], sample_id_test=sid[~train],
        au_names=au_names,
        knobs={"file": str(path.resolve()), "sha256": _digest(path), "taxonomy": tax.name},
    )

