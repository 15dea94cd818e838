"""Resamples and time of the sequential Monte-Carlo test (``--sequential``).

Usage::

    python benchmarks/bench_sequential.py          # draws on clear / borderline cases, AR time
    python benchmarks/bench_sequential.py --quick  # fewer seeds

Prints, for the confidence-sequence method (eps = 1e-3, alpha = 0.05):

* clear cases on a standard normal null: median / max replicates over seeds, with the
  thresholds decided (one, or Holm's alpha/m .. alpha);
* borderline cases from Bernoulli exceedance draws with probability p near alpha
  (cap 10**6): median and 90% quantile of draws, and how many decisions were wrong or
  undecided;
* ``approximate_randomization`` of macro-F1 on 200,000 samples, 7 classes, fixed 9,999
  replicates against ``sequential=True`` (median of 3 wall times, data in memory).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from affectctl.stats.samples import PairedPredictions, approximate_randomization
from affectctl.stats.sequential import holm_thresholds, sequential_test, sequential_test_indicators


def _normal(n, rng):
    return rng.standard_normal(n)


def clear(seeds):
    print(f"clear cases (normal null), {seeds} seeds: median / max replicates")
    for obs, alt, ts in ((0.3, "two-sided", (0.05,)), (3.5, "greater", (0.05,)),
                         (3.5, "two-sided", (0.05,)), (4.0, "two-sided", holm_thresholds(0.05, 2)),
                         (4.0, "two-sided", holm_thresholds(0.05, 3)),
                         (4.0, "two-sided", holm_thresholds(0.05, 10))):
        ns = [sequential_test(_normal, obs, alternative=alt, thresholds=ts, rng=s).n_resamples
              for s in range(seeds)]
        print(f"  t = {obs}, {alt}, {len(ts)} threshold(s) from {min(ts):.4g}: "
              f"{int(np.median(ns))} / {max(ns)}")


def borderline(seeds):
    print(f"borderline (Bernoulli exceedances, alpha 0.05, cap 10**6), {seeds} seeds")
    for p in (0.02, 0.03, 0.04, 0.045, 0.055, 0.06, 0.07, 0.1):
        rs = [sequential_test_indicators(lambda n, g, p=p: g.random(n) < p, rng=s,
                                         max_resamples=10**6) for s in range(seeds)]
        ns = [r.n_resamples for r in rs]
        wrong = sum(r.decisions[0][1] == ("accept" if p < 0.05 else "reject") for r in rs)
        und = sum(r.decisions[0][1] == "undecided" for r in rs)
        print(f"  p = {p}: median {int(np.median(ns))}, 90% {int(np.quantile(ns, 0.9))}, "
              f"wrong {wrong}, undecided {und}")


def ar_time(repeat=3):
    rng = np.random.default_rng(7)
    n = 200_000
    y = rng.integers(0, 7, n)

    def model(acc):
        return np.where(rng.random(n) < acc, y, (y + rng.integers(1, 7, n)) % 7)

    base, clear_b, close_b = model(0.60), model(0.61), model(0.602)
    print(f"approximate_randomization, macro-F1, {n} samples, 7 classes (median of {repeat})")
    for name, other in (("clear, accuracy 0.61 vs 0.60", clear_b),
                        ("borderline, 0.602 vs 0.60", close_b)):
        strata = [PairedPredictions(y, other, base, n_classes=7)]
        for seq in (False, True):
            ts = []
            for _ in range(repeat):
                t = time.perf_counter()
                r = approximate_randomization(strata, "expr_macro_f1", unit="sample", rng=0,
                                              sequential=seq)
                ts.append(time.perf_counter() - t)
            print(f"  {name}, {'sequential' if seq else 'fixed 9999'}: p = {r.pvalue:.4g}, "
                  f"{r.n_resamples} replicates, {np.median(ts):.3f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    clear(5 if args.quick else 20)
    borderline(10 if args.quick else 100)
    ar_time()


if __name__ == "__main__":
    main()
