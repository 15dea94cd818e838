"""Compare training conditions run over the same seeds: ``compare(runs, baseline, others)``.

Every condition is compared with the baseline (difference = condition − baseline) and,
when present, the control contrast (``circumplex`` against ``uniform``) and any pair
named in ``contrasts``. For each headline metric:

- across seeds: exact Wilcoxon signed-rank, exact sign-flip and paired t tests on the
  per-seed values (:mod:`affectctl.stats.seeds`);
- across samples: approximate randomization or paired bootstrap on the pooled
  predictions, seeds as strata, the exchangeable unit being the video (``group``)
  when the dumps have one (:mod:`affectctl.stats.samples`);
- per seed: McNemar on correctness, Bowker's symmetry test on the paired predictions
  ("did the errors change, not their number") and Stuart–Maxwell's test of marginal
  homogeneity ("does either system predict some class more often").

One run per condition (two published checkpoints, two files from other labs) is a
first-class case: the seed-level tests need at least two runs and are not run (the
result says why in one line, :data:`SINGLE_RUN_NOTE`); everything else is, and the
result carries, per pair, the paired-bootstrap CI of every headline difference and of
every per-class F1 difference (``ComparisonResult.differences``).

Multiplicity: within each test family (all comparisons × metrics tested with one
test; each equivalence procedure is its own family) p-values are adjusted with Holm by
default (statsmodels); undefined p-values stay NaN and are left out of the family. A
metric or contrast named twice is tested and counted once; ``official_score`` named
beside the metric it stands for keeps both rows, counted once.

One answer per comparison: :mod:`.verdicts` chooses the primary test (the exact
seed-level test when it can reach alpha, else the sample-level test) and gives, per
(a, b, metric), its estimate, its own interval, its p-values and the verdict
(``ComparisonResult.verdicts``, ``results.json["verdicts"]``, columns
:data:`~affectctl.compare.verdicts.VERDICT_COLUMNS`). With ``margin`` or ``rope``
equivalence (TOST, non-inferiority) and Bayesian ROPE records join the comparisons.

Where each part lives: :mod:`.core` (:func:`compare`, the list of its steps),
:mod:`.steps` (the steps, their option checks and the test families), :mod:`.result` (:class:`ComparisonResult`), :mod:`.verdicts` (primary
test and verdicts), :mod:`.parts` (single-run
differences, metric checks, messages naming the runs, the Westfall–Young family).
The option values it shares with other analyses (``alternative``, ``correction``,
``seed_tests``) come from :mod:`affectctl._util.validation`.
"""

from __future__ import annotations

from affectctl._util.validation import SEED_TESTS
from affectctl.compare.core import DEFAULT_METRICS, SINGLE_RUN_NOTE, compare
from affectctl.compare.result import ComparisonResult
from affectctl.compare.verdicts import VERDICT_COLUMNS, VERDICTS

__all__ = ["ComparisonResult", "compare", "DEFAULT_METRICS", "SEED_TESTS", "SINGLE_RUN_NOTE",
           "VERDICT_COLUMNS", "VERDICTS"]
