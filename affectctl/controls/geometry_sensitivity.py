"""Do the conclusions depend on the geometry? Every geometry-dependent result, under every geometry.

Error distance, expected cost, quadrant preservation, the error-distance null and the
closeness verdicts of :func:`affectctl.diagnose.diagnose` all rest on where the classes
sit on the valence–arousal plane. The lexicon (``nrc-vad``), the adjective angles of
Russell (1980), an AffectNet annotation sample and the data's own per-class VA means
can disagree, e.g. NRC VAD places *surprise* at positive valence, 1.61 from *fear*,
where AffectNet's annotators put the two 0.31 apart. This module recomputes each such
result under every available geometry and marks each conclusion that changes.

Available geometries
--------------------
The chosen one (``--geometry``, ``auto`` by default) first; then ``nrc-vad``;
``russell`` when it places every class of the taxonomy that has a place on the
circumplex (it has no disgust or contempt; for ``diagnose``'s pair verdicts it is used
for the pairs it places); ``affectnet-sample``; and ``data`` when
``auto`` could use it (every placed class has at least ``min_samples`` annotated
samples, :func:`affectctl.domain.geometries.data_geometry_status`). A user's CSV enters as the
chosen geometry.

What is recomputed, and when a conclusion "changes"
---------------------------------------------------
Tests of ``compare`` (kind ``test``)
    A metric is geometry-dependent under geometry G when any run's value under G
    differs from its value under the chosen geometry (found from the values, not from
    a list, so a metric that does not depend on the geometry, such as accuracy, is
    never recomputed and can never be flagged). For such a metric every test of every
    comparison is rerun under G with the same seeds, resamples and Monte-Carlo seed,
    and its p-value is adjusted within the *same* family as under the chosen geometry
    (the family's geometry-independent p-values kept; a geometry-independent metric
    keeps its own adjusted p-value, which could otherwise move only because the
    family's geometry-dependent members did). It **changes** when it is significant
    (adjusted p < ``alpha``) under one geometry and not the other (``significance``),
    or when the mean difference has opposite signs (``sign``).
The error-distance null (kind ``error_null``)
    :func:`affectctl.controls.error_null.error_distance_null` per condition, same seed
    and resamples. It changes when "errors nearer the truth than chance" (one-sided p <
    ``alpha``) holds under one geometry and not the other.
Closeness verdicts of ``diagnose`` (kind ``closeness``)
    The verdict of every pair (``degenerate``, ``candidate``, ``not-close``, ...). It
    changes when the verdict differs; only closeness and missing coordinates depend on
    the geometry, so a change is a change of closeness.

Each record holds ``kind, what, metric, a, b, test, condition, geometry, value,
p_value, verdict, agrees_with_default, change``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from affectctl.domain.geometries import (
    AUTO_MIN_SAMPLES,
    GEOMETRIES,
    UNPLACED,
    Geometry,
    GeometryChoice,
    data_geometry_status,
    geometry_from_data,
)
from affectctl._util.validation import sample_test_record
from affectctl.errors import ConfigError, DegenerateDataWarning

__all__ = [
    "GeometrySensitivity",
    "available_geometries",
    "comparison_sensitivity",
    "diagnosis_sensitivity",
    "geometry_costs",
    "geometry_rerun",
    "MARK",
    "RECORD_COLUMNS",
]

#: Mark of a table entry whose conclusion depends on the geometry (``†`` and ``‡`` are
#: already the significance marks of the tables).
MARK = "◊"
RECORD_COLUMNS = ["kind", "what", "metric", "a", "b", "test", "condition", "geometry", "value",
                  "p_value", "verdict", "agrees_with_default", "change"]
#: Relative tolerance under which two values of a metric count as equal across geometries.
_SAME_RTOL = 1e-12


@dataclass(frozen=True, eq=False)
class GeometrySensitivity:
    """Every geometry-dependent conclusion under every available geometry.

    Attributes
    ----------
    default : str
        Name of the chosen geometry (the reference of ``agrees_with_default``).
    reason : str
        Why it was chosen (:class:`affectctl.domain.geometries.GeometryChoice`).
    geometries : tuple of str
        The geometries compared, the chosen one first.
    classes : tuple of str
    coords : dict
        ``{geometry: ndarray (K, 2)}``, NaN rows for classes without a coordinate.
    data_means, data_covariances, data_counts : ndarray or None
        Per-class mean (K, 2), covariance (K, 2, 2) and count (K,) of the truth's VA
        annotations (None when it has none): the ellipses of the overlay figure.
    records : DataFrame
        Columns :data:`RECORD_COLUMNS` (module docstring).
    alpha : float
        Level at which a p-value counts as significant.
    """

    default: str
    reason: str
    geometries: tuple
    classes: tuple
    coords: dict
    records: pd.DataFrame
    data_means: np.ndarray | None = None
    data_covariances: np.ndarray | None = None
    data_counts: np.ndarray | None = None
    alpha: float = 0.05
    notes: tuple = field(default_factory=tuple)

    @property
    def changed(self) -> pd.DataFrame:
        """The records whose conclusion differs from the chosen geometry's."""
        return self.records[~self.records["agrees_with_default"].astype(bool)]

    def to_dict(self) -> dict:
        """The ``geometry_sensitivity`` section of the JSON documents."""
        recs = []
        for r in self.records.to_dict(orient="records"):
            recs.append({k: _clean(v) for k, v in r.items()})
        changed = self.changed
        return {"default": self.default, "reason": self.reason,
                "geometries": list(self.geometries), "alpha": self.alpha,
                "n_changed": int(len(changed)),
                "changed": sorted(set(changed["what"])),
                "coordinates": {g: [[_clean(x) for x in row] for row in np.asarray(c).tolist()]
                                for g, c in self.coords.items()},
                "notes": list(self.notes),
                "records": recs}


