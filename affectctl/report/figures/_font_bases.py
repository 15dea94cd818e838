"""Font subsets cut from a smaller font held in memory: the same bytes, a fifth of the time.

Every PDF (and EPS) figure embeds a subset of DejaVu Sans, cut by fontTools from the
font file (:mod:`affectctl.report.figures._font_subsets`). Cutting reads and decompiles
the whole font's glyph, metrics and name tables, for 6,241 glyphs, whatever the subset
holds: a subset of 1 glyph (matplotlib 3.11 cuts a second, tiny subset for some
figures) costs what one of 50 does. A 3,000-row comparison's 8 figures cut 12 subsets.

:func:`prepare_font_bases` cuts, once per process (the report does it before it forks
its figure workers, which inherit it), a *base* of each font: the subset of every glyph
the font maps from the Unicode blocks of :data:`BASE_BLOCKS` (Latin, Greek,
punctuation, super- and subscripts, letterlike symbols, arrows, mathematical operators,
geometric shapes, the Latin ligatures: 1,441 glyphs of DejaVu Sans), cut by matplotlib's
own ``get_glyphs_subset`` with the lean options
(:func:`~affectctl.report.figures._font_subsets.prepare_lean_bases`). Inside
:func:`~affectctl.report.figures._font_subsets.lean_font_subsets`, a subset whose glyphs
are all in a base is then cut from the base instead of the file: 9 ms
instead of 50 ms (median of 9, either size, DejaVu Sans, fontTools 4.69, on a loaded
2-core machine; the base itself took 58 ms). Anything else (a glyph outside the blocks,
another font) is cut from the file as before.

The subset is the same, byte for byte, and so is the glyph-index map matplotlib writes
the file's character-to-glyph map from (tested: ``tests/report/test_font_bases.py``):
fontTools keeps the retained glyphs in their original order with their names, and a
base holds every glyph (components of composite glyphs included) a subset of its
glyphs retains. A figure's PDF is therefore the same file either way.

Only matplotlib >= 3.11 is served (its ``get_glyphs_subset`` takes glyph indices and
returns the glyph-index map); with an older one :func:`prepare_font_bases` does nothing.
"""

from __future__ import annotations

import io
import logging
import threading
from contextlib import contextmanager, nullcontext

__all__ = ["BASE_BLOCKS", "prepare_font_bases", "through_bases"]

_log = logging.getLogger(__name__)

#: Unicode blocks ``[start, stop)`` a base holds: every code point the font maps in them.
BASE_BLOCKS = (
    (0x0020, 0x0250),   # Basic Latin, Latin-1 Supplement, Latin Extended-A and -B
    (0x0370, 0x0400),   # Greek and Coptic
    (0x2000, 0x20D0),   # General Punctuation, Superscripts and Subscripts, Currency
    (0x2100, 0x2150),   # Letterlike Symbols
    (0x2190, 0x2300),   # Arrows, Mathematical Operators
    (0x25A0, 0x2600),   # Geometric Shapes
    (0xFB00, 0xFB07),   # Latin ligatures: ff, fi, fl, ffi, ffl, long st, st (matplotlib
                        # >= 3.11 shapes text and embeds them, in a subset of their own)
)


class _Base:
    """A base font: its bytes and ``{glyph index in the file: glyph index in the base}``."""

    def __init__(self, data: bytes, index_map: "dict[int, int]") -> None:
        self.data, self.index_map = data, index_map


class _BaseFile(io.BytesIO):
    """A base as the file ``get_glyphs_subset`` reads (it asks for ``face_index``)."""

    face_index = 0


_LOCK = threading.Lock()
#: ``{(font file, face index): _Base}`` of this process (forked workers inherit it).
_BASES: "dict[tuple[str, int], _Base]" = {}


def _served() -> bool:
    from matplotlib import font_manager
    from matplotlib.backends import _backend_pdf_ps

    return hasattr(font_manager, "FontPath") and hasattr(_backend_pdf_ps, "SubsetResults")


def prepare_font_bases(paths=None, *, block=None) -> int:
    """Cut the base of each font file of ``paths`` not cut yet in this process; return how
    many bases this process holds.

    Parameters
    ----------
    paths : iterable of str, optional
        TrueType font files (face 0). Default: the file matplotlib finds for the default
        font properties under the rc settings in force (DejaVu Sans unless a matplotlibrc
        chooses another).
    block : callable, optional
        The context the base is cut in, so that it holds what a subset cut in that
        context holds: :func:`~affectctl.report.figures._font_subsets.prepare_lean_bases`
        passes the lean subsets' block (without bases). Default: none (matplotlib's cut).

    Notes
    -----
    A font that cannot be cut (not TrueType, unreadable) gets no base and is cut from its
    file as matplotlib does; that is logged (``logging``, at debug level), as nothing
    on the page changes.
    """
    if not _served():
        return 0
    from matplotlib import font_manager

    if paths is None:
        paths = [font_manager.findfont(font_manager.FontProperties())]
    with _LOCK:
        for path in paths:
            path = _plain(path)
            key = (path, 0)
            if key in _BASES or not path.lower().endswith(".ttf"):
                continue
            try:
                _BASES[key] = _cut_base(font_manager.FontPath(path, 0), block or nullcontext)
            except Exception as exc:                  # noqa: BLE001  (an optimisation only)
                _log.debug("no base subset of %s: %s", path, exc)
        return len(_BASES)


def _plain(path) -> str:
    """A font file's path as a plain ``str`` (matplotlib's ``FontPath``, a ``str``, compares
    unequal to one)."""
    import os

    return str.__str__(os.fspath(path))


def _cut_base(font_path, block) -> _Base:
    from matplotlib.backends import _backend_pdf_ps
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(font_path.path).get_charmap()      # {code point: glyph index}
    glyphs = sorted({g for code, g in charmap.items()
                     if any(lo <= code < hi for lo, hi in BASE_BLOCKS)})
    with block():
        with _backend_pdf_ps.get_glyphs_subset(font_path, glyphs) as cut:
            data = _backend_pdf_ps.font_as_file(cut.font).getvalue()
            return _Base(data, dict(cut.glyph_index_map))


def through_bases(original):
    """``get_glyphs_subset`` that cuts from a base when it holds every glyph asked for,
    else calls ``original`` (matplotlib's) on the file; None when no base is held."""
    if not _BASES or not _served():
        return None
    from matplotlib.backends._backend_pdf_ps import SubsetResults

    def get_glyphs_subset(fontfile, glyphs):
        glyphs = list(glyphs)
        base = _BASES.get((_plain(fontfile), getattr(fontfile, "face_index", 0)))
        if base is None or not all(g in base.index_map for g in glyphs):
            return original(fontfile, glyphs)
        return _composed(original(_BaseFile(base.data), [base.index_map[g] for g in glyphs]),
                         base.index_map, SubsetResults)

    get_glyphs_subset.__wrapped__ = original
    return get_glyphs_subset


@contextmanager
def _composed(cut, base_map: dict, results):
    """The subset ``cut`` of a base, its glyph-index map taken back to the file's indices
    (file -> base -> subset: every glyph the subset retains)."""
    with cut as subset:
        from_base = subset.glyph_index_map
        yield results(subset.font, {g: from_base[b] for g, b in base_map.items()
                                    if b in from_base})
