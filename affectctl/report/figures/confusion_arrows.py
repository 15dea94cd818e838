"""Circumplex figures: confusions as arrows between class places in valence–arousal space.

:func:`plot_circumplex` (one condition), :func:`plot_circumplex_change` (against a
reference) and :func:`plot_circumplex_map` (one panel per condition).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch

from affectctl.errors import ConfigError
from affectctl.report.figures.style import (
    COLUMN_WIDTH, MINUS_SIGN, OKABE_ITO, SMALL_FONT_PT, _axes, _colors_for, _figure, _grid,
    _map_size, _pooled, _row_rates, wrap_label,
)


__all__ = ["plot_circumplex", "plot_circumplex_change", "plot_circumplex_map", "CHANGE_COLORS"]


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
    fontsize = max(SMALL_FONT_PT, mpl.rcParams["font.size"] - 1)
    widths = np.array([len(names[i]) * 0.55 * fontsize * unit_per_pt for i in idx])
    height = 1.2 * fontsize * unit_per_pt
    radii = np.sqrt(area[idx]) / 2 * unit_per_pt
    lim = span / 2
    reserved = []
    if missing_note:
        nw = max(len(t) for t in missing_note) * 0.55 * SMALL_FONT_PT * unit_per_pt
        nh = len(missing_note) * 1.2 * SMALL_FONT_PT * unit_per_pt
        reserved.append((lim - 0.03 - nw / 2, -lim + 0.03 + nh / 2, nw, nh))
        ax.text(0.98, 0.02, "\n".join(missing_note), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=SMALL_FONT_PT, color="0.35")
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
    _label_classes(ax, xy, names, has, area, avoid)
    _finish_circumplex(ax, title)
    return ax


def _label_classes(ax, xy, names, has, area, avoid) -> None:
    """Name every placed class beside its marker, clear of the arrows (``avoid``); list
    the classes without a coordinate in a note."""
    idx = np.flatnonzero(has)
    missing = [n for n, h in zip(names, has) if not h]
    _draw_labels(ax, xy, names, idx, area, np.vstack(avoid) if avoid else None,
                 ["no coordinate:", ", ".join(missing)] if missing else None)


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
    _label_classes(ax, xy, names, has, area, avoid)
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
    panel_w = 0.9 * fig.get_figwidth() / ncols          # titles wrap to a panel's width
    for n, (ax, c) in enumerate(zip(axes.flat, conditions, strict=False)):
        if baseline is not None and c != baseline:
            plot_circumplex_change(coords, names, support, cms[c], cms[baseline], ax=ax,
                                   top_k=top_k,
                                   title=wrap_label(f"{c} {MINUS_SIGN} {baseline}", panel_w),
                                   width_scale=3.0 / d_max if d_max > 0 else None,
                                   key=n == (1 if baseline in conditions else 0))
        else:
            plot_circumplex(coords, names, support, cms[c], ax=ax, color=colors[c], top_k=top_k,
                            title=wrap_label(c if baseline is None else f"{c}: confusions",
                                             panel_w),
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
        fig.suptitle(wrap_label(what + " Marker area ∝ class frequency.",
                                0.95 * fig.get_figwidth(), SMALL_FONT_PT),
                     fontsize=SMALL_FONT_PT, color="0.25")
    return fig


