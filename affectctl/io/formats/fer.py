"""FER2013 ``fer2013.csv`` and FERPlus ``fer2013new.csv`` as truth.

FER2013 (Goodfellow et al., "Challenges in Representation Learning: A report on three
machine learning contests", ICONIP 2013; the Kaggle release)::

    emotion,pixels,Usage
    0,70 80 82 72 58 ...,Training

``emotion`` 0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral
(taxonomy ``fer2013-7``); ``Usage`` is the split (Training, PublicTest, PrivateTest).
Images have no name: a sample is its row number within the file, 0-based, written
``fer%07d`` (``fer0000000`` is row 0). Predictions may give that name (with any
extension) or the bare row number. These are *not* the names FERPlus gives the images
it cuts from this file: ``fer2013new.csv`` (row for row the same images) numbers them
its own way, and for 35,657 of the 35,887 rows the name differs from ``fer%07d`` of the
row (``fer0028638.png`` is row 28,709); predictions keyed by FERPlus's names are scored
against ``fer2013new.csv``.

FERPlus (Barsoum, Zhang, Canton Ferrer & Zhang, "Training Deep Networks for Facial
Expression Recognition with Crowd-Sourced Label Distribution", ICMI 2016; the
``microsoft/FERPlus`` repository)::

    Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF
    Training,fer0000000.png,4,0,0,1,3,2,0,0,0,0

ten taggers' votes per image (taxonomy ``ferplus8``); rows with an empty image name
are images FERPlus dropped (excluded, counted, and not expected among predictions).
Their ids are ``<no name, line N>`` (N the file line): image names are compact
(``fer0028638.png`` is data row 28,709, on line 28,711), so an id built from the row
number, as FER2013's, would name a real image. The release lists four images twice
(``fer0006953.png``, ``fer0011785.png``, ``fer0008403.png`` in Training with the same
votes; ``fer0033120.png`` in PrivateTest once Neutral, once NF): identical rows
collapse into one (counted), an image whose rows disagree is kept once and excluded
(``"FER+ rows disagree"``), named in one warning, so a prediction for it is no error.

The repository's own label files (``data/FER2013{Train,Valid,Test}/label.csv``,
written by ``src/generate_training_data.py`` and read by ``src/ferplus.py``,
``FERPlusReader.load_folders``: ``row[0]`` the file name, ``row[1]`` the face box,
``row[2:]`` the votes) have no header::

    fer0032220.png,"(0, 0, 48, 48)",0,0,0,0,2,1,0,7,0,0

They are recognised by that shape (a name, a ``"(x, y, w, h)"`` box, 10 integer
votes in the order above) and read with the same rules; the folder is the split.

**Majority protocol** (the ``majority`` mode of ``src/ferplus.py`` in the FERPlus
repository, ``FERPlusReader._process_data``, used by its training script
``train.py``): (1) votes of 1 are removed as outliers; (2) the class with the most
remaining votes is the label if it holds *more than half* of the remaining votes,
otherwise the image is *unknown*; (3) images whose label is unknown or NF (not a
face) are left out (``load_folders``: ``idx < emotion_count - 2``). Excluded rows
are counted by reason: ``no majority``, ``unknown``, ``NF``.

**Soft truth**: the eight emotion columns' raw votes, normalized to sum 1 (the label
distribution of Barsoum et al., before the per-mode processing), become
:attr:`Dump.soft_true`, which the vote-based expected cost and calibration use.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl.errors import DumpFormatError
from affectctl.domain.taxonomies import get_taxonomy
from affectctl.io.formats._tables import header_fields, line_of, numeric_column, read_csv
from affectctl.io.pairing import Truth

__all__ = ["FER2013_COLUMNS", "FERPLUS_COLUMNS", "is_fer2013", "is_ferplus", "is_ferplus_label_file",
           "read_fer2013", "read_ferplus", "ferplus_majority"]

FER2013_COLUMNS = ("emotion", "pixels", "Usage")
FERPLUS_VOTES = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                 "contempt", "unknown", "NF")
FERPLUS_COLUMNS = ("Usage", "Image name") + FERPLUS_VOTES


def is_fer2013(path: Path) -> bool:
    """True when the header is FER2013's ``emotion,pixels,Usage`` (any order)."""
    return {"emotion", "pixels"} <= set(header_fields(path))


def is_ferplus(path: Path) -> bool:
    """True for ``fer2013new.csv`` (``Image name`` and vote columns) or a FERPlus ``label.csv``."""
    fields = header_fields(path)
    h = set(fields)
    return ("Image name" in h and {"neutral", "contempt", "NF"} <= h) or is_ferplus_label_file(fields)


