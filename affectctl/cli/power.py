"""``affectctl power``: how many seeds can show what, and how many are needed; with
``--samples N``, which accuracy difference a test set of N samples can show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

import affectctl._util.validation as check
import affectctl.cli.options as options
from affectctl.stats.power import POWER_TESTS, power_analysis
from affectctl.errors import ConfigError
from affectctl.cli._app import command, console


def _fmt(x) -> str:
    if x is None:
        return "> 100000"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


@command("power")
def power_cli(
    seeds: Annotated[int, typer.Option("--seeds", "-n", help="Number of paired seeds.")] = 5,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
    alternative: Annotated[str, typer.Option(
        "--alternative", help="two-sided, greater (A > B) or less.")] = "two-sided",
    sd: Annotated[Optional[float], typer.Option(  # noqa: UP007 (typer needs Optional)
        "--sd", help="Seed-to-seed SD of the paired differences (ddof=1).")] = None,
    diff: Annotated[Optional[float], typer.Option(  # noqa: UP007
        "--diff", help="Mean difference to detect (same units as --sd).")] = None,
    power: Annotated[float, typer.Option("--power", help="Target power.")] = 0.8,
    samples: Annotated[Optional[int], typer.Option(  # noqa: UP007
        "--samples", help="Test-set size: smallest accuracy difference two models evaluated once "
        "on it can show (and, with --diff, the size needed).")] = None,
    accuracy: Annotated[Optional[float], typer.Option(  # noqa: UP007
        "--accuracy", help="With --samples: accuracy of the first model (disagreement then "
        "assumed 2·acc·(1 − acc), independent errors).")] = None,
    disagreement: Annotated[Optional[float], typer.Option(  # noqa: UP007
        "--disagreement", help="With --samples: share of samples exactly one model gets right.")] = None,
    from_files: Annotated[Optional[tuple[Path, Path]], typer.Option(  # noqa: UP007
        "--from", help="With --samples: estimate accuracy, disagreement (and, with a group "
        "column, videos and ICC) from two runs A B on the same samples.")] = None,
    truth: Annotated[Optional[Path], typer.Option(  # noqa: UP007
        "--truth", help="Labels for --from files without y_true.")] = None,
    taxonomy: Annotated[Optional[str], typer.Option(  # noqa: UP007
        "--taxonomy", help="Taxonomy of the --from files, when they do not say.")] = None,
    groups: Annotated[Optional[int], typer.Option(  # noqa: UP007
        "--groups", help="With --samples: videos the samples come from (needs --icc).")] = None,
    icc: Annotated[Optional[float], typer.Option(  # noqa: UP007
        "--icc", help="Intra-video correlation of the per-frame score difference.")] = None,
    as_json: options.Json = False,
) -> None:
    """Smallest attainable p-value per seed-level test, and the seeds needed for a difference.

    With --samples N: the smallest accuracy difference a test set of N samples can show.

    At --alpha and --power, with exact McNemar (AR over videos with --groups/--icc); --diff D: the size needed."""
    if samples is not None or from_files is not None:
        _samples_power(samples, accuracy, disagreement, from_files, truth, taxonomy, groups, icc,
                       diff, alpha, power, alternative, as_json)
        return
    for flag, v in (("--accuracy", accuracy), ("--disagreement", disagreement),
                    ("--groups", groups), ("--icc", icc), ("--truth", truth),
                    ("--taxonomy", taxonomy)):
        if v is not None:
            raise ConfigError(f"{flag} applies to test-set power: give --samples N (or --from A B).")
    rep = power_analysis(n_seeds=seeds, alpha=alpha, alternative=alternative, sd=sd, diff=diff,
                         power=power)
    if as_json:
        typer.echo(json.dumps(rep.to_record(), indent=2))
        return
    out = [f"{rep.n_seeds} seeds, alpha={rep.alpha:g}, {rep.alternative}",
           f"{'test':<10} {'min p':>10} {'reaches alpha':>14} {'min seeds':>10}"]
    for t in POWER_TESTS:
        floor = rep.min_pvalue[t]
        shown = "no floor" if floor == 0 else f"{floor:.4g}"  # the t test's p goes to 0 with the effect
        least = rep.min_seeds[t]
        out.append(f"{t:<10} {shown:>10} {('yes' if rep.reachable[t] else 'NO'):>14}"
                   f" {'never' if least is None else least:>10}")
    if rep.seeds_needed is not None:
        out.append(f"effect d_z = diff/sd = {rep.diff:g}/{rep.sd:g} = {rep.effect_size:.3g}; "
                   f"paired t power with {rep.n_seeds} seeds = {rep.power_at_n:.3f}")
        out.append(f"seeds needed for power {rep.power_target:g}: "
                   + ", ".join(f"{t} {'never' if rep.min_seeds[t] is None else _fmt(rep.seeds_needed[t])}"
                               for t in POWER_TESTS))
    for line in out:
        console.print(line, markup=False)


def _from_runs(paths, truth, taxonomy) -> dict:
    """Accuracy, disagreement, videos and ICC from two runs on the same samples."""
    import pandas as pd

    from affectctl.io.predictions import read_predictions
    from affectctl.io.runs import RunSet, check_paired
    from affectctl.stats.samples.power import paired_correctness_summary

    a, b = (read_predictions(p, truth=truth, taxonomy=taxonomy) for p in paths)
    names = [str(p) for p in paths]
    check_paired(RunSet({names[0]: {0: a}, names[1]: {0: b}}), names[0], names[1])
    order = pd.Index(b.sample_id).get_indexer(a.sample_id)
    used = a.y_true >= 0
    ra = (a.y_pred == a.y_true)[used]
    rb = (b.y_pred[order] == a.y_true)[used]
    group = None if a.group is None else a.group[used]
    out = paired_correctness_summary(ra, rb, group)
    out["source"] = f"estimated from {names[0]} and {names[1]}"
    return out


def _samples_power(samples, accuracy, disagreement, from_files, truth, taxonomy, groups, icc, diff,
                   alpha, power, alternative, as_json) -> None:
    from affectctl.stats.samples.power import samples_power_analysis

    if alternative != "two-sided":
        raise ConfigError(f"test-set power is computed for two-sided tests; got --alternative "
                          f"{alternative}.")
    source = None
    if from_files is not None:
        if accuracy is not None or disagreement is not None:
            raise ConfigError("give --from A B or --accuracy/--disagreement, not both.")
        est = _from_runs(from_files, truth, taxonomy)
        accuracy, disagreement, source = est["accuracy"], est["disagreement"], est["source"]
        samples = samples if samples is not None else est["n_samples"]
        if groups is None and icc is None and "n_groups" in est:
            groups, icc = est["n_groups"], est["icc"]
    elif truth is not None or taxonomy is not None:
        raise ConfigError(f"{'--truth' if truth is not None else '--taxonomy'} applies to --from "
                          "files.")
    if samples is not None:
        check.check_count("--samples", samples, limit=check.MAX_TEST_SAMPLES)
    rep = samples_power_analysis(samples, accuracy=accuracy, disagreement=disagreement,
                                 n_groups=groups, icc=icc, diff=diff, alpha=alpha, power=power,
                                 source=source)
    if as_json:
        typer.echo(json.dumps(rep.to_record(), indent=2))
        return
    names = {"mcnemar": ("exact McNemar (if frames were independent)" if rep.n_groups
                         else "exact McNemar (= AR over samples)"),
             "ar_group": f"AR over {rep.n_groups} videos"}
    acc = f"accuracy {rep.accuracy:.3g}, " if rep.accuracy is not None else ""
    out = [f"{rep.n_samples} samples, alpha={rep.alpha:g}, power {rep.power_target:g}, two-sided",
           f"{acc}disagreement {rep.disagreement:.3g} ({rep.source})"]
    if rep.n_groups is not None:
        out.append(f"{rep.n_groups} videos, ICC {rep.icc:.3g}: design effect {rep.design_effect:.3g}, "
                   f"worth {rep.effective_n:.0f} independent samples")
    out.append(f"{'test':<44} {'smallest detectable Δ accuracy':>30}")
    for t, v in rep.min_diff.items():
        shown = "none (not even Δ = d)" if v is None else f"{v:.4f} ({100 * v:.2f} points)"
        out.append(f"{names[t]:<44} {shown:>30}")
    if rep.diff is not None:
        for t, n in rep.samples_needed.items():
            need = "> 1e9" if n is None else f"{n}"
            extra = (f" ({rep.groups_needed} videos of {rep.n_samples / rep.n_groups:.0f} frames)"
                     if t == "ar_group" and rep.groups_needed else "")
            out.append(f"Δ = {rep.diff:g}: {names[t]} needs {need} samples{extra}; power with "
                       f"{rep.n_samples}: {rep.power_at_diff[t]:.3f}")
    for line in out:
        console.print(line, markup=False)
