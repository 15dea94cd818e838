"""The linear probe's solver against scikit-learn's StandardScaler + LogisticRegression."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from affectctl.controls import logistic
from affectctl.controls.logistic import Standardizer, fit_probe


def _reference(x_train, y_train, x_test, C, *, model_out=None):
    """scikit-learn's pipeline, solved far tighter than its default tol=1e-4 (its line
    search may then warn that it cannot improve further: the reference is at the optimum)."""
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(C=C, solver="newton-cg", tol=1e-9, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(scaler.transform(x_train), y_train)
    if model_out is not None:
        model_out.append((model.coef_[0], model.intercept_[0], scaler.transform(x_train)))
    return model.decision_function(scaler.transform(x_test))


def _objective(w, b, x, y, C):
    """1/2 |w|^2 + C sum log(1 + e^z) - y z, z = x w + b (scikit-learn's, written out)."""
    z = x @ w + b
    return 0.5 * float(w @ w) + C * float(np.sum(np.logaddexp(0.0, z) - y * z))


def _problem(seed, n, d, shift, imbalance=0.5, scale=1.0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < imbalance).astype(np.int64)
    y[:2] = [0, 1]
    x = rng.normal(size=(n, d)) * scale + rng.normal(size=d) * 3
    x[y == 1, 0] += shift
    return x, y


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(12, 200), d=st.integers(1, 40),
       shift=st.sampled_from([0.0, 0.5, 2.0, 6.0]), imbalance=st.sampled_from([0.1, 0.5, 0.9]),
       C=st.sampled_from([0.01, 1.0, 100.0]), scale=st.sampled_from([1e-3, 1.0, 1e3]))
@settings(max_examples=60, deadline=None)
@example(seed=155, n=155, d=39, shift=0.5, imbalance=0.9, C=100.0, scale=0.001)  # ill-conditioned
def test_exact_newton_equals_scikit_learn(seed, n, d, shift, imbalance, C, scale):
    x, y = _problem(seed, n, d, shift, imbalance, scale)
    cut = (3 * n) // 4
    if np.unique(y[:cut]).shape[0] < 2:
        return
    got = fit_probe(x[:cut], y[:cut], x[cut:], C=C)
    fitted = []
    ref = _reference(x[:cut], y[:cut], x[cut:], C, model_out=fitted)
    # the criterion: an objective no higher than the reference's (which stops at a
    # gradient of 1e-9, so on ill-conditioned problems, C = 100 with 40 columns, this
    # solver is the lower of the two); then the decision values agree
    w_ref, b_ref, xs_ref = fitted[0]
    theta = logistic._newton(Standardizer(x[:cut])(x[:cut]), y[:cut].astype(float), C)
    f_ref = _objective(w_ref, b_ref, xs_ref, y[:cut], C)
    assert _objective(theta[:-1], theta[-1], xs_ref, y[:cut], C) <= f_ref + 1e-9 * max(1.0, f_ref)
    assert got == pytest.approx(ref, rel=1e-4, abs=1e-4)


def test_separable_data_stay_finite_and_rank_like_scikit_learn():
    # perfectly separable: only the L2 penalty keeps w finite (the intercept is free)
    x, y = _problem(3, 200, 5, 50.0)
    got = fit_probe(x[:150], y[:150], x[150:], C=100.0)
    ref = _reference(x[:150], y[:150], x[150:], 100.0)
    assert np.all(np.isfinite(got))
    assert got == pytest.approx(ref, rel=1e-5, abs=1e-5)
    assert np.array_equal(np.argsort(got), np.argsort(ref))


def test_constant_and_near_constant_columns_as_standard_scaler():
    x, y = _problem(4, 120, 4, 1.0)
    x[:, 1] = 7.25  # constant: scale 1 (scikit-learn's rule), not a division by ~0
    x[:, 2] = 1e9 + np.arange(120) * 1e-7  # constant to rounding at this magnitude
    s = Standardizer(x[:90])
    ref = StandardScaler().fit(x[:90])
    assert s.scale == pytest.approx(ref.scale_, rel=1e-9)
    assert s(x[90:]) == pytest.approx(ref.transform(x[90:]), rel=1e-7, abs=1e-7)
    got = fit_probe(x[:90], y[:90], x[90:])
    assert got == pytest.approx(_reference(x[:90], y[:90], x[90:], 1.0), rel=1e-5, abs=1e-5)


def test_wide_inputs_go_to_scikit_learn_and_give_the_same_answer(monkeypatch):
    d = logistic.EXACT_NEWTON_MAX_DIM + 1
    x, y = _problem(5, 160, d, 1.0)
    wide = fit_probe(x[:120], y[:120], x[120:])
    # the same problem through the exact Newton path
    monkeypatch.setattr(logistic, "EXACT_NEWTON_MAX_DIM", d)
    exact = fit_probe(x[:120], y[:120], x[120:])
    ref = _reference(x[:120], y[:120], x[120:], 1.0)
    assert exact == pytest.approx(ref, rel=1e-5, abs=1e-5)
    # scikit-learn's default tol=1e-4 stops short of the optimum: close, not equal
    assert wide == pytest.approx(ref, rel=0.05, abs=0.05)


def test_objective_is_minimized():
    # the returned (w, b) has a zero gradient and no nearby point does better
    x, y = _problem(6, 150, 6, 1.0)
    xs = Standardizer(x)(x)
    theta = logistic._newton(xs, y.astype(float), 2.0)
    z = xs @ theta[:-1] + theta[-1]
    f0 = logistic._objective(z, y, theta[:-1], 2.0)
    rng = np.random.default_rng(0)
    for _ in range(50):
        t = theta + rng.normal(size=theta.shape) * 1e-3
        assert logistic._objective(xs @ t[:-1] + t[-1], y, t[:-1], 2.0) >= f0


def test_a_singular_hessian_falls_back_to_scikit_learn(monkeypatch):
    x, y = _problem(7, 120, 4, 1.0)

    def singular(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(logistic.np.linalg, "solve", singular)
    got = fit_probe(x[:90], y[:90], x[90:])
    monkeypatch.undo()
    # scikit-learn's default tolerance: close to the optimum, not at it
    assert got == pytest.approx(_reference(x[:90], y[:90], x[90:], 1.0), rel=1e-2, abs=1e-2)
