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
        + \\lambda_b \\tfrac{1}{3} \\textstyle\\sum_{branch} \\mathrm{NLL}

- ``q``: one-hot ``δ_y``, or ``(1 - ε) δ_y + ε/K`` with label smoothing (then the OT
  term is solved by POT instead of the closed form).
- ``log p~``: ``log_softmax(f(x) + τ log π)`` (τ = 0 unless logit adjustment), or
  ``log L`` for the ARBEx head, whose anchor loss, center loss and per-branch NLL
  (primary, anchor, attention; ``branch_weight``) are added
  (:mod:`affectctl.train.losses`, ``models/arbex.toml``).
- Labels: with ``label_noise`` > 0 the training labels are first replaced by symmetric
  noise (:func:`noisy_labels`, seeded by the run seed); test labels never are.
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
import math
import platform
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from affectctl.io.atomic import write_text_atomically
from affectctl.io.dumps import write_dump
from affectctl.io.schema import AU_EXCLUDED, EXPR_EXCLUDED, VA_EXCLUDED, proba_column
from affectctl.errors import TrainingError
from affectctl.train.conditions import Condition
from affectctl.train.costs import resolve_cost
from affectctl.train.heads import MultiTaskNet
from affectctl.train.memory import CHUNK, check_training_memory
from affectctl.train.losses import (
    anchor_loss,
    au_bce,
    ccc_loss,
    center_loss,
    inverse_frequency_weights,
    check_cost,
    ot_onehot,
    ot_soft,
    smooth_targets,
)
from affectctl.train.seed import rng_for, seed_everything
from affectctl.train.summary import arbex_summary_line
from affectctl.train.version import TRAINER_VERSION

__all__ = ["RunResult", "train_run", "run_frame", "run_metadata", "run_one", "epoch_indices",
           "library_versions", "timing_path", "noisy_labels", "arbex_summary_line"]


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
    extra : dict
        Deterministic facts recorded in the dump's metadata: ``arbex_branches``
        (ARBEx), ``permutation`` and its correlation (``permuted``),
        ``geometry_coordinates`` (``geometry = "data"``), ``label_noise``.
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
    extra: dict = field(default_factory=dict)


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


