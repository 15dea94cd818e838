"""Calibration: type-I error under a simulated null (SciPy test_stats.py style).

Designs are in tests/_calibration.py; the larger runs behind the README figures
come from ``python benchmarks/bench_stats.py --calibration``. Seeds are fixed, so these
tests are deterministic; the bounds are the nominal level plus three binomial standard
errors.
"""

import numpy as np
import pytest

from _calibration import sample_type1, seed_type1

ALPHA = 0.05


def margin(n_sim):
    return 3 * np.sqrt(ALPHA * (1 - ALPHA) / n_sim)


@pytest.mark.parametrize("test", ["wilcoxon", "signflip"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_exact_seed_tests_do_not_exceed_alpha(test, alternative):
    # exact tests are conservative by discreteness: rate <= alpha (+ binomial margin)
    res = seed_type1(test, 8, 2000, alternative=alternative, seed=11)
    assert res.rate <= ALPHA + margin(2000)


def test_paired_ttest_is_calibrated_for_normal_differences():
    res = seed_type1("ttest", 8, 2000, seed=12)
    assert abs(res.rate - ALPHA) <= margin(2000)


@pytest.mark.parametrize("test", ["ar", "bootstrap"])
def test_sample_level_tests_calibrated_on_independent_samples(test):
    res = sample_type1(test, "sample", "iid", 500, seed=13)
    assert abs(res.rate - ALPHA) <= margin(500)


def test_correlated_frames_sample_unit_over_rejects_group_unit_does_not():
    # frames of a video share a per-video accuracy: swapping frames ignores that
    # correlation and rejects far too often; swapping videos keeps the level.
    by_sample = sample_type1("ar", "sample", "video", 500, seed=14)
    by_group = sample_type1("ar", "group", "video", 500, seed=14)
    assert by_sample.rate > ALPHA + 5 * margin(500)
    assert by_group.rate <= ALPHA + margin(500)
