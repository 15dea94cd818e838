"""Why a text table could not be read: the line of a bad byte, a wrong delimiter, a repeated header.

Readers call these only after a read failed or a header looks wrong, so the normal path
pays nothing. Each returns what an error message needs (a 1-based line and column, a
hint), and the reader raises :class:`~affectctl.errors.DumpFormatError` with it.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["first_undecodable", "delimiter_hint", "duplicated_columns"]

#: pandas renames a repeated header name ``x`` to ``x.1``, ``x.2``, ...
_MANGLED = re.compile(r"^(.*)\.(\d+)$")


def first_undecodable(path: "str | Path", encoding: str = "utf-8") -> "tuple[int, int, bytes] | None":
    """``(line, column, bytes)`` of the first byte sequence not valid in ``encoding``.

    Lines and columns are 1-based (the header is line 1; the column counts bytes), the
    bytes are the offending ones; ``None`` when the whole file decodes.
    """
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                return n, exc.start + 1, raw[exc.start:exc.end]
    return None


def delimiter_hint(columns) -> "str | None":
    """A hint when a table read as comma-separated came out as one column holding another
    delimiter (``sample_id;y_true;...``): ``"semicolon-delimited"`` and so on, else ``None``."""
    cols = [str(c) for c in columns]
    if len(cols) != 1:
        return None
    for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
        if cols[0].count(sep) >= 1:
            return f"the header has no comma but {cols[0].count(sep)} {name}(s): the file looks " \
                   f"{name}-delimited; affectctl reads comma-separated CSV (save it with commas, " \
                   f"e.g. pandas `to_csv(path, index=False)`)."
    return None


def duplicated_columns(columns) -> "list[tuple[str, list[int]]]":
    """Header names given more than once, with their 1-based positions.

    Catches both exact repeats (Parquet, pyarrow) and pandas' renamed copies (``p_Anger``
    and ``p_Anger.1``), and reports the name as written in the file.
    """
    cols = [str(c) for c in columns]
    present = set(cols)
    positions: dict = {}
    for i, c in enumerate(cols, start=1):
        m = _MANGLED.match(c)
        name = m.group(1) if m and m.group(1) in present else c
        positions.setdefault(name, []).append(i)
    return [(name, pos) for name, pos in positions.items() if len(pos) > 1]
