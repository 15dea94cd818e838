"""EmotiEffLib / HSEmotion emotion scores saved as a CSV.

The library (Savchenko, "Facial expression and attributes recognition based on
multi-task learning of lightweight neural networks", SISY 2021; ``HSEmotionRecognizer``
in ``hsemotion/facial_emotions.py`` and ``hsemotion_onnx/facial_emotions.py``, and
``EmotiEffLib``'s recognizers) returns ``(emotion, scores)`` per face, ``scores`` in the
model's own class order, which is **alphabetical**, not AffectNet's::

    8-class models (enet_b0_8_best_afew, enet_b0_8_best_vgaf, enet_b2_8, ...):
        {0: 'Anger', 1: 'Contempt', 2: 'Disgust', 3: 'Fear', 4: 'Happiness', 5: 'Neutral', 6: 'Sadness', 7: 'Surprise'}
    7-class models (enet_b2_7, ...: name contains '_7'):
        {0: 'Anger', 1: 'Disgust', 2: 'Fear', 3: 'Happiness', 4: 'Neutral', 5: 'Sadness', 6: 'Surprise'}

Treating these indices as AffectNet's (0 Neutral, 1 Happy, ...) swaps every class.
``predict_emotions(face_img, logits=True)`` returns logits by default; softmax
probabilities with ``logits=False``. Multi-task models (name contains ``_mtl``, e.g.
``enet_b0_8_va_mtl``) append valence and arousal as the last two scores.

Read here: a CSV with an id column and one score column per class, either named by
the library's class names (any order; the names decide) or numbered ``0..K-1`` /
``score_0..`` (the model's order above, K = 7 or 8 from the column count; 10 columns
are an ``_mtl`` model's 8 scores then valence, arousal). Columns ``valence`` and
``arousal`` are read as VA predictions. Rows that
sum to 1 are probabilities; otherwise the scores are taken as logits and put through
a softmax (counted as ``scores_softmaxed``). The id column is ``--id`` or the first of
``image``, ``file``, ``filename``, ``path``, ``img``, ``sample_id``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from affectctl.errors import DumpFormatError
from affectctl.io.formats._tables import header_fields, numeric_column, read_csv, softmax_if_logits
from affectctl.io.pairing import Predictions

__all__ = ["EMOTIEFFLIB_8", "EMOTIEFFLIB_7", "is_emotiefflib", "read_emotiefflib", "find_id_column"]

EMOTIEFFLIB_8 = ("Anger", "Contempt", "Disgust", "Fear", "Happiness", "Neutral", "Sadness", "Surprise")
EMOTIEFFLIB_7 = ("Anger", "Disgust", "Fear", "Happiness", "Neutral", "Sadness", "Surprise")
ID_CANDIDATES = ("image", "file", "filename", "file_name", "path", "img", "img_path", "image_path",
                 "sample_id", "id")
_NUM = re.compile(r"^(?:score_?)?(\d+)$", re.IGNORECASE)


def find_id_column(columns, id_column, source) -> str:
    """The id column: ``id_column`` if given (must exist), else the first usual name."""
    if id_column is not None:
        if id_column not in columns:
            raise DumpFormatError(f"--id names column {id_column!r}, which the file lacks (it has "
                                  f"{', '.join(map(str, list(columns)[:12]))}).", file=source, column=id_column)
        return id_column
    low = {str(c).lower(): c for c in columns}
    for cand in ID_CANDIDATES:
        if cand in low:
            return low[cand]
    raise DumpFormatError("no image id column (image, file, path, sample_id, ...); name it with --id.",
                          file=source)


def is_emotiefflib(path: Path) -> bool:
    """True when the header holds the library's class names in its alphabetical order."""
    h = header_fields(path)
    for classes in (EMOTIEFFLIB_8, EMOTIEFFLIB_7):
        pos = [h.index(c) for c in classes if c in h]
        if len(pos) == len(classes) and pos == sorted(pos):
            return True
    return False


def read_emotiefflib(path: "str | Path", *, id_column=None, **_ignored) -> Predictions:
    """Read saved EmotiEffLib/HSEmotion scores (see the module docstring)."""
    path = Path(path)
    frame = read_csv(path, what="EmotiEffLib score file")
    idc = find_id_column(frame.columns, id_column, path)
    named = [c for c in frame.columns if c in EMOTIEFFLIB_8]
    if named:
        classes = tuple(named)
        cols = named
    else:
        numbered = sorted((int(m.group(1)), c) for c in frame.columns if (m := _NUM.match(str(c))))
        if len(numbered) not in (7, 8, 10) or [k for k, _ in numbered] != list(range(len(numbered))):
            raise DumpFormatError("expected 7 or 8 score columns named by class (Anger, ...) or "
                                  "numbered 0..K-1 (10 for an _mtl model).", file=path)
        if len(numbered) == 10:
            frame = frame.rename(columns={numbered[8][1]: "valence", numbered[9][1]: "arousal"})
            numbered = numbered[:8]
        classes = EMOTIEFFLIB_8 if len(numbered) == 8 else EMOTIEFFLIB_7
        cols = [c for _, c in numbered]
    raw = np.column_stack([numeric_column(frame, c, path) for c in cols])
    proba, n_soft = softmax_if_logits(raw, path, cols)
    ex = {"scores_softmaxed": n_soft} if n_soft else {}
    va = None
    if "valence" in frame.columns and "arousal" in frame.columns:
        va = np.column_stack([numeric_column(frame, c, path) for c in ("valence", "arousal")])
        out = np.abs(va) > 1
        if out.any():
            i, j = (int(a[0]) for a in np.nonzero(out))
            raise DumpFormatError(f"value {va[i, j]:g} is outside [-1, 1].", file=path, row=i + 2,
                                  column=("valence", "arousal")[j])
    return Predictions(source=str(path), sample_id=frame[idc].astype(str).str.strip().to_numpy(dtype=object),
                       classes=classes, proba=proba, va_pred=va, rows=np.arange(len(frame)) + 2, exclusions=ex,
                       metadata={"prediction_format": "emotiefflib"})
