"""Tests of affectctl.controls.error_null: known answers, agreement with a naive
per-error simulation, the analytic null mean, NaN costs and reproducibility."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affectctl.domain.geometries import cost_matrix
from affectctl.controls.error_null import ErrorDistanceNull, error_distance_null
from affectctl.errors import ConfigError, DegenerateDataWarning
from affectctl.metrics.confusion import error_distance

COST3 = np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 2.0], [3.0, 2.0, 0.0]])


def _naive_null(cm, cost, n_resamples, rng):
    """One draw per error: every error of true class i goes to a uniformly chosen allowed class."""
    k = cm.shape[0]
    allowed = np.isfinite(cost) & ~np.eye(k, dtype=bool)
    out = np.empty(n_resamples)
    e = (cm * allowed).sum(axis=1)
    for r in range(n_resamples):
        total = 0.0
        for i in range(k):
            targets = np.flatnonzero(allowed[i])
            for _ in range(int(e[i])):
                total += cost[i, rng.choice(targets)]
        out[r] = total / e.sum()
    return out


def _random_case(rng, k=6):
    coords = rng.uniform(-1, 1, (k, 2))
    cm = rng.integers(0, 10, (k, k))
    return cm, cost_matrix(coords)


# -- Known answers -- #

def test_hand_example():
    # 4 errors of class 0, all at distance 1; class 0 can go to 1 (cost 1) or 2 (cost 3).
    cm = np.array([[10, 4, 0], [0, 10, 0], [0, 0, 10]])
    res = error_distance_null(cm, COST3, n_resamples=4999, rng=1)
    assert isinstance(res, ErrorDistanceNull)
    assert res.observed == 1.0
    assert res.null_mean == 2.0          # (1 + 3) / 2
    assert res.n_errors == 4 and res.n_excluded == 0
    # P(all four errors at the near class) = (1/2)^4 = 0.0625 exactly
    assert res.pvalue == pytest.approx(0.0625, abs=0.01)
    np.testing.assert_array_equal(res.distances, [1.0])
    np.testing.assert_array_equal(res.weights, [4])
    np.testing.assert_allclose(res.null_distances, [1.0, 3.0])
    np.testing.assert_allclose(res.null_weights, [2.0, 2.0])
    assert res.null.shape == (4999,)
    assert set(np.unique(res.null)) <= {1.0, 1.5, 2.0, 2.5, 3.0}


def test_observed_matches_error_distance_metric():
    rng = np.random.default_rng(3)
    cm, cost = _random_case(rng)
    cost[2, :] = cost[:, 2] = np.nan          # class 2 has no coordinate
    cost[2, 2] = 0.0
    res = error_distance_null(cm, cost, n_resamples=10, rng=0)
    assert res.observed == pytest.approx(float(error_distance(cm, cost)))
    assert res.n_excluded == cm[2, :].sum() - cm[2, 2] + cm[:, 2].sum() - cm[2, 2]
    assert res.weights.sum() == res.n_errors
    assert res.null_weights.sum() == pytest.approx(res.n_errors)
    assert np.isfinite(res.null_distances).all() and np.isfinite(res.distances).all()
    assert np.isfinite(res.null).all()


def test_analytic_null_mean():
    rng = np.random.default_rng(11)
    cm, cost = _random_case(rng, k=7)
    res = error_distance_null(cm, cost, n_resamples=40000, rng=5)
    allowed = ~np.eye(7, dtype=bool)
    e = (cm * allowed).sum(axis=1)
    mean_c = (cost * allowed).sum(axis=1) / 6
    expected = (e * mean_c).sum() / e.sum()     # sum_i e_i mean_j C_ij / sum_i e_i
    assert res.null_mean == pytest.approx(expected)
    se = res.null.std() / np.sqrt(res.null.size)
    assert abs(res.null.mean() - expected) < 4 * se
    # the analytic expected distribution has the same mean
    assert (res.null_distances * res.null_weights).sum() / res.n_errors == pytest.approx(expected)


def test_against_naive_per_error_simulation():
    rng = np.random.default_rng(7)
    cm = np.array([[20, 3, 1, 0], [2, 15, 4, 1], [0, 5, 30, 2], [1, 0, 2, 10]])
    cost = cost_matrix(rng.uniform(-1, 1, (4, 2)))
    fast = error_distance_null(cm, cost, n_resamples=20000, rng=2).null
    naive = _naive_null(cm, cost, 3000, np.random.default_rng(9))
    # same distribution: means, sds and quartiles agree within Monte-Carlo error
    assert fast.mean() == pytest.approx(naive.mean(), abs=4 * naive.std() / np.sqrt(naive.size))
    assert fast.std() == pytest.approx(naive.std(), rel=0.06)
    np.testing.assert_allclose(np.quantile(fast, [0.25, 0.5, 0.75]),
                               np.quantile(naive, [0.25, 0.5, 0.75]), atol=0.03)


def test_pvalue_definition():
    rng = np.random.default_rng(4)
    cm, cost = _random_case(rng)
    res = error_distance_null(cm, cost, n_resamples=999, rng=0)
    c = np.count_nonzero(res.null <= res.observed * (1 + 1e-12))
    assert res.pvalue == (c + 1) / 1000


def test_errors_near_truth_give_small_p():
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    coords = np.c_[np.cos(angles), np.sin(angles)]
    cost = cost_matrix(coords)
    cm = np.diag(np.full(8, 50))
    for i in range(8):             # every error goes to a neighbour on the circle
        cm[i, (i + 1) % 8] = 5
    res = error_distance_null(cm, cost, n_resamples=999, rng=0)
    assert res.pvalue == 1 / 1000
    assert res.observed < res.null.min()


# -- Randomness -- #

def test_same_seed_same_null_and_seed_reported():
    rng = np.random.default_rng(0)
    cm, cost = _random_case(rng)
    a = error_distance_null(cm, cost, n_resamples=200, rng=123)
    b = error_distance_null(cm, cost, n_resamples=200, rng=123)
    assert a.seed == 123
    np.testing.assert_array_equal(a.null, b.null)
    c = error_distance_null(cm, cost, n_resamples=200, rng=np.random.default_rng(5))
    d = error_distance_null(cm, cost, n_resamples=200, rng=c.seed)
    np.testing.assert_array_equal(c.null, d.null)
    e = error_distance_null(cm, cost, n_resamples=200)
    assert isinstance(e.seed, int)


def test_cost_independent_of_n_errors():
    # counts in the millions: one multinomial per row, not one draw per error
    cm = np.array([[0, 3_000_000, 1_000_000], [2_000_000, 0, 5], [7, 9, 0]])
    res = error_distance_null(cm, COST3, n_resamples=500, rng=0)
    assert res.null.shape == (500,)
    assert res.pvalue == pytest.approx(1 / 501)


# -- Degenerate input -- #

def test_no_errors_warns_and_returns_nan():
    with pytest.warns(DegenerateDataWarning, match="no error with a defined cost"):
        res = error_distance_null(np.diag([5, 5, 5]), COST3, n_resamples=10, rng=0)
    assert np.isnan(res.observed) and np.isnan(res.pvalue) and np.isnan(res.null).all()
    assert res.distances.size == 0 and res.null_weights.size == 0


def test_only_excluded_errors_warns():
    cost = COST3.copy()
    cost[0, 1] = cost[1, 0] = np.nan
    cm = np.array([[5, 3, 0], [2, 5, 0], [0, 0, 5]])
    with pytest.warns(DegenerateDataWarning, match="5 error"):
        res = error_distance_null(cm, cost, n_resamples=10, rng=0)
    assert res.n_excluded == 5


# -- Input validation -- #

@pytest.mark.parametrize("kwargs, message", [
    ({"cm": np.ones((2, 3))}, "square"),
    ({"cm": -np.ones((3, 3))}, "non-negative integer counts"),
    ({"cm": np.full((3, 3), 0.5)}, "non-negative integer counts"),
    ({"cost": np.ones((2, 2))}, "shape of `cm`"),
    ({"cost": -COST3}, "non-negative"),
    ({"n_resamples": 0}, "`n_resamples` must be an integer >= 1"),
    ({"n_resamples": 2.5}, "`n_resamples` must be an integer >= 1"),
    ({"n_resamples": True}, "`n_resamples` must be an integer >= 1"),
    ({"rng": -1}, "`rng` must be None, an int >= 0"),
    ({"rng": "seed"}, "`rng` must be None, an int >= 0"),
])
def test_input_validation(kwargs, message):
    args = {"cm": np.ones((3, 3), dtype=int), "cost": COST3, "n_resamples": 10, "rng": 0, **kwargs}
    with pytest.raises(ConfigError, match=message):
        error_distance_null(args.pop("cm"), args.pop("cost"), **args)


# -- Properties -- #

@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(2, 6))
def test_properties(seed, k):
    rng = np.random.default_rng(seed)
    cm, cost = _random_case(rng, k=k)
    cm[0, 1] += 1                                   # at least one error
    res = error_distance_null(cm, cost, n_resamples=50, rng=seed)
    assert 0 < res.pvalue <= 1
    lo, hi = np.nanmin(cost[~np.eye(k, dtype=bool)]), np.nanmax(cost)
    assert lo - 1e-12 <= res.observed <= hi + 1e-12
    assert ((res.null >= lo - 1e-12) & (res.null <= hi + 1e-12)).all()
    assert np.all(np.diff(res.distances) > 0) and np.all(np.diff(res.null_distances) > 0)


def _fields_equal(a, b) -> bool:
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            if x.dtype != y.dtype or x.tobytes() != y.tobytes():
                return False
        elif not (x == y or (x != x and y != y)):       # NaN equals NaN here
            return False
    return True


def test_nulls_under_several_costs_are_each_costs_own_null():
    """One set of draws per group of costs defined on the same cells; every member is
    what error_distance_null gives for its cost alone, field for field and byte for
    byte, including a cost defined on other cells (its own draws) and no error at all."""
    import warnings

    from affectctl.controls.error_null import error_distance_nulls

    gen = np.random.default_rng(8)
    for trial in range(24):
        k = int(gen.integers(3, 9))
        cm = gen.integers(0, 30, size=(k, k))
        if trial == 5:
            cm = np.diag(np.full(k, 4))                 # no error: NaN nulls, a warning
        costs = []
        for _ in range(3):
            c = gen.random((k, k))
            c = (c + c.T) / 2
            np.fill_diagonal(c, 0.0)
            if trial % 3 == 0:
                c[0, :] = c[:, 0] = np.nan              # a class without a coordinate
            costs.append(c)
        if trial % 4 == 0:
            costs[1][1, 2] = np.nan                     # other cells: drawn apart
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            many = error_distance_nulls(cm, costs, n_resamples=499, rng=trial)
            alone = [error_distance_null(cm, c, n_resamples=499, rng=trial) for c in costs]
        assert all(_fields_equal(m, a) for m, a in zip(many, alone)), trial
    assert error_distance_nulls(np.eye(3, dtype=int), [], rng=0) == []


def test_nulls_under_several_costs_with_a_generator_continue_it():
    from affectctl.controls.error_null import error_distance_nulls

    cm = np.array([[10, 4, 1], [2, 10, 3], [0, 5, 10]])
    cost = np.array([[0., 1., 3.], [1., 0., 2.], [3., 2., 0.]])
    other = cost.copy()
    other[0, 2] = other[2, 0] = np.nan
    gen_a, gen_b = np.random.default_rng(4), np.random.default_rng(4)
    both = error_distance_nulls(cm, [cost, 2 * cost, other], n_resamples=199, rng=gen_a)
    first = error_distance_null(cm, cost, n_resamples=199, rng=gen_b)
    then = error_distance_null(cm, other, n_resamples=199, rng=gen_b)
    assert _fields_equal(both[0], first) and _fields_equal(both[2], then)
    np.testing.assert_allclose(both[1].null, 2 * first.null, rtol=1e-15)


def test_the_degenerate_warning_names_the_line_that_asked():
    import warnings

    from affectctl.controls.error_null import error_distance_nulls

    cm, cost = np.diag([3, 3, 3]), np.array([[0., 1., 2.], [1., 0., 1.], [2., 1., 0.]])
    for call in (lambda: error_distance_null(cm, cost, n_resamples=9, rng=0),
                 lambda: error_distance_nulls(cm, [cost], n_resamples=9, rng=0)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert [w.filename for w in caught] == [__file__], [w.filename for w in caught]
