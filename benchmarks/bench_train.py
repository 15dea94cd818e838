"""Benchmark of the training core: a 3-condition x 5-seed sweep on sim-affwild2.

Usage::

    python benchmarks/bench_train.py                 # the sweep as `affectctl train` runs it
    python benchmarks/bench_train.py --modes all     # also 1 process x 1 thread, 1 x 2

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

    print(f"  {'condition':<11} {'train s/run':>11} {'accuracy':>17} {'macro F1':>17}")
    for name in CONDITIONS:
        secs, acc, f1 = [], [], []
        for seed in range(SEEDS):
            d = read_dump(root / DATASET / name / f"seed-{seed}.parquet")
            cm = confusion_matrix(d.y_true, d.y_pred, d.taxonomy.n_classes)
            timing = root / DATASET / name / f"seed-{seed}.parquet.timing.json"
            secs.append(json.loads(timing.read_text())["train_seconds"])
            acc.append(float(cm.trace() / cm.sum()))
            f1.append(float(macro_f1_score(cm, on_empty="nan")))
        print(f"  {name:<11} {statistics.mean(secs):>11.2f} "
              f"{statistics.mean(acc):>9.3f} ± {statistics.stdev(acc):.3f} "
              f"{statistics.mean(f1):>9.3f} ± {statistics.stdev(f1):.3f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", choices=("workers", "all"), default="workers")
    args = parser.parse_args(argv)

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
