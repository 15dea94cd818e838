"""Options several commands share, declared once (``Annotated`` types for typer).

A command writes ``runs: options.Runs = None``; the default stays in its signature. The
launcher options (``--launcher``, ``--slurm-*``, ``--launcher-config``, ``--keep-logs``) of
``train``, ``compare`` and ``report`` are here too; :func:`affectctl.cli._launcher.make_launcher`
turns them into a launcher. An
option whose words differ between commands on purpose (``--json`` of ``diagnose``,
``--quiet`` of ``train``) is declared by that command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from affectctl.io.layout import DEFAULT_DATASET

__all__ = ["Runs", "Dataset", "TrainDataset", "Seeds", "Cache", "Taxonomy", "Json", "Quiet", "Launcher", "Partition",
           "Time", "Cpus", "Mem", "ConfigFile", "KeepLogs"]

#: ``--runs``: analyse existing dumps instead of training the built-in benchmark.
Runs = Annotated[Optional[Path], typer.Option(
    "--runs", help="Folder of <condition>/seed-<k>.csv|parquet dumps. Without it, runs are "
                   "trained on the built-in data.")]
#: ``--dataset``: the built-in benchmark trained when ``--runs`` is not given.
Dataset = Annotated[Optional[str], typer.Option(
    "--dataset", help=f"Built-in dataset to train on when --runs is not given: {DEFAULT_DATASET} "
                      "(default) or sim-affectnet.")]
#: ``--dataset`` of ``train`` (no ``--runs`` there): the built-in benchmark to train.
TrainDataset = Annotated[Optional[str], typer.Option(
    "--dataset", help=f"Built-in data: {DEFAULT_DATASET} (default) or sim-affectnet.")]
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

# ---- launcher options: train, compare, report (see affectctl.train.launchers)

_PANEL = "Launcher (where training runs)"

Launcher = Annotated[Optional[str], typer.Option(
    "--launcher", rich_help_panel=_PANEL, show_default=False,
    help="local (default: worker processes on this machine) or slurm (one Slurm job per "
         "condition and seed, as a job array, through submitit; --out must be on a shared "
         "filesystem).")]
Partition = Annotated[Optional[str], typer.Option(
    "--slurm-partition", rich_help_panel=_PANEL, show_default=False,
    help="Slurm partition (default: the cluster's).")]
Time = Annotated[Optional[str], typer.Option(
    "--slurm-time", rich_help_panel=_PANEL, show_default=False,
    help="Time limit per job: minutes or [D-]HH:MM:SS (default 60).")]
Cpus = Annotated[Optional[int], typer.Option(
    "--slurm-cpus", rich_help_panel=_PANEL, show_default=False,
    help="CPUs per job (default 1; a run trains with one thread).")]
Mem = Annotated[Optional[str], typer.Option(
    "--slurm-mem", rich_help_panel=_PANEL, show_default=False,
    help="Memory per job, e.g. 4G (default: the cluster's).")]
ConfigFile = Annotated[Optional[Path], typer.Option(
    "--launcher-config", rich_help_panel=_PANEL, show_default=False,
    help="TOML file with a \\[launcher] table (keys type, partition, time, cpus, mem, account, "
         "qos, gres, gpus, additional_parameters, keep_logs); the options above override it.")]
KeepLogs = Annotated[Optional[bool], typer.Option(
    "--keep-logs/--no-keep-logs", rich_help_panel=_PANEL, show_default=False,
    help="Keep the .slurm/ logs of jobs that succeeded (default: removed after the sweep; "
         "failed and cancelled jobs' logs are always kept).")]
