"""Text labels beside points that never hide one another (measured, not estimated).

:func:`place_labels` draws each label at the candidate offset around its point whose
rendered box overlaps nothing already placed (other labels, markers, given
obstacles) and stays inside the axes; candidates are tried on rings of growing radius,
so a crowded label moves further out (with a thin leader line) instead of covering a
neighbour. Boxes are measured with the figure's renderer after a draw, so the result
holds for the fonts actually used; one probe annotation per label is moved to each
candidate and measured there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["place_labels", "boxes_overlap"]

_DIRECTIONS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1),
               (2, 1), (-2, 1), (2, -1), (-2, -1), (1, 2), (-1, 2), (1, -2), (-1, -2)]


def _overlap_area(a, b) -> float:
    ox = min(a.x1, b.x1) - max(a.x0, b.x0)
    oy = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(ox, 0.0) * max(oy, 0.0)


def boxes_overlap(boxes) -> bool:
    """True when any two of the display-space boxes overlap (for tests)."""
    boxes = list(boxes)
    return any(_overlap_area(boxes[i], boxes[j]) > 0.0
               for i in range(len(boxes)) for j in range(i + 1, len(boxes)))


def place_labels(ax, xy, texts, *, fontsize: float = 7, marker_pt: float = 4.0,
                 obstacles=(), avoid_xy=None, rings=(5.0, 10.0, 16.0, 24.0), zorder: int = 6,
                 color="black"):
    """Draw ``texts[i]`` beside point ``xy[i]`` (data coordinates) without overlaps.

    Parameters
    ----------
    ax : matplotlib Axes
        Limits and aspect must be final (the figure is drawn once to fix the layout).
    xy : array-like of shape (n, 2)
        Points; rows with NaN are skipped.
    texts : sequence of str
    fontsize : float, default 7
    marker_pt : float, default 4
        Radius (points) of the marker around every point that labels keep clear of.
    obstacles : sequence of matplotlib artists
        Other artists (e.g. edge annotations) whose boxes labels keep clear of.
    avoid_xy : array-like of shape (m, 2), optional
        Other markers (data coordinates) labels keep clear of.
    rings : sequence of float
        Offsets (points) tried, nearest first.

    Returns
    -------
    list of matplotlib.text.Annotation
        One per drawn label, in input order (None for skipped points).
    """
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.draw_without_rendering()          # lays the figure out; nothing is rasterised
    renderer = fig.canvas.get_renderer()
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    to_px = ax.transData
    px_per_pt = fig.dpi / 72.0
    from matplotlib.transforms import Bbox

    r = marker_pt * px_per_pt
    markers = []
    for p in xy:
        if np.isfinite(p).all():
            cx, cy = to_px.transform(p)
            markers.append(Bbox([[cx - r, cy - r], [cx + r, cy + r]]))
        else:
            markers.append(None)
    placed = [a.get_window_extent(renderer) for a in obstacles]
    if avoid_xy is not None:
        for p in np.asarray(avoid_xy, dtype=np.float64).reshape(-1, 2):
            if np.isfinite(p).all():
                cx, cy = to_px.transform(p)
                placed.append(Bbox([[cx - r, cy - r], [cx + r, cy + r]]))
    axbox = ax.get_window_extent(renderer)
    # crowded points first: they have the fewest free places
    valid = [i for i in range(len(xy)) if markers[i] is not None]
    crowd = {i: sum(np.hypot(*(xy[i] - xy[j])) < 0.35 for j in valid if j != i) for i in valid}
    order = sorted(valid, key=lambda i: -crowd[i])
    out = [None] * len(xy)
    bbox_style = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}
    for i in order:
        best, best_score = None, np.inf
        # one probe per label, moved to each candidate: an annotation's extent is its
        # text's (its bbox patch is not in it), so the probe measures what a new
        # annotation at that offset would, by the same code (tested, exactly), without
        # making and removing an annotation per candidate (64 per label: a sixth of the
        # geometry figure's CPU)
        probe = ax.annotate(texts[i], xy[i], xytext=(0.0, 0.0), textcoords="offset points",
                            fontsize=fontsize, zorder=zorder, color=color,
                            annotation_clip=False)
        for ring_no, ring in enumerate(rings):
            for dx, dy in _DIRECTIONS:
                norm = np.hypot(dx, dy)
                ox, oy = ring * dx / norm, ring * dy / norm
                ha = "left" if dx > 0 else "right" if dx < 0 else "center"
                va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
                probe.xyann = (ox, oy)
                probe.set_horizontalalignment(ha)
                probe.set_verticalalignment(va)
                bb = probe.get_window_extent(renderer)
                score = sum(_overlap_area(bb, b) for b in placed) * 10.0
                score += sum(_overlap_area(bb, m) for j, m in enumerate(markers)
                             if m is not None and j != i)
                score += sum(_overlap_area(bb, m) for j, m in enumerate(markers)
                             if m is not None and j == i) * 10.0
                outside = (max(0.0, axbox.x0 - bb.x0) + max(0.0, bb.x1 - axbox.x1)
                           + max(0.0, axbox.y0 - bb.y0) + max(0.0, bb.y1 - axbox.y1))
                score += outside * bb.height * 10.0
                score += ring_no * 1e-3 + (abs(dx) + abs(dy) > 2) * 1e-4
                if score < best_score:
                    best, best_score = (ox, oy, ha, va, ring_no), score
            if best_score < 1e-2:
                break
        probe.remove()
        ox, oy, ha, va, ring_no = best
        arrow = ({"arrowstyle": "-", "color": "0.5", "lw": 0.5, "shrinkA": 0, "shrinkB": 2}
                 if ring_no >= 2 else None)
        t = ax.annotate(texts[i], xy[i], xytext=(ox, oy), textcoords="offset points", ha=ha,
                        va=va, fontsize=fontsize, zorder=zorder, color=color, bbox=bbox_style,
                        arrowprops=arrow, annotation_clip=False)
        placed.append(t.get_window_extent(renderer))
        out[i] = t
    return out
