"""Speed and calibration of the two-level (seeds x videos) paired bootstrap.

Usage::

    python benchmarks/bench_hierarchical.py                # 5 seeds x 1,000 videos x 1,000 frames
    python benchmarks/bench_hierarchical.py --calibration  # coverage / type-I simulations
    python benchmarks/bench_hierarchical.py --quick        # small sizes, for a smoke run

Speed: K = 8 classes, macro-F1 (64 confusion cells per system and seed), R = 10^4
replicates, the same 1,000 videos for every seed; wall clock of
``hierarchical_bootstrap`` on data already in memory, best of ``--repeat`` runs.
Calibration: :func:`affectctl.stats.samples._simulation.seed_video_strata`, accuracy,
R = 499 (``--sim-resamples``), the two-level bootstrap against the seed-stratified paired bootstrap.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_strata(n_seeds, n_videos, n_frames, k=8, seed=0):
    from affectctl.stats.samples import PairedPredictions

    rng = np.random.default_rng(seed)
    n = n_videos * n_frames
    y = rng.integers(0, k, n)
    group = np.repeat(np.arange(n_videos), n_frames)
    out = []
    for _ in range(n_seeds):
        pa = np.where(rng.random(n) < 0.65, y, rng.integers(0, k, n))
        pb = np.where(rng.random(n) < 0.63, y, rng.integers(0, k, n))
        out.append(PairedPredictions(y, pa, pb, k, group=group))
    return out


def speed(args):
    from affectctl.stats.samples import hierarchical_bootstrap, paired_bootstrap

    strata = make_strata(args.seeds, args.videos, args.frames)
    for name, fn in (("hierarchical_bootstrap", hierarchical_bootstrap),
                     ("paired_bootstrap (seed-stratified)", paired_bootstrap)):
        best = np.inf
        for _ in range(args.repeat):
            t = time.perf_counter()
            res = fn(strata, "expr_macro_f1", unit="group", n_resamples=args.resamples, rng=0)
            best = min(best, time.perf_counter() - t)
        print(f"{name}: {args.seeds} seeds x {args.videos} videos x {args.frames} frames, "
              f"R={args.resamples}: best of {args.repeat} {best:.2f} s; "
              f"CI [{res.ci_low:.4f}, {res.ci_high:.4f}]")


def calibration(args):
    from scipy.stats import binomtest

    from affectctl.stats.samples import hierarchical_bootstrap, paired_bootstrap
    from affectctl.stats.samples._simulation import seed_video_strata

    scenarios = [
        ("seed and video effects, Δ=0", dict(sd_seed=0.02, sd_video=0.05)),
        ("seed effect dominates, Δ=0", dict(sd_seed=0.08)),
        ("video effect dominates, Δ=0", dict(sd_video=0.08)),
        ("seed and video effects, Δ=0.05", dict(sd_seed=0.02, sd_video=0.05, delta=0.05)),
    ]
    print("| seeds | scenario | two-level coverage | rejection at α=0.05 [95% CP] | mean width "
          "| seed-stratified coverage | mean width |")
    print("|--:|:--|--:|--:|--:|--:|--:|")
    for seeds in (5, 10):
        for name, kw in scenarios:
            rng = np.random.default_rng(1)
            ch = cs = rh = 0
            wh = ws = 0.0
            for i in range(args.n_sim):
                st = seed_video_strata(rng, n_seeds=seeds, n_videos=30, n_frames=10, **kw)
                h = hierarchical_bootstrap(st, "accuracy", n_resamples=args.sim_resamples, rng=i,
                                           alpha=None)
                b = paired_bootstrap(st, "accuracy", n_resamples=args.sim_resamples, rng=i,
                                     alpha=None)
                d = kw.get("delta", 0.0)
                ch += h.ci_low <= d <= h.ci_high
                cs += b.ci_low <= d <= b.ci_high
                rh += h.pvalue <= 0.05
                wh += h.ci_high - h.ci_low
                ws += b.ci_high - b.ci_low
            n = args.n_sim
            ci = binomtest(rh, n).proportion_ci(0.95, method="exact")
            print(f"| {seeds} | {name} | {ch / n:.3f} | {rh / n:.3f} [{ci.low:.3f}, {ci.high:.3f}] "
                  f"| {wh / n:.4f} | {cs / n:.3f} | {ws / n:.4f} |", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calibration", action="store_true")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--videos", type=int, default=1000)
    p.add_argument("--frames", type=int, default=1000)
    p.add_argument("--resamples", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--n-sim", type=int, default=1000)
    p.add_argument("--sim-resamples", type=int, default=499,
                   help="replicates per simulated data set (--calibration)")
    args = p.parse_args()
    if args.quick:
        args.videos, args.frames, args.resamples, args.repeat, args.n_sim = 50, 20, 999, 1, 50
    if args.calibration:
        calibration(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
