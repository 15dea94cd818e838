"""``affectctl compare BASELINE OTHER...``: paired tests, tables and figures for training conditions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError
from . import _launcher as L
from ._app import command, console, err_console

DEFAULT_DATASET = "sim-affwild2"
DEFAULT_CACHE = Path("runs")


def parse_contrast(text: str) -> tuple:
    m = re.fullmatch(r"\s*([^:\s]+)\s*:\s*([^:\s]+)\s*", text)
    if not m:
        raise ConfigError(f"`--contrast` must look like 'circumplex:uniform'; got {text!r}.")
    return m.group(1), m.group(2)


def resolve_runs(conditions, runs, dataset, seeds, cache, quiet, launcher=None):
    """Root folder of the runs: ``runs`` as given, or the cache after training what is missing."""
    if runs is not None:
        if dataset is not None:
            raise ConfigError("give either --runs (analyse existing runs) or --dataset (train them), not both.")
        if launcher is not None and launcher.type != "local":
            raise ConfigError("--launcher applies to training; with --runs nothing is trained.")
        return Path(runs)
    from ..train import sweep  # lazy: torch only when training is needed

    dataset = dataset or DEFAULT_DATASET
    # embeddings too, so that `affectctl diagnose` can reuse the same cached runs
    sweep(list(conditions), dataset=dataset, seeds=seeds, out=cache, embeddings=True, progress=not quiet,
          launcher=launcher)
    return Path(cache) / dataset


@command("compare")
def compare_cli(
    conditions: Annotated[list[str], typer.Argument(help="Conditions; the first is the baseline.")],
    runs: Annotated[Optional[Path], typer.Option(help="Folder of <condition>/seed-<k>.csv|parquet dumps. "
                                                 "Without it, runs are trained on the built-in data.")] = None,
    dataset: Annotated[Optional[str], typer.Option(help="Built-in dataset to train on when --runs is not "
                                                   "given: sim-affwild2 (default) or sim-affectnet.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds to train when --runs is not given.")] = 5,
    cache: Annotated[Path, typer.Option(help="Where trained runs are cached.")] = DEFAULT_CACHE,
    taxonomy: Annotated[Optional[str], typer.Option(help="Override the dumps' taxonomy.")] = None,
    geometry: Annotated[str, typer.Option(help="nrc-vad, russell, affectnet-sample, data, or a CSV.")] = "nrc-vad",
    metric: Annotated[Optional[list[str]], typer.Option("--metric", help="Metric id to test (repeatable); "
                                                        "default: the headline metrics available.")] = None,
    contrast: Annotated[Optional[list[str]], typer.Option("--contrast", help="Extra comparison A:B "
                                                          "(repeatable).")] = None,
    sample_test: Annotated[str, typer.Option(help="Sample-level test: ar, bootstrap or none.")] = "ar",
    unit: Annotated[Optional[str], typer.Option(help="Resampling unit: sample or group (default: group "
                                                "when the dumps have one).")] = None,
    permutations: Annotated[int, typer.Option(help="Monte-Carlo resamples.")] = 9999,
    seed: Annotated[int, typer.Option(help="Seed of every Monte-Carlo draw.")] = 0,
    alternative: Annotated[str, typer.Option(help="two-sided, greater or less.")] = "two-sided",
    correction: Annotated[str, typer.Option(help="holm, fdr_bh, bonferroni, none, or westfall-young "
                                          "(max-T over a joint sign-flip null; Holm elsewhere).")] = "holm",
    out: Annotated[Optional[Path], typer.Option(help="Report folder (default reports/<name>).")] = None,
    name: Annotated[Optional[str], typer.Option(help="Report name.")] = None,
    figures: Annotated[bool, typer.Option(help="Write figures.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results JSON on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary line.")] = False,
    launcher: L.Launcher = None, slurm_partition: L.Partition = None, slurm_time: L.Time = None,
    slurm_cpus: L.Cpus = None, slurm_mem: L.Mem = None, launcher_config: L.ConfigFile = None,
) -> None:
    """Compare CONDITIONS against the first with paired tests over seeds and samples, and write
    a report (table.md/.tex/.csv, results.json, figures)."""
    from ..compare import compare
    from ..io.runs import load_runs

    if len(conditions) < 2:
        raise ConfigError("compare needs a baseline and at least one other condition.")
    contrasts = [parse_contrast(c) for c in contrast or ()]
    quiet = quiet or as_json
    root = resolve_runs(conditions, runs, dataset, seeds, cache, quiet,
                        L.make_launcher(launcher, slurm_partition, slurm_time, slurm_cpus, slurm_mem,
                                        launcher_config))
    runset = load_runs(root, list(conditions), taxonomy=taxonomy)
    progress = None if quiet else _ResamplingProgress()
    result = compare(runset, conditions[0], tuple(conditions[1:]), contrasts=contrasts, metrics=metric,
                     geometry=geometry, sample_test=sample_test, unit=unit, n_resamples=permutations,
                     alternative=alternative, correction=correction, rng=seed, progress=progress)
    name = name or f"{root.name}-{'-'.join(conditions)}"
    out_dir = out or Path("reports") / name
    from ..report import write_report

    tests = ("wilcoxon", "signflip") + ((sample_test,) if sample_test != "none" else ())
    paths = write_report(result, out_dir, figures=figures, tests=tests)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    elif not quiet:
        from ..report import render_console

        render_console(result, console, tests=tests)
    err_console.print(f"affectctl: report written to {out_dir}/ ({len(paths)} files)", markup=False)


class _ResamplingProgress:
    """A rich progress bar on stderr, advanced by ``compare(progress=...)``."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("tests"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=err_console, transient=False)
        self.task = None

    def __call__(self, done, total):
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("tests", total=total)
        self.bar.update(self.task, completed=done)
        if done == total:
            self.bar.stop()
