"""The one place figures are written to disk: every format, atomically, reproducibly.

Every ``save_*``/``write_*`` function of :mod:`affectctl.report.figures` draws its
figures and hands each to :func:`write_figure`, which writes one file per format
through :func:`affectctl.io.atomic.atomic_write` (temporary file, then one rename: an
interrupted run never leaves a half-written figure under the final name). PDF and SVG
files carry no date and SVG ids are salted with the file name, so the same result gives
the same bytes (EPS stamps the time unless ``SOURCE_DATE_EPOCH`` is set).

Inside :func:`figure_batch` the figures are held instead and all written when the block
ends, on every usable core (:func:`affectctl._util.forked.run_forked`): drawing a figure
into its formats is most of a report's time, and the figures are independent. Each
figure's formats are written in one process, in order, under the rc settings in force
when :func:`write_figure` was called, so a file has the same bytes whichever process
wrote it, and the same as without a batch.
"""

from __future__ import annotations

import contextvars
import os
import re
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Sequence

from affectctl.errors import ConfigError
from affectctl.io import atomic

__all__ = ["FIGURE_FORMATS", "check_formats", "figure_batch", "load_backends", "safe_name",
           "write_figure"]

#: Formats matplotlib writes without extra dependencies.
FIGURE_FORMATS = ("pdf", "png", "svg", "eps")
#: While a figure's formats are written: ``set_layout_engine(None)`` leaves it without an
#: engine (under an rc asking for one, it would make one, which ``savefig`` would run again
#: when it gives the figure back its engine after a format).
_NO_AUTO_LAYOUT = {"figure.autolayout": False, "figure.constrained_layout.use": False}
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
    paths = {f"{name}.{fmt}": out_dir / f"{name}.{fmt}" for fmt in formats}
    import matplotlib as mpl

    # the settings savefig reads (savefig.*, pdf.fonttype, ...) as they are now
    rc = {k: v for k, v in mpl.rcParams.items() if k != "backend"}
    job = _FigureJob(fig, name, paths, formats, dpi, rc)
    pending = _PENDING.get()
    # a forked worker inherits its parent's batch, which it cannot hand figures to: it writes
    if pending is None or pending[0] != os.getpid():
        job()
    else:
        pending[1].append(job)
    return dict(paths)


class _FigureJob:
    """Writing one figure into each of its formats, in order, under the rc settings ``rc``.

    The figure is laid out and cropped once, before any format is written
    (:func:`_lay_out`); every format then takes those positions and that crop. A PDF and
    a PNG of one figure so show one layout and one crop, and each save draws the figure
    once. Left to itself, ``savefig`` with a layout engine (even the placeholder that
    ``set_layout_engine("none")`` leaves) or ``savefig.bbox: tight`` draws the figure
    twice per format, the first time without output, to lay it out and find its crop;
    while the formats are written the figure therefore has no engine at all (it gets its
    own back after). The 8 figures of a 3,000-row comparison, drawn in one process:
    5.71 CPU-s with the placeholder, 5.01 without (median of 6, interleaved, on a loaded
    2-core machine; ``python benchmarks/bench_figures.py`` gives each figure's CPU per
    format).
    """

    def __init__(self, fig, name, paths, formats, dpi, rc):
        self.fig, self.name, self.paths, self.formats, self.dpi, self.rc = \
            fig, name, paths, formats, dpi, rc

    def __call__(self) -> None:
        import matplotlib as mpl

        from affectctl.report.figures._font_subsets import lean_font_subsets
        from affectctl.report.figures._tick_memo import tick_memo

        engine = self.fig.get_layout_engine()
        # no date in PDF/SVG and fixed SVG ids: the same figure gives the same bytes;
        # embedded fonts without the layout tables no viewer reads (a third of a PDF's time)
        fonts = lean_font_subsets() if {"pdf", "eps"} & set(self.formats) else nullcontext()
        try:
            # each axis's ticks computed once per draw, not twice (_tick_memo: same bytes)
            with mpl.rc_context({**self.rc, "svg.hashsalt": self.name, **_NO_AUTO_LAYOUT}), \
                    fonts, tick_memo():
                crop = _lay_out(self.fig, self.dpi)
                for fmt, path in zip(self.formats, self.paths.values()):
                    atomic.atomic_write(path, lambda tmp, fmt=fmt: self._save(tmp, fmt, crop))
        finally:
            if engine is not None:
                self.fig.set_layout_engine(engine)

    def _save(self, tmp: Path, fmt: str, crop) -> None:
        """Write format ``fmt`` to ``tmp`` through an open file: given a path, the EPS writer
        names that file in the ``%%Title`` comment, and the temporary name is random. PNG
        through :func:`~affectctl.report.figures._png.write_png` (RGB when opaque)."""
        with open(tmp, "wb") as fh:
            if fmt == "png":
                from affectctl.report.figures._png import write_png

                write_png(self.fig, fh, dpi=self.dpi, bbox_inches=crop)
                return
            self.fig.savefig(fh, format=fmt, dpi=self.dpi, bbox_inches=crop,
                             metadata=_NO_DATE.get(fmt))


