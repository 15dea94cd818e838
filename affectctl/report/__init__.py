"""Reports of a comparison: tables (the only rounding), figures, terminal output, files.

``report/`` never computes statistics: it selects, reshapes, rounds and draws what
:func:`affectctl.compare.compare` computed.

- :mod:`.tables`: the builders :func:`main_table`, :func:`compact_table`,
  :func:`full_table`, :func:`comparison_table`, :func:`degeneracy_table` (full precision);
- :mod:`.notes`: the footnotes the builders attach;
- :mod:`.formatting`: labels, marks, :func:`format_table` (the only rounding);
- :mod:`.markdown`: :func:`to_markdown`, :func:`to_csv`;
- :mod:`.latex`: :func:`to_latex` (any table), :func:`to_latex_compact` (fits
  ``\\columnwidth``) and :func:`to_latex_full` (a ``table*`` that fits ``\\textwidth``);
- :mod:`.html`: ``index.html``, one self-contained page per report;
- :mod:`.figures`: one module per figure kind (``ax=None`` in, ``Axes`` out) and
  :func:`save_figures` (imported lazily: matplotlib loads only when figures are drawn);
- :mod:`.console`: :func:`render_console`;
- :mod:`.writer`: :func:`write_report`, :func:`write_paper_tables`, :func:`write_plan_tables`,
  :func:`write_diagnosis`.
"""

from __future__ import annotations

from affectctl.report.console import render_console
from affectctl.report.formatting import format_table
from affectctl.report.latex import to_latex, to_latex_compact, to_latex_full
from affectctl.report.markdown import to_csv, to_markdown
from affectctl.report.tables import (
    compact_table,
    comparison_table,
    degeneracy_table,
    full_table,
    main_table,
)
from affectctl.report.writer import (
    write_diagnosis,
    write_paper_tables,
    write_plan_tables,
    write_report,
    write_table,
)

__all__ = [
    "main_table",
    "compact_table",
    "full_table",
    "comparison_table",
    "degeneracy_table",
    "format_table",
    "to_markdown",
    "to_latex",
    "to_latex_compact",
    "to_latex_full",
    "to_csv",
    "render_console",
    "write_report",
    "write_paper_tables",
    "write_plan_tables",
    "write_table",
    "write_diagnosis",
    "save_figures",
]


def __getattr__(name):
    if name == "save_figures":
        from affectctl.report.figures import save_figures

        return save_figures
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
