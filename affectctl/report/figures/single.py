"""Figures of a single-run comparison (one run per condition).

With one run per condition there is nothing to draw per seed; what a reader needs
instead is *where* B differs from A: :func:`plot_f1_differences` draws the per-class
F1 difference with its paired-bootstrap confidence interval, one panel per compared
pair, from ``ComparisonResult.differences`` (computed by
:func:`affectctl.compare.compare`; this module draws, it does not compute).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from affectctl.errors import ConfigError
from affectctl.report.figures.save import check_formats, safe_name, write_figure
from affectctl.report.figures.style import COLUMN_WIDTH, MINUS_SIGN, PAPER_RC, _axes

__all__ = ["plot_f1_differences", "save_single_run_figures"]


def plot_f1_differences(differences, a: str, b: str, class_names: Sequence[str], ax=None, *,
                        support=None):
    """Per-class F1 difference F1(a) − F1(b) with its confidence interval.

    Parameters
    ----------
    differences : DataFrame
        ``ComparisonResult.differences``: rows ``a, b, metric, mean_diff, ci_low,
        ci_high, confidence`` with metrics ``f1:<Class>``.
    a, b : str
        The compared pair (difference a − b).
    class_names : sequence of str
        Classes in taxonomy order (top to bottom).
    ax : Axes, optional
    support : sequence of int, optional
        True-class counts, shown after each class name.

    Returns
    -------
    Axes
        Points at the differences, horizontal bars the intervals; intervals that
        exclude 0 are drawn solid, the others hollow.
    """
    sub = differences[(differences["a"] == a) & (differences["b"] == b)]
    rows = {m[3:]: r for m, r in zip(sub["metric"], sub.itertuples(index=False))
            if m.startswith("f1:")}
    missing = [c for c in class_names if c not in rows]
    if missing:
        raise ConfigError(f"no per-class F1 difference of {a} − {b} for class(es) {missing}.")
    d = np.array([rows[c].mean_diff for c in class_names], dtype=float)
    lo = np.array([rows[c].ci_low for c in class_names], dtype=float)
    hi = np.array([rows[c].ci_high for c in class_names], dtype=float)
    conf = float(rows[class_names[0]].confidence)
    ax = _axes(ax, (COLUMN_WIDTH, 0.25 * len(class_names) + 0.9))
    y = np.arange(len(class_names))[::-1]
    ok = np.isfinite(d)
    excl = ok & ((lo > 0) | (hi < 0))
    ax.axvline(0.0, color="0.6", lw=0.8, zorder=1)
    ax.hlines(y[ok], lo[ok], hi[ok], color="#0072B2", lw=1.4, zorder=2)
    ax.scatter(d[excl], y[excl], s=18, color="#0072B2", zorder=3,
               label=f"{100 * conf:g}% CI excludes 0")
    ax.scatter(d[ok & ~excl], y[ok & ~excl], s=18, facecolor="white", edgecolor="#0072B2",
               zorder=3, label=f"{100 * conf:g}% CI includes 0")
    labels = list(class_names)
    if support is not None:
        labels = [f"{c} ({int(n)})" for c, n in zip(class_names, support)]
    labels = [lab if k else f"{lab}: undefined" for lab, k in zip(labels, ok)]
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.7, len(class_names) - 0.3)
    ax.set_xlabel(f"F1({a}) {MINUS_SIGN} F1({b})")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False,
              handletextpad=0.3, columnspacing=1.0)
    return ax


def save_single_run_figures(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                            dpi: int = 300) -> dict:
    """Write ``f1_difference_<a>-vs-<b>`` for every compared pair of a single-run result.

    Returns ``{file name: Path}``; empty when the result has more than one run per
    condition or no per-class differences.
    """
    written: dict = {}
    for _, draw in single_run_figure_parts(result, out_dir, formats, dpi=dpi):
        written.update(draw())
    return written


def single_run_figure_parts(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                            dpi: int = 300) -> list:
    """:func:`save_single_run_figures` as ``[(name, draw)]``, one figure each (``draw()``
    writes it under :data:`PAPER_RC` and returns ``{file name: Path}``)."""
    formats = check_formats(formats)
    diffs = getattr(result, "differences", None)
    if len(result.seeds) != 1 or diffs is None or not len(diffs):
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    classes = list(result.taxonomy.classes)

    def draw(a, b, name):
        with mpl.rc_context(PAPER_RC):
            fig = Figure(figsize=(COLUMN_WIDTH, 0.25 * len(classes) + 1.0), layout="constrained")
            plot_f1_differences(diffs, a, b, classes, ax=fig.subplots(),
                                support=result.class_support)
            return write_figure(fig, out_dir, name, formats, dpi=dpi)

    parts = []
    for a, b in result.pairs:
        name = f"f1_difference_{safe_name(a)}-vs-{safe_name(b)}"
        parts.append((name, partial(draw, a, b, name)))
    return parts
