"""``affectctl power``: how many seeds can show what, and how many are needed."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from ..stats.power import POWER_TESTS, power_analysis
from ._app import command, console


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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Smallest attainable p-value per seed-level test, and the seeds needed for a difference."""
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
        out.append(f"{t:<10} {shown:>10} {('yes' if rep.reachable[t] else 'NO'):>14}"
                   f" {rep.min_seeds[t]:>10}")
    if rep.seeds_needed is not None:
        out.append(f"effect d_z = diff/sd = {rep.diff:g}/{rep.sd:g} = {rep.effect_size:.3g}; "
                   f"paired t power with {rep.n_seeds} seeds = {rep.power_at_n:.3f}")
        out.append(f"seeds needed for power {rep.power_target:g}: "
                   + ", ".join(f"{t} {_fmt(rep.seeds_needed[t])}" for t in POWER_TESTS))
    for line in out:
        console.print(line, markup=False)
