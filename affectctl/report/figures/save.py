"""The one place figures are written to disk: every format, atomically, reproducibly.

Every ``save_*``/``write_*`` function of :mod:`affectctl.report.figures` draws its
figures and hands each to :func:`write_figure`, which writes one file per format
through :func:`affectctl.io.atomic.atomic_write` (temporary file, then one rename: an
interrupted run never leaves a half-written figure under the final name). PDF and SVG
files carry no date and SVG ids are salted with the file name, so the same result gives
the same bytes (EPS stamps the time unless ``SOURCE_DATE_EPOCH`` is set).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from affectctl.errors import ConfigError
from affectctl.io import atomic

__all__ = ["FIGURE_FORMATS", "check_formats", "safe_name", "write_figure"]

#: Formats matplotlib writes without extra dependencies.
FIGURE_FORMATS = ("pdf", "png", "svg", "eps")
#: Metadata that leaves the date out, per format (EPS takes SOURCE_DATE_EPOCH only).
_NO_DATE = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}


def check_formats(formats: Sequence[str]) -> tuple:
    """``formats`` as a tuple, each in :data:`FIGURE_FORMATS`; else :class:`ConfigError`.

    >>> check_formats(["pdf", "png"])
    ('pdf', 'png')
    """
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        raise ConfigError(f"`formats` entries must be in {set(FIGURE_FORMATS)}; got {list(formats)}.")
    return formats


def safe_name(text: str) -> str:
    """``text`` as a file-name stem: runs of characters other than ``A-Za-z0-9_.-`` become ``-``.

    >>> safe_name("f1:Happy / Sad")
    'f1-Happy-Sad'
    """
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def write_figure(fig, out_dir: "str | Path", name: str, formats: Sequence[str] = ("pdf", "png"),
                 *, dpi: int = 300) -> dict:
    """Write ``fig`` as ``<out_dir>/<name>.<fmt>`` for every format; return ``{file name: Path}``.

    Parameters
    ----------
    fig : matplotlib Figure
        Drawn already; saved with the rc settings in force (figures are drawn and
        saved under :data:`~affectctl.report.figures.PAPER_RC`, which crops to the
        drawn area).
    out_dir : str or Path
        Created if needed.
    name : str
        File stem (see :func:`safe_name` for stems built from user names).
    formats : sequence of {"pdf", "png", "svg", "eps"}, default ("pdf", "png")
    dpi : int, default 300
        Resolution of raster formats.
    """
    formats = check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    import matplotlib as mpl

    for fmt in formats:
        path = out_dir / f"{name}.{fmt}"
        # no date in PDF/SVG and fixed SVG ids: the same figure gives the same bytes
        with mpl.rc_context({"svg.hashsalt": name}):
            atomic.atomic_write(path, lambda tmp, fmt=fmt: fig.savefig(
                tmp, format=fmt, dpi=dpi, metadata=_NO_DATE.get(fmt)))
        out[path.name] = path
    return out
