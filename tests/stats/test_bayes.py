"""Bayesian signed-rank and correlated t-test against baycomp (Benavoli et al. 2017)."""

import numpy as np
import pytest

baycomp = pytest.importorskip("baycomp")

from affectctl.errors import ConfigError  # noqa: E402
from affectctl.stats.bayes import bayes_correlated_t, bayes_signed_rank  # noqa: E402


@pytest.mark.parametrize("shift,rope,n", [(0.0, 0.01, 10), (0.006, 0.01, 10), (0.02, 0.01, 10),
                                          (-0.015, 0.01, 10), (0.004, 0.005, 5)])
def test_signed_rank_agrees_with_baycomp(shift, rope, n):
    rng = np.random.default_rng(int(1e4 * (shift + 1)) + n)
    b = rng.normal(0.6, 0.01, n)
    a = b + shift + rng.normal(0, 0.008, n)
    ours = bayes_signed_rank(a, b, rope, rng=3, n_samples=10000)
    # baycomp's differences are y − x: x = b, y = a gives left = "a − b < −rope"
    ref = baycomp.SignedRankTest.probs(b, a, rope, nsamples=10000, random_state=3)
    got = (ours.p_left, ours.p_rope, ours.p_right)
    assert got == pytest.approx(ref, abs=0.03)   # two Monte-Carlo runs, SE <= 0.005 each
    assert sum(got) == pytest.approx(1.0)
    assert ours.n_samples == 10000 and ours.seed == 3


def test_sides_and_determinism():
    b = np.full(6, 0.6)
    a = b + np.array([0.05, 0.04, 0.06, 0.05, 0.07, 0.05])       # a higher by far more than R
    res = bayes_signed_rank(a, b, 0.01, rng=0, n_samples=4000)
    assert res.p_right > 0.95
    assert bayes_signed_rank(b, a, 0.01, rng=0, n_samples=4000).p_left == res.p_right
    assert bayes_signed_rank(a, b, 0.01, rng=0, n_samples=4000) == res


@pytest.mark.parametrize("runs", [1, 2])
def test_correlated_t_equals_baycomp(runs):
    rng = np.random.default_rng(runs)
    b = rng.normal(0.6, 0.01, 10)
    a = b + 0.004 + rng.normal(0, 0.006, 10)
    ours = bayes_correlated_t(a, b, 0.01, rho=runs / 10)    # baycomp: rho = 1/nfolds = runs/n
    ref = baycomp.CorrelatedTTest.probs(b, a, 0.01, runs=runs)
    assert (ours.p_left, ours.p_rope, ours.p_right) == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_bad_rope_and_rho():
    with pytest.raises(ConfigError, match="`rope` must be a positive number"):
        bayes_signed_rank([1.0, 2.0], [1.0, 1.0], 0.0)
    with pytest.raises(ConfigError, match="`rho`"):
        bayes_correlated_t([1.0, 2.0], [1.0, 1.0], 0.1, rho=1.0)