def _refined_pool(condition: Condition, y: np.ndarray, group: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """ARBEx's data refinement: at most N frames per video, then M frames per class.

    Per video, a random subset of ``frames_per_video`` frames (all of a shorter video)
    is kept with one sort on (video, random key), no loop over videos. Among the kept
    labelled frames, each class gives ``frames_per_class`` frames (without replacement
    when it has that many, with replacement otherwise).
    """
    n = y.shape[0]
    _, inverse = np.unique(group, return_inverse=True)
    order = np.lexsort((rng.random(n), inverse))
    g = inverse[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    pool = np.sort(order[rank < condition.frames_per_video])
    pool = pool[y[pool] >= 0]
    picked = []
    for k in np.unique(y[pool]):
        members = pool[y[pool] == k]
        m = condition.frames_per_class
        picked.append(rng.choice(members, size=m, replace=members.size < m))
    return np.concatenate(picked) if picked else pool


def epoch_indices(condition: Condition, y: np.ndarray, group: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Training-frame indices of one epoch, in visiting order; always ``len(y)`` of them.

    ``shuffle``: every frame once, in random order. ``balanced`` (ARBEx's data
    refinement, :func:`_refined_pool`, drawn afresh each epoch): the refined,
    class-balanced pool is *resampled* to the same length as a ``shuffle`` epoch
    (successive random permutations of the pool, cut at ``len(y)``), so a balanced
    epoch takes as many gradient steps as a ``base`` epoch and a difference between
    the two cannot come from training length. Frames without an expression label take
    no part in a balanced epoch.
    """
    n = y.shape[0]
    if condition.sampler == "shuffle":
        return rng.permutation(n)
    pool = _refined_pool(condition, y, group, rng)
    if pool.size == 0:
        return pool
    reps = -(-n // pool.size)
    return np.concatenate([rng.permutation(pool) for _ in range(reps)])[:n]


def _moments(X) -> tuple[np.ndarray, np.ndarray]:
    """Column mean and standard deviation (population) in float64, chunk by chunk.

    Works on memory-mapped features without loading them whole; columns with
    ``std <= 1e-8`` get 1.
    """
    n, d = X.shape
    s, ss = np.zeros(d), np.zeros(d)
    for lo in range(0, n, CHUNK):
        c = np.asarray(X[lo:lo + CHUNK], dtype=np.float64)
        s += c.sum(0)
    mean = s / n
    for lo in range(0, n, CHUNK):
        c = np.asarray(X[lo:lo + CHUNK], dtype=np.float64) - mean
        ss += (c * c).sum(0)
    std = np.sqrt(ss / n)
    return mean, np.where(std > 1e-8, std, 1.0)


def _batch(X, idx, mean, std) -> torch.Tensor:
    """Standardised float32 rows ``X[idx]`` (standardised in float64, then cast)."""
    return torch.from_numpy(((np.asarray(X[idx], dtype=np.float64) - mean) / std)
                            .astype(np.float32))


def noisy_labels(y: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Symmetric label noise: each labelled frame, with probability ``rate``, takes
    another class drawn uniformly (the ARBEx paper's noisy-label setting, after
    Patrini et al. 2017). Unlabelled frames (-1) stay unlabelled.

    Parameters
    ----------
    y : int array (n,)
        Class positions, -1 = unlabelled.
    rate : float in [0, 1)
    rng : numpy Generator

    Returns
    -------
    int64 array (n,)
    """
    y = np.asarray(y, dtype=np.int64).copy()
    K = int(y.max()) + 1 if y.size else 0
    flip = (rng.random(y.shape[0]) < rate) & (y >= 0)
    if K < 2 or not flip.any():
        return y
    K = max(K, 2)
    shift = rng.integers(1, K, size=int(flip.sum()))
    y[flip] = (y[flip] + shift) % K
    return y


def train_run(condition: Condition, data, seed: int, *, embeddings: bool = False,
              threads: int = 1, on_epoch=None) -> RunResult:
    """Train ``condition`` on ``data.*_train`` with ``seed``; predict ``data.*_test``.

    Parameters
    ----------
    condition : Condition
    data : FeatureData
        Features may be float32 and memory-mapped; they are standardised batch by batch
        (column moments from the training rows, in float64) and never copied whole.
    seed : int
        Seeds initialisation, dropout, sampling, label noise and the permuted cost's
        class permutation (:func:`seed_everything`); the data are not affected.
    embeddings : bool, default False
        Also return the test embeddings (the trunk's output).
    threads : int, default 1
        torch threads; runs are byte-reproducible for a fixed count.

    Returns
    -------
    RunResult
    """
    tax = data.taxonomy
    K = tax.n_classes
    X_train, X_test = data.X_train, data.X_test
    check_training_memory(condition, X_train.shape[1], K, np.asarray(data.au_train).shape[1])
    seed = seed_everything(seed, threads=threads)
    rng = rng_for(seed, "sampler")
    mean, std = _moments(X_train)
    y_np = np.asarray(data.y_train, dtype=np.int64)
    extra: dict = {}
    if condition.label_noise > 0:
        noise_rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6E6F697A]))
        y_clean = y_np
        y_np = noisy_labels(y_np, condition.label_noise, noise_rng)
        lab = y_clean >= 0
        extra["label_noise"] = {"rate": condition.label_noise, "kind": "symmetric",
                                "flipped": int((y_np != y_clean).sum()),
                                "labelled": int(lab.sum())}
    y = torch.from_numpy(y_np)
    va = torch.from_numpy(np.asarray(data.va_train, dtype=np.float32))
    au = torch.from_numpy(np.asarray(data.au_train, dtype=np.int64))
    n_aus = int(au.shape[1])

    counts = torch.bincount(y[y >= 0], minlength=K)
    prior = counts.to(torch.float64) / counts.sum()
    log_prior = torch.log(prior.clamp_min(1e-12)).to(torch.float32)
    class_w = inverse_frequency_weights(counts) if condition.class_weights != "none" else None
    cost_np, cost_info = resolve_cost(condition, tax, seed=seed, y_train=y_np,
                                      va_train=np.asarray(data.va_train))
    extra.update(cost_info)
    cost = None if cost_np is None else torch.from_numpy(cost_np.astype(np.float32))
    if cost is not None:  # once here; the OT term per step then skips the histogram checks
        check_cost(cost)

    arbex = None
    if condition.head == "arbex":
        arbex = {"anchors_per_class": condition.anchors_per_class,
                 "temperature": condition.anchor_temperature, "heads": condition.attention_heads}
    model = MultiTaskNet(X_train.shape[1], K, n_aus, reduce_dim=condition.reduce_dim,
                         hidden=condition.hidden, dropout=condition.dropout, arbex=arbex,
                         dropout_rng=rng_for(seed, "dropout"))
    groups = [{"params": [p for n, p in model.named_parameters() if n != "balance.anchors"]}]
    if model.balance is not None:
        groups.append({"params": [model.balance.anchors], "lr": condition.anchor_lr})
    # fused: Adam's whole update in one kernel per parameter group (torch >= 2.4 on CPU),
    # deterministic; its Python-level multi-tensor loop (foreach) was ~15% of a step
    opt = torch.optim.Adam(groups, lr=condition.lr, weight_decay=condition.weight_decay,
                           fused=True)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=condition.lr_decay)
    margin = condition.anchor_margin * math.sqrt(2 * condition.reduce_dim)

    history = []
    start = time.perf_counter()
    for _ in range(condition.epochs):
        model.train()
        order = epoch_indices(condition, y_np, np.asarray(data.group_train), rng)
        total, steps = 0.0, 0
        for lo in range(0, order.size, condition.batch_size):
            idx_np = order[lo:lo + condition.batch_size]
            if idx_np.size < 2:  # batch norm needs two frames
                continue
            idx = torch.from_numpy(idx_np)
            out = model(_batch(X_train, idx_np, mean, std))
            loss = _loss(condition, out, y[idx], va[idx], au[idx], model, cost, class_w,
                         log_prior, margin)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach())
            steps += 1
        sched.step()
        if not math.isfinite(total):
            raise TrainingError(
                f"{condition.source}: training diverged: the loss of epoch {len(history) + 1} "
                f"of condition '{condition.name}' (seed {seed}) is {total}; lower `lr` or the "
                "loss weights.")
        history.append(total / max(steps, 1))
        if on_epoch is not None:  # progress only: nothing it returns changes the run
            on_epoch(len(history), condition.epochs, history[-1], time.perf_counter() - start)
    train_seconds = time.perf_counter() - start

    proba, va_pred, au_pred, emb, branches = _predict(model, X_test, mean, std, embeddings)
    if branches is not None:
        extra["arbex_branches"] = _branch_summary(branches, np.asarray(data.y_test))
    proba = proba / proba.sum(1, keepdims=True)
    return RunResult(
        condition=condition, seed=seed, proba=proba, y_pred=proba.argmax(1).astype(np.int64),
        va_pred=np.clip(va_pred, -1.0, 1.0), au_pred=au_pred, embedding=emb,
        train_seconds=train_seconds, loss_history=tuple(history), threads=threads, extra=extra,
    )


