"""report.figures: plot functions draw on the Axes/Figure they are given and return it;
save_figures writes every figure, non-empty, at a sensible size, leaving no pyplot figure."""

import re
import struct

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from affectctl.errors import ConfigError  # noqa: E402
from affectctl.report import figures as F  # noqa: E402
from affectctl.report.figures.style import _map_size  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


# -- ax in, Axes out -- #

def test_plot_circumplex_draws_on_given_ax(result):
    fig, ax = plt.subplots()
    out = F.plot_circumplex(result.geometry.coords, result.taxonomy.classes, result.class_support,
                            result.confusions["circumplex"], ax=ax, top_k=3, title="circumplex")
    assert out is ax
    assert ax.get_xlabel() == "valence" and ax.get_ylabel() == "arousal"
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == 3
    texts = {t.get_text() for t in ax.texts}
    assert {"Anger", "Fear", "Neutral"} <= texts
    assert any("Other" in t for t in texts)              # no coordinate under nrc-vad: listed
    assert ax.get_aspect() == 1.0


def test_plot_circumplex_arrow_widths_follow_rates():
    coords = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    cm = np.array([[10, 8, 2], [1, 10, 0], [0, 0, 10]])
    ax = F.plot_circumplex(coords, ["A", "B", "C"], [20, 11, 10], cm, top_k=2)
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    widths = sorted(a.get_linewidth() for a in arrows)
    assert len(arrows) == 2 and widths[1] > widths[0]    # A->B (0.4) wider than B->A (1/11)


def test_plot_circumplex_creates_axes_when_none(result):
    from matplotlib.patches import FancyArrowPatch

    cm = result.confusions["base"].sum(axis=0)
    coords = result.geometry.coords
    ax = F.plot_circumplex(coords, result.taxonomy.classes, result.class_support, cm, top_k=4,
                           key=False)
    assert isinstance(ax, Axes)
    # what is drawn: one arrow per chosen confusion, every placed class named once
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 4
    placed = [c for c, xy in zip(result.taxonomy.classes, coords) if np.isfinite(xy).all()]
    texts = [t.get_text() for t in ax.texts]
    assert all(texts.count(c) == 1 for c in placed)


def test_plot_confusion_and_difference(result):
    fig, (a1, a2) = plt.subplots(1, 2)
    out = F.plot_confusion(result.confusions["base"], result.taxonomy.classes, ax=a1)
    assert out is a1
    pooled = result.confusions["base"].sum(axis=0)
    expected = 100 * pooled[0, 0] / pooled[0].sum()
    mesh = a1.collections[0]
    assert mesh.get_array().reshape(8, 8)[0, 0] == pytest.approx(expected)
    out = F.plot_confusion_difference(result.confusions["uniform"], result.confusions["base"],
                                      result.taxonomy.classes, ax=a2)
    assert out is a2
    vals = a2.collections[0].get_array()
    norm = a2.collections[0].norm
    assert norm.vmin == pytest.approx(-norm.vmax)        # centred at 0
    assert np.abs(vals).max() == pytest.approx(norm.vmax)
    # rows of a "true"-normalised difference sum to 0
    assert np.asarray(vals).reshape(8, 8).sum(axis=1) == pytest.approx(np.zeros(8), abs=1e-9)


def test_plot_paired_seeds(result):
    fig, ax = plt.subplots()
    out = F.plot_paired_seeds(result.metrics, "official_score", result.conditions, ax=ax,
                              colors={"base": "black"}, means={"base": 0.41},
                              comparisons=result.comparisons, test="ar")
    assert out is ax
    seed_lines = [ln for ln in ax.lines if len(ln.get_xdata()) == 2
                  and ln.get_xdata()[0] != ln.get_xdata()[1]]   # not the pair separators
    assert len(seed_lines) == 5 * 2                      # each seed: base -> each condition
    # one pair of columns per condition, the baseline on its left: a line starts at its
    # pair's baseline column and ends at the condition's, crossing no other column
    starts = sorted({round(ln.get_xdata()[0]) for ln in seed_lines})
    assert starts == [0, 3]
    assert all(round(ln.get_xdata()[1] - ln.get_xdata()[0]) == 1 for ln in seed_lines)
    np.testing.assert_allclose(sorted({ln.get_ydata()[0] for ln in seed_lines}),
                               sorted([0.40, 0.42, 0.41, 0.39, 0.43]))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["circumplex", "uniform"]
    assert ax.collections[0].get_facecolor()[0][:3] == pytest.approx((0, 0, 0))
    texts = [t.get_text() for t in ax.texts]
    assert "p = 0.0012‡" in texts                        # the fixture's adjusted AR p-value
    # the legend sits under the axes, off the data
    assert ax.get_legend().get_bbox_to_anchor().y0 < ax.get_window_extent().y0


