"""Where runs live on disk, and the defaults: the one home of the cache layout.

``<cache>/<dataset>/<condition>/seed-<k>.parquet`` is what a sweep writes
(:func:`affectctl.train.runner.sweep`) and ``<dir>/<condition>/seed-<k>.csv|parquet``
what :func:`affectctl.io.runs.load_runs` reads; both take the names below from here.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["DEFAULT_DATASET", "DEFAULT_CACHE", "SEED_FILE", "BAD_SEED_FILE", "SIDECAR",
           "seed_file_name", "dump_path"]

#: The built-in benchmark trained when none is named (``--dataset``).
DEFAULT_DATASET = "sim-affwild2"
#: Where trained runs are cached (``--cache``, ``train --out``).
DEFAULT_CACHE = Path("runs")
#: A dump of one seed: ``seed-<k>.csv`` or ``seed-<k>.parquet``, k a non-negative integer.
SEED_FILE = re.compile(r"^seed-(\d+)\.(csv|parquet)$")
#: A file meant as a dump whose seed is not a non-negative integer (``seed--1.csv``, ``seed-a.csv``).
BAD_SEED_FILE = re.compile(r"^seed-(.*)\.(csv|parquet)$", re.IGNORECASE)
#: Files beside the dumps that belong to them: CSV metadata and training logs.
SIDECAR = re.compile(r"^seed-\d+\.(csv|parquet)\.(meta|timing)\.json$")


def seed_file_name(seed: int, suffix: str = "parquet") -> str:
    """``seed-<seed>.<suffix>`` (matches :data:`SEED_FILE`)."""
    return f"seed-{int(seed)}.{suffix}"


def dump_path(cache: "str | Path", dataset: str, condition: str, seed: int) -> Path:
    """``<cache>/<dataset>/<condition>/seed-<seed>.parquet``: where a sweep writes a run."""
    return Path(cache) / dataset / condition / seed_file_name(seed)
