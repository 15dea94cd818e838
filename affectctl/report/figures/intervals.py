"""The Δ ± CI interval plot: one figure per comparison, one row per metric.

For each compared pair (a, b) and each headline metric: the difference Δ = metric(a) −
metric(b) as a point, its confidence interval as a bar, and beside the row the numbers,
the primary test's mark and the verdict. The values come from
``ComparisonResult.verdicts`` (one row per (a, b, metric): Δ, its CI and the verdict of
the primary test, contract of :mod:`affectctl.compare.verdicts`); without verdicts, from
the primary test's own rows (Δ, its own interval, its adjusted p) or, with one run per
condition, the paired-bootstrap interval of ``ComparisonResult.differences``. This module
selects and draws; it computes no statistic.

Metrics have different units, so each row is drawn on its own scale: the row's
interval and zero are scaled to the same width, zero is the shared vertical line, and
the numbers beside the row give the scale. The x axis therefore has no ticks; its label
says so.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from affectctl.errors import ConfigError
from affectctl.report.figures.save import check_formats, safe_name, write_figure
from affectctl.report.figures.style import (
    COLUMN_WIDTH, MINUS_SIGN, OKABE_ITO, PAPER_RC, SMALL_FONT_PT,
    _axes, wrap_label,
)

__all__ = ["interval_rows", "plot_delta_intervals", "save_interval_figures"]

_FILLED = OKABE_ITO["blue"]


def interval_rows(result, *, primary: str | None, alpha: float = 0.05) -> pd.DataFrame:
    """Δ, CI, mark and verdict of every compared (a, b, headline metric), for drawing.

    Returns
    -------
    DataFrame
        ``a, b, metric, delta, ci_low, ci_high, mark, verdict`` in the order of
        ``result.pairs`` and ``result.headline_metrics``; ``verdict`` is empty and the
        interval NaN where the result has none.
    """
    from affectctl.report.formatting import _finite, _mark
    from affectctl.report.tables import _own_interval, verdict_lookup

    verdicts = verdict_lookup(result)
    comps = result.comparisons
    if "run_seed" in comps.columns:
        comps = comps[comps["run_seed"].isna()]
    diffs = getattr(result, "differences", None)
    boot = ({(r.a, r.b, r.metric): (r.ci_low, r.ci_high) for r in diffs.itertuples(index=False)}
            if len(result.seeds) == 1 and diffs is not None and len(diffs) else {})
    records = []
    for a, b in result.pairs:
        for metric in result.headline_metrics:
            sel = comps[(comps["a"] == a) & (comps["b"] == b) & (comps["metric"] == metric)]
            prow = sel[sel["test"] == primary] if primary else sel.iloc[0:0]
            mark = ""
            if len(prow):
                r = prow.iloc[0]
                mark = _mark(float(r.get("p_adjusted", np.nan)), float(r.get("min_pvalue", np.nan)),
                             alpha)
            v = verdicts.get((a, b, metric))
            if v is not None:
                delta, lo, hi, verdict = (float(v["delta"]), float(v["ci_low"]),
                                          float(v["ci_high"]), str(v["verdict"]))
            else:
                delta = float(prow["mean_diff"].iloc[0]) if len(prow) else (
                    float(sel["mean_diff"].iloc[0]) if len(sel) else np.nan)
                ci = _own_interval(sel, primary) if primary else {"ci_low": np.nan,
                                                                  "ci_high": np.nan}
                lo, hi = ci["ci_low"], ci["ci_high"]
                if not _finite(lo) and (a, b, metric) in boot:
                    lo, hi = boot[(a, b, metric)]
                verdict = ""
            records.append({"a": a, "b": b, "metric": metric, "delta": delta, "ci_low": lo,
                            "ci_high": hi, "mark": mark, "verdict": verdict})
    return pd.DataFrame.from_records(records, columns=["a", "b", "metric", "delta", "ci_low",
                                                       "ci_high", "mark", "verdict"])


def plot_delta_intervals(rows: pd.DataFrame, ax=None, *, title: str | None = None,
                         confidence: float = 0.95, marked_by: str = "marked by the primary test",
                         scales: Mapping | None = None):
    """Δ with its interval, one row per metric, each row on its own scale.

    Parameters
    ----------
    rows : DataFrame
        ``metric, delta, ci_low, ci_high, mark, verdict`` of one comparison
        (:func:`interval_rows`), top to bottom.
    ax : Axes, optional
    title : str, optional
    confidence : float, default 0.95
        Level of the intervals (legend).
    marked_by : str, default "marked by the primary test"
        The legend's words for a filled point: which test's mark it shows.
    scales : mapping {metric: float}, optional
        The half-width of each metric's axis, to draw several panels of one metric on one
        scale (:mod:`affectctl.report.figures.benchmarks`); by default each row is scaled
        to its own largest |value|.

    Returns
    -------
    Axes
        Points at Δ, bars the intervals, filled where the primary test marks the
        difference (``†``/``‡``), hollow otherwise; the numbers, the mark and the
        verdict beside each row (right-hand tick labels).
    """
    from affectctl.report.formatting import _finite, format_number, metric_label

    if not len(rows):
        raise ConfigError("no comparison rows to draw.")
    ax = _axes(ax, (COLUMN_WIDTH, 0.36 * len(rows) + 0.9))
    n = len(rows)
    y = np.arange(n)[::-1].astype(float)
    right = []
    for yi, r in zip(y, rows.to_dict("records"), strict=True):
        d, lo, hi = r["delta"], r["ci_low"], r["ci_high"]
        has_ci = _finite(lo) and _finite(hi)
        scale = (scales or {}).get(r["metric"]) or max(
            [abs(v) for v in (d, lo, hi) if _finite(v)] or [1.0]) or 1.0
        filled = any(m in (r["mark"] or "") for m in "†‡")
        if has_ci:
            ax.hlines(yi, lo / scale, hi / scale, color=_FILLED, lw=1.4, zorder=2)
        if _finite(d):
            ax.scatter([d / scale], [yi], s=18, zorder=3, edgecolor=_FILLED,
                       facecolor=_FILLED if filled else "white", linewidth=1.0)
        text = format_number(d, signed=True)
        if has_ci:
            text += f" [{format_number(lo)}, {format_number(hi)}]"
        text += (r["mark"] or "") + (f"\n{r['verdict']}" if r.get("verdict") else "")
        right.append(text)
    ax.axvline(0.0, color="0.55", lw=0.8, zorder=1)
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_yticks(y)
    ax.set_yticklabels([wrap_label(metric_label(m), 0.95, SMALL_FONT_PT) for m in rows["metric"]])
    ax.set_xticks([])
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    twin = ax.twinx()
    twin.set_ylim(ax.get_ylim())
    twin.set_yticks(y)
    twin.set_yticklabels(right)
    twin.tick_params(axis="y", length=0, labelsize=SMALL_FONT_PT)
    for side in ("top", "right", "left", "bottom"):
        twin.spines[side].set_visible(False)
    where = "one scale per metric in every panel" if scales else "each row on its own scale"
    ax.set_xlabel(f"Δ, {100 * confidence:g}% CI\n({where})", fontsize=SMALL_FONT_PT)
    if title:
        width = ax.figure.get_figwidth() if ax.figure is not None else COLUMN_WIDTH
        ax.set_title(wrap_label(title, 0.9 * width, 8), loc="left")
    handles = [Line2D([], [], ls="", marker="o", ms=4, mfc=_FILLED, mec=_FILLED,
                      label=marked_by),
               Line2D([], [], ls="", marker="o", ms=4, mfc="white", mec=_FILLED,
                      label="not marked")]
    fig = ax.figure
    if type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine":
        fig.legend(handles=handles, loc="outside lower center", ncols=2, handletextpad=0.3,
                   columnspacing=1.0)
    else:
        ax.legend(handles=handles, loc="best")
    return ax


def save_interval_figures(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                          primary: str | None, alpha: float = 0.05, dpi: int = 300) -> dict:
    """Write ``delta_intervals_<a>-vs-<b>`` for every compared pair with an interval.

    A comparison none of whose metrics has an interval is left out (the primary test
    reports none, and the result has no verdicts yet). Returns ``{file name: Path}``.
    """
    written: dict = {}
    for _, draw in interval_figure_parts(result, out_dir, formats, primary=primary, alpha=alpha,
                                         dpi=dpi):
        written.update(draw())
    return written


def interval_figure_parts(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                          primary: str | None, alpha: float = 0.05, dpi: int = 300) -> list:
    """:func:`save_interval_figures` as ``[(name, draw)]``, one figure each (``draw()``
    writes it under :data:`PAPER_RC` and returns ``{file name: Path}``)."""
    formats = check_formats(formats)
    rows = interval_rows(result, primary=primary, alpha=alpha)
    out_dir = Path(out_dir)

    def draw(a, b, sub, name):
        with mpl.rc_context(PAPER_RC):
            fig = Figure(figsize=(COLUMN_WIDTH, 0.36 * len(sub) + 1.1), layout="constrained")
            plot_delta_intervals(sub, ax=fig.subplots(), title=f"{a} {MINUS_SIGN} {b}")
            return write_figure(fig, out_dir, name, formats, dpi=dpi)

    parts = []
    for (a, b), sub in rows.groupby(["a", "b"], sort=False):
        if not sub["ci_low"].notna().any():
            continue
        name = f"delta_intervals_{safe_name(a)}-vs-{safe_name(b)}"
        parts.append((name, partial(draw, a, b, sub, name)))
    return parts
