"""Sweeps: conditions × seeds on one dataset, one dump per run, resumable and parallel.

``runs/<dataset>/<condition>/seed-<k>.parquet`` is written once per (condition, seed)
through :func:`affectctl.io.dumps.write_dump`, which writes to a temporary file and
renames it: a killed sweep never leaves a half-written dump under the final name. A
rerun skips the dumps that exist, after checking that each was made by the same
condition file, dataset and seed (otherwise it refuses, rather than mixing runs).

Parallelism: runs go to ``workers`` worker processes (default: 2 when this process may
run on 2 or more cores, :func:`affectctl._util.machine.usable_cpus`; :class:`WorkerPool`), each
running torch with one thread. On the
2-core reference machine, 15 default runs took 11.1 s with 2 workers x 1 thread
(14.3 s before the workers were started together and ended without the interpreter's
teardown), 24.8 s in one process with 1 thread and 41.6 s in one process with 2 threads
(the network is too small for intra-op threads to pay off); ``python
benchmarks/bench_train.py --modes all`` measures all three. Each worker spends ~2 s
importing torch and, on its first optimizer, torch's compiler stack (``torch.optim``
imports ``torch._dynamo``), once per sweep. A run's predictions do not depend on the
number of workers: each run seeds itself and uses one thread. Features files arrive as
float32 memory maps (:mod:`affectctl.train.features`) that each worker reopens from
the same file, so they are in memory once. After a sweep with progress on, each new
ARBEx run's branch accuracies and fusion weights are printed (stderr). This module does not
import torch; the workers do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from affectctl._util.jsonable import plain
from affectctl._util.machine import usable_cpus
from affectctl.io.layout import DEFAULT_CACHE, dump_path
from affectctl.train.data import resolve_data
from affectctl.train.datasets import FeatureData
from affectctl.train.memory import check_training_memory
from affectctl.train.version import TRAINER_VERSION
from affectctl.errors import ConfigError
from affectctl.train.conditions import Condition, load_condition

__all__ = ["sweep", "dump_path", "resolve_data", "WorkerPool"]

def _seed_list(seeds) -> list[int]:
    if isinstance(seeds, bool):
        raise ConfigError(f"`seeds` must be a positive integer or a list of seeds; got {seeds!r}.")
    if isinstance(seeds, int):
        if seeds < 1:
            raise ConfigError(f"`seeds` must be a positive integer (number of seeds); "
                              f"got {seeds!r}.")
        return list(range(seeds))
    try:
        out = list(seeds)
    except TypeError:
        raise ConfigError(f"`seeds` must be a positive integer or a list of seeds; "
                          f"got {seeds!r}.") from None
    if not out or any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**32
                      for s in out) or len(set(out)) != len(out):
        raise ConfigError(f"`seeds` must list distinct integers in [0, 2**32); got {seeds!r}.")
    return out


def _identity(condition: Condition, data: FeatureData, seed: int) -> dict:
    """What a dump of this run records about how it was made, as its metadata reads back.

    The metadata goes through JSON, so both sides of the comparison in
    :func:`_check_existing` go through the one converter,
    :func:`affectctl._util.jsonable.plain` (tuples become lists, keys ``str``, NaN ``None``).
    """
    knobs = {k: v for k, v in data.knobs.items() if k != "file"}
    return plain({"condition_file": condition.text, "dataset": data.name,
                  "dataset_knobs": knobs, "seed": seed, "trainer": TRAINER_VERSION}, finite=True)


def _check_existing(path: Path, condition: Condition, data: FeatureData, seed: int) -> bool:
    """Check that an existing dump was made by this run; return whether it has embeddings."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        raw = (schema.metadata or {}).get(b"affectctl")
        meta = json.loads(raw) if raw else {}
    except Exception:  # pyarrow raises several types on a corrupt file
        raise ConfigError(f"{path}: exists but is not a readable dump; "
                          "remove it to rerun.") from None
    stored = {k: meta.get(k) for k in ("condition_file", "dataset", "seed", "trainer")}
    stored["dataset_knobs"] = {k: v for k, v in (meta.get("dataset_knobs") or {}).items()
                               if k != "file"}
    stored = plain(stored, finite=True)
    want = _identity(condition, data, seed)
    for key in ("condition_file", "dataset", "dataset_knobs", "seed", "trainer"):
        if stored.get(key) != want[key]:
            what = {"condition_file": "a different condition file", "dataset": "another dataset",
                    "dataset_knobs": "other dataset knobs or an older data generator",
                    "seed": "another seed",
                    "trainer": f"another version of the training loop ({stored.get(key) or 1}; "
                               f"this one is {want[key]})"}[key]
            raise ConfigError(f"{path}: exists but was made with {what}; remove it, or write to "
                              "another folder (train --out, compare/diagnose --cache), to rerun.")
    return "emb_0" in schema.names


