"""affectctl: did a change to affect-recognition training really help, and why?

Per-seed prediction dumps in; official benchmark metrics, error geometry, paired
statistics over seeds and samples, rare-pair diagnostics, tables and figures out.
``import affectctl`` loads neither torch nor POT; the training core lives in
``affectctl.train`` (the ``train`` extra).
"""

from .audit import audit
from .circumplex import GEOMETRIES, Geometry, cost_matrix, get_geometry
from .compare import ComparisonResult, compare
from .io.dumps import dump_from_frame, read_dump, write_dump
from .errors import (
    AffectctlError,
    ConfigError,
    DegenerateDataWarning,
    InputWarning,
    DumpFormatError,
    PairingError,
    TrainingError,
)
from .metrics.registry import compute_metrics
from .io.readers import read_predictions
from .io.runs import RunSet, load_runs
from .io.schema import Dump
from .taxonomies import TAXONOMIES, Taxonomy, get_taxonomy

__version__ = "0.1.0"

__all__ = [
    "AffectctlError",
    "ComparisonResult",
    "RunSet",
    "audit",
    "compare",
    "compute_metrics",
    "load_runs",
    "read_predictions",
    "ConfigError",
    "DegenerateDataWarning",
    "InputWarning",
    "Dump",
    "DumpFormatError",
    "GEOMETRIES",
    "Geometry",
    "PairingError",
    "TrainingError",
    "TAXONOMIES",
    "Taxonomy",
    "cost_matrix",
    "dump_from_frame",
    "get_geometry",
    "get_taxonomy",
    "read_dump",
    "write_dump",
    "__version__",
]
