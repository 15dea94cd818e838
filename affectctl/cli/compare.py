"""``affectctl compare BASELINE OTHER...``: paired tests, tables and figures for training conditions."""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

import affectctl._util.validation as check
from affectctl._util.progress import callback as progress_bar
from affectctl.errors import ConfigError
from affectctl.cli._launcher import make_launcher
import affectctl.cli.options as options
from affectctl.cli._app import command, console, err_console, err_line, flush_warnings

from affectctl.io.layout import DEFAULT_CACHE, DEFAULT_DATASET


def parse_contrast(text: str) -> tuple:
    m = re.fullmatch(r"\s*([^:\s]+)\s*:\s*([^:\s]+)\s*", text)
    if not m:
        raise ConfigError(f"`--contrast` must look like 'circumplex:uniform'; got {text!r}.")
    return m.group(1), m.group(2)


def parse_per_metric(option: str, values) -> "dict | None":
    """``--margin 0.01`` (every metric) and ``--margin accuracy=0.01`` (one metric), repeatable."""
    if not values:
        return None
    out: dict = {}
    for text in values:
        key, _, num = text.rpartition("=") if "=" in text else ("*", "", text)
        key = key.strip() or "*"
        try:
            value = float(num)
        except ValueError:
            raise ConfigError(f"`{option}` must look like '0.01' or 'accuracy=0.01' (a positive "
                              f"number in the metric's units); got {text!r}.") from None
        if key in out:
            raise ConfigError(f"`{option}` gives {'every metric' if key == '*' else key} twice "
                              f"({out[key]:g} and {value:g}).")
        out[key] = value
    return out


def import_the_report(formats: tuple) -> None:
    """What a compare (or a report plan) imports after its runs are trained (the analysis,
    the report writers and, for figure ``formats``, the figure modules and those formats'
    backends): imported on the core a finished training worker leaves idle while the last
    runs train, and again (a no-op after a sweep) while the forked workers start on the
    comparison's tests (0.4 s here, after the compare command's own imports)."""
    import affectctl.compare  # noqa: F401
    import affectctl.report.html  # noqa: F401

    if formats:
        from affectctl.report.figures.save import load_backends  # (imports the figure modules)

        load_backends(formats)


def resolve_runs(conditions, runs, dataset, seeds, cache, quiet, launcher=None, formats=()):
    """Root folder of the runs: ``runs`` as given, or the cache after training what is missing."""
    if runs is not None:
        if dataset is not None:
            raise ConfigError("give either --runs (analyse existing runs) or --dataset (train them), not both.")
        if launcher is not None and launcher.type != "local":
            raise ConfigError("--launcher applies to training; with --runs nothing is trained.")
        return Path(runs)
    from affectctl.cli._runs import ensure_runs

    # new runs store embeddings too, so that `affectctl diagnose` can reuse them; runs cached
    # without them (`affectctl train` without --embeddings) are kept: compare needs none
    return ensure_runs(conditions, dataset=dataset or DEFAULT_DATASET, seeds=seeds, cache=cache,
                       embeddings="keep", progress=not quiet, launcher=launcher,
                       while_waiting=partial(import_the_report, formats))


