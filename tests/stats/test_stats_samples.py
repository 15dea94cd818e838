"""Sample-level AR and paired bootstrap against naive per-sample implementations.

References used below:
* scikit-learn metrics on the observed data (accuracy_score, f1_score, balanced_accuracy_score,
  cohen_kappa_score, matthews_corrcoef);
* exact enumeration of all 2**n swap assignments, computed here by brute force;
* naive per-sample AR and bootstrap loops written here (one resample at a time, metrics
  recomputed from the labels with plain numpy), compared in distribution;
* the "independent resampling" bootstrap of a popular peer library, written here, which a
  paired bootstrap must NOT match.
"""

import itertools

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl.metrics import regression as reg
from affectctl.stats.samples import _engines, _features, _registry
from affectctl.stats.samples import (
    SAMPLE_METRICS,
    MetricContext,
    PairedPredictions,
    approximate_randomization,
    higher_is_better,
    is_sample_metric,
    metric_value,
    paired_bootstrap,
)

# ----------------------------------------------------------------------------------------------
# helpers: data and naive metrics (independent of affectctl.metrics)

def make_stratum(rng, n=600, k=4, acc_a=0.7, acc_b=0.6, n_groups=None, va=False, proba=False,
                 share=0.0):
    y = rng.integers(0, k, n)
    noise = rng.integers(0, k, n)
    pa = np.where(rng.random(n) < acc_a, y, noise)
    pb = np.where(rng.random(n) < acc_b, y, rng.integers(0, k, n))
    if share:
        same = rng.random(n) < share
        pb = np.where(same, pa, pb)
    kw = {}
    if n_groups:
        kw["group"] = np.sort(rng.integers(0, n_groups, n))
    if va:
        vt = rng.uniform(-1, 1, (n, 2))
        kw.update(va_true=vt, va_a=vt + rng.normal(0, 0.4, (n, 2)),
                  va_b=0.8 * vt + rng.normal(0, 0.4, (n, 2)))
    if proba:
        pa_ = rng.dirichlet(np.ones(k), n)
        pb_ = rng.dirichlet(np.ones(k), n)
        kw.update(proba_a=pa_, proba_b=pb_)
    return PairedPredictions(y, pa, pb, k, **kw)




def naive_macro_f1(y, p, k):
    """Macro-F1 over all k classes, 0 for a class with no true and no predicted sample."""
    tp = np.bincount(y[y == p], minlength=k)
    den = np.bincount(y, minlength=k) + np.bincount(p, minlength=k)
    return float(np.mean(np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)))


def naive_accuracy(y, p, k):
    return float(np.mean(y == p))


def naive_ar(strata, fn, unit, r, rng):
    out = np.empty(r)
    for i in range(r):
        diffs = []
        for s in strata:
            units = s.group if unit == "group" else np.arange(s.n)
            uniq, inv = np.unique(units, return_inverse=True)
            swap = (rng.random(len(uniq)) < 0.5)[inv]
            a = np.where(swap, s.pred_b, s.pred_a)
            b = np.where(swap, s.pred_a, s.pred_b)
            diffs.append(fn(s.y_true, a, s.n_classes) - fn(s.y_true, b, s.n_classes))
        out[i] = np.mean(diffs)
    return out


def naive_boot(strata, fn, unit, r, rng, independent=False):
    out = np.empty(r)
    for i in range(r):
        diffs = []
        for s in strata:
            if unit == "sample":
                ia = rng.integers(0, s.n, s.n)
                # the peer bug: a second, independent resample for B
                ib = rng.integers(0, s.n, s.n) if independent else ia
            else:
                uniq, inv = np.unique(s.group, return_inverse=True)
                members = [np.flatnonzero(inv == u) for u in range(len(uniq))]
                pick = rng.integers(0, len(uniq), len(uniq))
                ia = np.concatenate([members[u] for u in pick])
                if independent:
                    pick = rng.integers(0, len(uniq), len(uniq))
                ib = np.concatenate([members[u] for u in pick])
            diffs.append(fn(s.y_true[ia], s.pred_a[ia], s.n_classes)
                         - fn(s.y_true[ib], s.pred_b[ib], s.n_classes))
        out[i] = np.mean(diffs)
    return out


