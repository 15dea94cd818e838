"""Benchmark: a small single-run ``affectctl compare`` of two 3,000-row files (issue 30).

Prints figures; it is not a test. Run: ``python benchmarks/bench_compare.py [--repeat R]``.
Writes two prediction files (7 classes of affwild2-expr7 with probabilities and
valence-arousal, 3,000 frames in 60 videos, the same truth) to a temporary folder and
times ``affectctl compare a.csv b.csv`` in a fresh process, with the full report and
with ``--no-figures``: median of R readings, wall and CPU (user+sys of the child).
Goals: <= 3 s full report, <= 1.5 s with ``--no-figures`` (2 idle cores).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise")


def write_pair(folder: Path, n: int = 3000, videos: int = 60) -> tuple[Path, Path]:
    """Two files with one truth: accuracy 0.55 and 0.62, uniform wrong classes."""
    rng = np.random.default_rng(30)
    k = len(CLASSES)
    y = rng.integers(0, k, n)
    group = np.arange(n) * videos // n
    vt = rng.uniform(-1, 1, (n, 2))
    paths = []
    for name, acc in (("a", 0.55), ("b", 0.62)):
        pred = np.where(rng.random(n) < acc, y, (y + rng.integers(1, k, n)) % k)
        logits = rng.normal(size=(n, k))
        logits[np.arange(n), pred] += 3.0
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        cols = {"sample_id": [f"v{g:03d}/{i:06d}" for i, g in enumerate(group)],
                "group": [f"v{g:03d}" for g in group], "y_true": y, "y_pred": pred}
        for j, c in enumerate(CLASSES):
            cols[f"p_{c}"] = p[:, j].round(6)
        vp = np.clip(vt + rng.normal(0, 0.3, (n, 2)), -1, 1)
        cols.update(v_true=vt[:, 0].round(4), a_true=vt[:, 1].round(4),
                    v_pred=vp[:, 0].round(4), a_pred=vp[:, 1].round(4))
        path = folder / f"{name}.csv"
        pd.DataFrame(cols).to_csv(path, index=False)
        paths.append(path)
    return paths[0], paths[1]


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and child CPU (user+sys) seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(repeat: int = 3) -> list[dict]:
    """Readings of the full report and of ``--no-figures``: one record each."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = write_pair(Path(tmp))
        for label, extra, goal in (("full report", [], 3.0), ("--no-figures", ["--no-figures"], 1.5)):
            cmd = [sys.executable, "-m", "affectctl", "compare", str(a), str(b),
                   "--taxonomy", "affwild2-expr7", "--out", str(Path(tmp) / "out"), "-q", *extra]
            readings = [timed(cmd) for _ in range(repeat)]
            rows.append({"what": f"compare two 3,000-row files, {label}",
                         "wall_s": statistics.median(r[0] for r in readings),
                         "cpu_s": statistics.median(r[1] for r in readings),
                         "goal_s": goal, "repeats": repeat, "load_average": os.getloadavg()[0]})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for r in run(args.repeat):
        print(f"{r['what']}: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU (median of "
              f"{r['repeats']}; goal <= {r['goal_s']} s; load average {r['load_average']:.1f})")


if __name__ == "__main__":
    main()
