"""Approximate randomization against scipy.stats.permutation_test on a 10-sample case.

SciPy enumerates all 2**10 within-pair swaps (``permutation_type="samples"``, exact);
affectctl's AR draws R = 9999 of them. Same observed statistic; p-values within 4 Monte
Carlo standard errors of the exact one (plus the 1/(R+1) of the (r+1)/(R+1) convention).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from affectctl.stats.samples import PairedPredictions, approximate_randomization

N, R, K = 10, 9999, 3


def _case(seed: int):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, N)
    a = np.where(rng.random(N) < 0.8, y, rng.integers(0, K, N))
    b = np.where(rng.random(N) < 0.4, y, rng.integers(0, K, N))
    va = rng.uniform(-1, 1, (N, 2))
    va_a = va + rng.normal(0, 0.2, (N, 2))
    va_b = va + rng.normal(0, 0.6, (N, 2))
    return y, a, b, va, va_a, va_b


def _macro_f1(y, p):
    """Macro F1 over the K classes by counts (F1 = 0 for a class never predicted nor true)."""
    out = 0.0
    for k in range(K):
        tp = ((p == k) & (y == k)).sum(-1)
        den = (p == k).sum(-1) + (y == k).sum(-1)
        out = out + np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)
    return out / K


def _ccc(t, v):
    """Lin's CCC with population moments over the last axis."""
    mt, mv = t.mean(-1, keepdims=True), v.mean(-1, keepdims=True)
    cov = ((t - mt) * (v - mv)).mean(-1)
    return 2 * cov / (t.var(-1) + v.var(-1) + (mt - mv)[..., 0] ** 2)


CLASS_METRICS = {
    "accuracy": lambda y, p: (p == y).mean(-1),
    "expr_macro_f1": _macro_f1,
}


@pytest.mark.parametrize("metric", [*CLASS_METRICS, "va_ccc_mean"])
@pytest.mark.parametrize("seed", [0, 1])
def test_ar_agrees_with_scipy_permutation_test(metric, seed):
    y, a, b, va, va_a, va_b = _case(seed)
    strat = PairedPredictions(y, a, b, K, va_true=va, va_a=va_a, va_b=va_b)
    ours = approximate_randomization(strat, metric, unit="sample", n_resamples=R, rng=seed,
                                     alpha=None)
    if metric == "va_ccc_mean":
        def score(v):  # v: (..., 2, N), SciPy puts the sample axis last
            return (_ccc(va[:, 0], v[..., 0, :]) + _ccc(va[:, 1], v[..., 1, :])) / 2

        data = (va_a, va_b)
    else:
        f = CLASS_METRICS[metric]

        def score(p):
            return f(y, p)

        data = (a, b)
    # permutation_type="samples" swaps A's and B's output of the same sample
    ref = stats.permutation_test(data, lambda x, z, axis: score(x) - score(z),
                                 permutation_type="samples", n_resamples=np.inf,
                                 vectorized=True, axis=0)
    assert ours.statistic == pytest.approx(float(ref.statistic), abs=1e-12)
    se = np.sqrt(max(ref.pvalue * (1 - ref.pvalue), 1e-4) / R)
    assert abs(ours.pvalue - ref.pvalue) <= 4 * se + 1 / (R + 1), (ours.pvalue, ref.pvalue)
