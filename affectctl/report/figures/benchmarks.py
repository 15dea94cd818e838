"""Several benchmarks: per compared pair, one Δ-interval panel per dataset and the aggregate.

Each dataset's panel is :func:`~affectctl.report.figures.intervals.plot_delta_intervals`
of that dataset's :func:`~affectctl.report.figures.intervals.interval_rows` (its primary
test's Δ, interval, mark and verdict); the last panel, "All benchmarks", draws the
``stratified_bootstrap`` aggregate records (mean Δ over datasets and its interval), marked
filled when that record's interval excludes 0 (its p-value, by inverting the interval, is
below alpha). This module selects and draws; it computes no statistic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from affectctl.report.figures.intervals import interval_rows, plot_delta_intervals
from affectctl.report.formatting import _mark
from affectctl.report.figures.save import check_formats, safe_name, write_figure
from affectctl.report.figures.style import COLUMN_WIDTH, MINUS_SIGN, PAPER_RC

__all__ = ["aggregate_interval_rows", "save_benchmark_figures"]

#: Filled points: each dataset's primary test, the stratified bootstrap over the datasets.
_MARKED_BY = "marked: each dataset's primary test;\nall benchmarks: stratified bootstrap"


def aggregate_interval_rows(aggregates: Sequence[Mapping], a: str, b: str, *,
                            alpha: float = 0.05) -> pd.DataFrame:
    """The ``stratified_bootstrap`` records of (a, b) as rows for :func:`plot_delta_intervals`.

    ``mark`` is the tables' mark of the record's own p-value (``†`` below 0.05, ``‡`` below
    0.01, at levels ≤ ``alpha``); ``verdict`` names the test.
    """
    recs = [r for r in aggregates if r.get("test") == "stratified_bootstrap"
            and r.get("a") == a and r.get("b") == b]
    return pd.DataFrame.from_records(
        [{"metric": r["metric"], "delta": r["delta"], "ci_low": r["ci_low"],
          "ci_high": r["ci_high"],
          "mark": _mark(float(r.get("p_value", float("nan"))), float("nan"), alpha),
          "verdict": "stratified bootstrap"} for r in recs],
        columns=["metric", "delta", "ci_low", "ci_high", "mark", "verdict"])


def _shared_scales(panels) -> dict:
    """{metric: the largest |Δ| or |interval end| over the panels}: the datasets of one
    metric drawn on one scale, so their intervals can be compared by eye."""
    rows = pd.concat(panels, ignore_index=True)
    values = rows[["delta", "ci_low", "ci_high"]].apply(pd.to_numeric, errors="coerce").abs()
    scale = values.max(axis=1).groupby(rows["metric"]).max()
    return {m: float(v) for m, v in scale.items() if v == v and v > 0}


def save_benchmark_figures(results: Mapping, aggregates: Sequence[Mapping], out_dir,
                           formats: Sequence[str] = ("pdf", "png"), *, alpha: float = 0.05,
                           dpi: int = 300) -> dict:
    """Write ``benchmarks_<a>-vs-<b>``: one panel per dataset, then "All benchmarks".

    Panels are stacked, each a paper column wide; returns ``{file name: Path}``.
    """
    from affectctl.report.tables import primary_test

    formats = check_formats(formats)
    per = {}
    for name, result in results.items():
        test = primary_test(result, ("wilcoxon", "signflip", "ar", "bootstrap"))
        per[name] = interval_rows(result, primary=test, alpha=alpha)
    first = next(iter(results.values()))
    written: dict = {}
    with mpl.rc_context(PAPER_RC):
        for a, b in first.pairs:
            panels = [(f"{name}: {a} {MINUS_SIGN} {b}", rows[(rows["a"] == a) & (rows["b"] == b)])
                      for name, rows in per.items()]
            panels.append((f"All benchmarks: {a} {MINUS_SIGN} {b}",
                           aggregate_interval_rows(aggregates, a, b, alpha=alpha)))
            panels = [(t, r) for t, r in panels if len(r)]
            if not panels:
                continue
            scales = _shared_scales([r for _, r in panels])
            heights = [0.36 * len(r) + 0.5 for _, r in panels]
            fig = Figure(figsize=(COLUMN_WIDTH, sum(heights) + 0.4), layout="constrained")
            axes = fig.subplots(len(panels), 1, squeeze=False,
                                gridspec_kw={"height_ratios": heights})[:, 0]
            for ax, (title, rows) in zip(axes, panels):
                # one legend is kept (the last panel's): it says which test marks each panel
                plot_delta_intervals(rows.reset_index(drop=True), ax=ax, title=title,
                                     marked_by=_MARKED_BY, scales=scales)
            for ax in axes[:-1]:
                ax.set_xlabel("")
            for legend in fig.legends[:-1]:       # one legend, under the last panel
                legend.remove()
            name = f"benchmarks_{safe_name(a)}-vs-{safe_name(b)}"
            written.update(write_figure(fig, Path(out_dir), name, formats, dpi=dpi))
    return written