def _clean(v):
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(float(v)) else None
    return v


# ----------------------------------------------------------------------------- geometries


def available_geometries(choice: GeometryChoice, y_true, va_true, taxonomy, *,
                         min_samples: int = AUTO_MIN_SAMPLES, partial: bool = False) -> list:
    """The geometries to compare, the chosen one first (module docstring).

    ``partial=True`` also admits ``russell`` when it lacks some classes (for pair
    verdicts, which are compared only for pairs it places); metrics averaged over all
    errors need every class placed, else the metric would change its population.

    Returns
    -------
    list of (name, spec)
        ``spec`` is what :func:`affectctl.compare.compare` and
        :func:`affectctl.diagnose.diagnose` take: ``"data"`` for the data's
        geometry (so that diagnose keeps its per-seed means), else a :class:`Geometry`.
    """
    chosen = choice.geometry
    out = [(chosen.name, "data" if chosen.name == "data" else chosen)]
    placed = {c for c in taxonomy.canonical if c not in UNPLACED}
    for name, geo in GEOMETRIES.items():
        if name == chosen.name:
            continue
        if name == "russell" and not partial and not placed <= set(geo.points):
            continue
        out.append((name, geo))
    if chosen.name != "data":
        usable, _ = data_geometry_status(y_true, va_true, taxonomy, min_samples=min_samples)
        if usable:
            out.append(("data", "data"))
    return out


def _coords_of(spec, y_true, va_true, taxonomy) -> np.ndarray:
    if isinstance(spec, Geometry):
        return spec.coordinates(taxonomy)
    return geometry_from_data(y_true, va_true, taxonomy).coordinates(taxonomy)


def _data_spread(y_true, va_true, taxonomy):
    if va_true is None or not np.isfinite(np.asarray(va_true, dtype=np.float64)).any():
        return None, None, None
    geo = geometry_from_data(y_true, va_true, taxonomy)
    return geo.coordinates(taxonomy), geo.covariance_array(taxonomy), geo.count_array(taxonomy)


def _sign(x: float, scale: float) -> int:
    if not np.isfinite(x) or abs(x) <= _SAME_RTOL * max(1.0, scale):
        return 0
    return 1 if x > 0 else -1


def _agreement(p_def, d_def, p, d, alpha):
    """``(agrees, change)`` of a test against the chosen geometry's."""
    sig_def = bool(np.isfinite(p_def) and p_def < alpha)
    sig = bool(np.isfinite(p) and p < alpha)
    scale = max(abs(d_def) if np.isfinite(d_def) else 0.0, abs(d) if np.isfinite(d) else 0.0)
    s_def, s = _sign(d_def, scale), _sign(d, scale)
    changes = []
    if sig != sig_def:
        changes.append("significance")
    if s_def != 0 and s != 0 and s != s_def:
        changes.append("sign")
    return not changes, "+".join(changes)


# ----------------------------------------------------------------------------- compare


