"""Every figure of a report laid out for 6 conditions with 30-character names: no two
texts overlap (bounding boxes measured by the renderer), no text leaves the figure, and
matplotlib warns about nothing (pytest runs with ``filterwarnings = error``)."""

import dataclasses
import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from affectctl.report.figures import comparison as C  # noqa: E402

from .conftest import SEEDS, confusions, make_result  # noqa: E402

NAMES = ("baseline-with-a-long-name-0001", "circumplex-loss-weighted-v2-01",
         "uniform-label-smoothing-0.1-ab", "permuted-geometry-control-run1",
         "ordinal-regression-head-v3-xyz", "mixup-and-cutmix-augmented-run")
assert all(len(n) == 30 for n in NAMES)


def six_condition_result():
    """The fixture result with 6 conditions named by 30 characters (values shifted)."""
    base = make_result()
    old = base.conditions
    rename = dict(zip(old, NAMES[:3], strict=True))
    rng = np.random.default_rng(5)
    metrics = [base.metrics.assign(condition=base.metrics["condition"].map(rename))]
    for k, name in enumerate(NAMES[3:]):
        m = base.metrics[base.metrics["condition"] == old[1]].copy()
        m["condition"] = name
        m["value"] = m["value"] + 0.01 * (k + 1) + rng.normal(0, 0.005, len(m))
        metrics.append(m)
    metrics = pd.concat(metrics, ignore_index=True)
    pairs = tuple((c, NAMES[0]) for c in NAMES[1:]) + ((NAMES[1], NAMES[2]),)
    template = base.comparisons[base.comparisons["run_seed"].isna()].iloc[0]
    rows = []
    for (a, b), metric, test in itertools.product(pairs, base.headline_metrics,
                                                  ("wilcoxon", "signflip", "ar")):
        va = metrics.query("condition == @a and metric == @metric")["value"].to_numpy()
        vb = metrics.query("condition == @b and metric == @metric")["value"].to_numpy()
        d = va - vb
        rows.append({**template.to_dict(), "a": a, "b": b, "metric": metric, "test": test,
                     "mean_diff": float(d.mean()), "p_value": 0.004, "p_adjusted": 0.03,
                     "min_pvalue": 0.0625 if test != "ar" else 2e-4,
                     "ci_low": float(d.mean() - 0.01), "ci_high": float(d.mean() + 0.01),
                     "unit": "group" if test == "ar" else "seed"})
    cms = confusions(np.random.default_rng(0))
    cms6 = {NAMES[i]: cms[old[min(i, 2)]] for i in range(6)}
    nulls = {NAMES[i]: base.error_null[old[min(i, 2)]] for i in range(6)}
    # the per-video view: 40 videos per pair, reliability bins of every run
    groups = [{"a": a, "b": b, "group": f"video-{g:03d}", "n": 50, "acc_a": 0.5, "acc_b": 0.5,
               "delta": float(rng.normal(0.02, 0.08))} for a, b in pairs for g in range(40)]
    edges = np.linspace(0, 1, 16)
    bins = [{"condition": c, "seed": s, "bin": k, "lo": edges[k], "hi": edges[k + 1],
             "n": int(rng.integers(1, 80)), "confidence": (edges[k] + edges[k + 1]) / 2,
             "accuracy": float(np.clip(edges[k] + rng.normal(0, 0.08), 0, 1)), "ece": 0.08 + 0.01 * s}
            for c in NAMES for s in SEEDS for k in range(3, 15)]
    return dataclasses.replace(base, baseline=NAMES[0], conditions=NAMES, pairs=pairs,
                               metrics=metrics, comparisons=pd.DataFrame(rows), confusions=cms6,
                               error_null=nulls, seeds=SEEDS, per_group=pd.DataFrame(groups),
                               reliability=pd.DataFrame(bins))


def text_boxes(fig):
    """Window extents of every text the renderer draws (so tick labels outside the view
    limits, which matplotlib keeps but does not draw, do not count)."""
    FigureCanvasAgg(fig)
    drawn = []
    original = matplotlib.text.Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            bb = self.get_window_extent(renderer)
            if bb.width > 0 and bb.height > 0:
                drawn.append((self.get_text(), bb))

    matplotlib.text.Text.draw = draw
    try:
        fig.canvas.draw()
    finally:
        matplotlib.text.Text.draw = original
    return drawn, fig.bbox


def overlaps(boxes):
    bad = []
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        ox = min(a.x1, b.x1) - max(a.x0, b.x0)
        oy = min(a.y1, b.y1) - max(a.y0, b.y0)
        if ox > 0.5 and oy > 0.5:                   # more than half a pixel both ways
            bad.append((ta, tb))
    return bad


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """{name: Figure} of every figure save_figures draws for the 6-condition result."""
    drawn = {}
    original = C.write_figure

    def keep(fig, out_dir, name, formats, dpi=300):
        drawn[name] = fig
        return {}

    from affectctl.report.figures import intervals as I  # noqa: E741
    from affectctl.report.figures import per_video as V

    C.write_figure = I.write_figure = V.write_figure = keep
    try:
        C.save_figures(six_condition_result(), tmp_path_factory.mktemp("f"), formats=("png",))
    finally:
        C.write_figure = I.write_figure = V.write_figure = original
    return drawn


def test_every_figure_is_drawn(figures):
    assert {"circumplex_map", "confusion", "error_distance_null",
            "paired_seeds_official_score", "paired_seeds_error_distance_mean"} <= set(figures)


@pytest.mark.parametrize("name", ["circumplex_map", "confusion", "error_distance_null",
                                  "paired_seeds_official_score", "delta_intervals",
                                  "per_group_accuracy", "reliability"])
def test_no_text_overlaps_or_leaves_the_figure(figures, name):
    found = [n for n in figures if n == name or n.startswith(name + "_")]
    assert found, f"{name} was not drawn"
    boxes, frame = text_boxes(figures[found[0]])
    bad = overlaps(boxes)
    assert bad == [], bad
    outside = [t for t, b in boxes if b.x0 < frame.x0 - 1 or b.x1 > frame.x1 + 1
               or b.y0 < frame.y0 - 1 or b.y1 > frame.y1 + 1]
    assert outside == [], outside


@pytest.mark.parametrize("n", [1, 2, 6])
def test_error_distance_legend_sits_just_under_its_axis_label(n):
    """Panel (b)'s legend is anchored a fixed distance under the axes, measured from the
    rc settings: under the x label (no overlap), and not a blank band lower."""
    import matplotlib as mpl

    from affectctl.report.figures import PAPER_RC
    from affectctl.report.figures.error_null import (error_distance_figure_size,
                                                     plot_error_distance_figure)
    from matplotlib.figure import Figure

    base = six_condition_result().error_null
    nulls = dict(list(base.items())[:n])
    with mpl.rc_context(PAPER_RC):
        fig = Figure(figsize=error_distance_figure_size(n), layout="constrained")
        plot_error_distance_figure(nulls, fig=fig)
        FigureCanvasAgg(fig)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[-1]
        label = ax.xaxis.label.get_window_extent(renderer)
        legend = ax.get_legend().get_window_extent(renderer)
    gap_pt = (label.y0 - legend.y1) * 72.0 / fig.dpi
    assert 0.0 < gap_pt < 6.0, gap_pt
