"""Walk the public API of affectctl.stats with bad arguments (scikit-learn
test_public_functions.py style): every error names the parameter, the allowed values and
the value received, and is a ValueError (ConfigError / PairingError)."""

import re

import numpy as np
import pytest

from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl.stats import (
    PairedPredictions,
    approximate_randomization,
    cohen_dz,
    min_attainable_pvalue,
    paired_bootstrap,
    paired_effect_sizes,
    paired_ttest,
    power_analysis,
    seeds_for_power,
    signflip_test,
    westfall_young_maxt,
    wilcoxon_test,
)

A = np.array([0.61, 0.62, 0.60, 0.64, 0.63, 0.65, 0.66])
B = np.array([0.60, 0.60, 0.61, 0.61, 0.60, 0.61, 0.62])
RNG = np.random.default_rng(0)
Y = RNG.integers(0, 3, 60)
STRATUM = PairedPredictions(Y, (Y + (RNG.random(60) < 0.3)) % 3, (Y + (RNG.random(60) < 0.4)) % 3,
                            3, group=np.arange(60) // 6)

ALT_MSG = re.escape("`alternative` must be one of {'two-sided', 'greater', 'less'}; got 'both'.")

# (name, callable taking **kwargs) for every public function with `alternative`
WITH_ALTERNATIVE = [
    ("wilcoxon_test", lambda **kw: wilcoxon_test(A, B, **kw)),
    ("signflip_test", lambda **kw: signflip_test(A, B, **kw)),
    ("paired_ttest", lambda **kw: paired_ttest(A, B, **kw)),
    ("approximate_randomization", lambda **kw: approximate_randomization(
        STRATUM, "accuracy", n_resamples=99, **kw)),
    ("paired_bootstrap", lambda **kw: paired_bootstrap(STRATUM, "accuracy", n_resamples=99,
                                                        **kw)),
    ("westfall_young_maxt", lambda **kw: westfall_young_maxt([1.0], np.zeros((5, 1)), **kw)),
    ("min_attainable_pvalue", lambda **kw: min_attainable_pvalue("wilcoxon", 5, **kw)),
    ("power_analysis", lambda **kw: power_analysis(**kw)),
    ("seeds_for_power", lambda **kw: seeds_for_power(0.01, 0.02, **kw)),
]

WITH_RESAMPLES = [
    ("signflip_test", lambda **kw: signflip_test(A, B, exact=False, **kw)),
    ("approximate_randomization", lambda **kw: approximate_randomization(STRATUM, "accuracy",
                                                                         **kw)),
    ("paired_bootstrap", lambda **kw: paired_bootstrap(STRATUM, "accuracy", **kw)),
]

PAIRED_1D = [wilcoxon_test, signflip_test, paired_ttest, paired_effect_sizes, cohen_dz]


@pytest.mark.parametrize("name,call", WITH_ALTERNATIVE, ids=[n for n, _ in WITH_ALTERNATIVE])
def test_bad_alternative(name, call):
    with pytest.raises(ConfigError, match=ALT_MSG):
        call(alternative="both")
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize("name,call", WITH_RESAMPLES, ids=[n for n, _ in WITH_RESAMPLES])
@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "99", None])
def test_bad_n_resamples(name, call, bad):
    with pytest.raises(ConfigError, match=re.escape("`n_resamples` must be an integer >= 1; got "
                                                    f"{bad!r}.")):
        call(n_resamples=bad)


@pytest.mark.parametrize("name,call", WITH_RESAMPLES, ids=[n for n, _ in WITH_RESAMPLES])
@pytest.mark.parametrize("bad", [-1, 1.5, "seed", np.random.RandomState(0)])
def test_bad_rng(name, call, bad):
    with pytest.raises(ConfigError, match=r"`rng` must be None, an int >= 0 or a "
                                          r"numpy.random.Generator; got"):
        call(rng=bad)


@pytest.mark.parametrize("func", [wilcoxon_test, signflip_test, paired_ttest, paired_bootstrap],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [0.0, 1.0, 95, "0.95"])
def test_bad_confidence(func, bad):
    args = (STRATUM, "accuracy") if func is paired_bootstrap else (A, B)
    with pytest.raises(ConfigError, match=re.escape("`confidence` must be a number in the open "
                                                    f"interval (0, 1); got {bad!r}.")):
        func(*args, confidence=bad)


@pytest.mark.parametrize("func", PAIRED_1D, ids=lambda f: f.__name__)
def test_mismatched_lengths(func):
    with pytest.raises(PairingError, match=r"`a` and `b` must have the same length \(one value "
                                           r"per paired seed\); got 7 and 6\."):
        func(A, B[:6])


@pytest.mark.parametrize("func", PAIRED_1D, ids=lambda f: f.__name__)
def test_nan_input(func):
    bad = A.copy()
    bad[2] = np.nan
    with pytest.raises(ConfigError, match=r"`a` must be finite; got NaN or inf at position\(s\) "
                                          r"\[2\]"):
        func(bad, B)
    with pytest.raises(ConfigError, match=r"`b` must be 1-D"):
        func(A, np.ones((7, 2)))


