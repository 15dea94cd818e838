"""Join predictions to truth rows on normalized image ids.

Datasets name an image by a relative path (AffectNet ``subDirectory_filePath``
``"689/737db2483489148d.jpg"``), by a bare file name (RAF-DB ``"test_0001.jpg"``) or
by a row number (FER2013); tools name it by what they were given, often the
aligned copy (RAF-DB's ``"test_0001_aligned.jpg"``) or an absolute path. An id is
compared at four levels, from strict to loose, and the strictest level at which
every prediction finds a truth row is used:

1. ``exact``: the string as written (surrounding blanks removed);
2. ``path``: ``\\`` turned into ``/``, a leading ``./`` dropped, the extension
   dropped, a trailing ``_aligned`` dropped (``"./689/a_aligned.png"`` → ``"689/a"``);
3. ``tail``: the longest trailing part of the level-2 key that is a truth row's
   level-2 key (``"/data/AffectNet/689/a"`` → ``"689/a"``);
4. ``name``: the last path component of level 2 (``"689/a"`` → ``"a"``).

At a level where two truth rows share a key, matching through that key is refused
(an ambiguous id is never paired by chance). A prediction that finds no truth row
at any level is an error naming the first few; truth rows without a prediction are
counted and warned about, or an error under ``strict``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from affectctl.errors import DumpFormatError

__all__ = ["normalize_id", "id_key", "join_ids", "ID_LEVELS"]

ID_LEVELS = ("exact", "path", "tail", "name")
_EXT = re.compile(r"\.(jpe?g|png|bmp|tiff?|gif|webp|npy)$", re.IGNORECASE)
_ALIGNED = re.compile(r"_aligned$", re.IGNORECASE)


def normalize_id(value: str) -> str:
    """Level-2 key of an image id: slashes unified, extension and ``_aligned`` dropped."""
    s = str(value).strip().replace("\\", "/")
    while s.startswith("./"):
        s = s[2:]
    s = _EXT.sub("", s)
    return _ALIGNED.sub("", s)


def id_key(value: str, level: str) -> str:
    """The key of ``value`` at ``level`` (one of :data:`ID_LEVELS`)."""
    if level == "exact":
        return str(value).strip()
    s = normalize_id(value)
    return s if level in ("path", "tail") else s.rsplit("/", 1)[-1]


def _keys(ids, level: str) -> pd.Series:
    s = pd.Series(np.asarray(ids, dtype=object)).astype(str).str.strip()
    if level == "exact":
        return s
    s = s.str.replace("\\", "/", regex=False).str.replace(r"^(\./)+", "", regex=True)
    s = s.str.replace(_EXT, "", regex=True).str.replace(_ALIGNED, "", regex=True)
    if level == "name":
        s = s.str.rsplit("/", n=1).str[-1]
    return s


def join_ids(pred_ids, truth_ids, *, pred_source: str = "<predictions>",
             truth_source: str = "<truth>", strict: bool = False, truth_rows=None,
             expected=None, pred_rows=None, dropped_ids=None, n_show: int = 3) -> tuple[np.ndarray, np.ndarray, str]:
    """Pair every prediction with its truth row.

    Parameters
    ----------
    pred_ids, truth_ids : sequence of str
        Image ids as written in each file. Prediction ids must be unique.
    pred_source, truth_source : str
        File names for the messages.
    strict : bool, default False
        Truth rows without a prediction are an error instead of a warning.
    truth_rows, pred_rows : sequence of int, optional
        1-based line of every truth / prediction row, for the messages.
    expected : callable, optional
        ``expected(truth_index) -> bool array over the truth rows``: the rows that
        should have a prediction, given those matched (e.g. the splits the
        predictions cover); default all.
    dropped_ids : sequence of str, optional
        Ids the prediction reader read but left out, counting them itself (OpenFace
        frames with ``success`` 0): their truth rows are not reported as lacking a
        prediction (matched at the same level as the predictions).

    Returns
    -------
    pred_index, truth_index : ndarray of int64
        Aligned positions: prediction ``pred_index[i]`` pairs with truth row
        ``truth_index[i]``; in truth order.
    level : str
        The level of :data:`ID_LEVELS` that matched.

    Raises
    ------
    DumpFormatError
        When a prediction id is duplicated or has no truth row at any level, or under
        ``strict`` when truth rows have no prediction.
    """
    pred = pd.Series(np.asarray(pred_ids, dtype=object)).astype(str).str.strip()
    truth = pd.Series(np.asarray(truth_ids, dtype=object)).astype(str).str.strip()
    dup = pred.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((pred == pred.iloc[i]).to_numpy())[0])
        where = "" if pred_rows is None else f" (first on line {int(np.asarray(pred_rows)[first])})"
        raise DumpFormatError(f"image id {pred.iloc[i]!r} appears twice among the predictions{where}.",
                              file=pred_source, row=None if pred_rows is None else int(np.asarray(pred_rows)[i]))
    best = None
    for level in ID_LEVELS:
        tk = _keys(truth, "path" if level == "tail" else level)
        pk = _keys(pred, "path" if level == "tail" else level)
        unique = ~tk.duplicated(keep=False)
        lookup = pd.Series(np.flatnonzero(unique.to_numpy()), index=tk[unique].to_numpy())
        if level == "tail":
            known = set(lookup.index)
            pk = pd.Series([_longest_tail(k, known) for k in pk], dtype=object)
        pos = pk.map(lookup)
        found = pos.notna().to_numpy()
        if best is None or found.sum() > best[1].sum():
            best = (level, found, pos, pk)
        if found.all():
            if pk.duplicated().any():
                i = int(np.flatnonzero(pk.duplicated().to_numpy())[0])
                raise DumpFormatError(
                    f"two predictions, {pred.iloc[i]!r} and another, name the same image "
                    f"({pk.iloc[i]!r}) once extension, folder and '_aligned' are ignored.",
                    file=pred_source)
            truth_idx = pos.to_numpy(dtype=np.int64)
            order = np.argsort(truth_idx, kind="stable")
            want = (np.ones(len(truth), bool) if expected is None
                    else np.asarray(expected(truth_idx), dtype=bool))
            have = np.zeros(len(truth), bool)
            have[truth_idx] = True
            if dropped_ids is not None and len(dropped_ids):
                dk = _keys(pd.Series(np.asarray(dropped_ids, dtype=object)).astype(str).str.strip(),
                           "path" if level == "tail" else level)
                if level == "tail":
                    dk = pd.Series([_longest_tail(k, known) for k in dk], dtype=object)
                hit = dk.map(lookup).dropna().to_numpy(dtype=np.int64)
                want[hit] = False
            lacking = want & ~have
            missing = int(lacking.sum())
            if missing:
                first = np.flatnonzero(lacking)[:n_show]
                where = ", ".join(repr(truth.iloc[j]) for j in first)
                msg = (f"{missing} of {int(want.sum())} truth rows have no prediction (first: {where})")
                if strict:
                    row = None if truth_rows is None else int(np.asarray(truth_rows)[first[0]])
                    raise DumpFormatError(msg + "; --strict requires one for every row.",
                                          file=truth_source, row=row)
                warnings.warn(f"{truth_source}: {msg}; they are left out of every metric.",
                              UserWarning, stacklevel=2)
            return order, truth_idx[order], level
    level, found, pos, pk = best
    lost = np.flatnonzero(~found)
    shown = ", ".join(repr(pred.iloc[j]) for j in lost[:n_show])
    ambiguous = _keys(truth, "name").duplicated(keep=False).any()
    hint = (" (some truth rows share a file name, so names alone cannot pair them)"
            if ambiguous else "")
    raise DumpFormatError(
        f"{len(lost)} of {len(pred)} predictions have no row in the truth file {truth_source} "
        f"(first: {shown}); ids are matched as written, then without extension, '_aligned' "
        f"suffix and folder{hint}.", file=pred_source)


def _longest_tail(key: str, known: set) -> str:
    """The longest trailing ``/``-part of ``key`` that is in ``known`` (else ``key``)."""
    parts = key.split("/")
    for i in range(len(parts)):
        tail = "/".join(parts[i:])
        if tail in known:
            return tail
    return key
