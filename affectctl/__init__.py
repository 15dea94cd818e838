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

The package map, in the direction the data flows (each layer imports only the layers
below it; docs/architecture.md has the details)::

    cli/        the command line, one module per command
    report/     tables, LaTeX/Markdown/HTML, figures/, the report writer, plans
    audit/ compare/ diagnose/   the analyses (none imports another)
    controls/   error-distance null, geometry permutation and sensitivity, probes
    stats/      paired tests over seeds and samples (samples/), contingency, power;
                one result type per family (results), one Interval (intervals)
    metrics/    metric functions, the id catalog, all metrics of one dump
    io/         the dump contract, dumps, runs folders; adapters under io/formats/
    domain/     taxonomies, valence-arousal geometries, FACS
    _util/      validation, JSON, provenance, resources, display
    train/      the training core (``train`` extra), called only by cli and plans
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from affectctl._version import __version__ as __version__

#: Public name -> the module that defines it (imported on first use).
_LAZY = {
    # reading predictions
    "read_predictions": "affectctl.io.predictions",
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
    "compute_metrics": "affectctl.metrics.compute",
    # reports
    "write_report": "affectctl.report.writer",
    # vocabularies
    "GEOMETRIES": "affectctl.domain.geometries",
    "Geometry": "affectctl.domain.geometries",
    "cost_matrix": "affectctl.domain.geometries",
    "get_geometry": "affectctl.domain.geometries",
    "TAXONOMIES": "affectctl.domain.taxonomies",
    "Taxonomy": "affectctl.domain.taxonomies",
    "get_taxonomy": "affectctl.domain.taxonomies",
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
    from affectctl.audit import AuditReport as AuditReport
    from affectctl.audit import audit as audit
    from affectctl.domain.geometries import GEOMETRIES as GEOMETRIES
    from affectctl.domain.geometries import Geometry as Geometry
    from affectctl.domain.geometries import cost_matrix as cost_matrix
    from affectctl.domain.geometries import get_geometry as get_geometry
    from affectctl.compare import ComparisonResult as ComparisonResult
    from affectctl.compare import compare as compare
    from affectctl.diagnose import DiagnosisResult as DiagnosisResult
    from affectctl.diagnose import diagnose as diagnose
    from affectctl.errors import AffectctlError as AffectctlError
    from affectctl.errors import ConfigError as ConfigError
    from affectctl.errors import DegenerateDataWarning as DegenerateDataWarning
    from affectctl.errors import DumpFormatError as DumpFormatError
    from affectctl.errors import InputWarning as InputWarning
    from affectctl.errors import PairingError as PairingError
    from affectctl.errors import TrainingError as TrainingError
    from affectctl.io.dumps import dump_from_frame as dump_from_frame
    from affectctl.io.dumps import read_dump as read_dump
    from affectctl.io.dumps import write_dump as write_dump
    from affectctl.io.predictions import read_predictions as read_predictions
    from affectctl.io.runs import RunSet as RunSet
    from affectctl.io.runs import load_runs as load_runs
    from affectctl.io.schema import Dump as Dump
    from affectctl.metrics.compute import compute_metrics as compute_metrics
    from affectctl.report.writer import write_report as write_report
    from affectctl.stats.power import PowerReport as PowerReport
    from affectctl.stats.power import power_analysis

    power = power_analysis
    from affectctl.domain.taxonomies import TAXONOMIES as TAXONOMIES
    from affectctl.domain.taxonomies import Taxonomy as Taxonomy
    from affectctl.domain.taxonomies import get_taxonomy as get_taxonomy
