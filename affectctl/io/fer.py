"""FER2013 ``fer2013.csv`` and FERPlus ``fer2013new.csv`` as truth.

FER2013 (Goodfellow et al., "Challenges in Representation Learning: A report on three
machine learning contests", ICONIP 2013; the Kaggle release)::

    emotion,pixels,Usage
    0,70 80 82 72 58 ...,Training

``emotion`` 0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral
(taxonomy ``fer2013-7``); ``Usage`` is the split (Training, PublicTest, PrivateTest).
Images have no name: a sample is its row number within the file, 0-based, written
``fer%07d`` as FERPlus names the images it cuts from this file (``fer0000000.png``
is row 0). Predictions may give that name (with any extension) or the bare row number.

FERPlus (Barsoum, Zhang, Canton Ferrer & Zhang, "Training Deep Networks for Facial
Expression Recognition with Crowd-Sourced Label Distribution", ICMI 2016; the
``microsoft/FERPlus`` repository)::

    Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF
    Training,fer0000000.png,4,0,0,1,3,2,0,0,0,0

ten taggers' votes per image (taxonomy ``ferplus8``); rows with an empty image name
are images FERPlus dropped (excluded, counted, and not expected among predictions).

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

from pathlib import Path

import numpy as np

from ..errors import DumpFormatError
from ..taxonomies import get_taxonomy
from ._tables import header_fields, line_of, numeric_column, read_csv
from .pairing import Truth

__all__ = ["FER2013_COLUMNS", "FERPLUS_COLUMNS", "is_fer2013", "is_ferplus", "read_fer2013",
           "read_ferplus", "ferplus_majority"]

FER2013_COLUMNS = ("emotion", "pixels", "Usage")
FERPLUS_VOTES = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                 "contempt", "unknown", "NF")
FERPLUS_COLUMNS = ("Usage", "Image name") + FERPLUS_VOTES


def is_fer2013(path: Path) -> bool:
    """True when the header is FER2013's ``emotion,pixels,Usage`` (any order)."""
    return {"emotion", "pixels"} <= set(header_fields(path))


def is_ferplus(path: Path) -> bool:
    """True when the header has FERPlus's ``Image name`` and vote columns."""
    h = set(header_fields(path))
    return "Image name" in h and {"neutral", "contempt", "NF"} <= h


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
    """Read ``fer2013new.csv`` as truth: majority labels plus the vote distribution.

    Returns
    -------
    Truth
        ``y_true`` by the majority protocol, ``soft_true`` the normalized votes over
        the eight emotions; ``excluded`` counts ``"FER+ no majority"``,
        ``"FER+ unknown"``, ``"FER+ NF (not a face)"`` and ``"FER+ dropped image"``.
    """
    path = Path(path)
    tax = get_taxonomy(taxonomy or "ferplus8")
    if tax.name != "ferplus8":
        raise DumpFormatError(f"is a FERPlus file; its labels are taxonomy ferplus8, not '{tax.name}'.",
                              file=path)
    frame = read_csv(path, required=("Image name",) + FERPLUS_VOTES, dtype={"Image name": str},
                     what="FERPlus file")
    votes = np.column_stack([numeric_column(frame, c, path) for c in FERPLUS_VOTES])
    if (votes < 0).any():
        i, j = (int(a[0]) for a in np.nonzero(votes < 0))
        raise DumpFormatError(f"negative vote count {votes[i, j]:g}.", file=path, row=line_of(i),
                              column=FERPLUS_VOTES[j])
    names = frame["Image name"]
    dropped = names.isna().to_numpy() | (names.astype(str).str.strip() == "").to_numpy()
    n = len(names)
    ids = np.array([f"fer{i:07d}" if dropped[i] else str(names.iloc[i]).strip() for i in range(n)],
                   dtype=object)
    label = ferplus_majority(votes)
    excluded = {"FER+ no majority": (label == -1) & ~dropped, "FER+ unknown": (label == -2) & ~dropped,
                "FER+ NF (not a face)": (label == -3) & ~dropped, "FER+ dropped image": dropped}
    y = np.where((label >= 0) & ~dropped, label, -1)
    emo = votes[:, :8]
    s = emo.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        soft = np.where(s > 0, emo / s, np.nan)
    return Truth(source=str(path), sample_id=ids, taxonomy=tax, y_true=y.astype(np.int64),
                 soft_true=soft, rows=np.arange(n) + 2, excluded=excluded, split=_split(frame, path),
                 expected=~dropped, numbered=True, metadata={"truth_format": "ferplus"})
