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

from affectctl._util.jsonable import plain
from affectctl._util.provenance import document_header, dump_sources, input_records
from affectctl.errors import ConfigError
from affectctl.metrics.confusion import confusion_matrix
from affectctl.metrics.compute import compute_metrics, geometry_choice, resolve_metric_alias
from affectctl.io.schema import Dump

__all__ = ["AuditReport", "ClassOrderFinding", "VAOrderFinding", "audit", "check_class_order",
           "check_order_from_va", "parse_requirement", "Requirement"]


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


#: How much more often a moved class must carry its new label than its own (see check_class_order).
ROW_RATIO = 4.0


def _cycles(cols: np.ndarray) -> list:
    """The cycles of a permutation given as ``cols[k]`` (fixed points left out)."""
    seen = np.zeros(len(cols), bool)
    out = []
    for start in range(len(cols)):
        if seen[start] or cols[start] == start:
            continue
        cyc, k = [], start
        while not seen[k]:
            seen[k] = True
            cyc.append(k)
            k = int(cols[k])
        out.append(cyc)
    return out


def check_class_order(cm: np.ndarray, class_names, *, min_gain: float = 0.02,
                      min_ratio: float = 2.0, min_excess: int = 5) -> ClassOrderFinding | None:
    """Look for a wrong class order with an assignment on the confusion matrix.

    The permutation π maximising Σ_k C[k, π(k)] (Hungarian algorithm, scipy's
    ``linear_sum_assignment``) is the relabelling of predicted classes that best agrees
    with the truth. Each of its cycles is kept only if every predicted label it moves
    *mostly means the other class*: C[k, π(k)] ≥ ``min_ratio`` · C[π(k), π(k)], i.e.
    the label π(k) is given to true class k at least twice as often as to its own class.
    This tells a swap (the label "Disgust" stands for Anger) from systematic confusion
    (a rater who calls many Happy faces Neutral still calls Neutral faces Neutral far
    more often). The kept relabelling is reported when, on the classes it moves (set M),
    it agrees with the truth at least ``min_ratio`` times as often as the given order
    (Σ_{k∈M} C[k, π(k)] ≥ min_ratio · Σ_{k∈M} C[k, k]), raises overall accuracy by at
    least ``min_gain`` and agrees on at least ``min_excess`` more samples (on a file of
    a few dozen rows the best of 8! orders beats the true one by chance).

    In a cycle of three or more classes (a foreign order, or a chain of one-way
    confusions such as Contempt→Happy→Neutral→Contempt) every moved class must also
    carry its new label far more often than its own: C[k, π(k)] ≥ ``ROW_RATIO`` · C[k, k].
    A swapped pair needs only the first condition: its mutual confusion is natural
    (Disgust and Anger are confused before any swap).

    Simulated (``tests/audit/test_audit.py``, ``tests/io/test_class_order_sim.py``):
    correctly ordered 20- and 50-row files of 8 imbalanced classes warn in ≤ 1% (19% of
    20-row files without the guards); a swapped rare pair is named in ≥ 98% of 300-row
    files (85% of 100-row files), an alphabetical order in 92% of 300-row files; 300-row
    files of a weak rater with chained systematic confusions (Happy→Neutral,
    Contempt→Happy, Neutral→Contempt, Disgust→Anger) warn in ≤ 1%, against 15% without
    the per-label conditions.
    """
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.sum()
    if n == 0:
        return None
    from affectctl._util.assignment import linear_sum_assignment  # SciPy's, without scipy.optimize

    rows, cols = linear_sum_assignment(cm, maximize=True)
    cols = np.asarray(cols)[np.argsort(rows)]
    keep = np.arange(len(cols))
    for cyc in _cycles(cols):
        ok = True
        for k in cyc:
            j = cols[k]
            # the label j mostly means k; in a cycle of three or more (a foreign order, or a
            # chain of one-way confusions) k must also carry label j far more often than its own
            ok &= cm[k, j] > 0 and cm[k, j] >= min_ratio * cm[j, j]
            if len(cyc) > 2:
                ok &= cm[k, j] >= ROW_RATIO * cm[k, k]
        if ok:
            keep[cyc] = cols[cyc]
    cols = keep
    rows = np.arange(len(cols))
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


