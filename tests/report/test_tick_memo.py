"""Ticks computed once per axis draw while the report writes figures (``_tick_memo``):
the same bytes as matplotlib's own two computations, half the computations."""

from __future__ import annotations

import io

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")

from matplotlib.axis import Axis  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from affectctl.report.figures import _tick_memo  # noqa: E402
from affectctl.report.figures._tick_memo import tick_memo  # noqa: E402

from .test_report_figures_layout import six_condition_result  # noqa: E402

needs_memo = pytest.mark.skipif(not _tick_memo._applies(),
                                reason=f"matplotlib {mpl.__version__} is outside "
                                       f"{_tick_memo.VERSIONS}: the memo is not used")


def _aligned_figure():
    """Two rows of axes, labels aligned (each axis's label placed from its siblings' ticks),
    a colour bar, a twin axis, an offset axis. (No log axis: its labels are mathtext, whose
    parser on matplotlib < 3.9 calls pyparsing names newer pyparsing warns about.)"""
    fig = Figure(figsize=(4, 3), layout="constrained", dpi=100)
    axes = fig.subplots(2, 2)
    rng = np.random.default_rng(0)
    axes[0, 0].plot(rng.normal(size=20) * 1000)
    axes[1, 0].plot(rng.normal(size=20))
    axes[0, 1].plot(1e6 + np.arange(1, 30) ** 2)          # an offset (1e6) on the y axis
    mesh = axes[1, 1].pcolormesh(rng.random((5, 5)))
    fig.colorbar(mesh, ax=axes[1, 1], label="value")
    axes[1, 1].twinx().plot(np.arange(5), np.arange(5) ** 2, color="k")
    for ax in axes.flat:
        ax.set_xlabel("an x label")
        ax.set_ylabel("a y label")
    fig.align_labels()
    return fig


def _png(fig) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


@needs_memo
def test_a_figure_with_aligned_labels_has_the_same_pixels():
    plain = _png(_aligned_figure())
    with tick_memo():
        memo = _png(_aligned_figure())
    assert memo == plain


@needs_memo
def test_report_figures_have_the_same_bytes(tmp_path, monkeypatch):
    from affectctl.report.figures.comparison import figure_parts

    result = six_condition_result()
    written = {}
    for memo in (False, True):
        if not memo:
            monkeypatch.setattr(_tick_memo, "_applies", lambda: False)
        else:
            monkeypatch.undo()
        out = tmp_path / str(memo)
        parts = dict(figure_parts(result, out, ("png", "pdf"), dpi=60))
        # a shared-y interval figure, paired seeds, the error-distance panels (the 6
        # conditions' confusion figure alone would take 3.5 s; the 3,000-row report's 16
        # files were compared byte for byte when the memo was written)
        chosen = [next(n for n in parts if n.startswith("delta_intervals")),
                  "paired_seeds_official_score", "error_distance_null"]
        for name in chosen:
            parts[name]()
        written[memo] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert len(written[True]) == 6
    assert written[True] == written[False]


@needs_memo
def test_each_draw_computes_an_axis_ticks_once(monkeypatch):
    calls = []
    real = Axis._update_ticks

    def counted(self):
        calls.append(self)
        return real(self)

    monkeypatch.setattr(Axis, "_update_ticks", counted)
    fig = Figure(figsize=(3, 2), dpi=100)
    ax = fig.subplots()
    ax.plot([0, 1, 2], [3, 1, 2])
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    FigureCanvasAgg(fig)
    fig.canvas.draw()                   # the first draw makes the ticks
    calls.clear()
    fig.canvas.draw()
    plain = len(calls)
    calls.clear()
    with tick_memo():
        fig.canvas.draw()
    # matplotlib computes each axis's ticks in its draw, then twice more to place its label
    # (the label's siblings, the spine's extent): with the memo once per axis (2 axes)
    assert len(calls) == 2 < plain
    assert Axis._update_ticks is counted and Axis.draw.__module__ == "matplotlib.axis"


def test_methods_are_given_back_and_the_memo_nests():
    before = {n: Axis.__dict__[n] for n in ("_update_ticks", "_get_ticklabel_bboxes", "draw",
                                            "get_tightbbox")}
    with tick_memo():
        with tick_memo():
            pass
        inside = Axis.__dict__["draw"]
    assert {n: Axis.__dict__[n] for n in before} == before
    if _tick_memo._applies():
        assert inside is not before["draw"] and inside.__wrapped__ is before["draw"]
        assert inside._supports_rasterization == before["draw"]._supports_rasterization


def test_nothing_is_patched_for_a_version_it_was_not_checked_against(monkeypatch):
    monkeypatch.setattr(mpl, "__version_info__", (3, 12, 0, "final", 0), raising=False)
    draw = Axis.__dict__["draw"]
    with tick_memo():
        assert Axis.__dict__["draw"] is draw
