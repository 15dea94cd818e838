"""Paired statistics: over seeds, over samples or videos, classifier tables, corrections, power.

* :mod:`~affectctl.stats.seeds`: exact Wilcoxon, exact sign-flip, paired t over seeds.
* :mod:`~affectctl.stats.samples`: approximate randomization and paired bootstrap of
  non-decomposable metrics (macro-F1, CCC, ...) over samples or groups.
* :mod:`~affectctl.stats.contingency`: McNemar, Bowker, Stuart–Maxwell.
* :mod:`~affectctl.stats.effects`: paired effect sizes.
* :mod:`~affectctl.stats.correction`: Holm / BH / Bonferroni, Westfall–Young max-T.
* :mod:`~affectctl.stats.power`: reachability and seeds needed.

Each family of tests returns its own result type (:mod:`~affectctl.stats.results`):
:class:`SeedTestResult`, :class:`SampleTestResult`, :class:`ContingencyTestResult`;
:data:`PairedTestResult` is their union. Intervals are :class:`Interval` values
(:mod:`~affectctl.stats.intervals`).

``scipy.stats`` and statsmodels are imported inside the functions that use them, never
when a module of this package is imported: importing ``scipy.stats`` takes 0.56 s, and
a single-run ``affectctl compare`` (AR, bootstrap, McNemar, Bowker, Stuart–Maxwell,
Holm) needs neither (issue 30; ``tests/test_start_up.py`` holds the line).
"""

from affectctl.stats.contingency import bowker_test, mcnemar_test, stuart_maxwell_test
from affectctl.stats.intervals import Interval
from affectctl.stats.results import ContingencyTestResult, SampleTestResult, SeedTestResult
from affectctl.stats.correction import adjust_pvalues, westfall_young_maxt
from affectctl.stats.effects import (
    PairedEffectSizes,
    cles_paired,
    cohen_dz,
    mean_diff_ci,
    paired_effect_sizes,
    rank_biserial,
)
from affectctl.stats.power import PowerReport, min_seeds_for_alpha, power_analysis, seeds_for_power, ttest_power
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
from affectctl.stats.seeds import (
    JointNull,
    PairedTestResult,
    joint_signflip_null,
    min_attainable_pvalue,
    paired_ttest,
    signflip_test,
    wilcoxon_test,
)

__all__ = [
    "PairedTestResult",
    "SeedTestResult",
    "SampleTestResult",
    "ContingencyTestResult",
    "Interval",
    "wilcoxon_test",
    "signflip_test",
    "paired_ttest",
    "min_attainable_pvalue",
    "JointNull",
    "joint_signflip_null",
    "PairedPredictions",
    "MetricContext",
    "SAMPLE_METRICS",
    "approximate_randomization",
    "paired_bootstrap",
    "is_sample_metric",
    "higher_is_better",
    "metric_value",
    "mcnemar_test",
    "bowker_test",
    "stuart_maxwell_test",
    "adjust_pvalues",
    "westfall_young_maxt",
    "PairedEffectSizes",
    "paired_effect_sizes",
    "mean_diff_ci",
    "rank_biserial",
    "cohen_dz",
    "cles_paired",
    "PowerReport",
    "power_analysis",
    "min_seeds_for_alpha",
    "seeds_for_power",
    "ttest_power",
]
