"""The launcher options shared by ``train``, ``compare`` and ``report`` (see
:mod:`affectctl.train.launchers`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

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


def make_launcher(launcher, partition, time, cpus, mem, config_file, table_file=None,
                  keep_logs=None):
    """A :class:`~affectctl.train.launchers.LauncherConfig` from the options (None: local)."""
    given = (launcher, partition, time, cpus, mem, config_file, keep_logs)
    if all(v is None for v in given) and table_file is None:
        return None
    from affectctl.train.launchers import launcher_config

    if config_file is None and table_file is not None:
        config_file = table_file
    return launcher_config(launcher, partition=partition, time=time, cpus=cpus, mem=mem,
                           file=config_file, keep_logs=keep_logs)
