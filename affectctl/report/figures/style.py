"""Figure style shared by every figure kind: palette, print sizes, rc settings, axes helpers.

Colours come from a ``{condition: colour}`` mapping (default :func:`condition_colors`: the
colour-blind-safe Okabe–Ito palette, baseline in grey). Sizes are for print: panels fit a
3.3 in paper column and text is at least 7 pt under :data:`PAPER_RC`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from affectctl.errors import ConfigError

__all__ = ["OKABE_ITO", "PAPER_RC", "COLUMN_WIDTH", "PAGE_WIDTH", "SMALL_FONT_PT", "MINUS_SIGN",
           "condition_colors", "wrap_label"]


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
#: Smallest text drawn (pt).
SMALL_FONT_PT = 7
#: The minus sign (U+2212) in labels and titles.
MINUS_SIGN = "\u2212"


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


def wrap_label(text: str, width_in: float, fontsize: float = 8.0) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``fontsize`` points.

    Breaks at spaces, then hyphens and underscores, then anywhere (a 30-character
    condition name without spaces still fits a narrow panel). The line length is
    ``width_in * 72 / (0.62 * fontsize)`` characters: 0.62 em is a little more than the
    mean advance width of DejaVu Sans (matplotlib's default font), so lines err short.

    >>> print(wrap_label("circumplex-loss-weighted-v2-01 − baseline", 1.5, 8))
    circumplex-loss-
    weighted-v2-01 −
    baseline
    """
    import re

    n = max(6, int(width_in * 72.0 / (0.62 * fontsize)))
    lines = []
    for part in str(text).split("\n"):
        # pieces ending at a break point: after a space, a hyphen or an underscore
        pieces = [p for p in re.findall(r"[^ _-]*(?:[ _-]+|$)", part) if p]
        cur = ""
        for piece in pieces:
            while len(piece) > n:                 # longer than a line: cut it
                if cur:
                    lines.append(cur.rstrip())
                    cur = ""
                lines.append(piece[:n])
                piece = piece[n:]
            if len((cur + piece).rstrip()) > n and cur:
                lines.append(cur.rstrip())
                cur = ""
            cur += piece
        lines.append(cur.rstrip())
    return "\n".join(lines)


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
    # below a first row, the width keys and the next row's (wrapped) titles need room
    return 2.3 * ncols, 3.0 * nrows + 0.2 + 0.5 * (nrows - 1)


def _confusions_size(n: int, k: int, ncols: int | None = None) -> tuple[float, float]:
    r1, nc = _grid(n, ncols, max_cols=3)
    side = 1.9 if k > 6 else 1.6
    # per row: the matrix, its class names below it and a two-line (wrapped) title
    return side * nc + 0.7, (side + 0.95) * (2 * r1 if n > 1 else 1)


def _pooled(cm) -> np.ndarray:
    """Counts pooled over seeds: (K, K) or (n_seeds, K, K) -> (K, K) float64."""
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

