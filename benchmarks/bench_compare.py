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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from _synth import write_prediction_pair  # noqa: E402  (the tests' writer of the files)
sys.path.insert(0, str(ROOT / "benchmarks"))
from _env import QUIET_PROBE_S, compile_checkout, cpu_probe, user_env  # noqa: E402


def write_pair(folder: Path, n: int = 3000, videos: int = 60) -> tuple[Path, Path]:
    """The benchmark's two files: :func:`tests._synth.write_prediction_pair` (seed 30)."""
    return write_prediction_pair(folder, n=n, videos=videos, seed=30)


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and child CPU (user+sys) seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
                   env=user_env())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(repeat: int = 3) -> list[dict]:
    """Readings of the full report and of ``--no-figures``: one record each."""
    rows = []
    compile_checkout()
    with tempfile.TemporaryDirectory() as tmp:
        a, b = write_pair(Path(tmp))
        for label, extra, goal in (("full report", [], 3.0), ("--no-figures", ["--no-figures"], 1.5)):
            cmd = [sys.executable, "-m", "affectctl", "compare", str(a), str(b),
                   "--taxonomy", "affwild2-expr7", "--out", str(Path(tmp) / "out"), "-q", *extra]
            probe = cpu_probe()
            readings = [timed(cmd) for _ in range(repeat)]
            rows.append({"what": f"compare two 3,000-row files, {label}",
                         "wall_s": statistics.median(r[0] for r in readings),
                         "cpu_s": statistics.median(r[1] for r in readings),
                         "goal_s": goal, "repeats": repeat, "load_average": os.getloadavg()[0],
                         "probe_s": probe})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for r in run(args.repeat):
        print(f"{r['what']}: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU (median of "
              f"{r['repeats']}; goal <= {r['goal_s']} s; load average {r['load_average']:.1f}; "
              f"CPU probe {r['probe_s']:.2f} s, {QUIET_PROBE_S[0]:.2f}-{QUIET_PROBE_S[1]:.2f} "
              "on a quiet host)")


if __name__ == "__main__":
    main()
