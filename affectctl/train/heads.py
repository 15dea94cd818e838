"""The network: linear reduction, MLP trunk, multi-task heads, optional ARBEx balancing.

::

    x (d) ─ Linear(d, r) = e (r)                          backbone embedding
    e ─ [Linear(r, h) ─ ReLU ─ Dropout ─ BN]
      ─ [Linear(h, h) ─ ReLU ─ Dropout ─ BN] = z (h)      MLP head (trunk)
    z ─ Linear(h, K)            expression logits l
    z ─ Linear(h, 2) ─ tanh     valence, arousal in [-1, 1]
    z ─ Linear(h, m)            action-unit logits
    e ─ ReliabilityBalancing    (head = "arbex") corrected distribution L

The trunk is ARBEx's MLP head in the paper's layer order (Linear → ReLU → Dropout →
batch norm), two hidden layers of 64, dropout 0.5 (Wasi et al. 2023, Sec. 3). The
input features stand for the frozen backbone's output; the learnable linear reduction
``e`` is the embedding ARBEx's anchors and attention act on (in the paper, the
backbone's embedding, not the MLP's output).

Reliability balancing (ARBEx)
-----------------------------
``K`` classes, ``A`` learnable anchors per class ``a_{k,i}``, living in the
standardised embedding ``ê = BN(e)`` (batch norm without affine parameters, running
statistics at test time) so that distances, the temperature δ and the anchor margin
have a fixed scale: two independent embeddings are about ``sqrt(2r)`` apart.

- Anchor branch: ``s = softmax_{k,i}(-‖ê - a_{k,i}‖ / δ)`` over all ``K·A`` anchors,
  summed per class: ``t_a[k] = Σ_i s_{k,i}`` (paper eq. 4-5; official code).
- Attention branch: multi-head self-attention on ``ê`` itself. ARBEx's official code
  attends *across the batch* (a sample's prediction then depends on its batch mates
  and on the test batch size); here each sample's ``r`` embedding coordinates are its
  tokens: a linear map of ``ê`` cut into ``T = gcd(r, 8)`` tokens of width 16 (a
  tokenizer in the spirit of Gorishniy et al. 2021); multi-head self-attention runs over the T tokens, and the attended tokens plus the
  tokens (residual), flattened, go through a linear layer and a softmax to give
  ``t_g``. A prediction depends only on
  its own input. ``heads = 0`` removes the branch.
- Confidence of a distribution: ``c(l) = 1 - H(l) / log K`` (:func:`confidence`),
  as in ARBEx's official code (the paper's text divides by N): 0 for the uniform
  distribution, 1 for a one-hot one.
- Fusion (paper eq. 9-10): ``t = (c_g t_g + c_a t_a) / (c_g + c_a)``, then
  ``L = (c_l l + c_t t) / (c_l + c_t)`` with ``l = softmax(logits)``. Expanded,
  ``L = w_l l + w_a t_a + w_g t_g`` with ``w_l = c_l / (c_l + c_t)``,
  ``w_a = (1 - w_l) c_a / (c_a + c_g)``, ``w_g = (1 - w_l) c_g / (c_a + c_g)``: the
  fusion weights recorded per run. A tiny constant is added to each confidence so
  that all-uniform inputs average instead of dividing by zero.

References
----------
Wasi, A. T., Šerbetar, K., Islam, R., Rafi, T. H., & Chae, D.-K. (2023). ARBEx:
Attentive feature extraction with reliability balancing for robust facial expression
learning. arXiv:2305.01486.
Gorishniy, Y., Rubachev, I., Khrulkov, V., & Babenko, A. (2021). Revisiting deep
learning models for tabular data. NeurIPS (feature tokenizer).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

__all__ = ["confidence", "ReliabilityBalancing", "MultiTaskNet", "NetOutput", "BalanceOutput",
           "MaskDropout", "TOKEN_WIDTH", "N_TOKENS", "ANCHOR_INIT_STD"]

_EPS = 1e-6

from affectctl.train.conditions import N_TOKENS, TOKEN_WIDTH

#: Standard deviation of the anchors at initialisation (in units of the standardised
#: embedding): close together, so the anchor loss acts from the first step.
ANCHOR_INIT_STD = 0.1


def confidence(dist: torch.Tensor) -> torch.Tensor:
    """ARBEx confidence ``1 - H(p) / log K`` of distributions along the last axis.

    Returns a tensor of shape ``dist.shape[:-1]`` in [0, 1]; ``0 log 0 = 0``.
    """
    K = dist.shape[-1]
    if K < 2:
        return torch.ones(dist.shape[:-1], dtype=dist.dtype)
    h = -(dist * torch.log(dist.clamp_min(1e-30))).sum(-1)
    return (1.0 - h / math.log(K)).clamp(0.0, 1.0)


class BalanceOutput(NamedTuple):
    """Outputs of :class:`ReliabilityBalancing` for a batch.

    proba : (B, K) fused distribution L
    anchor : (B, K) anchor branch t_a
    attention : (B, K) attention branch t_g (zeros without the branch)
    weights : (B, 3) fusion weights (w_l, w_a, w_g) of primary, anchor and attention; rows sum to 1
    distances : (B, K, A) distances of the standardised embedding to every anchor
    embedding : (B, r) the standardised embedding ê
    """

    proba: torch.Tensor
    anchor: torch.Tensor
    attention: torch.Tensor
    weights: torch.Tensor
    distances: torch.Tensor
    embedding: torch.Tensor


class ReliabilityBalancing(nn.Module):
    """ARBEx reliability balancing on the backbone embedding (module docstring).

    Parameters
    ----------
    dim : int
        Embedding width r.
    n_classes : int
    anchors_per_class : int
    temperature : float
        δ of the anchor similarity.
    heads : int
        Attention heads (must divide :data:`TOKEN_WIDTH`); 0 removes the attention branch.
    """

    def __init__(self, dim: int, n_classes: int, anchors_per_class: int, temperature: float,
                 heads: int):
        super().__init__()
        self.n_classes = n_classes
        self.temperature = float(temperature)
        self.norm = nn.BatchNorm1d(dim, affine=False)
        self.anchors = nn.Parameter(ANCHOR_INIT_STD * torch.randn(n_classes, anchors_per_class, dim))
        if heads > 0:
            T = math.gcd(dim, N_TOKENS)
            self.n_tokens = T
            self.tokens = nn.Linear(dim, T * TOKEN_WIDTH)
            self.heads = heads
            self.attention = nn.Linear(TOKEN_WIDTH, 3 * TOKEN_WIDTH)   # q, k, v
            self.attention_out = nn.Linear(TOKEN_WIDTH, TOKEN_WIDTH)
            self.readout = nn.Linear(T * TOKEN_WIDTH, n_classes)
        else:
            self.attention = None

    def distances(self, e_hat: torch.Tensor) -> torch.Tensor:
        """``‖ê - a_{k,i}‖`` of shape (B, K, A)."""
        K, A, D = self.anchors.shape
        return torch.cdist(e_hat, self.anchors.reshape(K * A, D)).reshape(-1, K, A)

    def anchor_distribution(self, e_hat: torch.Tensor) -> torch.Tensor:
        """``t_a`` of shape (B, K): anchor similarities summed per class."""
        return self._anchor(self.distances(e_hat))

    def _anchor(self, dist: torch.Tensor) -> torch.Tensor:
        B, K, A = dist.shape
        s = torch.softmax(-dist.reshape(B, K * A) / self.temperature, dim=-1)
        return s.reshape(B, K, A).sum(-1)

    def attention_distribution(self, e_hat: torch.Tensor) -> torch.Tensor:
        """``t_g`` of shape (B, K): self-attention over each sample's embedding tokens."""
        B, T = e_hat.shape[0], self.n_tokens
        tokens = self.tokens(e_hat).reshape(B, T, -1)                              # (B, T, w)
        H = self.heads
        q, k, v = (t.reshape(B, T, H, -1).transpose(1, 2)
                   for t in self.attention(tokens).chunk(3, dim=-1))              # (B, H, T, w/H)
        # softmax(q k^T / sqrt(d)) v written out: torch's fused kernel is slower on tiny CPU tensors
        # (broadcast products: faster than batched matmuls on these tiny shapes)
        scores = (q[:, :, :, None, :] * k[:, :, None, :, :]).sum(-1) / math.sqrt(q.shape[-1])
        att = (torch.softmax(scores, dim=-1)[..., None] * v[:, :, None, :, :]).sum(-2)
        out = self.attention_out(att.transpose(1, 2).reshape(B, T, -1))           # (B, T, w)
        return torch.softmax(self.readout((out + tokens).reshape(B, -1)), dim=-1)

    def forward(self, e: torch.Tensor, logits: torch.Tensor) -> BalanceOutput:
        """Fused distribution and branches from backbone embedding ``e`` and ``logits``."""
        e_hat = self.norm(e)
        p_l = torch.softmax(logits, dim=-1)
        dist = self.distances(e_hat)
        t_a = self._anchor(dist)
        c_a = confidence(t_a)[:, None] + _EPS
        if self.attention is not None:
            t_g = self.attention_distribution(e_hat)
            c_g = confidence(t_g)[:, None] + _EPS
        else:
            t_g = torch.zeros_like(t_a)
            c_g = torch.zeros_like(c_a)
        t = (c_g * t_g + c_a * t_a) / (c_g + c_a)
        c_l = confidence(p_l)[:, None] + _EPS
        c_t = confidence(t)[:, None] + _EPS
        w_l = c_l / (c_l + c_t)
        w_a = (1.0 - w_l) * c_a / (c_a + c_g)
        w_g = (1.0 - w_l) * c_g / (c_a + c_g)
        proba = (c_l * p_l + c_t * t) / (c_l + c_t)
        return BalanceOutput(proba, t_a, t_g, torch.cat([w_l, w_a, w_g], 1), dist, e_hat)


