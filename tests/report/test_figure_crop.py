"""A figure is laid out and cropped once for all its formats (``report.figures.save._lay_out``).

matplotlib's ``savefig`` with a layout engine or ``savefig.bbox: tight`` draws the figure
once without output before each format, to lay it out and measure its crop. Here the
layout and the crop are computed once and handed to every format; what these tests hold
is that nothing on the page changes: with the same layout, the PNG has the bytes
``savefig(bbox_inches="tight")`` gives it after its own pass, and the PDF has the crop
of the PNG.
"""

from __future__ import annotations

import re
import warnings

import matplotlib as mpl
import pytest
from matplotlib.figure import Figure
from PIL import Image

from affectctl.report.figures import PAPER_RC, save
from affectctl.report.writer import write_report

from _synth import write_prediction_pair


def _matplotlibs_crop(monkeypatch):
    """``_lay_out`` that lays out as ours does, then leaves the crop to savefig's own pass."""
    ours = save._lay_out

    def lay_out(fig, dpi):
        ours(fig, dpi)
        return "tight" if mpl.rcParams["savefig.bbox"] == "tight" else None

    monkeypatch.setattr(save, "_lay_out", lay_out)


def _single_run_result(tmp_path):
    from affectctl.compare import compare
    from affectctl.io.runs import file_conditions, runs_from_files

    a, b = write_prediction_pair(tmp_path, n=600, videos=12, seed=3)
    runs = runs_from_files(file_conditions([str(a), str(b)], folders=False), truth=None,
                           taxonomy="affwild2-expr7", read=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare(runs, "a", ("b",), n_resamples=199)


@pytest.mark.parametrize("which", ["seeds", "single run"])
def test_each_report_png_has_the_bytes_of_savefigs_own_tight_crop(which, result, tmp_path,
                                                                  monkeypatch):
    res = result if which == "seeds" else _single_run_result(tmp_path)
    ours = write_report(res, tmp_path / "ours", formats=("png",))
    _matplotlibs_crop(monkeypatch)
    theirs = write_report(res, tmp_path / "theirs", formats=("png",))
    pngs = sorted(n for n in ours if n.endswith(".png"))
    assert len(pngs) >= 5 and pngs == sorted(n for n in theirs if n.endswith(".png"))
    for name in pngs:
        assert ours[name].read_bytes() == theirs[name].read_bytes(), name


def _laid_out_figure(**kwargs) -> Figure:
    fig = Figure(figsize=(3.3, 2.4), layout="constrained", **kwargs)
    ax, bx = fig.subplots(1, 2)
    mesh = bx.pcolormesh([[0, 1], [2, 3]])
    fig.colorbar(mesh, ax=bx, label="a long colour-bar label")
    ax.plot([0, 1], [0, 1], label="line")
    ax.legend(loc="best")
    ax.set(xlabel="predicted class, a long label", ylabel="true", title="difference")
    ax.annotate("far out", (1, 1), xytext=(30, 10), textcoords="offset points")
    bx.set_aspect("equal")
    fig.suptitle("suptitle")
    return fig


@pytest.mark.parametrize("pad", [0.0, 0.02, 0.3])
def test_the_crop_is_savefigs_for_every_pad(pad, tmp_path, monkeypatch):
    rc = {**PAPER_RC, "savefig.pad_inches": pad}
    with mpl.rc_context(rc):
        save.write_figure(_laid_out_figure(), tmp_path / "ours", "f", ("png",))
        _matplotlibs_crop(monkeypatch)
        save.write_figure(_laid_out_figure(), tmp_path / "theirs", "f", ("png",))
    assert (tmp_path / "ours/f.png").read_bytes() == (tmp_path / "theirs/f.png").read_bytes()


def test_a_pdf_has_the_crop_of_its_png(tmp_path):
    with mpl.rc_context(PAPER_RC):
        save.write_figure(_laid_out_figure(), tmp_path, "f", ("pdf", "png"), dpi=300)
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]",
                    (tmp_path / "f.pdf").read_bytes())
    width_pt, height_pt = float(box.group(1)), float(box.group(2))
    with Image.open(tmp_path / "f.png") as png:
        width_px, height_px = png.size
    # one crop in inches; the PNG's is rounded to whole pixels
    assert width_pt / 72 == pytest.approx(width_px / 300, abs=1 / 300)
    assert height_pt / 72 == pytest.approx(height_px / 300, abs=1 / 300)


def test_without_a_tight_crop_the_whole_figure_is_written(tmp_path):
    with mpl.rc_context({**PAPER_RC, "savefig.bbox": None}):
        save.write_figure(_laid_out_figure(), tmp_path, "f", ("png",), dpi=100)
    with Image.open(tmp_path / "f.png") as png:
        assert png.size == (330, 240)


def test_the_figure_keeps_its_canvas_dpi_and_layout_engine(tmp_path):
    fig = _laid_out_figure(dpi=72)
    canvas, engine = fig.canvas, fig.get_layout_engine()
    with mpl.rc_context(PAPER_RC):
        save.write_figure(fig, tmp_path, "f", ("pdf", "png"), dpi=300)
    assert fig.canvas is canvas and fig.dpi == 72 and fig.get_layout_engine() is engine