def test_paired_seeds_sets_tied_seeds_side_by_side():
    import pandas as pd

    rows = [{"condition": c, "seed": s, "metric": "m", "value": v}
            for c, vals in {"base": [0.5, 0.5, 0.5, 0.6], "x": [0.7, 0.7, 0.6, 0.6]}.items()
            for s, v in enumerate(vals)]
    ax = F.plot_paired_seeds(pd.DataFrame(rows), "m", ["base", "x"])
    pts = np.asarray(ax.collections[0].get_offsets())
    tied = pts[np.isclose(pts[:, 1], 0.5)]
    assert len(tied) == 3 and len(set(np.round(tied[:, 0], 6))) == 3   # side by side
    legend = ax.get_legend() or ax.figure.legends[0]      # constrained layout: under the figure
    assert any("near-ties side by side" in t.get_text() for t in legend.get_texts())


def test_p_text_is_one_format():
    assert F.p_text(0.00002) == "p < 0.001" and F.p_text(0.007) == "p = 0.007"
    assert F.p_text(0.0625, adjusted=True) == "p_adj = 0.0625"


def test_plot_error_distance_null_and_means(result):
    fig, (a1, a2) = plt.subplots(1, 2)
    assert F.plot_error_distance_null(result.error_null, ax=a1) is a1
    assert len(a1.lines) == 2 * 3                        # observed + null per condition
    labels = [t.get_text() for t in a1.get_legend().get_texts()]
    assert len(labels) == 6 and sum("null" in t for t in labels) == 3   # one entry per null
    assert "VA units" in a1.get_xlabel()
    for line in a1.lines:
        y = line.get_ydata()
        assert y[0] == 0 and y[-1] == pytest.approx(1.0) and np.all(np.diff(y) >= 0)
    assert F.plot_error_distance_means(result.error_null, ax=a2) is a2
    texts = [t.get_text() for t in a2.texts]
    assert any(re.fullmatch(r"p (< 0\.001|= \d\.\d+)", t) for t in texts)


def test_multi_panel_figures_take_fig(result):
    fig = Figure()
    assert F.plot_circumplex_map(result, fig=fig) is fig
    assert len([a for a in fig.axes if a.axison]) == 3
    fig = Figure()
    assert F.plot_confusions(result, fig=fig) is fig
    assert len([a for a in fig.axes if a.get_title()]) == 3 + 2
    fig = Figure()
    assert F.plot_error_distance_figure(result.error_null, fig=fig) is fig
    tup = (result.geometry.coords, result.taxonomy.classes, result.class_support,
           {"x": result.confusions["base"]})
    assert isinstance(F.plot_circumplex_map(tup, fig=Figure()), Figure)


def test_condition_colors_are_okabe_ito():
    c = F.condition_colors(["base", "a", "b"], baseline="base")
    assert c["a"] in F.OKABE_ITO.values() and c["b"] in F.OKABE_ITO.values()
    assert len(set(c.values())) == 3


@pytest.mark.parametrize("call, message", [
    (lambda r: F.plot_confusion(np.ones((3, 3)), ["a", "b"]), "`class_names` has 2 names"),
    (lambda r: F.plot_confusion(np.ones((3, 3)), ["a", "b", "c"], normalize="rows"),
     "`normalize` must be one of"),
    (lambda r: F.plot_paired_seeds(r.metrics, "nope", r.conditions), "metric 'nope' is not in"),
    (lambda r: F.plot_paired_seeds(r.metrics, "official_score", ["base", "x"]),
     r"condition\(s\) \['x'\]"),
    (lambda r: F.plot_circumplex_map(r, conditions=["x"]), "no confusion matrices"),
    (lambda r: F.plot_circumplex_map(r, colors=["red"]), "`colors` must be a mapping"),
    (lambda r: F.plot_circumplex_map(42), "`data` must be a ComparisonResult"),
    (lambda r: F.plot_error_distance_null({}), "non-empty mapping"),
    (lambda r: F.save_figures(r, "/tmp", formats=("jpg",)), "`formats` entries must be in"),
])
def test_validation(result, call, message):
    with pytest.raises(ConfigError, match=message):
        call(result)


# -- save_figures -- #

