"""``affectctl diagnose [CONDITIONS...]``: which class pairs are degenerate, and what they cost."""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

import affectctl._util.validation as check
from affectctl.errors import ConfigError
import affectctl.cli.options as options
from affectctl.cli._app import command, console, err_line, flush_warnings

#: Conditions trained when no --runs folder is given.
DEFAULT_CONDITIONS = ("base", "circumplex", "uniform", "permuted", "au", "reweight", "balanced")
from affectctl.io.layout import DEFAULT_CACHE, DEFAULT_DATASET

_HELP = (
    "Rank the class pairs that stay confused whatever the training does (rare-pair degeneracy) "
    "and say what each costs.\n\n"
    "A pair is flagged degenerate when, under the baseline, it is heavily confused (rate >= "
    "--min-confusion-rate and >= --min-lift times chance), close on the circumplex (VA distance "
    "within the --va-quantile quantile of all pair distances, or <= --max-va-distance), and no "
    "intervention resolved it: neither a significant fall (one-sided exact Wilcoxon over seeds, "
    "adjusted over the interventions, p < --alpha) nor a substantial one (>= --min-reduction "
    "fewer confusions in >= --min-seed-share of the seeds), with >= --min-resolved-share of the "
    "removed confusions turned into correct predictions (not moved to a third class). With 5 "
    "seeds and several interventions the adjusted test cannot reach 0.05; the substantial "
    "criterion then decides, and the output says so.\n\n"
    "Runs: --runs DIR holding <condition>/seed-<k>.csv|parquet (conditions default to every "
    "subfolder; baseline to 'base' if present, else the first), or, without --runs, the "
    "built-in benchmark runs (trained once into --cache: "
    + " ".join(DEFAULT_CONDITIONS) + ").\n\n"
    "Writes into --out (default reports/diagnose-<name>): pairs.csv, persistence.csv, "
    "per_seed.csv, by_condition.csv, representation.csv (when the dumps have embeddings), "
    "diagnosis.json, geometry_sensitivity.csv (every pair's verdict under each available "
    "geometry), index.html (the whole report on one self-contained page) and, unless "
    "--no-figures, the figures pair_graph, geometry_overlay, pair_rates and projection (with "
    "embeddings), each as PDF and PNG."
)


def _parse_quantile(text: str):
    if text.strip().lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        raise ConfigError("`--va-quantile` must be a number in [0, 1] or 'none'; "
                          f"got {text!r}.") from None


def import_the_analysis(figures: bool) -> None:
    """What a diagnosis imports after its runs are trained (the tests, the probes, the
    report writer and, with figures, matplotlib and its PNG and PDF backends): imported on
    the core a finished training worker leaves idle while the last runs train (0.7 s here)."""
    import sklearn.metrics  # noqa: F401  (imported by the probes on first use)
    import sklearn.model_selection  # noqa: F401

    import affectctl.controls.representation  # noqa: F401
    import affectctl.diagnose  # noqa: F401
    import affectctl.report.writer  # noqa: F401
    import affectctl.stats  # noqa: F401

    if figures:  # a diagnosis writes PDF and PNG
        from affectctl.report.figures.save import load_backends  # (imports the figure modules)

        load_backends(("pdf", "png"))


def _resolve(conditions, runs, dataset, baseline, seeds, cache, quiet, embeddings=True,
             figures=True):
    """Root folder, condition list (baseline first) and baseline."""
    from affectctl.io.runs import conditions_in, runs_root_below

    if runs is not None:
        if dataset is not None:
            raise ConfigError("give either --runs (analyse existing runs) or --dataset (the "
                              "built-in benchmark runs), not both.")
        root = Path(runs)
        if not root.is_dir():
            raise ConfigError(f"runs folder {root} does not exist.")
        if conditions:
            conds = list(conditions)
        else:
            conds = conditions_in(root)
            if not conds:
                deeper = runs_root_below(root)
                hint = f" (did you mean --runs {deeper}?)" if deeper else ""
                raise ConfigError(f"{root} holds no <condition>/seed-<k>.csv|parquet runs{hint}.")
            if baseline is not None and baseline not in conds:
                raise ConfigError(f"`--baseline` must be one of {{{', '.join(map(repr, conds))}}} "
                                  f"(the conditions in {root}); got {baseline!r}.")
    else:
        conds = list(conditions) if conditions else list(DEFAULT_CONDITIONS)
        root = None
    if baseline is None:
        baseline = "base" if "base" in conds else conds[0]
    conds = [baseline] + [c for c in conds if c != baseline]
    if root is None:
        from affectctl.cli._runs import ensure_runs

        root = ensure_runs(conds, dataset=dataset or DEFAULT_DATASET, seeds=seeds, cache=cache,
                           embeddings=bool(embeddings), progress=not quiet,
                           while_waiting=partial(import_the_analysis, figures))
    return root, conds, baseline


def _f(x, fmt):
    try:
        return format(x, fmt) if x is not None and math.isfinite(float(x)) else "–"
    except (TypeError, ValueError):
        return "–"