@pytest.mark.parametrize("func", [wilcoxon_test, signflip_test, paired_ttest],
                         ids=lambda f: f.__name__)
def test_all_zero_differences_warn_and_p_is_one(func):
    with pytest.warns(DegenerateDataWarning, match="every paired difference is zero"):
        res = func(A, A.copy())
    assert res.pvalue == 1.0


@pytest.mark.parametrize("func", [approximate_randomization, paired_bootstrap],
                         ids=lambda f: f.__name__)
def test_sample_level_identical_systems_warn_and_p_is_one(func):
    same = PairedPredictions(STRATUM.y_true, STRATUM.pred_a, STRATUM.pred_a, 3,
                             group=STRATUM.group)
    with pytest.warns(DegenerateDataWarning):
        res = func(same, "expr_macro_f1", n_resamples=99, rng=0)
    assert res.pvalue == 1.0


@pytest.mark.parametrize("func", [approximate_randomization, paired_bootstrap],
                         ids=lambda f: f.__name__)
def test_sample_level_options(func):
    with pytest.raises(ConfigError, match=re.escape("`unit` must be one of {'group', 'sample'}; "
                                                    "got 'video'.")):
        func(STRATUM, "accuracy", unit="video")
    with pytest.raises(ConfigError, match=r"`metric` must be one of \("):
        func(STRATUM, "f1_macro")
    with pytest.raises(ConfigError, match=r"`strata` must be a non-empty sequence"):
        func([], "accuracy")
    with pytest.raises(ConfigError, match=r"`strata\[0\]` must be a PairedPredictions"):
        func([(Y, Y)], "accuracy")
    with pytest.raises(ConfigError, match=re.escape("`return_null` must be one of {None, True, "
                                                    "False}; got 'yes'.")):
        func(STRATUM, "accuracy", return_null="yes")
    with pytest.raises(ConfigError, match=re.escape("`alpha` must be a number in the open "
                                                    "interval (0, 1); got 5.")):
        func(STRATUM, "accuracy", alpha=5)


def test_paired_predictions_validation():
    y = np.array([0, 1, 2, -1])
    with pytest.raises(PairingError, match=r"`pred_b` must have the same length as `y_true` "
                                           r"\(4\); got 3\."):
        PairedPredictions(y, y, y[:3], 3)
    with pytest.raises(ConfigError, match=r"`pred_a` must lie in \[0, 3\) on annotated samples"):
        PairedPredictions(y, np.array([0, 1, 3, 0]), y, 3)
    with pytest.raises(ConfigError, match=r"`y_true` must lie in \[-1, 3\)"):
        PairedPredictions(np.array([0, 1, 2, -2]), y, y, 3)
    with pytest.raises(ConfigError, match=r"`pred_a` must hold integer class labels"):
        PairedPredictions(y, np.array([0, 1, np.nan, 0]), y, 3)
    with pytest.raises(ConfigError, match=r"`n_classes` must be an integer >= 2; got 1"):
        PairedPredictions(y, y, y, 1)
    vt = np.zeros((4, 2))
    va = np.zeros((4, 2))
    va[1, 0] = np.nan
    with pytest.raises(ConfigError, match=r"`va_a` must be finite wherever `va_true` is "
                                          r"annotated"):
        PairedPredictions(y, np.abs(y), np.abs(y), 3, va_true=vt, va_a=va, va_b=vt)
    vt2 = vt.copy()
    vt2[1, 0] = np.nan
    PairedPredictions(y, np.abs(y), np.abs(y), 3, va_true=vt2, va_a=va, va_b=vt)  # excluded: ok
    with pytest.raises(ConfigError, match=r"`va_true`, `va_a` and `va_b` must be given together"):
        PairedPredictions(y, np.abs(y), np.abs(y), 3, va_true=vt)
    with pytest.raises(PairingError, match=r"`group` must have shape \(4,\)"):
        PairedPredictions(y, np.abs(y), np.abs(y), 3, group=[1, 2])


def test_min_attainable_validation():
    with pytest.raises(ConfigError, match=re.escape("`test` must be one of {'wilcoxon', "
                                                    "'signflip', 'ttest', 'ar', 'bootstrap', "
                                                    "'hierarchical'}; "
                                                    "got 'sign'.")):
        min_attainable_pvalue("sign", 5, "two-sided")
    with pytest.raises(ConfigError, match=r"`n` must be an integer >= 0; got -1"):
        min_attainable_pvalue("wilcoxon", -1, "two-sided")
    with pytest.raises(ConfigError, match=r"`n_resamples` must be given"):
        min_attainable_pvalue("ar", 5, "two-sided")


def test_seed_options():
    with pytest.raises(ConfigError, match=re.escape("`zero_method` must be one of {'wilcox', "
                                                    "'pratt'}; got 'zsplit'.")):
        wilcoxon_test(A, B, zero_method="zsplit")
    with pytest.raises(ConfigError, match=r"`exact`=True enumerates 2\*\*m sign assignments"):
        signflip_test(np.arange(1.0, 31.0), np.zeros(30), exact=True)
    with pytest.raises(ConfigError, match=r"need at least 2 paired values for a t-test; got 1"):
        paired_ttest([1.0], [0.0])
