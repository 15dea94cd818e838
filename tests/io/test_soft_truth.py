"""Vote distributions as soft truth: expected cost and calibration against annotators."""

import numpy as np
import pytest

from affectctl.metrics.probability import (expected_calibration_error, expected_calibration_error_soft,
                                           expected_cost_per_sample, expected_cost_soft_per_sample)


def test_one_hot_votes_equal_the_hard_metrics():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=200)
    y = rng.integers(0, 5, 200)
    q = np.eye(5)[y]
    c = rng.random((5, 5))
    np.fill_diagonal(c, 0)
    np.testing.assert_allclose(expected_cost_soft_per_sample(p, q, c), expected_cost_per_sample(p, y, c))
    assert expected_calibration_error_soft(p, q) == pytest.approx(expected_calibration_error(p, y))


def test_hand_worked_case():
    # p = (0.5, 0.5), votes q = (0.3, 0.7), cost [[0, 2], [2, 0]]:
    # sum_jk p_j C[j,k] q_k = 0.5*2*0.7 + 0.5*2*0.3 = 1.0
    p = np.array([[0.5, 0.5]])
    q = np.array([[0.3, 0.7]])
    c = np.array([[0.0, 2.0], [2.0, 0.0]])
    assert expected_cost_soft_per_sample(p, q, c)[0] == pytest.approx(1.0)
    # one sample, confidence 0.8 on class 0, 30% of annotators agree: |0.3 - 0.8| = 0.5
    assert expected_calibration_error_soft(np.array([[0.8, 0.2]]), q) == pytest.approx(0.5)
