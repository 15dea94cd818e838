"""The one metric registry (affectctl.metrics.ids) against what the package computes and tests.

References used below: the ids compute_metrics writes on rich synthetic dumps (every family);
the direction rule as it stood before the registry (lower is better for ids starting with
error_distance, expected_cost, ece, va_rmse, pair_confusion, geometry_excluded), written here;
the sample-level engine, which must accept every sample statistic the registry names.
"""

from __future__ import annotations

import numpy as np
import pytest
from _synth import synthetic_frame

from affectctl.errors import ConfigError
from affectctl.io.dumps import dump_from_frame
from affectctl.metrics import ids
from affectctl.metrics import registry as metric_registry
from affectctl.metrics.registry import compute_metrics, official_score_id
from affectctl.stats import samples
from affectctl.stats.samples import MetricContext, PairedPredictions, metric_value
from affectctl.taxonomies import get_taxonomy

_LOWER = ("error_distance", "expected_cost", "ece", "va_rmse", "pair_confusion",
          "geometry_excluded")


@pytest.fixture(scope="module", params=["affwild2-expr8", "affwild2-expr7", "affectnet8"])
def dump(request):
    frame = synthetic_frame(n=300, taxonomy=request.param, seed=1)
    return dump_from_frame(frame, taxonomy=get_taxonomy(request.param), source="x.csv")


@pytest.fixture(scope="module")
def computed(dump):
    return compute_metrics(dump, on_empty="nan")


def test_every_computed_id_is_registered(computed):
    for metric in computed:
        info = ids.metric_info(metric)
        assert info.id == metric
        assert info.direction in (1, -1)
        if metric != "official_score":
            assert info.family in ids.FAMILIES, metric
        assert ids.metric_direction(metric) == (-1 if metric.startswith(_LOWER) else 1), metric


def test_official_score_takes_the_headline_s_entry(dump, computed):
    official = official_score_id(dump, computed)
    assert official in computed
    info = ids.metric_info("official_score", official=official)
    assert (info.direction, info.family) == (ids.metric_info(official).direction,
                                             ids.metric_info(official).family)
    expected = {"abaw3_expr_score": "expr_macro_f1", "abaw2_expr_score": "abaw2_expr_score",
                "accuracy": "accuracy"}[official]
    assert info.sample_statistic == expected
    assert ids.sample_statistic("official_score", official) == expected
    assert ids.sample_statistic("official_score") is None


def test_every_sample_statistic_is_what_compute_metrics_reports(dump, computed):
    """The sample-level engine computes the registry's statistic of an id to the same value."""
    tax = dump.taxonomy
    st = PairedPredictions(dump.y_true, dump.y_pred, dump.y_pred, tax.n_classes,
                           proba_a=dump.proba, proba_b=dump.proba, va_true=dump.va_true,
                           va_a=dump.va_pred, va_b=dump.va_pred, au_true=dump.au_true,
                           au_a=dump.au_pred, au_b=dump.au_pred)
    geo = metric_registry.geometry_context(metric_registry.resolve_geometry("nrc-vad", dump), tax)
    ctx = MetricContext(cost=geo.cost, quadrants=geo.quadrants, class_names=tax.classes,
                        au_names=dump.au_names)
    checked = 0
    for metric, value in computed.items():
        stat = ids.sample_statistic(metric, official_score_id(dump, computed))
        if stat is None or metric.startswith(("expected_cost", "error_distance", "quadrant")):
            continue  # geometry metrics: their exclusion policy is compare's (tested there)
        assert ids.is_sample_metric(stat) and samples.is_sample_metric(stat), stat
        got = metric_value(st, stat, context=ctx)
        assert got == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), (metric, stat)
        checked += 1
    assert checked >= 8


def test_sample_metric_delegates_agree():
    names = ["f1:0", "f1:Anger", "pair_confusion:0|1", "va_pcc_mean", "va_rmse_mean",
             "va_ccc_mean_per_video", "ece", "official_score", "f1:a|b", "nope", 3, None]
    for m in list(ids.SAMPLE_METRICS) + names:
        assert samples.is_sample_metric(m) == ids.is_sample_metric(m)
        if ids.is_sample_metric(m):
            assert samples.higher_is_better(m) == (ids.metric_direction(m) > 0)
    assert samples.SAMPLE_METRICS is ids.SAMPLE_METRICS
    assert metric_registry.metric_direction is ids.metric_direction
    assert metric_registry.OFFICIAL_SCORE is ids.OFFICIAL_SCORE


def test_unknown_ids():
    with pytest.raises(ConfigError, match="not a metric id affectctl knows"):
        ids.metric_info("macro_f2")
    with pytest.raises(ConfigError, match="must be a metric id string"):
        ids.metric_info(np.float64(1))
    assert ids.sample_statistic("macro_f2") is None
    assert ids.metric_direction("error_distance_p90") == -1  # unknown: the prefix rule
    assert ids.metric_direction("macro_f2") == 1
