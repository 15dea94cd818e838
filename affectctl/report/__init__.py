"""Reports of a comparison: tables (the only rounding), figures, terminal output, files.

``report/`` never computes statistics: it selects, reshapes, rounds and draws what
:func:`affectctl.compare.compare` computed.

- :mod:`.tables`: :func:`main_table`, :func:`comparison_table`, :func:`degeneracy_table`
  and the writers :func:`to_markdown`, :func:`to_latex`, :func:`to_csv`;
- :mod:`.figures`: plotting functions (``ax=None`` in, ``Axes`` out) and
  :func:`save_figures` (imported lazily: matplotlib loads only when figures are drawn);
- :mod:`.console`: :func:`render_console`;
- :mod:`.writer`: :func:`write_report`, :func:`write_plan_tables`.
"""

from __future__ import annotations

from .console import render_console
from .tables import (
    comparison_table,
    degeneracy_table,
    format_table,
    main_table,
    to_csv,
    to_latex,
    to_markdown,
)
from .writer import write_plan_tables, write_report, write_table

__all__ = [
    "main_table",
    "comparison_table",
    "degeneracy_table",
    "format_table",
    "to_markdown",
    "to_latex",
    "to_csv",
    "render_console",
    "write_report",
    "write_plan_tables",
    "write_table",
    "save_figures",
]


def __getattr__(name):
    if name == "save_figures":
        from .figures import save_figures

        return save_figures
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