_BOX = re.compile(r"^\(\s*-?\d+\s*,\s*-?\d+\s*,\s*-?\d+\s*,\s*-?\d+\s*\)$")


def is_ferplus_label_file(fields) -> bool:
    """Whether a first line (its fields) has the shape of a FERPlus ``label.csv`` row:
    a name, a ``"(x, y, w, h)"`` box and 10 non-negative integer vote counts."""
    return (len(fields) == 2 + len(FERPLUS_VOTES) and bool(fields[0]) and bool(_BOX.match(fields[1]))
            and all(f.isdigit() for f in fields[2:]))


def _read_label_file(path: Path) -> pd.DataFrame:
    """A ``label.csv`` as a frame with ``fer2013new.csv``'s column names (no Usage)."""
    try:
        frame = pd.read_csv(path, header=None, dtype={0: str, 1: str}, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DumpFormatError(f"not a readable FERPlus label.csv: {msg}.", file=path) from None
    if frame.shape[1] != 2 + len(FERPLUS_VOTES):
        raise DumpFormatError(f"a FERPlus label.csv row has 12 fields (name, box, 10 votes); this file "
                              f"has {frame.shape[1]}.", file=path)
    frame.columns = ["Image name", "box"] + list(FERPLUS_VOTES)
    bad = ~frame["box"].astype(str).str.match(_BOX.pattern)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DumpFormatError(f"face box {frame['box'].iloc[i]!r} is not '(x, y, w, h)'.", file=path,
                              row=i + 1, column="2")
    return frame


def _split(frame, path) -> np.ndarray | None:
    if "Usage" not in frame.columns:
        return None
    u = frame["Usage"]
    if u.isna().any():
        i = int(np.flatnonzero(u.isna().to_numpy())[0])
        raise DumpFormatError("missing Usage.", file=path, row=line_of(i), column="Usage")
    return u.astype(str).str.strip().to_numpy(dtype=object)


def read_fer2013(path: "str | Path", *, taxonomy=None) -> Truth:
    """Read ``fer2013.csv`` as truth (taxonomy ``fer2013-7``; ids ``fer%07d``)."""
    path = Path(path)
    tax = get_taxonomy(taxonomy or "fer2013-7")
    if tax.name != "fer2013-7":
        raise DumpFormatError(f"is a FER2013 file; its labels are taxonomy fer2013-7, not '{tax.name}'.",
                              file=path)
    frame = read_csv(path, required=("emotion",), what="FER2013 file")
    code = numeric_column(frame, "emotion", path, integer=True).astype(np.int64)
    bad = (code < 0) | (code > 6)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DumpFormatError(f"emotion {code[i]} is not one of FER2013's 0..6 (0 Angry ... 6 Neutral).",
                              file=path, row=line_of(i), column="emotion")
    n = len(code)
    return Truth(source=str(path), sample_id=np.array([f"fer{i:07d}" for i in range(n)], dtype=object),
                 taxonomy=tax, y_true=code, rows=np.arange(n) + 2, split=_split(frame, path),
                 numbered=True, metadata={"truth_format": "fer2013"})


def ferplus_majority(votes: np.ndarray) -> np.ndarray:
    """FERPlus majority label of each row of 10 vote counts, or -1/-2/-3.

    Returns the 0-based class among the eight emotions, -1 when no class holds more
    than half of the votes left after removing single votes, -2 when the majority is
    ``unknown`` and -3 when it is ``NF`` (see the module docstring for the source).
    """
    v = np.asarray(votes, dtype=np.float64).copy()
    v[v < 1.0 + np.finfo(float).eps] = 0.0     # single votes are outliers
    total = v.sum(axis=1)
    top = v.argmax(axis=1)
    peak = v.max(axis=1)
    out = np.where(peak > 0.5 * total, top, -1)
    out = np.where(out == 8, -2, out)
    out = np.where(out == 9, -3, out)
    return out.astype(np.int64)


def read_ferplus(path: "str | Path", *, taxonomy=None) -> Truth:
    """Read ``fer2013new.csv`` or a FERPlus ``label.csv`` as truth: majority labels plus
    the vote distribution.

    Returns
    -------
    Truth
        ``y_true`` by the majority protocol, ``soft_true`` the normalized votes over
        the eight emotions; ``excluded`` counts ``"FER+ no majority"``,
        ``"FER+ unknown"``, ``"FER+ NF (not a face)"``, ``"FER+ dropped image"`` and
        ``"FER+ rows disagree"``; ``metadata["ferplus_duplicates_collapsed"]`` the
        identical repeated rows removed.
    """
    path = Path(path)
    tax = get_taxonomy(taxonomy or "ferplus8")
    if tax.name != "ferplus8":
        raise DumpFormatError(f"is a FERPlus file; its labels are taxonomy ferplus8, not '{tax.name}'.",
                              file=path)
    label_file = is_ferplus_label_file(header_fields(path))
    if label_file:
        frame = _read_label_file(path)
        lines = np.arange(len(frame)) + 1
        columns = {c: str(k + 3) for k, c in enumerate(FERPLUS_VOTES)}  # 1-based field numbers
    else:
        frame = read_csv(path, required=("Image name",) + FERPLUS_VOTES, dtype={"Image name": str},
                         what="FERPlus file")
        lines = np.arange(len(frame)) + 2
        columns = {c: c for c in FERPLUS_VOTES}
    votes = np.column_stack([numeric_column(frame, c, path, lines=lines) for c in FERPLUS_VOTES])
    if (votes < 0).any():
        i, j = (int(a[0]) for a in np.nonzero(votes < 0))
        raise DumpFormatError(f"negative vote count {votes[i, j]:g}.", file=path, row=int(lines[i]),
                              column=columns[FERPLUS_VOTES[j]])
    names = frame["Image name"]
    dropped = names.isna().to_numpy() | (names.astype(str).str.strip() == "").to_numpy()
    named = names.astype(str).str.strip().to_numpy(dtype=object)
    real = set(named[~dropped].tolist())
    ids = named.copy()
    for i in np.flatnonzero(dropped):
        key = f"<no name, line {lines[i]}>"
        while key in real:          # only a file naming an image so could make it collide
            key += "#"
        ids[i] = key
    split = None if label_file else _split(frame, path)
    label = ferplus_majority(votes)
    keep, disagree, n_collapsed, names_disagree = _collapse_repeats(ids, dropped, votes, split)
    if n_collapsed or names_disagree:
        parts = []
        if names_disagree:
            shown = ", ".join(names_disagree[:5]) + (", ..." if len(names_disagree) > 5 else "")
            parts.append(f"{len(names_disagree)} image(s) listed twice with different votes ({shown}) "
                         "are left out")
        if n_collapsed:
            parts.append(f"{n_collapsed} repeated identical row(s) collapsed")
        warnings.warn(f"{path}: " + "; ".join(parts) + ".", UserWarning, stacklevel=2)
    ids, dropped, votes, label, lines = ids[keep], dropped[keep], votes[keep], label[keep], lines[keep]
    disagree = disagree[keep]
    split = None if split is None else split[keep]
    excluded = {"FER+ no majority": (label == -1) & ~dropped & ~disagree,
                "FER+ unknown": (label == -2) & ~dropped & ~disagree,
                "FER+ NF (not a face)": (label == -3) & ~dropped & ~disagree,
                "FER+ dropped image": dropped, "FER+ rows disagree": disagree}
    y = np.where((label >= 0) & ~dropped & ~disagree, label, -1)
    emo = votes[:, :8]
    s = emo.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        soft = np.where(s > 0, emo / s, np.nan)
    return Truth(source=str(path), sample_id=ids, taxonomy=tax, y_true=y.astype(np.int64),
                 soft_true=soft, rows=lines, excluded=excluded, split=split,
                 expected=~dropped, numbered=True,
                 metadata={"truth_format": "ferplus", "ferplus_file": "label.csv" if label_file else
                           "fer2013new.csv", "ferplus_duplicates_collapsed": n_collapsed,
                           "ferplus_disagreeing_images": names_disagree})


def _collapse_repeats(ids, dropped, votes, split):
    """Rows to keep when an image name repeats: the first of each name.

    Returns ``(keep, disagree, n_collapsed, names)``: ``disagree`` marks the kept row of
    a name whose rows differ in votes or split, ``n_collapsed`` counts identical repeats
    removed, ``names`` the disagreeing images in file order.
    """
    n = len(ids)
    keep = np.ones(n, bool)
    disagree = np.zeros(n, bool)
    s = pd.Series(ids)
    rep = (s.duplicated(keep=False).to_numpy()) & ~dropped
    n_collapsed, names = 0, []
    if not rep.any():
        return keep, disagree, 0, names
    for name, idx in s[rep].groupby(s[rep], sort=False).groups.items():
        idx = np.asarray(idx)
        same = (votes[idx] == votes[idx[0]]).all() and (split is None or len(set(split[idx])) == 1)
        keep[idx[1:]] = False
        if same:
            n_collapsed += len(idx) - 1
        else:
            disagree[idx[0]] = True
            names.append(str(name))
    return keep, disagree, n_collapsed, names
