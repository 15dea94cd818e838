"""Common tests over every metric id (scikit-learn's ``check_estimator`` idea, for metrics).

One synthetic dump (expression + valence/arousal + videos) scored by
``compute_metrics``; for every id it returns: a known direction, invariance to the order
of the samples, bounds by kind; class-symmetric metrics invariant to a relabelling of the
classes; and the dump path equal to the sums path the sample tests use (``metric_value``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affectctl.io.dumps import dump_from_frame
from affectctl.metrics.catalog import metric_direction
from affectctl.metrics.compute import compute_metrics
from affectctl.stats.samples import PairedPredictions, metric_value

N, K = 120, 7


def _frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, N)
    p = np.where(rng.random(N) < 0.6, y, rng.integers(0, K, N))
    f = pd.DataFrame({"sample_id": [f"s{i}" for i in range(N)], "group": [f"v{i % 6}" for i in range(N)],
                      "y_true": y, "y_pred": p,
                      "v_true": rng.uniform(-1, 1, N), "a_true": rng.uniform(-1, 1, N)})
    f["v_pred"] = np.clip(f["v_true"] + rng.normal(0, 0.3, N), -1, 1)
    f["a_pred"] = np.clip(f["a_true"] + rng.normal(0, 0.3, N), -1, 1)
    return f


FRAME = _frame()
DUMP = dump_from_frame(FRAME, taxonomy="affectnet7")
METRICS = compute_metrics(DUMP)
IDS = sorted(METRICS)


@pytest.mark.parametrize("metric", IDS)
def test_every_metric_has_a_direction(metric):
    assert metric_direction(metric) in (1, -1)


def test_every_metric_is_invariant_to_sample_order():
    shuffled = FRAME.sample(frac=1.0, random_state=3).reset_index(drop=True)
    again = compute_metrics(dump_from_frame(shuffled, taxonomy="affectnet7"))
    assert again.keys() == METRICS.keys()
    for m in IDS:
        assert again[m] == pytest.approx(METRICS[m], rel=1e-12, abs=1e-12), m


@pytest.mark.parametrize("metric", IDS)
def test_bounds(metric):
    v = METRICS[metric]
    assert np.isfinite(v)
    if metric.startswith(("va_ccc", "va_pcc", "cohen_kappa", "mcc", "abaw3_va")):
        assert -1 <= v <= 1
    elif metric.startswith(("accuracy", "expr_macro_f1", "f1:", "uar", "pair_confusion", "va_sagr",
                            "quadrant_preservation", "official_score")):
        assert 0 <= v <= 1
    else:  # counts, distances, RMSE
        assert v >= 0


def test_class_symmetric_metrics_ignore_a_relabelling():
    perm = np.random.default_rng(5).permutation(K)
    f = FRAME.copy()
    f["y_true"], f["y_pred"] = perm[f["y_true"]], perm[f["y_pred"]]
    relabelled = compute_metrics(dump_from_frame(f, taxonomy="affectnet7"))
    for m in ("accuracy", "expr_macro_f1", "uar", "cohen_kappa", "mcc"):
        assert relabelled[m] == pytest.approx(METRICS[m], rel=1e-12), m
    names = DUMP.taxonomy.classes
    for k, name in enumerate(names):  # per-class F1 follows its class
        assert relabelled[f"f1:{names[perm[k]]}"] == pytest.approx(METRICS[f"f1:{name}"], rel=1e-12)


@pytest.mark.parametrize("metric", ["accuracy", "expr_macro_f1", "uar", "cohen_kappa", "mcc",
                                    "f1:Happy", "pair_confusion:Neutral|Happy", "va_ccc_valence",
                                    "va_ccc_mean", "va_pcc_arousal", "va_rmse_valence"])
def test_dump_path_equals_the_sums_path_of_the_sample_tests(metric):
    y = FRAME["y_true"].to_numpy()
    p = FRAME["y_pred"].to_numpy()
    va_t = FRAME[["v_true", "a_true"]].to_numpy()
    va_p = FRAME[["v_pred", "a_pred"]].to_numpy()
    stratum = PairedPredictions(y, p, p, K, va_true=va_t, va_a=va_p, va_b=va_p)
    from affectctl.stats.samples import MetricContext

    ctx = MetricContext(class_names=tuple(DUMP.taxonomy.classes))
    assert metric_value(stratum, metric, context=ctx) == pytest.approx(METRICS[metric], rel=1e-9)
