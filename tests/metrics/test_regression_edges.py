"""CCC, PCC and RMSE: one edge-case rule (NaN, never inf) directly and from sums."""

from __future__ import annotations

import numpy as np
import pytest

from affectctl.metrics.regression import (ccc, ccc_from_sums, pcc, pcc_from_sums, rmse, rmse_from_sums,
                                          sufficient_sums)

METRICS = [(ccc, ccc_from_sums), (pcc, pcc_from_sums), (rmse, rmse_from_sums)]


@pytest.mark.parametrize("direct, from_sums", METRICS)
def test_direct_equals_sums_on_random_data(direct, from_sums):
    rng = np.random.default_rng(7)
    y, x = rng.uniform(-1, 1, 200), rng.uniform(-1, 1, 200)
    assert float(from_sums(sufficient_sums(y, x))) == pytest.approx(direct(y, x), rel=1e-10)


@pytest.mark.parametrize("direct, from_sums, y, x", [
    (ccc, ccc_from_sums, [0.25] * 5, [0.25] * 5),          # both constant, equal: 0/0
    (pcc, pcc_from_sums, [0.25] * 5, [0.25] * 5),
    (pcc, pcc_from_sums, [0.25] * 4, [0.5] * 4),           # both constant
    (pcc, pcc_from_sums, [0.5], [0.25]),                   # one sample
    (pcc, pcc_from_sums, [0.25, 0.5, 0.75], [0.5] * 3),    # prediction constant
])
def test_undefined_correlations_are_nan_both_ways(direct, from_sums, y, x):
    assert np.isnan(direct(y, x))
    assert np.isnan(from_sums(sufficient_sums(np.asarray(y), np.asarray(x))))


def test_ccc_of_two_different_constants_is_zero_both_ways():
    assert ccc([0.3] * 4, [0.1] * 4) == 0.0
    assert float(ccc_from_sums(sufficient_sums(np.full(4, 0.3), np.full(4, 0.1)))) == 0.0


@pytest.mark.parametrize("from_sums", [ccc_from_sums, pcc_from_sums, rmse_from_sums])
def test_rounding_never_gives_inf_and_no_samples_is_nan(from_sums):
    # a constant 0.1 series: the sums give a variance that rounding makes ~0 or negative
    y = np.full(1000, 0.1)
    s = np.stack([sufficient_sums(y, y), np.zeros(6)])
    out = from_sums(s)
    assert not np.isinf(out).any()
    assert np.isnan(out[1])
    assert np.isnan(rmse([], []))


def test_pcc_of_a_constant_truth_is_nan_from_sums_not_inf():
    # y = 3 exactly: var(y) = 0 exactly, but cov(y, x) = Σ3x/n − 3·mean(x) is a rounding
    # residue (±1e-17 for these seeds): the plain quotient was ±inf
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (5, 37))
    s = sufficient_sums(np.full((5, 37), 3.0), x)
    assert np.isnan(pcc_from_sums(s)).all()
    assert all(np.isnan(pcc(np.full(37, 3.0), xi)) for xi in x)


@pytest.mark.parametrize("direct, from_sums", METRICS)
def test_batched_sums_equal_row_by_row(direct, from_sums):
    rng = np.random.default_rng(3)
    y, x = rng.normal(size=(5, 30)), rng.normal(size=(5, 30))
    batched = from_sums(sufficient_sums(y, x))
    assert batched.shape == (5,)
    np.testing.assert_array_equal(batched, [from_sums(sufficient_sums(y[i], x[i])) for i in range(5)])
