"""Options several commands share, declared once (``Annotated`` types for typer).

A command writes ``runs: options.Runs = None``; the default stays in its signature. An
option whose words differ between commands on purpose (``--json`` of ``diagnose``,
``--quiet`` of ``train``) is declared by that command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from affectctl.io.layout import DEFAULT_DATASET

__all__ = ["Runs", "Dataset", "Seeds", "Cache", "Taxonomy", "Json", "Quiet"]

#: ``--runs``: analyse existing dumps instead of training the built-in benchmark.
Runs = Annotated[Optional[Path], typer.Option(
    "--runs", help="Folder of <condition>/seed-<k>.csv|parquet dumps. Without it, runs are "
                   "trained on the built-in data.")]
#: ``--dataset``: the built-in benchmark trained when ``--runs`` is not given.
Dataset = Annotated[Optional[str], typer.Option(
    "--dataset", help=f"Built-in dataset to train on when --runs is not given: {DEFAULT_DATASET} "
                      "(default) or sim-affectnet.")]
#: ``--seeds``: how many seeds to train when ``--runs`` is not given.
Seeds = Annotated[int, typer.Option("--seeds", help="Seeds to train when --runs is not given.")]
#: ``--cache``: where trained runs are cached (default :data:`affectctl.io.layout.DEFAULT_CACHE`).
Cache = Annotated[Path, typer.Option("--cache", help="Where trained runs are cached.")]
#: ``--taxonomy``: override the dumps' label space.
Taxonomy = Annotated[Optional[str], typer.Option("--taxonomy", help="Override the dumps' taxonomy.")]
#: ``--json``: one JSON document on stdout.
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
#: ``--quiet``/``-q``: no progress bars, the summary line only.
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary line.")]
