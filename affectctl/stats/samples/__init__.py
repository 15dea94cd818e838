"""Sample-level paired tests for non-decomposable metrics: approximate randomization and bootstrap.

Seed-level tests (:mod:`affectctl.stats.seeds`) have few pairs. Within one seed,
two systems are also paired *sample by sample*: the same frames, the same truth.
Macro-F1, UAR, κ, MCC, CCC are not means over samples, so a paired t-test on
per-sample scores does not apply; these tests recompute the metric on resampled
data instead (Noreen 1989; Riezler & Maxwell 2005; Dror et al. 2018).

* :func:`approximate_randomization` swaps the two systems' outputs on a random
  half of the units (H0: the systems are exchangeable on every unit).
* :func:`paired_bootstrap` resamples units with replacement, **the same units for
  both systems**, and gives a CI of metric(A) - metric(B) and a p-value.

A *stratum* is one seed (:class:`PairedPredictions`); with several strata the
statistic is the mean over strata of metric(A_s) - metric(B_s), and resampling
happens within each stratum independently.

Units
-----
``unit="group"`` resamples whole groups (videos): frames of a video are
correlated, and treating them as independent units makes the test anti-
conservative (see ``benchmarks/bench_stats.py --calibration``). ``unit="sample"``
is for data whose samples are independent (still images).

Fast by construction
--------------------
Count-based metrics depend on the data only through the histogram of
(truth, prediction A, prediction B) cells (at most K³ cells). With
``unit="sample"``, an AR replicate moves ``X ~ Binomial(c, 1/2)`` samples from
cell (t, a, b) to (t, b, a); pairing the two mirror cells needs one draw per
unordered pair: the net transfer is ``Binomial(c_ab + c_ba, 1/2) - c_ba``. A
bootstrap replicate is a multinomial over cells. Replicate confusion matrices
form ``(R, K, K)`` stacks fed to :mod:`affectctl.metrics.confusion`, so a
replicate costs O(K³), whatever the number of samples. With ``unit="group"``,
per-group confusion matrices (or sufficient sums for CCC/PCC/RMSE, per-group sums
for expected cost) form a ``(G, F)`` matrix and a batch of replicates is one
matrix product with a ``(B, G)`` 0/1 swap matrix (AR) or multinomial count
matrix (bootstrap). Replicates are processed in batches, so memory does not
grow with ``n_resamples``.

Continuous metrics with ``unit="sample"`` (CCC, PCC, RMSE, expected cost) have
no such histogram: an exact replicate needs one random bit (AR) or one
multinomial count (bootstrap) per sample. ``sums="exact"`` draws exactly that
distribution, grouping first: units that share one feature row (``d = 0`` wherever
A and B agree, one-hot costs, counts) get one exact ``Binomial(n_v, 1/2)`` (AR) or
one multinomial count (bootstrap) per distinct row, and only the units with a row of
their own get a bit or count each (:mod:`affectctl.stats.samples._ties`). Nothing
is rounded: the products run in float64 (integers exactly; for AR, integer-valued
columns go to a compiled bit-plane kernel when numba is installed,
:mod:`affectctl.stats.samples._numba_ar_kernel`). Lattice data are fast this way: issue 23's
case, 10**6 samples with 10**4 replicates, takes well under a second
(``benchmarks/bench_stats.py --lattice``). With at least ``2**16`` units
(``sums="auto"``, the default), the replicate's unit sums are drawn instead from
their exact first two moments, the units of largest leverage exactly and the
rest from a moment-matched normal, whenever the Edgeworth bound of that
approximation is below a tenth of the Monte-Carlo standard error, and so is the
lattice term of every feature column that takes at most ``LATTICE_MAX_VALUES``
distinct values (half an atom of its discrete null, which the normal smears out); the
metric is then computed exactly from
each replicate's sums, so a replicate costs O(F²) whatever the number of samples
(:mod:`affectctl.stats.samples._gaussian` gives the moments, the bound and its
sources; the result's ``note`` the diagnostic, or why the Gaussian sums were
declined).

Modules
-------
``_containers`` (MetricContext, PairedPredictions), ``_registry`` (metric ids),
``_features`` (per-stratum unit features), ``_engines`` (exact engines), ``_ties``
(units that share a feature row),
``_gaussian`` (Gaussian replicate sums), ``_paired`` (the two tests), ``_hierarchical``
(the two-level bootstrap over seeds and units, :func:`hierarchical_bootstrap`).

Reproducibility
---------------
The same ``rng`` seed gives the same replicates for the same data, affectctl
version and numpy version; the order in which random numbers are consumed
follows the internal batch layout, so it is not promised across versions.
"""

from affectctl.stats.samples._containers import MetricContext, PairedPredictions
from affectctl.stats.samples._gaussian import SUMS
from affectctl.stats.samples._hierarchical import (
    HierarchicalResult,
    hierarchical_bootstrap,
    seed_correction,
    two_level_interval,
    variance_components,
)
from affectctl.stats.samples._paired import UNITS, approximate_randomization, metric_value, paired_bootstrap
from affectctl.stats.samples._registry import SAMPLE_METRICS, higher_is_better, is_sample_metric

__all__ = [
    "MetricContext",
    "PairedPredictions",
    "SAMPLE_METRICS",
    "SUMS",
    "UNITS",
    "approximate_randomization",
    "hierarchical_bootstrap",
    "HierarchicalResult",
    "variance_components",
    "seed_correction",
    "two_level_interval",
    "paired_bootstrap",
    "is_sample_metric",
    "higher_is_better",
    "metric_value",
]
