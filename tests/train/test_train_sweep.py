"""Sweeps: resumable after a kill, skip finished dumps, parallel == serial, bad options."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from affectctl.io.dumps import read_dump
from affectctl.errors import ConfigError
from affectctl.train import sweep

pytest.importorskip("torch")

TINY = {"n_train_videos": 10, "n_test_videos": 4, "frames_per_video": 24}  # as conftest


def _predictions(path):
    table = pq.read_table(path)
    return {c: table.column(c).to_numpy().tobytes() for c in table.column_names
            if c.startswith("p_") or c.endswith("_pred")}


def _slow_models(tmp_path):
    d = tmp_path / "slow-models"
    d.mkdir()
    (d / "slow-base.toml").write_text("epochs = 15\nbatch_size = 32\n")
    (d / "slow-circ.toml").write_text('epochs = 15\nbatch_size = 32\not_weight = 1.0\n'
                                      'cost = "circumplex"\n')
    return d


SLOW = ["slow-base", "slow-circ"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The slow sweep run once, uninterrupted, in this process (``workers=1``): the reference
    of both killed-and-restarted tests. A pool gives the serial bytes
    (test_parallel_workers_give_the_serial_results), so one reference serves both."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    return sweep(SLOW, out=tmp / "fresh", seeds=3, models_dir=_slow_models(tmp),
                 dataset_knobs=TINY, progress=False, workers=1)


@pytest.mark.parametrize("workers", [1, 2])  # 2: the default pool of worker processes
def test_killed_and_restarted_sweep_equals_an_uninterrupted_one(tmp_path, workers, uninterrupted):
    models = _slow_models(tmp_path)
    args = dict(seeds=3, models_dir=models, dataset_knobs=TINY, progress=False, workers=workers)
    names = SLOW
    killed = tmp_path / "killed"
    code = (f"from affectctl.train import sweep; sweep({names!r}, out={str(killed)!r}, "
            f"seeds=3, models_dir={str(models)!r}, dataset_knobs={TINY!r}, progress=False, "
            f"workers={workers})")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not list(killed.glob("*/*/seed-*.parquet")):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no dump appeared within 60 s"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    done = sorted(killed.glob("*/*/seed-*.parquet"))
    assert 1 <= len(done) < 6, "the sweep was not interrupted mid-way"
    for path in done:  # whatever carries a final name is a complete, valid dump
        read_dump(path)

    restarted = sweep(names, out=killed, **args)
    fresh = uninterrupted
    assert list(restarted) == list(fresh) == [(n, s) for n in names for s in range(3)]
    for key in fresh:
        assert _predictions(restarted[key]) == _predictions(fresh[key]), key


@pytest.mark.parametrize("cores, pooled", [(1, False), (2, True)])
def test_default_workers_follow_the_usable_cores(tmp_path, fast_models, monkeypatch, cores,
                                                  pooled):
    # one usable core (a one-CPU Slurm allocation, taskset) trains in this process; two or
    # more start the pool of two workers
    from affectctl.train import runner

    started = []

    class Pool:
        def __init__(self, n, data):
            started.append(n)
            raise RuntimeError("pool started")

    monkeypatch.setattr(runner, "usable_cpus", lambda: cores)
    monkeypatch.setattr(runner, "WorkerPool", Pool)
    args = dict(seeds=[0, 1], out=tmp_path, models_dir=fast_models, dataset_knobs=TINY,
                progress=False)
    if pooled:
        with pytest.raises(RuntimeError, match="pool started"):
            sweep("tiny-base", **args)
        assert started == [2]
    else:
        assert len(sweep("tiny-base", **args)) == 2 and started == []


def test_usable_cpus_is_the_affinity_mask(monkeypatch):
    from affectctl._util.machine import usable_cpus

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert usable_cpus() == 1

    def missing(pid):
        raise AttributeError

    monkeypatch.setattr(os, "sched_getaffinity", missing, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert usable_cpus() == 6


def test_finished_dumps_are_skipped(tmp_path, fast_models):
    args = dict(seeds=[0, 1], out=tmp_path, models_dir=fast_models, dataset_knobs=TINY,
                progress=False, workers=1)
    first = sweep("tiny-base", **args)
    stamps = {k: p.stat().st_mtime_ns for k, p in first.items()}
    again = sweep("tiny-base", **args)
    assert again == first
    assert {k: p.stat().st_mtime_ns for k, p in again.items()} == stamps


def test_asking_for_embeddings_completes_dumps_made_without_them(tmp_path, fast_models):
    args = dict(seeds=[0], out=tmp_path, models_dir=fast_models, dataset_knobs=TINY,
                progress=False, workers=1)
    plain = sweep("tiny-base", **args)[("tiny-base", 0)]
    before = _predictions(plain)
    assert not any(c.startswith("emb_") for c in pq.read_schema(plain).names)
    with_emb = sweep("tiny-base", embeddings=True, **args)[("tiny-base", 0)]
    assert with_emb == plain and any(c.startswith("emb_") for c in pq.read_schema(plain).names)
    assert _predictions(plain) == before  # same seed, same predictions
    stamp = plain.stat().st_mtime_ns
    sweep("tiny-base", embeddings=True, **args)
    sweep("tiny-base", **args)  # a dump with embeddings serves a run without them as well
    assert plain.stat().st_mtime_ns == stamp


def test_a_dump_made_differently_is_not_silently_reused(tmp_path, fast_models):
    args = dict(seeds=1, out=tmp_path / "runs", models_dir=fast_models, dataset_knobs=TINY,
                progress=False, workers=1)
    sweep("tiny-base", **args)
    original = (fast_models / "tiny-base.toml").read_text()
    (fast_models / "tiny-base.toml").write_text("epochs = 4\n")
    with pytest.raises(ConfigError, match=r"seed-0\.parquet: exists but was made with a different "
                                          r"condition file; remove it, or write to another folder"):
        sweep("tiny-base", **args)
    (fast_models / "tiny-base.toml").write_text(original)
    with pytest.raises(ConfigError, match="other dataset knobs or an older data generator"):
        sweep("tiny-base", **{**args, "dataset_knobs": {**TINY, "seed": 1}})


def test_a_cache_from_an_older_data_generator_is_refused(tmp_path, fast_models, monkeypatch):
    import affectctl.train.datasets as datasets

    args = dict(seeds=1, out=tmp_path / "runs", models_dir=fast_models, dataset_knobs=TINY,
                progress=False, workers=1)
    monkeypatch.setattr(datasets, "GENERATOR_VERSION", datasets.GENERATOR_VERSION - 1)
    sweep("tiny-base", **args)
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="older data generator"):
        sweep("tiny-base", **args)


def test_a_cache_from_another_training_loop_is_refused(tmp_path, fast_models):
    # a dump written before the trainer version was recorded (version 1: no `trainer` key)
    import json

    import pyarrow.parquet as pq

    args = dict(seeds=1, out=tmp_path / "runs", models_dir=fast_models, dataset_knobs=TINY,
                progress=False, workers=1)
    path = sweep("tiny-base", **args)[("tiny-base", 0)]
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"affectctl"])
    assert meta["trainer"] == 2
    del meta["trainer"]
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata,
                                                  b"affectctl": json.dumps(meta).encode()}), path)
    with pytest.raises(ConfigError, match=r"exists but was made with another version of the "
                                          r"training loop \(1; this one is 2\); remove it"):
        sweep("tiny-base", **args)


def test_parallel_workers_give_the_serial_results(tmp_path, fast_models):
    common = dict(seeds=2, models_dir=fast_models, dataset_knobs=TINY, progress=False)
    serial = sweep(["tiny-base", "tiny-arbex"], out=tmp_path / "serial", workers=1, **common)
    parallel = sweep(["tiny-base", "tiny-arbex"], out=tmp_path / "parallel", workers=2, **common)
    for key in serial:
        assert _predictions(serial[key]) == _predictions(parallel[key]), key


def test_pool_workers_end_cleanly_when_their_input_closes(tmp_path, fast_models):
    # a worker left without a job has its input closed by the pool at once (it ends and
    # frees its memory while the others train), before the pool is closed; it ends with
    # os._exit(0) (no interpreter teardown): status 0, its dumps whole and readable
    from affectctl.train import runner
    from affectctl.train.conditions import load_condition
    from affectctl.train.data import resolve_data

    data = resolve_data(None, None, dataset_knobs=TINY)
    cond = load_condition("tiny-base", fast_models)
    jobs = [(cond, s, str(tmp_path / f"seed-{s}.parquet"), False) for s in (0, 1, 2)]
    pool = runner.WorkerPool(2, data)
    try:
        assert sorted(job[1] for job in pool.run(jobs)) == [0, 1, 2]
        # not yet closed by the pool: each ended when it found no job left
        assert [proc.wait(timeout=60) for proc in pool._procs] == [0, 0]
    finally:
        pool.close()
    assert [proc.returncode for proc in pool._procs] == [0, 0]
    for s in (0, 1, 2):
        assert read_dump(tmp_path / f"seed-{s}.parquet").n_samples > 0


def test_while_waiting_runs_once_on_the_idle_core_before_the_last_run_ends(tmp_path, fast_models):
    # three runs on two workers: a worker is left without a run while the third trains
    import threading

    yielded, calls = [], []
    args = dict(seeds=[0, 1, 2], out=tmp_path, models_dir=fast_models, dataset_knobs=TINY,
                progress=False, workers=2)

    def note():
        calls.append((len(yielded), threading.current_thread() is threading.main_thread()))

    from affectctl.train import runner

    run = runner.WorkerPool.run

    def counting_run(self, jobs, **kw):
        for job in run(self, jobs, **kw):
            yielded.append(job)
            yield job

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner.WorkerPool, "run", counting_run)
        sweep("tiny-base", while_waiting=note, **args)
    assert len(calls) == 1 and calls[0][0] < 3 and calls[0][1] is False


def test_an_error_of_while_waiting_does_not_fail_the_sweep(tmp_path, fast_models):
    # a head start only: the caller's own step meets a real error where it can report it
    calls = []

    def broken():
        calls.append(1)
        raise ImportError("no module named 'missing'")

    args = dict(seeds=[0, 1, 2], out=tmp_path, models_dir=fast_models, dataset_knobs=TINY,
                progress=False, workers=2)
    paths = sweep("tiny-base", while_waiting=broken, **args)
    assert calls == [1]
    assert sorted(p.name for p in paths.values()) == [
        "seed-0.parquet", "seed-1.parquet", "seed-2.parquet"]
    assert all(p.exists() for p in paths.values())


def test_the_commands_next_imports_exist():
    # what compare and diagnose import while the last runs train (a typo there would only
    # show as a failure at the end of training)
    from affectctl.cli.compare import import_the_report
    from affectctl.cli.diagnose import import_the_analysis

    for formats in (("pdf", "png"), ("svg",), ()):
        import_the_report(formats)
    import_the_analysis(True)
    import_the_analysis(False)


@pytest.mark.parametrize("kwargs,pattern", [
    ({"dataset": "sim-affwild2", "features": "x.npz"}, r"`dataset` and `features` are exclusive"),
    ({"dataset": "affectnet"}, r"`dataset` must be one of \['sim-affectnet', 'sim-affwild2'\]; "
                               r"got 'affectnet'"),
    ({"seeds": 0}, r"`seeds` must be a positive integer"),
    ({"seeds": [1, 1]}, r"`seeds` must list distinct integers"),
    ({"seeds": "5"}, r"`seeds` must list distinct integers"),
    ({"workers": 0}, r"`workers` must be a positive integer; got 0"),
    ({"taxonomy": "affectnet8"}, r"`taxonomy` applies to `features` files only"),
    ({"features": "x.npz", "dataset_knobs": {"seed": 1}}, r"`dataset_knobs` apply to simulated"),
    ({"dataset_knobs": {"n_videos": 3}}, r"unknown knob 'n_videos'"),
])
def test_bad_options_raise_configerror(tmp_path, kwargs, pattern):
    with pytest.raises(ConfigError, match=pattern):
        sweep("base", out=tmp_path, progress=False, **kwargs)
    assert not list(tmp_path.iterdir())


def test_bad_conditions_fail_before_any_training(tmp_path, fast_models):
    with pytest.raises(ConfigError, match="unknown condition 'nope'"):
        sweep(["tiny-base", "nope"], out=tmp_path / "o", models_dir=fast_models)
    with pytest.raises(ConfigError, match="given twice"):
        sweep(["tiny-base", "tiny-base"], out=tmp_path / "o", models_dir=fast_models)
    with pytest.raises(ConfigError, match="must name at least one condition"):
        sweep([], out=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_embeddings_flag(tmp_path, fast_models):
    paths = sweep("tiny-base", seeds=1, out=tmp_path, models_dir=fast_models, dataset_knobs=TINY,
                  progress=False, workers=1, embeddings=True)
    dump = read_dump(paths[("tiny-base", 0)])
    assert dump.embedding is not None and dump.embedding.shape[1] == 64
    assert np.isfinite(dump.embedding).all()