def test_save_figures_writes_every_figure(result, tmp_path):
    before = plt.get_fignums()
    paths = F.save_figures(result, tmp_path / "figs", formats=("pdf", "png"))
    assert plt.get_fignums() == before                   # no pyplot figure left open
    stems = {"circumplex_map", "confusion", "paired_seeds_official_score",
             "paired_seeds_error_distance_mean", "error_distance_null"}
    # the fixture's primary test (AR) reports no interval: no Δ ± CI figure yet
    assert set(paths) == {f"{s}.{ext}" for s in stems for ext in ("pdf", "png")}
    for name, path in paths.items():
        assert path.exists() and path.stat().st_size > 1000, name
    assert paths["confusion.pdf"].read_bytes()[:5] == b"%PDF-"
    w, h = _png_size(paths["paired_seeds_official_score.png"])
    assert 800 <= w <= 1100 and 500 <= h <= 900          # 3.3 in at 300 dpi, tight bbox
    w, h = _png_size(paths["circumplex_map.png"])
    assert 1800 <= w <= 2300 and 500 <= h <= 1000
    assert not list((tmp_path / "figs").glob("*.tmp")) and not list((tmp_path / "figs").glob(".*"))


def test_save_figures_without_error_null_and_odd_metric_names(result_factory, tmp_path):
    import dataclasses

    res = result_factory(error_null=False)
    res = dataclasses.replace(res, headline_metrics=("f1:Anger",))
    paths = F.save_figures(res, tmp_path, formats=("png",))
    assert "paired_seeds_f1-Anger.png" in paths
    assert not any(name.startswith("error_distance_null") for name in paths)


def test_text_is_at_least_7pt(result):
    import matplotlib as mpl

    with mpl.rc_context(F.PAPER_RC):
        fig = Figure(figsize=_map_size(3), layout="constrained")
        F.plot_circumplex_map(result, fig=fig)
        fig2 = Figure(layout="constrained")
        F.plot_confusions(result, fig=fig2)
        fig3 = Figure(layout="constrained")
        F.plot_error_distance_figure(result.error_null, fig=fig3)
        for f in (fig, fig2, fig3):
            sizes = [t.get_fontsize() for t in f.findobj(matplotlib.text.Text) if t.get_text()]
            assert min(sizes) >= 7


def test_circumplex_map_shows_change_with_width_key_and_clear_labels(result):
    import matplotlib as mpl

    with mpl.rc_context(F.PAPER_RC):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = Figure(figsize=_map_size(3), layout="constrained")
        FigureCanvasAgg(fig)
        F.plot_circumplex_map(result, fig=fig)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
    axes = [a for a in fig.axes if a.axison]
    assert [a.get_title() for a in axes] == ["base: confusions", "circumplex − base",
                                             "uniform − base"]
    keys = [a.get_legend() for a in axes]
    assert keys[0] is not None and "confusion rate" in keys[0].get_title().get_text()
    assert keys[1] is not None and "change" in keys[1].get_title().get_text()
    change_colors = {mpl.colors.to_hex(p.get_edgecolor()) for p in axes[1].patches
                     if type(p).__name__ == "FancyArrowPatch"}
    assert change_colors <= {F.CHANGE_COLORS["more"].lower(), F.CHANGE_COLORS["less"].lower()}
    names = set(result.taxonomy.classes)
    for ax in axes:
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
        assert len(boxes) == 7
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert not boxes[i].overlaps(boxes[j])       # no label covers another


# -- the one figure writer -- #

def test_write_figure_same_figure_same_bytes_and_no_temp_left(tmp_path):
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [1, 0])
    first = F.write_figure(fig, tmp_path / "a", "line", ("pdf", "png", "svg"))
    again = F.write_figure(fig, tmp_path / "b", "line", ("pdf", "png", "svg"))
    assert sorted(first) == ["line.pdf", "line.png", "line.svg"]
    for name in first:
        assert first[name].read_bytes() == again[name].read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(first)


def test_eps_figures_name_no_temporary_file(tmp_path, monkeypatch):
    """The EPS writer names the file it is given in ``%%Title``: written through a temporary
    file (random name), the same figure gave other bytes each time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")     # EPS stamps the time otherwise
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [1, 0])
    first = F.write_figure(fig, tmp_path / "a", "line", ("eps",))["line.eps"].read_bytes()
    again = F.write_figure(fig, tmp_path / "b", "line", ("eps",))["line.eps"].read_bytes()
    assert first == again
    assert b".tmp" not in first and first.startswith(b"%!PS-Adobe-3.0 EPSF-3.0")


def test_write_figure_rejects_unknown_format(tmp_path):
    with pytest.raises(ConfigError, match=r"`formats` entries must be in"):
        F.write_figure(Figure(), tmp_path, "x", ("pdf", "jpg"))
