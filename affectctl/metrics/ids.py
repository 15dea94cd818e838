"""The one registry of metric ids: direction, family, aliases and sample-level statistic.

Every metric id that :func:`affectctl.metrics.registry.compute_metrics` writes is
described here once, by :func:`metric_info`:

``direction``
    +1 when higher is better, -1 when lower is better (distances, costs,
    calibration errors, RMSE, confusion rates, excluded counts).
``family``
    ``"count"`` (a function of the confusion matrix), ``"continuous"`` (a function
    of per-sample real values: VA, probabilities), ``"au"`` (action units),
    ``"composite"`` (a sum of scores of several families) or ``"bookkeeping"``
    (sample counts, excluded samples).
``sample_statistic``
    The id that the sample-level tests (:mod:`affectctl.stats.samples`) resample
    for this metric, or None when they cannot (per-video CCC, AU scores, ECE, ...).
    An official score maps to its definition: ``abaw3_expr_score`` (mean F1 over the
    8 Aff-Wild2 classes, i.e. the taxonomy's macro-F1) to ``expr_macro_f1``,
    ``abaw3_va_score`` to ``va_ccc_mean`` (ABAW3, Kollias et al., CVPR-W 2022),
    ``abaw2020_expr_score`` to ``abaw2_expr_score`` (the same formula). The composite
    scores (``abaw2_expr_score``, the AU scores, ``abaw_mtl_score``) are functions of
    the same unit sums as their parts (confusion counts, AU counts, CCC sums), so the
    sample-level tests resample them as they are.

Aliases: ``official_score`` stands for the benchmark's headline metric
(:data:`OFFICIAL_SCORE` by taxonomy, or what
:func:`~affectctl.metrics.registry.official_score_id` says for a dump);
``pair_confusion:B|A`` for ``pair_confusion:A|B`` (:func:`resolve_metric_alias`).

>>> metric_info("va_rmse_arousal")
MetricInfo(id='va_rmse_arousal', direction=-1, family='continuous', sample_statistic='va_rmse_arousal')
>>> metric_info("official_score", official="abaw3_expr_score").sample_statistic
'expr_macro_f1'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["MetricInfo", "metric_info", "metric_direction", "sample_statistic", "untested_reason",
           "is_sample_metric", "resolve_metric_alias", "SAMPLE_METRICS", "OFFICIAL_SCORE",
           "FAMILIES"]

FAMILIES = ("count", "continuous", "au", "composite", "bookkeeping")

#: Which metric is a benchmark's headline score, by taxonomy.
OFFICIAL_SCORE = {
    "affwild2-expr8": "abaw3_expr_score",
    "affwild2-expr7": "abaw2_expr_score",
    "affectnet8": "accuracy",
    "affectnet7": "accuracy",
    "rafdb7": "accuracy",
    "fer2013-7": "accuracy",
    "ferplus8": "accuracy",
}

#: Metric ids the sample-level tests accept. ``<k>``, ``<a>``, ``<b>`` are class
#: indices (0-based) or class names (via ``MetricContext.class_names``).
SAMPLE_METRICS = (
    "accuracy",
    "expr_macro_f1",
    "f1:<k>",
    "uar",
    "cohen_kappa",
    "mcc",
    "pair_confusion:<a>|<b>",
    "error_distance_mean",
    "quadrant_preservation",
    "expected_cost",
    "va_ccc_valence",
    "va_ccc_arousal",
    "va_ccc_mean",
    "va_pcc_valence",
    "va_pcc_arousal",
    "va_rmse_valence",
    "va_rmse_arousal",
    "abaw2_expr_score",
    "au_f1_mean",
    "au_f1:<AU>",
    "au_accuracy_mean",
    "abaw3_au_score",
    "abaw2_au_score",
    "abaw2020_au_score",
    "abaw_mtl_score",
)


@dataclass(frozen=True)
class MetricInfo:
    """What the package knows about one metric id (see the module docstring)."""

    id: str
    direction: int
    family: str
    sample_statistic: str | None


# (direction, family, sample statistic: True = the id itself, a str = that id, None = none)
_FIXED = {
    "accuracy": (1, "count", True),
    "expr_macro_f1": (1, "count", True),
    "uar": (1, "count", True),
    "cohen_kappa": (1, "count", True),
    "mcc": (1, "count", True),
    "error_distance_mean": (-1, "count", True),
    "quadrant_preservation": (1, "count", True),
    "geometry_excluded_errors": (-1, "bookkeeping", None),
    "expected_cost_excluded_samples": (-1, "bookkeeping", None),
    "n_samples": (1, "bookkeeping", None),
    "n_expr_frames": (1, "bookkeeping", None),
    "expected_cost": (-1, "continuous", True),
    "expected_cost_votes": (-1, "continuous", None),
    "confidence_mean": (1, "continuous", None),
    "ece": (-1, "continuous", None),
    "ece_votes": (-1, "continuous", None),
    "va_ccc_mean": (1, "continuous", True),
    "va_ccc_mean_per_video": (1, "continuous", None),
    "au_f1_mean": (1, "au", True),
    "au_accuracy_mean": (1, "au", True),
    "abaw3_expr_score": (1, "count", "expr_macro_f1"),
    "abaw2_expr_score": (1, "count", True),
    "abaw2020_expr_score": (1, "count", "abaw2_expr_score"),
    "abaw3_va_score": (1, "continuous", "va_ccc_mean"),
    "abaw3_au_score": (1, "au", True),
    "abaw2_au_score": (1, "au", True),
    "abaw2020_au_score": (1, "au", True),
    "abaw_mtl_score": (1, "composite", True),
}
# Prefixes of ids outside the table (unknown or user ids) that are lower-is-better.
_LOWER_IS_BETTER_PREFIXES = ("error_distance", "expected_cost", "ece", "va_rmse", "pair_confusion",
                             "geometry_excluded")


def _lookup(metric: str):
    if metric in _FIXED:
        return _FIXED[metric]
    if re.fullmatch(r"f1:[^|]+", metric):
        return (1, "count", True)
    if re.fullmatch(r"pair_confusion:[^|]+\|[^|]+", metric):
        return (-1, "count", True)
    if re.fullmatch(r"au_f1:.+", metric):
        return (1, "au", True)
    m = re.fullmatch(r"va_(ccc|pcc|rmse|sagr)_(valence|arousal)(_per_video)?", metric)
    if m and not (m.group(3) and m.group(1) != "ccc"):
        kind, _, per_video = m.groups()
        return (-1 if kind == "rmse" else 1, "continuous",
                True if kind != "sagr" and not per_video else None)
    return None


def metric_info(metric: str, *, official: str | None = None) -> MetricInfo:
    """Direction, family and sample-level statistic of ``metric``.

    Parameters
    ----------
    metric : str
        A metric id of :func:`~affectctl.metrics.registry.compute_metrics`, or
        ``official_score``.
    official : str, optional
        The id ``official_score`` stands for (``official_score_id(dump)``); without it
        ``official_score`` has direction +1, family and statistic unknown (None).

    Raises
    ------
    ConfigError
        ``metric`` is not a known id.
    """
    if not isinstance(metric, str):
        raise ConfigError(f"`metric` must be a metric id string; got {metric!r}.")
    if metric == "official_score":
        if official is None:
            return MetricInfo(metric, 1, None, None)
        inner = metric_info(official)
        return MetricInfo(metric, inner.direction, inner.family, inner.sample_statistic)
    found = _lookup(metric)
    if found is None:
        raise ConfigError(f"`metric` {metric!r} is not a metric id affectctl knows (see "
                          "affectctl.metrics.registry).")
    direction, family, stat = found
    return MetricInfo(metric, direction, family, metric if stat is True else stat)


def metric_direction(metric_id: str) -> int:
    """+1 when higher is better, −1 when lower is better (:func:`metric_info`; an id the
    registry does not know gets −1 if it starts like a distance/cost/error id, else +1)."""
    found = _lookup(metric_id) if isinstance(metric_id, str) else None
    if found is not None:
        return found[0]
    return -1 if str(metric_id).startswith(_LOWER_IS_BETTER_PREFIXES) else 1


def sample_statistic(metric: str, official: str | None = None) -> str | None:
    """The id the sample-level tests resample for ``metric`` (None: they cannot)."""
    try:
        return metric_info(metric, official=official).sample_statistic
    except ConfigError:
        return None


def untested_reason(metric: str, official: str | None = None) -> str | None:
    """Why the sample-level tests do not resample ``metric`` (None when they do).

    >>> untested_reason("va_ccc_valence_per_video")
    'a mean of per-video CCCs is not a function of a few unit sums; va_ccc_valence (pooled) is tested'
    """
    if sample_statistic(metric, official) is not None:
        return None
    try:
        info = metric_info(metric, official=official)
    except ConfigError:
        return "not a metric id affectctl knows"
    if info.family == "bookkeeping":
        return "a sample count, not a score"
    m = re.fullmatch(r"va_ccc_(valence|arousal|mean)_per_video", metric)
    if m:
        return (f"a mean of per-video CCCs is not a function of a few unit sums; "
                f"va_ccc_{m.group(1)} (pooled) is tested")
    if metric == "official_score":
        return "the benchmark's headline metric is not known for these runs"
    return "the sample-level engines have no unit sums for this metric (not implemented)"


def is_sample_metric(metric) -> bool:
    """Whether ``metric`` is an id the sample-level tests accept (class names not checked)."""
    return isinstance(metric, str) and sample_statistic(metric) == metric


def resolve_metric_alias(metric: str, available) -> str:
    """The id under which ``available`` holds ``metric``.

    ``pair_confusion:B|A`` names the same (symmetric) metric as ``pair_confusion:A|B``,
    which :func:`~affectctl.metrics.registry.compute_metrics` writes in taxonomy order;
    any other id is returned as given.

    >>> resolve_metric_alias("pair_confusion:Fear|Anger", {"pair_confusion:Anger|Fear"})
    'pair_confusion:Anger|Fear'
    """
    if metric.startswith("pair_confusion:") and metric not in available and "|" in metric:
        a, _, b = metric[len("pair_confusion:"):].partition("|")
        twin = f"pair_confusion:{b}|{a}"
        if twin in available:
            return twin
    return metric
