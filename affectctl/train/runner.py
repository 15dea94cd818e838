"""Sweeps: conditions × seeds on one dataset, one dump per run, resumable and parallel.

``runs/<dataset>/<condition>/seed-<k>.parquet`` is written once per (condition, seed)
through :func:`affectctl.io.dumps.write_dump`, which writes to a temporary file and
renames it: a killed sweep never leaves a half-written dump under the final name. A
rerun skips the dumps that exist, after checking that each was made by the same
condition file, dataset and seed (otherwise it refuses, rather than mixing runs).

Parallelism: runs go to ``workers`` worker processes (default: 2 when this process may
run on 2 or more cores, :func:`affectctl._machine.usable_cpus`; :class:`WorkerPool`), each
running torch with one thread. On the
2-core reference machine, 15 default runs took 14.3 s with 2 workers x 1 thread,
24.8 s in one process with 1 thread and 41.6 s in one process with 2 threads (the
network is too small for intra-op threads to pay off); ``python
benchmarks/bench_train.py --modes all`` measures all three. A run's predictions do not depend on the
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

from .._json import plain
from .._machine import usable_cpus
from .datasets import DATASETS, FeatureData, list_datasets, make_dataset
from .memory import check_training_memory
from .version import TRAINER_VERSION
from ..errors import ConfigError
from .conditions import Condition, load_condition

__all__ = ["sweep", "dump_path", "resolve_data", "WorkerPool"]

DEFAULT_DATASET = "sim-affwild2"

def dump_path(out: "str | Path", dataset: str, condition: str, seed: int) -> Path:
    """``<out>/<dataset>/<condition>/seed-<seed>.parquet``."""
    return Path(out) / dataset / condition / f"seed-{int(seed)}.parquet"


def resolve_data(dataset: "str | None" = None, features: "str | Path | None" = None, *,
                 taxonomy: "str | None" = None, dataset_knobs: "dict | None" = None) -> FeatureData:
    """The training data of a sweep: a simulated benchmark or a features file.

    Raises
    ------
    ConfigError
        Both ``dataset`` and ``features``, an unknown dataset, or options that do not
        apply (``taxonomy`` without ``features``, ``dataset_knobs`` with ``features``).
    """
    if dataset is not None and features is not None:
        raise ConfigError(f"`dataset` and `features` are exclusive (--dataset or --features); "
                          f"got dataset={dataset!r} and features={str(features)!r}.")
    if features is not None:
        if dataset_knobs:
            raise ConfigError("`dataset_knobs` apply to simulated datasets, not to `features`; "
                              f"got {dataset_knobs!r}.")
        from .features import load_features

        return load_features(features, taxonomy=taxonomy)
    if taxonomy is not None:
        raise ConfigError(f"`taxonomy` applies to `features` files only; got {taxonomy!r}.")
    name = DEFAULT_DATASET if dataset is None else dataset
    if name not in DATASETS:
        raise ConfigError(f"`dataset` must be one of {list_datasets()}; got {name!r}.")
    return make_dataset(name, **dict(dataset_knobs or {}))


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
    :func:`affectctl._json.plain` (tuples become lists, keys ``str``, NaN ``None``).
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
          seeds: "int | Sequence[int]" = 5, out: "str | Path" = "runs",
          features: "str | Path | None" = None, models_dir: "str | Path | None" = None,
          embeddings: bool = False, progress: bool = True, taxonomy: "str | None" = None,
          dataset_knobs: "dict | None" = None, workers: "int | None" = None,
          label_noise: "Sequence[float] | None" = None,
          launcher=None) -> "dict[tuple[str, int], Path]":
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
        from .conditions import noisy_name

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
            from .launchers import data_source, run_slurm

            run_slurm(todo, data_source(dataset, features, taxonomy, dataset_knobs), embeddings,
                      launcher, out, bar)
        elif n_workers == 1:
            from .loop import run_one

            for c, s, path in todo:
                run_one(c, data, s, path, embeddings=embeddings)
                bar.advance(f"{c.name} seed {s}")
        else:
            jobs = [(c, s, str(path), embeddings) for c, s, path in todo]
            with WorkerPool(n_workers, data) as pool:
                for c, s, _, _ in pool.run(jobs):
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

    from ..io.dumps import read_metadata
    from .summary import arbex_summary_line

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
            for _ in range(n):
                proc = subprocess.Popen([sys.executable, "-m", "affectctl.train._worker"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
                self._procs.append(proc)
                proc.stdin.write(payload)
                proc.stdin.flush()
        except BaseException:
            self.close(kill=True)
            raise

    def run(self, jobs):
        """Run ``jobs`` and yield each job as it finishes (in completion order)."""
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
                    return
                try:
                    pickle.dump(job, proc.stdin)
                    proc.stdin.flush()
                    reply = pickle.load(proc.stdout)
                except (EOFError, OSError, pickle.UnpicklingError):
                    done.put((job, ("died", proc.poll())))
                    return
                done.put((job, reply))

        threads = [threading.Thread(target=drive, args=(p,), daemon=True) for p in self._procs]
        for t in threads:
            t.start()
        try:
            for _ in range(len(jobs)):
                job, reply = done.get()
                if reply[0] == "ok":
                    yield job
                    continue
                if reply[0] == "died":
                    raise RuntimeError(f"a training worker exited (status {reply[1]}) while "
                                       f"running {job[0].name} seed {job[1]}.")
                raise reply[1]
        finally:
            stop.set()

    def close(self, kill: bool = False) -> None:
        for proc in self._procs:
            try:
                if kill:
                    proc.kill()
                else:
                    proc.stdin.close()
            except OSError:
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=None if not kill else 10)
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
    def advance(self, what: str) -> None:
        pass

    def close(self, failed: bool = False) -> None:
        pass


class _RichBar:
    def __init__(self, total: int, done: int, label: str):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.fields[last]}"),
                                  console=Console(stderr=True), transient=False)
        self._progress.start()
        self._task = self._progress.add_task(f"train {label}", total=total, completed=done,
                                             last=f"({done} already done)" if done else "")

    def advance(self, what: str) -> None:
        self._progress.update(self._task, advance=1, last=what)

    def close(self, failed: bool = False) -> None:
        if failed:  # the error is the last word: the bar is erased, not left above it
            self._progress.live.transient = True
        self._progress.stop()


def _progress(enabled: bool, total: int, done: int, label: str):
    return _RichBar(total, done, label) if enabled else _NoBar()
