"""Geometry permutation test: agreement with SciPy, rank, Monte-Carlo honesty, compare's JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from affectctl.controls.geometry_permutation import geometry_permutation_test

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"


def _mean_diff(x, y):
    return x.mean() - y.mean()


@pytest.mark.parametrize("direction,alternative", [(1, "greater"), (-1, "less")])
def test_exact_pvalue_equals_scipy_permutation_test(direction, alternative):
    rng = np.random.default_rng(7170559330470561044)
    a, b = rng.normal(size=5), rng.normal(size=5) + 0.4
    res = geometry_permutation_test(a, b, direction=direction)
    ref = stats.permutation_test((a, b), _mean_diff, permutation_type="independent",
                                 alternative=alternative)
    assert res.exact and res.n_resamples == 252  # C(10, 5)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.statistic == pytest.approx(direction * (a.mean() - b.mean()))


def test_rank_and_smallest_pvalue_by_hand():
    # the real runs beat every permuted geometry: rank 1, and only 1 of C(6, 3) = 20 splits
    # is as extreme as the observed one
    res = geometry_permutation_test([0.8, 0.82, 0.81], [0.7, 0.72, 0.71])
    assert (res.rank, res.pvalue, res.min_pvalue) == (1, 1 / 20, 1 / 20)
    # lower is better: the same numbers make the real geometry the worst of four
    res = geometry_permutation_test([0.8, 0.82, 0.81], [0.7, 0.72, 0.71], direction=-1)
    assert res.rank == 4 and res.pvalue == 1.0


def test_monte_carlo_is_seeded_and_never_zero():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=20) + 5, rng.normal(size=20)
    r1 = geometry_permutation_test(a, b, max_exact=10, n_resamples=999, rng=3)
    r2 = geometry_permutation_test(a, b, max_exact=10, n_resamples=999, rng=3)
    assert not r1.exact and r1 == r2 and r1.seed == 3
    assert r1.pvalue == pytest.approx(1 / 1000) and r1.pvalue > 0


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="`direction` must be one of"):
        geometry_permutation_test([1.0], [2.0], direction=0)
    with pytest.raises(ValueError, match="`n_resamples` must be an integer >= 1"):
        geometry_permutation_test([1.0], [2.0], n_resamples=0)
    with pytest.raises(ValueError, match="at least one finite value"):
        geometry_permutation_test([np.nan], [2.0])


def test_compare_json_has_the_geometry_permutation_test_when_permuted_runs_exist(tmp_path):
    from affectctl.compare import compare
    from affectctl.io.runs import load_runs

    for cond in ("base", "circumplex"):
        shutil.copytree(EXAMPLES / cond, tmp_path / cond)
    shutil.copytree(EXAMPLES / "uniform", tmp_path / "permuted")
    runs = load_runs(tmp_path, ["base", "circumplex", "permuted"])
    res = compare(runs, "base", ("circumplex", "permuted"), metrics=["accuracy"],
                  n_resamples=99, rng=0, sample_test="none", classifier_tests=False)
    doc = json.loads(res.to_json())
    (rec,) = doc["geometry_permutation"]
    assert rec["metric"] == "accuracy" and rec["real"] == "circumplex"
    acc = res.metrics.query("metric == 'accuracy'")
    ref = geometry_permutation_test(acc.query("condition == 'circumplex'")["value"],
                                    acc.query("condition == 'permuted'")["value"])
    assert rec["pvalue"] == pytest.approx(ref.pvalue) and rec["rank"] == ref.rank
    # without permuted runs the entry is empty
    runs = load_runs(tmp_path, ["base", "circumplex"])
    res = compare(runs, "base", ("circumplex",), metrics=["accuracy"], n_resamples=99, rng=0,
                  sample_test="none", classifier_tests=False)
    assert json.loads(res.to_json())["geometry_permutation"] == []