def assert_same_distribution(x, y, *, rel_sd=0.1):
    """Two Monte-Carlo samples of one distribution: means within 5 SE, SDs within rel_sd, KS."""
    se = np.sqrt(x.var() / len(x) + y.var() / len(y))
    assert abs(x.mean() - y.mean()) <= 5 * se + 1e-12
    assert x.std() == pytest.approx(y.std(), rel=rel_sd)
    assert stats.ks_2samp(x, y, method="asymp").pvalue > 1e-4


# ----------------------------------------------------------------------------------------------
# observed metrics against scikit-learn

class TestObservedMetrics:
    def setup_method(self):
        self.rng = np.random.default_rng(20240611)

    def test_confusion_metrics_match_sklearn(self):
        s = make_stratum(self.rng, n=900, k=5)
        y, p = s.y_true, s.pred_a
        labels = list(range(5))
        expected = {
            "accuracy": skm.accuracy_score(y, p),
            "expr_macro_f1": skm.f1_score(y, p, average="macro", labels=labels, zero_division=0),
            "f1:2": skm.f1_score(y, p, average=None, labels=labels)[2],
            "uar": skm.balanced_accuracy_score(y, p),
            "cohen_kappa": skm.cohen_kappa_score(y, p),
            "mcc": skm.matthews_corrcoef(y, p),
        }
        for m, v in expected.items():
            assert metric_value(s, m) == pytest.approx(v, rel=1e-12, abs=1e-15), m

    def test_replicate_confusion_matrices_match_sklearn(self):
        # the unit engine's observed totals are confusion matrices equal to sklearn's
        s = make_stratum(self.rng, n=500, k=4, n_groups=20)
        spec = _registry._parse_metric("accuracy", 4, None)
        eng = _features._stratum_engine(s, spec, "group", "ar", None, 0)
        np.testing.assert_array_equal(eng[1].reshape(4, 4),
                                      skm.confusion_matrix(s.y_true, s.pred_a, labels=range(4)))
        np.testing.assert_array_equal(eng[2].reshape(4, 4),
                                      skm.confusion_matrix(s.y_true, s.pred_b, labels=range(4)))

    def test_excluded_samples_and_class_names(self):
        s = make_stratum(self.rng, n=300, k=3)
        y = s.y_true.copy()
        y[:50] = -1
        s2 = PairedPredictions(y, s.pred_a, s.pred_b, 3)
        keep = y >= 0
        ctx = MetricContext(class_names=("neutral", "happy", "sad"))
        assert metric_value(s2, "f1:happy", context=ctx) == pytest.approx(
            skm.f1_score(y[keep], s.pred_a[keep], average=None, labels=[0, 1, 2])[1])
        cm = skm.confusion_matrix(y[keep], s.pred_b[keep], labels=range(3))
        assert metric_value(s2, "pair_confusion:happy|sad", system="b", context=ctx) == \
            pytest.approx((cm[1, 2] + cm[2, 1]) / (cm[1].sum() + cm[2].sum()))

    def test_va_metrics_match_regression_functions(self):
        s = make_stratum(self.rng, n=400, va=True)
        vt = s.va_true.copy()
        vt[:30, 0] = np.nan
        s = PairedPredictions(s.y_true, s.pred_a, s.pred_b, 4, va_true=vt, va_a=s.va_a,
                              va_b=s.va_b)
        ok = np.isfinite(vt[:, 0])
        assert metric_value(s, "va_ccc_valence") == pytest.approx(
            reg.ccc(vt[ok, 0], s.va_a[ok, 0]), rel=1e-10)
        assert metric_value(s, "va_pcc_arousal", system="b") == pytest.approx(
            stats.pearsonr(vt[:, 1], s.va_b[:, 1])[0], rel=1e-10)
        assert metric_value(s, "va_rmse_valence") == pytest.approx(
            reg.rmse(vt[ok, 0], s.va_a[ok, 0]), rel=1e-10)
        assert metric_value(s, "va_ccc_mean") == pytest.approx(
            0.5 * (reg.ccc(vt[ok, 0], s.va_a[ok, 0]) + reg.ccc(vt[:, 1], s.va_a[:, 1])),
            rel=1e-10)

    def test_expected_cost_and_error_geometry(self):
        k = 4
        s = make_stratum(self.rng, n=300, k=k, proba=True)
        cost = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(float)
        ctx = MetricContext(cost=cost, quadrants=np.array([0, 0, 1, -1]))
        expected = np.mean([s.proba_a[i] @ cost[s.y_true[i]] for i in range(s.n)])
        assert metric_value(s, "expected_cost", context=ctx) == pytest.approx(expected)
        cm = skm.confusion_matrix(s.y_true, s.pred_a, labels=range(k))
        off = ~np.eye(k, dtype=bool)
        assert metric_value(s, "error_distance_mean", context=ctx) == pytest.approx(
            (cm * cost)[off].sum() / cm[off].sum())
        same = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], bool)
        defined = np.zeros((k, k), bool)
        defined[:3, :3] = True
        defined &= off
        assert metric_value(s, "quadrant_preservation", context=ctx) == pytest.approx(
            cm[same].sum() / cm[defined].sum())

    def test_sample_metrics_listing(self):
        assert "expr_macro_f1" in SAMPLE_METRICS and "va_ccc_mean" in SAMPLE_METRICS
        assert is_sample_metric("f1:Anger") and is_sample_metric("pair_confusion:1|2")
        assert not is_sample_metric("official_score")
        assert higher_is_better("mcc") and not higher_is_better("va_rmse_arousal")
        assert not higher_is_better("pair_confusion:0|1")


