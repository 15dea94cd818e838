"""Train one condition with one seed on one dataset; write its prediction dump.

:func:`train_run` does the work and returns a :class:`RunResult` (numpy arrays);
:func:`run_frame` lays it out in the dump format (:mod:`affectctl.io.schema`) and
:func:`run_one` writes it with :func:`affectctl.io.dumps.write_dump` (atomically).

Objective, for a batch of frames with expression labels ``y``:

.. math::

    L = \\underbrace{\\mathrm{CE}_w(\\log \\tilde p, q)}_{\\text{expression}}
        + \\lambda\\, \\overline{\\mathrm{OT}(p, q; C)}
        + w_{va} (1 - \\mathrm{CCC})
        + w_{au}\\, \\mathrm{BCE}
        + \\lambda_a L_{anchor} + \\lambda_c L_{center}

- ``q``: one-hot ``δ_y``, or ``(1 - ε) δ_y + ε/K`` with label smoothing (then the OT
  term is solved by POT instead of the closed form).
- ``log p~``: ``log_softmax(f(x) + τ log π)`` (τ = 0 unless logit adjustment), or
  ``log L`` for the ARBEx head.
- ``CE_w``: cross-entropy with inverse-frequency class weights when asked
  (``Σ_b w_{y_b} ce_b / Σ_b w_{y_b}``, torch's convention); the OT term is unweighted.
- ``p``: the predicted distribution (``softmax(f(x))`` or ARBEx's ``L``), which is
  also what the dump stores; ``y_pred = argmax p``.

Frames without an expression label (-1) still train the VA and AU heads. Training
runs a fixed number of epochs and the last model is evaluated: there is no model
selection on the test split (ARBEx's official code, Wasi et al. 2023, selects its
reported model on the evaluation set).
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..io.atomic import write_text_atomically
from ..io.dumps import write_dump
from ..io.schema import AU_EXCLUDED, EXPR_EXCLUDED, VA_EXCLUDED, proba_column
from .conditions import Condition
from .costs import build_cost
from .heads import MultiTaskNet
from .losses import (
    anchor_loss,
    au_bce,
    ccc_loss,
    center_loss,
    inverse_frequency_weights,
    ot_loss,
    smooth_targets,
)
from .seed import rng_for, seed_everything

__all__ = ["RunResult", "train_run", "run_frame", "run_metadata", "run_one", "epoch_indices",
           "library_versions", "timing_path"]


@dataclass(frozen=True, eq=False)
class RunResult:
    """Test-set predictions of one trained run.

    Attributes
    ----------
    condition : Condition
    seed : int
    proba : ndarray (n_test, K), float64, rows sum to 1
    y_pred : ndarray (n_test,), int64, 0-based class positions
    va_pred : ndarray (n_test, 2), float64 in [-1, 1]
    au_pred : ndarray (n_test, m), float64 probabilities
    embedding : ndarray (n_test, h) or None
    train_seconds : float
        Wall time of the training loop (not data loading or evaluation).
    loss_history : tuple of float
        Mean training loss of each epoch.
    threads : int
    """

    condition: Condition
    seed: int
    proba: np.ndarray
    y_pred: np.ndarray
    va_pred: np.ndarray
    au_pred: np.ndarray
    embedding: "np.ndarray | None"
    train_seconds: float
    loss_history: tuple
    threads: int


def library_versions() -> dict:
    """Versions of the libraries a run depends on (read without importing POT)."""
    out = {"python": platform.python_version(), "torch": torch.__version__,
           "numpy": np.__version__, "pandas": pd.__version__}
    for dist in ("affectctl", "pot"):
        try:
            out[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[dist] = None
    return out


def epoch_indices(condition: Condition, y: np.ndarray, group: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Training-frame indices of one epoch, in visiting order.

    ``shuffle``: every frame once, in random order. ``balanced`` (ARBEx's data
    refinement): draw ``frames_per_video`` frames from each video (all of a shorter
    video), pool them, then draw ``frames_per_class`` frames of each class present in
    the pool (with replacement only when the class has fewer), and shuffle. Frames
    without an expression label take no part in a balanced epoch.
    """
    n = y.shape[0]
    if condition.sampler == "shuffle":
        return rng.permutation(n)
    pooled = []
    _, inverse = np.unique(group, return_inverse=True)
    for v in range(int(inverse.max()) + 1):
        members = np.flatnonzero(inverse == v)
        take = min(condition.frames_per_video, members.size)
        pooled.append(rng.choice(members, size=take, replace=False))
    pool = np.concatenate(pooled)
    pool = pool[y[pool] >= 0]
    picked = []
    for k in np.unique(y[pool]):
        members = pool[y[pool] == k]
        m = condition.frames_per_class
        picked.append(rng.choice(members, size=m, replace=members.size < m))
    return rng.permutation(np.concatenate(picked))


