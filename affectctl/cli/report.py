"""``affectctl report PLAN.toml``: build an analysis plan into reports/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import affectctl._util.validation as check
from affectctl.errors import ConfigError
from affectctl.io.layout import DEFAULT_CACHE
import affectctl.cli.options as options
from affectctl.cli._launcher import make_launcher
from affectctl.cli._app import command, err_console


@command("report")
def report_cli(
    plan: Annotated[str, typer.Argument(metavar="PLAN", help="Analysis plan: a .toml file, or a name looked up in "
                                        "./analyses/ then among the shipped plans (rare-class-limit, "
                                        "label-noise).")],
    out: Annotated[Path, typer.Option(help="Reports folder.")] = Path("reports"),
    cache: options.Cache = DEFAULT_CACHE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or log lines; "
                                        "only the summary line.")] = False,
    launcher: options.Launcher = None, slurm_partition: options.Partition = None, slurm_time: options.Time = None,
    slurm_cpus: options.Cpus = None, slurm_mem: options.Mem = None, launcher_config: options.ConfigFile = None,
    keep_logs: options.KeepLogs = None,
) -> None:
    """Train what the plan needs (built-in datasets), run its tests and write its tables and figures."""
    from affectctl.report.plans import find_plan, key_location, load_plan, run_plan

    plan_file = find_plan(plan)
    spec = load_plan(plan_file)
    if spec.builtin_datasets and spec.runs is None:
        from affectctl.train.datasets import DATASETS

        for d in spec.builtin_datasets:
            if d not in DATASETS:
                raise ConfigError(f"{key_location(plan_file, 'datasets')}: `datasets`: unknown dataset {d!r}; the built-in datasets "
                                  f"are {', '.join(sorted(DATASETS))} (or give `runs`, a folder of "
                                  "<dataset>/<condition>/seed-<k> dumps, or NAME=DIR).")
    check.check_output_dir("--out", out)
    check.check_output_dir("--cache", cache)
    log = None if quiet else (lambda msg: err_console.print(msg, markup=False))
    # the plan's own [launcher] table, unless --launcher-config names another file
    how = make_launcher(launcher, slurm_partition, slurm_time, slurm_cpus, slurm_mem,
                          launcher_config, table_file=plan_file, keep_logs=keep_logs)
    from functools import partial

    from affectctl.cli._runs import ensure_runs
    from affectctl.cli.compare import import_the_report

    # the plan's comparisons and report (figures in PDF and PNG) are imported on the core a
    # finished training worker leaves idle while the last runs train (as compare does)
    head_start = partial(import_the_report, ("pdf", "png") if spec.figures else ())
    written = run_plan(spec, out=out, cache=cache, progress=not quiet, log=log,
                       ensure_runs=partial(ensure_runs, launcher=how, while_waiting=head_start))
    err_console.print(f"affectctl: plan '{spec.name}' written to {Path(out) / spec.name}/ "
                      f"({sum(len(v) for v in written.values())} files)", markup=False)
