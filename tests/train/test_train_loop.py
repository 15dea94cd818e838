"""One run: reproducible, a valid dump with provenance, every intervention wired in."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

torch = pytest.importorskip("torch")

from affectctl.io.dumps import read_dump  # noqa: E402
from affectctl.train.conditions import parse_condition  # noqa: E402
from affectctl.train.loop import epoch_indices, run_one, train_run  # noqa: E402

FAST = "epochs = 3\nbatch_size = 64\n"
PRED_COLUMNS = ("y_pred", "v_pred", "a_pred")


def _cond(extra="", name="c"):
    return parse_condition(FAST + extra, name=name)


def _prediction_bytes(path):
    table = pq.read_table(path)
    cols = [c for c in table.column_names
            if c in PRED_COLUMNS or c.startswith(("p_", "emb_")) or c.endswith("_pred")]
    return {c: table.column(c).to_numpy().tobytes() for c in cols}


def test_same_seed_gives_byte_identical_predictions(tmp_path, tiny_data):
    c = _cond('ot_weight = 1.0\ncost = "circumplex"\n')
    a = run_one(c, tiny_data, 3, tmp_path / "a.parquet", embeddings=True)
    b = run_one(c, tiny_data, 3, tmp_path / "b.parquet", embeddings=True)
    pa, pb = _prediction_bytes(a), _prediction_bytes(b)
    assert pa.keys() == pb.keys() and any(k.startswith("emb_") for k in pa)
    assert pa == pb
    other = run_one(c, tiny_data, 4, tmp_path / "c.parquet")
    assert _prediction_bytes(other)["p_Neutral"] != pa["p_Neutral"]


def test_dump_is_valid_and_carries_provenance(tmp_path, tiny_data):
    c = _cond()
    path = run_one(c, tiny_data, 1, tmp_path / "seed-1.parquet")
    dump = read_dump(path)
    tax = tiny_data.taxonomy
    assert dump.taxonomy.name == tax.name and dump.n_samples == tiny_data.y_test.size
    np.testing.assert_array_equal(dump.y_true, tiny_data.y_test)
    np.testing.assert_array_equal(dump.sample_id, tiny_data.sample_id_test.astype(str))
    assert dump.has_va and dump.has_au and dump.au_names == tiny_data.au_names
    np.testing.assert_allclose(dump.proba.sum(1), 1.0)
    np.testing.assert_array_equal(dump.y_pred, dump.proba.argmax(1))
    meta = json.loads(pq.read_schema(path).metadata[b"affectctl"])
    assert meta["condition"] == "c" and meta["condition_file"] == c.text
    assert meta["dataset"] == "sim-affwild2" and meta["seed"] == 1
    assert meta["taxonomy"] == "affwild2-expr8" and meta["dataset_knobs"]["seed"] == 0
    assert {"torch", "pot", "numpy", "python", "affectctl"} <= set(meta["versions"])
    assert len(meta["loss_history"]) == 3
    # wall-clock time varies run to run: it lives in a sidecar, not in the dump's bytes
    assert "train_seconds" not in meta
    assert json.loads(Path(str(path) + ".timing.json").read_text())["train_seconds"] > 0


@pytest.mark.parametrize("extra", [
    'class_weights = "inverse-frequency"',
    "logit_adjust_tau = 1.0",
    'sampler = "balanced"\nframes_per_video = 8\nframes_per_class = 20',
    "label_smoothing = 0.1",
    'head = "arbex"\nanchors_per_class = 2',
    'ot_weight = 1.0\ncost = "permuted"',
    'ot_weight = 1.0\ncost = "au"',
])
def test_every_intervention_trains(tiny_data, extra):
    r = train_run(_cond(extra), tiny_data, 0)
    assert np.isfinite(r.loss_history).all()
    np.testing.assert_allclose(r.proba.sum(1), 1.0)
    # an intervention silently ignored would train exactly base (same seed, same data)
    base = train_run(_cond(), tiny_data, 0)
    assert not np.allclose(r.proba, base.proba)


def test_soft_targets_with_an_ot_term_use_pots_solver(tiny_data, monkeypatch):
    from ot.lp import emd_wrap

    calls = {"n": 0}
    real = emd_wrap.emd_c

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(emd_wrap, "emd_c", counting)
    c = parse_condition('epochs = 1\nlabel_smoothing = 0.1\not_weight = 1.0\ncost = "circumplex"',
                        name="smooth-ot")
    train_run(c, tiny_data, 0)
    assert calls["n"] == int((tiny_data.y_train >= 0).sum())  # one exact solve per frame
    calls["n"] = 0
    train_run(_cond('ot_weight = 1.0\ncost = "circumplex"'), tiny_data, 0)
    assert calls["n"] == 0  # one-hot targets: closed form
    train_run(_cond('label_smoothing = 0.1\not_weight = 1.0\ncost = "uniform"'), tiny_data, 0)
    assert calls["n"] == 0  # uniform cost: closed form for soft targets too


def test_balanced_sampler_draws_n_per_video_then_m_per_class():
    c = parse_condition('sampler = "balanced"\nframes_per_video = 3\nframes_per_class = 5',
                        name="b")
    y = np.array([0] * 10 + [1] * 10 + [2] * 2)
    group = np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 2)
    idx = epoch_indices(c, y, group, np.random.default_rng(0))
    # resampled to the length of a shuffle epoch (22), from a pool of 5 frames per class
    assert idx.size == 22
    counts = np.bincount(y[idx], minlength=3)
    assert counts.min() >= 22 // 15 * 5 and counts.max() <= -(-22 // 15) * 5
    # class 0 lives in video a only, from which 3 frames were pooled: at most 3 distinct frames
    assert np.unique(idx[y[idx] == 0]).size <= 3
    shuffle = parse_condition("", name="s")
    assert sorted(epoch_indices(shuffle, y, group, np.random.default_rng(0))) == list(range(22))


def test_unannotated_frames_are_left_out_of_the_expression_loss(tiny_data):
    import dataclasses

    y = tiny_data.y_train.copy()
    y[::3] = -1
    va = tiny_data.va_train.copy()
    va[::4] = np.nan
    au = tiny_data.au_train.copy()
    au[::5] = -1
    data = dataclasses.replace(tiny_data, y_train=y, va_train=va, au_train=au)
    for extra in ("", 'class_weights = "inverse-frequency"', 'ot_weight = 1.0\ncost = "uniform"',
                  'sampler = "balanced"'):
        r = train_run(_cond(extra), data, 0)
        assert np.isfinite(r.loss_history).all()


@pytest.mark.parametrize("extra", ["", 'ot_weight = 1.0\ncost = "circumplex"', 'head = "arbex"',
                                   'class_weights = "inverse-frequency"', "label_smoothing = 0.1"])
def test_a_fully_labelled_batch_gives_the_loss_and_gradients_of_the_masked_path(extra):
    # _loss uses a fully labelled batch whole instead of indexing it with an all-true mask;
    # the reference appends one unlabelled row (no expression, VA or AU labels), which sends
    # every term through its masked path, and the kept rows must get the same loss and grads
    import torch

    from affectctl.train.heads import MultiTaskNet
    from affectctl.train.loop import _loss
    from affectctl.train.losses import inverse_frequency_weights

    torch.manual_seed(0)
    c = _cond(extra)
    K, m, B = 8, 12, 32
    arbex = ({"anchors_per_class": 3, "temperature": 1.0, "heads": 4}
             if c.head == "arbex" else None)
    net = MultiTaskNet(20, K, m, reduce_dim=16, hidden=16, dropout=0.0, arbex=arbex)
    net.eval()  # batch norm on running statistics: rows do not affect each other
    x = torch.randn(B + 1, 20)
    y = torch.randint(0, K, (B + 1,))
    y[-1] = -1
    va = torch.rand(B + 1, 2) * 2 - 1
    va[-1] = float("nan")
    au = torch.randint(0, 2, (B + 1, m))
    au[-1] = -1
    cost = torch.rand(K, K)
    cost = (cost + cost.T) * (1 - torch.eye(K))
    w = inverse_frequency_weights(torch.bincount(y[:B], minlength=K)) \
        if c.class_weights != "none" else None
    log_prior = torch.full((K,), -np.log(K))

    def loss_and_grads(rows):
        net.zero_grad()
        loss = _loss(c, net(x[rows]), y[rows], va[rows], au[rows], net,
                     cost if c.ot_weight > 0 else None, w, log_prior)
        loss.backward()
        return float(loss.detach()), [p.grad.clone() for p in net.parameters() if p.grad is not None]

    whole, grads_whole = loss_and_grads(slice(0, B))
    masked, grads_masked = loss_and_grads(slice(0, B + 1))
    assert whole == pytest.approx(masked, rel=1e-6)
    assert len(grads_whole) == len(grads_masked)
    for g1, g2 in zip(grads_whole, grads_masked):
        torch.testing.assert_close(g1, g2, rtol=1e-5, atol=1e-7)


def test_a_diverging_run_stops_with_the_epoch_condition_and_seed(tiny_data):
    from affectctl.errors import TrainingError

    with pytest.raises(TrainingError, match=r"^<memory>: training diverged: the loss of epoch 1 "
                                            r"of condition 'c' \(seed 0\) is nan; lower `lr`"):
        train_run(_cond("va_weight = 3e38"), tiny_data, 0)


@pytest.mark.parametrize("extra", ["", "hidden = 7\nreduce_dim = 5", 'head = "arbex"',
                                   'head = "arbex"\nattention_heads = 0\nanchors_per_class = 3',
                                   'head = "arbex"\nreduce_dim = 12\nattention_heads = 2'])
def test_parameter_count_is_the_networks(extra, tiny_data):
    # the memory estimate's parameter count, against the network train_run builds
    import torch

    from affectctl.train.heads import MultiTaskNet
    from affectctl.train.memory import parameter_count

    c = _cond(extra)
    arbex = ({"anchors_per_class": c.anchors_per_class, "temperature": c.anchor_temperature,
              "heads": c.attention_heads} if c.head == "arbex" else None)
    d, K, m = tiny_data.X_train.shape[1], tiny_data.taxonomy.n_classes, tiny_data.au_train.shape[1]
    with torch.device("meta"):
        net = MultiTaskNet(d, K, m, reduce_dim=c.reduce_dim, hidden=c.hidden, dropout=c.dropout,
                           arbex=arbex)
    assert parameter_count(c, d, K, m) == sum(p.numel() for p in net.parameters())


def test_a_network_too_large_for_the_machine_is_refused_before_training(tmp_path, tiny_data,
                                                                         monkeypatch):
    # hidden = 65536 (the documented width limit) is a 4.3e9-parameter layer, ~69 GB with
    # its gradient and Adam's moments: it was killed by the kernel mid-sweep
    from affectctl.errors import ConfigError
    from affectctl.train import memory, sweep

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "wide.toml").write_text("epochs = 1\nhidden = 65536\n")
    monkeypatch.setattr(memory, "available_memory", lambda: 24 * 2**30)
    with pytest.raises(ConfigError, match=r"wide\.toml: a run of condition 'wide' needs about "
                                          r"\d+\.\d GiB of memory \(4,29\d,\d{3},\d{3} parameters "
                                          r"with hidden = 65536.*24\.0 GiB available"):
        sweep("wide", seeds=1, out=tmp_path / "runs", models_dir=tmp_path / "models",
              dataset_knobs={"n_train_videos": 4, "n_test_videos": 2, "frames_per_video": 8},
              progress=False, workers=1)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("*.parquet"))
    with pytest.raises(ConfigError, match="needs about"):
        train_run(_cond("hidden = 65536"), tiny_data, 0)
    # the shipped conditions on 512 features: 150-450 MB, mostly a chunk of 8,192 test rows
    from affectctl.train import load_condition

    for name in ("base", "arbex", "circumplex"):
        assert memory.training_bytes(load_condition(name), 512, 8, 12) < 2**30


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32",
                    reason="SIGTERM to oneself: POSIX only")
def test_sigterm_waits_for_the_dump_and_its_sidecar(tmp_path, tiny_data, monkeypatch):
    # a SIGTERM that arrives between the dump and its timing sidecar is handled after both
    # are written (its handler as before), so a stopped sweep never leaves one without the other
    from affectctl.train import loop

    dump = tmp_path / "seed-0.parquet"
    handled = []
    previous = signal.signal(signal.SIGTERM, lambda s, f: handled.append(
        dump.exists() and loop.timing_path(dump).exists()))
    write_dump = loop.write_dump

    def dump_then_signal(*args, **kwargs):
        written = write_dump(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return written

    monkeypatch.setattr(loop, "write_dump", dump_then_signal)
    try:
        loop.run_one(_cond(), tiny_data, 0, dump)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert handled == [True]
