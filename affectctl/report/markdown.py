"""Plain-text writers of report tables: CSV (full precision) and GitHub-flavoured Markdown."""

from __future__ import annotations

import pandas as pd

from .escape import for_csv_cell, for_markdown_cell
from .formatting import _TEXT_COLUMNS, format_table

__all__ = ["to_csv", "to_markdown"]


def to_csv(table: pd.DataFrame) -> str:
    """The table as CSV text, full precision (no rounding), one row per table row.

    Text cells that a spreadsheet would evaluate as a formula get a leading ``'``
    (:func:`~affectctl.report.escape.for_csv_cell`).
    """
    text_cols = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    if text_cols:
        table = table.copy()
        for c in text_cols:
            table[c] = table[c].map(for_csv_cell)
    return table.to_csv(index=False, lineterminator="\n")


def _md_cell(s: str) -> str:
    return for_markdown_cell(s)


def to_markdown(table: pd.DataFrame, *, caption: str | None = None, digits: int = 3) -> str:
    """GitHub-flavoured Markdown: optional caption, a pipe table, then the notes.

    Parameters
    ----------
    table : DataFrame from :func:`main_table` or :func:`comparison_table`
    caption : str, optional
        Printed in bold above the table.
    digits : int, default 3

    Returns
    -------
    str
    """
    shown = format_table(table, digits=digits)
    cols = list(shown.columns)
    numeric = [c not in _TEXT_COLUMNS for c in cols]
    lines = []
    if caption:
        lines += [f"**{for_markdown_cell(caption)}**", ""]
    lines.append("| " + " | ".join(_md_cell(c) for c in cols) + " |")
    lines.append("|" + "|".join("---:" if num else ":---" for num in numeric) + "|")
    for r in shown.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in r) + " |")
    notes = table.attrs.get("notes", [])
    if notes:
        lines.append("")
        lines += [n + "  " if i < len(notes) - 1 else n for i, n in enumerate(notes)]
    return "\n".join(lines) + "\n"


