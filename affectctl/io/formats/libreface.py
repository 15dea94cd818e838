"""LibreFace CSV output (``libreface.get_facial_attributes(..., output_save_path=...)``).

Format (Chang, Yin, Kong, Ostrowski & Ng, "LibreFace: An Open-Source Toolkit for Deep
Facial Expression Analysis", WACV 2024; written by ``save_facial_attributes_image`` and
``save_facial_attributes_video`` in ``libreface/__init__.py`` of ``ihp-lab/LibreFace``)::

    frame_idx,frame_time_in_ms,pitch,yaw,roll,...,au_1,au_2,au_4,...,au_24,au_1_intensity,...,au_26_intensity,facial_expression

- ``facial_expression`` is a class *name* (no scores), one of Neutral, Happiness,
  Sadness, Surprise, Fear, Disgust, Anger, Contempt (``facial_expr_idx_to_class`` in
  ``Facial_Expression_Recognition/inference.py``: AffectNet's order, 8 classes).
- ``au_<n>`` is detection 0/1 (AUs 1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24, the BP4D
  set of ``AU_Detection``); ``au_<n>_intensity`` is intensity 0–5 (DISFA set), not scored.
  Early releases keyed both dictionaries by the bare AU number (columns ``1``, ``2``, ...);
  a column of that form holding only 0/1 is read as detection.
- Ids: ``frame_idx`` (video; LibreFace numbers the frames it extracts from 0,
  ``get_frames_from_video_ffmpeg`` in ``libreface/utils.py``) becomes
  ``<file stem>/<frame_idx + 1:05d>``, 1-based as OpenFace and the ABAW annotation
  files number frames; early image files carry ``input_image_path``; a
  one-row image file without either is identified by its own file stem.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from affectctl.errors import DumpFormatError
from affectctl.io.formats._tables import header_fields, line_of, numeric_column, read_csv
from affectctl.io.pairing import Predictions

__all__ = ["LIBREFACE_CLASSES", "is_libreface", "read_libreface"]

LIBREFACE_CLASSES = ("Neutral", "Happiness", "Sadness", "Surprise", "Fear", "Disgust", "Anger", "Contempt")
_AU = re.compile(r"^(?:au_)?(\d+)$")


def is_libreface(path: Path) -> bool:
    """True when the header has ``facial_expression`` or ``au_<n>_intensity`` columns."""
    h = header_fields(path)
    return "facial_expression" in h or any(re.match(r"^au_\d+_intensity$", c) for c in h)


def read_libreface(path: "str | Path", **_ignored) -> Predictions:
    """Read a LibreFace CSV as predicted class names and AU detections."""
    path = Path(path)
    frame = read_csv(path, dtype={"input_image_path": str}, what="LibreFace output file")
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed:")])
    n = len(frame)
    stem = path.stem
    group = None
    if "frame_idx" in frame.columns:
        fr = numeric_column(frame, "frame_idx", path, integer=True).astype(np.int64)
        ids = np.array([f"{stem}/{f + 1:05d}" for f in fr], dtype=object)  # 0-based -> 1-based
        group = np.full(n, stem, dtype=object)
    elif "input_image_path" in frame.columns:
        ids = frame["input_image_path"].astype(str).str.strip().to_numpy(dtype=object)
    elif n == 1:
        ids = np.array([stem], dtype=object)
    else:
        raise DumpFormatError("has several rows but neither frame_idx nor input_image_path to tell "
                              "them apart.", file=path, column="frame_idx")
    y_pred = None
    if "facial_expression" in frame.columns:
        names = frame["facial_expression"].astype(str).str.strip()
        lookup = {c.lower(): k for k, c in enumerate(LIBREFACE_CLASSES)}
        pos = names.str.lower().map(lookup)
        if pos.isna().any():
            i = int(np.flatnonzero(pos.isna().to_numpy())[0])
            raise DumpFormatError(f"facial_expression {names.iloc[i]!r} is not one of LibreFace's "
                                  f"{', '.join(LIBREFACE_CLASSES)}.", file=path, row=line_of(i),
                                  column="facial_expression")
        y_pred = pos.to_numpy(dtype=np.int64)
    au = {}
    for c in frame.columns:
        m = _AU.match(c)
        if not m:
            continue
        v = numeric_column(frame, c, path)
        if not np.isin(v, (0, 1)).all():
            if c.startswith("au_"):
                i = int(np.flatnonzero(~np.isin(v, (0, 1)))[0])
                raise DumpFormatError(f"AU detection {v[i]:g} is not 0 or 1.", file=path,
                                      row=line_of(i), column=c)
            continue  # an early release's bare-number intensity column
        au[f"AU{int(m.group(1))}"] = v
    if y_pred is None and not au:
        raise DumpFormatError("has neither facial_expression nor au_<n> columns.", file=path,
                              column="facial_expression")
    return Predictions(source=str(path), sample_id=ids, classes=LIBREFACE_CLASSES if y_pred is not None else (),
                       y_pred=y_pred, au_pred=au or None, group=group, rows=np.arange(n) + 2,
                       metadata={"prediction_format": "libreface"})
