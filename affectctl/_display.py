"""Compact text and notebook (HTML) views of result objects (``__repr__``, ``_repr_html_``).

A result's full content is in its tables (``to_frame()``) and its JSON document
(``to_dict()``); its ``repr`` is a few lines a reader takes in at a glance: a title line
and, where there is one, a small table of the headline numbers.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["text_view", "html_view"]

#: Rows of a headline table shown before "... N more".
MAX_ROWS = 12


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "–" if value != value else f"{value:.4g}"
    return str(value)


def _cell(value: Any) -> str:
    return _fmt(float(value))


def text_view(title: str, frame: Any = None, footer: str = "") -> str:
    """``title``, then ``frame`` (a small DataFrame, numbers to 4 significant digits), then
    ``footer``; at most :data:`MAX_ROWS` rows of the frame."""
    lines = [title]
    if frame is not None and len(frame):
        shown = frame.head(MAX_ROWS)
        lines.append(str(shown.to_string(float_format=_cell)))
        if len(frame) > MAX_ROWS:
            lines.append(f"... {len(frame) - MAX_ROWS} more rows")
    if footer:
        lines.append(footer)
    return "\n".join(lines)


def html_view(title: str, frame: Any = None, footer: str = "") -> str:
    """The notebook view of :func:`text_view`: a bold title, an HTML table, a footer."""
    parts = [f"<p><b>{html.escape(title)}</b></p>"]
    if frame is not None and len(frame):
        shown = frame.head(MAX_ROWS)
        parts.append(str(shown.to_html(float_format=_cell, na_rep="–", border=0)))
        if len(frame) > MAX_ROWS:
            parts.append(f"<p>... {len(frame) - MAX_ROWS} more rows</p>")
    if footer:
        parts.append(f"<p>{html.escape(footer)}</p>")
    return "\n".join(parts)
