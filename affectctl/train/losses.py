"""Loss functions of the training core (torch; POT only for soft-target OT).

Optimal transport with a class cost
-----------------------------------
For a predicted distribution ``p`` and a target distribution ``q`` over K classes,

.. math::

    \\mathrm{OT}(p, q; C) = \\min_{T \\ge 0,\\; T1 = p,\\; T^\\top 1 = q} \\langle T, C \\rangle .

With a one-hot target ``q = δ_y`` the only feasible plan sends all of ``p`` to ``y``,
so the value is the expected cost ``Σ_j p_j C[j, y]`` exactly; :func:`ot_onehot`
computes it in closed form. With soft targets (label smoothing, label distributions)
:func:`ot_soft` solves a whole batch: closed form for a uniform cost, POT's exact
network-simplex solver (the routine behind ``ot.emd2``) on numpy arrays otherwise; its
gradient with respect to ``p`` is the dual potential, i.e. for a one-hot target the
closed-form gradient ``C[:, y]`` up to an additive constant (POT centres the
potential; Flamary et al., POT, JMLR 2021). Both check that histograms are non-negative with
equal mass and raise ``ValueError`` before POT would raise its ``AssertionError``.

References
----------
Frogner et al. (2015), "Learning with a Wasserstein loss", NeurIPS.
Flamary et al. (2021), "POT: Python Optimal Transport", JMLR 22(78).
Villani, C. (2009), *Optimal Transport: Old and New*, Springer (discrete metric:
OT = total variation).
Menon et al. (2021), "Long-tail learning via logit adjustment", ICLR.
Lin, L. I.-K. (1989), "A concordance correlation coefficient to evaluate
reproducibility", Biometrics 45(1).
Wasi et al. (2023), "ARBEx: Attentive feature extraction with reliability balancing
for robust facial expression learning", arXiv:2305.01486.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "MASS_TOLERANCE",
    "check_histograms",
    "check_cost",
    "ot_onehot",
    "ot_soft",
    "ot_loss",
    "smooth_targets",
    "soft_cross_entropy",
    "inverse_frequency_weights",
    "logit_adjusted_cross_entropy",
    "ccc",
    "ccc_loss",
    "au_bce",
    "anchor_loss",
    "center_loss",
]

#: Largest relative difference of total mass accepted between the two histograms.
MASS_TOLERANCE = 1e-6


def check_histograms(a: torch.Tensor, b: torch.Tensor, cost: torch.Tensor) -> None:
    """Validate histograms of shape (B, K) (or (K,)) and a (K, K) cost for OT.

    Raises
    ------
    ValueError
        Non-finite or negative entries, a shape mismatch, or masses that differ by
        more than :data:`MASS_TOLERANCE` (relative), naming the first offending row.
    """
    if a.shape != b.shape or a.shape[-1] != cost.shape[0] or cost.shape[0] != cost.shape[1]:
        raise ValueError(f"histograms must have the same shape (..., K) and the cost (K, K); got "
                         f"{tuple(a.shape)}, {tuple(b.shape)} and {tuple(cost.shape)}.")
    for name, h in (("p", a), ("target", b)):
        h = h.detach()
        if not torch.isfinite(h).all():
            raise ValueError(f"`{name}` must be finite; it holds NaN or infinite values.")
        if (h < 0).any():
            row = int(torch.nonzero((h < 0).reshape(-1, h.shape[-1]).any(-1))[0])
            raise ValueError(f"`{name}` must be non-negative; row {row} has a negative entry.")
    check_cost(cost)
    ma = a.detach().sum(-1).reshape(-1).double()
    mb = b.detach().sum(-1).reshape(-1).double()
    off = (ma - mb).abs() > MASS_TOLERANCE * torch.maximum(ma, mb).clamp_min(1e-12)
    if off.any():
        row = int(torch.nonzero(off)[0])
        raise ValueError(f"histograms must have equal mass (tolerance {MASS_TOLERANCE}, relative); "
                         f"row {row} has {float(ma[row])!r} and {float(mb[row])!r}.")


def check_cost(cost: torch.Tensor) -> None:
    """Raise ``ValueError`` unless ``cost`` is a finite square matrix."""
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise ValueError(f"`cost` must be a square (K, K) matrix; got shape {tuple(cost.shape)}.")
    if not torch.isfinite(cost).all():
        raise ValueError("`cost` must be finite.")


def ot_onehot(p: torch.Tensor, y: torch.Tensor, cost: torch.Tensor) -> torch.Tensor:
    """OT cost to a one-hot target, in closed form: ``Σ_j p[b, j] C[j, y[b]]``.

    Parameters
    ----------
    p : tensor (B, K)
        Predicted distributions.
    y : int64 tensor (B,)
        Target classes.
    cost : tensor (K, K)

    Returns
    -------
    tensor (B,)
    """
    return (p * cost[:, y].T.to(p.dtype)).sum(-1)


class _ExactOT(torch.autograd.Function):
    """Row-wise exact OT values; the gradient in ``p`` is the dual potential of ``p``."""

    @staticmethod
    def forward(ctx, a, b, M):
        from ot.lp.emd_wrap import emd_c  # POT's network-simplex solver (what ot.emd calls)

        A = a.detach().cpu().numpy()
        Bq = b.detach().cpu().numpy()
        Mn = np.ascontiguousarray(M.detach().cpu().numpy())
        values = np.empty(A.shape[0])
        pots = np.empty_like(A)
        for i in range(A.shape[0]):
            _, cost, alpha, _, code = emd_c(A[i], Bq[i], Mn, 100_000, 1)
            if code != 1:  # 1 = OPTIMAL in POT's result codes
                raise RuntimeError(f"exact OT did not reach optimality on row {i} "
                                   f"(POT result code {code}).")
            values[i] = cost
            pots[i] = alpha - alpha.mean()   # POT centres the potential the same way
        ctx.save_for_backward(torch.from_numpy(pots))
        return torch.from_numpy(values)

    @staticmethod
    def backward(ctx, grad):
        (pots,) = ctx.saved_tensors
        return grad[:, None] * pots, None, None


def ot_soft(p: torch.Tensor, q: torch.Tensor, cost: torch.Tensor) -> torch.Tensor:
    """Exact OT cost between soft distributions, for a whole batch.

    A cost with equal off-diagonal entries ``s`` (the ``uniform`` control) has the
    closed form ``OT = s (1 - Σ_j min(p_j, q_j))`` (all mass common to ``p`` and ``q``
    stays, the rest moves at price ``s``; Villani 2009, total-variation case), computed
    in torch. Any other cost is solved exactly, row by row, by POT's network-simplex
    solver (the C routine behind ``ot.emd``) in float64, called directly on numpy arrays
    rather than through ``ot.emd2``'s torch backend: ~1 ms per batch of 128 with K = 8
    against ~176 ms. The gradient with respect to ``p`` is the centred dual potential,
    as with ``ot.emd2`` (Flamary et al. 2021). Rows are normalised to mass 1 after
    :func:`check_histograms`.

    Parameters
    ----------
    p, q : tensor (B, K)
    cost : tensor (K, K)

    Returns
    -------
    tensor (B,), dtype of ``p``
    """
    check_histograms(p, q, cost)
    M = cost.detach().to(torch.float64)
    a = p.to(torch.float64)
    b = q.detach().to(torch.float64)
    a = a / a.sum(-1, keepdim=True)
    b = b / b.sum(-1, keepdim=True)
    K = M.shape[0]
    off = M[~torch.eye(K, dtype=torch.bool)]
    if K > 1 and float(off.max() - off.min()) <= 1e-12 * max(1.0, float(off.abs().max())):
        return (off[0] * (1.0 - torch.minimum(a, b).sum(-1))).to(p.dtype)
    return _ExactOT.apply(a, b, M).to(p.dtype)


def ot_loss(p: torch.Tensor, target: torch.Tensor, cost: torch.Tensor) -> torch.Tensor:
    """Mean OT cost: closed form for class indices, POT for distributions.

    ``target`` of integer dtype and shape (B,) is one-hot (:func:`ot_onehot`); a float
    tensor of shape (B, K) is a soft target (:func:`ot_soft`).
    """
    if target.dtype in (torch.int64, torch.int32):
        if p.shape[0] and ((target < 0) | (target >= cost.shape[0])).any():
            raise ValueError(f"class indices must be in [0, {cost.shape[0] - 1}].")
        check_histograms(p, F.one_hot(target, cost.shape[0]).to(p.dtype), cost)
        return ot_onehot(p, target, cost).mean()
    return ot_soft(p, target, cost).mean()


def smooth_targets(y: torch.Tensor, n_classes: int, eps: float) -> torch.Tensor:
    """Label smoothing: ``(1 - ε) δ_y + ε / K`` (Szegedy et al. 2016)."""
    return F.one_hot(y, n_classes).to(torch.float32) * (1.0 - eps) + eps / n_classes


def soft_cross_entropy(log_p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """``mean_b -Σ_k q[b, k] log p[b, k]`` from log-probabilities."""
    return -(q * log_p).sum(-1).mean()


def inverse_frequency_weights(counts: torch.Tensor) -> torch.Tensor:
    """Class weights ``w_k = 1 / (K π_k)`` (0 for absent classes), so ``Σ_k π_k w_k = 1``.

    ``π`` is the class share in the training set; the weights make every present class
    contribute equally to the expected loss.
    """
    counts = counts.to(torch.float64)
    present = counts > 0
    prior = counts / counts.sum()
    w = torch.zeros_like(prior)
    w[present] = 1.0 / (int(present.sum()) * prior[present])
    return w.to(torch.float32)


def logit_adjusted_cross_entropy(logits: torch.Tensor, y: torch.Tensor, log_prior: torch.Tensor,
                                 tau: float) -> torch.Tensor:
    """Logit-adjusted loss of Menon et al. (2021), eq. (10).

    .. math:: \\ell(y, f(x)) = -\\log \\frac{e^{f_y(x) + \\tau \\log \\pi_y}}
              {\\sum_k e^{f_k(x) + \\tau \\log \\pi_k}}

    Predictions use the raw logits ``f(x)`` (the loss, not the post-hoc, variant).
    """
    return F.cross_entropy(logits + tau * log_prior, y)


def ccc(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Concordance correlation (Lin 1989) per column, with population moments.

    .. math:: \\rho_c = \\frac{2 s_{xy}}{s_x^2 + s_y^2 + (\\bar x - \\bar y)^2}

    Parameters
    ----------
    pred, target : tensor (n, m)

    Returns
    -------
    tensor (m,)
    """
    mx, my = pred.mean(0), target.mean(0)
    vx = ((pred - mx) ** 2).mean(0)
    vy = ((target - my) ** 2).mean(0)
    cov = ((pred - mx) * (target - my)).mean(0)
    return 2.0 * cov / (vx + vy + (mx - my) ** 2 + 1e-8)


