"""Paired seeds: one line per seed across conditions, with the paired test's p-value."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D

from ...errors import ConfigError
from .style import COLUMN_WIDTH, TEXT_PT, _axes, _colors_for

__all__ = ["plot_paired_seeds", "p_text"]


def p_text(p, *, adjusted: bool = False) -> str:
    """One p-value format for every figure: ``p < 0.001`` or ``p = 0.007`` (3 significant digits).

    >>> p_text(0.00004), p_text(0.0072, adjusted=True), p_text(0.0625)
    ('p < 0.001', 'p_adj = 0.0072', 'p = 0.0625')
    """
    from ..formatting import format_p

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
    from ..formatting import _mark, metric_label

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
                        textcoords="offset points", ha="center", va="bottom", fontsize=TEXT_PT)
        short = {"ar": "AR", "wilcoxon": "Wilcoxon", "signflip": "sign-flip", "ttest": "t-test",
                 "bootstrap": "bootstrap"}.get(test, test)
        ax.annotate(f"adjusted p, {short}:", xy=(0, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=TEXT_PT,
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

