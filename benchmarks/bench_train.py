"""Benchmark of the training core: a 3-condition x 5-seed sweep on sim-affwild2, or scale.

Usage::

    python benchmarks/bench_train.py                 # the sweep as `affectctl train` runs it
    python benchmarks/bench_train.py --modes all     # also 1 process x 1 thread, 1 x 2
    python benchmarks/bench_train.py --features-size 280000x512   # real-scale features

``--features-size NxD`` writes a synthetic features Parquet file of N frames x D float32
features (8 classes, videos of 500 frames, 80/20 split by video) to a temporary folder,
then reports: the time and peak memory of ``load_features``; one epoch of ``base`` and
of ``arbex`` trained at the same time by the default 2 worker processes (seconds per
epoch of each, from the dumps); and the peak memory of the parent and all workers
together, sampled every 0.2 s from ``/proc``: resident (RSS, which counts the shared
memory-mapped features once per process) and proportional (PSS, which splits shared
pages between the processes: the machine's real use). Goals: peak <= 4 GB at
280000x512 and <= 8 GB at 1000000x512 with 2 workers; arbex <= 3x base per epoch. The
file takes N x D x 4 bytes on disk (2 GB at 1M x 512), plus its float32 memory map.

Prints figures; it is not a timed test. Target: the default sweep (conditions base,
circumplex, uniform; seeds 0-4; 2 worker processes x 1 torch thread) finishes in under
60 s on a 2-core machine, start-up of the workers included. ``--modes all`` repeats
the same 15 runs in this process with 1 torch thread and with 2 threads, to show which
use of the two cores is faster. Every mode starts from an empty output folder. The
machine may be shared: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

CONDITIONS = ("base", "circumplex", "uniform")
SEEDS = 5
DATASET = "sim-affwild2"


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
        return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"
    except OSError:
        return "load average unavailable"


def run_workers(out: Path, workers: int) -> float:
    from affectctl.train import sweep

    start = time.perf_counter()
    sweep(list(CONDITIONS), dataset=DATASET, seeds=SEEDS, out=out, progress=False,
          workers=workers)
    return time.perf_counter() - start


def run_threads(out: Path, threads: int) -> float:
    """The same runs in this process, one after another, with ``threads`` torch threads."""
    from affectctl.train.datasets import make_dataset
    from affectctl.io.dumps import write_dump
    from affectctl.train import load_condition
    from affectctl.train.loop import run_frame, run_metadata, train_run
    from affectctl.train.runner import dump_path

    start = time.perf_counter()
    data = make_dataset(DATASET)
    for name in CONDITIONS:
        cond = load_condition(name)
        for seed in range(SEEDS):
            result = train_run(cond, data, seed, threads=threads)
            write_dump(run_frame(result, data), dump_path(out, DATASET, name, seed),
                       run_metadata(result, data))
    return time.perf_counter() - start


def summarise(root: Path) -> None:
    from affectctl.io.dumps import read_dump
    from affectctl.metrics.confusion import confusion_matrix, macro_f1_score

    from affectctl.io.dumps import read_metadata

    print(f"  {'condition':<11} {'train s/run':>11} {'s/epoch':>8} {'accuracy':>17} {'macro F1':>17}")
    for name in CONDITIONS:
        secs, per_epoch, acc, f1 = [], [], [], []
        for seed in range(SEEDS):
            path = root / DATASET / name / f"seed-{seed}.parquet"
            d = read_dump(path)
            cm = confusion_matrix(d.y_true, d.y_pred, d.taxonomy.n_classes)
            timing = root / DATASET / name / f"seed-{seed}.parquet.timing.json"
            secs.append(json.loads(timing.read_text())["train_seconds"])
            per_epoch.append(secs[-1] / max(1, len(read_metadata(path).get("loss_history", [1]))))
            acc.append(float(cm.trace() / cm.sum()))
            f1.append(float(macro_f1_score(cm, on_empty="nan")))
        print(f"  {name:<11} {statistics.mean(secs):>11.2f} {statistics.mean(per_epoch):>8.3f} "
              f"{statistics.mean(acc):>9.3f} ± {statistics.stdev(acc):.3f} "
              f"{statistics.mean(f1):>9.3f} ± {statistics.stdev(f1):.3f}")


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of ``pid`` and every descendant, from /proc."""
    kids: dict = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    todo, rss, pss = [pid], 0, 0
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return rss, pss


