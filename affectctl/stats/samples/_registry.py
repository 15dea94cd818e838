"""Metric ids of the sample-level tests: parsing, direction, the function of the unit sums.

Which ids exist and their direction live in :mod:`affectctl.metrics.ids` (the one
metric registry); this module turns an id into the function of the unit sums that
the engines resample. A metric here is a function of *additive unit features* (a confusion matrix
flattened, or the sufficient sums of CCC/PCC/RMSE, or (n, cost) for the expected
cost), so that a resampled metric is that function of resampled sums.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

import numpy as np

from ...errors import ConfigError
from ...metrics import confusion as cmx
from ...metrics import regression as reg
from ...metrics.ids import SAMPLE_METRICS, metric_direction
from ...metrics.ids import is_sample_metric as _is_sample_metric
from ._containers import MetricContext

__all__ = ["SAMPLE_METRICS", "is_sample_metric", "higher_is_better"]


@dataclass(frozen=True)
class _Metric:
    id: str
    kind: str                   # unit features: "confusion" | "va" | "cost" | "parts"
    fn: object                  # features (..., F) -> values (...)
    dims: tuple = ()            # VA dimensions used (0 valence, 1 arousal)
    check: object = None        # observed-data check: cm -> message or None
    # kind "parts": feature blocks side by side, ("confusion",), ("va", dims) or
    # ("au", column indices); see _features._part_columns
    parts: tuple = ()


def _cm(f, k):
    return f.reshape(f.shape[:-1] + (k, k))


def _resolve_class(token: str, k: int, context, metric: str) -> int:
    token = token.strip()
    if re.fullmatch(r"-?\d+", token):
        idx = int(token)
    else:
        names = None if context is None else context.class_names
        if names is None or token not in names:
            raise ConfigError(f"`metric` {metric!r} names class {token!r}, which is neither a "
                              f"class index in [0, {k}) nor one of `context.class_names` "
                              f"({names!r}).")
        idx = names.index(token)
    if not 0 <= idx < k:
        raise ConfigError(f"`metric` {metric!r}: class index must lie in [0, {k}); got {idx}.")
    return idx


def _au_f1(f):
    """Per-AU F1 = 2TP / (2TP + FP + FN) from blocks (TP, FP, FN, n) per AU, 0 when undefined
    (:func:`affectctl.metrics.action_units.au_f1_per_unit`)."""
    f = f.reshape(f.shape[:-1] + (-1, 4))
    tp, fp, fn = f[..., 0], f[..., 1], f[..., 2]
    den = 2.0 * tp + fp + fn
    return np.where(den > 0, 2.0 * tp / np.where(den > 0, den, 1.0), 0.0)


def _au_accuracy(f):
    """Per-AU accuracy (n - FP - FN) / n, NaN for an AU without annotated frame
    (:func:`affectctl.metrics.action_units.au_accuracy_per_unit`)."""
    f = f.reshape(f.shape[:-1] + (-1, 4))
    n = f[..., 3]
    return np.where(n > 0, (n - f[..., 1] - f[..., 2]) / np.where(n > 0, n, 1.0), np.nan)


def _au_columns(metric, names, context):
    """Column indices of the AU set ``names`` in ``context.au_names`` (ConfigError if absent)."""
    have = None if context is None else context.au_names
    if have is None:
        raise ConfigError(f"`metric` {metric!r} needs `context.au_names` (the names of the AU "
                          "columns); got None.")
    missing = [a for a in names if a not in have]
    if missing:
        raise ConfigError(f"`metric` {metric!r} needs the AUs {list(names)}; `context.au_names` "
                          f"lacks {missing}.")
    return tuple(have.index(a) for a in names)


def _composite(metric, k, context):
    """The official scores that combine several parts (ABAW challenge papers; formulas as in
    :func:`affectctl.metrics.registry.compute_metrics`), or None for another id."""
    from ...io.schema import ABAW2020_AUS, ABAW_AUS

    if metric == "abaw2_expr_score":        # ABAW 2020 / ABAW2: 0.67 F1 + 0.33 accuracy
        def expr2(f):
            cm = _cm(f, k)
            return 0.67 * cmx.macro_f1_score(cm, on_empty=0.0) + 0.33 * cmx.accuracy_score(cm)
        return _Metric(metric, "confusion", expr2, check=_macro_f1_check)
    if metric == "au_f1_mean":              # mean F1 over every AU column
        return _Metric(metric, "parts", lambda f: _au_f1(f).mean(axis=-1), parts=(("au", None),))
    if metric == "au_accuracy_mean":        # mean accuracy over the AUs with annotations
        return _Metric(metric, "parts", lambda f: np.nanmean(_au_accuracy(f), axis=-1),
                       parts=(("au", None),))
    if metric.startswith("au_f1:"):
        cols = _au_columns(metric, (metric[len("au_f1:"):],), context)
        return _Metric(metric, "parts", lambda f: _au_f1(f)[..., 0], parts=(("au", cols),))
    sets = {"abaw3_au_score": ABAW_AUS, "abaw2_au_score": ABAW_AUS,
            "abaw2020_au_score": ABAW2020_AUS}
    if metric in sets:
        cols = _au_columns(metric, sets[metric], context)
        if metric == "abaw3_au_score":      # ABAW3: mean F1 over the 12 AUs
            fn = lambda f: _au_f1(f).mean(axis=-1)  # noqa: E731
        else:                               # ABAW 2020 / ABAW2: 0.5 mean F1 + 0.5 mean accuracy
            fn = lambda f: 0.5 * _au_f1(f).mean(axis=-1) + 0.5 * np.nanmean(  # noqa: E731
                _au_accuracy(f), axis=-1)
        return _Metric(metric, "parts", fn, parts=(("au", cols),))
    if metric == "abaw_mtl_score":          # ABAW3 multi-task: CCC_V,A mean + macro-F1 + AU F1
        cols = _au_columns(metric, ABAW_AUS, context)
        kk = k * k

        def mtl(f):
            cm = _cm(f[..., :kk], k)
            va = f[..., kk:kk + 12]
            ccc = 0.5 * (reg.ccc_from_sums(va[..., 0:6]) + reg.ccc_from_sums(va[..., 6:12]))
            return (ccc + cmx.macro_f1_score(cm, on_empty=0.0)
                    + _au_f1(f[..., kk + 12:]).mean(axis=-1))
        return _Metric(metric, "parts", mtl, dims=(0, 1),
                       parts=(("confusion",), ("va", (0, 1)), ("au", cols)))
    return None


def _macro_f1_check(cm):
    f1 = cmx.f1_per_class(cm, on_empty="nan")
    bad = np.flatnonzero(np.isnan(f1))
    return (None if bad.size == 0 else
            f"class(es) {bad.tolist()} have no true and no predicted sample; their F1 counts as "
            "0 in the macro mean")


def _parse_metric(metric, k: int, context: MetricContext | None) -> _Metric:
    if not isinstance(metric, str):
        raise ConfigError(f"`metric` must be a metric id string, one of {SAMPLE_METRICS}; got "
                          f"{metric!r}.")
    simple = {
        "accuracy": cmx.accuracy_score,
        "expr_macro_f1": partial(cmx.macro_f1_score, on_empty=0.0),
        "uar": partial(cmx.uar_score, on_empty="nan"),
        "cohen_kappa": cmx.cohen_kappa_score,
        "mcc": cmx.mcc_score,
    }
    composite = _composite(metric, k, context)
    if composite is not None:
        return composite
    if metric in simple:
        fn = simple[metric]
        check = _macro_f1_check if metric == "expr_macro_f1" else None
        return _Metric(metric, "confusion", lambda f, fn=fn: fn(_cm(f, k)), check=check)
    if metric.startswith("f1:"):
        c = _resolve_class(metric[3:], k, context, metric)
        return _Metric(metric, "confusion",
                       lambda f: cmx.f1_per_class(_cm(f, k), on_empty="nan")[..., c])
    if metric.startswith("pair_confusion:"):
        body = metric[len("pair_confusion:"):]
        if body.count("|") != 1:
            raise ConfigError(f"`metric` must look like 'pair_confusion:<a>|<b>'; got {metric!r}.")
        a, b = (_resolve_class(t, k, context, metric) for t in body.split("|"))
        if a == b:
            raise ConfigError(f"`metric` {metric!r} needs two different classes; got {a} twice.")
        return _Metric(metric, "confusion",
                       lambda f: cmx.pair_confusion_rate(_cm(f, k), a, b, on_empty="nan"))
    if metric == "error_distance_mean":
        cost = _context_cost(context, k, metric, filled=False)
        return _Metric(metric, "confusion",
                       lambda f: cmx.error_distance(_cm(f, k), cost, on_empty="nan"))
    if metric == "quadrant_preservation":
        if context is None or context.quadrants is None:
            raise ConfigError(f"`metric` {metric!r} needs `context.quadrants`; got None.")
        q = context.quadrants
        if q.shape != (k,):
            raise ConfigError(f"`context.quadrants` must have shape ({k},); got {q.shape}.")
        return _Metric(metric, "confusion",
                       lambda f: cmx.quadrant_preservation_score(_cm(f, k), q, on_empty="nan"))
    if metric == "expected_cost":
        _context_cost(context, k, metric, filled=True)
        return _Metric(metric, "cost", lambda f: f[..., 1] / f[..., 0])
    m = re.fullmatch(r"va_(ccc|pcc|rmse)_(valence|arousal|mean)", metric)
    if m and not (m.group(2) == "mean" and m.group(1) != "ccc"):
        kind, dim = m.groups()
        fun = {"ccc": reg.ccc_from_sums, "pcc": reg.pcc_from_sums, "rmse": reg.rmse_from_sums}[kind]
        if dim == "mean":
            return _Metric(metric, "va", lambda f: 0.5 * (fun(f[..., 0:6]) + fun(f[..., 6:12])),
                           dims=(0, 1))
        return _Metric(metric, "va", lambda f: fun(f[..., 0:6]),
                       dims=(0,) if dim == "valence" else (1,))
    raise ConfigError(f"`metric` must be one of {SAMPLE_METRICS}; got {metric!r}.")


def _context_cost(context, k, metric, *, filled):
    if context is None or context.cost is None:
        raise ConfigError(f"`metric` {metric!r} needs `context.cost` (a (K, K) cost matrix); "
                          "got None.")
    c = context.cost
    if c.shape != (k, k):
        raise ConfigError(f"`context.cost` must have shape ({k}, {k}); got {c.shape}.")
    if filled and not np.isfinite(c).all():
        raise ConfigError(f"`metric` {metric!r} needs a filled `context.cost` without NaN; use "
                          "affectctl.circumplex.cost_matrix(coords, missing='mean').")
    return c


def is_sample_metric(metric: str) -> bool:
    """Whether ``metric`` is an id the sample-level tests accept (class names not checked);
    :func:`affectctl.metrics.ids.is_sample_metric`."""
    return _is_sample_metric(metric)


def higher_is_better(metric: str) -> bool:
    """True for scores (accuracy, F1, CCC, ...), False for distances, costs, confusion rates
    (:func:`affectctl.metrics.ids.metric_direction`)."""
    if not _is_sample_metric(metric):
        raise ConfigError(f"`metric` must be one of {SAMPLE_METRICS}; got {metric!r}.")
    return metric_direction(metric) > 0
