"""Composite official scores in the sample-level tests, against naive recomputation.

References used below: scikit-learn's ``f1_score`` (macro over the K classes and binary
per AU, ``zero_division=0``) and ``accuracy_score``, affectctl's pooled ``ccc`` (Lin 1989,
population moments) on the frames a dimension annotates, combined by the formulas of the
ABAW papers (ABAW2 EXPR 0.67 F1 + 0.33 accuracy; ABAW2 AU 0.5 mean F1 + 0.5 mean
accuracy; ABAW3 AU mean F1 over 12 AUs; ABAW3 multi-task CCC mean + macro-F1 + AU F1).

* Same sets: one set of swap signs (AR) or resample counts (bootstrap) per replicate,
  drawn here; the engine's replicate sums from those sets, fed to the metric of the
  registry, equal the naive recomputation on the swapped/resampled data to 1e-10.
* Same distribution: the public tests' nulls against naive replicate nulls drawn with an
  independent generator (KS, mean, SD).
"""

import dataclasses

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import f1_score

from affectctl.io.schema import ABAW2020_AUS, ABAW_AUS
from affectctl.metrics import regression as reg
from affectctl.stats.samples import (
    MetricContext,
    PairedPredictions,
    approximate_randomization,
    paired_bootstrap,
)
from affectctl.stats.samples._features import _evaluate, _stratum_engine
from affectctl.stats.samples._registry import _parse_metric

AUS = ABAW_AUS + ("AU5", "AU20")     # 14 columns: the ABAW3 set, and ABAW 2020's with AU5/AU20
METRICS = ("abaw2_expr_score", "au_f1_mean", "abaw3_au_score", "abaw2_au_score",
           "abaw2020_au_score", "abaw_mtl_score", "au_accuracy_mean", "au_f1:AU12")


def make_case(seed, n=400, k=7, n_groups=25):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    y[rng.random(n) < 0.1] = -1                                   # unannotated expression
    pa = np.where(rng.random(n) < 0.6, np.clip(y, 0, None), rng.integers(0, k, n))
    pb = np.where(rng.random(n) < 0.5, np.clip(y, 0, None), rng.integers(0, k, n))
    vt = rng.uniform(-1, 1, (n, 2))
    vt[rng.random((n, 2)) < 0.1] = np.nan                         # unannotated VA
    va = np.nan_to_num(vt) + rng.normal(0, 0.4, (n, 2))
    vb = 0.8 * np.nan_to_num(vt) + rng.normal(0, 0.4, (n, 2))
    m = len(AUS)
    at = (rng.random((n, m)) < 0.3).astype(int)
    at[rng.random((n, m)) < 0.1] = -1                             # unannotated AU
    aa = np.where(rng.random((n, m)) < 0.8, np.clip(at, 0, 1), 1 - np.clip(at, 0, 1))
    ab = np.where(rng.random((n, m)) < 0.7, np.clip(at, 0, 1), 1 - np.clip(at, 0, 1))
    group = np.sort(rng.integers(0, n_groups, n))
    return (PairedPredictions(y, pa, pb, k, group=group, va_true=vt, va_a=va, va_b=vb,
                              au_true=at, au_a=aa, au_b=ab),
            MetricContext(au_names=AUS))