def _lay_out(fig, dpi: float):
    """Lay ``fig`` out with its layout engine, once, at ``dpi``; return its crop.

    The layout engine (constrained layout) places the axes from the text extents an
    Agg renderer at ``dpi`` measures (the PNG's renderer); it is then set aside (the
    caller puts it back), so no save lays the figure out again. The crop is what
    ``savefig.bbox: tight`` gives (``Figure.get_tightbbox`` padded by
    ``savefig.pad_inches``), measured by the same renderer, in inches; ``None`` (the whole
    figure) when ``savefig.bbox`` is not ``"tight"``. Passing it to ``savefig`` as
    ``bbox_inches`` skips the pass without output each save would otherwise draw (the
    PNG is the same, byte for byte: tested). The figure's canvas and dpi are given back.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    engine = fig.get_layout_engine()
    tight = mpl.rcParams["savefig.bbox"] == "tight"
    if engine is None and not tight:
        return None
    canvas, figure_dpi = fig.canvas, fig.dpi
    try:
        FigureCanvasAgg(fig)                  # the figure's canvas now; given back below
        fig.dpi = dpi
        renderer = fig.canvas.get_renderer()
        if engine is not None:
            engine.execute(fig)
            # no engine at all while the formats are written (the caller's rc holds
            # _NO_AUTO_LAYOUT): ``"none"`` would leave a placeholder engine, for which
            # ``savefig`` draws the figure once more, without output, before each format
            fig.set_layout_engine(None)
        if not tight:
            return None
        return fig.get_tightbbox(renderer).padded(mpl.rcParams["savefig.pad_inches"])
    finally:
        fig.dpi = figure_dpi
        fig.set_canvas(canvas)


def load_backends(formats) -> None:
    """Import what writing ``formats`` imports on first use (matplotlib loads its backends
    lazily), here, once, before the workers are forked: else each worker imports them
    again (~0.3 s of CPU per process for PNG and PDF). For PDF and EPS, also cut the
    default font's base subset, which the workers then cut their subsets from
    (:func:`affectctl.report.figures._font_subsets.prepare_lean_bases`)."""
    formats = set(formats)
    if "png" in formats:
        import PIL.PngImagePlugin  # noqa: F401
        import matplotlib.backends.backend_agg  # noqa: F401
    if "pdf" in formats:
        import fontTools.subset  # noqa: F401
        import matplotlib.backends.backend_pdf  # noqa: F401
    if "svg" in formats:
        import matplotlib.backends.backend_svg  # noqa: F401
    if "eps" in formats:
        import fontTools.subset  # noqa: F401,F811
        import matplotlib.backends.backend_ps  # noqa: F401
    if {"pdf", "eps"} & formats:
        from affectctl.report.figures._font_subsets import prepare_lean_bases

        prepare_lean_bases()


#: ``(pid, figures)`` of the innermost :func:`figure_batch` (None: write at once).
_PENDING: contextvars.ContextVar = contextvars.ContextVar("affectctl_figure_batch", default=None)


@contextmanager
def figure_batch(*, workers: "int | None" = None,
                 progress: "Callable[[int, int, str], None] | None" = None):
    """Hold the figures :func:`write_figure` is given in this block; write them all at its end.

    Parameters
    ----------
    workers : int, optional
        Processes to write them in, this one included (default: every usable core, see
        :func:`affectctl._util.forked.fork_workers`; 1 writes them here, in order).
    progress : callable, optional
        ``progress(done, total, name)`` as each figure (all its formats) is written.

    Notes
    -----
    A batch inside a batch writes its own figures at its own end (a report folder renamed
    into place at the end of a block must hold its figures by then). When the block
    raises, the held figures are not written. :func:`write_figure` returns the file names at once;
    the files exist when the block has ended.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with figure_batch(workers=1):
    ...         fig = Figure(); _ = fig.subplots().plot([0, 1])
    ...         files = write_figure(fig, tmp, "line", ("png",))
    ...         held = (Path(tmp) / "line.png").exists()
    ...     (held, files["line.png"].exists())
    (False, True)
    """
    jobs: list = []
    token = _PENDING.set((os.getpid(), jobs))
    try:
        yield
    finally:
        _PENDING.reset(token)
    from affectctl._util.forked import run_forked

    load_backends({fmt for job in jobs for fmt in job.formats})

    written = 0

    def done(i: int) -> None:
        nonlocal written
        written += 1
        if progress is not None:
            progress(written, len(jobs), jobs[i].name)

    run_forked(jobs, workers=workers, on_done=done)
