"""Fixtures for the report tests: a ComparisonResult built directly from small synthetic
tables (no compare() run), with hand-chosen p-values so every number is checkable."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from affectctl.domain.geometries import get_geometry  # noqa: E402
from affectctl.compare import ComparisonResult  # noqa: E402
from affectctl.controls.error_null import error_distance_null  # noqa: E402
from affectctl.metrics.compute import geometry_context  # noqa: E402
from affectctl.domain.taxonomies import get_taxonomy  # noqa: E402

SEEDS = (0, 1, 2, 3, 4)
CONDITIONS = ("base", "circumplex", "uniform")
# per-seed values, hand-chosen: condition -> metric -> 5 seeds
VALUES = {
    "base": {"official_score": [0.40, 0.42, 0.41, 0.39, 0.43],
             "error_distance_mean": [0.90, 0.88, 0.92, 0.91, 0.89],
             "f1:Anger": [0.1, 0.2, 0.3, 0.2, 0.1]},
    "circumplex": {"official_score": [0.45, 0.44, 0.47, 0.46, 0.43],
                   "error_distance_mean": [0.70, 0.72, 0.69, 0.71, 0.73],
                   "f1:Anger": [0.2, 0.2, 0.3, 0.3, 0.1]},
    "uniform": {"official_score": [0.44, 0.45, 0.46, 0.44, 0.44],
                "error_distance_mean": [0.85, 0.86, 0.80, 0.84, 0.83],
                "f1:Anger": [0.1, 0.3, 0.3, 0.2, 0.2]},
}
PAIRS = (("circumplex", "base"), ("uniform", "base"), ("circumplex", "uniform"))


def metric_frame() -> pd.DataFrame:
    rows = [{"condition": c, "seed": s, "metric": m, "value": v[i]}
            for c, by_metric in VALUES.items() for m, v in by_metric.items()
            for i, s in enumerate(SEEDS)]
    return pd.DataFrame(rows)


def comparison_frame() -> pd.DataFrame:
    """Rows as compare() writes them; p-values chosen by hand (Holm-like adjusted)."""
    rows = []
    p = {  # (a, b, metric, test) -> (p, p_adjusted)
        ("circumplex", "base", "official_score", "wilcoxon"): (0.0625, 0.25),
        ("circumplex", "base", "official_score", "signflip"): (0.0625, 0.25),
        ("uniform", "base", "official_score", "wilcoxon"): (0.125, 0.375),
        ("uniform", "base", "official_score", "signflip"): (0.125, 0.375),
        ("circumplex", "uniform", "official_score", "wilcoxon"): (0.8125, 1.0),
        ("circumplex", "uniform", "official_score", "signflip"): (0.75, 1.0),
        ("circumplex", "base", "error_distance_mean", "wilcoxon"): (0.0625, 0.25),
        ("circumplex", "base", "error_distance_mean", "signflip"): (0.0625, 0.25),
        ("uniform", "base", "error_distance_mean", "wilcoxon"): (0.0625, 0.25),
        ("uniform", "base", "error_distance_mean", "signflip"): (0.0625, 0.25),
        ("circumplex", "uniform", "error_distance_mean", "wilcoxon"): (0.0625, 0.25),
        ("circumplex", "uniform", "error_distance_mean", "signflip"): (0.0625, 0.25),
    }
    for (a, b, metric, test), (pv, padj) in p.items():
        d = np.subtract(VALUES[a][metric], VALUES[b][metric])
        rows.append({"a": a, "b": b, "metric": metric, "test": test, "unit": "seed",
                     "method": test, "statistic": 0.0, "p_value": pv, "alternative": "two-sided",
                     "n": 5, "mean_diff": float(d.mean()), "ci_low": np.nan, "ci_high": np.nan,
                     "confidence": 0.95, "exact": True, "min_pvalue": 0.0625, "n_resamples": None,
                     "seed": None, "mc_se": None, "rank_biserial": float(np.sign(d.mean())),
                     "cohen_dz": float(d.mean() / d.std(ddof=1)), "note": "", "run_seed": np.nan,
                     "p_adjusted": padj, "p_adjust": "holm", "direction": 1})
    # a sample-level test and a per-seed classifier test, which tables must not show as rows
    rows.append({**rows[0], "test": "ar", "unit": "group", "p_value": 0.0004, "p_adjusted": 0.0012,
                 "min_pvalue": 2 / 10000, "exact": False, "n": 40, "n_resamples": 9999, "seed": 0})
    rows.append({**rows[0], "test": "mcnemar", "unit": "sample", "run_seed": 0.0, "p_value": 0.5,
                 "p_adjusted": 1.0, "metric": "correctness"})
    return pd.DataFrame(rows)


def confusions(rng, k=8):
    out = {}
    for j, c in enumerate(CONDITIONS):
        cms = []
        for _ in SEEDS:
            cm = rng.integers(0, 6 + 4 * j, (k, k))
            cm[np.arange(k), np.arange(k)] = rng.integers(40, 80, k)
            cm[1, 3] += 25          # anger -> fear, a frequent confusion
            cm[3, 1] += 10
            cm[5, 0] += 15          # sadness -> neutral
            cms.append(cm)
        out[c] = np.stack(cms).astype(np.int64)
    # every condition keeps the same true-class support
    support = out["base"][0].sum(axis=1)
    for c in CONDITIONS:
        for s in range(len(SEEDS)):
            diff = support - out[c][s].sum(axis=1)
            out[c][s][np.arange(k), np.arange(k)] += diff
    return out


def make_result(*, error_null=True, settings=None) -> ComparisonResult:
    tax = get_taxonomy("affwild2-expr8")
    geo = geometry_context(get_geometry("nrc-vad"), tax)
    cms = confusions(np.random.default_rng(0))
    nulls = ({c: error_distance_null(cms[c].sum(axis=0), geo.cost, n_resamples=999, rng=0)
              for c in CONDITIONS} if error_null else {})
    return ComparisonResult(
        baseline="base", conditions=CONDITIONS, pairs=PAIRS, taxonomy=tax, geometry=geo,
        headline_metrics=("official_score", "error_distance_mean"), metrics=metric_frame(),
        comparisons=comparison_frame(), confusions=cms, seeds=SEEDS,
        class_support=cms["base"][0].sum(axis=1), error_null=nulls,
        settings=settings if settings is not None else {
            "seed": 0, "n_resamples": 9999, "unit": "group", "sample_test": "ar",
            "seed_tests": "wilcoxon,signflip,ttest", "alternative": "two-sided",
            "correction": "holm", "geometry": "nrc-vad", "runs": None})


@pytest.fixture
def result():
    return make_result()


@pytest.fixture
def result_factory():
    """``make_result(error_null=True, settings=None)``."""
    return make_result


@pytest.fixture
def seed_values():
    """``{condition: {metric: [5 per-seed values]}}`` behind the result's metric table."""
    return VALUES