@dataclass(frozen=True)
class VAOrderFinding:
    """The truth's class indices fit the VA annotations far better in another order.

    Attributes
    ----------
    order_name : str or None
        A known foreign order that explains the indices (``"alphabetical"``,
        ``"FER2013"``, ``"RAF-DB"``, ``"AffectNet"``), or None for another permutation.
    meaning : list of (int, str)
        ``(index as written in the file, class it seems to mean)`` for every index.
    fit_given, fit_best : float
        Support-weighted mean squared distance between per-class VA means and the
        class coordinates, in the given and in the best order.
    """

    order_name: "str | None"
    meaning: list
    fit_given: float
    fit_best: float

    def message(self) -> str:
        listed = ", ".join(f"{name}={i}" for i, name in self.meaning)
        what = (f"like {self.order_name} order" if self.order_name else "permuted")
        return (f"the class indices look {what}: {listed} (per-class valence/arousal means fit "
                f"the class coordinates {self.fit_given / max(self.fit_best, 1e-12):.1f}x better so); "
                "check the label order of the truth and of the predictions.")


def _foreign_orders(tax) -> dict:
    from affectctl.domain.taxonomies import TAXONOMIES, canonical_name

    orders = {"alphabetical": tuple(sorted(tax.classes, key=str.lower))}
    for label, name in (("FER2013", "fer2013-7"), ("RAF-DB", "rafdb7"), ("AffectNet", "affectnet8"),
                        ("AffectNet", "affectnet7"), ("FERPlus", "ferplus8"), ("Aff-Wild2", "affwild2-expr8")):
        orders.setdefault(label, TAXONOMIES[name].classes)
        if {canonical_name(c) for c in TAXONOMIES[name].classes} == set(tax.canonical):
            orders[label] = TAXONOMIES[name].classes
    return {k: v for k, v in orders.items()
            if len(v) == tax.n_classes and {canonical_name(c) for c in v} == set(tax.canonical)}


