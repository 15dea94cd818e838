"""Confusion-matrix heatmaps: one condition, a difference, and one panel per condition."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from affectctl.errors import ConfigError
from affectctl.report.figures.style import (
    COLUMN_WIDTH,
    SMALL_FONT_PT,
    _axes,
    _confusions_size,
    _figure,
    _grid,
    _pooled,
    wrap_label,
)

__all__ = ["plot_confusion", "plot_confusion_difference", "plot_confusions"]


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


#: Cell text on a cell lighter than this relative luminance is dark, else white
#: (seaborn's ``heatmap`` rule; W3C relative luminance).
_LIGHT_CELL = 0.408


def _heatmap(values, class_names, ax, *, cmap, vmin, vmax, signed, cbar, cbar_label):
    """``values`` (K x K) as an annotated heatmap on ``ax``, row 0 at the top.

    The look of seaborn's ``heatmap`` (white cell borders, square cells, no spines, the
    colour bar without outline, each cell's number dark on light cells and white on dark
    ones), drawn with matplotlib's ``pcolormesh`` directly: importing seaborn imports
    ``scipy.stats`` and statsmodels (0.5 s, in the process that draws the confusion
    figure: its longest), and ``heatmap`` draws the whole figure once more to see whether
    tick labels overlap, which these rotated labels never do.
    """
    from matplotlib.colors import to_rgba_array

    from affectctl.report.formatting import format_number

    k = len(class_names)
    annot_size = SMALL_FONT_PT if k > 6 else 8
    data = np.ma.masked_invalid(np.asarray(values, dtype=np.float64))
    # a diverging scale is centred by symmetric vmin/vmax
    mesh = ax.pcolormesh(data, cmap=cmap, vmin=vmin, vmax=vmax, linewidth=0.3,
                         edgecolor="white")
    ax.set(xlim=(0, k), ylim=(k, 0))          # matrix order: row 0 at the top
    ax.set_aspect("equal")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if cbar:
        bar = ax.figure.colorbar(mesh, ax=ax, shrink=0.8, label=cbar_label)
        bar.outline.set_linewidth(0)
    centres = np.arange(k) + 0.5
    ax.set_xticks(centres, class_names, rotation=90)
    ax.set_yticks(centres, class_names, rotation=0, va="center")
    ax.tick_params(length=0)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    mesh.update_scalarmappable()
    rgb = to_rgba_array(mesh.get_facecolors())[:, :3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    light = linear @ np.array([0.2126, 0.7152, 0.0722]) > _LIGHT_CELL
    blank = np.ma.getmaskarray(data)
    for (i, j), is_light in zip(np.ndindex(k, k), light):
        if blank[i, j]:
            continue
        ax.text(j + 0.5, i + 0.5, format_number(float(data[i, j]), digits=0, signed=signed),
                color=".15" if is_light else "w", ha="center", va="center",
                fontsize=annot_size, in_layout=False)
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
    panel_w = 0.95 * (fig.get_figwidth() - 0.7) / nc     # titles wrap to a panel's width
    for ax, c in zip(mat_axes, conditions, strict=False):
        plot_confusion(cms[c], names, ax=ax, normalize=normalize, vmax=top, cbar=False,
                       title=wrap_label(c, panel_w))
        used.append(ax)
    # the difference of condition i sits at the same grid position as its matrix
    for i, c in enumerate(conditions):
        if c == baseline:
            continue
        ax = diff_axes[i]
        plot_confusion_difference(cms[c], cms[baseline], names, ax=ax, normalize=normalize,
                                  vmax=dmax, cbar=False,
                                  title=wrap_label(f"{c} − {baseline}", panel_w))
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
        blank.text(0.5, 0.5, wrap_label(f"This row: condition − {baseline} in {unit} (classes "
                                        f"as above). Red: more often than {baseline}; blue: "
                                        "less.", panel_w, SMALL_FONT_PT),
                   transform=blank.transAxes,
                   ha="center", va="center",
                   fontsize=SMALL_FONT_PT, color="0.25")
    fig.colorbar(used[0].collections[0], ax=list(mat_axes), shrink=0.8,
                 label=_NORM_LABEL[normalize])
    if dused:
        fig.colorbar(dused[0].collections[0], ax=list(diff_axes), shrink=0.8,
                     label="difference (" + ("pp" if normalize else "count") + ")")
    return fig


# ----------------------------------------------------------------------------------------------
# paired seeds

