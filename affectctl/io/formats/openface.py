"""OpenFace 2.x ``FeatureExtraction`` CSV output as AU predictions.

Format (Baltrušaitis, Zadeh, Lim & Morency, "OpenFace 2.0: Facial Behavior Analysis
Toolkit", FG 2018; written by ``RecorderCSV::Open``/``WriteLine`` in
``lib/local/Utilities/src/RecorderCSV.cpp``; the wiki page "Output Format")::

    frame, face_id, timestamp, confidence, success, gaze_0_x, ..., AU01_r, AU02_r, ..., AU45_r, AU01_c, ..., AU28_c, AU45_c

- The 2.0.x releases separate the header names with ``", "``, so every name after the
  first has a leading blank (the OpenFace issue tracker's recurring ``KeyError:
  'success'``); later builds write ``","``. Both are read (names are stripped).
- ``AUxx_c`` is occurrence (0/1, from the SVM classifiers) and ``AUxx_r`` intensity
  (0–5, SVR). Occurrence is what is scored (``AU01_c`` → ``AU1``); intensities are not
  thresholded. AU28 has an ``_c`` column only.
- ``success`` is 0 on frames where tracking failed; their AU values are zeros written
  by ``WriteLine``, not predictions: they are left out and counted
  (``openface_unsuccessful``), and their truth rows are not reported again as
  lacking a prediction (a frame missing from the file altogether is).
- ``frame`` is 1-based. One file is one video, named after it: the sample id is
  ``<file stem>/<frame:05d>`` (the ABAW convention), the group the file stem. With
  several faces per frame (``FaceLandmarkVidMulti``) the most confident successful
  face is kept and the others counted (``openface_other_faces``).
- A folder of such files (one per video, as ``FeatureExtraction -fdir``/a batch run
  writes them) is read as one set of predictions, each file keeping its own video.

Against Aff-Wild2/ABAW AU annotations (:func:`affectctl.io.formats.abaw.read_abaw_truth`) the
ids join as they are: OpenFace's frame n of ``video.csv`` and line n+1 of the
annotation file ``video.txt`` are both ``video/<n:05d>``, the ABAW image
``video/<n:05d>.jpg``, since both count frames from 1. OpenFace predicts no AU24
(its AU models cover AU1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28,
45; Baltrušaitis, Mahmoud & Robinson, "Cross-dataset learning and person-specific
normalisation for automatic Action Unit detection", FG 2015): it is reported as not
predicted and the 12-AU ABAW score is n/a rather than a mean over 11.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from affectctl.errors import DumpFormatError
from affectctl.io.formats._tables import header_fields, line_of, numeric_column, read_csv
from affectctl.io.pairing import Predictions

__all__ = ["is_openface", "read_openface"]

_AU_C = re.compile(r"^AU(\d+)_c$")


def _csv_files(path: Path) -> list:
    return sorted(p for p in Path(path).glob("*.csv") if p.is_file() and not p.name.startswith("."))


def is_openface(path: Path) -> bool:
    """True when the header has ``frame``, ``success`` and ``AUxx_c``/``AUxx_r`` columns (for a
    folder: one of its ``.csv`` files; the reader then requires all of them to be)."""
    path = Path(path)
    if path.is_dir():
        return any(is_openface(f) for f in _csv_files(path))
    h = header_fields(path)
    return {"frame", "success"} <= set(h) and any(re.match(r"^AU\d+_[cr]$", c) for c in h)


def read_openface(path: "str | Path", **_ignored) -> Predictions:
    """Read a FeatureExtraction CSV, or a folder of them, as AU occurrence predictions (see
    the module docstring)."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    frame = read_csv(path, required=("frame", "success"), what="OpenFace output file")
    au_cols = [c for c in frame.columns if _AU_C.match(c)]
    if not au_cols:
        raise DumpFormatError("has no AUxx_c occurrence columns (run FeatureExtraction with -aus).",
                              file=path, column="AU01_c")
    fr = numeric_column(frame, "frame", path, integer=True).astype(np.int64)
    ok = numeric_column(frame, "success", path)
    bad = ~np.isin(ok, (0, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DumpFormatError(f"success is {ok[i]:g}, not 0 or 1.", file=path, row=line_of(i), column="success")
    conf = numeric_column(frame, "confidence", path) if "confidence" in frame.columns else np.ones(len(fr))
    keep = ok == 1
    n_fail = int((~keep).sum())
    idx = np.flatnonzero(keep)
    # most confident successful face per frame
    order = idx[np.lexsort((-conf[idx], fr[idx]))]
    first = np.r_[True, fr[order][1:] != fr[order][:-1]] if order.size else np.zeros(0, bool)
    chosen = np.sort(order[first])
    n_other = int(order.size - chosen.size)
    if chosen.size == 0:
        raise DumpFormatError(f"no frame was tracked (success is 0 on all {len(fr)} rows).", file=path,
                              column="success")
    au = {}
    for c in au_cols:
        v = numeric_column(frame, c, path)
        out = ~np.isin(v[chosen], (0, 1))
        if out.any():
            i = int(chosen[np.flatnonzero(out)[0]])
            raise DumpFormatError(f"AU occurrence {v[i]:g} is not 0 or 1.", file=path, row=line_of(i), column=c)
        au[f"AU{int(_AU_C.match(c).group(1))}"] = v[chosen]
    stem = path.stem
    tracked = set(fr[chosen].tolist())
    lost = sorted(set(fr[~keep].tolist()) - tracked)  # frames with no successful face at all
    return Predictions(
        source=str(path), sample_id=np.array([f"{stem}/{f:05d}" for f in fr[chosen]], dtype=object),
        au_pred=au, group=np.full(chosen.size, stem, dtype=object), rows=chosen + 2,
        exclusions={"openface_unsuccessful": n_fail, "openface_other_faces": n_other},
        dropped_ids=np.array([f"{stem}/{f:05d}" for f in lost], dtype=object),
        metadata={"prediction_format": "openface"})


def _read_folder(path: Path) -> Predictions:
    """Every ``.csv`` of a folder, one video each, as one :class:`Predictions`."""
    files = _csv_files(path)
    if not files:
        raise DumpFormatError("holds no OpenFace .csv files.", file=path)
    parts = []
    for f in files:
        if not is_openface(f):
            raise DumpFormatError("is not an OpenFace FeatureExtraction CSV like the other files of "
                                  f"{path} (no frame, success and AUxx_c columns).", file=f, row=1)
        parts.append(read_openface(f))
    aus = set(parts[0].au_pred)
    for f, p in zip(files, parts):
        if set(p.au_pred) != aus:
            odd = sorted(set(p.au_pred) ^ aus, key=lambda a: int(a[2:]))[0]
            raise DumpFormatError(f"has another AU set than {files[0].name} ({odd} differs).", file=f,
                                  row=1)
    counts = {k: sum(p.exclusions[k] for p in parts) for k in parts[0].exclusions}
    return Predictions(
        source=str(path), sample_id=np.concatenate([p.sample_id for p in parts]),
        au_pred={a: np.concatenate([p.au_pred[a] for p in parts]) for a in parts[0].au_pred},
        group=np.concatenate([p.group for p in parts]), rows=None, exclusions=counts,
        dropped_ids=np.concatenate([p.dropped_ids for p in parts]),
        metadata={"prediction_format": "openface", "files": len(files)})