# ----------------------------------------------------------------------------------------------
# AR against exact enumeration and against a naive implementation

def exact_ar_pvalue(s, fn, alternative, unit="sample"):
    units = s.group if unit == "group" else np.arange(s.n)
    uniq, inv = np.unique(units, return_inverse=True)
    k = s.n_classes
    obs = fn(s.y_true, s.pred_a, k) - fn(s.y_true, s.pred_b, k)
    vals = []
    for bits in itertools.product((False, True), repeat=len(uniq)):
        swap = np.array(bits)[inv]
        a = np.where(swap, s.pred_b, s.pred_a)
        b = np.where(swap, s.pred_a, s.pred_b)
        vals.append(fn(s.y_true, a, k) - fn(s.y_true, b, k))
    vals = np.array(vals)
    pg, pl = np.mean(vals >= obs - 1e-12), np.mean(vals <= obs + 1e-12)
    return {"greater": pg, "less": pl, "two-sided": min(1, 2 * min(pg, pl))}[alternative]


class TestApproximateRandomization:
    def setup_method(self):
        self.rng = np.random.default_rng(5550123)

    @pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
    def test_small_case_equals_exact_enumeration(self, alternative):
        y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
        pa = np.array([0, 1, 2, 0, 1, 1, 0, 2, 2, 0, 1, 2])
        pb = np.array([0, 2, 2, 1, 1, 0, 0, 1, 1, 0, 0, 2])
        s = PairedPredictions(y, pa, pb, 3)
        exact = exact_ar_pvalue(s, naive_macro_f1, alternative)
        r = 20000
        res = approximate_randomization([s], "expr_macro_f1", unit="sample", n_resamples=r,
                                        rng=3, alternative=alternative, alpha=None)
        assert abs(res.pvalue - exact) <= 4 * res.mc_se + 2 / (r + 1)
        assert res.n == 12 and not res.exact

    def test_small_group_case_equals_exact_enumeration(self):
        s = make_stratum(self.rng, n=120, k=3, acc_a=0.8, acc_b=0.55, n_groups=9)
        exact = exact_ar_pvalue(s, naive_accuracy, "two-sided", unit="group")
        res = approximate_randomization(s, "accuracy", unit="group", n_resamples=20000, rng=4,
                                        alpha=None)
        assert abs(res.pvalue - exact) <= 4 * res.mc_se + 2 / 20001

    @pytest.mark.parametrize("unit", ["sample", "group"])
    def test_histogram_engine_matches_naive_null(self, unit):
        strata = [make_stratum(self.rng, n=800, k=4, n_groups=40, share=0.5) for _ in range(2)]
        res = approximate_randomization(strata, "expr_macro_f1", unit=unit, n_resamples=3000,
                                        rng=8, return_null=True, alpha=None)
        naive = naive_ar(strata, naive_macro_f1, unit, 1500, np.random.default_rng(9))
        assert_same_distribution(res.null_distribution, naive)
        obs = np.mean([naive_macro_f1(s.y_true, s.pred_a, 4) - naive_macro_f1(s.y_true, s.pred_b, 4)
                       for s in strata])
        assert res.statistic == pytest.approx(obs, rel=1e-12)
        assert res.n == (1600 if unit == "sample" else sum(len(np.unique(s.group)) for s in strata))

    def test_popcount_and_btpe_binomials_agree_with_naive(self):
        # cells above the popcount limit go through numpy's binomial; both paths must be right
        s = make_stratum(self.rng, n=6000, k=2, acc_a=0.5, acc_b=0.5)
        eng = _engines._CellAR(np.bincount((s.y_true * 2 + s.pred_a) * 2 + s.pred_b,
                                      minlength=8).reshape(2, 2, 2))
        assert eng.big and eng.n_small == 0
        res = approximate_randomization(s, "accuracy", unit="sample", n_resamples=4000, rng=1,
                                        return_null=True, alpha=None)
        # accuracy difference under AR: (sum of ±1 over discordant-correctness samples)/n
        ra, rb = s.pred_a == s.y_true, s.pred_b == s.y_true
        m = int(np.sum(ra != rb))
        var = m / s.n**2
        assert res.null_distribution.mean() == pytest.approx(0, abs=5 * np.sqrt(var / 4000))
        assert res.null_distribution.std() == pytest.approx(np.sqrt(var), rel=0.05)

    def test_va_ccc_matches_naive(self):
        s = make_stratum(self.rng, n=400, va=True, n_groups=25)

        def ccc_diff(a, b):
            return reg.ccc(s.va_true[:, 0], a[:, 0]) - reg.ccc(s.va_true[:, 0], b[:, 0])

        for unit in ("sample", "group"):
            res = approximate_randomization(s, "va_ccc_valence", unit=unit, n_resamples=2000,
                                            rng=2, return_null=True, alpha=None)
            g = np.random.default_rng(3)
            units = np.arange(s.n) if unit == "sample" else s.group
            uniq, inv = np.unique(units, return_inverse=True)
            naive = []
            for _ in range(1000):
                sw = (g.random(len(uniq)) < 0.5)[inv][:, None]
                naive.append(ccc_diff(np.where(sw, s.va_b, s.va_a), np.where(sw, s.va_a, s.va_b)))
            assert_same_distribution(res.null_distribution, np.array(naive))
            assert res.statistic == pytest.approx(ccc_diff(s.va_a, s.va_b), rel=1e-10)

    def test_blocked_path_matches_the_one_shot_product(self, monkeypatch):
        s = make_stratum(self.rng, n=3000, va=True, proba=True)
        ctx = MetricContext(cost=1.0 - np.eye(4))
        for metric in ("va_ccc_mean", "expected_cost"):
            ref = approximate_randomization(s, metric, unit="sample", n_resamples=500, rng=5,
                                            return_null=True, context=ctx, alpha=None)
            monkeypatch.setattr(_engines, "_MANY_UNITS", 16)
            res = approximate_randomization(s, metric, unit="sample", n_resamples=500, rng=5,
                                            return_null=True, context=ctx, alpha=None)
            monkeypatch.setattr(_engines, "_MANY_UNITS", 2**15)
            # same random bits, float64 products summed in another order
            sd = ref.null_distribution.std()
            np.testing.assert_allclose(res.null_distribution, ref.null_distribution,
                                       atol=1e-12 * sd)
            assert res.pvalue == ref.pvalue

    def test_identical_systems(self):
        s = make_stratum(self.rng, n=200)
        same = PairedPredictions(s.y_true, s.pred_a, s.pred_a, 4, group=np.arange(200) // 10)
        with pytest.warns(DegenerateDataWarning, match="no discordant unit"):
            res = approximate_randomization(same, "mcc", n_resamples=99, rng=0)
        assert res.pvalue == 1.0 and res.statistic == 0.0

    def test_unit_group_requires_groups(self):
        s = make_stratum(self.rng, n=100)
        with pytest.raises(ConfigError, match="`unit`='group' needs `group` labels"):
            approximate_randomization(s, "accuracy")
        with pytest.raises(ConfigError, match="`unit`='group' needs `group` labels"):
            paired_bootstrap(s, "accuracy")

    def test_metric_needs_context(self):
        s = make_stratum(self.rng, n=100, proba=True)
        with pytest.raises(ConfigError, match="needs `context.cost`"):
            approximate_randomization(s, "expected_cost", unit="sample")
        with pytest.raises(ConfigError, match="filled `context.cost`"):
            approximate_randomization(s, "expected_cost", unit="sample",
                                      context=MetricContext(cost=np.full((4, 4), np.nan)))
        with pytest.raises(ConfigError, match="needs `va_true`"):
            approximate_randomization(s, "va_ccc_mean", unit="sample")
        with pytest.raises(ConfigError, match="neither a class index"):
            approximate_randomization(s, "f1:Anger", unit="sample")
        with pytest.raises(ConfigError, match=r"`metric` must be one of"):
            approximate_randomization(s, "f2", unit="sample")

    def test_strata_must_share_classes(self):
        a = make_stratum(self.rng, n=50, k=3)
        b = make_stratum(self.rng, n=50, k=4)
        with pytest.raises(PairingError, match="same `n_classes`"):
            approximate_randomization([a, b], "accuracy", unit="sample")

    def test_undefined_replicates_are_dropped_with_warning(self):
        # class 3 appears once: bootstrap replicates without it have an undefined F1
        y = np.array([0, 1, 2] * 20 + [3])
        pa = y.copy()
        pb = np.where(np.arange(61) % 5 == 0, (y + 1) % 3, y)
        s = PairedPredictions(y, pa, pb, 4)
        with pytest.warns(DegenerateDataWarning, match="replicates gave an undefined metric"):
            res = paired_bootstrap(s, "f1:3", unit="sample", n_resamples=300, rng=1, alpha=None)
        assert res.n_resamples < 300
        assert res.min_pvalue == pytest.approx(2 / (res.n_resamples + 1))


# ----------------------------------------------------------------------------------------------
# bootstrap

class TestPairedBootstrap:
    def setup_method(self):
        self.rng = np.random.default_rng(90210)

    @pytest.mark.parametrize("unit", ["sample", "group"])
    def test_matches_naive_paired_bootstrap(self, unit):
        strata = [make_stratum(self.rng, n=700, k=4, n_groups=35, share=0.6) for _ in range(2)]
        res = paired_bootstrap(strata, "expr_macro_f1", unit=unit, n_resamples=3000, rng=4,
                               return_null=True, alpha=None)
        naive = naive_boot(strata, naive_macro_f1, unit, 1500, np.random.default_rng(5))
        assert_same_distribution(res.null_distribution, naive)
        lo, hi = np.quantile(naive, [0.025, 0.975])
        width = hi - lo
        assert res.ci_low == pytest.approx(lo, abs=0.15 * width)
        assert res.ci_high == pytest.approx(hi, abs=0.15 * width)
        assert res.ci_low <= res.statistic <= res.ci_high

    def test_same_units_for_both_systems_not_independent(self):
        # A and B agree on most samples, so their metrics are strongly correlated: the
        # paired interval is narrow. Resampling the systems independently (a known bug of a
        # popular peer) ignores that correlation and gives a much wider interval.
        s = make_stratum(self.rng, n=1500, k=4, acc_a=0.7, acc_b=0.7, share=0.95)
        res = paired_bootstrap(s, "expr_macro_f1", unit="sample", n_resamples=2000, rng=6,
                               alpha=None)
        paired = naive_boot([s], naive_macro_f1, "sample", 800, np.random.default_rng(7))
        indep = naive_boot([s], naive_macro_f1, "sample", 800, np.random.default_rng(7),
                           independent=True)
        w_ours = res.ci_high - res.ci_low
        w_paired = np.subtract(*np.quantile(paired, [0.975, 0.025]))
        w_indep = np.subtract(*np.quantile(indep, [0.975, 0.025]))
        assert w_indep > 3 * w_paired
        assert w_ours == pytest.approx(w_paired, rel=0.15)
        assert w_ours < 0.5 * w_indep

    def test_identical_systems_give_zero_interval(self):
        s = make_stratum(self.rng, n=300)
        same = PairedPredictions(s.y_true, s.pred_a, s.pred_a, 4)
        with pytest.warns(DegenerateDataWarning, match="same output on every unit"):
            res = paired_bootstrap(same, "expr_macro_f1", unit="sample", n_resamples=200, rng=1)
        assert res.ci_low == res.ci_high == 0.0 and res.pvalue == 1.0

    def test_va_and_cost_match_naive(self):
        s = make_stratum(self.rng, n=500, va=True, proba=True, n_groups=30)
        cost = 1.0 - np.eye(4)
        ctx = MetricContext(cost=cost)
        ea = (s.proba_a * cost[s.y_true]).sum(1)
        eb = (s.proba_b * cost[s.y_true]).sum(1)
        for unit in ("sample", "group"):
            units = np.arange(s.n) if unit == "sample" else s.group
            uniq, inv = np.unique(units, return_inverse=True)
            members = [np.flatnonzero(inv == u) for u in range(len(uniq))]
            g = np.random.default_rng(1)
            nv, nc = [], []
            for _ in range(1000):
                idx = np.concatenate([members[u] for u in g.integers(0, len(uniq), len(uniq))])
                nv.append(reg.ccc(s.va_true[idx, 1], s.va_a[idx, 1])
                          - reg.ccc(s.va_true[idx, 1], s.va_b[idx, 1]))
                nc.append(ea[idx].mean() - eb[idx].mean())
            rv = paired_bootstrap(s, "va_ccc_arousal", unit=unit, n_resamples=2000, rng=2,
                                  return_null=True, alpha=None)
            rc = paired_bootstrap(s, "expected_cost", unit=unit, n_resamples=2000, rng=2,
                                  return_null=True, context=ctx, alpha=None)
            assert_same_distribution(rv.null_distribution, np.array(nv))
            assert_same_distribution(rc.null_distribution, np.array(nc))

    def test_shifted_null_pvalue(self):
        s = make_stratum(self.rng, n=800, k=3, acc_a=0.75, acc_b=0.6)
        res = paired_bootstrap(s, "accuracy", unit="sample", n_resamples=2000, rng=3,
                               return_null=True, alpha=None, alternative="greater")
        boot = res.null_distribution
        expected = (np.sum(boot - res.statistic >= res.statistic) + 1) / (len(boot) + 1)
        assert res.pvalue == pytest.approx(expected)
        assert res.method == "bootstrap" and res.confidence == 0.95


def test_threaded_blocked_ar_equals_the_serial_sum(monkeypatch):
    """The blocked AR product is summed over unit halves in threads: same draws, same null."""
    from affectctl.stats.samples import _engines as samples_module

    rng = np.random.default_rng(4)
    n = samples_module._MANY_UNITS + 4099  # blocked path, halves of unequal chunk counts
    t = rng.uniform(-1, 1, (n, 2))
    y = rng.integers(0, 8, n)
    pp = PairedPredictions(y_true=y, pred_a=y, pred_b=y, n_classes=8, va_true=t,
                           va_a=np.clip(t + rng.normal(0, 0.5, (n, 2)), -1, 1),
                           va_b=np.clip(t + rng.normal(0, 0.5, (n, 2)), -1, 1))
    nulls = {}
    for threads in (1, 2, 3):
        monkeypatch.setattr(samples_module, "_AR_THREADS", threads)
        res = approximate_randomization(pp, "va_ccc_mean", unit="sample", n_resamples=300, rng=9,
                                        return_null=True, alpha=None)
        nulls[threads] = (res.pvalue, res.null_distribution)
    for threads in (2, 3):
        assert nulls[threads][0] == nulls[1][0]
        np.testing.assert_allclose(nulls[threads][1], nulls[1][1], rtol=0, atol=1e-12)


def test_popcount_fallback_equals_bitwise_count(monkeypatch):
    # the byte-table path taken on NumPy < 2.0 against the hardware popcount / int.bit_count
    from affectctl.stats import _common

    words = np.random.default_rng(3).integers(0, 2**64, size=(7, 5), dtype=np.uint64)
    words[0, 0], words[0, 1] = 0, 2**64 - 1
    expected = np.array([[int(w).bit_count() for w in row] for row in words.tolist()])
    np.testing.assert_array_equal(_common.popcount64(words), expected)
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    np.testing.assert_array_equal(_common.popcount64(words), expected)


@pytest.mark.skipif(not _engines._compiled_ar(), reason="numba is not installed (optional kernel)")
def test_compiled_bitplane_ar_equals_the_float_path_on_integer_counts(monkeypatch):
    """Per-video confusion counts (integers) go to the bit-plane kernel, which is exact: the
    same random words give bit-for-bit the nulls of the float64 product."""
    rng = np.random.default_rng(11)
    n, k = 4000, 3
    y = rng.integers(0, k, n)
    pa = np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n))
    pb = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    s = PairedPredictions(y, pa, pb, k, group=rng.integers(0, 700, n))
    monkeypatch.setattr(_engines, "_MANY_UNITS", 64)
    nulls = {}
    for compiled in (True, False):
        monkeypatch.setattr(_engines, "_compiled_ar", lambda compiled=compiled: compiled)
        res = approximate_randomization(s, "expr_macro_f1", unit="group", n_resamples=199,
                                        rng=4, return_null=True, alpha=None, sums="exact")
        nulls[compiled] = res
    eng = _features._stratum_engine(s, _registry._parse_metric("expr_macro_f1", k, None),
                                    "group", "ar", None, 0)[0]
    monkeypatch.setattr(_engines, "_compiled_ar", lambda: True)
    eng._prepare_ar()
    assert eng._planes is not None and eng.n_single >= 64
    assert nulls[True].null_distribution.tobytes() == nulls[False].null_distribution.tobytes()
    assert nulls[True].pvalue == nulls[False].pvalue


