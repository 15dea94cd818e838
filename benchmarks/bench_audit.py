"""Benchmark: audit time for a 1,000,000-row dump (issue: foundation).

Prints figures; it is not a test. Run: ``python benchmarks/bench_audit.py [--rows N]
[--repeat R]``. Writes a synthetic dump (8 classes with probabilities, VA, 12 AUs, 2,000
videos) to a temporary folder as CSV and Parquet and times reading+validating and scoring.
With ``--repeat R`` the CSV read+validate is timed R times more and the median, the
slowest and the number of readings above the 2 s goal are printed: on a shared VM one
reading can be slowed by a neighbour (this project's VM varies ~1.5x in speed), so the
goal is judged on the median and every reading above it is counted, not hidden.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# this checkout's package, not the installed one (sys.path[0] is benchmarks/ when run as a script)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _synth import synthetic_frame  # noqa: E402

from affectctl.audit import audit  # noqa: E402
from affectctl.io.csvfast import csv_threads  # noqa: E402
from affectctl.io.formats.read import read_predictions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=0,
                    help="time the CSV read+validate this many more times (median, slowest)")
    args = ap.parse_args()
    frame = synthetic_frame(n=args.rows, seed=0, n_groups=2000, excluded=0.02)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("parquet", "csv"):
            path = Path(tmp) / f"dump.{suffix}"
            (frame.to_parquet if suffix == "parquet" else lambda p: frame.to_csv(p, index=False))(path)
            t0 = time.perf_counter()
            c0 = time.process_time()
            dump = read_predictions(path)
            t1 = time.perf_counter()
            c1 = time.process_time()
            report = audit(dump)
            t2 = time.perf_counter()
            size = path.stat().st_size / 2**20
            print(f"{suffix:8s} rows={args.rows:,} cols={frame.shape[1]} size={size:.0f} MiB  "
                  f"read+validate {t1 - t0:.2f} s  metrics {t2 - t1:.2f} s  total {t2 - t0:.2f} s  "
                  f"({len(report.metrics)} metrics)")
            if suffix == "csv":
                # issue 11 point 6: read + validate a 1,000,000-row CSV dump in <= 2 s (pyarrow reader)
                # CPU is summed over threads: the parse runs on csv_threads() threads, then the
                # main thread validates while another hashes the sample ids.
                load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
                print(f"csv read+validate {t1 - t0:.2f} s wall, {c1 - c0:.2f} s CPU "
                      f"(target <= 2 s wall; parse threads {csv_threads()}; load average {load:.1f} "
                      f"on {os.cpu_count()} cores)")
                walls = [t1 - t0]
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    read_predictions(path)
                    walls.append(time.perf_counter() - t0)
                if args.repeat:
                    walls.sort()
                    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
                    median = walls[len(walls) // 2]
                    over = sum(w > 2.0 for w in walls)
                    print(f"csv read+validate over {len(walls)} readings: median {median:.2f} s, "
                          f"slowest {walls[-1]:.2f} s, fastest {walls[0]:.2f} s; goal <= 2 s: "
                          f"median {'met' if median <= 2.0 else 'MISSED'}, {over} of {len(walls)} "
                          f"readings above (load average {load:.1f})")


if __name__ == "__main__":
    main()