def _standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = train.mean(0)
    std = train.std(0)
    std = np.where(std > 1e-8, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def train_run(condition: Condition, data, seed: int, *, embeddings: bool = False,
              threads: int = 1) -> RunResult:
    """Train ``condition`` on ``data.*_train`` with ``seed``; predict ``data.*_test``.

    Parameters
    ----------
    condition : Condition
    data : FeatureData
    seed : int
        Seeds initialisation, dropout and sampling (:func:`seed_everything`); the data
        are not affected.
    embeddings : bool, default False
        Also return the test embeddings (the trunk's output).
    threads : int, default 1
        torch threads; runs are byte-reproducible for a fixed count.

    Returns
    -------
    RunResult
    """
    seed = seed_everything(seed, threads=threads)
    rng = rng_for(seed, "sampler")
    tax = data.taxonomy
    K = tax.n_classes
    Xtr, Xte = _standardise(np.asarray(data.X_train, np.float64),
                            np.asarray(data.X_test, np.float64))
    X = torch.from_numpy(Xtr.astype(np.float32))
    y_np = np.asarray(data.y_train, dtype=np.int64)
    y = torch.from_numpy(y_np)
    va = torch.from_numpy(np.asarray(data.va_train, dtype=np.float32))
    au = torch.from_numpy(np.asarray(data.au_train, dtype=np.int64))
    n_aus = int(au.shape[1])

    counts = torch.bincount(y[y >= 0], minlength=K)
    prior = counts.to(torch.float64) / counts.sum()
    log_prior = torch.log(prior.clamp_min(1e-12)).to(torch.float32)
    class_w = inverse_frequency_weights(counts) if condition.class_weights != "none" else None
    cost_np = build_cost(condition, tax)
    cost = None if cost_np is None else torch.from_numpy(cost_np.astype(np.float32))

    arbex = None
    if condition.head == "arbex":
        arbex = {"anchors_per_class": condition.anchors_per_class,
                 "temperature": condition.anchor_temperature, "heads": condition.attention_heads}
    model = MultiTaskNet(X.shape[1], K, n_aus, reduce_dim=condition.reduce_dim,
                         hidden=condition.hidden, dropout=condition.dropout, arbex=arbex)
    opt = torch.optim.Adam(model.parameters(), lr=condition.lr, weight_decay=condition.weight_decay)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=condition.lr_decay)

    history = []
    start = time.perf_counter()
    for _ in range(condition.epochs):
        model.train()
        order = epoch_indices(condition, y_np, np.asarray(data.group_train), rng)
        total, steps = 0.0, 0
        for lo in range(0, order.size, condition.batch_size):
            idx = torch.from_numpy(order[lo:lo + condition.batch_size])
            if idx.numel() < 2:  # batch norm needs two frames
                continue
            out = model(X[idx])
            loss = _loss(condition, out, y[idx], va[idx], au[idx], model, cost, class_w, log_prior)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach())
            steps += 1
        sched.step()
        history.append(total / max(steps, 1))
    train_seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(Xte.astype(np.float32)))
    proba = out.proba.double().numpy()
    proba = proba / proba.sum(1, keepdims=True)
    return RunResult(
        condition=condition, seed=seed, proba=proba, y_pred=proba.argmax(1).astype(np.int64),
        va_pred=np.clip(out.va.double().numpy(), -1.0, 1.0),
        au_pred=torch.sigmoid(out.au_logits).double().numpy(),
        embedding=out.embedding.double().numpy() if embeddings else None,
        train_seconds=train_seconds, loss_history=tuple(history), threads=threads,
    )


