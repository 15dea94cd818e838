"""Speed, memory and calibration figures of affectctl.stats.

Usage::

    python benchmarks/bench_stats.py                 # speed + memory + ratio to SciPy
    python benchmarks/bench_stats.py --calibration   # type-I error simulations (README figures)
    python benchmarks/bench_stats.py --quick         # small sizes, for a smoke run
    python benchmarks/bench_stats.py --single-run    # one run per condition, as `compare a.csv b.csv`
    python benchmarks/bench_stats.py --lattice       # issue 23's binomial oracle, sums exact/auto

Everything runs in one process on the same synthetic data: 1,000,000 paired samples,
K = 8 classes, 1,000 videos of 1,000 frames, valence/arousal for CCC. Timings are wall
clock of the test call on data already in memory (``PairedPredictions`` built), best of
``--repeat`` runs. The SciPy reference is ``scipy.stats.permutation_test(...,
permutation_type='samples')`` with a vectorized macro-F1 statistic; it is timed on
fewer replicates and extrapolated per replicate (printed as such).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc

import numpy as np

# measure the affectctl of this checkout, not whichever one is installed
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_data(n, k, n_groups, seed=0):
    from affectctl.stats import PairedPredictions

    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    pa = np.where(rng.random(n) < 0.65, y, rng.integers(0, k, n))
    pb = np.where(rng.random(n) < 0.60, y, rng.integers(0, k, n))
    g = np.repeat(np.arange(n_groups), -(-n // n_groups))[:n]
    vt = rng.uniform(-1, 1, (n, 2))
    va = vt + rng.normal(0, 0.5, (n, 2))
    vb = 0.9 * vt + rng.normal(0, 0.5, (n, 2))
    proba_a = rng.dirichlet(np.ones(k), n)
    proba_b = rng.dirichlet(np.ones(k), n)
    return PairedPredictions(y, pa, pb, k, group=g, va_true=vt, va_a=va, va_b=vb,
                             proba_a=proba_a, proba_b=proba_b)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def scipy_macro_f1_statistic(y, k):
    def statistic(x, z, axis=-1):
        x = np.moveaxis(np.atleast_2d(x), axis, -1)
        z = np.moveaxis(np.atleast_2d(z), axis, -1)
        b, n = x.shape

        def macro_f1(p):
            off = (np.arange(b) * k * k)[:, None]
            cm = np.bincount((off + y * k + p).ravel(), minlength=b * k * k).reshape(b, k, k)
            tp = np.diagonal(cm, axis1=1, axis2=2)
            den = cm.sum(2) + cm.sum(1)
            return np.mean(np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0), axis=-1)

        out = macro_f1(x) - macro_f1(z)
        return out if out.shape[0] > 1 else out[0]

    return statistic


def speed(args):
    from affectctl.stats import MetricContext, approximate_randomization, paired_bootstrap

    n, k, g, r = args.n, 8, args.groups, args.n_resamples
    t0 = time.perf_counter()
    s = make_data(n, k, g)
    print(f"data: {n:,} paired samples, K={k}, {g} groups; built in "
          f"{time.perf_counter() - t0:.2f} s (not timed below)")
    ctx = MetricContext(cost=1.0 - np.eye(k))
    rows = []

    def run(label, fn, metric, unit, reps, note="", **kw):
        dt, res = best_of(lambda: fn(s, metric, unit=unit, n_resamples=reps, rng=1, context=ctx,
                                     alpha=None, **kw), args.repeat if reps == r else 1)
        per = dt / reps
        rows.append((label, metric, unit, reps, dt, per * r, note))
        sums = res.note.rsplit("replicate sums: ", 1)[-1].split(" (")[0]
        print(f"{label:<10} {metric:<14} unit={unit:<7} R={reps:<6} {dt:8.3f} s"
              f"   -> {per * r:8.3f} s per {r} replicates {note}   (p={res.pvalue:.4f}; "
              f"sums: {sums})", flush=True)
        return dt

    print(f"\n== speed (best of {args.repeat}; single process; {os.cpu_count()} CPUs) ==")
    t_ar = run("AR", approximate_randomization, "expr_macro_f1", "sample", r)
    run("AR", approximate_randomization, "expr_macro_f1", "group", r)
    run("AR", approximate_randomization, "mcc", "sample", r)
    run("bootstrap", paired_bootstrap, "expr_macro_f1", "sample", r)
    run("bootstrap", paired_bootstrap, "expr_macro_f1", "group", r)
    t_ccc_group = run("AR", approximate_randomization, "va_ccc_mean", "group", r)
    run("bootstrap", paired_bootstrap, "va_ccc_mean", "group", r)
    run("AR", approximate_randomization, "expected_cost", "group", r)
    # continuous metrics by sample: Gaussian replicate sums (sums="auto"), full R
    t_ccc_sample = run("AR", approximate_randomization, "va_ccc_mean", "sample", r)
    t_ec_sample = run("AR", approximate_randomization, "expected_cost", "sample", r)
    t_boot_ccc = run("bootstrap", paired_bootstrap, "va_ccc_mean", "sample", r)
    t_boot_ec = run("bootstrap", paired_bootstrap, "expected_cost", "sample", r)
    # the exact engines (sums="exact": one random bit / count per sample and replicate)
    r_heavy = r if not args.quick else max(r // 10, 10)
    t_ccc_exact = run("AR exact", approximate_randomization, "va_ccc_mean", "sample", r_heavy,
                      sums="exact") * r / r_heavy
    r_boot = max(r // 20, 10)
    t_boot_exact = run("boot exact", paired_bootstrap, "va_ccc_mean", "sample", r_boot,
                       f"(R={r_boot}, extrapolated linearly)", sums="exact") * r / r_boot

    # memory: peak traced allocation does not grow with R
    print("\n== memory (tracemalloc peak during the call; includes the R-float null array) ==")
    plan = (("expr_macro_f1", "sample", (r, 10 * r)), ("va_ccc_mean", "group", (r // 10, r)),
            ("va_ccc_mean", "sample", (max(r // 100, 10), max(r // 10, 20))))
    for metric, unit, sizes in plan:
        for reps in sizes:
            gc.collect()
            tracemalloc.start()
            approximate_randomization(s, metric, unit=unit, n_resamples=reps, rng=1, alpha=None)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"AR {metric:<14} unit={unit:<7} R={reps:<6} peak {peak / 2**20:8.1f} MiB")

    # SciPy reference on the same data, same process
    from scipy import stats

    used = s.y_true >= 0
    y, pa, pb = s.y_true[used], s.pred_a[used], s.pred_b[used]
    r_sp = args.scipy_resamples
    stat = scipy_macro_f1_statistic(y, k)
    dt_sp, res_sp = best_of(lambda: stats.permutation_test(
        (pa, pb), stat, permutation_type="samples", n_resamples=r_sp, vectorized=True,
        batch=args.scipy_batch, rng=np.random.default_rng(0)), 1)
    per_sp = dt_sp / r_sp
    print("\n== ratio to scipy.stats.permutation_test(permutation_type='samples') ==")
    print(f"scipy: {r_sp} replicates in {dt_sp:.2f} s = {per_sp * 1e3:.1f} ms/replicate "
          f"(vectorized macro-F1, batch={args.scipy_batch}); extrapolated to {r} replicates: "
          f"{per_sp * r:.1f} s [EXTRAPOLATED from {r_sp}]")
    print(f"affectctl AR macro-F1 unit=sample: {r} replicates in {t_ar:.3f} s "
          f"= {t_ar / r * 1e6:.1f} us/replicate")
    print(f"speed-up per replicate: {per_sp / (t_ar / r):,.0f}x")
    full = n >= 10**6 and r >= 10**4

    def verdict(t, goal):
        return ("MET" if t < goal else "MISSED") if full else "not measured at full size"

    print(f"goal: 10,000-replicate AR of macro-F1 on 1,000,000 samples < 0.25 s: {verdict(t_ar, 0.25)}")
    from affectctl.stats.samples import _engines as smp

    kernel = "float64 product (continuous data: one random bit per sample)"
    print(f"goal: 10,000-replicate AR of CCC on 1,000,000 samples < 2 s: unit=group "
          f"{verdict(t_ccc_group, 2.0)} ({t_ccc_group:.2f} s); unit=sample {verdict(t_ccc_sample, 2.0)} "
          f"({t_ccc_sample:.2f} s, Gaussian replicate sums; exact engine, {kernel}: "
          f"{t_ccc_exact:.2f} s)")
    print(f"goal: 10,000-replicate AR of expected cost on 1,000,000 samples, unit=sample <= 2 s: "
          f"{verdict(t_ec_sample, 2.0)} ({t_ec_sample:.2f} s)")
    print(f"goal: 10,000-replicate paired bootstrap on 1,000,000 samples, unit=sample <= 5 s: "
          f"CCC {verdict(t_boot_ccc, 5.0)} ({t_boot_ccc:.2f} s), expected cost "
          f"{verdict(t_boot_ec, 5.0)} ({t_boot_ec:.2f} s); exact engine for CCC "
          f"{t_boot_exact:.0f} s [EXTRAPOLATED from R={r_boot}]")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load is not None:
        print(f"load average at the end (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"
              " (other jobs on the machine slow every figure above)")


def single_run(args):
    """One run per condition (``affectctl compare a.csv b.csv``): AR of macro-F1 after loading.

    Two dumps of ``args.n`` samples are built in memory and validated (the "loading",
    not timed); timed is what ``compare`` does with them for the AR row: pair the two
    dumps by sample id (rows in the same order; a shuffled order is timed separately),
    build the stratum, run ``approximate_randomization`` with
    ``unit="sample"`` (the K³ cell-histogram path). The full ``compare`` call (all
    metrics, McNemar/Bowker/Stuart–Maxwell, bootstrap CIs of every headline and
    per-class F1 difference, error-distance null) is timed too, for information.
    """
    import pandas as pd
    from scipy import stats

    from affectctl.compare import compare
    from affectctl.io.dumps import dump_from_frame
    from affectctl.io.runs import RunSet, aligned
    from affectctl.stats import PairedPredictions, approximate_randomization
    from affectctl.taxonomies import get_taxonomy

    n, k, r = args.n, 8, args.n_resamples
    s = make_data(n, k, args.groups)
    tax = get_taxonomy("affwild2-expr8")
    t0 = time.perf_counter()
    ids = np.arange(n).astype(str)
    da = dump_from_frame(pd.DataFrame({"sample_id": ids, "y_true": s.y_true, "y_pred": s.pred_a}),
                         taxonomy=tax, source="A.parquet")
    db = dump_from_frame(pd.DataFrame({"sample_id": ids, "y_true": s.y_true, "y_pred": s.pred_b}),
                         taxonomy=tax, source="B.parquet")
    runs = RunSet({"A": {0: da}, "B": {0: db}})
    print(f"single run: {n:,} paired samples per condition, K={k}; two dumps validated in "
          f"{time.perf_counter() - t0:.2f} s (loading, not timed below)")

    def ar():
        a, b, order = aligned(runs, "B", "A", 0)
        st = PairedPredictions(a.y_true, a.y_pred, b.y_pred[order], k)
        return approximate_randomization(st, "expr_macro_f1", unit="sample", n_resamples=r,
                                         rng=0, alpha=None)

    dt, res = best_of(ar, args.repeat)
    print(f"\n== single-run AR of macro-F1 (pairing + AR, best of {args.repeat}) ==")
    print(f"AR expr_macro_f1 unit=sample R={r}: {dt:.3f} s (p={res.pvalue:.4f}, "
          f"mc_se={res.mc_se:.4f})")
    # rows of B in another order: pairing by sample id hashes 10^6 strings once
    perm = np.random.default_rng(1).permutation(n)
    shuffled = RunSet({"A": {0: da}, "B": {0: dump_from_frame(pd.DataFrame(
        {"sample_id": ids[perm], "y_true": s.y_true[perm], "y_pred": s.pred_b[perm]}),
        taxonomy=tax, source="B.parquet")}})
    dt_pair, _ = best_of(lambda: aligned(shuffled, "B", "A", 0), 1)
    print(f"(the same files, B's rows in another order: pairing by sample id adds {dt_pair:.2f} s)")
    y, pa, pb = s.y_true, s.pred_a, s.pred_b
    r_sp = args.scipy_resamples
    stat = scipy_macro_f1_statistic(y, k)
    dt_sp, _ = best_of(lambda: stats.permutation_test(
        (pb, pa), stat, permutation_type="samples", n_resamples=r_sp, vectorized=True,
        batch=args.scipy_batch, rng=np.random.default_rng(0)), 1)
    per_sp = dt_sp / r_sp
    print(f"scipy.stats.permutation_test(permutation_type='samples'): {per_sp:.2f} s/replicate "
          f"[EXTRAPOLATED from {r_sp}] -> {per_sp * r:,.0f} s for {r} replicates; "
          f"ratio {per_sp * r / dt:,.0f}x")
    full = n >= 10**6 and r >= 10**4
    verdict = ("MET" if dt < 0.5 else "MISSED") if full else "not measured at full size"
    print(f"goal: single-run 10,000-replicate AR of macro-F1 on 1,000,000 samples < 0.5 s: {verdict}")
    t0 = time.perf_counter()
    compare(runs, "A", ("B",), metrics=["expr_macro_f1"], unit="sample", n_resamples=r, rng=0)
    print(f"full compare() of the two runs (metrics, AR, McNemar/Bowker/Stuart-Maxwell, "
          f"{k + 1} bootstrap CIs, error-distance null): {time.perf_counter() - t0:.2f} s")


def lattice(args):
    """Issue 23's oracle: 10**6 samples, truth one class, two models predicting one of two
    classes one-hot, 10,000 discordant samples 4,902 vs 5,098. The AR null of the expected
    cost difference is exactly the binomial distribution of the discordant samples, so the
    AR p-value must equal ``scipy.stats.binomtest(4902, 10000).pvalue`` = 0.0512 within its
    Monte-Carlo error, for both ``--sums`` paths and both directions. Timed: the whole
    ``approximate_randomization`` call (features, grouping, replicates)."""
    from scipy import stats

    from affectctl.stats import MetricContext, PairedPredictions, approximate_randomization

    n, nd, r = args.n, 10_000 * args.n // 1_000_000, args.n_resamples
    print(f"\n== lattice oracle: {n:,} samples, {nd:,} discordant, R={r} (best of {args.repeat}) ==")
    worst = 0.0
    for a_err in (4902 * nd // 10_000, nd - 4902 * nd // 10_000):
        y = np.zeros(n, int)
        pa, pb = np.zeros(n, int), np.zeros(n, int)
        pa[:a_err] = 1
        pb[a_err:nd] = 1
        eye = np.eye(2)
        s = PairedPredictions(y, pa, pb, 2, proba_a=eye[pa], proba_b=eye[pb])
        ctx = MetricContext(cost=1.0 - np.eye(2))
        ref = stats.binomtest(a_err, nd).pvalue
        for sums in ("exact", "auto"):
            dt, res = best_of(lambda: approximate_randomization(
                s, "expected_cost", unit="sample", n_resamples=r, rng=1, context=ctx,
                alpha=None, sums=sums), args.repeat)
            z = (res.pvalue - ref) / res.mc_se
            worst = max(worst, dt) if sums == "exact" else worst
            print(f"A errors {a_err:,} of {nd:,}: sums={sums}: p = {res.pvalue:.4f} "
                  f"(MC SE {res.mc_se:.4f}, seed 1) vs binomial {ref:.4f}: {z:+.1f} SE; {dt:.2f} s")
    full = n >= 10**6 and r >= 10**4
    verdict = ("MET" if worst <= 10.0 else "MISSED") if full else "not measured at full size"
    print(f"goal: --sums exact on 1,000,000 samples with 10,000 resamples <= 10 s: {verdict} "
          f"({worst:.2f} s)")


def calibration(args):
    from affectctl.stats._calibration import sample_type1, seed_type1

    ns, nm = args.n_sim_seeds, args.n_sim_samples
    print("== calibration: rejection rate under H0 at alpha = 0.05, Clopper-Pearson 95% CI ==")
    for test in ("wilcoxon", "signflip", "ttest"):
        for n in (5, 6, 8, 10):
            print(seed_type1(test, n, ns, seed=100 + n).line(), flush=True)
    for test, unit, design in (("ar", "sample", "iid"), ("bootstrap", "sample", "iid"),
                               ("ar", "sample", "video"), ("ar", "group", "video"),
                               ("bootstrap", "sample", "video"),
                               ("bootstrap", "group", "video")):
        print(sample_type1(test, unit, design, nm, seed=7).line(), flush=True)
    print(sample_type1("ar", "group", "video", nm, n_groups=60, frames=10, seed=8).line())
    print(sample_type1("bootstrap", "group", "video", nm, n_groups=60, frames=10,
                       seed=8).line())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", action="store_true", help="run the type-I simulations")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    ap.add_argument("--single-run", action="store_true",
                    help="one run per condition: AR of macro-F1 after loading two dumps")
    ap.add_argument("--lattice", action="store_true",
                    help="issue 23's binomial oracle: AR p against the exact binomial p, timed")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--n-resamples", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scipy-resamples", type=int, default=20)
    ap.add_argument("--scipy-batch", type=int, default=5)
    ap.add_argument("--n-sim-seeds", type=int, default=10_000)
    ap.add_argument("--n-sim-samples", type=int, default=2000)
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.groups, args.n_resamples = 100_000, 200, 1000
        args.repeat, args.scipy_resamples = 1, 5
        args.n_sim_seeds, args.n_sim_samples = 500, 200
    import numpy
    import scipy

    print(f"python {platform.python_version()}, numpy {numpy.__version__}, scipy "
          f"{scipy.__version__}, {platform.machine()}, {os.cpu_count()} CPUs")
    if args.calibration:
        calibration(args)
    elif args.single_run:
        single_run(args)
    elif args.lattice:
        lattice(args)
    else:
        speed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
