"""Small helpers shared by the format readers: read a header, read a CSV, check a column.

Line numbers in messages are 1-based with the header as line 1, as everywhere in
affectctl.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl.errors import DumpFormatError

__all__ = ["header_fields", "read_csv", "numeric_column", "line_of", "softmax_if_logits"]


def header_fields(path: Path) -> list[str]:
    """The fields of the first line of a text file, stripped (empty list when unreadable)."""
    try:
        with open(path, "rb") as fh:
            head = fh.readline(1 << 20)
    except OSError:
        return []
    if b"\x00" in head:
        return []
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not text:
        return []
    try:
        row = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        return []
    return [f.strip() for f in row]


def read_csv(path: Path, *, required=(), dtype=None, what: str = "file") -> pd.DataFrame:
    """Read a CSV whose header may have blanks around names (OpenFace); names are stripped.

    Raises
    ------
    DumpFormatError
        Unreadable file, no data rows, or a required column missing.
    """
    path = Path(path)
    if not path.is_file():
        raise DumpFormatError("file does not exist." if not path.exists() else "is not a file.", file=path)
    try:
        frame = pd.read_csv(path, skipinitialspace=True, dtype=dtype, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DumpFormatError("file is empty.", file=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DumpFormatError(f"not a readable CSV {what}: {msg}.", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in required:
        if col not in frame.columns:
            raise DumpFormatError(f"required column of a {what} is missing.", file=path, column=col)
    if frame.shape[0] == 0:
        raise DumpFormatError("has a header but no data rows.", file=path)
    return frame


def line_of(i) -> int:
    """1-based line of 0-based data row ``i`` (header = line 1)."""
    return int(i) + 2


def label_column(frame: pd.DataFrame, col: str, path) -> np.ndarray:
    """Column ``col`` as strings (an object array); a missing value is a
    DumpFormatError naming its line ("missing group.", as every reader of ids and groups says)."""
    values = frame[col]
    if values.isna().any():
        i = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise DumpFormatError(f"missing {col}.", file=path, row=line_of(i), column=col)
    return values.astype(str).to_numpy(dtype=object)


def check_sample_ids(frame, path) -> None:
    """Refuse a table with a blank ``sample_id``, naming its line."""
    sid = frame["sample_id"]
    blank = (sid.isna() | (sid.astype(str).str.strip() == "")).to_numpy()
    if blank.any():
        raise DumpFormatError("missing sample_id.", file=path, row=line_of(np.flatnonzero(blank)[0]),
                              column="sample_id")


def numeric_column(frame: pd.DataFrame, col: str, source, *, integer: bool = False,
                   lines=None) -> np.ndarray:
    """A column as float64; a missing or non-numeric value is an error naming its line.

    ``lines`` gives the file line of every row when ``frame`` is a subset of the file.
    """
    def line_of(i):
        return int(lines[i]) if lines is not None else int(i) + 2

    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raw = frame[col].iloc[i]
        what = "missing value" if pd.isna(raw) else f"non-numeric value {raw!r}"
        raise DumpFormatError(what + ".", file=source, row=line_of(i), column=col)
    if integer and (values != np.round(values)).any():
        i = int(np.flatnonzero(values != np.round(values))[0])
        raise DumpFormatError(f"value {frame[col].iloc[i]!r} is not an integer.", file=source,
                              row=line_of(i), column=col)
    return values


#: Row sums of non-negative tool scores within this relative distance of 1 (or 100) are
#: probabilities (or percentages) rounded by the tool or by a CSV writer: 8 classes
#: written with 2 decimals can be off by 8 x 0.005 = 0.04.
ROUNDED_SUM_TOLERANCE = 0.05


def softmax_if_logits(scores: np.ndarray, source, columns, *, percent: bool = False,
                      tolerance: float = 1e-3, lines=None) -> tuple[np.ndarray, int]:
    """Turn a tool's scores into probabilities; the reading is decided per file.

    - Non-negative scores whose every row sums to 1 (or to 100) within
      :data:`ROUNDED_SUM_TOLERANCE` are probabilities (percentages): each row is
      divided by its sum. Rows off by more than ``tolerance`` (rounding) and a
      percentage reading are reported in one :class:`~affectctl.errors.InputWarning`.
    - With ``percent`` (a tool documented to write percentages) any other row is an
      error naming its line.
    - Otherwise the scores are logits (negative values, or sums far from 1 and 100):
      every row goes through a softmax, and the count of rows is returned so the
      caller reports it.

    Non-finite scores are an error naming the line. Returns ``(probabilities,
    n_softmaxed)``.
    """
    import warnings

    from affectctl.errors import InputWarning

    def line_of(i):
        return int(lines[i]) if lines is not None else int(i) + 2

    s = np.asarray(scores, dtype=np.float64)
    bad = ~np.isfinite(s)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise DumpFormatError("score is NaN, infinite or not a number.", file=source, row=line_of(i),
                              column=columns[j])
    sums = s.sum(axis=1)
    nonneg = bool((s >= 0).all()) and bool((sums > 0).all())
    for total in ((100.0,) if percent else (1.0, 100.0)):
        off = np.abs(sums - total)
        if nonneg and np.all(off <= ROUNDED_SUM_TOLERANCE * total):
            n_rounded = int((off > tolerance * total).sum())
            what = []
            if total == 100.0 and not percent:
                what.append(f"read as percentages (rows sum to 100) in columns {', '.join(columns)}")
            if n_rounded:
                what.append(f"{n_rounded} row(s) summing to within {ROUNDED_SUM_TOLERANCE:.0%} of "
                            f"{total:g} (rounded) renormalized")
            if what:
                warnings.warn(f"{source}: scores " + "; ".join(what) + ".", InputWarning, stacklevel=2)
            return s / sums[:, None], 0
    if percent:
        i = int(np.flatnonzero((np.abs(sums - 100.0) > ROUNDED_SUM_TOLERANCE * 100.0)
                               | (s < 0).any(axis=1))[0])
        raise DumpFormatError(f"scores sum to {sums[i]:.6g}, not 100 (percent).", file=source,
                              row=line_of(i), column=columns[0])
    z = s - s.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True), int(s.shape[0])
