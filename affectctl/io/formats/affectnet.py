"""AffectNet's manually annotated files, ``training.csv`` and ``validation.csv``, as truth.

Format (Mollahosseini, Hasani & Mahoor, "AffectNet: A Database for Facial Expression,
Valence, and Arousal Computing in the Wild", IEEE Trans. Affective Computing 10(1),
2019; the README shipped with the database)::

    subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal
    689/737db2483489148d783ef278f43f486c0a97e140fc4b6b61b84363ca.jpg,134,134,899,899,181.64;530.91;...,1,0.785714,-0.055556

- ``expression``: 0 Neutral, 1 Happy, 2 Sad, 3 Surprise, 4 Fear, 5 Disgust, 6 Anger,
  7 Contempt, 8 None, 9 Uncertain, 10 No-Face. Codes 8–10 are excluded from the
  expression metrics and counted by code.
- ``valence``, ``arousal``: in [-1, 1]; -2 marks Uncertain/No-Face images (paper,
  Sec. 4.2). Excluded from the VA metrics and counted.
- Protocols: ``affectnet8`` (all eight classes) and ``affectnet7`` (Contempt and its
  images are dropped, as in the 7-class results of the paper and most follow-ups;
  counted, and left out of the VA metrics as well).

The sample id is ``subDirectory_filePath``; predictions naming the image by its file
name alone, or with another extension, are matched (:mod:`affectctl.io.sample_ids`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from affectctl.errors import DumpFormatError
from affectctl.domain.taxonomies import get_taxonomy
from affectctl.io.formats._tables import header_fields, line_of, numeric_column, read_csv
from affectctl.io.pairing import Truth

__all__ = ["AFFECTNET_COLUMNS", "EXCLUDED_CODES", "VA_UNCERTAIN", "is_affectnet", "read_affectnet"]

AFFECTNET_COLUMNS = ("subDirectory_filePath", "face_x", "face_y", "face_width", "face_height",
                     "facial_landmarks", "expression", "valence", "arousal")
#: Expression codes that are not one of the eight emotions.
EXCLUDED_CODES = {8: "None", 9: "Uncertain", 10: "No-Face"}
#: The VA value of images without a VA annotation.
VA_UNCERTAIN = -2.0


def is_affectnet(path: Path) -> bool:
    """True when the header has AffectNet's ``subDirectory_filePath`` and ``expression``."""
    h = header_fields(path)
    return "subDirectory_filePath" in h and "expression" in h


def read_affectnet(path: "str | Path", *, taxonomy=None) -> Truth:
    """Read an AffectNet annotation file as truth.

    Parameters
    ----------
    path : path to ``training.csv`` or ``validation.csv``
    taxonomy : {"affectnet8", "affectnet7"}, optional
        Protocol; default ``affectnet8``.

    Returns
    -------
    Truth
        ``excluded`` holds ``"expression 8 (None)"``, ``"expression 9 (Uncertain)"``,
        ``"expression 10 (No-Face)"``, ``"valence/arousal -2"`` and, under
        ``affectnet7``, ``"Contempt (affectnet7 protocol)"``.
    """
    path = Path(path)
    tax = get_taxonomy(taxonomy or "affectnet8")
    if tax.name not in ("affectnet8", "affectnet7"):
        raise DumpFormatError(f"is an AffectNet file; --taxonomy must be affectnet8 or affectnet7, "
                              f"not '{tax.name}'.", file=path)
    frame = read_csv(path, required=("subDirectory_filePath", "expression"),
                     dtype={"subDirectory_filePath": str}, what="AffectNet annotation file")
    ids = frame["subDirectory_filePath"]
    blank = ids.isna().to_numpy() | (ids.astype(str).str.strip() == "").to_numpy()
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise DumpFormatError("missing image path.", file=path, row=line_of(i), column="subDirectory_filePath")
    code = numeric_column(frame, "expression", path, integer=True).astype(np.int64)
    bad = (code < 0) | (code > 10)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DumpFormatError(f"expression code {code[i]} is not one of AffectNet's 0..10 "
                              "(0-7 emotions, 8 None, 9 Uncertain, 10 No-Face).",
                              file=path, row=line_of(i), column="expression")
    excluded = {f"expression {c} ({name})": code == c for c, name in EXCLUDED_CODES.items()}
    y = np.where(code <= 7, code, -1)
    dropped = np.zeros(len(code), bool)
    if tax.name == "affectnet7":
        dropped = code == 7
        excluded["Contempt (affectnet7 protocol)"] = dropped
        y = np.where(dropped, -1, y)
    va = None
    if "valence" in frame.columns and "arousal" in frame.columns:
        va = np.empty((len(code), 2))
        unc = np.zeros(len(code), bool)
        for j, col in enumerate(("valence", "arousal")):
            v = numeric_column(frame, col, path)
            miss = v == VA_UNCERTAIN
            out = ~miss & ((v < -1) | (v > 1))
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise DumpFormatError(f"value {v[i]} is outside [-1, 1] (AffectNet marks a missing "
                                      "value with -2).", file=path, row=line_of(i), column=col)
            unc |= miss
            va[:, j] = np.where(miss | dropped, np.nan, v)
        excluded["valence/arousal -2"] = unc
    elif "valence" in frame.columns or "arousal" in frame.columns:
        missing = "arousal" if "valence" in frame.columns else "valence"
        raise DumpFormatError("AffectNet files carry valence and arousal together; one is missing.",
                              file=path, column=missing)
    return Truth(source=str(path), sample_id=ids.astype(str).str.strip().to_numpy(dtype=object),
                 taxonomy=tax, y_true=y.astype(np.int64), va_true=va,
                 rows=np.arange(len(code)) + 2, excluded=excluded,
                 metadata={"truth_format": "affectnet"})
