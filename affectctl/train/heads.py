"""The network: linear reduction, MLP trunk, multi-task heads, optional ARBEx balancing.

::

    x (d) ─ Linear(d, r) ─ [Linear(r, h) ─ BN ─ ReLU ─ Dropout]
                         ─ [Linear(h, h) ─ BN ─ ReLU ─ Dropout] = e (h)
    e ─ Linear(h, K)            expression logits l
    e ─ Linear(h, 2) ─ tanh     valence, arousal in [-1, 1]
    e ─ Linear(h, m)            action-unit logits
    e ─ ReliabilityBalancing    (head = "arbex") corrected distribution L

The trunk is ARBEx's MLP head: two hidden layers of 64 with batch norm, ReLU and
dropout 0.5 (Wasi et al. 2023).

Reliability balancing (ARBEx)
-----------------------------
``K`` classes, ``A`` learnable anchors per class ``a_{k,i}`` in the embedding space.

- Anchor branch: ``s = softmax_{k,i}(-‖e - a_{k,i}‖ / δ)`` over all ``K·A`` anchors,
  summed per class: ``t_a[k] = Σ_i s_{k,i}``.
- Attention branch: ARBEx's official code attends *across the batch*, so a sample's
  prediction depends on which other samples share its batch (and on batch size at
  test time). Here attention is **per sample**: multi-head self-attention over the
  sample's own token set, its embedding ``e`` and the K class summaries (the mean of
  each class's anchors); the output at the embedding's token, plus ``e`` (residual),
  goes through a linear layer and a softmax to give ``t_g``. A prediction therefore
  depends only on its own input (batch norm uses running statistics in eval mode).
- Confidence of a distribution: ``c(l) = 1 - H(l) / log K`` (:func:`confidence`),
  as in ARBEx's official code (the paper's text divides by N): 0 for the uniform
  distribution, 1 for a one-hot one.
- Fusion: ``t = (c_g t_g + c_a t_a) / (c_g + c_a)``, then
  ``L = (c_l l + c_t t) / (c_l + c_t)`` with ``l = softmax(logits)``. A tiny constant
  is added to each confidence so that all-uniform inputs average instead of dividing
  by zero.

References
----------
Wasi, A. T., Šerbetar, K., Islam, R., Rafi, T. H., & Chae, D.-K. (2023). ARBEx:
Attentive feature extraction with reliability balancing for robust facial expression
learning. arXiv:2305.01486.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

__all__ = ["confidence", "ReliabilityBalancing", "MultiTaskNet", "NetOutput"]

_EPS = 1e-6


def confidence(dist: torch.Tensor) -> torch.Tensor:
    """ARBEx confidence ``1 - H(p) / log K`` of distributions along the last axis.

    Returns a tensor of shape ``dist.shape[:-1]`` in [0, 1]; ``0 log 0 = 0``.
    """
    K = dist.shape[-1]
    if K < 2:
        return torch.ones(dist.shape[:-1], dtype=dist.dtype)
    h = -(dist * torch.log(dist.clamp_min(1e-30))).sum(-1)
    return (1.0 - h / math.log(K)).clamp(0.0, 1.0)


class ReliabilityBalancing(nn.Module):
    """ARBEx reliability balancing with per-sample attention (module docstring).

    Parameters
    ----------
    dim : int
        Embedding width D.
    n_classes : int
    anchors_per_class : int
    temperature : float
        δ of the anchor similarity.
    heads : int
        Attention heads (must divide ``dim``).
    """

    def __init__(self, dim: int, n_classes: int, anchors_per_class: int, temperature: float,
                 heads: int):
        super().__init__()
        self.n_classes = n_classes
        self.temperature = float(temperature)
        self.anchors = nn.Parameter(torch.randn(n_classes, anchors_per_class, dim))
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.readout = nn.Linear(dim, n_classes)

    def anchor_distribution(self, e: torch.Tensor) -> torch.Tensor:
        """``t_a`` of shape (B, K): anchor similarities summed per class."""
        K, A, D = self.anchors.shape
        flat = self.anchors.reshape(K * A, D)
        dist = ((e[:, None, :] - flat[None]).pow(2).sum(-1) + 1e-12).sqrt()  # (B, K*A)
        s = torch.softmax(-dist / self.temperature, dim=-1)
        return s.reshape(-1, K, A).sum(-1)

    def attention_distribution(self, e: torch.Tensor) -> torch.Tensor:
        """``t_g`` of shape (B, K) from self-attention over each sample's own tokens."""
        summaries = self.anchors.mean(1)                                   # (K, D)
        tokens = torch.cat([e[:, None, :], summaries[None].expand(e.shape[0], -1, -1)], 1)
        out, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return torch.softmax(self.readout(out[:, 0] + e), dim=-1)

    def forward(self, e: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """Final distribution ``L`` (B, K) from embedding ``e`` and primary ``logits``."""
        p_l = torch.softmax(logits, dim=-1)
        t_a = self.anchor_distribution(e)
        t_g = self.attention_distribution(e)
        c_a = confidence(t_a)[:, None] + _EPS
        c_g = confidence(t_g)[:, None] + _EPS
        t = (c_g * t_g + c_a * t_a) / (c_g + c_a)
        c_l = confidence(p_l)[:, None] + _EPS
        c_t = confidence(t)[:, None] + _EPS
        return (c_l * p_l + c_t * t) / (c_l + c_t)


class NetOutput(NamedTuple):
    """Outputs of :class:`MultiTaskNet` for a batch.

    logits : (B, K) primary expression logits
    proba : (B, K) predicted distribution (softmax of logits, or ARBEx's L)
    va : (B, 2) valence, arousal in [-1, 1]
    au_logits : (B, m)
    embedding : (B, h)
    """

    logits: torch.Tensor
    proba: torch.Tensor
    va: torch.Tensor
    au_logits: torch.Tensor
    embedding: torch.Tensor


class MultiTaskNet(nn.Module):
    """Linear reduction + ARBEx MLP trunk + expression, VA and AU heads.

    Parameters
    ----------
    n_features, n_classes, n_aus : int
    reduce_dim : int
        Width of the linear reduction.
    hidden : int
        Width of both hidden layers (ARBEx: 64).
    dropout : float
        After each hidden layer (ARBEx: 0.5).
    arbex : dict or None
        Keyword arguments of :class:`ReliabilityBalancing` (``anchors_per_class``,
        ``temperature``, ``heads``); None for the plain softmax head.
    """

    def __init__(self, n_features: int, n_classes: int, n_aus: int, *, reduce_dim: int = 32,
                 hidden: int = 64, dropout: float = 0.5, arbex: "dict | None" = None):
        super().__init__()
        self.reduce = nn.Linear(n_features, reduce_dim)
        self.trunk = nn.Sequential(
            nn.Linear(reduce_dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
        )
        self.expr = nn.Linear(hidden, n_classes)
        self.va = nn.Linear(hidden, 2)
        self.au = nn.Linear(hidden, n_aus) if n_aus > 0 else None
        self.balance = None if arbex is None else ReliabilityBalancing(hidden, n_classes, **arbex)

    def forward(self, x: torch.Tensor) -> NetOutput:
        e = self.trunk(self.reduce(x))
        logits = self.expr(e)
        if self.balance is None:
            proba = torch.softmax(logits, dim=-1)
        else:
            proba = self.balance(e, logits)
        au = self.au(e) if self.au is not None else e.new_zeros((e.shape[0], 0))
        return NetOutput(logits, proba, torch.tanh(self.va(e)), au, e)
