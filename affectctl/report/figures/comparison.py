"""Every figure of a multi-seed comparison, drawn and written: :func:`save_figures`."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib as mpl
from matplotlib.figure import Figure

from affectctl.report.figures.confusion_arrows import plot_circumplex_map
from affectctl.report.figures.confusion import plot_confusions
from affectctl.report.figures.error_null import error_distance_figure_size, plot_error_distance_figure
from affectctl.report.figures.intervals import save_interval_figures
from affectctl.report.figures.per_video import save_per_video_figures
from affectctl.report.figures.save import check_formats, safe_name, write_figure
from affectctl.report.figures.seeds import plot_paired_seeds
from affectctl.report.figures.style import COLUMN_WIDTH, PAGE_WIDTH, PAPER_RC, _colors_for, _confusions_size, _map_size

__all__ = ["save_figures"]


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
        ``progress(done, total, name)`` after each figure is written.

    Returns
    -------
    dict
        ``{file name: Path}`` for ``circumplex_map``, ``confusion``,
        ``paired_seeds_<metric>`` (every headline metric) and ``error_distance_null``
        (when the result has error nulls), each in every format. Files are written
        atomically (temporary file, then rename).
    """
    formats = check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    colors = _colors_for(list(result.conditions), colors, result.baseline)
    written: dict = {}
    summary = result.summary()
    from affectctl.report.tables import primary_test

    test = primary_test(result, ("wilcoxon", "signflip", "ar", "bootstrap"))
    geo = getattr(getattr(result, "geometry", None), "geometry", None)
    unit = f"{getattr(geo, 'name', 'VA')} VA units"
    n_paired = len(result.headline_metrics) if len(result.seeds) > 1 else 0
    from affectctl.report.figures.intervals import interval_rows

    rows = interval_rows(result, primary=test)
    n_intervals = rows[rows["ci_low"].notna()].groupby(["a", "b"]).ngroups if len(rows) else 0
    n_per_video = sum(getattr(result, k, None) is not None and len(getattr(result, k))
                      for k in ("per_group", "reliability"))
    n_total = 2 + n_intervals + n_paired + (1 if result.error_null else 0) + n_per_video
    done = 0

    def tick(name):
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, n_total, name)

    with mpl.rc_context(PAPER_RC):
        fig = Figure(figsize=_map_size(len(result.conditions)), layout="constrained")
        plot_circumplex_map(result, conditions=result.conditions, top_k=top_k, colors=colors,
                            fig=fig)
        written.update(write_figure(fig, out_dir, "circumplex_map", formats, dpi=dpi))
        tick("circumplex_map")

        fig = Figure(figsize=_confusions_size(len(result.conditions), len(result.taxonomy.classes)),
                     layout="constrained")
        plot_confusions(result, fig=fig)
        written.update(write_figure(fig, out_dir, "confusion", formats, dpi=dpi))
        tick("confusion")

        # the answer: Δ with its interval per comparison, one row per metric
        for name in _stems(save_interval_figures(result, out_dir, formats, primary=test,
                                                 dpi=dpi), written):
            tick(name)

        # one run per condition: nothing to pair over seeds (see .single)
        n_pairs = max(1, len(result.conditions) - 1)
        for metric in result.headline_metrics if len(result.seeds) > 1 else ():
            # one pair of columns per condition: a column wide up to 3, the page beyond
            fig = Figure(figsize=(COLUMN_WIDTH if n_pairs <= 3 else PAGE_WIDTH, 2.9),
                         layout="constrained")
            means = summary[summary["metric"] == metric].set_index("condition")["mean"].to_dict()
            plot_paired_seeds(result.metrics, metric, result.conditions, ax=fig.subplots(),
                              colors=colors, means=means, baseline=result.baseline,
                              comparisons=result.comparisons, test=test)
            written.update(write_figure(fig, out_dir, f"paired_seeds_{safe_name(metric)}", formats, dpi=dpi))
            tick(f"paired_seeds_{metric}")

        if result.error_null:
            nulls = {c: result.error_null[c] for c in result.conditions if c in result.error_null}
            fig = Figure(figsize=error_distance_figure_size(len(nulls)), layout="constrained")
            plot_error_distance_figure(nulls, fig=fig, colors=colors, baseline=result.baseline,
                                       unit=unit)
            written.update(write_figure(fig, out_dir, "error_distance_null", formats, dpi=dpi))
            tick("error_distance_null")

        # the per-video view: where each comparison is won and lost; calibration per run
        for name in _stems(save_per_video_figures(result, out_dir, formats, colors=colors,
                                                  dpi=dpi), written):
            tick(name)
    return written


def _stems(files: dict, written: dict) -> list:
    """Add ``files`` to ``written``; return the figures' names (one per figure, not per format)."""
    written.update(files)
    return list(dict.fromkeys(Path(n).stem for n in files))