@pytest.mark.skipif(not _engines._compiled_ar(), reason="numba is not installed (optional kernel)")
def test_bitplane_sums_equal_a_float64_dot_product_exactly():
    from affectctl.stats.samples._numba_ar_kernel import BitPlanes

    rng = np.random.default_rng(2)
    for u in (1, 63, 64, 65, 5000):
        d = np.column_stack([rng.integers(-30000, 30000, u), np.full(u, 2.0),
                             rng.integers(0, 3, u)]).astype(np.float64)
        assert BitPlanes.fits(d)
        bp = BitPlanes(d)
        words = rng.integers(0, 2**64, size=(6, bp.n_words), dtype=np.uint64)
        bits = np.unpackbits(words.view(np.uint8), axis=1, count=u).astype(np.float64)
        np.testing.assert_array_equal(bp.sums(words), bits @ d)


def test_bitplanes_refuse_what_they_would_round():
    from affectctl.stats.samples._numba_ar_kernel import BitPlanes

    assert not BitPlanes.fits(np.array([[0.0], [0.5]]))          # not an integer
    assert not BitPlanes.fits(np.array([[0.0], [2.0**16]]))       # span beyond 16 bits
    assert not BitPlanes.fits(np.array([[np.nan], [1.0]]))
    with pytest.raises(ValueError, match="integer-valued"):
        BitPlanes(np.array([[0.1], [0.2]]))


