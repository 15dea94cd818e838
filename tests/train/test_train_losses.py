"""OT loss against its closed form and POT; CCC, weights, logit adjustment, ARBEx losses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
ot = pytest.importorskip("ot")

from affectctl.domain.taxonomies import get_taxonomy  # noqa: E402
from affectctl.train.costs import circumplex_cost, offdiag_mean, uniform_cost  # noqa: E402
from affectctl.train.losses import (  # noqa: E402
    anchor_loss,
    ccc,
    ccc_loss,
    center_loss,
    check_histograms,
    inverse_frequency_weights,
    logit_adjusted_cross_entropy,
    ot_loss,
    ot_onehot,
    ot_soft,
    smooth_targets,
)

TAX = get_taxonomy("affwild2-expr8")
C = circumplex_cost(TAX)
K = TAX.n_classes


def _probs(seed, n=16, k=K):
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(n, k, generator=g, dtype=torch.float64) * 2, dim=-1)


# -- closed form == expected cost == POT ------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_onehot_ot_equals_expected_cost_and_emd2(seed):
    p = _probs(seed)
    y = torch.from_numpy(np.random.default_rng(seed).integers(0, K, p.shape[0]))
    M = torch.from_numpy(C)
    closed = ot_onehot(p, y, M)
    expected = torch.tensor([sum(float(p[b, j]) * C[j, int(y[b])] for j in range(K))
                             for b in range(p.shape[0])], dtype=torch.float64)
    pot = torch.stack([ot.emd2(p[b], torch.nn.functional.one_hot(y[b], K).double(), M)
                       for b in range(p.shape[0])])
    np.testing.assert_allclose(closed.numpy(), expected.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(closed.numpy(), pot.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("y", range(K))
def test_onehot_gradient_agrees_with_emd2_up_to_a_constant(y):
    M = torch.from_numpy(C)
    p1 = _probs(y, n=1)[0].clone().requires_grad_()
    ot_onehot(p1[None], torch.tensor([y]), M).sum().backward()
    p2 = p1.detach().clone().requires_grad_()
    target = torch.nn.functional.one_hot(torch.tensor(y), K).double()
    ot.emd2(p2, target, M).backward()
    np.testing.assert_allclose(p1.grad.numpy(), C[:, y], atol=1e-12)  # closed form: C[:, y]
    diff = (p2.grad - p1.grad).numpy()
    np.testing.assert_allclose(diff, np.full(K, diff.mean()), atol=1e-9)  # POT centres it


def test_soft_path_equals_closed_form_on_onehot_targets():
    p = _probs(3, n=8)
    y = torch.arange(8) % K
    M = torch.from_numpy(C)
    soft = ot_soft(p, torch.nn.functional.one_hot(y, K).double(), M)
    np.testing.assert_allclose(soft.numpy(), ot_onehot(p, y, M).numpy(), rtol=1e-10, atol=1e-12)


def test_soft_ot_known_answers_from_pot():
    # POT's test_ot.py: identical distributions cost zero; the value is the LP optimum.
    M = torch.from_numpy(C)
    p = _probs(5, n=4)
    np.testing.assert_allclose(ot_soft(p, p.clone(), M).numpy(), 0.0, atol=1e-12)
    q = _probs(6, n=4)
    from scipy.optimize import linprog

    for b in range(4):
        a_, b_ = p[b].numpy(), q[b].numpy()
        eq = np.vstack([np.kron(np.eye(K), np.ones(K)), np.kron(np.ones(K), np.eye(K))])
        lp = linprog(C.ravel(), A_eq=eq, b_eq=np.r_[a_, b_], bounds=(0, None), method="highs")
        assert float(ot_soft(p[b:b + 1], q[b:b + 1], M)[0]) == pytest.approx(lp.fun, abs=1e-9)


def test_soft_ot_is_differentiable_through_pot():
    M = torch.from_numpy(C)
    logits = torch.randn(3, K, dtype=torch.float64, requires_grad=True)
    q = smooth_targets(torch.tensor([1, 3, 5]), K, 0.1).double()
    ot_loss(torch.softmax(logits, -1), q, M).backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


# -- the uniform control -----------------------------------------------------------------


def test_uniform_ot_is_a_confidence_penalty():
    U = uniform_cost(TAX)
    s = offdiag_mean(C)
    p = _probs(11, n=32)
    y = torch.from_numpy(np.random.default_rng(1).integers(0, K, 32))
    value = ot_onehot(p, y, torch.from_numpy(U))
    np.testing.assert_allclose(value.numpy(), s * (1 - p[torch.arange(32), y].numpy()), rtol=1e-12)
    np.testing.assert_allclose(offdiag_mean(U), offdiag_mean(C), rtol=1e-15)


# -- validation before POT ---------------------------------------------------------------


def test_unequal_mass_raises_valueerror_not_pot_assertion():
    M = torch.from_numpy(C)
    p = _probs(1, n=2)
    q = p * 1.01
    with pytest.raises(ValueError, match="equal mass .* row 0"):
        ot_soft(p, q, M)


def test_negative_histogram_raises_valueerror():
    M = torch.from_numpy(C)
    p = _probs(1, n=3)
    q = p.clone()
    q[2, 0] = -q[2, 0]
    q[2, 1] += 2 * p[2, 0]
    with pytest.raises(ValueError, match="`target` must be non-negative; row 2"):
        ot_soft(p, q, M)


def test_shape_mismatch_and_nan_raise_valueerror():
    M = torch.from_numpy(C)
    with pytest.raises(ValueError, match="same shape"):
        check_histograms(_probs(1, n=2), _probs(1, n=3), M)
    p = _probs(1, n=2)
    p[0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        check_histograms(p, _probs(1, n=2), M)


def test_bad_class_index_raises_valueerror():
    with pytest.raises(ValueError, match="class indices"):
        ot_loss(_probs(1, n=2), torch.tensor([0, K]), torch.from_numpy(C))


# -- other terms --------------------------------------------------------------------------


def test_ccc_population_moments_reference():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    # hand formula with population moments (ddof=0), Lin (1989)
    ref = [2 * np.mean((x[:, j] - x[:, j].mean()) * (y[:, j] - y[:, j].mean()))
           / (x[:, j].var() + y[:, j].var() + (x[:, j].mean() - y[:, j].mean()) ** 2)
           for j in range(2)]
    got = ccc(torch.from_numpy(x), torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    assert float(ccc_loss(torch.from_numpy(x), torch.from_numpy(x))) == pytest.approx(0, abs=1e-6)


def test_ccc_loss_skips_unannotated_rows():
    x = torch.tensor([[0.1, 0.2], [0.3, -0.1], [0.5, 0.4], [9.0, 9.0]])
    y = torch.tensor([[0.1, 0.2], [0.3, -0.1], [0.5, 0.4], [float("nan"), float("nan")]])
    assert float(ccc_loss(x, y)) == pytest.approx(0, abs=1e-6)


def test_inverse_frequency_weights_balance_the_prior():
    counts = torch.tensor([500, 30, 20, 0, 200])
    w = inverse_frequency_weights(counts).double()
    prior = counts.double() / counts.sum()
    assert float((prior * w).sum()) == pytest.approx(1.0)
    assert float(w[3]) == 0.0
    present = counts > 0
    np.testing.assert_allclose((prior * w)[present].numpy(), 1 / 4)  # equal class contributions


def test_logit_adjustment_is_ce_on_shifted_logits():
    logits = torch.randn(6, K)
    y = torch.arange(6)
    log_prior = torch.log(torch.softmax(torch.randn(K), 0))
    got = logit_adjusted_cross_entropy(logits, y, log_prior, 1.5)
    ref = torch.nn.functional.cross_entropy(logits + 1.5 * log_prior, y)
    assert float(got) == pytest.approx(float(ref))
    assert float(logit_adjusted_cross_entropy(logits, y, log_prior, 0.0)) == pytest.approx(
        float(torch.nn.functional.cross_entropy(logits, y)))


def test_anchor_loss_is_bounded():
    same = torch.zeros(3, 2, 4)
    assert float(anchor_loss(same, 1.0)) == pytest.approx(1.0, abs=1e-5)
    far = torch.arange(24, dtype=torch.float32).reshape(3, 2, 4) * 10
    assert float(anchor_loss(far, 1.0)) == 0.0
    huge = far * 1e6  # the paper's -sum of squared distances would be -inf-like here
    assert float(anchor_loss(huge, 1.0)) == 0.0


def test_anchor_loss_is_the_papers_form_inside_the_margin():
    # two anchors at distance 0.5 with margin 2: 1 - 0.25 / 4, and the gradient is the paper's
    # -d/da ||a1 - a2||^2 scaled by 1 / (P m^2), P = 1 pair
    a = torch.tensor([[[0.0, 0.0]], [[0.3, 0.4]]], requires_grad=True)
    loss = anchor_loss(a, 2.0)
    assert float(loss.detach()) == pytest.approx(1 - 0.25 / 4)
    loss.backward()
    np.testing.assert_allclose(a.grad.numpy().reshape(2, 2),
                               [[0.3 * 2 / 4, 0.4 * 2 / 4], [-0.3 * 2 / 4, -0.4 * 2 / 4]],
                               rtol=1e-5)


def test_center_loss_nearest_own_anchor():
    anchors = torch.tensor([[[0.0, 0.0], [10.0, 0.0]], [[0.0, 5.0], [0.0, 6.0]]])
    e = torch.tensor([[9.0, 0.0], [0.0, 3.0]])
    y = torch.tensor([0, 1])
    d = torch.cdist(e, anchors.reshape(4, 2)).reshape(2, 2, 2)
    # sample 0: nearest class-0 anchor (10,0) at 1; sample 1: nearest class-1 anchor (0,5) at 2;
    # mean distance / sqrt(D), D = 2 (the official code's factor)
    assert float(center_loss(d, y, 2)) == pytest.approx((1 + 2) / 2 / 2 ** 0.5)


def test_soft_ot_matches_emd2_value_and_gradient_and_the_uniform_closed_form():
    import ot

    rng = np.random.default_rng(3)
    K = 7
    xy = rng.normal(size=(K, 2))
    M = torch.tensor(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)))
    p = torch.tensor(rng.dirichlet(np.ones(K), 6), requires_grad=True)
    q = torch.tensor(rng.dirichlet(np.ones(K), 6))
    ot_soft(p, q, M).sum().backward()
    for b in range(6):
        pb = p.detach()[b].clone().requires_grad_(True)
        ref = ot.emd2(pb, q[b], M)
        ref.backward()
        assert float(ot_soft(p.detach()[b:b + 1], q[b:b + 1], M)[0]) == pytest.approx(
            float(ref.detach()), abs=1e-10)
        g, h = p.grad[b].numpy(), pb.grad.numpy()
        np.testing.assert_allclose(g - g.mean(), h - h.mean(), atol=1e-9)
    # uniform cost s (1 - I): closed form equals the exact solver
    U = torch.full((K, K), 0.7, dtype=torch.float64).fill_diagonal_(0.0)
    exact = torch.stack([ot.emd2(p.detach()[b], q[b], U) for b in range(6)])
    np.testing.assert_allclose(ot_soft(p.detach(), q, U).numpy(), exact.numpy(), atol=1e-10)


def test_check_cost_refuses_a_non_finite_or_non_square_cost():
    from affectctl.train.losses import check_cost

    check_cost(torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"`cost` must be finite\."):
        check_cost(torch.tensor([[0.0, float("nan")], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"`cost` must be a square \(K, K\) matrix; got shape "
                                         r"\(2, 3\)\."):
        check_cost(torch.zeros(2, 3))
