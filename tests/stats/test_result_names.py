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
