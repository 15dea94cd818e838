"""Figures of ``affectctl diagnose``: the pair graph on the circumplex, pair rates, projections.

Plot functions take ``ax=None`` and return the ``Axes``; they only draw numbers the
diagnosis already holds (:class:`affectctl.diagnose.DiagnosisResult`,
:class:`affectctl.controls.representation.Projection`) and compute no statistic.
:func:`save_figure` and :func:`write_diagnose_figures` write PDF and PNG files
(through :func:`affectctl.report.figures.save.write_figure`, atomically).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from affectctl.report.figures.style import COLUMN_WIDTH, OKABE_ITO, PAPER_RC

__all__ = [
    "plot_pair_graph",
    "plot_pair_rates",
    "plot_projection",
    "save_figure",
    "write_diagnose_figures",
    "STATUS_COLOURS",
]

#: Edge colour per verdict, from the Okabe–Ito palette (colour-blind safe); "fixed" is
#: also dashed, so the verdicts differ in more than hue.
STATUS_COLOURS = {
    "degenerate": OKABE_ITO["vermillion"],
    "candidate": OKABE_ITO["orange"],
    "fixed": OKABE_ITO["blue"],
}
_OTHER_EDGE = "#8C8C8C"
#: Projection colours: the highlighted pair in two hues that stay apart under every
#: common colour-vision deficiency; the other classes in greys.
_PAIR_HUES = (OKABE_ITO["vermillion"], OKABE_ITO["blue"])


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def _status_of(result, a: str, b: str) -> str:
    sel = result.pairs[((result.pairs["a"] == a) & (result.pairs["b"] == b))
                       | ((result.pairs["a"] == b) & (result.pairs["b"] == a))]
    return str(sel["status"].iloc[0]) if len(sel) else ""


def plot_pair_graph(result, *, condition: str | None = None, ax=None, max_width: float = 8.0,
                    min_rate: float = 0.01, figsize=(COLUMN_WIDTH, COLUMN_WIDTH)):
    """Classes on the valence–arousal plane, pairs as edges whose width is the confusion rate.

    Parameters
    ----------
    result : DiagnosisResult
    condition : str, optional
        Whose seed-mean confusion rates set the widths (default the baseline).
    ax : matplotlib Axes, optional
    max_width : float, default 8
        Line width of the most confused pair; the others scale linearly.
    min_rate : float, default 0.01
        Pairs confused less are not drawn, unless flagged or fixed.
    figsize : tuple, default column width, square
        Used only when ``ax`` is None.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Degenerate pairs are vermillion, candidates orange, pairs an intervention fixed
    blue and dashed, the rest grey (Okabe–Ito); the legend lists only the kinds drawn.
    Class names are placed where they hide no other name, marker or rate label
    (:func:`affectctl.report.figures._labels.place_labels`). Classes without a coordinate in
    the geometry are listed in the lower-left corner; their pairs cannot be drawn.
    """
    from matplotlib.lines import Line2D

    from affectctl.report.figures._labels import place_labels

    ax = _axes(ax, figsize)
    condition = result.baseline if condition is None else condition
    coords = np.asarray(result.coords, dtype=np.float64)
    classes = list(result.classes)
    status = {(r.a, r.b): r.status for r in result.pairs.itertuples(index=False)}
    rates = result.by_condition[result.by_condition["condition"] == condition]
    top = float(np.nanmax(rates["confusion_rate"].to_numpy())) if len(rates) else 0.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    order = rates.sort_values("confusion_rate")
    drawn, rate_labels = set(), []
    for r in order.itertuples(index=False):
        st = status.get((r.a, r.b), "")
        rate = r.confusion_rate
        special = st in STATUS_COLOURS
        if not np.isfinite(rate) or (rate < min_rate and not special):
            continue
        pa, pb = coords[r.a_index], coords[r.b_index]
        if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
            continue
        width = max(0.5, max_width * rate / top)
        ax.plot([pa[0], pb[0]], [pa[1], pb[1]], color=STATUS_COLOURS.get(st, _OTHER_EDGE),
                lw=width, alpha=0.9 if special else 0.45, ls="--" if st == "fixed" else "-",
                solid_capstyle="round", zorder=3 if special else 2)
        drawn.add(st if special else "other")
        if special:
            mid = (pa + pb) / 2.0
            rate_labels.append(ax.annotate(
                f"{rate:.0%}", mid, textcoords="offset points", xytext=(0, 10), fontsize=7,
                color="black", ha="center", va="center", zorder=6,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}))
    missing = [name for k, name in enumerate(classes) if not np.isfinite(coords[k]).all()]
    has = np.isfinite(coords).all(axis=1)
    ax.scatter(coords[has, 0], coords[has, 1], s=18, color="black", zorder=4)
    if missing:
        ax.text(0.02, 0.02, "no coordinate: " + ", ".join(missing), transform=ax.transAxes,
                fontsize=7, color="dimgray")
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(t), np.sin(t), color="lightgray", lw=0.8, zorder=1)
    ax.axhline(0, color="lightgray", lw=0.8, zorder=1)
    ax.axvline(0, color="lightgray", lw=0.8, zorder=1)
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_aspect("equal")
    ax.set_xlabel("valence")
    ax.set_ylabel("arousal")
    handles = []
    for st in ("degenerate", "candidate", "fixed"):
        if st in drawn:
            handles.append(Line2D([], [], color=STATUS_COLOURS[st], lw=3,
                                  ls="--" if st == "fixed" else "-", label=st))
    if "other" in drawn:
        handles.append(Line2D([], [], color=_OTHER_EDGE, lw=3, alpha=0.45, label="other pairs"))
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncol=len(handles), fontsize=7, frameon=False, handlelength=1.5,
                  columnspacing=1.0)
    ax.set_title(f"Confusion between classes under '{condition}' ({result.geometry} geometry)\n"
                 "dot: class; line width: confusion rate; %: rate of a flagged pair", fontsize=7)
    place_labels(ax, coords, classes, fontsize=7, obstacles=rate_labels)
    return ax


def plot_pair_rates(result, a: str, b: str, *, ax=None, figsize=(COLUMN_WIDTH, 2.4)):
    """Per-seed confusion rate of one pair under every condition, one line per seed.

    The conditions share their seeds, so each seed is a line of dots across them (the
    paired design of the persistence tests); the bar is the mean over seeds, in the
    colour of the pair's verdict, and the dotted line the baseline mean.

    Parameters
    ----------
    result : DiagnosisResult
    a, b : str
        Class names of the pair, as in ``result.pairs``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize)
    ps = result.per_seed
    sel = ps[((ps["a"] == a) & (ps["b"] == b)) | ((ps["a"] == b) & (ps["b"] == a))]
    conds = [result.baseline] + list(result.interventions)
    status = _status_of(result, a, b)
    colour = STATUS_COLOURS.get(status, _OTHER_EDGE)
    wide = sel.pivot_table(index="seed", columns="condition", values="confusion_rate").reindex(columns=conds)
    for _, row in wide.iterrows():
        ax.plot(range(len(conds)), row.to_numpy(), color="#8C8C8C", lw=0.7, marker="o", ms=2.5,
                alpha=0.8, zorder=3)
    means = wide.mean(axis=0).to_numpy()
    for i, m in enumerate(means):
        if np.isfinite(m):
            ax.plot([i - 0.25, i + 0.25], [m, m], color=colour, lw=2, zorder=4)
    base = sel[sel["condition"] == result.baseline]["confusion_rate"].to_numpy()
    if len(base):
        ax.axhline(float(np.mean(base)), color="gray", ls=":", lw=1)
    ax.set_xticks(range(len(conds)))
    ax.set_xticklabels(conds, rotation=30, ha="right")
    ax.set_ylabel("confusion rate")
    verdict = f" ({status})" if status else ""
    ax.set_title(f"{a}–{b}{verdict}: confusion rate by condition\n"
                 "grey dot: one seed (lines join a seed); bar: mean over seeds; "
                 "dotted: baseline mean", fontsize=7)
    return ax


