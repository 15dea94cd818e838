"""paired_ttest is SciPy's ttest_rel: the same t and p to the last bit, every alternative."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from affectctl.stats.seeds import paired_ttest


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_paired_ttest_equals_ttest_rel_exactly(alternative):
    rng = np.random.default_rng(24)
    for n in range(2, 12):
        for _ in range(20):
            a, b = rng.normal(0.6, 0.05, n), rng.normal(0.6, 0.05, n)
            if np.all(a - b == (a - b)[0]):
                continue
            ours, ref = paired_ttest(a, b, alternative=alternative), stats.ttest_rel(a, b, alternative=alternative)
            assert ours.statistic == ref.statistic
            assert ours.pvalue == ref.pvalue

