"""Figures of every analysis, one module per figure kind; saving in one place.

- :mod:`.style`: the palette (:data:`OKABE_ITO`, :func:`condition_colors`), print sizes
  (:data:`COLUMN_WIDTH`, :data:`PAGE_WIDTH`) and :data:`PAPER_RC`;
- :mod:`.confusion_arrows`: confusions as arrows on the valence–arousal plane
  (:func:`plot_circumplex`, :func:`plot_circumplex_change`, :func:`plot_circumplex_map`);
- :mod:`.confusion`: confusion-matrix heatmaps (:func:`plot_confusion`,
  :func:`plot_confusion_difference`, :func:`plot_confusions`);
- :mod:`.seeds`: paired seeds (:func:`plot_paired_seeds`, :func:`p_text`);
- :mod:`.error_null`: the error-distance null (:func:`plot_error_distance_null`,
  :func:`plot_error_distance_means`, :func:`plot_error_distance_figure`);
- :mod:`.single`: single-run comparisons (:func:`plot_f1_differences`);
- :mod:`.geometry_overlay`: the geometry overlay of ``geometry_sensitivity``;
- :mod:`.diagnose`: the figures of ``affectctl diagnose``;
- :mod:`.comparison`: :func:`save_figures`, every figure of a comparison;
- :mod:`.save`: :func:`write_figure`, the only function that writes a figure file
  (atomically, via :func:`affectctl.io.atomic.atomic_write`).

Conventions (after rliable's ``plot_utils``): single-panel functions take ``ax=None``
and return the :class:`~matplotlib.axes.Axes` they drew on; multi-panel functions take
``fig=None`` and return the :class:`~matplotlib.figure.Figure`. Only when ``ax``/``fig``
is None do they create one (with :mod:`matplotlib.pyplot`). None of them shows or saves
anything. Colours come from a ``{condition: colour}`` mapping; panels fit a 3.3 in paper
column and text is at least 7 pt under :data:`PAPER_RC`, the style the ``save_*``/``write_*``
functions draw and save with. They draw on :class:`matplotlib.figure.Figure` objects made
without pyplot, so they work under any backend and leave no open pyplot figure behind.

The functions compute no statistic: confusion rates (row-normalised counts, pooled
over seeds) and per-condition means of plotted points are drawing aids; p-values
and null distributions come from the result.
"""

from __future__ import annotations

from affectctl.report.figures.confusion_arrows import (
    CHANGE_COLORS,
    plot_circumplex,
    plot_circumplex_change,
    plot_circumplex_map,
)
from affectctl.report.figures.comparison import save_figures
from affectctl.report.figures.confusion import plot_confusion, plot_confusion_difference, plot_confusions
from affectctl.report.figures.diagnose import (
    STATUS_COLOURS,
    plot_pair_graph,
    plot_pair_rates,
    plot_projection,
    save_figure,
    write_diagnose_figures,
)
from affectctl.report.figures.error_null import (
    plot_error_distance_figure,
    plot_error_distance_means,
    plot_error_distance_null,
)
from affectctl.report.figures.geometry_overlay import ellipse_points, plot_geometry_overlay, write_geometry_figure
from affectctl.report.figures.save import FIGURE_FORMATS, write_figure
from affectctl.report.figures.seeds import p_text, plot_paired_seeds
from affectctl.report.figures.single import plot_f1_differences, save_single_run_figures
from affectctl.report.figures.style import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH, PAPER_RC, condition_colors

__all__ = [
    "OKABE_ITO",
    "PAPER_RC",
    "COLUMN_WIDTH",
    "PAGE_WIDTH",
    "condition_colors",
    "plot_circumplex",
    "plot_circumplex_map",
    "plot_circumplex_change",
    "CHANGE_COLORS",
    "plot_confusion",
    "plot_confusion_difference",
    "plot_confusions",
    "plot_paired_seeds",
    "p_text",
    "plot_error_distance_null",
    "plot_error_distance_means",
    "plot_error_distance_figure",
    "plot_f1_differences",
    "plot_geometry_overlay",
    "ellipse_points",
    "plot_pair_graph",
    "plot_pair_rates",
    "plot_projection",
    "STATUS_COLOURS",
    "FIGURE_FORMATS",
    "write_figure",
    "save_figure",
    "save_figures",
    "save_single_run_figures",
    "write_geometry_figure",
    "write_diagnose_figures",
]
