"""Every figure of a multi-seed comparison, drawn and written: :func:`save_figures`."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Mapping, Sequence

import matplotlib as mpl
from matplotlib.figure import Figure

from affectctl.report.figures.confusion_arrows import plot_circumplex_map
from affectctl.report.figures.confusion import plot_confusions
from affectctl.report.figures.error_null import error_distance_figure_size, plot_error_distance_figure
from affectctl.report.figures.intervals import interval_figure_parts
from affectctl.report.figures.per_video import per_video_figure_parts
from affectctl.report.figures.save import check_formats, safe_name, write_figure
from affectctl.report.figures.seeds import plot_paired_seeds
from affectctl.report.figures.style import COLUMN_WIDTH, PAGE_WIDTH, PAPER_RC, _colors_for, _confusions_size, _map_size

__all__ = ["figure_parts", "save_figures"]


def save_figures(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                 colors: Mapping[str, str] | None = None, dpi: int = 300,
                 top_k: int = 5, progress=None) -> dict:
    """Draw and write every figure of a comparison.

    Parameters
    ----------
    result : ComparisonResult
    out_dir : str or Path
        Created if needed.
    formats : sequence of {"pdf", "png", "svg", "eps"}, default ("pdf", "png")
    colors : mapping, optional
        ``{condition: colour}``; default :func:`condition_colors`.
    dpi : int, default 300
        Resolution of raster formats.
    top_k : int, default 5
        Arrows per circumplex panel.
    progress : callable, optional
        ``progress(done, total, name)`` after each part (:func:`figure_parts`) is written.

    Returns
    -------
    dict
        ``{file name: Path}`` for ``circumplex_map``, ``confusion``,
        ``delta_intervals_<a>-vs-<b>``, ``paired_seeds_<metric>`` (every headline
        metric), ``error_distance_null`` (when the result has error nulls) and the
        per-video figures, each in every format. Files are written atomically
        (temporary file, then rename).
    """
    parts = figure_parts(result, out_dir, formats, colors=colors, dpi=dpi, top_k=top_k)
    written: dict = {}
    for done, (name, draw) in enumerate(parts, start=1):
        written.update(draw())
        if progress is not None:
            progress(done, len(parts), name)
    return written


def figure_parts(result, out_dir, formats: Sequence[str] = ("pdf", "png"), *,
                 colors: Mapping[str, str] | None = None, dpi: int = 300,
                 top_k: int = 5) -> list:
    """The figures of :func:`save_figures` as independent parts: ``[(name, draw)]``.

    ``draw()`` draws its figure(s) under :data:`~affectctl.report.figures.PAPER_RC`,
    writes them and returns ``{file name: Path}``. The parts share nothing, so they can
    be drawn in any order and in any process (:func:`affectctl._util.forked.run_forked`):
    each file has the same bytes as when :func:`save_figures` draws them one by one.
    """
    formats = check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    colors = _colors_for(list(result.conditions), colors, result.baseline)
    from affectctl.report.tables import primary_test

    test = primary_test(result, ("wilcoxon", "signflip", "ar", "bootstrap"))
    geo = getattr(getattr(result, "geometry", None), "geometry", None)
    unit = f"{getattr(geo, 'name', 'VA')} VA units"

    def circumplex():
        fig = Figure(figsize=_map_size(len(result.conditions)), layout="constrained")
        plot_circumplex_map(result, conditions=result.conditions, top_k=top_k, colors=colors,
                            fig=fig)
        return write_figure(fig, out_dir, "circumplex_map", formats, dpi=dpi)

    def confusion():
        fig = Figure(figsize=_confusions_size(len(result.conditions), len(result.taxonomy.classes)),
                     layout="constrained")
        plot_confusions(result, fig=fig)
        return write_figure(fig, out_dir, "confusion", formats, dpi=dpi)

    def paired_seeds(metric):
        # one pair of columns per condition: a column wide up to 3, the page beyond
        n_pairs = max(1, len(result.conditions) - 1)
        summary = result.summary()
        fig = Figure(figsize=(COLUMN_WIDTH if n_pairs <= 3 else PAGE_WIDTH, 2.9),
                     layout="constrained")
        means = summary[summary["metric"] == metric].set_index("condition")["mean"].to_dict()
        plot_paired_seeds(result.metrics, metric, result.conditions, ax=fig.subplots(),
                          colors=colors, means=means, baseline=result.baseline,
                          comparisons=result.comparisons, test=test)
        return write_figure(fig, out_dir, f"paired_seeds_{safe_name(metric)}", formats, dpi=dpi)

    def error_null():
        nulls = {c: result.error_null[c] for c in result.conditions if c in result.error_null}
        fig = Figure(figsize=error_distance_figure_size(len(nulls)), layout="constrained")
        plot_error_distance_figure(nulls, fig=fig, colors=colors, baseline=result.baseline,
                                   unit=unit)
        return write_figure(fig, out_dir, "error_distance_null", formats, dpi=dpi)

    parts = [("circumplex_map", circumplex), ("confusion", confusion)]
    # the answer: Δ with its interval per comparison, one row per metric
    parts += interval_figure_parts(result, out_dir, formats, primary=test, dpi=dpi)
    # one run per condition: nothing to pair over seeds (see .single)
    parts += [(f"paired_seeds_{m}", partial(paired_seeds, m))
              for m in (result.headline_metrics if len(result.seeds) > 1 else ())]
    if result.error_null:
        parts.append(("error_distance_null", error_null))
    parts = [(name, partial(_under_paper_rc, draw)) for name, draw in parts]
    # where each comparison is won and lost; calibration per run
    return parts + per_video_figure_parts(result, out_dir, formats, colors=colors, dpi=dpi)


def _under_paper_rc(draw) -> dict:
    with mpl.rc_context(PAPER_RC):
        return draw()
