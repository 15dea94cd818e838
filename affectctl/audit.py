"""Audit one prediction file: validation, exclusions, official scores, geometry, class order.

:func:`audit` is the library behind ``affectctl audit``; it returns plain values and
DataFrames and never prints.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from .errors import ConfigError
from .metrics.confusion import confusion_matrix
from .metrics.registry import compute_metrics, geometry_choice
from .io.schema import Dump

__all__ = ["AuditReport", "ClassOrderFinding", "audit", "check_class_order", "parse_requirement",
           "Requirement"]


@dataclass(frozen=True)
class ClassOrderFinding:
    """A relabelling of the predictions that agrees with the truth far better than the given order.

    Attributes
    ----------
    accuracy_given : float
    accuracy_remapped : float
        Accuracy after the best one-to-one relabelling (assignment on the confusion matrix).
    mapping : list of (str, str)
        ``(predicted as, probably means)`` for every class the relabelling moves.
    """

    accuracy_given: float
    accuracy_remapped: float
    mapping: list
    alphabetical: bool = False

    def message(self) -> str:
        moves = ", ".join(f"'{a}' -> '{b}'" for a, b in self.mapping)
        hint = (" The predictions follow the alphabetical class order, as in some public copies of "
                "the dataset." if self.alphabetical else "")
        return (f"class order looks wrong: relabelling the predictions {moves} raises accuracy from "
                f"{self.accuracy_given:.3f} to {self.accuracy_remapped:.3f}; check the label order "
                f"of the model against the taxonomy.{hint}")


def check_class_order(cm: np.ndarray, class_names, *, min_gain: float = 0.02,
                      min_ratio: float = 2.0, min_excess: int = 5) -> ClassOrderFinding | None:
    """Look for a wrong class order with an assignment on the confusion matrix.

    The permutation π maximising Σ_k C[k, π(k)] (Hungarian algorithm, scipy's
    ``linear_sum_assignment``) is the relabelling of predicted classes that best agrees
    with the truth. It is reported when, on the classes it moves (set M), it agrees with
    the truth at least ``min_ratio`` times as often as the given order
    (Σ_{k∈M} C[k, π(k)] ≥ min_ratio · Σ_{k∈M} C[k, k]) and raises overall accuracy by
    at least ``min_gain``: a swapped pair of classes fires even when the pair is rare,
    while a weak model, whose best relabelling gains little over chance, does not.
    The relabelling must also agree with the truth on at least ``min_excess`` more
    samples than the given order: on a file of a few dozen rows the best of 8! orders
    beats the true one by chance. Simulated with 8 imbalanced classes and a fair model
    (``tests/foundation/test_audit.py``): without the guard 19% of 20-row files of a
    correctly ordered model warned, with it none of 300; a swapped rare pair (12% of
    the samples) is still named in 92% of 100-row files and in every 300-row file.
    """
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.sum()
    if n == 0:
        return None
    rows, cols = linear_sum_assignment(cm, maximize=True)
    moved = rows[cols != rows]
    if moved.size == 0:
        return None
    given_m = cm[moved, moved].sum()
    remap_m = cm[moved, cols[moved]].sum()
    acc_given = np.trace(cm) / n
    acc_best = cm[rows, cols].sum() / n
    if (acc_best - acc_given >= min_gain and remap_m >= min_ratio * given_m
            and remap_m - given_m >= min_excess):
        # cols[k] is the predicted class whose outputs are truly class k
        mapping = [(class_names[cols[k]], class_names[k]) for k in moved]
        alpha = sorted(class_names, key=str.lower)
        alphabetical = all(cols[k] == alpha.index(class_names[k]) for k in rows)
        return ClassOrderFinding(float(acc_given), float(acc_best), mapping, alphabetical)
    return None


_REQ = re.compile(r"^\s*([A-Za-z0-9_:|\-]+)\s*(>=|<=|==|>|<)\s*([-+0-9.eE]+)\s*$")
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Requirement:
    """A CI gate such as ``expr_macro_f1>=0.40``."""

    metric: str
    op: str
    threshold: float

    def holds(self, value: float) -> bool:
        return (not math.isnan(value)) and _OPS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.threshold:g}"


def parse_requirement(text: str) -> Requirement:
    """Parse ``METRIC OP NUMBER`` with OP one of >=, <=, >, <, ==."""
    m = _REQ.match(text)
    if not m:
        raise ConfigError(f"`--require` must look like 'expr_macro_f1>=0.40' (operators >=, <=, >, <, "
                          f"==); got {text!r}.")
    try:
        value = float(m.group(3))
    except ValueError:
        raise ConfigError(f"`--require` threshold must be a number; got {m.group(3)!r}.") from None
    return Requirement(m.group(1), m.group(2), value)


@dataclass(frozen=True)
class AuditReport:
    """What ``affectctl audit`` reports about one file.

    Attributes
    ----------
    source : str
    taxonomy : str
    classes : tuple of str
    geometry : str
    n_samples : int
    exclusions : dict
        Counts of excluded values per kind (expression -1, VA -5, AU -1) and of
        renormalized probability rows.
    metrics : dict
        Metric id → value (see :mod:`affectctl.metrics.registry`).
    confusion : DataFrame
        Counts, rows = true class, columns = predicted class.
    class_support : dict
    class_order : ClassOrderFinding or None
    failed_requirements : list of (Requirement, float)
    geometry_reason : str
        Why the geometry was chosen (``auto``: the file's VA means, or why not).
    """

    source: str
    taxonomy: str
    classes: tuple
    geometry: str
    n_samples: int
    exclusions: dict
    metrics: dict
    confusion: pd.DataFrame
    class_support: dict
    class_order: ClassOrderFinding | None = None
    requirements: list = field(default_factory=list)
    failed_requirements: list = field(default_factory=list)
    geometry_reason: str = ""

    def to_dict(self) -> dict:
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v

        return {
            "source": self.source,
            "taxonomy": self.taxonomy,
            "classes": list(self.classes),
            "geometry": self.geometry,
            "geometry_reason": self.geometry_reason,
            "n_samples": self.n_samples,
            "exclusions": self.exclusions,
            "class_support": self.class_support,
            "metrics": {k: clean(v) for k, v in self.metrics.items()},
            "confusion": self.confusion.to_numpy().tolist(),
            "class_order_warning": None if self.class_order is None else {
                "message": self.class_order.message(),
                "accuracy_given": self.class_order.accuracy_given,
                "accuracy_remapped": self.class_order.accuracy_remapped,
                "mapping": [list(m) for m in self.class_order.mapping],
            },
            "requirements": [{"requirement": str(r), "value": clean(v), "passed": r.holds(v)}
                             for r, v in self.requirements],
            "passed": not self.failed_requirements,
        }


def audit(dump: Dump, *, geometry="auto", require=(), geometry_min_samples: int = 30) -> AuditReport:
    """Validate-and-score one dump.

    Parameters
    ----------
    dump : Dump
    geometry : str or Geometry, default "auto"
        ``"auto"``: the file's per-class VA means when every class with a place on the
        circumplex has at least ``geometry_min_samples`` annotated samples, else
        ``nrc-vad`` (:func:`affectctl.circumplex.choose_geometry`).
    require : sequence of str or Requirement
        CI gates; unknown metric ids raise :class:`ConfigError`.
    geometry_min_samples : int, default 30
    """
    reqs = [r if isinstance(r, Requirement) else parse_requirement(r) for r in require]
    choice = geometry_choice(geometry, dump, min_samples=geometry_min_samples)
    geo = choice.geometry
    metrics = compute_metrics(dump, geometry=geo)
    tax = dump.taxonomy
    cm = confusion_matrix(dump.y_true, dump.y_pred, tax.n_classes)
    checked = []
    failed = []
    for r in reqs:
        if r.metric not in metrics:
            raise ConfigError(f"--require names metric '{r.metric}', which this file does not have; "
                              f"available: {', '.join(sorted(metrics))}.")
        checked.append((r, metrics[r.metric]))
        if not r.holds(metrics[r.metric]):
            failed.append((r, metrics[r.metric]))
    return AuditReport(
        source=dump.source, taxonomy=tax.name, classes=tax.classes, geometry=geo.name,
        n_samples=dump.n_samples, exclusions=dict(dump.exclusions), metrics=metrics,
        confusion=pd.DataFrame(cm, index=list(tax.classes), columns=list(tax.classes)),
        class_support={c: int(s) for c, s in zip(tax.classes, cm.sum(axis=1))},
        class_order=check_class_order(cm, tax.classes), requirements=checked, failed_requirements=failed,
        geometry_reason=choice.reason,
    )