def sweep(conditions: "str | Sequence[str]", *, dataset: "str | None" = None,
          seeds: "int | Sequence[int]" = 5, out: "str | Path" = DEFAULT_CACHE,
          features: "str | Path | None" = None, models_dir: "str | Path | None" = None,
          embeddings: bool = False, progress: bool = True, taxonomy: "str | None" = None,
          dataset_knobs: "dict | None" = None, workers: "int | None" = None,
          label_noise: "Sequence[float] | None" = None,
          launcher=None, while_waiting=None) -> "dict[tuple[str, int], Path]":
    """Train every (condition, seed) not yet done and return every dump's path.

    Parameters
    ----------
    conditions : str or sequence of str
        Condition names (file stems, looked up in ``models_dir``, ``./models``, then
        affectctl's ``models/``) or ``.toml`` paths.
    dataset : {"sim-affwild2", "sim-affectnet"}, optional
        Simulated benchmark; ``sim-affwild2`` when neither ``dataset`` nor ``features``
        is given. Exclusive with ``features``.
    seeds : int or sequence of int, default 5
        A count ``n`` means seeds ``0 .. n-1``.
    out : path, default "runs"
        Dumps go to ``<out>/<dataset>/<condition>/seed-<k>.parquet`` (``<dataset>`` is
        the features file's stem for ``features``).
    features : path, optional
        Parquet or NPZ features file (:mod:`affectctl.train.features`).
    models_dir : path, optional
        Folder searched first for condition files.
    embeddings : bool, default False
        Store test embeddings (``emb_<i>`` columns). An existing dump without them is
        then trained again (same seed, same predictions) to add them.
    progress : bool, default True
        Show a progress bar on stderr.
    taxonomy : str, optional
        Taxonomy of a ``features`` file that does not declare one.
    dataset_knobs : dict, optional
        Overrides of the simulated dataset's knobs (:func:`affectctl.train.datasets.make_dataset`),
        including its data ``seed``; recorded in every dump.
    workers : int, optional
        Worker processes; default ``min(2, usable cores, runs to do)``, the usable cores
        being those of the process's CPU affinity mask (a Slurm allocation or ``taskset``
        narrows it). 1 runs in this process.
    label_noise : sequence of float in (0, 1), optional
        Also train every condition with symmetric label noise at each rate (training
        labels only, seeded by the run seed), as condition ``<name>@noise<rate>``
        (:func:`affectctl.train.conditions.load_condition`); the clean runs are kept.
    launcher : LauncherConfig, optional
        Where the runs execute (:mod:`affectctl.train.launchers`): None or
        ``type="local"`` is the worker pool; ``type="slurm"`` submits one Slurm job per
        run (a job array) and raises ``SweepJobError`` naming any failed job.
    while_waiting : callable, optional
        A head start for the caller's next step (its imports, say): called at most once,
        without arguments, in a background thread of this process, when a pool worker is
        left without a run and others still train (the core it leaves would idle). Its
        exceptions are dropped: the caller's own step meets the same error where it can
        report it (an import may fail in a thread only, e.g. on an import deadlock). Not
        called when the runs train in this process or on Slurm.

    Returns
    -------
    dict
        ``{(condition name, seed): path}`` for every requested run, in the order
        conditions × seeds, including dumps that already existed.

    Raises
    ------
    ConfigError
        Unknown condition or dataset, invalid condition file, both ``dataset`` and
        ``features``, bad ``seeds``/``workers``, or an existing dump made differently.
    DumpFormatError
        A malformed ``features`` file.
    """
    names = [conditions] if isinstance(conditions, str) else list(conditions)
    if not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"`conditions` must name at least one condition; got {conditions!r}.")
    seed_list = _seed_list(seeds)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ConfigError(f"`workers` must be a positive integer; got {workers!r}.")
    if label_noise is not None:
        rates = list(label_noise)
        if not rates or any(isinstance(r, bool) or not isinstance(r, (int, float))
                            or not 0 < r < 1 for r in rates) or len(set(rates)) != len(rates):
            raise ConfigError(f"`label_noise` must list distinct rates in (0, 1); "
                              f"got {label_noise!r}.")
        from affectctl.train.conditions import noisy_name

        names = names + [noisy_name(load_condition(n, models_dir).name, r)
                         for r in rates for n in names]
    conds = [load_condition(n, models_dir) for n in names]
    seen: dict = {}
    for c in conds:
        if c.name in seen:
            raise ConfigError(f"condition {c.name!r} is given twice "
                              f"({seen[c.name]} and {c.source}).")
        seen[c.name] = c.source
    data = resolve_data(dataset, features, taxonomy=taxonomy, dataset_knobs=dataset_knobs)
    if launcher is None or launcher.type != "slurm":
        # before any run starts, a network too large for this machine is refused (on Slurm
        # each job checks the memory of the node it runs on instead: train_run)
        for c in conds:
            check_training_memory(c, data.X_train.shape[1], data.taxonomy.n_classes,
                                  data.au_train.shape[1])

    paths: dict = {}
    todo = []
    for c in conds:
        for s in seed_list:
            path = dump_path(out, data.name, c.name, s)
            paths[(c.name, s)] = path
            # an existing dump is kept, unless embeddings are asked for and it has none: the
            # run is then repeated (same seed, same predictions) to add them
            if not path.exists() or (not _check_existing(path, c, data, s) and embeddings):
                todo.append((c, s, path))
    if not todo:
        return paths
    import importlib.util

    missing = [name for module, name in (("torch", "torch"), ("ot", "POT"))
               if importlib.util.find_spec(module) is None]
    if missing:  # cached runs need neither; training does (the `train` extra)
        raise ConfigError(f"training {len(todo)} run(s) needs {' and '.join(missing)} (the "
                          "train extra), not installed here: pip install 'affectctl[train]'.")

    n_workers = workers if workers is not None else min(2, usable_cpus(), len(todo))
    n_workers = min(n_workers, len(todo))
    bar = _progress(progress, len(paths), len(paths) - len(todo), data.name)
    try:
        if launcher is not None and launcher.type == "slurm":
            from affectctl.train.data import data_source
            from affectctl.train.launchers import run_slurm

            run_slurm(todo, data_source(dataset, features, taxonomy, dataset_knobs), embeddings,
                      launcher, out, bar)
        elif n_workers == 1:
            from affectctl.train.loop import run_one

            for c, s, path in todo:
                what = f"{c.name} seed {s}"
                bar.begin(what)
                run_one(c, data, s, path, embeddings=embeddings,
                        on_epoch=lambda *ep, what=what: bar.epoch(what, *ep))
                bar.advance(what)
        else:
            jobs = [(c, s, str(path), embeddings) for c, s, path in todo]
            with WorkerPool(n_workers, data) as pool:
                for c, s, _, _ in pool.run(jobs, on_start=lambda job: bar.begin(
                        f"{job[0].name} seed {job[1]}"), on_epoch=lambda job, *ep: bar.epoch(
                        f"{job[0].name} seed {job[1]}", *ep),
                        on_idle=while_waiting):
                    bar.advance(f"{c.name} seed {s}")
    except BaseException:
        bar.close(failed=True)
        raise
    bar.close()
    if progress:
        _print_arbex([c for c, _, _ in todo], [p for _, _, p in todo])
    return paths