def _render(result, top: int) -> None:
    from rich import box
    from rich.table import Table

    pairs = result.pairs
    shown = pairs if top <= 0 else pairs.head(top)
    has_probe = "probe_auc" in pairs.columns
    table = Table(title=f"Degenerate pairs: baseline '{result.baseline}', "
                        f"{len(result.interventions)} intervention(s), {len(result.seeds)} seeds, "
                        f"{result.taxonomy}, geometry {result.geometry}",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for col, just in (("#", "right"), ("pair", "left"), ("verdict", "left"),
                      ("confusion", "right"), ("×chance", "right"), ("VA dist", "right"),
                      ("VA overlap", "right"), ("ΔF1 resolved", "right"),
                      ("best intervention", "left")):
        table.add_column(col, justify=just, no_wrap=True)
    if has_probe:
        table.add_column("probe AUC", justify="right", no_wrap=True)
    styles = {"degenerate": "bold red", "candidate": "yellow", "fixed": "green"}
    from affectctl.controls.geometry_sensitivity import MARK
    from affectctl.diagnose import _pct

    sens = result.geometry_sensitivity
    moved = {}
    if sens is not None:
        for c in sens.changed.itertuples(index=False):
            moved.setdefault((c.a, c.b), []).append(f"{c.geometry}: {c.verdict}")
    for r in shown.itertuples(index=False):
        best = "–" if not isinstance(r.best_intervention, str) else \
            f"{r.best_intervention} {_pct(r.best_relative_change)}"
        cells = [str(r.rank), f"{r.a}–{r.b}", r.status + (MARK if (r.a, r.b) in moved else ""),
                 _f(r.confusion_rate, ".1%"),
                 _f(r.lift, ".1f"), _f(r.va_distance, ".2f"), _f(r.va_overlap, ".2f"),
                 _f(r.macro_f1_gain, "+.3f"), best]
        if has_probe:
            cells.append(_f(r.probe_auc, ".2f"))
        table.add_row(*cells, style=styles.get(r.status))
    if console.is_terminal:
        console.print(table)
    else:  # piped or captured: do not squeeze the table into 80 columns
        from rich.console import Console

        Console(file=console.file, width=max(console.width, 132), highlight=False,
                soft_wrap=True).print(table)
    if len(shown) < len(pairs):
        console.print(f"({len(pairs) - len(shown)} more pairs in pairs.csv / diagnosis.json)",
                      markup=False)
    focus = pairs[pairs["status"].isin(("degenerate", "candidate", "fixed"))]
    for r in focus.itertuples(index=False):
        console.print(f"#{r.rank} {r.a}–{r.b} [{r.status}]: {r.reason}", markup=False)
        cost = (f"    cost: macro-F1 {r.macro_f1:.3f} -> {r.macro_f1_resolved:.3f} if its mutual "
                f"confusions were resolved (upper bound, {r.macro_f1_gain:+.3f}, "
                f"{_f(r.gap_share, '.0%')} of the gap to 1)")
        if has_probe and r.probe_auc is not None and math.isfinite(r.probe_auc):
            cost += (f"; linear-probe AUC {r.probe_auc:.2f} under {result.baseline} "
                     f"(highest {r.probe_auc_max:.2f}, {r.probe_auc_max_condition}), held-out "
                     f"Fisher ratio {r.fisher_ratio:.2f}")
        console.print(cost, markup=False)
    n_deg = int(pairs["degenerate"].sum())
    console.print(f"{n_deg} degenerate pair(s) of {len(pairs)}.", markup=False)
    if sens is not None:
        others = ", ".join(g for g in sens.geometries if g != sens.default)
        if moved:
            console.print(f"{MARK} the verdict depends on the geometry (see "
                          "geometry_sensitivity.csv):", markup=False)
            for (a, b), what in moved.items():
                console.print(f"    {a}–{b}: " + "; ".join(what), markup=False)
        else:
            console.print(f"no verdict changes under {others or 'any other geometry'}.",
                          markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)


@command("diagnose", help=_HELP, collect_warnings=True)
def diagnose_cli(
    conditions: Annotated[Optional[list[str]], typer.Argument(
        metavar="CONDITIONS",
        help="Conditions (default: every subfolder of --runs, or the built-in set).",
        show_default=False)] = None,
    runs: options.Runs = None,
    dataset: options.Dataset = None,
    seeds: options.Seeds = 5,
    cache: options.Cache = DEFAULT_CACHE,
    taxonomy: options.Taxonomy = None,
    geometry: Annotated[str, typer.Option(
        "--geometry", help="auto (the data's per-class VA means when every class has "
                           "--geometry-min-samples VA-annotated samples, else nrc-vad), nrc-vad, "
                           "russell, affectnet-sample, data, or a CSV class,valence,"
                           "arousal.")] = "auto",
    geometry_min_samples: Annotated[int, typer.Option(
        "--geometry-min-samples", help="VA-annotated samples every class needs before "
                                       "--geometry auto uses the data's geometry.")] = 30,
    baseline: Annotated[Optional[str], typer.Option(
        "--baseline",
        help="Reference condition (default 'base' if present, else the first).")] = None,
    min_confusion_rate: Annotated[float, typer.Option(
        "--min-confusion-rate",
        help="Heavily confused: symmetric confusion rate at least this.")] = 0.10,
    min_lift: Annotated[float, typer.Option(
        "--min-lift",
        help="Heavily confused: rate at least this many times the chance rate.")] = 2.0,
    min_support: Annotated[float, typer.Option(
        "--min-support", help="Mean true samples per seed each class needs to be judged.")] = 10.0,
    va_quantile: Annotated[str, typer.Option(
        "--va-quantile", help="Close: VA distance within this quantile of all pair distances "
                              "('none' to use --max-va-distance only).")] = "0.25",
    max_va_distance: Annotated[Optional[float], typer.Option(
        "--max-va-distance", help="Close: VA distance at most this (geometry units); OR-ed with "
                                  "the quantile.")] = None,
    alpha: Annotated[float, typer.Option(
        "--alpha", help="Level of the adjusted one-sided test.")] = 0.05,
    correction: Annotated[str, typer.Option(
        "--correction", help="Adjustment over a pair's interventions: "
                             + ", ".join(check.ADJUST_METHODS) + ".")] = "holm",
    min_reduction: Annotated[float, typer.Option(
        "--min-reduction", help="Substantial: relative fall of the mean confusion rate.")] = 0.25,
    min_seed_share: Annotated[float, typer.Option(
        "--min-seed-share", help="Substantial: share of seeds whose rate fell.")] = 0.8,
    min_resolved_share: Annotated[float, typer.Option(
        "--min-resolved-share",
        help="A fix must turn at least this share of the removed confusions into correct "
             "predictions.")] = 0.5,
    representation: Annotated[bool, typer.Option(
        "--representation/--no-representation",
        help="Linear-probe and cluster evidence when the dumps have embeddings.")] = True,
    projection: Annotated[str, typer.Option(
        "--projection", help="Embedding figure: pca or lda.")] = "pca",
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random draw.")] = 0,
    top: Annotated[int, typer.Option("--top", help="Pairs shown in the table (0 = all).")] = 10,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Report folder (default reports/diagnose-<name>).")] = None,
    figures: Annotated[bool, typer.Option("--figures/--no-figures", help="Write figures.")] = True,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the diagnosis JSON on stdout.")] = False,
    quiet: options.Quiet = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Every warning as it came, "
                                          "instead of one line per kind.")] = False,
) -> None:
    from affectctl.diagnose import DegeneracyThresholds, diagnose
    from affectctl.io.runs import load_runs

    if quiet and verbose:
        raise ConfigError("give either --quiet or --verbose, not both.")
    if projection not in ("pca", "lda"):
        raise ConfigError(f"`--projection` must be one of {{'pca', 'lda'}}; got {projection!r}.")
    if runs is None:
        check.check_count("--seeds", seeds, limit=check.MAX_SEEDS)
        check.check_output_dir("--cache", cache)
    check.check_output_dir("--out", out if out is not None else Path("reports"))
    check.check_seed("--seed", seed)
    check.check_count("--top", top, limit=10**9, minimum=0)
    thresholds = DegeneracyThresholds(
        min_confusion_rate=min_confusion_rate, min_lift=min_lift, min_support=min_support,
        va_distance_quantile=_parse_quantile(va_quantile), max_va_distance=max_va_distance,
        alpha=alpha, correction=correction, min_relative_reduction=min_reduction,
        min_seed_share=min_seed_share, min_resolved_share=min_resolved_share)
    quiet_train = quiet or as_json
    root, conds, baseline = _resolve(conditions, runs, dataset, baseline, seeds, cache, quiet_train,
                                     embeddings=representation, figures=figures)
    runset = load_runs(root, conds, taxonomy=taxonomy)
    result = diagnose(runset, baseline=baseline, interventions=tuple(conds[1:]), geometry=geometry,
                      thresholds=thresholds, rng=seed,
                      representation="auto" if representation else False,
                      geometry_min_samples=geometry_min_samples)
    if not (as_json or quiet):
        err_line(f"geometry {result.geometry_choice.describe()}")
    flush_warnings(verbose=verbose)       # also under --quiet: nothing is skipped silently
    proj = None
    first = runset.dump(baseline, result.seeds[0])
    if figures and representation and first.embedding is not None:
        from affectctl.controls.representation import project_embedding

        proj = project_embedding(first.embedding, first.y_true, method=projection)
    out_dir = out or Path("reports") / f"diagnose-{root.name}"
    from affectctl.report.writer import write_diagnosis

    paths = write_diagnosis(result, out_dir, projection=proj, figures=figures)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    elif not quiet:
        _render(result, top)
    flagged = result.pairs[result.pairs["degenerate"]]
    names = ", ".join(f"{r.a}–{r.b}" for r in flagged.itertuples(index=False)) or "none"
    flush_warnings(verbose=verbose)
    err_line(f"{len(flagged)} degenerate pair(s): {names}; report written to {out_dir}/ "
             f"({len(paths)} files)")
