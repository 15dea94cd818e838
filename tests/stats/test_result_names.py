"""Every test result answers to ``p_value``, the name its record and every table use."""

from __future__ import annotations

import numpy as np

from affectctl.stats.seeds import paired_ttest


def test_results_answer_to_p_value_as_the_records_name_it():
    from affectctl.controls.error_null import error_distance_null
    from affectctl.stats.equivalence import tost_paired_t
    from affectctl.stats.seeds import wilcoxon_test

    a, b = np.array([0.61, 0.64, 0.59, 0.66, 0.62]), np.array([0.58, 0.60, 0.60, 0.61, 0.57])
    for res in (paired_ttest(a, b), wilcoxon_test(a, b, alpha=None), tost_paired_t(a, b, 0.05)):
        assert res.p_value == res.pvalue
        assert "p_value" not in res.to_record() or res.to_record()["p_value"] == res.pvalue
    cm = np.array([[8, 2, 0], [1, 7, 2], [0, 3, 9]])
    cost = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    null = error_distance_null(cm, cost, n_resamples=99, rng=0)
    assert null.p_value == null.pvalue


def test_each_family_has_its_own_result_type_and_one_record_layout():
    import pytest

    from affectctl.stats.contingency import bowker_test, mcnemar_test
    from affectctl.stats.results import (
        RECORD_KEYS, ContingencyTestResult, SampleTestResult, SeedTestResult,
    )
    from affectctl.stats.samples import PairedPredictions, approximate_randomization, paired_bootstrap

    a, b = np.array([0.61, 0.64, 0.59, 0.66, 0.62]), np.array([0.58, 0.60, 0.60, 0.61, 0.57])
    seed = paired_ttest(a, b)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    pa = np.where(rng.random(200) < 0.8, y, rng.integers(0, 3, 200))
    pb = np.where(rng.random(200) < 0.7, y, rng.integers(0, 3, 200))
    s = PairedPredictions(y, pa, pb, n_classes=3)
    ar = approximate_randomization([s], "accuracy", unit="sample", n_resamples=99, rng=1, alpha=None)
    boot = paired_bootstrap([s], "accuracy", unit="sample", n_resamples=99, rng=1, alpha=None)
    mc, bw = mcnemar_test(y, pa, pb), bowker_test(pa, pb, 3, y_true=y)
    assert isinstance(seed, SeedTestResult) and seed.unit == "seed"
    assert isinstance(ar, SampleTestResult) and isinstance(boot, SampleTestResult)
    assert isinstance(mc, ContingencyTestResult) and isinstance(bw, ContingencyTestResult)
    for res in (seed, ar, boot, mc, bw):
        assert tuple(res.to_record()) == RECORD_KEYS
        assert res.to_record()["pvalue"] == res.p_value
    # AR has no interval of its own: no NaN bounds to misread, the bootstrap gives one
    assert ar.interval is None and ar.unit == "sample"
    with pytest.raises(AttributeError, match="no interval"):
        ar.ci_low
    assert boot.ci_method == "bootstrap_percentile" and boot.ci_low <= boot.mean_diff <= boot.ci_high
    assert seed.ci_method == "student_t" and mc.ci_method == "wald" and bw.interval is None
