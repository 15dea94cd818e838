"""Figures as written: lean embedded fonts, one layout for every format, the heatmap.

* The fonts a PDF figure embeds lack the OpenType layout tables
  (:mod:`affectctl.report.figures._font_subsets`) and hold, character for character, the
  outlines and advance widths of matplotlib's own subsets: fonts are read back out of
  the PDF files (their ``/FontFile2`` streams) with fontTools.
* :func:`write_figure` lays a figure out once for all its formats and gives it back its
  layout engine.
* The confusion heatmap, drawn with matplotlib (no seaborn): matrix order, square cells,
  the cell numbers and their colour by cell luminance (seaborn's rule, re-derived here).
"""

from __future__ import annotations

import io
import re
import zlib

import matplotlib
import numpy as np
import pytest
from fontTools.ttLib import TTFont
from matplotlib.figure import Figure

from affectctl.report.figures import PAPER_RC
from affectctl.report.figures._font_subsets import LAYOUT_TABLES, lean_font_subsets
from affectctl.report.figures.confusion import plot_confusion
from affectctl.report.figures.save import write_figure

TEXT = "Anger − Fear: Δ F1 = 0.031 [−0.004, 0.066]"


def _figure() -> Figure:
    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title(TEXT)
    ax.set_xlabel("valence (data VA units)")
    ax.text(0.2, 0.5, "α = 0.05, p ≤ 0.01", style="italic")   # a second font: Oblique
    return fig


def _embedded_fonts(pdf: bytes) -> list:
    """The TrueType fonts in a PDF's ``/FontFile2`` streams, in object order."""
    refs = {int(n) for n in re.findall(rb"/FontFile2 (\d+) 0 R", pdf)}
    fonts = []
    for num, body in re.findall(rb"(?m)^(\d+) 0 obj\n(.*?)\nendobj", pdf, flags=re.S):
        if int(num) in refs:
            data = re.search(rb"stream\r?\n(.*)\r?\nendstream", body, flags=re.S).group(1)
            fonts.append(TTFont(io.BytesIO(zlib.decompress(data))))
    assert len(fonts) == len(refs) > 0
    return fonts


def _by_character(font: TTFont) -> dict:
    """``{character: (outline bytes, advance width)}`` of every mapped character."""
    glyf, hmtx = font["glyf"], font["hmtx"]
    return {chr(code): (glyf[name].compile(glyf), hmtx[name][0])
            for code, name in font.getBestCmap().items()}


def _pdf(fig, path, lean: bool) -> bytes:
    with matplotlib.rc_context(PAPER_RC):
        if lean:
            with lean_font_subsets():
                fig.savefig(path, format="pdf", metadata={"CreationDate": None})
        else:
            fig.savefig(path, format="pdf", metadata={"CreationDate": None})
    return path.read_bytes()


def test_pdf_figures_embed_fonts_without_layout_tables(tmp_path):
    with matplotlib.rc_context(PAPER_RC):                 # Type 42, as every report figure
        files = write_figure(_figure(), tmp_path, "lean", ("pdf",))
    fonts = _embedded_fonts(files["lean.pdf"].read_bytes())
    for font in fonts:
        assert not set(LAYOUT_TABLES) & set(font.keys())
        assert {"glyf", "hmtx", "cmap", "loca", "head"} <= set(font.keys())


def test_lean_subsets_hold_matplotlibs_glyphs_and_widths(tmp_path):
    own = _embedded_fonts(_pdf(_figure(), tmp_path / "own.pdf", lean=False))
    lean = _embedded_fonts(_pdf(_figure(), tmp_path / "lean.pdf", lean=True))
    # matplotlib's own subsets do keep the tables (else this test checks nothing)
    assert any(set(LAYOUT_TABLES) & set(f.keys()) for f in own)
    assert [f["name"].getDebugName(6) for f in lean] == [f["name"].getDebugName(6) for f in own]
    for a, b in zip(own, lean):
        assert _by_character(b) == _by_character(a)
    for ch in TEXT.replace(" ", ""):
        assert any(ch in _by_character(f) for f in lean), ch


@pytest.mark.parametrize("style", ["normal", "italic"])
def test_layout_tables_taken_out_at_load_give_the_subset_options_alone_cut(monkeypatch, style):
    """The stand-in also takes the layout tables (and, with GPOS, the legacy kern table)
    out of the font as it is loaded, before fontTools reads them: the subset must be the
    bytes of the one the dropping Options alone cut."""
    from matplotlib import font_manager
    from matplotlib.backends import _backend_pdf_ps

    from affectctl.report.figures import _font_subsets

    if not hasattr(_backend_pdf_ps, "get_glyphs_subset"):
        pytest.skip("this matplotlib does not subset through get_glyphs_subset")
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", style=style))
    if hasattr(font_manager, "FontPath"):      # matplotlib >= 3.11: glyph indices
        font_path = font_manager.FontPath(path, 0)
        sets = [set(range(3, 90)), set(range(30, 400, 7))]
    else:                                      # before: the characters
        font_path = path
        sets = ["abcdefghijklmnopqrstuvwxyz0123456789", "Anger–Fear ΔF1 ≤ 0.05"]

    def saved(font):
        buf = io.BytesIO()
        font.save(buf)
        return buf.getvalue()

    def cut(glyphs):
        with lean_font_subsets():
            res = _backend_pdf_ps.get_glyphs_subset(font_path, glyphs)
            if isinstance(res, io.BytesIO):    # matplotlib < 3.10 returns the saved subset
                return res.getvalue()
            if isinstance(res, TTFont):        # then the font
                return saved(res)
            with res as subset:                # 3.11: a context manager of the font
                return saved(subset.font)

    at_load = [cut(g) for g in sets]
    monkeypatch.delattr(_font_subsets._LeanSubsetModule, "load_font")
    options_only = [cut(g) for g in sets]
    assert at_load == options_only
    for data in at_load:
        assert not {*LAYOUT_TABLES, "kern"} & set(TTFont(io.BytesIO(data)).keys())


