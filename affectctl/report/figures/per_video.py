"""The per-video view: where a condition wins and loses, and reliability diagrams.

Both draw tables :func:`affectctl.compare.compare` computed
(:mod:`affectctl.compare.per_video`); this module draws and computes nothing.

:func:`plot_per_group_strip`
    One panel per compared pair: the groups (videos) sorted by Δ accuracy, one stem
    from 0 per group, blue where a is more accurate, vermillion where it is less, grey
    ties; the title counts them.
:func:`plot_reliability`
    One panel per condition: accuracy against mean confidence in each confidence bin,
    one line per run (seed), the diagonal of perfect calibration, the ECE in the title.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from affectctl.errors import ConfigError
from affectctl.report.figures.save import check_formats, write_figure
from affectctl.report.figures.style import (
    COLUMN_WIDTH,
    MINUS_SIGN,
    OKABE_ITO,
    PAGE_WIDTH,
    PAPER_RC,
    _axes,
    _colors_for,
    wrap_label,
)

__all__ = ["plot_per_group_strip", "plot_reliability", "save_per_video_figures"]

_WIN, _LOSS, _TIE = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "0.6"


def plot_per_group_strip(per_group, a: str, b: str, ax=None, *, n_seeds: int | None = None):
    """Δ accuracy per group of ``a − b``, groups sorted by Δ (a sorted strip).

    Parameters
    ----------
    per_group : DataFrame
        ``ComparisonResult.per_group``: ``a, b, group, n, acc_a, acc_b, delta``.
    a, b : str
    ax : Axes, optional
    n_seeds : int, optional
        Seeds pooled (for the axis label).

    Returns
    -------
    Axes
    """
    sub = per_group[(per_group["a"] == a) & (per_group["b"] == b)]
    if not len(sub):
        raise ConfigError(f"no per-group differences of {a} {MINUS_SIGN} {b}.")
    sub = sub.sort_values(["delta", "group"], kind="stable")
    d = 100.0 * sub["delta"].to_numpy(dtype=float)
    x = np.arange(len(d))
    ax = _axes(ax, (COLUMN_WIDTH, 2.0))
    colors = np.where(d > 0, _WIN, np.where(d < 0, _LOSS, _TIE))
    ax.vlines(x, 0.0, d, colors=colors, lw=1.2 if len(d) <= 60 else 0.6)
    ax.scatter(x, d, s=8 if len(d) <= 60 else 3, c=colors, zorder=3, linewidths=0)
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xlim(-1, len(d))
    ax.set_xticks([])
    pooled = f", pooled over {n_seeds} seeds" if n_seeds and n_seeds > 1 else ""
    ax.set_xlabel(f"{len(d)} videos, sorted by Δ{pooled}")
    ax.set_ylabel("Δ accuracy (pp)")
    wins, losses = int((d > 0).sum()), int((d < 0).sum())
    ties = len(d) - wins - losses
    width = ax.figure.get_figwidth() if ax.figure is not None else COLUMN_WIDTH
    ncols = max(1, round(width / COLUMN_WIDTH))
    ax.set_title(wrap_label(f"{a} {MINUS_SIGN} {b}: more accurate on {wins}, less on {losses}"
                            + (f", tied on {ties}" if ties else "") + f" of {len(d)}",
                            0.9 * width / ncols), loc="left")
    return ax


def plot_reliability(reliability, condition: str, ax=None, *, color: str = "#0072B2"):
    """Reliability diagram of one condition: one line per run, the diagonal, the ECE.

    Each bin is a dot at (mean confidence, accuracy) whose area is proportional to the
    samples in it; a run's bins are joined by a thin line.

    Parameters
    ----------
    reliability : DataFrame
        ``ComparisonResult.reliability``: ``condition, seed, bin, n, confidence,
        accuracy, ece``.
    condition : str
    ax : Axes, optional
    color : str

    Returns
    -------
    Axes
    """
    sub = reliability[reliability["condition"] == condition]
    if not len(sub):
        raise ConfigError(f"no probabilities for condition {condition!r}.")
    ax = _axes(ax, (COLUMN_WIDTH, COLUMN_WIDTH))
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls=(0, (3, 2)), zorder=1)
    # marker area ∝ samples in the bin: a bin of two samples at accuracy 0 or 1 is a dot
    size = 40.0 * sub["n"].to_numpy(dtype=float) / max(1.0, float(sub["n"].max()))
    for _, run in sub.groupby("seed", sort=True):
        ax.plot(run["confidence"], run["accuracy"], color=color, lw=0.6, alpha=0.5, zorder=2)
    ax.scatter(sub["confidence"], sub["accuracy"], s=np.maximum(size, 1.0), color=color,
               alpha=0.8, linewidths=0, zorder=3)
    ece = sub.groupby("seed")["ece"].first().to_numpy(dtype=float)
    text = (f"ECE {ece[0]:.3f}" if len(ece) == 1 else
            f"ECE {ece.min():.3f}{chr(0x2013)}{ece.max():.3f}, {len(ece)} runs")
    ax.set_xlim(-0.02, 1.02)          # dots at accuracy 0 or 1 stay whole
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    width = ax.figure.get_figwidth() if ax.figure is not None else COLUMN_WIDTH
    ncols = max(1, int(width // 2.2))
    # the axes are square, so narrower than their grid cell: wrap to 3/4 of the cell
    ax.set_title(wrap_label(condition + "\n" + text, 0.75 * width / ncols), loc="left")
    return ax


def save_per_video_figures(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                           colors: Mapping[str, str] | None = None, dpi: int = 300) -> dict:
    """Write ``per_group_accuracy`` (when the runs have groups) and ``reliability`` (when
    they have probabilities). Returns ``{file name: Path}``."""
    written: dict = {}
    for _, draw in per_video_figure_parts(result, out_dir, formats, colors=colors, dpi=dpi):
        written.update(draw())
    return written


def per_video_figure_parts(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                           colors: Mapping[str, str] | None = None, dpi: int = 300) -> list:
    """:func:`save_per_video_figures` as ``[(name, draw)]``, one figure each (``draw()``
    writes it under :data:`PAPER_RC` and returns ``{file name: Path}``)."""
    formats = check_formats(formats)
    out_dir = Path(out_dir)
    colors = _colors_for(list(result.conditions), colors, result.baseline)
    per_group = getattr(result, "per_group", None)
    reliability = getattr(result, "reliability", None)

    def accuracy():
        with mpl.rc_context(PAPER_RC):
            pairs = [p for p in result.pairs if ((per_group["a"] == p[0])
                                                 & (per_group["b"] == p[1])).any()]
            ncols = 1 if len(pairs) <= 2 else 2
            nrows = -(-len(pairs) // ncols)
            fig = Figure(figsize=(COLUMN_WIDTH if ncols == 1 else PAGE_WIDTH, 2.1 * nrows + 0.2),
                         layout="constrained")
            axes = fig.subplots(nrows, ncols, squeeze=False)
            for ax, (a, b) in zip(axes.flat, pairs, strict=False):
                plot_per_group_strip(per_group, a, b, ax=ax, n_seeds=len(result.seeds))
            for ax in axes.flat[len(pairs):]:
                ax.set_axis_off()
            fig.legend(handles=[Line2D([], [], color=_WIN, lw=1.2, label="a more accurate"),
                                Line2D([], [], color=_LOSS, lw=1.2, label="a less accurate")],
                       loc="outside lower center", ncols=2)
            return write_figure(fig, out_dir, "per_group_accuracy", formats, dpi=dpi)

    def calibration():
        with mpl.rc_context(PAPER_RC):
            conds = [c for c in result.conditions if c in set(reliability["condition"])]
            ncols = min(3, len(conds))
            nrows = -(-len(conds) // ncols)
            fig = Figure(figsize=(min(PAGE_WIDTH, 2.3 * ncols), 2.8 * nrows + 0.1),
                         layout="constrained")
            axes = fig.subplots(nrows, ncols, squeeze=False)
            for i, (ax, c) in enumerate(zip(axes.flat, conds, strict=False)):
                plot_reliability(reliability, c, ax=ax, color=colors[c])
                if i + ncols < len(conds):          # the x label once, under the last row
                    ax.set_xlabel("")
            for ax in axes.flat[len(conds):]:
                ax.set_axis_off()
            return write_figure(fig, out_dir, "reliability", formats, dpi=dpi)

    parts = []
    if per_group is not None and len(per_group):
        parts.append(("per_group_accuracy", accuracy))
    if reliability is not None and len(reliability):
        parts.append(("reliability", calibration))
    return parts
