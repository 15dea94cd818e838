"""Label placement (``report/figures/_labels.py``): one probe per label measures what an
annotation per candidate offset would, so the placement is the one that way gives."""

from __future__ import annotations

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from affectctl.report.figures._labels import _DIRECTIONS, boxes_overlap, place_labels  # noqa: E402

BBOX = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}
RINGS = (5.0, 10.0, 16.0, 24.0)


def _axes(seed: int, n: int):
    fig = Figure(figsize=(3.2, 3.0), dpi=300, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-1, 1, size=(n, 2)) * [1.0, 0.6]   # crowded: labels must move out
    ax.scatter(xy[:, 0], xy[:, 1], s=12)
    ax.set_xlim(-1.2, 1.2)
    ax.set_ylim(-1.0, 1.0)
    ax.set_aspect("equal")
    texts = [("anger", "fear", "contempt", "disgust", "sadness", "happiness", "surprise",
              "neutral", "other")[i % 9] for i in range(n)]
    return fig, ax, xy, texts


def _offsets():
    for ring_no, ring in enumerate(RINGS):
        for dx, dy in _DIRECTIONS:
            norm = np.hypot(dx, dy)
            yield (ring_no, ring * dx / norm, ring * dy / norm,
                   "left" if dx > 0 else "right" if dx < 0 else "center",
                   "bottom" if dy > 0 else "top" if dy < 0 else "center", dx, dy)


def test_a_moved_probe_measures_what_a_new_annotation_does():
    fig, ax, xy, texts = _axes(0, 4)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for i in range(len(xy)):
        probe = ax.annotate(texts[i], xy[i], xytext=(0.0, 0.0), textcoords="offset points",
                            fontsize=6.5, annotation_clip=False)
        for _, ox, oy, ha, va, _, _ in _offsets():
            probe.xyann = (ox, oy)
            probe.set_horizontalalignment(ha)
            probe.set_verticalalignment(va)
            moved = probe.get_window_extent(renderer).bounds
            new = ax.annotate(texts[i], xy[i], xytext=(ox, oy), textcoords="offset points",
                              ha=ha, va=va, fontsize=6.5, bbox=BBOX, annotation_clip=False)
            assert moved == new.get_window_extent(renderer).bounds     # exact, not close
            new.remove()
        probe.remove()


def _one_annotation_per_candidate(ax, xy, texts, fontsize=7.0, marker_pt=4.0):
    """The placement with a new annotation for every candidate (the way it was written
    first): the reference for :func:`place_labels`."""
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    r = marker_pt * fig.dpi / 72.0
    markers = []
    for p in xy:
        cx, cy = ax.transData.transform(p)
        markers.append(Bbox([[cx - r, cy - r], [cx + r, cy + r]]))
    axbox = ax.get_window_extent(renderer)
    crowd = {i: sum(np.hypot(*(xy[i] - xy[j])) < 0.35 for j in range(len(xy)) if j != i)
             for i in range(len(xy))}
    placed, chosen = [], {}
    for i in sorted(range(len(xy)), key=lambda i: -crowd[i]):
        best, best_score = None, np.inf
        for ring_no, ox, oy, ha, va, dx, dy in _offsets():
            if best is not None and best[4] < ring_no and best_score < 1e-2:
                break
            t = ax.annotate(texts[i], xy[i], xytext=(ox, oy), textcoords="offset points",
                            ha=ha, va=va, fontsize=fontsize, bbox=BBOX, annotation_clip=False)
            bb = t.get_window_extent(renderer)
            t.remove()
            ov = lambda a, b: max(min(a.x1, b.x1) - max(a.x0, b.x0), 0.0) * max(  # noqa: E731
                min(a.y1, b.y1) - max(a.y0, b.y0), 0.0)
            score = sum(ov(bb, b) for b in placed) * 10.0
            score += sum(ov(bb, m) for j, m in enumerate(markers) if j != i)
            score += ov(bb, markers[i]) * 10.0
            outside = (max(0.0, axbox.x0 - bb.x0) + max(0.0, bb.x1 - axbox.x1)
                       + max(0.0, axbox.y0 - bb.y0) + max(0.0, bb.y1 - axbox.y1))
            score += outside * bb.height * 10.0 + ring_no * 1e-3 + (abs(dx) + abs(dy) > 2) * 1e-4
            if score < best_score:
                best, best_score = (ox, oy, ha, va, ring_no), score
        ox, oy, ha, va, _ = best
        t = ax.annotate(texts[i], xy[i], xytext=(ox, oy), textcoords="offset points", ha=ha,
                        va=va, fontsize=fontsize, bbox=BBOX, annotation_clip=False)
        placed.append(t.get_window_extent(renderer))
        t.remove()
        chosen[i] = (ox, oy, ha, va)
    return chosen


@pytest.mark.parametrize("seed,n", [(1, 5), (2, 8), (3, 9)])
def test_placement_is_the_one_an_annotation_per_candidate_gives(seed, n):
    fig, ax, xy, texts = _axes(seed, n)
    want = _one_annotation_per_candidate(ax, xy, texts)
    fig, ax, xy, texts = _axes(seed, n)
    got = place_labels(ax, xy, texts)
    assert {i: (*t.xyann, t.get_horizontalalignment(), t.get_verticalalignment())
            for i, t in enumerate(got)} == want
    assert len(ax.texts) == n                                 # no probe left behind
    renderer = fig.canvas.get_renderer()
    assert not boxes_overlap([t.get_window_extent(renderer) for t in got])