def naive(metric, y, p, vt, v, at, ap, k, *, fast=False):
    """The score recomputed from sample arrays: F1 by scikit-learn (``fast``: the same
    formulas in numpy, checked against scikit-learn by the first test), accuracy as the
    share of hits, CCC by affectctl.metrics.regression.ccc."""
    ok = y >= 0

    def f1(t, q, labels):
        if not fast:
            return f1_score(t, q, labels=labels, average="macro" if len(labels) > 2 else
                            "binary", zero_division=0)
        per = []
        for c in (labels if len(labels) > 2 else [1]):
            tp, den = np.sum((t == c) & (q == c)), np.sum(t == c) + np.sum(q == c)
            per.append(2 * tp / den if den else 0.0)
        return np.mean(per)

    expr_f1 = f1(y[ok], p[ok], list(range(k)))
    acc = np.mean(y[ok] == p[ok])

    def au(names):
        idx = [AUS.index(x) for x in names]
        t, q = at[:, idx], ap[:, idx]
        valid = t >= 0
        # an unannotated frame made a true negative: F1 uses TP, FP, FN only
        tm, qm = np.where(valid, t, 0), np.where(valid, q, 0)
        if fast:
            tp = ((tm == 1) & (qm == 1)).sum(0)
            den = (tm == 1).sum(0) + (qm == 1).sum(0)
            f = np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)
        elif len(idx) == 1:  # one column: scikit-learn's binary F1 of the positive class
            f = [f1_score(tm[:, 0], qm[:, 0], zero_division=0)]
        else:
            f = f1_score(tm, qm, average=None, zero_division=0)
        n = valid.sum(0)
        with np.errstate(invalid="ignore"):
            a = np.where(n > 0, ((t == q) & valid).sum(0) / n, np.nan)
        return np.mean(f), np.nanmean(a)

    def ccc_mean():
        out = []
        for d in (0, 1):
            fin = np.isfinite(vt[:, d])
            out.append(reg.ccc(vt[fin, d], v[fin, d]))
        return np.mean(out)

    if metric == "abaw2_expr_score":
        return 0.67 * expr_f1 + 0.33 * acc
    if metric == "au_f1_mean":
        return au(AUS)[0]
    if metric == "au_accuracy_mean":
        return au(AUS)[1]
    if metric.startswith("au_f1:"):
        return au((metric[len("au_f1:"):],))[0]
    if metric == "abaw3_au_score":
        return au(ABAW_AUS)[0]
    if metric == "abaw2_au_score":
        return 0.5 * au(ABAW_AUS)[0] + 0.5 * au(ABAW_AUS)[1]
    if metric == "abaw2020_au_score":
        return 0.5 * au(ABAW2020_AUS)[0] + 0.5 * au(ABAW2020_AUS)[1]
    return ccc_mean() + expr_f1 + au(ABAW_AUS)[0]


def unit_members(s, spec_used, unit):
    """Sample indices of each unit, in the engine's unit order."""
    used = np.flatnonzero(spec_used)
    if unit == "sample":
        return [np.array([i]) for i in used]
    _, inv = np.unique(s.group[used], return_inverse=True)
    return [used[inv == g] for g in range(inv.max() + 1)]


def used_mask(s, metric):
    """Samples with an annotation of a part of ``metric`` (the engine's units)."""
    if metric == "abaw2_expr_score":
        return s.y_true >= 0
    au_any = (s.au_true >= 0).any(axis=1)
    if metric == "abaw_mtl_score":
        au_any = (s.au_true[:, [AUS.index(a) for a in ABAW_AUS]] >= 0).any(axis=1)
        return au_any | (s.y_true >= 0) | np.isfinite(s.va_true).any(axis=1)
    names = {"au_f1_mean": AUS, "au_accuracy_mean": AUS, "au_f1:AU12": ("AU12",),
             "abaw3_au_score": ABAW_AUS, "abaw2_au_score": ABAW_AUS,
             "abaw2020_au_score": ABAW2020_AUS}[metric]
    return (s.au_true[:, [AUS.index(a) for a in names]] >= 0).any(axis=1)


@pytest.mark.parametrize("metric", METRICS)
def test_replicates_equal_naive_recomputation_on_the_same_sets(metric):
    for unit in ("sample", "group"):
        same_sets(metric, unit)


def same_sets(metric, unit):
    s, ctx = make_case(1, n=200, n_groups=15)
    k = s.n_classes
    spec = _parse_metric(metric, k, ctx)
    members = unit_members(s, used_mask(s, metric), unit)
    if spec.kind == "confusion" and unit == "sample":
        # by sample, count metrics run on the (t, a, b) histogram (tested against naive AR and
        # bootstrap in test_stats_samples.py); here the same features one sample per unit
        s = dataclasses.replace(s, group=np.arange(s.n))
        unit = "group"
    rng = np.random.default_rng(5)
    for test in ("ar", "boot"):
        se = _stratum_engine(s, spec, unit, test, ctx, 0)
        eng, tot_a, tot_b, n_units = se.engine, se.totals_a, se.totals_b, se.n_units
        assert n_units == len(members)
        for _ in range(3):
            if test == "ar":
                sw = rng.random(n_units) < 0.5
                delta = sw.astype(float) @ (eng.fb - eng.fa)
                got = _evaluate(spec, tot_a + delta) - _evaluate(spec, tot_b - delta)
                swap = np.zeros(s.n, bool)
                swap[np.concatenate([m for m, w in zip(members, sw) if w] or [[]]).astype(int)] = True
                pa = np.where(swap, s.pred_b, s.pred_a)
                pb = np.where(swap, s.pred_a, s.pred_b)
                va = np.where(swap[:, None], s.va_b, s.va_a)
                vb = np.where(swap[:, None], s.va_a, s.va_b)
                aa = np.where(swap[:, None], s.au_b, s.au_a)
                ab = np.where(swap[:, None], s.au_a, s.au_b)
                idx = np.arange(s.n)
            else:
                draw = rng.integers(0, n_units, n_units)
                w = np.bincount(draw, minlength=n_units).astype(float)
                got = _evaluate(spec, w @ eng.fa) - _evaluate(spec, w @ eng.fb)
                idx = np.concatenate([members[u] for u in draw])
                pa, pb, va, vb, aa, ab = s.pred_a, s.pred_b, s.va_a, s.va_b, s.au_a, s.au_b
            ref = (naive(metric, s.y_true[idx], pa[idx], s.va_true[idx], va[idx],
                         s.au_true[idx], aa[idx], k)
                   - naive(metric, s.y_true[idx], pb[idx], s.va_true[idx], vb[idx],
                           s.au_true[idx], ab[idx], k))
            assert float(got) == pytest.approx(ref, abs=1e-10), (metric, unit, test)


