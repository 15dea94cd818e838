"""Font subsets cut from a base held in memory (:mod:`affectctl.report.figures._font_bases`).

The reference is matplotlib's own cut from the font file, in the same lean block: the
subset cut from the base must be the same bytes with the same glyph-index map (file
glyph index -> subset glyph index, which matplotlib writes the PDF's CIDToGIDMap and
widths from), for subsets of text, of one glyph, of Greek and mathematical signs and of
composite glyphs; a glyph outside the base's blocks is cut from the file. A figure's PDF
and EPS files are the same bytes with and without bases.
"""

from __future__ import annotations

import io

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.backends import _backend_pdf_ps
from matplotlib.figure import Figure

from affectctl.report.figures import PAPER_RC, _font_bases
from affectctl.report.figures._font_subsets import lean_font_subsets, prepare_lean_bases
from affectctl.report.figures.save import write_figure

if not (hasattr(font_manager, "FontPath") and hasattr(_backend_pdf_ps, "SubsetResults")):
    pytest.skip("bases serve matplotlib >= 3.11 only (glyph-index subsets)",
                allow_module_level=True)

PATH = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
FONT = font_manager.FontPath(PATH, 0)
CHARMAP = font_manager.get_font(FONT).get_charmap()


@pytest.fixture
def bases(monkeypatch):
    """This process's bases, emptied for the test and given back after it."""
    monkeypatch.setattr(_font_bases, "_BASES", {})
    assert prepare_lean_bases([PATH]) == 1
    return _font_bases._BASES


@pytest.fixture
def read(monkeypatch):
    """The kind of file (``FontPath``: the font file; ``_BaseFile``: a base) of every
    subset matplotlib's ``get_glyphs_subset`` cuts in the test, in order."""
    kinds: list = []
    original = _backend_pdf_ps.get_glyphs_subset

    def spy(fontfile, glyphs):
        kinds.append(type(fontfile).__name__)
        return original(fontfile, glyphs)

    monkeypatch.setattr(_backend_pdf_ps, "get_glyphs_subset", spy)
    return kinds


def _gids(text: str) -> set:
    return {CHARMAP[ord(c)] for c in text}


def _cut(glyphs, *, bases: bool) -> tuple:
    with lean_font_subsets(bases=bases):
        with _backend_pdf_ps.get_glyphs_subset(FONT, glyphs) as cut:
            return _backend_pdf_ps.font_as_file(cut.font).getvalue(), dict(cut.glyph_index_map)


@pytest.mark.parametrize("text", [
    "Anger − Fear: Δ F1 = 0.031 [−0.004, 0.066]",      # a figure's title
    "p",                                               # the one-glyph subset
    "αβγδκρσ ≤ ≥ ± × → ∞ ∑ √ ′ ″ … ■ ●",               # Greek, operators, shapes
    "éèêëàçñøÅÆŒšž",                                    # composite glyphs (accented)
    "\ufb00\ufb01\ufb02\ufb03",                       # the ligatures text is shaped into
])
def test_a_subset_from_the_base_is_the_subset_from_the_file(bases, text):
    direct = _cut(_gids(text), bases=False)
    from_base = _cut(_gids(text), bases=True)
    assert from_base[0] == direct[0]
    assert from_base[1] == direct[1]
    assert set(_gids(text)) <= set(from_base[1])


def test_the_base_is_cut_from_and_only_when_it_holds_every_glyph(bases, read):
    _cut(_gids("Fear"), bases=True)
    assert read == ["_BaseFile"]
    read.clear()
    cyrillic = _gids("Жук")                                # outside the base's blocks
    assert not cyrillic & set(bases[(str(PATH), 0)].index_map)
    assert _cut(cyrillic | _gids("a"), bases=True)[0] == _cut(cyrillic | _gids("a"),
                                                               bases=False)[0]
    assert read == ["FontPath", "FontPath"]


def test_a_figures_subsets_all_come_from_the_base(bases, read, tmp_path):
    """Titles, ticks, minus signs and shaped ligatures ("fi" in "confidence"): no subset
    of a figure like a report's is cut from the font file."""
    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.plot([-1, 1], [0, 1])
    ax.set_title("macro-F1 difference, 95% confidence interval (−0.004, 0.066)")
    ax.set_xlabel("official fluff ≤ α")
    with matplotlib.rc_context(PAPER_RC):
        write_figure(fig, tmp_path, "f", ("pdf",))
    assert read and set(read) == {"_BaseFile"}


def test_matplotlib_gets_its_function_back(bases):
    original = _backend_pdf_ps.get_glyphs_subset
    with lean_font_subsets():
        assert _backend_pdf_ps.get_glyphs_subset is not original
        with lean_font_subsets():
            pass
        assert _backend_pdf_ps.get_glyphs_subset.__wrapped__ is original
    assert _backend_pdf_ps.get_glyphs_subset is original


def _figure() -> Figure:
    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("Anger − Fear: Δ F1 = 0.031, α = 0.05")
    ax.set_xlabel("valence (Жук)")                         # a glyph outside the base
    return fig


@pytest.mark.parametrize("fmt", ["pdf", "eps"])
def test_figure_files_are_the_same_bytes_with_and_without_bases(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")           # EPS stamps the time otherwise
    monkeypatch.setattr(_font_bases, "_BASES", {})
    with matplotlib.rc_context(PAPER_RC):
        without = write_figure(_figure(), tmp_path / "a", "f", (fmt,))[f"f.{fmt}"].read_bytes()
        assert prepare_lean_bases() == 1
        with_bases = write_figure(_figure(), tmp_path / "b", "f", (fmt,))[f"f.{fmt}"].read_bytes()
    assert with_bases == without


def test_a_font_that_cannot_be_cut_gets_no_base(monkeypatch, tmp_path):
    monkeypatch.setattr(_font_bases, "_BASES", {})
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font")
    assert prepare_lean_bases([bad]) == 0
    assert _font_bases.through_bases(_backend_pdf_ps.get_glyphs_subset) is None
