"""The geometry overlay: every geometry's class coordinates on one circumplex.

One marker per class and geometry (the chosen geometry filled, the others hollow, one
shape and Okabe–Ito colour per geometry), thin grey lines joining a class's places
across geometries, and, when the truth carries VA annotations, each class's 1-sd
ellipse of those annotations (the covariance of :func:`affectctl.domain.geometries.geometry_from_data`).
A reader sees at a glance which classes the geometries put in different places and
how far that is relative to the data's spread. Draws only what a
:class:`~affectctl.controls.geometry_sensitivity.GeometrySensitivity` holds.
"""

from __future__ import annotations

import numpy as np

from affectctl.report.figures.style import COLUMN_WIDTH, OKABE_ITO, PAPER_RC

__all__ = ["plot_geometry_overlay", "write_geometry_figure", "ellipse_points"]

_MARKERS = ("o", "s", "^", "D", "v", "P")
_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"],
            OKABE_ITO["reddish_purple"], OKABE_ITO["orange"], OKABE_ITO["sky_blue"])
_ELLIPSE = "#B0B0B0"


def ellipse_points(mean, cov, *, n_sd: float = 1.0, n: int = 100) -> np.ndarray:
    """Points of the ``n_sd``-standard-deviation ellipse of a 2-D normal, shape (n, 2).

    .. math:: \\{\\mu + n_{sd} L u : \\lVert u \\rVert = 1\\}, \\qquad \\Sigma = L L^\\top

    (``L`` from the eigendecomposition ``Σ = V Λ V^T``, ``L = V Λ^{1/2}``).
    """
    mean = np.asarray(mean, dtype=np.float64)
    vals, vecs = np.linalg.eigh(np.asarray(cov, dtype=np.float64))
    vals = np.clip(vals, 0.0, None)
    t = np.linspace(0.0, 2.0 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    return (mean[:, None] + n_sd * (vecs * np.sqrt(vals)) @ circle).T


def plot_geometry_overlay(sens, *, ax=None, figsize=(COLUMN_WIDTH, COLUMN_WIDTH + 0.5)):
    """Class coordinates of every geometry overlaid, with the data's per-class ellipses.

    Parameters
    ----------
    sens : GeometrySensitivity
    ax : matplotlib Axes, optional
    figsize : tuple
        Used only when ``ax`` is None.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.lines import Line2D

    from affectctl.report.figures._labels import place_labels

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    classes = list(sens.classes)
    names = list(sens.geometries)
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(t), np.sin(t), color="lightgray", lw=0.8, zorder=1)
    ax.axhline(0, color="lightgray", lw=0.6, zorder=1)
    ax.axvline(0, color="lightgray", lw=0.6, zorder=1)
    handles = []
    if sens.data_covariances is not None:
        for k in range(len(classes)):
            m, c = sens.data_means[k], sens.data_covariances[k]
            if np.isfinite(m).all() and np.isfinite(c).all():
                e = ellipse_points(m, c)
                ax.fill(e[:, 0], e[:, 1], color=_ELLIPSE, alpha=0.25, lw=0, zorder=1.5)
                ax.plot(e[:, 0], e[:, 1], color=_ELLIPSE, lw=0.6, zorder=1.6)
        handles.append(Line2D([], [], color=_ELLIPSE, lw=4, alpha=0.6,
                              label="data: 1 sd of annotations"))
    # a class's places across geometries, joined
    stack = np.stack([np.asarray(sens.coords[g], dtype=np.float64) for g in names])  # (G, K, 2)
    for k in range(len(classes)):
        pts = stack[:, k][np.isfinite(stack[:, k]).all(axis=1)]
        if len(pts) > 1:
            ref = pts[0]
            for p in pts[1:]:
                ax.plot([ref[0], p[0]], [ref[1], p[1]], color="0.6", lw=0.5, ls=":", zorder=2)
    for gi, g in enumerate(names):
        xy = stack[gi]
        ok = np.isfinite(xy).all(axis=1)
        colour, marker = _COLOURS[gi % len(_COLOURS)], _MARKERS[gi % len(_MARKERS)]
        chosen = g == sens.default
        ax.scatter(xy[ok, 0], xy[ok, 1], s=26 if chosen else 20, marker=marker,
                   facecolor=colour if chosen else "white", edgecolor=colour, linewidth=1.0,
                   zorder=5 if chosen else 4)
        label = f"{g} (chosen)" if chosen else g
        handles.append(Line2D([], [], ls="", marker=marker, color=colour,
                              markerfacecolor=colour if chosen else "white", label=label))
    lim = 1.15
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("valence")
    ax.set_ylabel("arousal")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2,
              fontsize=6.5, frameon=False, handletextpad=0.3, columnspacing=1.0)
    changed = sens.changed
    whats = sorted(set(changed["what"])) if len(changed) else []
    if not whats:
        tail = "no conclusion changes"
    elif len(whats) <= 2:
        tail = "changes: " + "; ".join("closeness of " + w.split(": ", 1)[-1] if w.startswith("closeness")
                                       else w for w in whats)
    else:
        tail = f"{len(whats)} conclusions change"
    ax.set_title("Class places by geometry (marker: one class in one geometry;\n"
                 f"dotted: same class across geometries); {tail}", fontsize=7)
    # name each class once, at its place in the chosen geometry (else the first that has one)
    label_xy = stack[0].copy()
    for k in range(len(classes)):
        if not np.isfinite(label_xy[k]).all():
            finite = [stack[g, k] for g in range(len(names)) if np.isfinite(stack[g, k]).all()]
            label_xy[k] = finite[0] if finite else np.nan
    nowhere = [c for k, c in enumerate(classes) if not np.isfinite(stack[:, k]).all(axis=1).any()]
    if nowhere:
        ax.text(0.02, 0.02, "no coordinate: " + ", ".join(nowhere), transform=ax.transAxes,
                fontsize=6.5, color="dimgray")
    others = stack[1:].reshape(-1, 2) if len(names) > 1 else None
    place_labels(ax, label_xy, classes, fontsize=6.5, avoid_xy=others)
    return ax


def write_geometry_figure(sens, out_dir, *, stem: str = "geometry_overlay",
                          formats=("pdf", "png"), dpi: int = 300) -> dict:
    """Write the overlay figure as ``<stem>.<fmt>`` into ``out_dir``; return ``{name: Path}``.

    Each file is written atomically (:func:`affectctl.report.figures.save.write_figure`).
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from affectctl.report.figures.save import write_figure

    with mpl.rc_context(PAPER_RC):
        fig = Figure(figsize=(COLUMN_WIDTH, COLUMN_WIDTH + 0.6), layout="constrained")
        FigureCanvasAgg(fig)
        plot_geometry_overlay(sens, ax=fig.subplots())
        return write_figure(fig, out_dir, stem, formats, dpi=dpi)