def _predict(model, X, mean, std, embeddings: bool):
    """Test predictions in chunks of :data:`CHUNK` rows (memory bounded by the chunk)."""
    model.eval()
    parts: dict = {"proba": [], "va": [], "au": [], "emb": [], "primary": [], "anchor": [],
                   "attention": [], "weights": []}
    with torch.no_grad():
        for lo in range(0, X.shape[0], CHUNK):
            out = model(_batch(X, slice(lo, lo + CHUNK), mean, std))
            parts["proba"].append(out.proba.double().numpy())
            parts["va"].append(out.va.double().numpy())
            parts["au"].append(torch.sigmoid(out.au_logits).double().numpy())
            if embeddings:
                parts["emb"].append(out.embedding.double().numpy())
            if out.balance is not None:
                parts["primary"].append(out.logits.argmax(1).numpy())
                parts["anchor"].append(out.balance.anchor.argmax(1).numpy())
                parts["attention"].append(out.balance.attention.argmax(1).numpy())
                parts["weights"].append(out.balance.weights.double().numpy())
    cat = {k: np.concatenate(v) if v else None for k, v in parts.items()}
    branches = None
    if cat["weights"] is not None:
        branches = {k: cat[k] for k in ("primary", "anchor", "attention", "weights")}
        branches["heads"] = model.balance.attention is not None
    return cat["proba"], cat["va"], cat["au"], cat["emb"], branches


def _branch_summary(branches: dict, y_test: np.ndarray) -> dict:
    """Test accuracy of ARBEx's primary, anchor and attention branches; mean fusion weights."""
    lab = y_test >= 0
    acc = {}
    for name in ("primary", "anchor", "attention"):
        if name == "attention" and not branches["heads"]:
            acc[name] = None
            continue
        acc[name] = float((branches[name][lab] == y_test[lab]).mean()) if lab.any() else None
    w = branches["weights"].mean(0)
    return {"accuracy": acc,
            "fusion_weight": {"primary": float(w[0]), "anchor": float(w[1]),
                              "attention": float(w[2])},
            "n_test_labelled": int(lab.sum())}


