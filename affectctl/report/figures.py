"""Figures of a comparison: circumplex maps, confusion matrices, paired seeds, error-distance null.

Conventions (``shared/STYLE.md``):

* single-panel functions take ``ax=None`` and return the :class:`~matplotlib.axes.Axes`
  they drew on; multi-panel functions take ``fig=None`` and return the
  :class:`~matplotlib.figure.Figure`. Only when ``ax``/``fig`` is None do they create
  one (with :mod:`matplotlib.pyplot`). None of them shows or saves anything.
* colours come from a ``{condition: colour}`` mapping (default :func:`condition_colors`:
  the colour-blind-safe Okabe–Ito palette, baseline in grey).
* sizes are meant for print: panels fit a 3.3 in paper column and text is at least
  7 pt under :data:`PAPER_RC`, the style :func:`save_figures` draws and saves with.

:func:`save_figures` is the only function here that writes files (atomically, via
:func:`affectctl.io.atomic.atomic_write`); it draws on :class:`matplotlib.figure.Figure`
objects made without pyplot, so it works under any backend and leaves no open
pyplot figure behind.

The functions compute no statistic: confusion rates (row-normalised counts, pooled
over seeds) and per-condition means of plotted points are drawing aids; p-values
and null distributions come from the result.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch

from ..errors import ConfigError

__all__ = [
    "OKABE_ITO",
    "PAPER_RC",
    "COLUMN_WIDTH",
    "PAGE_WIDTH",
    "condition_colors",
    "plot_circumplex",
    "plot_circumplex_map",
    "plot_circumplex_change",
    "CHANGE_COLORS",
    "plot_confusion",
    "plot_confusion_difference",
    "plot_confusions",
    "plot_paired_seeds",
    "p_text",
    "plot_error_distance_null",
    "plot_error_distance_means",
    "plot_error_distance_figure",
    "save_figures",
]

#: Okabe & Ito (2008), "Color Universal Design": distinguishable under the common
#: colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
_CYCLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
_BASELINE_COLOR = "#8C8C8C"

#: Width of one column of a two-column paper, and of the full text block (inches).
COLUMN_WIDTH = 3.3
PAGE_WIDTH = 6.9

#: The rc settings figures are drawn and saved with: 8 pt text, 7 pt ticks and legends,
#: TrueType fonts in PDF (editable, accepted by journals).
PAPER_RC = {
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "legend.fontsize": 7, "legend.title_fontsize": 7, "figure.titlesize": 8,
    "axes.linewidth": 0.6, "xtick.major.width": 0.6, "ytick.major.width": 0.6,
    "xtick.major.size": 2.5, "ytick.major.size": 2.5, "lines.linewidth": 1.0,
    "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False,
    "pdf.fonttype": 42, "ps.fonttype": 42, "savefig.bbox": "tight", "savefig.pad_inches": 0.02,
}
_TEXT_PT = 7          # smallest text drawn


def condition_colors(conditions: Sequence[str], baseline: str | None = None) -> dict:
    """``{condition: colour}``: baseline grey, the others in Okabe–Ito order.

    >>> condition_colors(["base", "circumplex", "uniform"], baseline="base")
    {'base': '#8C8C8C', 'circumplex': '#0072B2', 'uniform': '#D55E00'}
    """
    out, k = {}, 0
    for c in conditions:
        if c == baseline:
            out[c] = _BASELINE_COLOR
        else:
            out[c] = _CYCLE[k % len(_CYCLE)]
            k += 1
    return out


def _colors_for(conditions, colors, baseline=None) -> dict:
    base = condition_colors(conditions, baseline)
    if colors is None:
        return base
    if not isinstance(colors, Mapping):
        raise ConfigError("`colors` must be a mapping {condition: colour}; got "
                          f"{type(colors).__name__}.")
    return {**base, **dict(colors)}


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _figure(fig, figsize):
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize, layout="constrained")
    return fig


def _grid(n: int, ncols: int | None, max_cols: int = 4) -> tuple[int, int]:
    ncols = min(n, max_cols) if ncols is None else ncols
    return int(np.ceil(n / ncols)), ncols


def _map_size(n: int, ncols: int | None = None) -> tuple[float, float]:
    nrows, ncols = _grid(n, ncols)
    return 2.3 * ncols, 3.0 * nrows + 0.2


def _confusions_size(n: int, k: int, ncols: int | None = None) -> tuple[float, float]:
    r1, nc = _grid(n, ncols, max_cols=3)
    side = 1.9 if k > 6 else 1.6
    return side * nc + 0.7, (side + 0.6) * (2 * r1 if n > 1 else 1)


# ----------------------------------------------------------------------------------------------
# circumplex map


def _pooled(cm) -> np.ndarray:
    cm = np.asarray(cm)
    if cm.ndim == 3:
        cm = cm.sum(axis=0)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ConfigError("a confusion matrix must have shape (K, K) or (n_seeds, K, K); "
                          f"got {cm.shape}.")
    return cm.astype(np.float64)


def _row_rates(cm: np.ndarray) -> np.ndarray:
    tot = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, tot, out=np.zeros_like(cm), where=tot > 0)


def _arc_points(p0, p1, rad: float, n: int = 24) -> np.ndarray:
    """Points along matplotlib's ``arc3,rad=rad`` connection from ``p0`` to ``p1``.

    ``arc3`` is the quadratic Bézier curve whose control point is the midpoint moved by
    ``rad`` times the chord, rotated a quarter turn (matplotlib ``ConnectionStyle.Arc3``).
    """
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    mid = (p0 + p1) / 2
    d = p1 - p0
    ctrl = mid + rad * np.array([d[1], -d[0]])
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * ctrl + t ** 2 * p1


def _place_labels(xy: np.ndarray, radii: np.ndarray, widths: np.ndarray, height: float,
                  lim: float, reserved: Sequence[tuple] = (),
                  avoid: "np.ndarray | None" = None) -> tuple:
    """Centres of label boxes (data units) beside their points, avoiding overlaps.

    Greedy, densest cluster first: each label takes the candidate position (8
    directions around its point, at 1, 2 or 3 steps out) that overlaps the fewest
    markers, labels already placed and points of ``avoid`` (arrow paths), stays inside
    ``[-lim, lim]``, and is nearest; ties prefer the side away from the origin.
    ``reserved`` boxes ``(cx, cy, w, h)`` are kept free (e.g. a note).

    Returns
    -------
    (centres, far)
        ``centres`` (n, 2); ``far`` (n,) bool: placed away from its point (draw a
        leader line).
    """
    n = len(xy)
    boxes: list = list(reserved)
    marker_boxes = [(x, y, 2 * r, 2 * r) for (x, y), r in zip(xy, radii, strict=True)]
    avoid = np.zeros((0, 2)) if avoid is None else np.asarray(avoid, float)

    def overlap(a, b) -> float:
        ox = min(a[0] + a[2] / 2, b[0] + b[2] / 2) - max(a[0] - a[2] / 2, b[0] - b[2] / 2)
        oy = min(a[1] + a[3] / 2, b[1] + b[3] / 2) - max(a[1] - a[3] / 2, b[1] - b[3] / 2)
        return max(ox, 0.0) * max(oy, 0.0)

    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    crowd = (dist < 0.45).sum(axis=1)
    order = np.argsort(-crowd, kind="stable")
    out = np.zeros((n, 2))
    far = np.zeros(n, dtype=bool)
    step = 1.6 * height
    for i in order:
        x, y = xy[i]
        w, h = widths[i], height
        r = np.hypot(x, y)
        outward = np.array([x, y]) / r if r > 0.15 else np.array([0.0, -1.0])
        best, best_score, best_k = None, np.inf, 0
        for k in range(3):
            pad = radii[i] + 0.03 + k * step
            cands = [(x + pad + w / 2, y), (x - pad - w / 2, y), (x, y + pad + h / 2),
                     (x, y - pad - h / 2), (x + pad + w / 2, y + pad), (x - pad - w / 2, y + pad),
                     (x + pad + w / 2, y - pad), (x - pad - w / 2, y - pad)]
            for cx, cy in cands:
                box = (cx, cy, w, h)
                score = sum(overlap(box, b) for b in boxes) * 10
                score += sum(overlap(box, m) for j, m in enumerate(marker_boxes) if j != i) * 5
                if len(avoid):
                    inside = ((np.abs(avoid[:, 0] - cx) < w / 2)
                              & (np.abs(avoid[:, 1] - cy) < h / 2)).sum()
                    score += 0.006 * min(int(inside), 8)
                outside = (max(0.0, cx + w / 2 - lim) + max(0.0, -lim - (cx - w / 2))
                           + max(0.0, cy + h / 2 - lim) + max(0.0, -lim - (cy - h / 2)))
                score += outside * 10 + 0.012 * k
                # a label as near another marker as its own is read as that one's name
                own = _gap(box, (x, y), radii[i])
                if any(_gap(box, xy[j], radii[j]) < 1.5 * own + 0.02 for j in range(n) if j != i):
                    score += 2.0
                d = np.array([cx - x, cy - y])
                score -= 1e-3 * float(d @ outward) / (np.linalg.norm(d) + 1e-12)
                if score < best_score - 1e-12:
                    best, best_score, best_k = (cx, cy), score, k
        out[i] = best
        far[i] = best_k > 0
        boxes.append((best[0], best[1], w, h))
    return out, far


def _gap(box, point, radius) -> float:
    """Distance from the box ``(cx, cy, w, h)`` to the edge of a round marker (0 if touching)."""
    cx, cy, w, h = box
    px, py = point
    nx = min(max(px, cx - w / 2), cx + w / 2)
    ny = min(max(py, cy - h / 2), cy + h / 2)
    return max(0.0, float(np.hypot(px - nx, py - ny)) - radius)


def _draw_labels(ax, xy, names, idx, area, avoid, missing_note=None):
    """Class names beside their markers, clear of each other and of the arrows."""
    fig = ax.figure
    bbox = ax.get_position()
    span = 2.5                                        # data units across the axes
    w_in = max(fig.get_figwidth() * bbox.width, 0.5)
    unit_per_pt = span / (w_in * 72.0)
    fontsize = max(_TEXT_PT, mpl.rcParams["font.size"] - 1)
    widths = np.array([len(names[i]) * 0.55 * fontsize * unit_per_pt for i in idx])
    height = 1.2 * fontsize * unit_per_pt
    radii = np.sqrt(area[idx]) / 2 * unit_per_pt
    lim = span / 2
    reserved = []
    if missing_note:
        nw = max(len(t) for t in missing_note) * 0.55 * _TEXT_PT * unit_per_pt
        nh = len(missing_note) * 1.2 * _TEXT_PT * unit_per_pt
        reserved.append((lim - 0.03 - nw / 2, -lim + 0.03 + nh / 2, nw, nh))
        ax.text(0.98, 0.02, "\n".join(missing_note), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=_TEXT_PT, color="0.35")
    pos, far = _place_labels(xy[idx], radii, widths, height, lim, reserved, avoid)
    for p, lead, i, wbox in zip(pos, far, idx, widths, strict=True):
        if lead:                                      # a leader line from label to marker
            px, py = xy[i]
            ex = np.clip(px, p[0] - wbox / 2, p[0] + wbox / 2)
            ey = np.clip(py, p[1] - height / 2, p[1] + height / 2)
            ax.plot([ex, px], [ey, py], color="0.45", lw=0.5, zorder=2)
        ax.text(p[0], p[1], names[i], ha="center", va="center", fontsize=fontsize, zorder=5,
                bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none",
                          alpha=0.85))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)


def _check_circumplex_inputs(coords, class_names, support, cm, top_k):
    xy = np.asarray(coords, dtype=np.float64)
    names = list(class_names)
    k = len(names)
    if xy.shape != (k, 2):
        raise ConfigError(f"`coords` must have shape ({k}, 2) for {k} classes; got {xy.shape}.")
    sup = np.asarray(support, dtype=np.float64)
    if sup.shape != (k,):
        raise ConfigError(f"`support` must have shape ({k},); got {sup.shape}.")
    cm = _pooled(cm)
    if cm.shape != (k, k):
        raise ConfigError(f"`cm` must be ({k}, {k}) for {k} classes; got {cm.shape}.")
    if not (isinstance(top_k, (int, np.integer)) and top_k >= 0):
        raise ConfigError(f"`top_k` must be a non-negative integer; got {top_k!r}.")
    return xy, names, sup, cm


def _circumplex_frame(ax, xy, sup, color):
    """Unit circle, axes lines and class markers; returns (has coordinate, marker areas)."""
    k = len(xy)
    has = np.isfinite(xy).all(axis=1)
    ax.add_patch(Circle((0, 0), 1.0, fill=False, lw=0.6, ls=(0, (3, 2)), color="0.7", zorder=0))
    ax.axhline(0, lw=0.5, color="0.85", zorder=0)
    ax.axvline(0, lw=0.5, color="0.85", zorder=0)
    share = sup / sup.max() if sup.max() > 0 else np.zeros(k)
    area = 6.0 + 70.0 * share                         # points^2
    ax.scatter(xy[has, 0], xy[has, 1], s=area[has], facecolor=mpl.colors.to_rgba(color, 0.25),
               edgecolor=color, linewidth=0.8, zorder=3)
    return has, area


def _arrow(ax, p0, p1, lw, color, area_i, area_j, *, ls="-", alpha=0.9):
    """One confusion arrow; neighbours get a wide arc so that short arrows stay visible."""
    near = np.linalg.norm(np.asarray(p0) - np.asarray(p1)) <= 0.4
    rad = 1.5 if near else 0.25
    arrow = FancyArrowPatch(
        tuple(p0), tuple(p1), arrowstyle="-|>", mutation_scale=5 + 1.5 * lw,
        connectionstyle=f"arc3,rad={rad}", lw=lw, color=color, alpha=alpha, linestyle=ls,
        shrinkA=np.sqrt(area_i) / 2 + 0.5, shrinkB=np.sqrt(area_j) / 2 + 0.5, zorder=4)
    ax.add_patch(arrow)
    return _arc_points(p0, p1, rad)


def _nice(x: float) -> float:
    """``x`` rounded down to 1, 2 or 5 times a power of ten."""
    if not (x > 0 and np.isfinite(x)):
        return 0.0
    e = 10 ** np.floor(np.log10(x))
    return max(m * e for m in (1, 2, 5) if m * e <= x * (1 + 1e-9))


def _width_key(ax, scale: float, unit: str, color, title: str):
    """A legend of arrow widths below the panel: three round values of the quantity."""
    top = _nice(1.0 / scale * 3.0) if scale > 0 else 0.0
    vals = [v for v in (_nice(top / 4), _nice(top / 2), top) if v > 0]
    vals = list(dict.fromkeys(vals))
    if not vals:
        return
    handles = [Line2D([], [], color=color, lw=_ARROW_MIN + scale * v) for v in vals]
    labels = [f"{100 * v:g} {unit}" for v in vals]
    ax.legend(handles, labels, title=title, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              ncols=len(vals), handlelength=1.6, columnspacing=0.8, borderaxespad=0.2)


_ARROW_MIN = 0.4      # line width (pt) of the smallest arrow; then + scale × quantity


def plot_circumplex(coords, class_names: Sequence[str], support, cm, *, ax=None,
                    color: str = OKABE_ITO["blue"], top_k: int = 5, title: str | None = None,
                    width_scale: float | None = None, key: bool = True):
    """Classes on the valence–arousal plane with arrows for the most frequent confusions.

    Parameters
    ----------
    coords : array-like of float, shape (K, 2)
        (valence, arousal) of each class; a NaN row marks a class without coordinate
        (listed under the plot, never drawn).
    class_names : sequence of str, length K
    support : array-like, shape (K,)
        Class frequency (true-class counts); marker area is proportional to it.
    cm : array-like of int, shape (K, K) or (n_seeds, K, K)
        Confusion counts (rows true, columns predicted), pooled over seeds if 3-D.
    ax : Axes, optional
    color : str
        Colour of markers and arrows (one condition).
    top_k : int, default 5
        Number of arrows: the ``top_k`` off-diagonal cells with the largest rate
        ``cm[i, j] / cm[i].sum()`` among classes with a coordinate. Arrows run from
        the true to the predicted class.
    title : str, optional
    width_scale : float, optional
        Arrow line width = 0.4 pt + ``width_scale`` × rate; default 3 pt over the
        largest rate drawn. Pass one value to several panels to compare them.
    key : bool, default True
        Draw the key of arrow widths under the panel.

    Returns
    -------
    Axes
    """
    xy, names, sup, cm = _check_circumplex_inputs(coords, class_names, support, cm, top_k)
    k = len(names)
    ax = _axes(ax, (COLUMN_WIDTH, COLUMN_WIDTH))
    has, area = _circumplex_frame(ax, xy, sup, color)
    rates = _row_rates(cm)
    ok = has[:, None] & has[None, :] & ~np.eye(k, dtype=bool) & (cm > 0)
    cells = np.argwhere(ok)
    avoid = []
    scale = width_scale
    if len(cells) and top_k > 0:
        order = np.lexsort((-cm[ok], -rates[ok]))[:top_k]
        chosen = cells[order]
        if scale is None:
            scale = 3.0 / rates[chosen[:, 0], chosen[:, 1]].max()
        for i, j in chosen:
            avoid.append(_arrow(ax, xy[i], xy[j], _ARROW_MIN + scale * rates[i, j], color,
                                area[i], area[j]))
        if key:
            _width_key(ax, scale, "%", color, "arrow width: confusion rate")
    idx = np.flatnonzero(has)
    missing = [names[i] for i in range(k) if not has[i]]
    _draw_labels(ax, xy, names, idx, area, np.vstack(avoid) if avoid else None,
                 ["no coordinate:", ", ".join(missing)] if missing else None)
    _finish_circumplex(ax, title)
    return ax


def _finish_circumplex(ax, title):
    ax.set_aspect("equal")
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.set_xlabel("valence")
    ax.set_ylabel("arousal")
    if title:
        ax.set_title(title)


#: Colours of the change panels: more confusion than the baseline, less.
CHANGE_COLORS = {"more": OKABE_ITO["vermillion"], "less": OKABE_ITO["blue"]}


def plot_circumplex_change(coords, class_names: Sequence[str], support, cm, cm_ref, *,
                           ax=None, top_k: int = 5, title: str | None = None,
                           width_scale: float | None = None, key: bool = True):
    """Change of the confusions against a reference on the circumplex.

    Arrows (true → predicted class) show the ``top_k`` off-diagonal cells whose rate
    ``cm[i, j] / cm[i].sum()`` changed most against ``cm_ref`` (both pooled over
    seeds); vermillion solid: more often than the reference, blue dashed: less.
    Width ∝ the absolute change in percentage points.

    Parameters
    ----------
    coords, class_names, support : as :func:`plot_circumplex`
    cm, cm_ref : array-like of int, shape (K, K) or (n_seeds, K, K)
        The condition's and the reference's confusion counts.
    ax : Axes, optional
    top_k : int, default 5
    title : str, optional
    width_scale : float, optional
        Line width = 0.4 pt + ``width_scale`` × |change|; default 3 pt over the
        largest change drawn.
    key : bool, default True

    Returns
    -------
    Axes
    """
    xy, names, sup, cm = _check_circumplex_inputs(coords, class_names, support, cm, top_k)
    ref = _pooled(cm_ref)
    if ref.shape != cm.shape:
        raise ConfigError(f"`cm_ref` must have the shape of `cm` {cm.shape}; got {ref.shape}.")
    k = len(names)
    ax = _axes(ax, (COLUMN_WIDTH, COLUMN_WIDTH))
    has, area = _circumplex_frame(ax, xy, sup, "0.45")
    diff = _row_rates(cm) - _row_rates(ref)
    ok = has[:, None] & has[None, :] & ~np.eye(k, dtype=bool) & (np.abs(diff) > 0)
    cells = np.argwhere(ok)
    avoid = []
    scale = width_scale
    if len(cells) and top_k > 0:
        order = np.argsort(-np.abs(diff[ok]), kind="stable")[:top_k]
        chosen = cells[order]
        if scale is None:
            scale = 3.0 / np.abs(diff[chosen[:, 0], chosen[:, 1]]).max()
        for i, j in chosen:
            more = diff[i, j] > 0
            avoid.append(_arrow(ax, xy[i], xy[j], _ARROW_MIN + scale * abs(diff[i, j]),
                                CHANGE_COLORS["more" if more else "less"], area[i], area[j],
                                ls="-" if more else (0, (2.5, 1.2))))
        if key:
            top = _nice(3.0 / scale)
            vals = [v for v in dict.fromkeys((_nice(top / 4), _nice(top / 2), top)) if v > 0]
            handles = [Line2D([], [], color="0.3", lw=_ARROW_MIN + scale * v) for v in vals]
            handles += [Line2D([], [], color=CHANGE_COLORS["more"], lw=1.2),
                        Line2D([], [], color=CHANGE_COLORS["less"], lw=1.2, ls=(0, (2.5, 1.2)))]
            labels = [f"{100 * v:g} pp" for v in vals] + ["more", "less"]
            ax.legend(handles, labels, title="arrow: change of confusion rate", loc="upper center",
                      bbox_to_anchor=(0.5, -0.2), ncols=3, handlelength=1.6, columnspacing=0.8,
                      borderaxespad=0.2)
    idx = np.flatnonzero(has)
    missing = [names[i] for i in range(k) if not has[i]]
    _draw_labels(ax, xy, names, idx, area, np.vstack(avoid) if avoid else None,
                 ["no coordinate:", ", ".join(missing)] if missing else None)
    _finish_circumplex(ax, title)
    return ax


def _map_inputs(data):
    """(coords, class_names, support, {condition: cm}, baseline) from a result or a tuple."""
    if hasattr(data, "geometry") and hasattr(data, "confusions"):
        return (data.geometry.coords, list(data.taxonomy.classes), data.class_support,
                dict(data.confusions), data.baseline)
    if isinstance(data, tuple) and len(data) == 4:
        coords, names, support, cms = data
        if not isinstance(cms, Mapping):
            raise ConfigError("the fourth element must be a mapping {condition: confusion matrix}.")
        return coords, list(names), support, dict(cms), None
    raise ConfigError("`data` must be a ComparisonResult or a tuple (coords, class_names, support, "
                      f"{{condition: cm}}); got {type(data).__name__}.")


def plot_circumplex_map(data, *, conditions: Sequence[str] | None = None, top_k: int = 5,
                        colors: Mapping[str, str] | None = None, fig=None,
                        ncols: int | None = None):
    """The baseline's confusions on the circumplex, then each condition's change against it.

    Parameters
    ----------
    data : ComparisonResult or tuple
        A result, or ``(coords, class_names, support, {condition: cm})`` (no
        baseline: one :func:`plot_circumplex` panel per condition, on one width scale).
    conditions : sequence of str, optional
        Panels to draw, in order; default all (the baseline first).
    top_k : int, default 5
    colors : mapping, optional
        ``{condition: colour}``; default :func:`condition_colors`.
    fig : Figure, optional
    ncols : int, optional
        Panels per row (default up to 4).

    Returns
    -------
    Figure
        First panel: :func:`plot_circumplex` of the baseline. Others:
        :func:`plot_circumplex_change` of each condition against the baseline, on one
        shared width scale, so that panels compare.
    """
    coords, names, support, cms, baseline = _map_inputs(data)
    conditions = list(cms) if conditions is None else list(conditions)
    unknown = [c for c in conditions if c not in cms]
    if unknown:
        raise ConfigError(f"no confusion matrices for condition(s) {unknown}; have {list(cms)}.")
    colors = _colors_for(list(cms), colors, baseline)
    if baseline in conditions:
        conditions = [baseline] + [c for c in conditions if c != baseline]
    nrows, ncols = _grid(len(conditions), ncols)
    fig = _figure(fig, _map_size(len(conditions), ncols))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    xy = np.asarray(coords, float)
    has = np.isfinite(xy).all(axis=1)
    offd = has[:, None] & has[None, :] & ~np.eye(len(names), dtype=bool)
    rates = {c: _row_rates(_pooled(cms[c])) for c in cms}
    changes = [np.sort(np.abs(rates[c] - rates[baseline])[offd])[::-1][:max(top_k, 1)]
               for c in conditions if baseline is not None and c != baseline]
    d_max = max((float(v[0]) for v in changes if len(v)), default=0.0)
    r_max = max(float(np.sort(rates[c][offd])[::-1][0]) if offd.any() else 0.0
                for c in conditions)
    for n, (ax, c) in enumerate(zip(axes.flat, conditions, strict=False)):
        if baseline is not None and c != baseline:
            plot_circumplex_change(coords, names, support, cms[c], cms[baseline], ax=ax,
                                   top_k=top_k, title=f"{c} {_MINUS_SIGN} {baseline}",
                                   width_scale=3.0 / d_max if d_max > 0 else None,
                                   key=n == (1 if baseline in conditions else 0))
        else:
            plot_circumplex(coords, names, support, cms[c], ax=ax, color=colors[c], top_k=top_k,
                            title=c if baseline is None else f"{c}: confusions",
                            width_scale=3.0 / r_max if r_max > 0 else None,
                            key=n == 0)
    for ax in axes.flat[len(conditions):]:
        ax.set_axis_off()
    for ax in axes.flat[:len(conditions)]:
        if not ax.get_subplotspec().is_first_col():
            ax.set_ylabel("")
    if top_k:
        what = (f"Left: the {top_k} most frequent confusions of {baseline} (true → predicted); "
                f"then the {top_k} largest changes against it."
                if baseline in conditions else
                f"Arrows: the {top_k} most frequent confusions (true → predicted).")
        fig.suptitle(what + " Marker area ∝ class frequency.", fontsize=_TEXT_PT, color="0.25")
    return fig


_MINUS_SIGN = "−"


# ----------------------------------------------------------------------------------------------
# confusion matrices

_NORMALIZE = ("true", "pred", "all", None)


def _normalize(cm: np.ndarray, normalize) -> np.ndarray:
    if normalize not in _NORMALIZE:
        raise ConfigError("`normalize` must be one of {'true', 'pred', 'all', None}; "
                          f"got {normalize!r}.")
    if normalize is None:
        return cm
    if normalize == "true":
        tot = cm.sum(axis=1, keepdims=True)
    elif normalize == "pred":
        tot = cm.sum(axis=0, keepdims=True)
    else:
        tot = np.full((1, 1), cm.sum())
    return 100.0 * np.divide(cm, tot, out=np.zeros_like(cm), where=tot > 0)


_NORM_LABEL = {"true": "% of true class", "pred": "% of predicted class", "all": "% of samples",
               None: "count"}


def _heatmap(values, class_names, ax, *, cmap, vmin, vmax, signed, cbar, cbar_label):
    import seaborn as sns

    from .tables import format_number

    k = len(class_names)
    annot_size = _TEXT_PT if k > 6 else 8
    labels = np.array([[format_number(v, digits=0, signed=signed) for v in row] for row in values])
    # a diverging scale is centred by symmetric vmin/vmax (seaborn's `center` re-builds the
    # colormap through a call matplotlib deprecates)
    sns.heatmap(values, ax=ax, cmap=cmap, vmin=vmin, vmax=vmax, annot=labels, fmt="",
                annot_kws={"fontsize": annot_size}, square=True, cbar=cbar,
                cbar_kws={"label": cbar_label, "shrink": 0.8} if cbar else None,
                xticklabels=class_names, yticklabels=class_names, linewidths=0.3, linecolor="white")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.tick_params(axis="x", rotation=90, length=0)
    ax.tick_params(axis="y", rotation=0, length=0)
    return ax


def plot_confusion(cm, class_names: Sequence[str], ax=None, *, normalize: str | None = "true",
                   cmap: str = "Blues", vmax: float | None = None, cbar: bool = True,
                   title: str | None = None):
    """Confusion matrix as an annotated heatmap.

    Parameters
    ----------
    cm : array-like of int, shape (K, K) or (n_seeds, K, K)
        Counts, rows true and columns predicted; summed over seeds if 3-D.
    class_names : sequence of str, length K
    ax : Axes, optional
    normalize : {"true", "pred", "all", None}, default "true"
        Percent of each true class (rows), predicted class (columns) or of all
        samples; None shows counts.
    cmap : str, default "Blues" (sequential, colour-blind safe)
    vmax : float, optional
        Top of the colour scale (share one across panels).
    cbar : bool, default True
    title : str, optional

    Returns
    -------
    Axes
    """
    cm = _pooled(cm)
    if cm.shape[0] != len(class_names):
        raise ConfigError(f"`class_names` has {len(class_names)} names for a {cm.shape} matrix.")
    values = _normalize(cm, normalize)
    ax = _axes(ax, (COLUMN_WIDTH, COLUMN_WIDTH))
    _heatmap(values, list(class_names), ax, cmap=cmap, vmin=0, vmax=vmax,
             signed=False, cbar=cbar, cbar_label=_NORM_LABEL[normalize])
    if title:
        ax.set_title(title)
    return ax


def plot_confusion_difference(cm, cm_ref, class_names: Sequence[str], ax=None, *,
                              normalize: str | None = "true", vmax: float | None = None,
                              cmap: str = "RdBu_r", cbar: bool = True, title: str | None = None):
    """Difference of two confusion matrices (``cm − cm_ref``) on a diverging scale centred at 0.

    Parameters
    ----------
    cm, cm_ref : array-like of int, shape (K, K) or (n_seeds, K, K)
        Condition and reference (baseline) counts; each summed over seeds if 3-D and
        normalised with ``normalize`` before subtracting.
    class_names : sequence of str
    ax : Axes, optional
    normalize : {"true", "pred", "all", None}, default "true"
        The difference is then in percentage points.
    vmax : float, optional
        Half-range of the symmetric colour scale; default the largest absolute difference.
    cmap : str, default "RdBu_r" (red: more often than the reference; blue: less)
    cbar : bool, default True
    title : str, optional

    Returns
    -------
    Axes
    """
    a, b = _pooled(cm), _pooled(cm_ref)
    if a.shape != b.shape:
        raise ConfigError(f"`cm` and `cm_ref` must have the same shape; got {a.shape} and "
                          f"{b.shape}.")
    if a.shape[0] != len(class_names):
        raise ConfigError(f"`class_names` has {len(class_names)} names for a {a.shape} matrix.")
    diff = _normalize(a, normalize) - _normalize(b, normalize)
    if vmax is None:
        vmax = float(np.abs(diff).max()) or 1.0
    ax = _axes(ax, (COLUMN_WIDTH, COLUMN_WIDTH))
    label = "difference (" + ("percentage points" if normalize else "count") + ")"
    _heatmap(diff, list(class_names), ax, cmap=cmap, vmin=-vmax, vmax=vmax,
             signed=False, cbar=cbar, cbar_label=label)
    if title:
        ax.set_title(title)
    return ax


def plot_confusions(data, *, conditions: Sequence[str] | None = None, baseline: str | None = None,
                    normalize: str | None = "true", fig=None, ncols: int | None = None):
    """Confusion matrices of every condition, then their differences from the baseline.

    Parameters
    ----------
    data : ComparisonResult or tuple
        A result, or ``(class_names, {condition: cm})`` with ``baseline`` given.
    conditions : sequence of str, optional
        Default all, baseline first.
    baseline : str, optional
        Default the result's baseline.
    normalize : {"true", "pred", "all", None}, default "true"
    fig : Figure, optional
    ncols : int, optional
        Panels per row (default up to 3).

    Returns
    -------
    Figure
        Top: one matrix per condition on a shared colour scale. Bottom: condition −
        baseline for every other condition, on one symmetric diverging scale.
    """
    if hasattr(data, "confusions") and hasattr(data, "taxonomy"):
        names, cms = list(data.taxonomy.classes), dict(data.confusions)
        baseline = data.baseline if baseline is None else baseline
    elif isinstance(data, tuple) and len(data) == 2 and isinstance(data[1], Mapping):
        names, cms = list(data[0]), dict(data[1])
    else:
        raise ConfigError("`data` must be a ComparisonResult or a tuple (class_names, "
                          f"{{condition: cm}}); got {type(data).__name__}.")
    if baseline not in cms:
        raise ConfigError(f"`baseline` must be one of {list(cms)}; got {baseline!r}.")
    conditions = list(cms) if conditions is None else list(conditions)
    conditions = [baseline] + [c for c in conditions if c != baseline]
    others = conditions[1:]
    norm = {c: _normalize(_pooled(cms[c]), normalize) for c in conditions}
    top = float(max(v.max() for v in norm.values())) or 1.0
    dmax = float(max((np.abs(norm[c] - norm[baseline]).max() for c in others), default=1.0)) or 1.0
    r1, nc = _grid(len(conditions), ncols, max_cols=3)
    r2 = r1 if others else 0
    fig = _figure(fig, _confusions_size(len(conditions), len(names), ncols))
    axes = fig.subplots(r1 + r2, nc, squeeze=False)
    mat_axes, diff_axes = axes[:r1].ravel(), axes[r1:].ravel()
    used, dused = [], []
    for ax, c in zip(mat_axes, conditions, strict=False):
        plot_confusion(cms[c], names, ax=ax, normalize=normalize, vmax=top, cbar=False, title=c)
        used.append(ax)
    # the difference of condition i sits at the same grid position as its matrix
    for i, c in enumerate(conditions):
        if c == baseline:
            continue
        ax = diff_axes[i]
        plot_confusion_difference(cms[c], cms[baseline], names, ax=ax, normalize=normalize,
                                  vmax=dmax, cbar=False, title=f"{c} − {baseline}")
        dused.append(ax)
    for ax in axes.flat:
        if ax not in used and ax not in dused:
            ax.set_axis_off()
    for ax in used + dused:             # class names once per row, on the left
        if not ax.get_subplotspec().is_first_col():
            ax.set_ylabel("")
            ax.set_yticklabels([])
    if dused:
        for ax in used:
            ax.set_xlabel("")
        blank = diff_axes[conditions.index(baseline)]
        unit = "percentage points" if normalize else "counts"
        blank.text(0.5, 0.5, f"This row: condition − {baseline}\nin {unit} (classes as\nabove). "
                   f"Red: more often\nthan {baseline}; blue: less.", transform=blank.transAxes,
                   ha="center", va="center",
                   fontsize=_TEXT_PT, color="0.25")
    fig.colorbar(used[0].collections[0], ax=list(mat_axes), shrink=0.8,
                 label=_NORM_LABEL[normalize])
    if dused:
        fig.colorbar(dused[0].collections[0], ax=list(diff_axes), shrink=0.8,
                     label="difference (" + ("pp" if normalize else "count") + ")")
    return fig


# ----------------------------------------------------------------------------------------------
# paired seeds


def p_text(p, *, adjusted: bool = False) -> str:
    """One p-value format for every figure: ``p < 0.001`` or ``p = 0.007`` (3 significant digits).

    >>> p_text(0.00004), p_text(0.0072, adjusted=True), p_text(0.0625)
    ('p < 0.001', 'p_adj = 0.0072', 'p = 0.0625')
    """
    from .tables import format_p

    name = "p_adj" if adjusted else "p"
    text = format_p(p)
    if text.startswith("<"):
        return f"{name} < {text[1:]}"
    return f"{name} = {text}"


def _tie_offsets(values: np.ndarray, step: float = 0.07, tol: float = 0.0) -> np.ndarray:
    """Horizontal offsets that set equal (or within ``tol``) values side by side.

    Deterministic: values are sorted and runs of neighbours closer than ``tol`` form a
    group, spread symmetrically around the column.
    """
    v = np.asarray(values, float)
    out = np.zeros(len(v))
    idx = [i for i in np.argsort(v, kind="stable") if np.isfinite(v[i])]
    groups, cur = [], idx[:1]
    for a, b in zip(idx, idx[1:]):
        if v[b] - v[a] <= tol + 1e-12 * max(1.0, abs(v[a])):
            cur.append(b)
        else:
            groups.append(cur)
            cur = [b]
    if cur:
        groups.append(cur)
    for g in groups:
        if len(g) > 1:
            out[g] = (np.arange(len(g)) - (len(g) - 1) / 2) * step
    return out


def plot_paired_seeds(metric_table, metric: str, conditions: Sequence[str], ax=None, *,
                      colors: Mapping[str, str] | None = None, baseline: str | None = None,
                      means: Mapping[str, float] | None = None, comparisons=None,
                      test: str | None = None):
    """Per-seed paired plot: each seed's baseline value joined to its value under each condition.

    Parameters
    ----------
    metric_table : DataFrame
        Tidy ``condition, seed, metric, value`` (``ComparisonResult.metrics``).
    metric : str
    conditions : sequence of str
        Conditions in x order; the baseline (default the first) is drawn first.
    ax : Axes, optional
    colors : mapping, optional
        ``{condition: colour}``; default :func:`condition_colors`.
    baseline : str, optional
        The reference every line starts from; default ``conditions[0]``. No line
        joins two other conditions (they are not ordered).
    means : mapping, optional
        ``{condition: mean}`` to mark; default the mean of the plotted points.
    comparisons : DataFrame, optional
        ``ComparisonResult.comparisons``; with ``test``, each condition is labelled
        with that test's adjusted p-value against the baseline and its mark
        (``†`` < 0.05, ``‡`` < 0.01, ``§`` the test cannot reach 0.05).
    test : str, optional
        The test whose p-values are shown (e.g. the report's primary test).

    Returns
    -------
    Axes

    Notes
    -----
    Seeds with equal or nearly equal values (within 1.5 % of the axis range) are set
    side by side (a fixed horizontal offset, no randomness), so tied seeds stay
    visible; the legend sits under the axes.
    """
    from .tables import _mark, metric_label

    conditions = list(conditions)
    baseline = conditions[0] if baseline is None else baseline
    if baseline in conditions:
        conditions = [baseline] + [c for c in conditions if c != baseline]
    sub = metric_table[metric_table["metric"] == metric]
    if sub.empty:
        raise ConfigError(f"metric {metric!r} is not in the metric table; available: "
                          f"{sorted(set(metric_table['metric']))}.")
    wide = sub.pivot_table(index="seed", columns="condition", values="value", aggfunc="first")
    missing = [c for c in conditions if c not in wide.columns]
    if missing:
        raise ConfigError(f"no {metric!r} values for condition(s) {missing}.")
    wide = wide[conditions]
    colors = _colors_for(conditions, colors, baseline)
    ax = _axes(ax, (COLUMN_WIDTH, 2.4))
    x = np.arange(len(conditions))
    # seeds closer than ~1.5 % of the axis range would hide each other: side by side
    span = float(np.nanmax(wide.to_numpy(float)) - np.nanmin(wide.to_numpy(float)))
    offs = {c: _tie_offsets(wide[c].to_numpy(dtype=float), tol=0.015 * span) for c in conditions}
    if baseline in conditions:
        yb = wide[baseline].to_numpy(dtype=float)
        for xi, c in zip(x[1:], conditions[1:], strict=True):
            yc = wide[c].to_numpy(dtype=float)
            for k in range(len(wide)):
                ax.plot([x[0] + offs[baseline][k], xi + offs[c][k]], [yb[k], yc[k]],
                        color="0.72", lw=0.7, zorder=1)
    ties = False
    for xi, c in zip(x, conditions, strict=True):
        ties = ties or bool(np.any(offs[c] != 0))
        ax.scatter(xi + offs[c], wide[c].to_numpy(dtype=float), s=16, color=colors[c],
                   edgecolor="white", linewidth=0.4, zorder=3)
        m = float(means[c]) if means is not None and c in means else float(np.nanmean(wide[c]))
        ax.hlines(m, xi - 0.25, xi + 0.25, color="black", lw=1.4, zorder=4)
    if comparisons is not None and test is not None and len(comparisons):
        rows = comparisons
        if "run_seed" in rows.columns:
            rows = rows[rows["run_seed"].isna()]
        rows = rows[(rows["test"] == test) & (rows["metric"] == metric)]
        for xi, c in zip(x[1:], conditions[1:], strict=True):
            r = rows[(rows["a"] == c) & (rows["b"] == baseline)]
            if not len(r):
                continue
            r = r.iloc[0]
            p_adj = float(r.get("p_adjusted", np.nan))
            mark = _mark(p_adj, float(r.get("min_pvalue", np.nan)), 0.05)
            ax.annotate(p_text(p_adj) + mark, xy=(xi, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=_TEXT_PT)
        short = {"ar": "AR", "wilcoxon": "Wilcoxon", "signflip": "sign-flip", "ttest": "t-test",
                 "bootstrap": "bootstrap"}.get(test, test)
        ax.annotate(f"adjusted p, {short}:", xy=(0, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=_TEXT_PT,
                    color="0.35")
    ax.set_xticks(x)
    ax.set_xticklabels(conditions, rotation=30 if len(conditions) > 4 else 0,
                       ha="right" if len(conditions) > 4 else "center")
    ax.set_xlim(-0.5, len(conditions) - 0.5)
    ax.set_ylabel(metric_label(metric))
    label = f"one seed (n = {len(wide)})" + (", near-ties side by side" if ties else "")
    ax.legend(handles=[Line2D([], [], color="0.72", lw=0.7, marker="o", ms=3, mfc="0.5",
                              mec="white", label=label),
                       Line2D([], [], color="black", lw=1.4, label="mean")],
              loc="upper center", bbox_to_anchor=(0.5, -0.16 if len(conditions) <= 4 else -0.3),
              ncols=2, handlelength=1.5, borderaxespad=0.0)
    return ax


# ----------------------------------------------------------------------------------------------
# error-distance null


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
    observed)`` (formatted by :func:`affectctl.report.tables.format_p`).

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
                        textcoords="offset points", ha="left", va="center", fontsize=_TEXT_PT)
    ax.annotate("p = P(null ≤ observed)", xy=(1.0, 1.0), xycoords="axes fraction", xytext=(2, 2),
                textcoords="offset points", ha="left", va="bottom", fontsize=_TEXT_PT)
    ax.set_yticks(ys)
    ax.set_yticklabels(conds)
    ax.set_ylim(-0.6, len(conds) - 0.4)
    ax.set_xlabel(f"mean error distance ({unit})")
    ax.legend(handles=[Line2D([], [], marker="D", ls="", color="0.5", mec="black", mew=0.5, ms=5,
                              label="observed"),
                       mpl.patches.Patch(facecolor="0.85", edgecolor="0.4", lw=0.5,
                                         label="null: random errors")],
              loc="upper center", bbox_to_anchor=(0.5, -0.35 if len(conds) < 3 else -0.22), ncols=2,
              handlelength=1.2)
    return ax


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
    fig = _figure(fig, (PAGE_WIDTH, 2.6))
    axes = fig.subplots(1, n + 1, width_ratios=[1.0] * n + [1.6], sharey=False)
    for i, (c, res) in enumerate(nulls.items()):
        ax = axes[i]
        plot_error_distance_null({c: res}, ax=ax, colors=colors, unit=unit, legend=False)
        ax.set_title(("(a) " if i == 0 else "") + c, loc="left")
        ax.legend(handles=[Line2D([], [], color=colors[c], lw=1.3, label="observed"),
                           Line2D([], [], color=colors[c], lw=0.9, ls=(0, (3, 1.5)),
                                  label="null")],
                  loc="upper left", handlelength=1.8)
        if i:
            ax.set_ylabel("")
            ax.set_yticklabels([])
        if i != n // 2:
            ax.set_xlabel("")
        ax.set_xlabel(f"error distance ({unit})" if i == n // 2 else "")
    plot_error_distance_means(nulls, ax=axes[-1], colors=colors, baseline=baseline, unit=unit)
    axes[-1].set_title("(b) mean error distance", loc="left")
    return fig


# ----------------------------------------------------------------------------------------------
# saving


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _save(fig: Figure, out_dir: Path, name: str, formats, dpi) -> dict:
    from ..io.atomic import atomic_write

    out = {}
    for fmt in formats:
        path = out_dir / f"{name}.{fmt}"
        atomic_write(path, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=dpi))
        out[path.name] = path
    return out


_FORMATS = ("pdf", "png", "svg", "eps")


def save_figures(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                 colors: Mapping[str, str] | None = None, dpi: int = 300,
                 top_k: int = 5, progress=None) -> dict:
    """Draw and write every figure of a comparison.

    Parameters
    ----------
    result : ComparisonResult
    out_dir : str or Path
        Created if needed.
    formats : sequence of {"pdf", "png", "svg", "eps"}, default ("pdf", "png")
    colors : mapping, optional
        ``{condition: colour}``; default :func:`condition_colors`.
    dpi : int, default 300
        Resolution of raster formats.
    top_k : int, default 5
        Arrows per circumplex panel.
    progress : callable, optional
        ``progress(done, total, name)`` after each figure is written.

    Returns
    -------
    dict
        ``{file name: Path}`` for ``circumplex_map``, ``confusion``,
        ``paired_seeds_<metric>`` (every headline metric) and ``error_distance_null``
        (when the result has error nulls), each in every format. Files are written
        atomically (temporary file, then rename).
    """
    formats = tuple(formats)
    bad = [f for f in formats if f not in _FORMATS]
    if bad or not formats:
        raise ConfigError(f"`formats` entries must be in {set(_FORMATS)}; got {list(formats)}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    colors = _colors_for(list(result.conditions), colors, result.baseline)
    written: dict = {}
    summary = result.summary()
    from .tables import primary_test

    test = primary_test(result, ("wilcoxon", "signflip", "ar", "bootstrap"))
    geo = getattr(getattr(result, "geometry", None), "geometry", None)
    unit = f"{getattr(geo, 'name', 'VA')} VA units"
    n_paired = len(result.headline_metrics) if len(result.seeds) > 1 else 0
    n_total = 2 + n_paired + (1 if result.error_null else 0)
    done = 0

    def tick(name):
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, n_total, name)

    with mpl.rc_context(PAPER_RC):
        fig = Figure(figsize=_map_size(len(result.conditions)), layout="constrained")
        plot_circumplex_map(result, conditions=result.conditions, top_k=top_k, colors=colors,
                            fig=fig)
        written.update(_save(fig, out_dir, "circumplex_map", formats, dpi))
        tick("circumplex_map")

        fig = Figure(figsize=_confusions_size(len(result.conditions), len(result.taxonomy.classes)),
                     layout="constrained")
        plot_confusions(result, fig=fig)
        written.update(_save(fig, out_dir, "confusion", formats, dpi))
        tick("confusion")

        # one run per condition: nothing to pair over seeds (see figures_single)
        for metric in result.headline_metrics if len(result.seeds) > 1 else ():
            fig = Figure(figsize=(COLUMN_WIDTH, 2.6), layout="constrained")
            means = summary[summary["metric"] == metric].set_index("condition")["mean"].to_dict()
            plot_paired_seeds(result.metrics, metric, result.conditions, ax=fig.subplots(),
                              colors=colors, means=means, baseline=result.baseline,
                              comparisons=result.comparisons, test=test)
            written.update(_save(fig, out_dir, f"paired_seeds_{_safe_name(metric)}", formats, dpi))
            tick(f"paired_seeds_{metric}")

        if result.error_null:
            nulls = {c: result.error_null[c] for c in result.conditions if c in result.error_null}
            fig = Figure(figsize=(PAGE_WIDTH, 2.6), layout="constrained")
            plot_error_distance_figure(nulls, fig=fig, colors=colors, baseline=result.baseline,
                                       unit=unit)
            written.update(_save(fig, out_dir, "error_distance_null", formats, dpi))
            tick("error_distance_null")
    return written
