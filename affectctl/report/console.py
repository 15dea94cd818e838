"""Terminal rendering of a :class:`~affectctl.compare.ComparisonResult` with rich.

Numbers are formatted by :mod:`affectctl.report.tables` (the only module that rounds).
"""

from __future__ import annotations

from typing import Sequence

from rich.table import Table
from rich.text import Text

from .tables import TEST_LABELS, format_table, main_table

__all__ = ["render_console"]


def render_console(result, console, *, tests: Sequence[str] = ("wilcoxon", "signflip"),
                   alpha: float = 0.05) -> None:
    """Print the main table and one line per extra contrast and metric.

    Parameters
    ----------
    result : ComparisonResult
    console : rich.console.Console
    tests : sequence of str, default ("wilcoxon", "signflip")
    alpha : float, default 0.05

    Notes
    -----
    The rich table holds the condition rows of :func:`~affectctl.report.tables.main_table`
    (every condition against the baseline); each extra contrast (``circumplex −
    uniform``) follows as one line per metric, then the table's notes.
    """
    table = main_table(result, tests=tests, alpha=alpha)
    shown = format_table(table, repeat_metric=False)
    is_cond = (table["section"] == "condition").to_numpy()
    others = [c for c in result.conditions if c != result.baseline]
    title = f"{', '.join(others)} against {result.baseline}"
    rt = Table(title=title, header_style="bold", show_lines=False)
    for c in shown.columns:
        rt.add_column(c, justify="left" if c in ("Metric", "Condition") else "right",
                      no_wrap=c != "Metric")
    # the Metric cell is blank on repeated rows; re-show it on the first condition row
    # that follows contrast rows (which are printed separately below)
    last_metric = None
    for keep, (_, row), metric in zip(is_cond, shown.iterrows(), table["metric"], strict=True):
        if not keep:
            continue
        cells = list(row.to_numpy())
        if metric != last_metric:
            cells[0] = format_table(table[table["metric"] == metric].head(1))["Metric"].iloc[0]
            if last_metric is not None:
                rt.add_section()
        last_metric = metric
        rt.add_row(*[Text(str(v)) for v in cells])
    if console.is_terminal:
        console.print(rt)
    else:  # piped or captured: do not squeeze the table into the default 80 columns
        from rich.console import Console

        Console(file=console.file, width=max(console.width, 160), highlight=False,
                soft_wrap=True, color_system=None).print(rt)
    contrast_rows = [i for i, keep in enumerate(is_cond) if not keep]
    if contrast_rows:
        full = format_table(table, repeat_metric=True)
        for i in contrast_rows:
            r = full.iloc[i]
            bits = [f"Δ {r['Δ']}"]
            for t in table.attrs.get("tests", []):
                lab = TEST_LABELS.get(t, t)
                bits.append(f"{lab} p {r[f'{lab} p']} (adj {r[f'{lab} p_adj']})")
            bits.append(f"r_rb {r['r_rb']}, d_z {r['d_z']}, n {r['n']}")
            console.print(Text(f"{r['Condition']} · {r['Metric']}: " + ", ".join(bits)))
    for note in table.attrs.get("notes", []):
        console.print(Text(note, style="dim"))
