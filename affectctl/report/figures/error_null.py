"""Error-distance null figures: the ECDF of error distances against the null, and means."""

from __future__ import annotations

from typing import Mapping

import matplotlib as mpl
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.transforms import offset_copy

from affectctl.errors import ConfigError
from affectctl.report.figures.seeds import p_text
from affectctl.report.figures.style import (
    COLUMN_WIDTH, PAGE_WIDTH, SMALL_FONT_PT,
    _axes, _colors_for, _figure, wrap_label,
)

__all__ = ["plot_error_distance_null", "plot_error_distance_means", "plot_error_distance_figure"]


def _check_nulls(nulls) -> dict:
    if not isinstance(nulls, Mapping) or not nulls:
        raise ConfigError("`nulls` must be a non-empty mapping {condition: ErrorDistanceNull}.")
    for c, n in nulls.items():
        if not hasattr(n, "null_distances"):
            raise ConfigError(f"`nulls[{c!r}]` must be an ErrorDistanceNull; got "
                              f"{type(n).__name__}.")
    return dict(nulls)


def _ecdf_xy(d: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(w, dtype=np.float64)
    tot = w.sum()
    if tot <= 0:
        return np.array([]), np.array([])
    return np.r_[0.0, d], np.r_[0.0, np.cumsum(w) / tot]


def plot_error_distance_null(nulls, ax=None, *, colors: Mapping[str, str] | None = None,
                             baseline: str | None = None, unit: str = "VA units",
                             legend: bool = True):
    """Distribution of error distances per condition against errors placed at random.

    Solid: cumulative share of a condition's errors at distance ≤ x from the true
    class. Dashed: the same under the null of
    :func:`~affectctl.controls.error_null.error_distance_null` (each true class's errors
    spread uniformly over the other classes with a coordinate, the number of errors
    per true class kept). A solid curve above its dashed curve means errors nearer
    the truth than chance. Each curve has its own legend entry; drawn on one Axes,
    near-equal curves overlap, so :func:`plot_error_distance_figure` gives each
    condition its own panel.

    Parameters
    ----------
    nulls : mapping
        ``{condition: ErrorDistanceNull}`` (``ComparisonResult.error_null``).
    ax : Axes, optional
    colors : mapping, optional
    baseline : str, optional
    unit : str, default "VA units"
        Unit of the distances, named on the x axis.
    legend : bool, default True

    Returns
    -------
    Axes
    """
    nulls = _check_nulls(nulls)
    colors = _colors_for(list(nulls), colors, baseline)
    ax = _axes(ax, (COLUMN_WIDTH, 2.4))
    for c, res in nulls.items():
        x, y = _ecdf_xy(res.distances, res.weights)
        if x.size:
            ax.step(x, y, where="post", color=colors[c], lw=1.3, label=f"{c}", zorder=3)
        x0, y0 = _ecdf_xy(res.null_distances, res.null_weights)
        if x0.size:
            ax.step(x0, y0, where="post", color=colors[c], lw=0.9, ls=(0, (3, 1.5)), alpha=0.9,
                    label=f"{c}: random errors (null)", zorder=2)
    if legend:
        ax.legend(loc="upper left", handlelength=2.0)
    ax.set_xlim(left=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"error distance ({unit})")
    ax.set_ylabel("share of errors ≤ distance")
    return ax


# matplotlib 3.10 replaced `vert=False` by `orientation="horizontal"` (and deprecates `vert`)
_MPL_VERSION = tuple(int(v) for v in mpl.__version__.split(".")[:2])
_HORIZONTAL = {"orientation": "horizontal"} if _MPL_VERSION >= (3, 10) else {"vert": False}


def plot_error_distance_means(nulls, ax=None, *, colors: Mapping[str, str] | None = None,
                              baseline: str | None = None, unit: str = "VA units"):
    """Mean error distance per condition (diamond) against its null distribution (violin).

    The p-value printed beside each row is the result's one-sided ``P(null <=
    observed)`` (formatted by :func:`affectctl.report.formatting.format_p`).

    Parameters
    ----------
    nulls : mapping
        ``{condition: ErrorDistanceNull}``.
    ax : Axes, optional
    colors : mapping, optional
    baseline : str, optional

    Returns
    -------
    Axes
    """
    nulls = _check_nulls(nulls)
    colors = _colors_for(list(nulls), colors, baseline)
    ax = _axes(ax, (COLUMN_WIDTH, 0.5 + 0.45 * len(nulls)))
    conds = list(nulls)
    ys = np.arange(len(conds))[::-1]
    for y, c in zip(ys, conds, strict=True):
        res = nulls[c]
        null = np.asarray(res.null, dtype=float)
        null = null[np.isfinite(null)]
        if null.size > 1 and np.ptp(null) > 0:
            parts = ax.violinplot(null, positions=[y], widths=0.7, showextrema=False,
                                  **_HORIZONTAL)
            for body in parts["bodies"]:
                body.set_facecolor(mpl.colors.to_rgba(colors[c], 0.25))
                body.set_edgecolor(colors[c])
                body.set_linewidth(0.5)
        elif null.size:
            ax.plot([null[0]], [y], marker="|", color=colors[c], ms=8)
        if np.isfinite(res.observed):
            ax.plot([res.observed], [y], marker="D", ms=5, color=colors[c], mec="black", mew=0.5,
                    zorder=3)
            ax.annotate(p_text(res.pvalue),
                        xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(2, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=SMALL_FONT_PT)
    ax.annotate("p = P(null ≤ observed)", xy=(1.0, 1.0), xycoords="axes fraction", xytext=(2, 2),
                textcoords="offset points", ha="left", va="bottom", fontsize=SMALL_FONT_PT)
    ax.set_yticks(ys)
    ax.set_yticklabels([wrap_label(c, 1.0, SMALL_FONT_PT) for c in conds])
    ax.set_ylim(-0.6, len(conds) - 0.4)
    ax.set_xlabel(f"mean error distance ({unit})")
    ax.legend(handles=[Line2D([], [], marker="D", ls="", color="0.5", mec="black", mew=0.5, ms=5,
                              label="observed"),
                       mpl.patches.Patch(facecolor="0.85", edgecolor="0.4", lw=0.5,
                                         label="null: random errors")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0),
              bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-_below_xlabel_pt(),
                                         units="points"),
              borderaxespad=0.0, ncols=2, handlelength=1.2)
    return ax


def _below_xlabel_pt() -> float:
    """Points from an axes' bottom edge to just below its x label, from the rc settings:
    tick, tick pad, tick label, label pad and label (a text line taken as 1.2 of its font
    size), and 2 pt. A legend anchored there sits under the label whatever the axes'
    height (a fraction of the axes height left a blank band under a short axes)."""
    from matplotlib.font_manager import FontProperties

    rc = mpl.rcParams

    def line(key):
        return 1.2 * FontProperties(size=rc[key]).get_size_in_points()

    return (rc["xtick.major.size"] + rc["xtick.major.pad"] + line("xtick.labelsize")
            + rc["axes.labelpad"] + line("axes.labelsize") + 2.0)


def error_distance_figure_size(n: int) -> tuple:
    """(width, height) in inches of :func:`plot_error_distance_figure` for ``n`` conditions:
    the page width, one 2.2 in row per three conditions."""
    return PAGE_WIDTH, 2.2 * -(-n // 3) + 0.5


def plot_error_distance_figure(nulls, *, fig=None, colors: Mapping[str, str] | None = None,
                               baseline: str | None = None, unit: str = "VA units"):
    """(a) one panel per condition: its error distances against its null
    (:func:`plot_error_distance_null`), so that no curve hides another; (b) the mean
    against its null distribution (:func:`plot_error_distance_means`).

    Returns
    -------
    Figure
    """
    nulls = _check_nulls(nulls)
    colors = _colors_for(list(nulls), colors, baseline)
    n = len(nulls)
    fig = _figure(fig, error_distance_figure_size(n))
    # (a) up to three panels a row, (b) on the right over every row
    ncol = min(n, 3)
    nrow = -(-n // ncol)
    grid = fig.add_gridspec(nrow, ncol + 1, width_ratios=[1.0] * ncol + [1.6])
    axes = [fig.add_subplot(grid[i // ncol, i % ncol]) for i in range(n)]
    axes.append(fig.add_subplot(grid[:, ncol]))
    panel_w = 0.7 * fig.get_figwidth() / (ncol + 1.6)
    for i, (c, res) in enumerate(nulls.items()):
        ax = axes[i]
        plot_error_distance_null({c: res}, ax=ax, colors=colors, unit=unit, legend=False)
        ax.set_title(wrap_label(("(a) " if i == 0 else "") + c, panel_w), loc="left")
        if i == 0:
            ax.legend(handles=[Line2D([], [], color=colors[c], lw=1.3, label="observed"),
                               Line2D([], [], color=colors[c], lw=0.9, ls=(0, (3, 1.5)),
                                      label="null")],
                      loc="upper left", handlelength=1.8)
        if i % ncol:
            ax.set_ylabel("")
            ax.set_yticklabels([])
        last_row = i // ncol == nrow - 1 or i + ncol >= n
        ax.set_xlabel(f"error distance ({unit})" if last_row and i % ncol == ncol // 2 else "")
    plot_error_distance_means(nulls, ax=axes[-1], colors=colors, baseline=baseline, unit=unit)
    axes[-1].set_title("(b) mean error distance", loc="left", pad=14)   # above the p key
    return fig


