"""PNG figures (:mod:`affectctl.report.figures._png`) against matplotlib's own ``savefig``.

An opaque figure is written as RGB: its pixels are the colour channels of ``savefig``'s
RGBA PNG, whose alpha is 255 everywhere; the size, resolution and ``Software`` text are
``savefig``'s. A figure with transparent pixels keeps its alpha channel and has the bytes
of ``savefig``'s PNG.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from affectctl.report.figures import PAPER_RC
from affectctl.report.figures._png import write_png


def _figure() -> Figure:
    fig = Figure(figsize=(2.5, 1.8))
    ax = fig.subplots()
    ax.pcolormesh(np.arange(12).reshape(3, 4), cmap="RdBu_r")
    ax.plot([0, 4], [0, 3], color="k", alpha=0.5)
    ax.set_title("Anger − Fear, α = 0.05")
    return fig


def _ours(fig, **kwargs) -> bytes:
    buf = io.BytesIO()
    write_png(fig, buf, dpi=150, **kwargs)
    return buf.getvalue()


def _theirs(fig, **kwargs) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize("crop", [None, "tight"])
def test_an_opaque_figure_is_the_rgb_of_savefigs_png(crop):
    with mpl.rc_context(PAPER_RC):
        ours, theirs = _ours(_figure(), bbox_inches=crop), _theirs(_figure(), bbox_inches=crop)
        again = _ours(_figure(), bbox_inches=crop)
    with Image.open(io.BytesIO(ours)) as a, Image.open(io.BytesIO(theirs)) as b:
        assert (a.mode, b.mode) == ("RGB", "RGBA")
        assert a.size == b.size
        assert a.info["dpi"] == pytest.approx(b.info["dpi"])
        assert a.text == b.text and a.text["Software"].startswith("Matplotlib version")
        rgba = np.asarray(b)
        assert (rgba[..., 3] == 255).all()
        np.testing.assert_array_equal(np.asarray(a), rgba[..., :3])
    assert len(ours) < len(theirs)
    assert again == ours                                          # the same bytes again


@pytest.mark.parametrize("rc", [{"savefig.transparent": True}, {"figure.facecolor": "none"}])
def test_a_figure_with_transparent_pixels_is_savefigs_png(rc):
    with mpl.rc_context({**PAPER_RC, **rc}):
        ours, theirs = _ours(_figure()), _theirs(_figure())
    with Image.open(io.BytesIO(ours)) as a:
        assert a.mode == "RGBA" and np.asarray(a)[..., 3].min() < 255
    assert ours == theirs


def test_the_figure_keeps_its_canvas():
    fig = _figure()
    canvas = fig.canvas
    _ours(fig)
    assert fig.canvas is canvas