def _wide(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics.pivot_table(index=["condition", "seed"], columns="metric", values="value",
                               dropna=False)


def _dependent_metrics(base_wide, alt_wide, metrics) -> list:
    out = []
    for m in metrics:
        if m not in base_wide.columns or m not in alt_wide.columns:
            continue
        x = base_wide[m].to_numpy(dtype=np.float64)
        y = alt_wide[m].reindex(base_wide.index).to_numpy(dtype=np.float64)
        same = (np.isnan(x) & np.isnan(y)) | np.isclose(x, y, rtol=_SAME_RTOL, atol=0.0)
        if not same.all():
            out.append(m)
    return out


#: Re-run the comparison's geometry-dependent tests under another geometry:
#: ``recompare(geometry spec, metric ids that depend on it)`` returns that run's
#: comparisons table (columns ``a, b, metric, test, p_value, mean_diff``).
Recompare = Callable[[object, list], pd.DataFrame]
#: The comparison's multiplicity correction: ``readjust(comparisons with replaced
#: p_value/mean_diff, wide metric table)`` returns adjusted p-values aligned on the
#: comparisons' index.
Readjust = Callable[[pd.DataFrame, pd.DataFrame], pd.Series]
#: Re-run the diagnosis under another geometry: ``rediagnose(geometry spec)`` returns a
#: :class:`~affectctl.diagnose.DiagnosisResult` (its ``pairs`` and ``coords`` are read).
Rediagnose = Callable[[object], object]


def geometry_costs(first, choice: GeometryChoice, *,
                   min_samples: int = AUTO_MIN_SAMPLES) -> list:
    """``(name, spec, cost)`` of every geometry :func:`comparison_sensitivity` compares, the
    chosen one first: :func:`available_geometries` of the run ``first`` (a dump of the
    baseline's first seed) with each geometry's cost matrix, under which its
    error-distance null is computed."""
    from affectctl.metrics.compute import geometry_context

    tax = first.taxonomy
    geos = available_geometries(choice, first.y_true, first.va_true, tax, min_samples=min_samples)
    return [(name, spec, geometry_context(_as_geometry(spec, first), tax).cost)
            for name, spec in geos]


def geometry_rerun(runs, first, spec, base_metrics: pd.DataFrame, headline,
                   recompare: Recompare) -> tuple:
    """The comparison under geometry ``spec``, as far as it needs nothing of the comparison's
    own tests: ``(wide metric table, geometry-dependent headline metrics, their
    comparisons table or None)``.

    ``runs`` are the comparison's runs, ``first`` the dump ``spec`` is resolved against
    (the baseline's first seed), ``base_metrics`` its metric table (long: condition,
    seed, metric, value) under the chosen geometry, ``headline`` its headline metrics. The
    metric table is recomputed under ``spec``; a headline metric whose values move is
    geometry-dependent, and ``recompare(spec, those metrics)`` re-runs its tests. This is
    most of :func:`comparison_sensitivity`'s time, so ``compare`` runs it beside its own
    tests (``reruns=``); the degeneracy warnings of the re-run were given by the comparison
    itself and are not repeated.
    """
    from affectctl.metrics.compute import metric_table

    # the same runs as the main table: its undefined-metric warnings were given there
    # (on_empty=0.0 is the value 'warn' sets, without repeating the warning)
    alt_wide = _wide(metric_table(runs, geometry=_as_geometry(spec, first), on_empty=0.0))
    dep = _dependent_metrics(_wide(base_metrics), alt_wide, list(headline))
    alt_comps = None
    if dep:
        with warnings.catch_warnings():  # already reported by the first run
            warnings.simplefilter("ignore", DegenerateDataWarning)
            alt_comps = recompare(spec, dep)
    return alt_wide, dep, alt_comps


def comparison_sensitivity(runs, result, choice: GeometryChoice, *, recompare: Recompare,
                           readjust: Readjust, alpha: float = 0.05,
                           min_samples: int = AUTO_MIN_SAMPLES,
                           error_nulls=None, reruns=None) -> GeometrySensitivity:
    """Recompute every geometry-dependent test and the error-distance null under each geometry.

    Parameters
    ----------
    runs : RunSet
        The runs behind ``result`` (its conditions only).
    result : ComparisonResult
        Computed under ``choice``.
    choice : GeometryChoice
    recompare : callable
        ``recompare(spec, metrics)``: the comparisons table of the same comparison re-run
        under geometry ``spec`` for ``metrics`` only, uncorrected (:data:`Recompare`).
        The analysis passes it in, so this module imports no analysis.
    readjust : callable
        ``readjust(comparisons, wide)``: the analysis' own multiplicity correction
        (:data:`Readjust`).
    alpha : float, default 0.05
        Level of "significant" (adjusted p) and of the error-distance null.
    min_samples : int, default 30
        As :func:`affectctl.domain.geometries.choose_geometry`, for whether ``data`` is available.
    error_nulls : mapping, optional
        ``{geometry name: {condition: ErrorDistanceNull}}`` computed already (the
        comparison draws them with its own null, :func:`geometry_costs`); a geometry
        not in it gets its nulls computed here, with the same seed and resamples.
    reruns : mapping, optional
        ``{geometry name: geometry_rerun(...)}`` computed already (``compare`` runs them
        beside its tests); a geometry not in it is re-run here. When every geometry's
        re-run and nulls are given, nothing is left but bookkeeping, done in this process.

    Returns
    -------
    GeometrySensitivity
    """
    from affectctl.controls.error_null import error_distance_null

    if not (isinstance(alpha, float) and 0 < alpha < 1):
        raise ConfigError(f"`alpha` must be a number in (0, 1); got {alpha!r}.")
    first = runs.dump(result.baseline, result.seeds[0])
    tax = first.taxonomy
    st = result.settings
    geos = geometry_costs(first, choice, min_samples=min_samples)
    tests = [t for t in str(st.get("seed_tests", "")).split(",") if t]
    if st.get("sample_test", "none") != "none":
        tests.append(sample_test_record(st["sample_test"]))
    headline = list(result.headline_metrics)
    base_comps = result.comparisons
    base_comps = base_comps[base_comps["test"].isin(tests)
                            & base_comps["metric"].isin(headline)].copy()
    base_wide = _wide(result.metrics)
    n_res, rng = int(st.get("n_resamples", 9999)), st.get("seed", 0)

    key = ["a", "b", "metric", "test"]
    def_p = {tuple(r[k] for k in key): (r["p_adjusted"], r["mean_diff"], r["p_value"])
             for r in base_comps.to_dict(orient="records")}
    def_null = {c: null for c, null in result.error_null.items()}
    def under(name, spec, cost):
        """(comps, adjusted p, error nulls) of the comparison under geometry ``spec``."""
        if name == choice.name:
            return base_comps, base_comps["p_adjusted"], def_null
        if reruns and name in reruns:
            alt_wide, dep, alt_comps = reruns[name]
        else:
            alt_wide, dep, alt_comps = geometry_rerun(runs, first, spec, result.metrics,
                                                      headline, recompare)
        comps = base_comps.copy()
        wide = base_wide.copy()
        if dep:
            ac = alt_comps.set_index(key)
            for i, r in comps.iterrows():
                k = (r["a"], r["b"], r["metric"], r["test"])
                if r["metric"] in dep and k in ac.index:
                    comps.at[i, "p_value"] = ac.loc[k, "p_value"]
                    comps.at[i, "mean_diff"] = ac.loc[k, "mean_diff"]
            for m in dep:
                wide[m] = alt_wide[m].reindex(wide.index)
            p_adj = readjust(comps, wide)
            # a metric that does not depend on the geometry keeps its result: its adjusted
            # p could move only because the family's geometry-dependent members did
            same = ~comps["metric"].isin(dep)
            p_adj[same] = base_comps.loc[same, "p_adjusted"]
        else:
            p_adj = comps["p_adjusted"]
        if error_nulls and name in error_nulls:
            return comps, p_adj, dict(error_nulls[name])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            nulls = {c: error_distance_null(result.confusions[c].sum(axis=0), cost,
                                            n_resamples=n_res, rng=rng)
                     for c in result.conditions}
        return comps, p_adj, nulls

    tasks = [partial(under, name, spec, cost) for name, spec, cost in geos]
    left = [name for name, _, _ in geos[1:]
            if not (reruns and name in reruns and error_nulls and name in error_nulls)]
    if left:    # the geometries are independent: one task each, on every usable core
        from affectctl._util.forked import run_forked

        outcomes = run_forked(tasks)
    else:
        outcomes = [task() for task in tasks]
    records = []
    coords = {}
    for (name, spec, _), (comps, p_adj, nulls) in zip(geos, outcomes, strict=True):
        coords[name] = _coords_of(spec, first.y_true, first.va_true, tax)
        for (i, r), p in zip(comps.iterrows(), p_adj, strict=True):
            k = (r["a"], r["b"], r["metric"], r["test"])
            p0, d0, _ = def_p[k]
            agrees, change = _agreement(p0, d0, p, r["mean_diff"], alpha)
            sig = np.isfinite(p) and p < alpha
            sgn = _sign(r["mean_diff"], abs(r["mean_diff"]) if np.isfinite(r["mean_diff"]) else 0)
            verdict = ("significant" if sig else "not significant") + \
                {1: ", a > b", -1: ", a < b", 0: ""}[sgn]
            records.append({"kind": "test",
                            "what": f"{r['metric']}: {r['a']} − {r['b']} ({r['test']})",
                            "metric": r["metric"], "a": r["a"], "b": r["b"], "test": r["test"],
                            "condition": "", "geometry": name, "value": r["mean_diff"],
                            "p_value": p, "verdict": verdict, "agrees_with_default": agrees,
                            "change": change})
        for c in result.conditions:
            null, null0 = nulls[c], def_null[c]
            near = bool(np.isfinite(null.pvalue) and null.pvalue < alpha)
            near0 = bool(np.isfinite(null0.pvalue) and null0.pvalue < alpha)
            records.append({"kind": "error_null", "what": f"error-distance null: {c}",
                            "metric": "error_distance_mean", "a": "", "b": "", "test": "error_null",
                            "condition": c, "geometry": name, "value": null.observed,
                            "p_value": null.pvalue,
                            "verdict": ("errors nearer the truth than chance" if near else
                                        "errors not nearer than chance"),
                            "agrees_with_default": near == near0,
                            "change": "" if near == near0 else "significance"})
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    frame["agrees_with_default"] = frame["agrees_with_default"].astype(bool)
    means, covs, counts = _data_spread(first.y_true, first.va_true, tax)
    return GeometrySensitivity(choice.name, choice.reason, tuple(coords), tuple(tax.classes),
                               coords, frame, means, covs, counts, alpha)


def _as_geometry(spec, dump) -> Geometry:
    if isinstance(spec, Geometry):
        return spec
    return geometry_from_data(dump.y_true, dump.va_true, dump.taxonomy)


# ----------------------------------------------------------------------------- diagnose


def diagnosis_sensitivity(runs, result, choice: GeometryChoice, *, rediagnose: Rediagnose,
                          min_samples: int = AUTO_MIN_SAMPLES) -> GeometrySensitivity:
    """Every pair's verdict under each available geometry (closeness is the part that moves).

    Parameters
    ----------
    runs : RunSet
    result : DiagnosisResult
        Computed under ``choice``.
    choice : GeometryChoice
    rediagnose : callable
        ``rediagnose(spec)``: the same diagnosis re-run under geometry ``spec`` with the
        options ``result`` was computed with (:data:`Rediagnose`); the analysis passes it
        in, so this module imports no analysis.
    min_samples : int, default 30

    Returns
    -------
    GeometrySensitivity
        Records of kind ``closeness``: ``value`` the pair's VA distance, ``p_value``
        NaN, ``verdict`` the pair's status (``close`` or not in brackets).
    """
    first = runs.dump(result.baseline, result.seeds[0])
    tax = first.taxonomy
    geos = available_geometries(choice, first.y_true, first.va_true, tax, min_samples=min_samples,
                                partial=True)
    base = result.pairs.set_index(["a", "b"])
    records, coords = [], {}
    for name, spec in geos:
        if name == choice.name:
            pairs = result.pairs
            coords[name] = np.asarray(result.coords, dtype=np.float64)
        else:
            with warnings.catch_warnings():  # already reported by the first run
                warnings.simplefilter("ignore", DegenerateDataWarning)
                alt = rediagnose(spec)
            pairs = alt.pairs
            coords[name] = np.asarray(alt.coords, dtype=np.float64)
        for r in pairs.itertuples(index=False):
            st0 = base.loc[(r.a, r.b), "status"]
            if not np.isfinite(r.va_distance) and np.isfinite(base.loc[(r.a, r.b), "va_distance"]):
                continue  # this geometry does not place the pair: nothing to compare
            agrees = r.status == st0
            records.append({"kind": "closeness", "what": f"closeness: {r.a}–{r.b}", "metric": "",
                            "a": r.a, "b": r.b, "test": "", "condition": result.baseline,
                            "geometry": name, "value": r.va_distance, "p_value": np.nan,
                            "verdict": (r.status if r.status in ("not-close", "no-coordinate")
                                        else f"{r.status} ({'close' if r.close else 'not close'})"),
                            "agrees_with_default": agrees,
                            "change": "" if agrees else f"{st0} → {r.status}"})
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    frame["agrees_with_default"] = frame["agrees_with_default"].astype(bool)
    means, covs, counts = _data_spread(first.y_true, first.va_true, tax)
    return GeometrySensitivity(choice.name, choice.reason, tuple(coords), tuple(tax.classes),
                               coords, frame, means, covs, counts)


# ----------------------------------------------------------------------------- table hooks