@pytest.mark.parametrize("metric", ["abaw2_expr_score", "abaw_mtl_score"])
def test_public_nulls_match_naive_nulls(metric):
    """AR and bootstrap through the public API against naive replicates (independent draws)."""
    s, ctx = make_case(2, n=300, n_groups=30)
    k = s.n_classes
    members = unit_members(s, used_mask(s, metric), "group")
    g = np.random.default_rng(8)
    ar_naive, boot_naive = [], []
    for _ in range(300):
        sw = g.random(len(members)) < 0.5
        swap = np.zeros(s.n, bool)
        for m, w in zip(members, sw):
            swap[m] = w
        args = []
        for x, y in ((s.pred_a, s.pred_b), (s.va_a, s.va_b), (s.au_a, s.au_b)):
            m = swap[:, None] if x.ndim > 1 else swap
            args.append((np.where(m, y, x), np.where(m, x, y)))
        (pa, pb), (va, vb), (aa, ab) = args
        ar_naive.append(naive(metric, s.y_true, pa, s.va_true, va, s.au_true, aa, k, fast=True)
                        - naive(metric, s.y_true, pb, s.va_true, vb, s.au_true, ab, k, fast=True))
        idx = np.concatenate([members[u] for u in g.integers(0, len(members), len(members))])
        boot_naive.append(
            naive(metric, s.y_true[idx], s.pred_a[idx], s.va_true[idx], s.va_a[idx],
                  s.au_true[idx], s.au_a[idx], k, fast=True)
            - naive(metric, s.y_true[idx], s.pred_b[idx], s.va_true[idx], s.va_b[idx],
                    s.au_true[idx], s.au_b[idx], k, fast=True))
    ar = approximate_randomization(s, metric, unit="group", n_resamples=2000, rng=3,
                                   context=ctx, return_null=True, alpha=None)
    boot = paired_bootstrap(s, metric, unit="group", n_resamples=2000, rng=3, context=ctx,
                            return_null=True, alpha=None)
    obs = (naive(metric, s.y_true, s.pred_a, s.va_true, s.va_a, s.au_true, s.au_a, k)
           - naive(metric, s.y_true, s.pred_b, s.va_true, s.va_b, s.au_true, s.au_b, k))
    assert ar.statistic == pytest.approx(obs, abs=1e-12)
    assert boot.ci_low <= obs <= boot.ci_high
    for ours, theirs in ((ar.null_distribution, ar_naive), (boot.null_distribution, boot_naive)):
        theirs = np.array(theirs)
        assert stats.ks_2samp(ours, theirs, method="asymp").pvalue > 1e-4
        assert ours.std() == pytest.approx(theirs.std(), rel=0.2)  # 4.5 SE at 300 vs 2000


def test_au_scores_need_their_aus():
    from affectctl.errors import ConfigError

    s, _ = make_case(3, n=50)
    with pytest.raises(ConfigError, match="needs `context.au_names`"):
        approximate_randomization(s, "abaw3_au_score", unit="sample")
    short = MetricContext(au_names=tuple(f"X{i}" for i in range(len(AUS))))
    with pytest.raises(ConfigError, match=r"lacks \['AU1'"):
        approximate_randomization(s, "abaw2_au_score", unit="sample", context=short)
    bare = PairedPredictions(s.y_true, s.pred_a, s.pred_b, s.n_classes)
    with pytest.raises(ConfigError, match="needs `au_true`, `au_a` and `au_b`"):
        approximate_randomization(bare, "au_f1_mean", unit="sample")
    with pytest.raises(ConfigError, match="must be 0 or 1 wherever"):
        PairedPredictions(s.y_true, s.pred_a, s.pred_b, s.n_classes, au_true=s.au_true,
                          au_a=s.au_a * 2, au_b=s.au_b)