def test_lean_subsets_give_matplotlib_its_module_back():
    from matplotlib.backends import _backend_pdf_ps as shared

    original = shared.subset
    with lean_font_subsets():
        assert shared.subset is not original
        assert "GSUB" in shared.subset.Options().drop_tables
        with lean_font_subsets():
            pass
        assert shared.subset is not original           # the outer block is still open
    assert shared.subset is original
    with pytest.raises(RuntimeError):
        with lean_font_subsets():
            raise RuntimeError("drawing failed")
    assert shared.subset is original
    assert "GSUB" not in original.Options().drop_tables


def test_a_figure_is_laid_out_once_for_all_its_formats(tmp_path, monkeypatch):
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    calls = []
    execute = ConstrainedLayoutEngine.execute
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute",
                        lambda self, fig: (calls.append(1), execute(self, fig))[1])
    fig = _figure()
    engine = fig.get_layout_engine()
    write_figure(fig, tmp_path, "once", ("pdf", "png", "svg"))
    assert len(calls) == 1
    assert fig.get_layout_engine() is engine
    assert all((tmp_path / f"once.{f}").stat().st_size > 0 for f in ("pdf", "png", "svg"))


@pytest.mark.parametrize("rc", [{}, {"figure.constrained_layout.use": True}])
def test_each_format_draws_the_figure_once(tmp_path, monkeypatch, rc):
    """One draw per format: with any layout engine left on the figure (a placeholder
    included) ``savefig`` draws it once more, without output, before writing; also when
    the user's rc asks for constrained layout."""
    draws = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (draws.append(1),
                                                                draw(self, renderer))[1])
    with matplotlib.rc_context(rc):
        fig = _figure()
        engine = fig.get_layout_engine()
        write_figure(fig, tmp_path, "once", ("pdf", "png", "svg"))
    assert len(draws) == 3
    assert fig.get_layout_engine() is engine


def test_a_figure_gets_its_layout_engine_back_when_a_format_fails(tmp_path, monkeypatch):
    fig = _figure()
    engine = fig.get_layout_engine()
    seen = []

    def savefig(path, format, **kw):       # noqa: A002  (matplotlib's name)
        seen.append(format)
        Figure.savefig(fig, path, format=format, **kw)

    def write_png(*args, **kwargs):
        seen.append("png")
        raise OSError("disk full")

    from affectctl.report.figures import _png

    monkeypatch.setattr(fig, "savefig", savefig)
    monkeypatch.setattr(_png, "write_png", write_png)
    with pytest.raises(OSError, match="disk full"):
        write_figure(fig, tmp_path, "broken", ("pdf", "png"))
    assert seen == ["pdf", "png"]
    assert fig.get_layout_engine() is engine
    assert not (tmp_path / "broken.png").exists()


def _luminance(rgb) -> float:
    """W3C relative luminance (WCAG 2.0), by the formula, one colour at a time."""
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_confusion_heatmap_cells_numbers_and_their_colours():
    cm = np.array([[50, 10, 0], [5, 40, 5], [0, 30, 20]])
    fig = Figure()
    ax = fig.subplots()
    plot_confusion(cm, ["A", "B", "C"], ax=ax, cbar=False)
    mesh = ax.collections[0]
    values = 100 * cm / cm.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(3, 3), values)
    assert ax.get_ylim() == (3, 0) and ax.get_xlim() == (0, 3)      # row 0 at the top
    assert ax.get_aspect() == 1.0
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C"]
    texts = {(round(t.get_position()[0], 1), round(t.get_position()[1], 1)): t for t in ax.texts}
    assert len(texts) == 9
    cmap, norm = mesh.get_cmap(), mesh.norm
    for i in range(3):
        for j in range(3):
            t = texts[(j + 0.5, i + 0.5)]
            assert t.get_text() == f"{values[i, j]:.0f}"
            light = _luminance(cmap(norm(values[i, j]))) > 0.408
            want = matplotlib.colors.to_rgba(".15" if light else "w")
            assert matplotlib.colors.to_rgba(t.get_color()) == want, (i, j)
    # the 83 % cell is dark blue (white text), the 0 % cells white (dark text)
    assert texts[(0.5, 0.5)].get_color() == "w" and texts[(2.5, 0.5)].get_color() == ".15"


def test_confusion_heatmap_leaves_undefined_cells_blank():
    fig = Figure()
    ax = fig.subplots()
    values = np.array([[1.0, np.nan], [2.0, 3.0]])
    plot_confusion(values, ["A", "B"], ax=ax, normalize=None, cbar=False)
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "3"]