def ccc_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``mean over valence, arousal of (1 - CCC)``, on rows whose target is finite."""
    ok = torch.isfinite(target).all(-1)
    n_ok = int(ok.sum())
    if n_ok < 2:
        return pred.sum() * 0.0
    if n_ok == ok.shape[0]:  # all rows: the same values as indexing, without the copies
        return (1.0 - ccc(pred, target)).mean()
    return (1.0 - ccc(pred[ok], target[ok])).mean()


def au_bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy over annotated AUs (``target`` 0/1; -1 = not annotated)."""
    mask = target >= 0
    n = int(mask.sum())
    if not n:
        return logits.sum() * 0.0
    if n == mask.numel():  # all annotated: the same flat vector as indexing, without the copies
        return F.binary_cross_entropy_with_logits(logits.reshape(-1),
                                                  target.reshape(-1).to(logits.dtype))
    return F.binary_cross_entropy_with_logits(logits[mask], target[mask].to(logits.dtype))


def anchor_loss(anchors: torch.Tensor, margin: float) -> torch.Tensor:
    """ARBEx's anchor loss, clipped at a margin so that it is bounded, in [0, 1].

    ARBEx keeps anchors apart with ``L = -Σ_{i<j} ‖a_i - a_j‖²`` (paper eq. 6; the
    official code divides by ``sqrt(D)``), which is unbounded below: the anchors can
    run off to infinity and the term then dominates the objective. This version keeps
    the paper's form (and so its gradient, which pushes every close pair apart along
    ``a_i - a_j``) up to a margin ``m`` and is flat beyond it:

    .. math:: L_a = \\frac{1}{P} \\sum_{i<j} \\max\\left(0,\\;
              1 - \\lVert a_i - a_j \\rVert^2 / m^2\\right)

    over all ``P`` pairs of anchors (all classes). It is 1 when all anchors coincide and
    0 once every pair is at least ``m`` apart; it never pulls anchors together. The
    training loop puts ``m`` on the scale of the standardised embedding
    (``anchor_margin × sqrt(2 r)``, the typical distance between two embeddings), and the
    anchors start close together (:data:`affectctl.train.heads.ANCHOR_INIT_STD`), so the
    loss acts from the first step.

    Parameters
    ----------
    anchors : tensor (K, A, D)
    margin : float > 0
        ``m``, in the embedding's units.
    """
    flat = anchors.reshape(-1, anchors.shape[-1])
    n = flat.shape[0]
    if n < 2:
        return flat.sum() * 0.0
    sq = torch.pdist(flat).pow(2)   # the n (n - 1) / 2 pairs i < j
    return F.relu(1.0 - sq / (margin * margin)).mean()


def center_loss(distances: torch.Tensor, y: torch.Tensor, dim: int) -> torch.Tensor:
    """ARBEx's center loss: distance to the nearest anchor of the frame's own class.

    .. math:: L_c = \\frac{1}{B \\sqrt{D}} \\sum_b \\min_i \\lVert e_b - a_{y_b, i} \\rVert

    (paper eq. 7; the ``1/sqrt(D)`` factor is the official code's). ARBEx's official code
    also multiplies each term by the primary head's confidence; this version does not
    (the gradient through that factor lowers the primary head's confidence to shrink
    the loss).

    Parameters
    ----------
    distances : tensor (B, K, A)
        ``‖e_b - a_{k,i}‖`` (:meth:`affectctl.train.heads.ReliabilityBalancing.distances`).
    y : int64 tensor (B,)
    dim : int
        Embedding width D.
    """
    own = distances[torch.arange(y.shape[0]), y]        # (B, A)
    return own.min(-1).values.mean() / dim ** 0.5
