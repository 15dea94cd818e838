"""py-feat's ``Fex`` CSV (``Detector.detect_image``/``detect_video`` then ``fex.to_csv``).

Format (Cheong, Jolly, Xie, Byrne, Kenney & Chang, "Py-Feat: Python Facial Expression
Analysis Toolbox", Affective Science 2023). Two layouts exist; they are told apart by
their headers exactly as py-feat's own ``feat.utils.io.read_feat`` does
(cosanlab/py-feat @ 5d235ef, ``feat/utils/io.py``): a file with ``valence`` and
``arousal`` columns, or ``mesh_x_<i>`` columns, comes from ``Detectorv2``.

**0.x/1.x** (``feat.detector.Detector``; column lists in ``feat/utils/__init__.py``)::

    FaceRectX,FaceRectY,FaceRectWidth,FaceRectHeight,FaceScore,x_0,...,y_67,Pitch,Roll,Yaw,AU01,...,AU43,anger,disgust,fear,happiness,sadness,surprise,neutral,input,frame

- Emotions: ``FEAT_EMOTION_COLUMNS`` = anger, disgust, fear, happiness, sadness,
  surprise, neutral (softmax probabilities; 7 classes, no contempt).

**2.x** (``feat.detector_v2.Detectorv2``; the multitask head's column schema in
``feat/multitask/__init__.py``)::

    FaceRectX,...,FaceScore,x_0,...,y_67,Pitch,Roll,Yaw,X,Y,Z,AU01,...,AU43,Neutral,Happy,Sad,Surprise,Fear,Disgust,Anger,valence,arousal,gaze_pitch,gaze_yaw,gaze_angle,Identity_1,...,Identity_512,mesh_x_0,...,mesh_z_477,_neutral,browDownLeft,...,noseSneerRight,FrameHeight,FrameWidth,input,frame,approx_time,Identity

- Emotions: ``EMOTION_COLUMNS_V2`` = ``EMOTION_NAMES_V24`` = Neutral, Happy, Sad,
  Surprise, Fear, Disgust, Anger (softmax; a v2.3 checkpoint adds Contempt,
  ``EMOTION_NAMES``, and is read with it).
- Valence and arousal: ``VA_COLUMNS_V2`` = valence, arousal ("continuous, [-1, 1]"),
  read as VA predictions.
- Read by name and ignored (counted in one line, :attr:`Predictions.metadata`
  ``ignored_columns``): identity embeddings (``FEAT_IDENTITY_COLUMNS``:
  ``Identity``, ``Identity_1`` ... ``Identity_512``), MediaPipe blendshapes
  (``MP_BLENDSHAPE_NAMES``, ``_neutral`` ... ``noseSneerRight``), the 478-vertex mesh
  (``MESH_COLUMNS_V2``), landmarks, face box, pose, gaze, frame size and
  ``approx_time``.

Both layouts:

- AUs: ``AU01`` ... columns hold detection probabilities (≥ 0.5 is scored as 1).
- Ids: ``input`` is the image or video path; ``frame`` the frame index as py-feat
  writes it, counted from 0 (``VideoDataset`` numbers frames ``np.arange(0,
  num_frames)``, ``feat/data.py``; with ``skip_frames`` only every n-th is written).
  The sample id is ``input`` for images and ``<input stem>/<frame + 1:05d>`` when an
  input has several frames: 1-based, as OpenFace and the ABAW annotation files number
  frames (line i + 1 holds frame i). Rows where no face was found carry NaN scores:
  left out and counted (``pyfeat_no_face``). With several faces in one image/frame
  the one with the highest ``FaceScore`` is kept and the others counted
  (``pyfeat_other_faces``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl.errors import DumpFormatError
from affectctl.io.formats._tables import header_fields, numeric_column, read_csv, softmax_if_logits
from affectctl.io.pairing import Predictions

__all__ = ["PYFEAT_EMOTIONS", "PYFEAT_V2_EMOTIONS", "PYFEAT_V2_VA", "pyfeat_layout", "is_pyfeat",
           "read_pyfeat", "ignored_pyfeat_columns"]

#: ``FEAT_EMOTION_COLUMNS`` of py-feat 0.x/1.x (``feat/utils/__init__.py``).
PYFEAT_EMOTIONS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
#: ``EMOTION_COLUMNS_V2`` of py-feat 2.x (``feat/multitask/__init__.py``).
PYFEAT_V2_EMOTIONS = ("Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger")
#: ``VA_COLUMNS_V2`` of py-feat 2.x.
PYFEAT_V2_VA = ("valence", "arousal")
_AU = re.compile(r"^AU(\d+)$")

#: Column groups py-feat writes that affectctl does not score, by name (group, pattern).
_IGNORED = (
    ("identity embedding", re.compile(r"^Identity(_\d+)?$")),
    ("face mesh", re.compile(r"^mesh_[xyz]_\d+$")),
    ("landmark", re.compile(r"^[xy]_\d+$")),
    ("blendshape", re.compile(r"^(_neutral|brow\w+|cheek\w+|eye(Blink|Look|Squint|Wide)\w+|jaw\w+|"
                              r"mouth\w+|noseSneer\w+)$")),
    ("face box", re.compile(r"^FaceRect(X|Y|Width|Height)$|^FaceScore$")),
    ("head pose", re.compile(r"^(Pitch|Roll|Yaw|X|Y|Z)$")),
    ("gaze", re.compile(r"^gaze_(pitch|yaw|angle)$")),
    ("frame size", re.compile(r"^Frame(Height|Width)$")),
    ("time", re.compile(r"^approx_time$")),
)


def pyfeat_layout(header) -> "str | None":
    """``"2.x"``, ``"0.x/1.x"`` or None for a header (list of column names).

    py-feat's ``read_feat`` rule: ``valence`` and ``arousal``, or a ``mesh_x_`` column,
    mark Detectorv2; otherwise the lower-case emotion columns mark the 0.x/1.x detector.
    Both need py-feat's ``FaceRectX`` face box and emotion or AU columns.
    """
    h = set(header)
    if "FaceRectX" not in h:
        return None
    if set(PYFEAT_V2_VA) <= h or any(c.startswith("mesh_x_") for c in h):
        if set(PYFEAT_V2_EMOTIONS) <= h or set(PYFEAT_V2_VA) <= h or any(_AU.match(c) for c in h):
            return "2.x"
        return None
    if set(PYFEAT_EMOTIONS) <= h or any(_AU.match(c) for c in h):
        return "0.x/1.x"
    return None


def is_pyfeat(path: Path) -> bool:
    """True when the header is either py-feat layout (:func:`pyfeat_layout`)."""
    return pyfeat_layout(header_fields(path)) is not None


def ignored_pyfeat_columns(columns) -> dict:
    """``{group: count}`` of the columns py-feat writes that are not scored (by name)."""
    out: dict = {}
    for c in columns:
        for group, pattern in _IGNORED:
            if pattern.match(str(c)):
                out[group] = out.get(group, 0) + 1
                break
    return out


def read_pyfeat(path: "str | Path", **_ignored) -> Predictions:
    """Read a py-feat Fex CSV (either layout) as emotion probabilities, VA and AU predictions."""
    path = Path(path)
    frame = read_csv(path, required=("input",), dtype={"input": str}, what="py-feat Fex file")
    layout = pyfeat_layout(frame.columns) or "0.x/1.x"
    if layout == "2.x":
        names = PYFEAT_V2_EMOTIONS + (("Contempt",) if "Contempt" in frame.columns else ())
    else:
        names = PYFEAT_EMOTIONS
    emo = [c for c in names if c in frame.columns]
    if emo and len(emo) != len(names):
        missing = [c for c in names if c not in frame.columns][0]
        raise DumpFormatError(f"py-feat {layout} emotion column is missing.", file=path, column=missing)
    va_cols = [c for c in PYFEAT_V2_VA if c in frame.columns] if layout == "2.x" else []
    if len(va_cols) == 1:
        missing = [c for c in PYFEAT_V2_VA if c not in frame.columns][0]
        raise DumpFormatError("valence and arousal come together; one is missing.", file=path,
                              column=missing)
    au_cols = [c for c in frame.columns if _AU.match(c)]
    scored = emo + va_cols + au_cols
    if not scored:
        raise DumpFormatError("has neither emotion, valence/arousal nor AU columns.", file=path,
                              column=names[0])
    no_face = frame[scored].isna().all(axis=1).to_numpy()
    if "FaceRectX" in frame.columns:
        no_face = no_face | frame["FaceRectX"].isna().to_numpy()
    inp = frame["input"].astype(str).str.strip()
    has_frame = "frame" in frame.columns
    fr = (pd.to_numeric(frame["frame"], errors="coerce").fillna(0).astype(np.int64)
          if has_frame else pd.Series(0, index=frame.index))
    multi = fr.groupby(inp).transform("nunique").to_numpy() > 1
    # 0-based frames -> the 1-based ids of OpenFace and ABAW
    ids = np.where(multi, [f"{Path(p).stem}/{f + 1:05d}" for p, f in zip(inp, fr)], inp.to_numpy())
    score = (pd.to_numeric(frame["FaceScore"], errors="coerce").fillna(-np.inf).to_numpy()
             if "FaceScore" in frame.columns else np.zeros(len(frame)))
    idx = np.flatnonzero(~no_face)
    if idx.size == 0:
        raise DumpFormatError("no row has a detected face.", file=path)
    order = idx[np.lexsort((-score[idx], ids[idx].astype(str)))]
    first = np.r_[True, ids[order][1:] != ids[order][:-1]]
    chosen = np.sort(order[first])
    sub = frame.iloc[chosen].reset_index(drop=True)
    lines = chosen + 2
    proba = None
    ex = {"pyfeat_no_face": int(no_face.sum()), "pyfeat_other_faces": int(order.size - chosen.size)}
    if emo:
        raw = np.column_stack([numeric_column(sub, c, path, lines=lines) for c in emo])
        proba, n_soft = softmax_if_logits(raw, path, emo, lines=lines)
        if n_soft:
            ex["scores_softmaxed"] = n_soft
    va = None
    if va_cols:
        va = np.column_stack([numeric_column(sub, c, path, lines=lines) for c in PYFEAT_V2_VA])
        out = np.abs(va) > 1
        if out.any():
            i, j = (int(a[0]) for a in np.nonzero(out))
            raise DumpFormatError(f"value {va[i, j]:g} is outside [-1, 1].", file=path,
                                  row=int(lines[i]), column=PYFEAT_V2_VA[j])
    au = {f"AU{int(_AU.match(c).group(1))}": numeric_column(sub, c, path, lines=lines)
          for c in au_cols}
    used = set(scored) | {"input", "frame"}
    ignored = ignored_pyfeat_columns(c for c in frame.columns if c not in used)
    unnamed = [c for c in frame.columns if c not in used
               and not any(p.match(str(c)) for _, p in _IGNORED)]
    if unnamed:
        ignored["other"] = len(unnamed)
    meta = {"prediction_format": "pyfeat", "pyfeat_layout": layout, "ignored_columns": ignored,
            "columns_read": list(scored) + ["input"] + (["frame"] if has_frame else [])}
    return Predictions(source=str(path), sample_id=ids[chosen].astype(object),
                       classes=tuple(emo), proba=proba, va_pred=va, au_pred=au or None,
                       rows=chosen + 2, exclusions=ex, metadata=meta,
                       dropped_ids=np.setdiff1d(ids[no_face].astype(str), ids[chosen].astype(str)).astype(object))
