"""py-feat's ``Fex`` CSV (``Detector.detect_image``/``detect_video`` then ``fex.to_csv``).

Format (Cheong, Jolly, Xie, Byrne, Kenney & Chang, "Py-Feat: Python Facial Expression
Analysis Toolbox", Affective Science 2023; the column lists in ``feat/utils/__init__.py``
and the ``Fex`` class in ``feat/data.py``; tutorial "Detecting facial expressions from
images")::

    FaceRectX,FaceRectY,FaceRectWidth,FaceRectHeight,FaceScore,x_0,...,y_67,Pitch,Roll,Yaw,AU01,AU02,...,AU43,anger,disgust,fear,happiness,sadness,surprise,neutral,input,frame

- Emotions: ``FEAT_EMOTION_COLUMNS`` = anger, disgust, fear, happiness, sadness,
  surprise, neutral (softmax probabilities; 7 classes, no contempt).
- AUs: ``AU01`` ... columns hold detection probabilities (≥ 0.5 is scored as 1).
- Ids: ``input`` is the image or video path; ``frame`` the frame index as py-feat
  writes it, counted from 0 (``VideoDataset`` numbers frames ``np.arange(0,
  num_frames)``, ``feat/data.py``). The sample id is ``input`` for images and
  ``<input stem>/<frame + 1:05d>`` when an input has several frames: 1-based, as
  OpenFace and the ABAW annotation files number frames (line i + 1 holds frame i). Rows where no face was found carry NaN scores:
  left out and counted (``pyfeat_no_face``). With several faces in one image/frame
  the one with the highest ``FaceScore`` is kept and the others counted
  (``pyfeat_other_faces``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DumpFormatError
from ._tables import header_fields, numeric_column, read_csv, softmax_if_logits
from .pairing import Predictions

__all__ = ["PYFEAT_EMOTIONS", "is_pyfeat", "read_pyfeat"]

PYFEAT_EMOTIONS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
_AU = re.compile(r"^AU(\d+)$")


def is_pyfeat(path: Path) -> bool:
    """True when the header has py-feat's face box and emotion or AU columns."""
    h = set(header_fields(path))
    return "FaceRectX" in h and (set(PYFEAT_EMOTIONS) <= h or any(_AU.match(c) for c in h))


def read_pyfeat(path: "str | Path", **_ignored) -> Predictions:
    """Read a py-feat Fex CSV as emotion probabilities and AU predictions."""
    path = Path(path)
    frame = read_csv(path, required=("input",), dtype={"input": str}, what="py-feat Fex file")
    emo = [c for c in PYFEAT_EMOTIONS if c in frame.columns]
    if emo and len(emo) != len(PYFEAT_EMOTIONS):
        missing = [c for c in PYFEAT_EMOTIONS if c not in frame.columns][0]
        raise DumpFormatError("py-feat emotion column is missing.", file=path, column=missing)
    au_cols = [c for c in frame.columns if _AU.match(c)]
    scored = emo + au_cols
    if not scored:
        raise DumpFormatError("has neither emotion nor AU columns.", file=path, column="anger")
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
    au = {f"AU{int(_AU.match(c).group(1))}": numeric_column(sub, c, path, lines=lines)
          for c in au_cols}
    return Predictions(source=str(path), sample_id=ids[chosen].astype(object),
                       classes=PYFEAT_EMOTIONS if emo else (), proba=proba, au_pred=au or None,
                       rows=chosen + 2, exclusions=ex, metadata={"prediction_format": "pyfeat"},
                       dropped_ids=np.setdiff1d(ids[no_face].astype(str), ids[chosen].astype(str)).astype(object))