def _print_arbex(conds, paths) -> None:
    """Print each new ARBEx run's branch accuracies and fusion weights (from its dump)."""
    import sys

    from affectctl.io.dumps import read_metadata
    from affectctl.train.summary import arbex_summary_line

    for c, path in zip(conds, paths):
        if c.head != "arbex":
            continue
        meta = read_metadata(path)
        line = arbex_summary_line(meta) if meta else None
        if line:
            print(line, file=sys.stderr)


class WorkerPool:
    """``n`` training worker processes (:mod:`affectctl.train._worker`) fed job by job.

    Each worker is a fresh ``python -m affectctl.train._worker`` that receives the data
    once and then one job at a time, so faster workers take more jobs. A worker's
    exception is re-raised in the parent (after the other workers are stopped); when
    the parent dies, the workers' input closes and they exit after their current job.
    """

    def __init__(self, n: int, data: FeatureData):
        import pickle
        import subprocess
        import sys

        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # the folder holding affectctl/
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env.setdefault("OMP_NUM_THREADS", "1")
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        self._procs = []
        try:
            # every worker is started before any is fed: a write of the payload blocks until
            # its worker's interpreter is up and reading, so feeding each as it starts would
            # start the workers one after the other (0.4 s each here)
            for _ in range(n):
                self._procs.append(subprocess.Popen(
                    [sys.executable, "-m", "affectctl.train._worker"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env))
            for proc in self._procs:
                proc.stdin.write(payload)
                proc.stdin.flush()
        except BaseException:
            self.close(kill=True)
            raise

    def run(self, jobs, *, on_start=None, on_epoch=None, on_idle=None):
        """Run ``jobs`` and yield each job as it finishes (in completion order).

        ``on_start(job)`` when a worker takes a job and ``on_epoch(job, epoch, epochs,
        loss, seconds)`` after each of its epochs are called in this (the caller's) thread.
        A worker that finds no job left is ended (its input closed: it exits at once and
        frees its memory), so a pool runs one list of jobs. ``on_idle()`` is then called
        at most once, in a thread of its own, if other workers still run (the core it
        leaves is free; not called when the last jobs end together). It is a head start
        only: an exception it raises is dropped (the caller's own next step meets the same
        error where it can report it), and ``run`` waits for it only when every job has
        succeeded.
        """
        import pickle
        import queue
        import threading

        todo: "queue.SimpleQueue" = queue.SimpleQueue()
        for job in jobs:
            todo.put(job)
        done: "queue.SimpleQueue" = queue.SimpleQueue()
        stop = threading.Event()

        def drive(proc):
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    try:
                        proc.stdin.close()       # the worker ends (os._exit) and frees its memory
                    except OSError:
                        pass
                    done.put((None, ("idle",)))
                    return
                try:
                    pickle.dump(job, proc.stdin)
                    proc.stdin.flush()
                    done.put((job, ("start",)))
                    reply = pickle.load(proc.stdout)
                    while reply[0] == "epoch":
                        done.put((job, reply))
                        reply = pickle.load(proc.stdout)
                except (EOFError, OSError, pickle.UnpicklingError):
                    done.put((job, ("died", proc.poll())))
                    return
                done.put((job, reply))

        threads = [threading.Thread(target=drive, args=(p,), daemon=True) for p in self._procs]
        for t in threads:
            t.start()
        idle = None

        def call_idle() -> None:
            try:
                on_idle()
            except Exception:  # noqa: BLE001, S110 -- a head start only (docstring)
                pass

        try:
            finished = 0
            while finished < len(jobs):
                job, reply = done.get()
                if reply[0] == "idle":
                    if on_idle is not None and idle is None:
                        idle = threading.Thread(target=call_idle, daemon=True)
                        idle.start()
                    continue
                if reply[0] == "start":
                    if on_start is not None:
                        on_start(job)
                    continue
                if reply[0] == "epoch":
                    if on_epoch is not None:
                        on_epoch(job, *reply[1:])
                    continue
                finished += 1
                if reply[0] == "ok":
                    yield job
                    continue
                if reply[0] == "died":
                    raise RuntimeError(f"a training worker exited (status {reply[1]}) while "
                                       f"running {job[0].name} seed {job[1]}.")
                raise reply[1]
        finally:
            stop.set()
        if idle is not None:          # every job succeeded: the head start is finished too
            idle.join()

    def close(self, kill: bool = False) -> None:
        """End the workers: at the end of their input, or with ``kill`` at once (SIGTERM:
        a run in training leaves nothing, a run writing its files finishes them first,
        :func:`affectctl.train.loop.run_one`; SIGKILL after 10 s)."""
        import subprocess

        for proc in self._procs:
            try:
                if kill:
                    proc.terminate()
                else:
                    proc.stdin.close()
            except OSError:
                pass
        for proc in self._procs:
            try:
                try:
                    proc.wait(timeout=None if not kill else 10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            finally:
                for pipe in (proc.stdin, proc.stdout):  # a killed worker's stdin is still open
                    if pipe:
                        try:
                            pipe.close()
                        except OSError:  # its buffered bytes go nowhere: the reader is gone
                            pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(kill=exc_type is not None)
        return False


class _NoBar:
    def begin(self, what: str) -> None:
        pass

    def epoch(self, what: str, epoch: int, epochs: int, loss: float, seconds: float) -> None:
        pass

    def advance(self, what: str) -> None:
        pass

    def close(self, failed: bool = False) -> None:
        pass


class _RichBar:
    """The sweep's bar (:class:`affectctl._util.progress.Bar`): one step per run.

    The note after it names the runs in progress (not the last one finished) and, once
    a run has trained for :data:`EPOCH_NOTE_AFTER` seconds, its epoch, mean loss of that
    epoch, time in training and ETA (the mean epoch time so far times the epochs left):
    ``base seed 2: epoch 7/20, loss 1.234, 0:00:41, ETA 0:01:16``.
    """

    def __init__(self, total: int, done: int, label: str):
        from affectctl._util.progress import Bar

        self._bar = Bar(f"train {label}")
        self._bar.start(total, completed=done, note=f"({done} already done)" if done else "")
        self._running: dict = {}  # run -> its note, in the order the runs started

    def _show(self) -> None:
        self._bar.update(note="; ".join(self._running.values()))

    def begin(self, what: str) -> None:
        self._running[what] = what
        self._show()

    def epoch(self, what: str, epoch: int, epochs: int, loss: float, seconds: float) -> None:
        self._running[what] = epoch_note(what, epoch, epochs, loss, seconds)
        self._show()

    def advance(self, what: str) -> None:
        # a run this bar did not see start (a Slurm job) is named as finished
        note = what if self._running.pop(what, None) is None else ""
        self._bar.update(advance=1, note="; ".join(self._running.values()) or
                         (f"{note} finished" if note else ""))

    def close(self, failed: bool = False) -> None:
        # on failure the error is the last word: the bar is erased, not left above it
        self._bar.stop(erase=failed)


#: Seconds a run trains before its note shows epochs (shorter runs show only their name).
EPOCH_NOTE_AFTER = 3.0


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def epoch_note(what: str, epoch: int, epochs: int, loss: float, seconds: float) -> str:
    """``what: epoch e/E, loss L, elapsed, ETA`` once ``seconds`` >= :data:`EPOCH_NOTE_AFTER`;
    else ``what``. The ETA is the mean epoch time so far times the epochs left.

    >>> epoch_note("base seed 2", 7, 20, 1.23449, 41.0)
    'base seed 2: epoch 7/20, loss 1.234, 0:00:41, ETA 0:01:16'
    >>> epoch_note("base seed 2", 1, 20, 1.2, 0.1)
    'base seed 2'
    """
    if seconds < EPOCH_NOTE_AFTER:
        return what
    eta = seconds / epoch * (epochs - epoch)
    return f"{what}: epoch {epoch}/{epochs}, loss {loss:.3f}, {_clock(seconds)}, ETA {_clock(eta)}"


def _progress(enabled: bool, total: int, done: int, label: str):
    return _RichBar(total, done, label) if enabled else _NoBar()
