"""Benchmark: audit time for a 1,000,000-row dump (issue: foundation).

Prints figures; it is not a test. Run: ``python benchmarks/bench_audit.py [--rows N]``.
Writes a synthetic dump (8 classes with probabilities, VA, 12 AUs, 2,000 videos) to a
temporary folder as CSV and Parquet and times reading+validating and scoring.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _synth import synthetic_frame  # noqa: E402

from affectctl.audit import audit  # noqa: E402
from affectctl.io.readers import read_predictions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    frame = synthetic_frame(n=args.rows, seed=0, n_groups=2000, excluded=0.02)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("parquet", "csv"):
            path = Path(tmp) / f"dump.{suffix}"
            (frame.to_parquet if suffix == "parquet" else lambda p: frame.to_csv(p, index=False))(path)
            t0 = time.perf_counter()
            dump = read_predictions(path)
            t1 = time.perf_counter()
            report = audit(dump)
            t2 = time.perf_counter()
            size = path.stat().st_size / 2**20
            print(f"{suffix:8s} rows={args.rows:,} cols={frame.shape[1]} size={size:.0f} MiB  "
                  f"read+validate {t1 - t0:.2f} s  metrics {t2 - t1:.2f} s  total {t2 - t0:.2f} s  "
                  f"({len(report.metrics)} metrics)")


if __name__ == "__main__":
    main()
