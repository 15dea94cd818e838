"""deepface ``DeepFace.analyze`` results saved as JSON.

Format (Serengil & Özpınar, "HyperExtended LightFace: A Facial Attribute Analysis
Framework", ICEET 2021; ``DeepFace.analyze`` in ``deepface/DeepFace.py`` and
``deepface/modules/demography.py``; the README's "Facial Attribute Analysis"): for
one image, a list with one dict per detected face::

    [{"emotion": {"angry": 0.01, "disgust": 0.0, "fear": 0.2, "happy": 97.3, "sad": 0.1,
                  "surprise": 0.4, "neutral": 1.9},
      "dominant_emotion": "happy",
      "region": {"x": 10, "y": 20, "w": 100, "h": 100, ...},
      "face_confidence": 0.93, ...}]

- Emotion scores are **percentages** (sum 100), classes angry, disgust, fear, happy,
  sad, surprise, neutral (``Emotion.labels`` of the facial-expression model; 7 classes,
  no contempt). ``dominant_emotion`` is their argmax and is checked against them.
- A file holds many images as a JSON object ``{image id: analyze result}`` (the result
  a list of faces or one face), or as a list of face dicts carrying their image in
  ``img_path``/``image``/``path``/``file`` (``--id`` names another key); a list of
  faces none of which names its image is the result for one image, identified by the
  file's stem (``DeepFace.analyze`` on one image returns its faces so). With several
  faces for one image the most confident (``face_confidence``) is kept and the
  others counted (``deepface_other_faces``). Errors name the image id and the key.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from affectctl.errors import DumpFormatError
from affectctl.io.pairing import Predictions

__all__ = ["DEEPFACE_EMOTIONS", "is_deepface", "read_deepface"]

DEEPFACE_EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
_ID_KEYS = ("img_path", "image", "path", "file", "filename", "sample_id")


def is_deepface(path: Path) -> bool:
    """True for a ``.json`` file whose text mentions ``dominant_emotion``."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return False
    return b"dominant_emotion" in head


def _faces(entry, where, source):
    if isinstance(entry, dict):
        return [entry]
    if isinstance(entry, list) and entry and all(isinstance(f, dict) for f in entry):
        return entry
    raise DumpFormatError(f"{where}: expected an analyze result (a face dict or a list of them).",
                          file=source)


def read_deepface(path: "str | Path", *, id_column=None, **_ignored) -> Predictions:
    """Read saved ``DeepFace.analyze`` results as emotion probabilities."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DumpFormatError(f"cannot read ({exc.strerror}).", file=path) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DumpFormatError(f"not valid JSON: {str(exc).splitlines()[0]}.", file=path) from None
    items: list = []
    if isinstance(data, dict) and "emotion" not in data:
        items = [(str(k), _faces(v, f"image {k!r}", path)) for k, v in data.items()]
    else:
        faces = _faces(data, "top level", path)
        keys = (id_column,) if id_column else _ID_KEYS
        found = [next((str(f[k]) for k in keys if k in f), None) for f in faces]
        if all(key is None for key in found):
            # the result of one DeepFace.analyze call on one image: a face dict per face
            found = [path.stem] * len(faces)
        elif None in found:
            n = found.index(None)
            raise DumpFormatError(f"face {n} has no image id ({' or '.join(keys)}) while other faces "
                                  "have one; store the results as {image: result} or name the key "
                                  "with --id.", file=path)
        grouped: dict = {}
        for key, f in zip(found, faces):
            grouped.setdefault(key, []).append(f)
        items = list(grouped.items())
    if not items:
        raise DumpFormatError("holds no analyze results.", file=path)
    ids, scores, others = [], [], 0
    for key, faces in items:
        best = max(faces, key=lambda f: float(f.get("face_confidence", 0) or 0))
        others += len(faces) - 1
        emo = best.get("emotion")
        if not isinstance(emo, dict):
            raise DumpFormatError(f"image {key!r}: no 'emotion' scores (analyze with actions "
                                  "including 'emotion').", file=path, column="emotion")
        row = []
        for c in DEEPFACE_EMOTIONS:
            v = emo.get(c)
            if not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise DumpFormatError(f"image {key!r}: emotion score {c!r} is {v!r}, not a percentage.",
                                      file=path, column=f"emotion.{c}")
            row.append(float(v))
        total = sum(row)
        if abs(total - 100.0) > 0.1:
            raise DumpFormatError(f"image {key!r}: emotion scores sum to {total:.4g}, not 100 "
                                  "(deepface writes percentages).", file=path, column="emotion")
        dom = best.get("dominant_emotion")
        if dom is not None and (dom not in DEEPFACE_EMOTIONS
                                or row[DEEPFACE_EMOTIONS.index(dom)] < max(row)):
            raise DumpFormatError(f"image {key!r}: dominant_emotion {dom!r} is not the top emotion score.",
                                  file=path, column="dominant_emotion")
        ids.append(key)
        scores.append(row)
    proba = np.asarray(scores) / np.asarray(scores).sum(axis=1, keepdims=True)
    return Predictions(source=str(path), sample_id=np.array(ids, dtype=object), classes=DEEPFACE_EMOTIONS,
                       proba=proba, exclusions={"deepface_other_faces": others},
                       metadata={"prediction_format": "deepface"})
