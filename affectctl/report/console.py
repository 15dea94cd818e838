"""Terminal rendering of a :class:`~affectctl.compare.ComparisonResult` with rich.

Numbers are formatted by :mod:`affectctl.report.tables` (the only module that rounds).
"""

from __future__ import annotations

from typing import Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from .tables import TEST_LABELS, format_table, main_table

__all__ = ["render_console"]


_SHORT = {"wilcoxon": "Wilcoxon", "signflip": "sign-flip", "ttest": "t", "ar": "AR", "bootstrap": "bootstrap"}


def render_console(result, console, *, tests: Sequence[str] = ("wilcoxon", "signflip"),
                   alpha: float = 0.05) -> None:
    """Print the main table (conditions and extra contrasts) and its notes.

    Parameters
    ----------
    result : ComparisonResult
    console : rich.console.Console
    tests : sequence of str, default ("wilcoxon", "signflip")
    alpha : float, default 0.05

    Notes
    -----
    A compact view of :func:`~affectctl.report.tables.main_table`: each test shows
    ``p (p_adj + marks)`` in one cell, so the table fits a terminal; the files
    written by :func:`~affectctl.report.writer.write_report` hold the full table.
    """
    table = main_table(result, tests=tests, alpha=alpha)
    shown = format_table(table, repeat_metric=False)
    shown_tests = [t for t in table.attrs.get("tests", tests)]
    others = [c for c in result.conditions if c != result.baseline]
    rt = Table(title=f"{', '.join(others)} against {result.baseline}", header_style="bold",
               box=box.SIMPLE_HEAD, pad_edge=False)
    rt.add_column("Metric", no_wrap=True)
    rt.add_column("Condition", no_wrap=True)
    # one run per condition: "Value", "Δ", "95% CI of Δ" and no seed-level effect sizes
    lead = [c for c in ("Mean ± sd", "Value", "Δ", "95% CI of Δ") if c in shown.columns]
    tail = [c for c in ("r_rb", "d_z", "n") if c in shown.columns]
    for col in lead:
        rt.add_column(col, justify="right", no_wrap=True)
    for t in shown_tests:
        rt.add_column(f"{_SHORT.get(t, t)} p (adj)", justify="right", no_wrap=True)
    for col in tail:
        rt.add_column(col, justify="right", no_wrap=True)
    first = True
    for _, row in shown.iterrows():
        if row["Metric"] and not first:
            rt.add_section()
        first = False
        cells = [row["Metric"], row["Condition"], *[row[c] for c in lead]]
        for t in shown_tests:
            lab = TEST_LABELS.get(t, t)
            p, adj = row[f"{lab} p"], row[f"{lab} p_adj"]
            cells.append(f"{p} ({adj})" if p else "")
        cells += [row[c] for c in tail]
        rt.add_row(*[Text(str(v)) for v in cells])
    if console.is_terminal:
        console.print(rt)
    else:  # piped or captured: do not squeeze the table into the default 80 columns
        from rich.console import Console

        Console(file=console.file, width=max(console.width, 200), highlight=False,
                soft_wrap=True, color_system=None).print(rt)
    for note in table.attrs.get("notes", []):
        console.print(Text(note, style="dim"))
