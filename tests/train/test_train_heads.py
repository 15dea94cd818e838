"""Network and ARBEx reliability balancing: confidence, fusion, per-sample attention."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from affectctl.train.heads import MultiTaskNet, ReliabilityBalancing, confidence  # noqa: E402


@pytest.mark.parametrize("k", [2, 7, 8])
def test_confidence_uniform_is_0_and_onehot_is_1(k):
    assert float(confidence(torch.full((k,), 1.0 / k))) == pytest.approx(0.0, abs=1e-6)
    assert float(confidence(torch.nn.functional.one_hot(torch.tensor(1), k).float())) == 1.0


def test_confidence_normalises_by_log_k_not_n():
    # ARBEx's official code divides by log K (DOMAIN.md); a two-class 50/50 split among K = 8
    p = torch.tensor([0.5, 0.5, 0, 0, 0, 0, 0, 0])
    assert float(confidence(p)) == pytest.approx(1 - math.log(2) / math.log(8), rel=1e-6)


def _arbex_net(seed=0):
    torch.manual_seed(seed)
    net = MultiTaskNet(12, 8, 3, reduce_dim=16, hidden=16, dropout=0.5,
                       arbex={"anchors_per_class": 3, "temperature": 1.0, "heads": 4})
    return net.eval()


def test_arbex_prediction_does_not_depend_on_the_batch():
    net = _arbex_net()
    x = torch.randn(40, 12)
    with torch.no_grad():
        alone = torch.cat([net(x[i:i + 1]).proba for i in range(5)])
        in_batch = net(x).proba[:5]
        shuffled = net(torch.cat([x[20:], x[:5]])).proba[-5:]
    np.testing.assert_allclose(alone.numpy(), in_batch.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shuffled.numpy(), in_batch.numpy(), rtol=1e-5, atol=1e-6)


def test_arbex_outputs_are_distributions_and_fusion_follows_the_formula():
    net = _arbex_net()
    x = torch.randn(10, 12)
    with torch.no_grad():
        out = net(x)
        rb = net.balance
        e = rb.norm(net.reduce(x))  # the standardised backbone embedding
        t_a, t_g = rb.anchor_distribution(e), rb.attention_distribution(e)
        l = torch.softmax(out.logits, -1)  # noqa: E741
        c_a, c_g, c_l = (confidence(d)[:, None] + 1e-6 for d in (t_a, t_g, l))
        t = (c_g * t_g + c_a * t_a) / (c_g + c_a)
        c_t = confidence(t)[:, None] + 1e-6
        ref = (c_l * l + c_t * t) / (c_l + c_t)
    np.testing.assert_allclose(out.proba.sum(-1).numpy(), 1.0, rtol=1e-5)
    np.testing.assert_allclose(t_a.sum(-1).numpy(), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out.proba.numpy(), ref.numpy(), rtol=1e-5, atol=1e-7)
    # the fusion weights expand L = w_l l + w_a t_a + w_g t_g and sum to 1
    w = out.balance.weights
    np.testing.assert_allclose(w.sum(-1).numpy(), 1.0, rtol=1e-6)
    expanded = w[:, :1] * l + w[:, 1:2] * t_a + w[:, 2:] * t_g
    np.testing.assert_allclose(expanded.numpy(), ref.numpy(), rtol=1e-5, atol=1e-7)


def test_anchor_similarity_is_softmax_over_all_anchors_summed_per_class():
    torch.manual_seed(1)
    rb = ReliabilityBalancing(4, 3, 2, temperature=0.5, heads=2)
    e = torch.randn(5, 4)
    with torch.no_grad():
        d = torch.cdist(e, rb.anchors.reshape(6, 4))
        ref = torch.softmax(-d / 0.5, -1).reshape(5, 3, 2).sum(-1)
        np.testing.assert_allclose(rb.anchor_distribution(e).numpy(), ref.numpy(), rtol=1e-5)


def test_trunk_has_the_papers_layer_order():
    net = MultiTaskNet(12, 8, 0)
    kinds = [type(m).__name__ for m in net.trunk]
    assert kinds == ["Linear", "ReLU", "MaskDropout", "BatchNorm1d"] * 2


def test_plain_net_shapes_and_ranges():
    torch.manual_seed(0)
    net = MultiTaskNet(20, 8, 12).eval()
    with torch.no_grad():
        out = net(torch.randn(7, 20) * 10)
    assert out.proba.shape == (7, 8) and out.va.shape == (7, 2) and out.au_logits.shape == (7, 12)
    assert out.embedding.shape == (7, 64)
    assert float(out.va.abs().max()) <= 1.0
    np.testing.assert_allclose(out.proba.sum(-1).numpy(), 1.0, rtol=1e-5)


# ----------------------------------------------------------------------------------------------
# dropout masks from numpy


def test_mask_dropout_is_inverted_bernoulli_dropout():
    from affectctl.train.heads import MaskDropout

    p = 0.3
    drop = MaskDropout(p, np.random.default_rng(0)).train()
    x = torch.ones(400, 500, requires_grad=True)
    out = drop(x)
    kept = out.detach().numpy() != 0
    # kept entries are scaled by 1 / (1 - p); the keep rate is 1 - p (binomial: 200,000
    # entries, sd 0.001)
    assert np.allclose(out.detach().numpy()[kept], 1 / (1 - p))
    assert abs(kept.mean() - (1 - p)) < 0.005
    # the gradient is the mask
    out.sum().backward()
    assert np.array_equal(x.grad.numpy(), out.detach().numpy())
    # independent entries: no correlation between neighbouring columns' masks
    assert abs(np.corrcoef(kept[:, :-1].ravel(), kept[:, 1:].ravel())[0, 1]) < 0.01


def test_mask_dropout_is_reproducible_and_the_identity_in_evaluation():
    from affectctl.train.heads import MaskDropout

    x = torch.randn(64, 32)
    a = MaskDropout(0.5, np.random.default_rng(7)).train()(x)
    b = MaskDropout(0.5, np.random.default_rng(7)).train()(x)
    c = MaskDropout(0.5, np.random.default_rng(8)).train()(x)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(MaskDropout(0.5, np.random.default_rng(7)).eval()(x), x)
    assert torch.equal(MaskDropout(0.0, np.random.default_rng(7)).train()(x), x)
    # without a generator: torch's own dropout, seeded by torch.manual_seed
    torch.manual_seed(3)
    d = MaskDropout(0.5).train()(x)
    torch.manual_seed(3)
    assert torch.equal(d, torch.nn.functional.dropout(x, 0.5, training=True))
