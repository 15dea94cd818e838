"""The result of :func:`affectctl.diagnose.diagnose`: :class:`DiagnosisResult`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._json import plain
from .._provenance import document_header
from .thresholds import DegeneracyThresholds

__all__ = ["DiagnosisResult"]


@dataclass(frozen=True, eq=False)
class DiagnosisResult:
    """Outcome of :func:`diagnose`.

    Attributes
    ----------
    baseline : str
    interventions : tuple of str
    taxonomy : str
    classes : tuple of str
    geometry : str
        Name of the geometry used for VA distances.
    coords : ndarray of shape (K, 2)
        Class coordinates (mean over the baseline's seeds; NaN rows for classes
        without coordinate), for figures.
    seeds : tuple of int
        Seeds common to the baseline and every intervention.
    thresholds : DegeneracyThresholds
    va_distance_threshold : float
        The distance under which a pair counts as close (the larger of the quantile
        and ``max_va_distance`` that are set).
    pairs : DataFrame
        One row per pair **in rank order**: flagged pairs (``degenerate`` then
        ``candidate``) first, by macro-F1 gain if resolved; then the others by
        baseline confusion rate. Columns: ``rank, a, b, a_index, b_index,
        degenerate, status, reason, support_a, support_b, confusion_rate,
        confusion_rate_sd, chance_rate, lift, va_distance, va_overlap, va_separation_sd, macro_f1,
        macro_f1_resolved, macro_f1_gain, gap_share, f1_a, f1_b, heavily_confused,
        close, fixed_by, best_intervention, best_relative_change, best_p_adj,
        min_rate_condition, min_rate`` and, with embeddings, ``probe_auc,
        fisher_ratio`` (baseline means) and ``probe_auc_max, probe_auc_max_condition``.
        ``gap_share = macro_f1_gain / (1 - macro_f1)``: the share of the distance to
        a perfect macro-F1 that the pair accounts for. ``va_separation_sd``: the
        distance of the two classes' annotated VA means in units of their pooled
        spread (Mahalanobis; NaN without VA annotations): closeness relative to spread.
    per_seed : DataFrame
        :func:`pair_table` for the baseline and the interventions.
    by_condition : DataFrame
        Seed means (and ``confusion_rate_sd``) per (condition, pair).
    persistence : DataFrame
        One row per (pair, intervention): ``a, b, condition, n_seeds,
        baseline_rate, rate, change, relative_change, share_seeds_reduced,
        accuracy_change, resolved_share, wilcoxon_statistic, p_wilcoxon,
        p_wilcoxon_min, p_signflip, rank_biserial, cohen_dz, ci_low, ci_high, note,
        p_corr, p_adjust, significant, substantial, resolved, fixed``
        (``resolved_share``, ``resolved``: :class:`DegeneracyThresholds`). ``change = rate - baseline_rate``
        (negative = fewer confusions); tests are one-sided (``alternative="less"``:
        the intervention's rate is lower); ``p_corr`` is ``p_wilcoxon`` adjusted
        with ``p_adjust`` over the interventions of the pair.
    representation : DataFrame or None
        :func:`affectctl.controls.representation.representation_table` for the
        flagged and fixed pairs, when every dump has embeddings.
    clusters : DataFrame or None
        Davies–Bouldin and Calinski–Harabasz scores per (condition, seed).
    notes : tuple of str
        What the reader must know to read the verdicts (unreachable significance,
        skipped evidence).
    rng_seed : int
        Seed of every random draw (sign-flip Monte Carlo, CV splits).
    geometry_choice : GeometryChoice or None
        The geometry and why it was chosen (``auto``: the data's or ``nrc-vad``).
    covariances : ndarray of shape (K, 2, 2) or None
        Per-class covariance of the truth's VA annotations (the spread that a pair's
        closeness is relative to), when the dumps carry VA; NaN for classes without.
    geometry_sensitivity : GeometrySensitivity or None
        Every pair's verdict under each available geometry
        (:func:`affectctl.geometry_sensitivity.diagnosis_sensitivity`).
    """

    baseline: str
    interventions: tuple
    taxonomy: str
    classes: tuple
    geometry: str
    coords: np.ndarray
    seeds: tuple
    thresholds: DegeneracyThresholds
    va_distance_threshold: float
    pairs: pd.DataFrame
    per_seed: pd.DataFrame
    by_condition: pd.DataFrame
    persistence: pd.DataFrame
    representation: pd.DataFrame | None = None
    clusters: pd.DataFrame | None = None
    notes: tuple = ()
    rng_seed: int = 0
    geometry_choice: object = None
    covariances: np.ndarray | None = None
    geometry_sensitivity: object = None
    inputs: tuple = ()  # ({"path", "sha256"}, ...) of every input file (affectctl._provenance)

    @property
    def flagged(self) -> pd.DataFrame:
        """The degenerate pairs, in rank order."""
        return self.pairs[self.pairs["degenerate"]]

    def to_dict(self) -> dict:
        """JSON-ready summary: one record per pair in rank order, with its evidence.

        Each pair record holds ``rank, a, b, degenerate, status, reason``, an
        ``evidence`` mapping (baseline confusion, chance, VA distance and overlap,
        cost, representation), ``rates`` (seed-mean confusion rate per condition)
        and ``persistence`` (one record per intervention). NaN becomes ``null``.
        """
        pers = {k: g for k, g in self.persistence.groupby(["a", "b"], sort=False)}
        rates = {k: g for k, g in self.by_condition.groupby(["a", "b"], sort=False)}
        evidence_cols = [c for c in self.pairs.columns if c not in
                         ("rank", "a", "b", "degenerate", "status", "reason")]
        records = []
        for row in self.pairs.to_dict(orient="records"):
            key = (row["a"], row["b"])
            p = pers.get(key)
            r = rates.get(key)
            records.append({
                "rank": row["rank"], "a": row["a"], "b": row["b"],
                "degenerate": bool(row["degenerate"]), "status": row["status"],
                "reason": row["reason"],
                "evidence": {c: row[c] for c in evidence_cols},
                "rates": ({} if r is None else
                          dict(zip(r["condition"], r["confusion_rate"], strict=False))),
                "persistence": ([] if p is None else
                                p.drop(columns=["a", "b"]).to_dict(orient="records")),
            })
        out = {
            **document_header(self.inputs),
            "baseline": self.baseline,
            "interventions": list(self.interventions),
            "taxonomy": self.taxonomy,
            "classes": list(self.classes),
            "geometry": self.geometry,
            "seeds": list(self.seeds),
            "thresholds": self.thresholds.to_record(),
            "va_distance_threshold": self.va_distance_threshold,
            "notes": list(self.notes),
            "rng_seed": self.rng_seed,
            "n_degenerate": int(self.pairs["degenerate"].sum()),
            "pairs": records,
        }
        if self.clusters is not None:
            out["clusters"] = self.clusters.to_dict(orient="records")
        if self.geometry_choice is not None:
            out["geometry_choice"] = self.geometry_choice.to_record()
        if self.covariances is not None:
            out["va_covariances"] = {c: self.covariances[k] for k, c in enumerate(self.classes)}
        if self.geometry_sensitivity is not None:
            out["geometry_sensitivity"] = self.geometry_sensitivity.to_dict()
        return plain(out, finite=True)

    def to_frame(self) -> pd.DataFrame:
        """The pair table (a copy of :attr:`pairs`): one row per class pair, in rank order."""
        return self.pairs.copy()

    def _headline(self) -> tuple:
        n = int(self.pairs["degenerate"].sum())
        title = (f"DiagnosisResult: {n} degenerate pair(s) of {len(self.pairs)} "
                 f"({self.taxonomy}, baseline {self.baseline}, interventions "
                 f"{', '.join(self.interventions) or 'none'}, {len(self.seeds)} seeds, "
                 f"geometry {self.geometry})")
        cols = [c for c in ("rank", "a", "b", "status", "confusion_rate", "va_distance",
                            "macro_f1_gain") if c in self.pairs.columns]
        top = self.pairs[cols].head(5).set_index("rank")
        return title, top, f"top {len(top)} pairs; all in .to_frame(), the JSON document in .to_dict()"

    def __repr__(self) -> str:
        from .._display import text_view

        return text_view(*self._headline())

    def _repr_html_(self) -> str:
        from .._display import html_view

        return html_view(*self._headline())


# ============================================================================ diagnose
