"""Paired seeds: one line per seed across conditions, with the paired test's p-value."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D

from affectctl.errors import ConfigError
from affectctl.report.figures.style import COLUMN_WIDTH, SMALL_FONT_PT, _axes, _colors_for

__all__ = ["plot_paired_seeds", "p_text"]


def p_text(p, *, adjusted: bool = False) -> str:
    """One p-value format for every figure: ``p < 0.001`` or ``p = 0.007`` (3 significant digits).

    >>> p_text(0.00004), p_text(0.0072, adjusted=True), p_text(0.0625)
    ('p < 0.001', 'p_adj = 0.0072', 'p = 0.0625')
    """
    from affectctl.report.formatting import format_p

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
    """Per-seed paired plot: one pair of columns per condition, the baseline on its left.

    Parameters
    ----------
    metric_table : DataFrame
        Tidy ``condition, seed, metric, value`` (``ComparisonResult.metrics``).
    metric : str
    conditions : sequence of str
        Conditions in x order; the baseline (default the first) is not a group of its own.
    ax : Axes, optional
    colors : mapping, optional
        ``{condition: colour}``; default :func:`condition_colors`.
    baseline : str, optional
        The reference; default ``conditions[0]``.
    means : mapping, optional
        ``{condition: mean}`` to mark; default the mean of the plotted points.
    comparisons : DataFrame, optional
        ``ComparisonResult.comparisons``; with ``test``, each pair is labelled with that
        test's adjusted p-value against the baseline and its mark (``†`` < 0.05,
        ``‡`` < 0.01, ``§`` the test cannot reach 0.05).
    test : str, optional
        The test whose p-values are shown (e.g. the report's primary test).

    Returns
    -------
    Axes

    Notes
    -----
    Every other condition gets its own pair of columns: the baseline's seeds (grey, left)
    and the condition's (right), each seed's two values joined by a line. No line
    crosses another pair's columns, so with three or more conditions a line can only be
    read as the seed it is (one axis: the y scale is shared). Thin vertical rules
    separate the pairs; each pair is named below it (wrapped to fit) and carries its p
    above it. Seeds with equal or nearly equal values (within 1.5 % of the axis range)
    are set side by side (a fixed horizontal offset, no randomness).
    """
    from affectctl.report.formatting import _mark, metric_label
    from affectctl.report.figures.style import wrap_label

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
    others = conditions[1:] or conditions
    # pair k: baseline at 3k, condition at 3k + 1; a gap of one column between pairs
    left = {c: 3.0 * k for k, c in enumerate(others)}
    span = float(np.nanmax(wide.to_numpy(float)) - np.nanmin(wide.to_numpy(float)))
    offs = {c: _tie_offsets(wide[c].to_numpy(dtype=float), tol=0.015 * span) for c in conditions}
    yb = wide[baseline].to_numpy(dtype=float)
    ties = False
    for c in others:
        x0, x1 = left[c], left[c] + 1.0
        yc = wide[c].to_numpy(dtype=float)
        if c != baseline:
            for k in range(len(wide)):
                ax.plot([x0 + offs[baseline][k], x1 + offs[c][k]], [yb[k], yc[k]],
                        color="0.72", lw=0.7, zorder=1)
        for x, cc in ((x0, baseline), (x1, c)) if c != baseline else ((x0, c),):
            ties = ties or bool(np.any(offs[cc] != 0))
            ax.scatter(x + offs[cc], wide[cc].to_numpy(dtype=float), s=16, color=colors[cc],
                       edgecolor="white", linewidth=0.4, zorder=3)
            m = (float(means[cc]) if means is not None and cc in means
                 else float(np.nanmean(wide[cc])))
            ax.hlines(m, x - 0.25, x + 0.25, color="black", lw=1.4, zorder=4)
        if c != others[-1]:
            ax.axvline(left[c] + 2.0, color="0.88", lw=0.6, zorder=0)
    if comparisons is not None and test is not None and len(comparisons) and len(conditions) > 1:
        rows = comparisons
        if "run_seed" in rows.columns:
            rows = rows[rows["run_seed"].isna()]
        rows = rows[(rows["test"] == test) & (rows["metric"] == metric)]
        for c in others:
            r = rows[(rows["a"] == c) & (rows["b"] == baseline)]
            if not len(r):
                continue
            r = r.iloc[0]
            p_adj = float(r.get("p_adjusted", np.nan))
            mark = _mark(p_adj, float(r.get("min_pvalue", np.nan)), 0.05)
            ax.annotate(p_text(p_adj) + mark, xy=(left[c] + 0.5, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=SMALL_FONT_PT)
        short = {"ar": "AR", "wilcoxon": "Wilcoxon", "signflip": "sign-flip", "ttest": "t-test",
                 "bootstrap": "bootstrap"}.get(test, test)
        ax.set_title(f"adjusted p ({short}) against {baseline}", fontsize=SMALL_FONT_PT, color="0.35",
                     pad=12, loc="left")
    # the figure's width per pair, for the names under the pairs
    fig_w = ax.figure.get_figwidth() if ax.figure is not None else COLUMN_WIDTH
    per_pair = max(0.45, 0.8 * fig_w * ax.get_position().width / len(others))
    ax.set_xticks([left[c] + 0.5 for c in others])
    ax.set_xticklabels([wrap_label(c, per_pair, SMALL_FONT_PT) for c in others])
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.6, left[others[-1]] + 1.6)
    ax.set_ylabel(metric_label(metric))
    label = f"one seed (n = {len(wide)})" + (", near-ties side by side" if ties else "")
    handles = [Line2D([], [], color="0.72", lw=0.7, marker="o", ms=3, mfc="0.5", mec="white",
                      label=label),
               Line2D([], [], color="black", lw=1.4, label="mean")]
    if len(conditions) > 1:
        handles.insert(0, Line2D([], [], ls="", marker="o", ms=4, mfc=colors[baseline],
                                 mec="white", label=wrap_label(f"{baseline} (left of each pair)",
                                                               max(1.2, 0.45 * fig_w), SMALL_FONT_PT)))
    fig = ax.figure
    if fig is not None and fig.get_layout_engine() is not None and \
            type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine":
        # a column-wide figure: one entry a line, so the legend is no wider than the figure
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=len(handles) if fig.get_figwidth() > 5 else 1,
                   handlelength=1.5, borderaxespad=0.0)
    else:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncols=2, handlelength=1.5, borderaxespad=0.0)
    return ax


# ----------------------------------------------------------------------------------------------
# error-distance null