@pytest.mark.parametrize("n_units, rows", [(60, 1 << 20), (700, 3), (5, 1)])
def test_bootstrap_unit_draws_in_one_call_equal_one_call_per_replicate(monkeypatch, n_units, rows):
    """The paired bootstrap draws many replicates' unit indices in one call (blocks of rows):
    the same numbers, hence the same replicate sums, as the loop of one ``integers`` call
    per replicate it replaced."""
    rng = np.random.default_rng(5)
    n = 3000
    y = rng.integers(0, 4, n)
    pa = np.where(rng.random(n) < 0.7, y, rng.integers(0, 4, n))
    pb = np.where(rng.random(n) < 0.6, y, rng.integers(0, 4, n))
    s = PairedPredictions(y, pa, pb, 4, group=rng.integers(0, n_units, n))
    eng = _features._stratum_engine(s, _registry._parse_metric("expr_macro_f1", 4, None),
                                    "group", "bootstrap", None, 0)[0]
    eng._prepare_boot()
    monkeypatch.setattr(_engines, "_BOOT_DRAW_BLOCK", rows)
    b = 37
    got = np.concatenate(eng.boot(np.random.default_rng(9), b), axis=1)
    # the loop it replaced
    gen = np.random.default_rng(9)
    n_s = eng._boot_single.shape[0]
    n_t = eng.u - n_s
    k = (gen.binomial(eng.u, n_s / eng.u, size=b) if n_t and n_s
         else np.full(b, eng.u if n_s else 0))
    want = np.zeros((b, 2 * eng.fa.shape[1]))
    if n_t:
        want += gen.multinomial(eng.u - k, eng._boot_counts / n_t).astype(np.float64) @ eng._boot_tied
    w = np.empty((b, n_s))
    for r in range(b):
        w[r] = np.bincount(gen.integers(0, n_s, size=int(k[r])), minlength=n_s)
    want += w @ eng._boot_single
    assert n_s > 0
    np.testing.assert_array_equal(got, want)