def _loss(c: Condition, out, y, va, au, model, cost, class_w, log_prior,
          margin: float = 1.0) -> torch.Tensor:
    K = out.logits.shape[1]
    loss = out.logits.sum() * 0.0
    keep = y >= 0
    n_keep = int(keep.sum())
    if n_keep:
        # a batch whose frames are all labelled (every batch of the built-in benchmarks) is
        # used whole: the same values and gradients as indexing it with an all-true mask,
        # without a gather and a scatter per term
        pick = (lambda t: t) if n_keep == y.shape[0] else (lambda t: t[keep])
        yk = pick(y)
        if model.balance is not None:
            log_p = torch.log(pick(out.proba).clamp_min(1e-12))
        else:
            log_p = F.log_softmax(pick(out.logits) + c.logit_adjust_tau * log_prior, dim=-1)
        q = smooth_targets(yk, K, c.label_smoothing) if c.label_smoothing > 0 else None
        per = -(q * log_p).sum(-1) if q is not None else F.nll_loss(log_p, yk, reduction="none")
        if class_w is not None:
            w = class_w[yk]
            loss = loss + (w * per).sum() / w.sum().clamp_min(1e-12)
        else:
            loss = loss + per.mean()
        if cost is not None:
            # the cost was checked once by train_run; a softmax output is a valid histogram,
            # and a non-finite loss stops training at the end of the epoch
            ot = ot_onehot(pick(out.proba), yk, cost) if q is None else \
                ot_soft(pick(out.proba), q, cost)
            loss = loss + c.ot_weight * ot.mean()
        if model.balance is not None:
            if c.anchor_weight > 0:
                loss = loss + c.anchor_weight * anchor_loss(model.balance.anchors, margin)
            if c.branch_weight > 0:
                bal = out.balance
                branch = F.cross_entropy(pick(out.logits), yk)
                branch = branch + F.nll_loss(torch.log(pick(bal.anchor).clamp_min(1e-12)), yk)
                n_branch = 2
                if model.balance.attention is not None:
                    branch = branch + F.nll_loss(torch.log(pick(bal.attention).clamp_min(1e-12)),
                                                 yk)
                    n_branch = 3
                loss = loss + c.branch_weight * branch / n_branch
            if c.center_weight > 0:
                loss = loss + c.center_weight * center_loss(pick(out.balance.distances), yk,
                                                            out.balance.embedding.shape[1])
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
        "trainer": TRAINER_VERSION,
        "taxonomy": data.taxonomy.name,
        "versions": library_versions(),
        "threads": result.threads,
        "loss_history": list(result.loss_history),
        "n_train": int(np.asarray(data.y_train).shape[0]),
        "n_test": int(np.asarray(data.y_test).shape[0]),
        **result.extra,
    }


def run_one(condition: Condition, data, seed: int, path: "str | Path", *,
            embeddings: bool = False, extra_metadata: "dict | None" = None,
            on_epoch=None) -> Path:
    """Train one run and write its dump atomically to ``path``; return the path.

    ``on_epoch(epoch, epochs, mean loss, seconds since training began)`` is called after
    each epoch (:func:`train_run`), for progress."""
    result = train_run(condition, data, seed, embeddings=embeddings, on_epoch=on_epoch)
    meta = {**run_metadata(result, data), **(extra_metadata or {})}
    frame = run_frame(result, data)
    with _sigterm_deferred():  # the dump and its sidecar: both or neither
        written = write_dump(frame, path, meta)
        write_text_atomically(timing_path(written), json.dumps(
            {"train_seconds": result.train_seconds, "threads": result.threads}, indent=2) + "\n")
    return written


@contextmanager
def _sigterm_deferred():
    """SIGTERM (a stopped sweep's workers, ``scancel``) held back until the block ends.

    A run stopped while it trains leaves nothing; stopped between writing its dump and its
    timing sidecar it would leave the dump alone, and a handler that raises mid-write
    leaves at most :func:`~affectctl.io.atomic.atomic_write`'s cleaned-up temporary file.
    For the two writes (well under a second) the signal is only noted, then handled as it
    would have been: the writes are one step. Python runs signal handlers in the main
    thread only, so this works whatever other threads the process has (a signal mask
    would not: the kernel hands the signal to any thread that does not block it); off the
    main thread, where handlers cannot be set, the block is plain.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: pending.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if pending:
            if callable(previous):
                previous(signal.SIGTERM, pending[0])
            elif previous == signal.SIG_DFL:
                signal.raise_signal(signal.SIGTERM)


def timing_path(dump_path: "str | Path") -> Path:
    """The sidecar log of a dump's training time: ``<dump>.timing.json`` (``train_seconds``,
    ``threads``). Kept out of the dump so the same seed gives the same dump bytes."""
    return Path(str(dump_path) + ".timing.json")