class NetOutput(NamedTuple):
    """Outputs of :class:`MultiTaskNet` for a batch.

    logits : (B, K) primary expression logits
    proba : (B, K) predicted distribution (softmax of logits, or ARBEx's L)
    va : (B, 2) valence, arousal in [-1, 1]
    au_logits : (B, m)
    embedding : (B, h) the trunk's output z (stored with ``--embeddings``)
    balance : BalanceOutput or None (ARBEx only)
    """

    logits: torch.Tensor
    proba: torch.Tensor
    va: torch.Tensor
    au_logits: torch.Tensor
    embedding: torch.Tensor
    balance: "BalanceOutput | None" = None


class MaskDropout(nn.Module):
    """Inverted dropout whose masks come from a numpy generator.

    In training, ``x · m / (1 - p)`` with ``m_ij ~ Bernoulli(1 - p)`` independent
    (``m_ij = [u_ij >= p]``, ``u_ij`` uniform on [0, 1) from ``rng.random(dtype=float32)``);
    the identity in evaluation or at ``p = 0``: ``torch.nn.Dropout``'s definition
    (Srivastava et al. 2014, inverted scaling). The masks are drawn by numpy because
    torch's CPU ``bernoulli_`` costs ~190 µs for a 128 × 64 batch (~10% of a training
    step of the built-in runs) against ~15 µs here. Without a generator it is
    ``torch.nn.functional.dropout`` (torch's generator, ``torch.manual_seed``).
    """

    def __init__(self, p: float, rng: "np.random.Generator | None" = None):
        super().__init__()
        self.p = float(p)
        self.rng = rng

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.rng is None:
            return nn.functional.dropout(x, self.p, training=True)
        keep = self.rng.random(tuple(x.shape), dtype=np.float32) >= self.p
        mask = keep.astype(np.float32)
        mask *= np.float32(1.0 / (1.0 - self.p))
        return x * torch.from_numpy(mask)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _block(n_in: int, n_out: int, dropout: float, rng) -> list:
    # ARBEx's order (paper, Sec. 3): Linear -> ReLU -> Dropout -> BN
    return [nn.Linear(n_in, n_out), nn.ReLU(), MaskDropout(dropout, rng), nn.BatchNorm1d(n_out)]


