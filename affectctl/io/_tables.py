"""Small helpers shared by the format readers: read a header, read a CSV, check a column.

Line numbers in messages are 1-based with the header as line 1, as everywhere in
affectctl.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DumpFormatError

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


def softmax_if_logits(scores: np.ndarray, source, columns, *, percent: bool = False,
                      tolerance: float = 1e-3, lines=None) -> tuple[np.ndarray, int]:
    """Turn a tool's scores into probabilities.

    Rows summing to 1 (or to 100 with ``percent``) within ``tolerance`` are
    renormalized; otherwise every row is put through a softmax (the scores are
    logits) and the count of rows so converted is returned. Non-finite scores are an
    error naming the line.
    """
    def line_of(i):
        return int(lines[i]) if lines is not None else int(i) + 2

    s = np.asarray(scores, dtype=np.float64)
    bad = ~np.isfinite(s)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise DumpFormatError("score is NaN, infinite or not a number.", file=source, row=line_of(i),
                              column=columns[j])
    total = 100.0 if percent else 1.0
    sums = s.sum(axis=1)
    if (s >= 0).all() and np.all(np.abs(sums - total) <= tolerance * total):
        return s / sums[:, None], 0
    if percent:
        i = int(np.flatnonzero((np.abs(sums - total) > tolerance * total) | (s < 0).any(axis=1))[0])
        raise DumpFormatError(f"scores sum to {sums[i]:.6g}, not 100 (percent).", file=source,
                              row=line_of(i), column=columns[0])
    z = s - s.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True), int(s.shape[0])