@command("compare", collect_warnings=True)
def compare_cli(
    conditions: Annotated[list[str], typer.Argument(
        metavar="CONDITIONS",
        help="Conditions; the first is the baseline. Condition names (with --runs, or trained), or "
             "prediction files, each a one-run condition named by its stem (name=path renames).")],
    runs: Annotated[Optional[list[str]], typer.Option(help="Folder of <condition>/seed-<k>.csv|parquet dumps. "
                                                      "Without it, runs are trained on the built-in data. "
                                                      "Several benchmarks: NAME=DIR, repeated.")] = None,
    dataset: Annotated[Optional[list[str]], typer.Option(
        "--dataset", help=f"Built-in dataset to train on when --runs is not given: {DEFAULT_DATASET} "
                          "(default) or sim-affectnet. Several benchmarks: repeat it "
                          "(--dataset sim-affwild2 --dataset sim-affectnet).")] = None,
    seeds: options.Seeds = 5,
    cache: options.Cache = DEFAULT_CACHE,
    taxonomy: options.Taxonomy = None,
    geometry: Annotated[str, typer.Option(help="auto (the data's per-class VA means when every class has "
                                          "--geometry-min-samples VA-annotated samples, else nrc-vad), "
                                          "nrc-vad, russell, affectnet-sample, data, or a CSV.")] = "auto",
    geometry_min_samples: Annotated[int, typer.Option(help="VA-annotated samples every class needs "
                                                      "before --geometry auto uses the data's "
                                                      "geometry.")] = 30,
    metric: Annotated[Optional[list[str]], typer.Option("--metric", help="Metric id to test (repeatable); "
                                                        "default: the headline metrics available.")] = None,
    contrast: Annotated[Optional[list[str]], typer.Option("--contrast", help="Extra comparison A:B "
                                                          "(repeatable).")] = None,
    sample_test: Annotated[str, typer.Option(
        help=f"Sample-level test: {', '.join(check.SAMPLE_TESTS)} or none.")] = "ar",
    unit: Annotated[Optional[str], typer.Option(help="Resampling unit: sample or group (default: group "
                                                "when the dumps have one).")] = None,
    permutations: Annotated[int, typer.Option(help="Monte-Carlo resamples.")] = 9999,
    sequential: Annotated[bool, typer.Option("--sequential", help="Stop the AR test's resampling once "
                                             "its decision at every Holm threshold is settled "
                                             "(resampling risk <= 0.001; --permutations is the cap).")] = False,
    sums: Annotated[str, typer.Option(help="Replicate sums of the sample-level test on many samples: auto "
                                      "(Gaussian when its Edgeworth bound is below a tenth of the "
                                      "Monte-Carlo error and no feature takes few values) or exact "
                                      "(the exact null; tied samples drawn as binomial counts, "
                                      "nothing rounded).")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed of every Monte-Carlo draw.")] = 0,
    alternative: Annotated[str, typer.Option(help=", ".join(check.ALTERNATIVES) + ".")] = "two-sided",
    correction: Annotated[str, typer.Option(
        help=", ".join(check.CORRECTIONS) + " (westfall-young: max-T over a joint sign-flip null; "
             "Holm elsewhere).")] = "holm",
    mcnemar: Annotated[str, typer.Option(help="McNemar p-value: exact (binomial test on the discordant "
                                         "pairs) or chi2 (continuity-corrected).")] = "exact",
    margin: Annotated[Optional[list[str]], typer.Option(
        "--margin", help="Equivalence margin in the metric's units: M for every metric or "
                         "metric=M (repeatable). Adds TOST (non-inferiority with a one-sided "
                         "--alternative); verdicts become equivalent / not shown equivalent.")] = None,
    rope: Annotated[Optional[list[str]], typer.Option(
        "--rope", help="Region of practical equivalence ±R over seeds, R or metric=R "
                       "(repeatable): Bayesian signed-rank P(left), P(rope), P(right).")] = None,
    test_fraction: Annotated[Optional[float], typer.Option(
        help="n_test/(n_train+n_test) of the runs: with --rope adds the Bayesian correlated "
             "t-test (Nadeau-Bengio correction).")] = None,
    normalisation: Annotated[Optional[Path], typer.Option(help="TOML of per-dataset reference scores ([NAME] metric = {low = .., high = ..}): adds the interquartile mean over benchmarks (with --runs NAME=DIR).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Report folder (default reports/<name>).")] = None,
    name: Annotated[Optional[str], typer.Option(help="Report name.")] = None,
    figures: Annotated[bool, typer.Option(help="Write figures.")] = True,
    figure_format: Annotated[str, typer.Option(
        "--figure-format", help="Figure file formats, comma-separated: png, pdf, svg "
                                "(index.html embeds the PNG, else the SVG).")] = "png,pdf",
    as_json: Annotated[bool, typer.Option("--json", help="Print the results JSON on stdout.")] = False,
    quiet: options.Quiet = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Every warning and reader count "
                                          "per file, instead of one line per kind.")] = False,
    truth: Annotated[Optional[Path], typer.Option(
        "--truth", help="Labels for predictions without y_true, paired with every prediction file or "
                        "seed file: a dataset's annotation file (AffectNet, RAF-DB, FER2013, FERPlus; see "
                        "`affectctl formats`), a truth table (sample_id, y_true, ...; joined on "
                        "sample_id), or ABAW annotations for ABAW folders and multi-task files.")] = None,
    fmt: Annotated[Optional[list[str]], typer.Option("--format", help="Format of the seed files and/or "
                                                     "--truth (repeatable; see `affectctl formats`).")] = None,
    mapping: Annotated[Optional[str], typer.Option("--map", help="Class names of another CSV: "
                                                   "'angry=Anger,happy=Happy,...'.")] = None,
    id_column: Annotated[Optional[str], typer.Option("--id", help="Image-id column of the seed files.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Truth rows without a prediction are an error.")] = False,
    launcher: options.Launcher = None, slurm_partition: options.Partition = None, slurm_time: options.Time = None,
    slurm_cpus: options.Cpus = None, slurm_mem: options.Mem = None, launcher_config: options.ConfigFile = None,
    keep_logs: options.KeepLogs = None,
) -> None:
    """Compare CONDITIONS against the first with paired tests over seeds and samples, and write
    a report (table.md/.tex/.csv, results.json, figures).

    Files work too: `affectctl compare modelA.csv modelB.parquet` (one run each: no seed-level tests)."""
    from affectctl.compare import compare
    from affectctl.io.runs import file_conditions, load_runs, runs_from_files

    if len(conditions) < 2:
        raise ConfigError("compare needs a baseline and at least one other condition.")
    contrasts = [parse_contrast(c) for c in contrast or ()]
    margins, ropes = parse_per_metric("--margin", margin), parse_per_metric("--rope", rope)
    check.check_resamples("--permutations", permutations)
    check.check_seed("--seed", seed)
    if runs is None:
        check.check_count("--seeds", seeds, limit=check.MAX_SEEDS)
        check.check_output_dir("--cache", cache)
    if name is not None:
        check.check_name("--name", name)
    check.check_output_dir("--out", out if out is not None else Path("reports"))
    formats = _figure_formats(figure_format)
    if quiet and verbose:
        raise ConfigError("give either --quiet or --verbose, not both.")
    if truth is not None and truth.exists():  # by type, before anything opens it (a FIFO blocks)
        check.check_regular_file("--truth", truth, folder_ok=True)
    quiet = quiet or as_json
    read = _file_reader(truth, fmt, mapping, id_column, strict, taxonomy)
    from affectctl.cli.compare_multi import compare_datasets_cli, parse_dataset_runs, parse_datasets

    folders = parse_dataset_runs(runs)  # None: one folder (or none), as before
    builtin = parse_datasets(dataset, runs=runs)  # None: at most one --dataset, as before
    if sequential and (folders is not None or builtin is not None):
        raise ConfigError("--sequential stops each dataset's AR at its own family's thresholds; "
                          "the tests over benchmarks need every resample: drop --sequential.")
    if normalisation is not None:
        if folders is None and builtin is None:
            raise ConfigError("--normalisation is for several benchmarks (--runs NAME=DIR or "
                              "--dataset, each at least twice); drop it for one.")
        from affectctl.io.normalisation import read_normalisation

        read_normalisation(normalisation)       # a bad file fails before any training
    if builtin is not None:
        if file_conditions(conditions, folders=truth is not None) is not None:
            raise ConfigError("the conditions are files; drop --dataset (it is for condition names).")
        launch = make_launcher(launcher, slurm_partition, slurm_time, slurm_cpus, slurm_mem,
                                 launcher_config, keep_logs=keep_logs)
        folders = {ds: resolve_runs(conditions, None, ds, seeds, cache, quiet, launch,
                                    formats if figures else ())
                   for ds in builtin}
    dataset = dataset[0] if dataset else None
    if folders is None:
        runs = Path(runs[0]) if runs else None
    else:
        if dataset is not None and builtin is None:
            raise ConfigError("give either --runs NAME=DIR (existing runs) or --dataset, not both.")
        return compare_datasets_cli(
            folders, conditions, out=out or check.contained("reports", name or "benchmarks",
                                                             option="--name"),
            taxonomy=taxonomy, read=read, figures=figures, formats=formats, as_json=as_json,
            quiet=quiet,
            tests=("wilcoxon", "signflip") + ((check.sample_test_record(sample_test),)
                                              if sample_test != "none" else ()),
            contrasts=contrasts, metrics=metric, geometry=geometry,
            geometry_min_samples=geometry_min_samples, sample_test=sample_test, unit=unit,
            n_resamples=permutations, alternative=alternative, correction=correction,
            mcnemar=mcnemar, rng=seed, sums=sums, margin=margins, rope=ropes,
            test_fraction=test_fraction, normalisation=normalisation)
    files = file_conditions(conditions, folders=truth is not None)
    if files is not None:
        if runs is not None or dataset is not None:
            raise ConfigError(f"the conditions are files; drop {'--runs' if runs else '--dataset'} "
                              "(it is for condition names).")
        runset = runs_from_files(files, truth=truth, taxonomy=taxonomy, read=read)
        conditions = [n for n, _ in files]
        report_name = "-".join(conditions)
    else:
        root = resolve_runs(conditions, runs, dataset, seeds, cache, quiet,
                            make_launcher(launcher, slurm_partition, slurm_time, slurm_cpus,
                                            slurm_mem, launcher_config, keep_logs=keep_logs),
                            formats if figures else ())
        runset = load_runs(root, list(conditions), taxonomy=taxonomy, read=read)
        report_name = f"{root.name}-{'-'.join(conditions)}"
    progress = None if quiet else progress_bar("tests", console=err_console)
    try:
        result = compare(runset, conditions[0], tuple(conditions[1:]), contrasts=contrasts,
                         metrics=metric, geometry=geometry, geometry_min_samples=geometry_min_samples,
                         sample_test=sample_test, unit=unit, n_resamples=permutations,
                         alternative=alternative, correction=correction, mcnemar=mcnemar, rng=seed,
                         progress=progress, sums=sums, margin=margins, rope=ropes,
                         test_fraction=test_fraction, sequential=sequential,
                         while_waiting=partial(import_the_report, formats if figures else ()))
    finally:
        if progress is not None:
            progress.stop()
    if not quiet:
        err_line(f"geometry {result.geometry_choice.describe()}")
    flush_warnings(verbose=verbose)       # also under --quiet: nothing is skipped silently
    if not quiet:  # --quiet and --json: results.json's settings.exclusions keeps the counts
        _print_exclusions(result.settings.get("exclusions") or {}, runset, verbose=verbose)
    # the caption and label come from --name, else from the report folder's name
    out_dir = out or check.contained("reports", name or report_name, option="--name")
    from affectctl.report import write_report

    tests = ("wilcoxon", "signflip") + ((check.sample_test_record(sample_test),)
                                        if sample_test != "none" else ())
    figure_progress = None if quiet else progress_bar("figures", console=err_console)
    try:
        paths = write_report(result, out_dir, name=name, formats=formats, figures=figures,
                             tests=tests, progress=figure_progress)
    finally:
        if figure_progress is not None:
            figure_progress.stop()
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    elif not quiet:
        from affectctl.report import render_console

        render_console(result, console, tests=tests, files_hint=f"{out_dir}/")
    flush_warnings(verbose=verbose)
    err_line(f"report written to {out_dir}/ ({len(paths)} files)")