class MultiTaskNet(nn.Module):
    """Linear reduction + ARBEx MLP trunk + expression, VA and AU heads.

    Parameters
    ----------
    n_features, n_classes, n_aus : int
    reduce_dim : int
        Width r of the linear reduction (the backbone embedding ``e``).
    hidden : int
        Width of both hidden layers (ARBEx: 64).
    dropout : float
        In each hidden layer (ARBEx: 0.5).
    arbex : dict or None
        Keyword arguments of :class:`ReliabilityBalancing` (``anchors_per_class``,
        ``temperature``, ``heads``); None for the plain softmax head.
    dropout_rng : numpy Generator or None
        Source of the dropout masks (:class:`MaskDropout`); None: torch's generator.
    """

    def __init__(self, n_features: int, n_classes: int, n_aus: int, *, reduce_dim: int = 32,
                 hidden: int = 64, dropout: float = 0.5, arbex: "dict | None" = None,
                 dropout_rng: "np.random.Generator | None" = None):
        super().__init__()
        self.reduce = nn.Linear(n_features, reduce_dim)
        self.trunk = nn.Sequential(*_block(reduce_dim, hidden, dropout, dropout_rng),
                                   *_block(hidden, hidden, dropout, dropout_rng))
        self.expr = nn.Linear(hidden, n_classes)
        self.va = nn.Linear(hidden, 2)
        self.au = nn.Linear(hidden, n_aus) if n_aus > 0 else None
        self.balance = (None if arbex is None
                        else ReliabilityBalancing(reduce_dim, n_classes, **arbex))

    def forward(self, x: torch.Tensor) -> NetOutput:
        e = self.reduce(x)
        z = self.trunk(e)
        logits = self.expr(z)
        if self.balance is None:
            bal = None
            proba = torch.softmax(logits, dim=-1)
        else:
            bal = self.balance(e, logits)
            proba = bal.proba
        au = self.au(z) if self.au is not None else z.new_zeros((z.shape[0], 0))
        return NetOutput(logits, proba, torch.tanh(self.va(z)), au, z, bal)
