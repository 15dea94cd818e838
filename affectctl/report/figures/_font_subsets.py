"""Embedded font subsets without the OpenType layout tables, for PDF and EPS figures.

A PDF or PostScript file with a Type 42 font (``pdf.fonttype: 42``, which journals ask
for) embeds a subset of each TrueType font it uses, cut by fontTools
(``matplotlib.backends._backend_pdf_ps.get_glyphs_subset``). matplotlib keeps the
OpenType layout tables in that subset: GSUB (substitutions), GPOS (positioning), GDEF
and MATH. A PDF or PS viewer never reads them: it draws the glyph ids the file names, at
the positions the file gives (matplotlib did the kerning and shaping when it laid the
text out, from the font file on disk). But subsetting them is most of the embedding:
fontTools decompiles all of DejaVu Sans' GSUB and GPOS for each subset.

:func:`lean_font_subsets` drops these four tables from the subsets cut in its block: one
subset of DejaVu Sans takes 0.021 s instead of 0.082 s, and the 8 figures of a 3,000-row
comparison embed 12 subsets (median of 15 ``get_glyphs_subset`` calls on this machine's
fontTools 4.69, matplotlib 3.11; 0.027 s when the tables are only dropped by the
subsetter, which reads GSUB and GPOS first). The glyph outlines, advance widths and character map
of the subset are those matplotlib's own subset has (tested:
``tests/report/test_font_subsets.py``), so the page looks the same; the file is smaller.

It works by handing matplotlib, for the block, a stand-in for the ``fontTools.subset``
module whose ``Options()`` also lists the four tables in ``drop_tables`` and whose
``load_font`` takes them out of the font it loads; every
matplotlib since font subsetting (3.5) cuts its subsets through ``subset.Options``. Where
that module attribute is not there (a matplotlib that does it another way), the block
changes nothing: the subsets are matplotlib's own, slower, and the same on the page.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

__all__ = ["LAYOUT_TABLES", "lean_font_subsets", "prepare_lean_bases"]

#: The OpenType tables a PDF/PS viewer does not read from an embedded font.
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "MATH")

_LOCK = threading.Lock()
_DEPTH = 0
#: matplotlib's own ``fontTools.subset`` while a block is open (given back at the end).
_ORIGINAL = None
#: matplotlib's own ``get_glyphs_subset`` while a block cuts from bases (given back too).
_ORIGINAL_CUT = None


class _LeanSubsetModule:
    """``fontTools.subset``, whose :class:`Options` also drop :data:`LAYOUT_TABLES`."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    def Options(self, *args, **kwargs):  # noqa: N802  (fontTools' name)
        options = self._module.Options(*args, **kwargs)
        options.drop_tables = list(options.drop_tables) + [
            t for t in LAYOUT_TABLES if t not in options.drop_tables]
        return options

    def load_font(self, font_file, options, *args, **kwargs):
        """fontTools' ``load_font``, then the layout tables taken out of the loaded font,
        before the subsetter reads them: fontTools reads GSUB and GPOS while it sets the
        subset up (to check their offsets), even when it drops them (27 -> 21 ms a
        subset, median of 15). The legacy ``kern`` table goes with GPOS, as fontTools drops it when
        GPOS is there (``legacy_kern`` off): the subset is the one ``Options`` alone cut,
        byte for byte (tested)."""
        font = self._module.load_font(font_file, options, *args, **kwargs)
        had_gpos = "GPOS" in font
        for tag in LAYOUT_TABLES:
            if tag in font:
                del font[tag]
        if had_gpos and "kern" in font and not getattr(options, "legacy_kern", False):
            del font["kern"]
        return font


@contextmanager
def lean_font_subsets(*, bases: bool = True):
    """In this block, the font subsets matplotlib embeds lack :data:`LAYOUT_TABLES`.

    With ``bases`` (when the outermost block opens), a subset whose glyphs are all in a
    base this process holds is cut from the base, the same bytes faster
    (:mod:`affectctl.report.figures._font_bases`). Nested and concurrent blocks are
    counted: matplotlib gets its own module and function back when the last one ends.
    """
    global _DEPTH, _ORIGINAL, _ORIGINAL_CUT
    from matplotlib.backends import _backend_pdf_ps as shared

    from affectctl.report.figures._font_bases import through_bases

    with _LOCK:
        if _DEPTH == 0:
            original = getattr(shared, "subset", None)
            if original is None or not hasattr(original, "Options"):
                original = None                     # not the way this matplotlib subsets
            else:
                _ORIGINAL = original
                shared.subset = _LeanSubsetModule(original)
                cut = through_bases(shared.get_glyphs_subset) if bases else None
                if cut is not None:
                    _ORIGINAL_CUT = shared.get_glyphs_subset
                    shared.get_glyphs_subset = cut
        lean = _DEPTH > 0 or _ORIGINAL is not None
        if lean:
            _DEPTH += 1
    try:
        yield
    finally:
        if lean:
            with _LOCK:
                _DEPTH -= 1
                if _DEPTH == 0:
                    shared.subset = _ORIGINAL
                    _ORIGINAL = None
                    if _ORIGINAL_CUT is not None:
                        shared.get_glyphs_subset = _ORIGINAL_CUT
                        _ORIGINAL_CUT = None


def prepare_lean_bases(paths=None) -> int:
    """Cut, in this process, the base subsets later lean subsets are cut from (without the
    layout tables, as those subsets):
    :func:`affectctl.report.figures._font_bases.prepare_font_bases`."""
    from functools import partial

    from affectctl.report.figures._font_bases import prepare_font_bases

    return prepare_font_bases(paths, block=partial(lean_font_subsets, bases=False))
