"""Memory a training run needs, known before it starts: a too-large network is refused.

Every width in a condition file has a documented limit (``hidden``, ``reduce_dim``,
``anchors_per_class`` ≤ 65,536, ``batch_size`` ≤ 1,048,576), but the memory grows with
their products: ``hidden = 65536`` alone makes a 65,536 × 65,536 layer, 4.3e9 parameters
and ~69 GB with its gradient and Adam's two moments, and the process was killed by the
kernel mid-sweep. :func:`check_training_memory` estimates a run's peak from the condition
and the data's shape, without torch, and refuses a condition whose estimate exceeds
:data:`affectctl._util.validation.MEMORY_SHARE` of the available memory, naming the file.

Estimate (float32 everywhere, 4 bytes a number):

- state: 4 numbers per parameter (the weights, their gradient, Adam's first and second
  moments): ``16 · P`` bytes, with ``P`` from :func:`parameter_count` (the exact count of
  :class:`affectctl.train.heads.MultiTaskNet`'s parameters; checked against the model in
  the tests);
- activations: for ``rows = max(batch_size, CHUNK)`` rows at once (a training batch, or a
  chunk of test predictions), ``2 · rows · a`` numbers, ``a`` the values one row keeps
  for the backward pass (input, reduction, each hidden layer's linear, ReLU, dropout mask
  and batch-norm outputs, the heads; with ARBEx the K·A anchor distances and their
  softmax, the tokens and the T × T attention products), twice for their gradients;
- the balanced sampler's pool: ``K · frames_per_class`` frame indices (int64) and their
  permutation.

It is an upper-side estimate of what torch holds, for refusing absurd settings: the
shipped conditions on 512 features come out at 150 MB (450 MB for ``arbex``), most of
it for a chunk of 8,192 test rows.
"""

from __future__ import annotations

import math

from affectctl._util.validation import MEMORY_SHARE, _bytes, available_memory
from affectctl.errors import ConfigError
from affectctl.train.conditions import N_TOKENS, TOKEN_WIDTH, Condition

__all__ = ["parameter_count", "training_bytes", "check_training_memory", "CHUNK"]

#: Rows per chunk when statistics or test predictions are computed over the features
#: (:mod:`affectctl.train.loop`).
CHUNK = 8192


def _linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def parameter_count(condition: Condition, n_features: int, n_classes: int, n_aus: int) -> int:
    """Learnable parameters of the network :func:`affectctl.train.loop.train_run` builds."""
    r, h, K = condition.reduce_dim, condition.hidden, n_classes
    p = _linear(n_features, r) + _linear(r, h) + 2 * h + _linear(h, h) + 2 * h
    p += _linear(h, K) + _linear(h, 2) + (_linear(h, n_aus) if n_aus > 0 else 0)
    if condition.head == "arbex":
        p += K * condition.anchors_per_class * r
        if condition.attention_heads > 0:
            T = math.gcd(r, N_TOKENS)
            p += (_linear(r, T * TOKEN_WIDTH) + _linear(TOKEN_WIDTH, 3 * TOKEN_WIDTH)
                  + _linear(TOKEN_WIDTH, TOKEN_WIDTH) + _linear(T * TOKEN_WIDTH, K))
    return p


def training_bytes(condition: Condition, n_features: int, n_classes: int, n_aus: int) -> int:
    """Estimated peak bytes of one run (module docstring)."""
    r, h, K = condition.reduce_dim, condition.hidden, n_classes
    per_row = n_features * 3 + r * 3 + h * 10 + K * 6 + 4 + n_aus * 3
    if condition.head == "arbex":
        per_row += K * condition.anchors_per_class * 4 + r * 2
        if condition.attention_heads > 0:
            T = math.gcd(r, N_TOKENS)
            per_row += T * TOKEN_WIDTH * 10 + T * T * TOKEN_WIDTH * 3 + K * 4
    rows = max(condition.batch_size, CHUNK)
    need = 4 * (4 * parameter_count(condition, n_features, n_classes, n_aus) + 2 * rows * per_row)
    if condition.sampler == "balanced":  # K x frames_per_class int64 indices and a permutation
        need += 16 * K * condition.frames_per_class
    return need


def check_training_memory(condition: Condition, n_features: int, n_classes: int,
                          n_aus: int) -> int:
    """Raise :class:`ConfigError` if a run of ``condition`` would need more than
    :data:`MEMORY_SHARE` of the available memory; return the estimate in bytes."""
    need = training_bytes(condition, n_features, n_classes, n_aus)
    avail = available_memory()
    if avail is not None and need > avail * MEMORY_SHARE:
        params = parameter_count(condition, n_features, n_classes, n_aus)
        raise ConfigError(
            f"{condition.source}: a run of condition '{condition.name}' needs about "
            f"{_bytes(need)} of memory ({params:,} parameters with hidden = {condition.hidden}, "
            f"reduce_dim = {condition.reduce_dim}, batch_size = {condition.batch_size}"
            + (f", anchors_per_class = {condition.anchors_per_class}"
               if condition.head == "arbex" else "")
            + (f", frames_per_class = {condition.frames_per_class}"
               if condition.sampler == "balanced" else "")
            + f"); this machine has {_bytes(avail)} available and a run may use "
            f"{MEMORY_SHARE:.0%} of it.")
    return need