def plot_projection(projection, *, classes=None, highlight=(), ax=None, max_points: int = 4000,
                    figsize=(COLUMN_WIDTH, 3.0)):
    """Scatter of a 2-D embedding projection coloured by class.

    Parameters
    ----------
    projection : Projection
        From :func:`affectctl.controls.representation.project_embedding`.
    classes : sequence of str, optional
        Class names by label index, for the legend.
    highlight : sequence of int
        Labels drawn opaque, on top and in two contrasting Okabe–Ito hues (e.g. a
        degenerate pair); the rest are faded greys. Without it, classes take the
        Okabe–Ito colours in turn.
    ax : matplotlib Axes, optional
    max_points : int, default 4000
        Every k-th point is drawn when there are more (deterministic thinning).

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize)
    xy = np.asarray(projection.coords)
    lab = np.asarray(projection.labels)
    step = max(1, int(np.ceil(xy.shape[0] / max_points)))
    xy, lab = xy[::step], lab[::step]
    highlight = [int(h) for h in highlight]
    palette = list(OKABE_ITO.values())
    greys = ("#4D4D4D", "#7A7A7A", "#A6A6A6", "#C8C8C8")
    uniq = sorted(np.unique(lab).tolist(), key=lambda k: (k in highlight, k))
    n_other = 0
    for k in uniq:
        m = lab == k
        name = classes[int(k)] if classes is not None and 0 <= int(k) < len(classes) else str(k)
        hi = not highlight or int(k) in highlight
        if not highlight:
            colour = palette[int(k) % len(palette)]
        elif int(k) in highlight:
            colour = _PAIR_HUES[highlight.index(int(k)) % 2]
        else:
            colour, n_other = greys[n_other % len(greys)], n_other + 1
        ax.scatter(xy[m, 0], xy[m, 1], s=6 if hi else 3, alpha=0.8 if hi else 0.25,
                   color=colour, label=name, zorder=3 if hi else 2, linewidths=0)
    ax.legend(fontsize=6, markerscale=2, frameon=False, loc="best", handletextpad=0.2)
    if projection.method == "pca" and projection.explained:
        ex = projection.explained
        ax.set_xlabel(f"PC1 ({ex[0]:.0%})")
        ax.set_ylabel(f"PC2 ({ex[1]:.0%})" if len(ex) > 1 else "PC2")
    else:
        ax.set_xlabel(f"{projection.method.upper()} 1")
        ax.set_ylabel(f"{projection.method.upper()} 2")
    return ax


def save_figure(fig, stem: "str | Path") -> list:
    """Write ``fig`` to ``<stem>.pdf`` and ``<stem>.png`` (300 dpi, cropped); return the paths.

    Atomic, through :func:`affectctl.report.figures.save.write_figure`.
    """
    import matplotlib as mpl

    from affectctl.report.figures.save import write_figure

    stem = Path(stem)
    with mpl.rc_context({"savefig.bbox": "tight"}):
        return list(write_figure(fig, stem.parent, stem.name, ("pdf", "png"), dpi=300).values())


def write_diagnose_figures(result, out_dir: "str | Path", *, projection=None) -> list:
    """Write the diagnosis figures (PDF and PNG) into ``out_dir``; return the paths.

    ``pair_graph`` always; ``pair_rates`` for the top-ranked pair when it is flagged
    or fixed; ``projection`` when a :class:`Projection` is given.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    out_dir = Path(out_dir)
    paths = []
    with mpl.rc_context(PAPER_RC):   # Figure, not pyplot: nothing to close, no GUI backend
        fig = Figure(figsize=(COLUMN_WIDTH, COLUMN_WIDTH), layout="constrained")
        plot_pair_graph(result, ax=fig.subplots())
        paths += save_figure(fig, out_dir / "pair_graph")
        focus = result.pairs[result.pairs["status"].isin(tuple(STATUS_COLOURS))]
        if len(focus):
            top = focus.iloc[0]
            fig = Figure(figsize=(COLUMN_WIDTH, 2.4), layout="constrained")
            plot_pair_rates(result, top["a"], top["b"], ax=fig.subplots())
            paths += save_figure(fig, out_dir / "pair_rates")
        if projection is not None:
            hl = [int(focus.iloc[0]["a_index"]), int(focus.iloc[0]["b_index"])] if len(focus) else []
            fig = Figure(figsize=(COLUMN_WIDTH, 3.0), layout="constrained")
            ax = fig.subplots()
            plot_projection(projection, classes=result.classes, highlight=hl, ax=ax)
            ax.set_title(f"Embedding of '{result.baseline}' (seed {result.seeds[0]}), "
                         f"{projection.method.upper()}: one dot per test sample", fontsize=8)
            paths += save_figure(fig, out_dir / "projection")
    return paths
