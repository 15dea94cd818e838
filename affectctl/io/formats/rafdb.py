"""RAF-DB basic emotions: ``EmoLabel/list_patition_label.txt`` as truth.

Format (Li, Deng & Du, "Reliable Crowdsourcing and Deep Locality-Preserving Learning
for Expression Recognition in the Wild", CVPR 2017; the README of the basic subset):
one line per image, the file name and the label separated by a blank, no header::

    train_00001.jpg 5
    test_0001.jpg 5

Labels are 1-based: 1 Surprise, 2 Fear, 3 Disgust, 4 Happiness, 5 Sadness, 6 Anger,
7 Neutral (taxonomy ``rafdb7``). The split is the file-name prefix (``train_`` or
``test_``); predictions keyed by the aligned images' names (``test_0001_aligned.jpg``,
as in the database's ``Image/aligned`` folder) are matched to ``test_0001.jpg``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from affectctl.errors import DumpFormatError
from affectctl.domain.taxonomies import get_taxonomy
from affectctl.io.pairing import Truth

__all__ = ["is_rafdb", "read_rafdb"]

_LINE = re.compile(r"^\s*(\S+\.(?:jpe?g|png))\s+(\S+)\s*$", re.IGNORECASE)


def _first_line(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.readline(4096)
    except OSError:
        return ""
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def is_rafdb(path: Path) -> bool:
    """True when the first line is ``<image>.jpg <label>`` with a train_/test_ name."""
    m = _LINE.match(_first_line(Path(path)))
    return bool(m) and m.group(1).lower().startswith(("train_", "test_")) and m.group(2).isdigit()


def read_rafdb(path: "str | Path", *, taxonomy=None) -> Truth:
    """Read RAF-DB's basic-emotion label list as truth (taxonomy ``rafdb7``).

    Raises
    ------
    DumpFormatError
        A line that is not ``name label``, or a label outside 1..7, naming the line.
    """
    path = Path(path)
    tax = get_taxonomy(taxonomy or "rafdb7")
    if tax.name != "rafdb7":
        raise DumpFormatError(f"is a RAF-DB label list; its labels are taxonomy rafdb7, not '{tax.name}'.",
                              file=path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DumpFormatError(f"cannot read ({exc.strerror}).", file=path) from None
    except UnicodeDecodeError:
        raise DumpFormatError("is not UTF-8 text.", file=path) from None
    names, labels, rows = [], [], []
    for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            raise DumpFormatError(f"expected '<image>.jpg <label>', found {line.strip()[:60]!r}.",
                                  file=path, row=n)
        if not m.group(2).isdigit() or not 1 <= int(m.group(2)) <= 7:
            raise DumpFormatError(f"label {m.group(2)!r} is not one of RAF-DB's 1..7 "
                                  "(1 Surprise ... 7 Neutral).", file=path, row=n, column="label")
        names.append(m.group(1))
        labels.append(int(m.group(2)) - 1)
        rows.append(n)
    if not names:
        raise DumpFormatError("holds no labelled images.", file=path)
    split = np.array([nm.split("_", 1)[0].lower() for nm in names], dtype=object)
    return Truth(source=str(path), sample_id=np.array(names, dtype=object), taxonomy=tax,
                 y_true=np.array(labels, dtype=np.int64), rows=np.array(rows, dtype=np.int64),
                 split=split, metadata={"truth_format": "rafdb"})