def _figure_formats(text: str) -> tuple:
    """``--figure-format png,pdf,svg`` as a tuple; a one-line error naming the option."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    allowed = ("png", "pdf", "svg")
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise ConfigError(f"--figure-format: {', '.join(bad) or 'nothing'} is not a figure format; "
                          f"give a comma-separated list of {', '.join(allowed)} (e.g. png,pdf).")
    return formats


def _file_reader(truth, fmt, mapping, id_column, strict, taxonomy):
    """``read(path) -> Dump`` for the seed files when a truth file or a format is given, else None."""
    if truth is None and not fmt and mapping is None and id_column is None and not strict:
        return None
    if truth is None:
        raise ConfigError("--format, --map, --id and --strict pair the seed files with --truth; give it.")
    from affectctl.io.predictions import paired_reader

    return paired_reader(truth, format=fmt, taxonomy=taxonomy, mapping=mapping, id_column=id_column,
                         strict=strict)


def _print_exclusions(exclusions: dict, runset, *, verbose: bool = False) -> None:
    """What the readers excluded or converted: one line per kind over all runs
    (:func:`~affectctl.report.warnings.aggregate_exclusions`), or per file with ``verbose``;
    nothing for a count that is zero."""
    from affectctl.report.warnings import aggregate_exclusions, exclusion_detail

    def tasks(cond, seed):   # an AU-only run says nothing of expression
        return runset.dump(cond, int(seed)).tasks

    if verbose:
        lines = exclusion_detail(exclusions, lambda c, s: runset.dump(c, int(s)).source, tasks)
    else:
        lines = aggregate_exclusions(exclusions, tasks)
    for line in lines:
        err_line(line)
