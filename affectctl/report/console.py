"""Terminal rendering of a :class:`~affectctl.compare.ComparisonResult` with rich.

Numbers are formatted by :mod:`affectctl.report.formatting` (the only module that rounds).
The table never cuts a number: when the full table is wider than the terminal, its
columns move into further blocks under the first (each repeating the metric and
condition); below 100 columns the compact view (mean ± sd and Δ with the primary
test's mark) is printed instead, with a pointer to the files that hold every test.
"""

from __future__ import annotations

import os
from typing import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .formatting import TEST_LABELS, TEST_SHORT_LABELS, format_number, format_table
from .tables import compact_table, main_table

__all__ = ["render_console", "pack_columns"]


_KEYS = ("Metric", "Condition")
_LEFT = {"Metric", "Condition"}
_GAP = 3                        # a SIMPLE_HEAD table: padding, separator, padding between columns
_EDGE = 2                       # and its edge cells, one left and one right


def _cell_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(str(text))


def pack_columns(widths: dict, keys: Sequence[str], width: int) -> list:
    """Split the non-key columns into blocks that fit ``width`` with the key columns.

    Parameters
    ----------
    widths : dict
        ``{column: display width}`` in table order.
    keys : sequence of str
        Columns repeated in every block.
    width : int
        Terminal columns.

    Returns
    -------
    list of list of str
        Non-key columns of each block, in order. A column that does not fit even
        alone gets a block of its own (the caller prints it wider rather than cut it).
    """
    base = sum(widths[k] for k in keys) + _GAP * max(len(keys) - 1, 0) + _EDGE
    blocks, cur, used = [], [], base
    for col, w in widths.items():
        if col in keys:
            continue
        if cur and used + _GAP + w > width:
            blocks.append(cur)
            cur, used = [], base
        cur.append(col)
        used += _GAP + w
    if cur:
        blocks.append(cur)
    return blocks


def _rows_full(result, tests, alpha):
    table = main_table(result, tests=tests, alpha=alpha)
    shown = format_table(table, repeat_metric=False)
    shown_tests = list(table.attrs.get("tests", tests))
    # one run per condition: "Value", "Δ", "95% CI of Δ" and no seed-level effect sizes
    lead = [c for c in ("Mean ± sd", "Value", "Δ", "95% CI of Δ") if c in shown.columns]
    tail = [c for c in ("r_rb", "d_z", "n") if c in shown.columns]
    cols = ["Metric", "Condition", *lead]
    cols += [f"{TEST_SHORT_LABELS.get(t, t)} p (adj)" for t in shown_tests] + tail
    rows = []
    for _, row in shown.iterrows():
        cells = [row["Metric"], row["Condition"], *[row[c] for c in lead]]
        for t in shown_tests:
            lab = TEST_LABELS.get(t, t)
            p, adj = row[f"{lab} p"], row[f"{lab} p_adj"]
            cells.append(f"{p} ({adj})" if p else "")
        cells += [row[c] for c in tail]
        rows.append(cells)
    return cols, rows, table.attrs.get("notes", [])


def _rows_compact(result, tests, alpha):
    from .formatting import _fmt_mean_sd, metric_label

    table = compact_table(result, tests=tests, alpha=alpha)
    primary = table.attrs.get("primary")
    delta_head = f"Δ ({TEST_SHORT_LABELS.get(primary, primary)})" if primary else "Δ"
    single = not (table["n_seeds"].fillna(0) > 1).any()
    cols = ["Metric", "Condition", "Value" if single else "Mean ± sd", delta_head]
    rows, prev = [], None
    for r in table.to_dict("records"):
        label = metric_label(r["metric"]) if r["metric"] != prev else ""
        prev = r["metric"]
        sd = r["sd"]
        stat = (_fmt_mean_sd(r["mean"], sd, 3) if sd == sd and r["n_seeds"] and r["n_seeds"] > 1
                else format_number(r["mean"]))
        d = r["delta"]
        delta = "" if d != d else format_number(d, signed=True) + (r["sig"] or "")
        rows.append([label, r["condition"], stat, delta])
    return cols, rows, table.attrs.get("notes", [])


def _print_block(console, title, cols, rows, block_cols, width):
    rt = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    idx = [cols.index(c) for c in (*_KEYS, *block_cols)]
    for i in idx:
        rt.add_column(cols[i], justify="left" if cols[i] in _LEFT else "right", no_wrap=True)
    first = True
    for cells in rows:
        if cells[0] and not first:
            rt.add_section()
        first = False
        rt.add_row(*[Text(str(cells[i])) for i in idx])
    need = sum(max([_cell_width(cols[i])] + [_cell_width(r[i]) for r in rows]) for i in idx) \
        + _GAP * (len(idx) - 1) + _EDGE
    # never let rich shrink a column (it would cut numbers): print at least as wide as needed
    Console(file=console.file, width=max(width, need), highlight=False, soft_wrap=True,
            color_system=console.color_system if console.is_terminal else None).print(rt)


def render_console(result, console, *, tests: Sequence[str] = ("wilcoxon", "signflip"),
                   alpha: float = 0.05, width: int | None = None,
                   files_hint: str | None = None) -> None:
    """Print the main table (conditions and extra contrasts) and its notes.

    Parameters
    ----------
    result : ComparisonResult
    console : rich.console.Console
    tests : sequence of str, default ("wilcoxon", "signflip")
    alpha : float, default 0.05
    width : int, optional
        Columns to fit; default the terminal's width (``COLUMNS``), or 200 when the
        output is piped and ``COLUMNS`` is not set.
    files_hint : str, optional
        Where the full tables are (shown when the compact view is printed).

    Notes
    -----
    Each test shows ``p (p_adj + marks)`` in one cell. At 100 columns and more the full
    table is printed, its columns in blocks when wider than the terminal; below 100
    the compact view (mean ± sd, Δ with the primary test's mark).
    """
    if width is None:
        width = console.width if (console.is_terminal or "COLUMNS" in os.environ) else 200
    others = [c for c in result.conditions if c != result.baseline]
    title = f"{', '.join(others)} against {result.baseline}"
    cols, rows, notes = _rows_full(result, tests, alpha)
    compact = width < 100
    if compact:
        cols, rows, notes = _rows_compact(result, tuple(tests) + ("ar", "bootstrap"), alpha)
    widths = {c: max([_cell_width(c)] + [_cell_width(r[i]) for r in rows])
              for i, c in enumerate(cols)}
    blocks = pack_columns(widths, _KEYS, width)
    for i, block in enumerate(blocks):
        t = title if i == 0 else f"{title} (continued, {i + 1}/{len(blocks)})"
        _print_block(console, t, cols, rows, block, width)
    for note in notes:
        console.print(Text(note, style="dim"))
    if compact:
        where = f" in {files_hint}" if files_hint else ""
        console.print(Text(f"Compact view for a {width}-column terminal: every test, p-value and "
                           f"effect size is in table.md and table_full.md{where}.", style="dim"))
