"""Rare-pair degeneracy diagnostics: which class pairs stay confused whatever the training does.

The study behind affectctl found that rare classes fail because they are
*degenerate*: they sit close together on the valence–arousal (VA) circumplex and
are confused with each other under every loss, cost and reweighting tried
(anger–fear on Aff-Wild2, anger–contempt on AffectNet; arXiv:2606.15763).
:func:`diagnose` turns that finding into a check any run set can be put through:

1. **Pair table.** For every unordered class pair ``(a, b)`` and every run: the
   support of both classes, the symmetric confusion rate, the rate a classifier
   with the same prediction shares but blind to the input would reach (*chance*),
   the VA distance of the class coordinates and, when the dumps carry VA
   annotations, the overlap of the two classes' VA distributions.
2. **Persistence.** For every pair and every intervention, the paired change of the
   pair's confusion rate against the baseline over seeds, with exact one-sided
   Wilcoxon and sign-flip tests (:mod:`affectctl.stats.seeds`) and effect sizes.
3. **Verdict.** A pair is *degenerate* when it is heavily confused under the
   baseline, close on the circumplex, and no intervention resolved it
   (:class:`DegeneracyThresholds` states every threshold).
4. **Cost.** The macro-F1 that resolving the pair's mutual confusions would give
   (an upper bound) and the gain over the actual macro-F1.
5. **Representation** (optional, dumps with ``emb_<i>`` columns): linear-probe AUC,
   Fisher ratio and cluster scores (:mod:`affectctl.controls.representation`).

Where each step lives: the pair arithmetic (rates, chance rates, resolved macro-F1) in
:mod:`affectctl.metrics.class_pairs`; :mod:`.overlap` (VA overlap); :mod:`.pair_table` (the pair
table of every run); :mod:`.thresholds` (:data:`STATUSES`,
:class:`DegeneracyThresholds`); :mod:`.verdicts` (persistence tests and verdicts);
:mod:`.result` (:class:`DiagnosisResult`); :mod:`.core` (:func:`diagnose`).

Definitions
-----------
With ``C`` the confusion matrix of one run (rows true, columns predicted), ``n_k``
the row sums (support), ``N = sum(n)`` and ``q_k = (sum_i C_ik) / N`` the share of
predictions that are class ``k``:

confusion rate
    :math:`r_{ab} = (C_{ab} + C_{ba}) / (n_a + n_b)`, the share of the two classes'
    samples predicted as the other class of the pair
    (:func:`affectctl.metrics.confusion.pair_confusion_rate`).
chance rate
    :math:`r^0_{ab} = (n_a q_b + n_b q_a) / (n_a + n_b)`, the expected rate of a
    classifier whose predictions have the same class shares but are independent of
    the input (the expectation under independence of true and predicted labels
    used by Cohen's κ, Cohen 1960). ``lift = mean r / mean r^0`` over seeds.
VA distance
    Euclidean distance of the class coordinates of the geometry
    (:mod:`affectctl.domain.geometries`); ``geometry="data"`` uses the per-class mean of the
    dumps' own ``v_true, a_true``.
VA overlap
    Bhattacharyya coefficient of 2-D Gaussians fitted to the two classes' VA
    annotations (:func:`bhattacharyya_coefficient`): 1 for identical
    distributions, → 0 for disjoint ones.
resolved macro-F1
    The macro-F1 after moving ``C[a, b]`` to ``C[a, a]`` and ``C[b, a]`` to
    ``C[b, b]`` (:func:`resolved_macro_f1`): every mutual confusion of the pair
    becomes correct. An upper bound on what separating the pair could bring.

References
----------
Each measure's sources are in the module that computes it: Cohen (1960) for the chance
rate (:mod:`affectctl.metrics.class_pairs`), Bhattacharyya (1943) and Fukunaga (1990) for the
VA overlap (:mod:`.overlap`), Holm (1979) for the adjustment (:mod:`.verdicts`).
"""

from __future__ import annotations

from affectctl.metrics.class_pairs import (
    chance_confusion_rates,
    pair_confusion_rates,
    pair_indices,
    resolved_macro_f1,
)
from affectctl.diagnose.core import diagnose
from affectctl.diagnose.overlap import bhattacharyya_coefficient, va_overlap_coefficient
from affectctl.diagnose.pair_table import pair_table
from affectctl.diagnose.result import DiagnosisResult
from affectctl.diagnose.thresholds import STATUSES, DegeneracyThresholds
from affectctl.diagnose.verdicts import _pct  # noqa: F401 (the percent format the CLI shares)

__all__ = [
    "DegeneracyThresholds",
    "DiagnosisResult",
    "STATUSES",
    "diagnose",
    "pair_table",
    "pair_indices",
    "pair_confusion_rates",
    "chance_confusion_rates",
    "resolved_macro_f1",
    "bhattacharyya_coefficient",
    "va_overlap_coefficient",
]
