"""Metrics of predicted probabilities: expected cost, ARBEx confidence, calibration error."""

from __future__ import annotations

import numpy as np

__all__ = ["expected_cost_per_sample", "confidence", "expected_calibration_error",
           "expected_cost_soft_per_sample", "expected_calibration_error_soft"]


def expected_cost_per_sample(proba, y_true, cost) -> np.ndarray:
    """OT cost of moving the prediction onto the one-hot truth: Σ_j p_j·C[j, y].

    With a one-hot target the optimal-transport cost OT(p, δ_y; C) equals this sum
    exactly (all mass must move to y). Parameters: ``proba`` (n, K), ``y_true`` (n,)
    0-based, ``cost`` (K, K). Returns shape (n,).
    """
    p = np.asarray(proba, dtype=np.float64)
    c = np.asarray(cost, dtype=np.float64)
    return np.einsum("nk,nk->n", p, c[:, np.asarray(y_true)].T)


def confidence(proba) -> np.ndarray:
    """ARBEx confidence 1 − H(p)/log K, shape (n,).

    H is the Shannon entropy in nats. Normalising by log K (as ARBEx's official code
    does; its paper text divides by N) makes a uniform distribution 0 and a one-hot 1
    (Wasi et al. 2023).
    """
    p = np.asarray(proba, dtype=np.float64)
    k = p.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)
    return 1.0 - h / np.log(k)


def expected_calibration_error(proba, y_true, n_bins: int = 15) -> float:
    """ECE with equal-width confidence bins (Guo et al. 2017, ICML).

    ECE = Σ_b (|B_b|/n)·|acc(B_b) − conf(B_b)|, confidence = max_k p_k, bins
    (0, 1/M], (1/M, 2/M], ..., M = ``n_bins`` (15 as in Guo et al.).
    """
    p = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y_true)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    bins = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    acc = np.bincount(bins, weights=correct, minlength=n_bins)
    cf = np.bincount(bins, weights=conf, minlength=n_bins)
    return float(np.abs(acc - cf).sum() / len(y))


def expected_cost_soft_per_sample(proba, soft_true, cost) -> np.ndarray:
    """Expected cost against a distribution of annotators' labels: Σ_k q_k Σ_j p_j·C[j, k].

    The cost of the prediction ``p`` against the label of an annotator drawn from the
    vote distribution ``q`` (FERPlus: Barsoum et al. 2016, ICMI), in expectation; with
    a one-hot ``q`` it is :func:`expected_cost_per_sample`. Parameters: ``proba`` (n, K),
    ``soft_true`` (n, K) rows summing to 1, ``cost`` (K, K). Returns shape (n,).
    """
    p = np.asarray(proba, dtype=np.float64)
    q = np.asarray(soft_true, dtype=np.float64)
    return np.einsum("nj,jk,nk->n", p, np.asarray(cost, dtype=np.float64), q)


def expected_calibration_error_soft(proba, soft_true, n_bins: int = 15) -> float:
    """ECE against annotator votes: a bin's accuracy is the mean vote share of the predicted class.

    ECE = Σ_b (|B_b|/n)·|agree(B_b) − conf(B_b)| with agree = mean of q[argmax p], the
    probability that an annotator drawn from the votes ``q`` agrees with the prediction;
    bins as :func:`expected_calibration_error` (Guo et al. 2017), which this equals for
    one-hot ``q``.
    """
    p = np.asarray(proba, dtype=np.float64)
    q = np.asarray(soft_true, dtype=np.float64)
    conf = p.max(axis=1)
    agree = q[np.arange(len(p)), p.argmax(axis=1)]
    bins = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    acc = np.bincount(bins, weights=agree, minlength=n_bins)
    cf = np.bincount(bins, weights=conf, minlength=n_bins)
    return float(np.abs(acc - cf).sum() / len(p))
