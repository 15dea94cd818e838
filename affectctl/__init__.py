"""affectctl: did a change to affect-recognition training really help, and why?

Per-seed prediction dumps in; official benchmark metrics, error geometry, paired
statistics over seeds and samples, rare-pair diagnostics, tables and figures out.

The public API is the names in :data:`__all__`; everything else is internal and may
change without notice. A typical session::

    import affectctl

    runs = affectctl.load_runs("examples/runs", ["base", "circumplex", "uniform"])
    result = affectctl.compare(runs, "base", ("circumplex", "uniform"))
    result                      # a compact summary (an HTML table in a notebook)
    result.to_frame()           # one tidy row per (a, b, metric, test)
    affectctl.write_report(result, "reports/main")

Attributes load lazily (PEP 562): ``import affectctl`` imports none of numpy's heavy
neighbours (SciPy's optimisers, statsmodels, numba, matplotlib, torch); each public
name imports its module the first time it is used. The training core lives in
:mod:`affectctl.train` (the ``train`` extra).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

#: Public name -> the module that defines it (imported on first use).
_LAZY = {
    # reading predictions
    "read_predictions": "affectctl.io.paired",
    "read_dump": "affectctl.io.dumps",
    "write_dump": "affectctl.io.dumps",
    "dump_from_frame": "affectctl.io.dumps",
    "load_runs": "affectctl.io.runs",
    "RunSet": "affectctl.io.runs",
    "Dump": "affectctl.io.schema",
    # analyses
    "audit": "affectctl.audit",
    "AuditReport": "affectctl.audit",
    "compare": "affectctl.compare",
    "ComparisonResult": "affectctl.compare",
    "diagnose": "affectctl.diagnose",
    "DiagnosisResult": "affectctl.diagnose",
    "power": "affectctl.stats.power",
    "PowerReport": "affectctl.stats.power",
    "compute_metrics": "affectctl.metrics.registry",
    # reports
    "write_report": "affectctl.report.writer",
    # vocabularies
    "GEOMETRIES": "affectctl.circumplex",
    "Geometry": "affectctl.circumplex",
    "cost_matrix": "affectctl.circumplex",
    "get_geometry": "affectctl.circumplex",
    "TAXONOMIES": "affectctl.taxonomies",
    "Taxonomy": "affectctl.taxonomies",
    "get_taxonomy": "affectctl.taxonomies",
    # errors and warnings
    "AffectctlError": "affectctl.errors",
    "ConfigError": "affectctl.errors",
    "DumpFormatError": "affectctl.errors",
    "PairingError": "affectctl.errors",
    "TrainingError": "affectctl.errors",
    "DegenerateDataWarning": "affectctl.errors",
    "InputWarning": "affectctl.errors",
}

#: Public names whose attribute in their module is named differently.
_RENAMED = {"power": "power_analysis"}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


#: Public functions named like the module that defines them.
_SHADOWED = frozenset({"audit", "compare", "diagnose"})


class _Package(types.ModuleType):
    """``affectctl.compare`` stays the function after ``affectctl.compare`` the subpackage is
    imported: the import system's ``setattr(affectctl, "compare", <module>)`` is ignored for
    :data:`_SHADOWED` (the module stays in ``sys.modules``, where ``from affectctl.compare
    import ...`` finds it)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # what type checkers and IDEs see; nothing is imported at run time
    # `name as name`: an explicit re-export (mypy --strict, no_implicit_reexport)
    from .audit import AuditReport as AuditReport
    from .audit import audit as audit
    from .circumplex import GEOMETRIES as GEOMETRIES
    from .circumplex import Geometry as Geometry
    from .circumplex import cost_matrix as cost_matrix
    from .circumplex import get_geometry as get_geometry
    from .compare import ComparisonResult as ComparisonResult
    from .compare import compare as compare
    from .diagnose import DiagnosisResult as DiagnosisResult
    from .diagnose import diagnose as diagnose
    from .errors import AffectctlError as AffectctlError
    from .errors import ConfigError as ConfigError
    from .errors import DegenerateDataWarning as DegenerateDataWarning
    from .errors import DumpFormatError as DumpFormatError
    from .errors import InputWarning as InputWarning
    from .errors import PairingError as PairingError
    from .errors import TrainingError as TrainingError
    from .io.dumps import dump_from_frame as dump_from_frame
    from .io.dumps import read_dump as read_dump
    from .io.dumps import write_dump as write_dump
    from .io.paired import read_predictions as read_predictions
    from .io.runs import RunSet as RunSet
    from .io.runs import load_runs as load_runs
    from .io.schema import Dump as Dump
    from .metrics.registry import compute_metrics as compute_metrics
    from .report.writer import write_report as write_report
    from .stats.power import PowerReport as PowerReport
    from .stats.power import power_analysis

    power = power_analysis
    from .taxonomies import TAXONOMIES as TAXONOMIES
    from .taxonomies import Taxonomy as Taxonomy
    from .taxonomies import get_taxonomy as get_taxonomy
