"""Checked by mypy (strict; pyproject.toml [tool.mypy]), never run: the public API used the way
the docs use it, so a change to a public signature or result type that breaks such code
fails the type check."""

from __future__ import annotations

import pandas as pd

import affectctl


def main_job(root: str) -> pd.DataFrame:
    runs: affectctl.RunSet = affectctl.load_runs(root, ["base", "circumplex", "uniform"])
    result: affectctl.ComparisonResult = affectctl.compare(runs, "base", ("circumplex", "uniform"),
                                                           rng=0)
    affectctl.write_report(result, "reports/main")
    doc: dict[str, object] = result.to_dict()
    assert doc["schema_version"]
    return result.to_frame()


def one_file(path: str, truth: str) -> float:
    dump: affectctl.Dump = affectctl.read_predictions(path, truth=truth, format=["affectnet"])
    report: affectctl.AuditReport = affectctl.audit(dump)
    return float(report.metrics["accuracy"])


def seeds_needed() -> pd.DataFrame:
    power: affectctl.PowerReport = affectctl.power(n_seeds=5, sd=0.01, diff=0.01)
    return power.to_frame()


def version() -> str:
    return affectctl.__version__