def check_order_from_va(y_true, va_true, taxonomy, *, geometry="affectnet-sample", min_support: int = 10,
                        min_ratio: float = 3.0) -> "VAOrderFinding | None":
    """Check the truth's class indices against the geometry of its own VA annotations.

    Per-class means m_k of the annotated (valence, arousal) of the samples labelled k
    are compared with the class coordinates g (default ``affectnet-sample``: per-class
    means of AffectNet's VA annotations, Mollahosseini et al. 2019, i.e. the same
    units as the annotations). The fit of an order σ is
    F(σ) = Σ_k n_k ‖m_k − g_σ(k)‖² / Σ_k n_k over classes with ≥ ``min_support``
    annotated samples and a coordinate; the best σ is found with the Hungarian
    algorithm. A finding is returned when F(given) ≥ ``min_ratio`` · F(best); it is
    named after a known foreign order (alphabetical, FER2013, RAF-DB, AffectNet, ...)
    when that order fits within 25% of the best. This sees a foreign coding shared by
    truth and predictions, which the confusion-matrix check cannot. Simulated in
    ``tests/io/test_class_order_sim.py``: correctly coded 300-row files warn in ≤ 1%,
    alphabetically coded ones are named alphabetical in ≥ 90%.
    """
    from affectctl.domain.geometries import get_geometry
    from affectctl.domain.taxonomies import canonical_name

    y = np.asarray(y_true)
    va = np.asarray(va_true, dtype=np.float64)
    geo = get_geometry(geometry)
    g = geo.coordinates(taxonomy)
    ok = (y >= 0) & np.isfinite(va).all(axis=1)
    k_n = taxonomy.n_classes
    counts = np.bincount(y[ok], minlength=k_n).astype(np.float64)
    usable = (counts >= min_support) & np.isfinite(g).all(axis=1)
    if usable.sum() < 3:
        return None
    means = np.full((k_n, 2), np.nan)
    for k in np.flatnonzero(usable):
        means[k] = va[ok & (y == k)].mean(axis=0)
    idx = np.flatnonzero(usable)
    cand = np.flatnonzero(np.isfinite(g).all(axis=1))
    d = ((means[idx][:, None, :] - g[cand][None, :, :]) ** 2).sum(axis=2) * counts[idx][:, None]
    total = counts[idx].sum()
    from affectctl._util.assignment import linear_sum_assignment

    r, c = linear_sum_assignment(d)
    best = d[r, c].sum() / total
    given_pos = {int(k): j for j, k in enumerate(cand)}
    given = sum(d[i, given_pos[int(k)]] for i, k in enumerate(idx)) / total
    if given < min_ratio * max(best, 1e-12) or given - best < 0.02:
        return None
    # linear_sum_assignment returns the rows in order: row i is usable class idx[i]
    order_name = None
    meaning = [(int(k) + taxonomy.index_base, taxonomy.classes[int(cand[c[i]])]) for i, k in enumerate(idx)]
    best_fit = best
    for label, classes in _foreign_orders(taxonomy).items():
        # index k of the file means class classes[k]
        sigma = [taxonomy.canonical.index(canonical_name(classes[k])) for k in range(k_n)]
        if sigma == list(range(k_n)):
            continue
        cols = [given_pos.get(sigma[int(k)]) for k in idx]
        if any(cc is None for cc in cols):
            continue
        fit = sum(d[i, cc] for i, cc in enumerate(cols)) / total
        if fit <= 1.25 * best_fit:
            order_name = label
            meaning = [(k + taxonomy.index_base, classes[k]) for k in range(k_n)]
            best_fit = min(best_fit, fit)
            break
    return VAOrderFinding(order_name, meaning, float(given), float(best))


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
        Metric id → value (see :mod:`affectctl.metrics.compute`).
    confusion : DataFrame
        Counts, rows = true class, columns = predicted class.
    class_support : dict
    class_order : ClassOrderFinding or None
    va_order : VAOrderFinding or None
        When the truth carries VA: its class indices fit the VA annotations far better
        in another order (:func:`check_order_from_va`).
    failed_requirements : list of (Requirement, float)
    geometry_reason : str
        Why the geometry was chosen (``auto``: the file's VA means, or why not).
    tasks : tuple of str
        What the file is scored on (:attr:`affectctl.io.schema.Dump.tasks`):
        ``"expression"``, ``"va"``, ``"au"``.
    au_support : dict
        ``{AU: (annotated frames, frames with -1)}`` for every annotated AU, predicted
        or not.
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
    va_order: VAOrderFinding | None = None
    taxonomy_reason: str = ""
    ignored_columns: dict = field(default_factory=dict)
    requirements: list = field(default_factory=list)
    failed_requirements: list = field(default_factory=list)
    geometry_reason: str = ""
    tasks: tuple = ("expression",)
    au_support: dict = field(default_factory=dict)
    inputs: tuple = ()  # ({"path", "sha256"}, ...) of the file and its truth (affectctl._util.provenance)

    def na_reason(self, metric: str) -> str:
        """Why ``metric`` is n/a (NaN): the AUs of a fixed-set AU score that have no
        prediction (``"AU24 not predicted"``), else that it is undefined on these samples."""
        from affectctl.io.schema import ABAW2020_AUS, ABAW_AUS

        base = metric.split(":", 1)
        aus = {"abaw3_au_score": ABAW_AUS, "abaw2_au_score": ABAW_AUS, "abaw2020_au_score": ABAW2020_AUS,
               "abaw_mtl_score": ABAW_AUS}.get(metric)
        if base[0] == "au_f1" and len(base) == 2:
            aus = (base[1],)
        if aus is not None:
            lacking = [a for a in aus if a in self.au_support and self.au_support[a][0] is None]
            if lacking:
                return f"{', '.join(lacking)} not predicted"
            absent = [a for a in aus if a not in self.au_support]
            if absent and self.au_support:
                return f"{', '.join(absent)} not annotated"
        return "undefined on these samples (see the warnings above)"

    def to_dict(self) -> dict:
        return plain({
            **document_header(self.inputs),
            "source": self.source,
            "taxonomy": self.taxonomy,
            "taxonomy_reason": self.taxonomy_reason,
            "ignored_columns": self.ignored_columns,
            "classes": list(self.classes),
            "geometry": self.geometry,
            "geometry_reason": self.geometry_reason,
            "n_samples": self.n_samples,
            "tasks": list(self.tasks),
            "exclusions": self.exclusions,
            "au_support": {k: {"annotated": a, "excluded": e} for k, (a, e) in self.au_support.items()},
            "class_support": self.class_support,
            "metrics": self.metrics,
            "confusion": self.confusion.to_numpy().tolist(),
            "class_order_warning": None if self.class_order is None else {
                "message": self.class_order.message(),
                "accuracy_given": self.class_order.accuracy_given,
                "accuracy_remapped": self.class_order.accuracy_remapped,
                "mapping": [list(m) for m in self.class_order.mapping],
            },
            "va_order_warning": None if self.va_order is None else {
                "message": self.va_order.message(), "order": self.va_order.order_name,
                "meaning": [list(m) for m in self.va_order.meaning],
                "fit_given": self.va_order.fit_given, "fit_best": self.va_order.fit_best,
            },
            "requirements": [{"requirement": str(r), "value": v, "passed": r.holds(v),
                              **({"na_reason": self.na_reason(r.metric)} if v != v else {})}
                             for r, v in self.requirements],
            "passed": not self.failed_requirements,
        }, finite=True)

    def to_frame(self) -> pd.DataFrame:
        """Every metric of the file: one row per metric id, columns ``metric, value``."""
        return pd.DataFrame({"metric": list(self.metrics), "value": list(self.metrics.values())})

    def _headline(self) -> tuple:
        shown = [k for k in ("official_score", "expr_macro_f1", "accuracy", "va_ccc_mean",
                             "au_f1_mean", "error_distance_mean", "ece") if k in self.metrics]
        frame = pd.DataFrame({"value": [self.metrics[k] for k in shown]}, index=shown)
        title = (f"AuditReport: {self.source} ({self.n_samples} samples, {self.taxonomy}, "
                 f"geometry {self.geometry})")
        flags = [f.message() for f in (self.class_order, self.va_order) if f is not None]
        flags += [f"requirement failed: {r}" for r, _ in self.failed_requirements]
        footer = "; ".join(flags + [f"{len(self.metrics)} metrics in .to_frame(), the JSON "
                                    "document in .to_dict()"])
        return title, frame, footer

    def __repr__(self) -> str:
        from affectctl._util.display import text_view

        return text_view(*self._headline())

    def _repr_html_(self) -> str:
        from affectctl._util.display import html_view

        return html_view(*self._headline())


def audit(dump: Dump, *, geometry="auto", require=(), geometry_min_samples: int = 30) -> AuditReport:
    """Validate-and-score one dump.

    Parameters
    ----------
    dump : Dump
    geometry : str or Geometry, default "auto"
        ``"auto"``: the file's per-class VA means when every class with a place on the
        circumplex has at least ``geometry_min_samples`` annotated samples, else
        ``nrc-vad`` (:func:`affectctl.domain.geometries.choose_geometry`).
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
        key = resolve_metric_alias(r.metric, metrics)
        if key not in metrics:
            raise ConfigError(f"--require names metric '{r.metric}', which this file does not have; "
                              f"available: {', '.join(sorted(metrics))}.")
        checked.append((r, metrics[key]))
        if not r.holds(metrics[key]):
            failed.append((r, metrics[key]))
    return AuditReport(
        source=dump.source, taxonomy=tax.name, classes=tax.classes, geometry=geo.name,
        n_samples=dump.n_samples, exclusions=dict(dump.exclusions), metrics=metrics,
        confusion=pd.DataFrame(cm, index=list(tax.classes), columns=list(tax.classes)),
        class_support={c: int(s) for c, s in zip(tax.classes, cm.sum(axis=1))},
        class_order=check_class_order(cm, tax.classes),
        va_order=(check_order_from_va(dump.y_true, dump.va_true, tax)
                  if dump.va_true is not None and dump.expr_mask.any() else None),
        taxonomy_reason=str((dump.metadata or {}).get("taxonomy_reason", "")),
        ignored_columns=dict((dump.metadata or {}).get("ignored_columns") or {}),
        requirements=checked, failed_requirements=failed,
        geometry_reason=choice.reason, tasks=dump.tasks, au_support=_au_support(dump),
        inputs=tuple(input_records(dump_sources([dump]))),
    )


def _au_support(dump: Dump) -> dict:
    """``{AU: (annotated frames, frames with -1)}``; AUs annotated but not predicted have
    no annotation array in the dump and get ``(None, None)``."""
    out = {}
    if dump.au_true is not None:
        for j, name in enumerate(dump.au_names):
            col = dump.au_true[:, j]
            out[name] = (int((col >= 0).sum()), int((col < 0).sum()))
    for name in (dump.exclusions or {}).get("au_not_predicted") or ():
        out[name] = (None, None)
    return dict(sorted(out.items(), key=lambda kv: int(kv[0][2:])))