class _Peak:
    """Samples the memory of this process tree in a thread; keeps the peaks."""

    def __init__(self, interval: float = 0.2):
        import threading

        self.rss = self.pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval):
        while not self._stop.is_set():
            rss, pss = _memory(os.getpid())
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            self._stop.wait(interval)

    def __enter__(self):
        self.rss, self.pss = _memory(os.getpid())
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def write_features(path: Path, n: int, d: int, seed: int = 0) -> None:
    """A synthetic features file: class means + noise, float32, written in row groups."""
    import json

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    K, video = 8, 500
    means = rng.normal(scale=0.35, size=(K, d)).astype(np.float32)
    prior = np.array([0.3, 0.05, 0.04, 0.03, 0.25, 0.12, 0.08, 0.13])
    n_videos = -(-n // video)
    test_videos = set(rng.choice(n_videos, size=max(1, n_videos // 5), replace=False).tolist())
    writer = None
    try:
        for lo in range(0, n, 50_000):
            m = min(50_000, n - lo)
            rows = np.arange(lo, lo + m)
            y = rng.choice(K, size=m, p=prior)
            X = means[y] + rng.standard_normal((m, d), dtype=np.float32)
            vid = rows // video
            cols = {f"f_{j}": X[:, j] for j in range(d)}
            cols["label"] = y.astype(np.int64)
            cols["split"] = np.where(np.isin(vid, list(test_videos)), "test", "train")
            cols["group"] = np.char.add("v", vid.astype(str))
            table = pa.table(cols)
            if writer is None:
                meta = {b"affectctl": json.dumps({"taxonomy": "affwild2-expr8"}).encode()}
                writer = pq.ParquetWriter(path, table.schema.with_metadata(meta))
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _train_seconds(path: Path) -> "float | None":
    """A run's training time, from the sidecar beside its dump (``<dump>.timing.json``,
    :func:`affectctl.train.loop.timing_path`)."""
    import json

    from affectctl.train.loop import timing_path

    side = timing_path(path)
    return float(json.loads(side.read_text())["train_seconds"]) if side.exists() else None


def run_scale(size: str, epochs: int, as_json: bool = False) -> int:
    import gc

    try:
        n, d = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--features-size must be NxD, e.g. 280000x512; got {size!r}")
    from affectctl.train import sweep
    from affectctl.train.conditions import load_condition
    from affectctl.train.features import load_features

    print(f"affectctl training at scale: {n} x {d} float32 features, {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / f"features-{n}x{d}.parquet"
        start = time.perf_counter()
        # in a child process, so the writer's memory does not count against the load
        import subprocess

        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                        "import bench_train as b; from pathlib import Path; "
                        "b.write_features(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))",
                        str(Path(__file__).resolve().parent), str(path), str(n), str(d)],
                       check=True)
        print(f"  wrote {path.stat().st_size / 1e9:.2f} GB in {time.perf_counter() - start:.1f} s")
        with _Peak() as peak:
            start = time.perf_counter()
            data = load_features(path)
            load_s = time.perf_counter() - start
        print(f"  load_features: {load_s:.1f} s, peak RSS {peak.rss / 1e9:.2f} GB, "
              f"PSS {peak.pss / 1e9:.2f} GB (this process)")
        del data
        gc.collect()
        models = tmp / "models"
        models.mkdir()
        for name in ("base", "arbex"):
            text = load_condition(name).text
            kept = [ln for ln in text.splitlines() if not ln.startswith("epochs")]
            (models / f"{name}.toml").write_text("\n".join(kept + [f"epochs = {epochs}", ""]))
        with _Peak() as peak:
            start = time.perf_counter()
            paths = sweep(["base", "arbex"], features=path, seeds=[0], out=tmp / "runs",
                          models_dir=models, progress=False, workers=2)
            wall = time.perf_counter() - start
        per = {}
        for (name, _), p in paths.items():
            secs = _train_seconds(p)
            per[name] = None if secs is None else secs / epochs
            print(f"  {name:<6} {'n/a' if secs is None else f'{secs / epochs:.1f}'} s/epoch "
                  f"(1 worker each, both at once)")
        print(f"  sweep wall {wall:.1f} s (load, {epochs} epoch(s), test pass, dumps); "
              f"peak of parent + 2 workers: RSS {peak.rss / 1e9:.2f} GB, "
              f"PSS {peak.pss / 1e9:.2f} GB")
        goal = 4e9 if n <= 280_000 else 8e9
        print(f"  memory goal <= {goal / 1e9:.0f} GB: "
              f"{'met' if peak.pss <= goal else 'MISSED'} (PSS), "
              f"{'met' if peak.rss <= goal else 'MISSED'} (RSS)")
        if per.get("base") and per.get("arbex"):
            ratio = per["arbex"] / per["base"]
            print(f"  arbex / base per epoch: {ratio:.2f} "
                  f"({'met' if ratio <= 3 else 'MISSED'}: goal <= 3)")
    print(f"after: {_load()}")
    if as_json:  # last line, for run_all
        print(json.dumps({"size": [n, d], "epochs": epochs, "seconds_per_epoch": per,
                          "sweep_wall_s": wall, "peak_pss_bytes": peak.pss}))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", choices=("workers", "all"), default="workers")
    parser.add_argument("--features-size", default=None, metavar="NxD",
                        help="Real-scale run on synthetic features of N frames x D dims.")
    parser.add_argument("--epochs", type=int, default=1,
                        help="Epochs per run with --features-size (default 1).")
    parser.add_argument("--json", action="store_true",
                        help="With --features-size: also print the figures as one JSON line.")
    args = parser.parse_args(argv)
    if args.features_size:
        return run_scale(args.features_size, args.epochs, args.json)

    import torch

    print(f"affectctl training benchmark: {len(CONDITIONS)} conditions x {SEEDS} seeds on "
          f"{DATASET}")
    print(f"  python {sys.version.split()[0]}, torch {torch.__version__}, "
          f"{os.cpu_count()} cores, {_load()}")
    modes = [("2 worker processes x 1 thread (default)", run_workers, 2)]
    if args.modes == "all":
        modes += [("1 process x 1 thread (sweep workers=1)", run_workers, 1),
                  ("1 process x 2 threads", run_threads, 2)]
    results = []
    for label, fn, n in modes:
        with tempfile.TemporaryDirectory() as tmp:
            seconds = fn(Path(tmp), n)
            results.append((label, seconds))
            print(f"\n{label}: {seconds:.1f} s wall for {len(CONDITIONS) * SEEDS} runs "
                  f"({'under' if seconds < 60 else 'OVER'} the 60 s target)")
            summarise(Path(tmp))
    print(f"\nafter: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