def _loss(c: Condition, out, y, va, au, model, cost, class_w, log_prior) -> torch.Tensor:
    K = out.logits.shape[1]
    loss = out.logits.sum() * 0.0
    keep = y >= 0
    if bool(keep.any()):
        yk = y[keep]
        if model.balance is not None:
            log_p = torch.log(out.proba[keep].clamp_min(1e-12))
        else:
            log_p = F.log_softmax(out.logits[keep] + c.logit_adjust_tau * log_prior, dim=-1)
        q = smooth_targets(yk, K, c.label_smoothing) if c.label_smoothing > 0 else None
        per = -(q * log_p).sum(-1) if q is not None else F.nll_loss(log_p, yk, reduction="none")
        if class_w is not None:
            w = class_w[yk]
            loss = loss + (w * per).sum() / w.sum().clamp_min(1e-12)
        else:
            loss = loss + per.mean()
        if cost is not None:
            loss = loss + c.ot_weight * ot_loss(out.proba[keep], yk if q is None else q, cost)
        if model.balance is not None:
            anchors = model.balance.anchors
            loss = loss + c.anchor_weight * anchor_loss(anchors, c.anchor_margin)
            loss = loss + c.center_weight * center_loss(out.embedding[keep], yk, anchors)
    if c.va_weight > 0:
        loss = loss + c.va_weight * ccc_loss(out.va, va)
    if c.au_weight > 0 and au.shape[1] > 0:
        loss = loss + c.au_weight * au_bce(out.au_logits, au)
    return loss


def run_frame(result: RunResult, data) -> pd.DataFrame:
    """The dump table of a run (columns of :mod:`affectctl.io.schema`)."""
    tax = data.taxonomy
    base = tax.index_base
    y_true = np.asarray(data.y_test, dtype=np.int64)
    cols: dict = {
        "sample_id": np.asarray(data.sample_id_test).astype(str),
        "group": np.asarray(data.group_test).astype(str),
        "y_true": np.where(y_true >= 0, y_true + base, EXPR_EXCLUDED),
        "y_pred": result.y_pred + base,
    }
    for k, name in enumerate(tax.classes):
        cols[proba_column(name)] = result.proba[:, k]
    va = np.asarray(data.va_test, dtype=np.float64)
    cols["v_true"] = np.where(np.isnan(va[:, 0]), VA_EXCLUDED, va[:, 0])
    cols["a_true"] = np.where(np.isnan(va[:, 1]), VA_EXCLUDED, va[:, 1])
    cols["v_pred"] = result.va_pred[:, 0]
    cols["a_pred"] = result.va_pred[:, 1]
    au = np.asarray(data.au_test)
    for j, name in enumerate(data.au_names):
        num = str(name)[2:]
        cols[f"au{num}_true"] = np.where(au[:, j] >= 0, au[:, j], AU_EXCLUDED).astype(np.int8)
        cols[f"au{num}_pred"] = result.au_pred[:, j]
    if result.embedding is not None:
        for i in range(result.embedding.shape[1]):
            cols[f"emb_{i}"] = result.embedding[:, i]
    return pd.DataFrame(cols)


def run_metadata(result: RunResult, data) -> dict:
    """Provenance stored in the dump: condition file, dataset, seed, versions.

    Nothing that varies between two runs of the same seed on the same machine goes in
    (the wall-clock time goes to the ``.timing.json`` sidecar, :func:`run_one`), so the
    dump's bytes depend only on what was trained.
    """
    c = result.condition
    return {
        "condition": c.name,
        "condition_file": c.text,
        "condition_source": c.source,
        "condition_params": c.params(),
        "dataset": data.name,
        "dataset_knobs": data.knobs,
        "seed": result.seed,
        "taxonomy": data.taxonomy.name,
        "versions": library_versions(),
        "threads": result.threads,
        "loss_history": list(result.loss_history),
        "n_train": int(np.asarray(data.y_train).shape[0]),
        "n_test": int(np.asarray(data.y_test).shape[0]),
    }


def run_one(condition: Condition, data, seed: int, path: "str | Path", *,
            embeddings: bool = False, extra_metadata: "dict | None" = None) -> Path:
    """Train one run and write its dump atomically to ``path``; return the path."""
    result = train_run(condition, data, seed, embeddings=embeddings)
    meta = {**run_metadata(result, data), **(extra_metadata or {})}
    written = write_dump(run_frame(result, data), path, meta)
    write_text_atomically(timing_path(written), json.dumps(
        {"train_seconds": result.train_seconds, "threads": result.threads}, indent=2) + "\n")
    return written


def timing_path(dump_path: "str | Path") -> Path:
    """The sidecar log of a dump's training time: ``<dump>.timing.json`` (``train_seconds``,
    ``threads``). Kept out of the dump so the same seed gives the same dump bytes."""
    return Path(str(dump_path) + ".timing.json")
