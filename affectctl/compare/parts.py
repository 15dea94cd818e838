"""Pieces of :func:`affectctl.compare.compare`: single-run differences, metric checks,
messages that name the runs, and the Westfall–Young family.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from affectctl.errors import ConfigError
from affectctl.metrics.catalog import sample_statistic
from affectctl.metrics.compute import GeometryContext

_DIFF_COLUMNS = ["a", "b", "metric", "value_a", "value_b", "mean_diff", "ci_low", "ci_high",
                 "confidence", "unit", "n", "n_resamples", "seed", "method", "ci_method"]


def _single_run_differences(a, b, strata, headline, official, tax, geo, context, context_filled, wide,
                            run_seed, *, unit, n_resamples, rng, about, sums="auto",
                            only=None) -> list:
    """Paired-bootstrap CIs of metric(a) − metric(b) for one run per condition.

    Every headline metric the sample-level engine knows, then ``f1:<Class>`` for every
    class (the per-class F1 difference plot), resampling ``unit`` (Efron & Tibshirani
    1993, percentile interval; the same units for both systems, Koehn 2004); with
    ``only``, those of :func:`single_run_difference_metrics` only.
    """
    from affectctl.stats import samples as sample_stats

    out = []
    wanted = single_run_difference_metrics(headline, official, tax)
    for metric, sample_metric in wanted if only is None else [w for w in wanted if w[0] in only]:
        if sample_metric is None:
            continue
        ctx, use = context, strata
        if sample_metric == "expected_cost":
            ctx, use = context_filled, [_without_uncoordinated(st, geo) for st in strata]
        with about:
            res = sample_stats.paired_bootstrap(use, sample_metric, unit=unit, n_resamples=n_resamples,
                                                alternative="two-sided", rng=rng, context=ctx,
                                                sums=sums)
        out.append(difference_row(a, b, metric, res, wide, run_seed, unit))
    return out


def difference_row(a, b, metric, boot, wide, run_seed, unit) -> dict:
    """One single-run difference: the two runs' values and the paired bootstrap ``boot``'s
    mean difference and percentile interval."""
    va = wide.loc[(a, run_seed)].get(metric, np.nan) if metric in wide.columns else np.nan
    vb = wide.loc[(b, run_seed)].get(metric, np.nan) if metric in wide.columns else np.nan
    return {"a": a, "b": b, "metric": metric, "value_a": float(va), "value_b": float(vb),
            "mean_diff": boot.mean_diff, "ci_low": boot.ci_low, "ci_high": boot.ci_high,
            "confidence": boot.confidence, "unit": unit, "n": boot.n,
            "n_resamples": boot.n_resamples, "seed": boot.seed,
            "method": "paired bootstrap, percentile interval",
            "ci_method": "bootstrap_percentile"}


def single_run_difference_metrics(headline, official, tax) -> list:
    """``(metric, sample statistic)`` of the single-run differences, in their order: every
    headline metric (statistic None when the engine has none), then ``f1:<Class>``."""
    wanted = [(m, sample_statistic(m, official)) for m in headline]
    return wanted + [(f"f1:{c}", f"f1:{c}") for c in tax.classes if f"f1:{c}" not in headline]


def _both(xa, xb, order):
    """(xa, xb reordered) when both runs carry the array, else (None, None)."""
    if xa is None or xb is None:
        return None, None
    return xa, xb[order]


def _au_arrays(da, db, order) -> dict:
    """``au_true, au_a, au_b`` of a stratum when both runs carry the same AU columns, else {}."""
    if da.au_true is None or da.au_pred is None or db.au_pred is None or \
            tuple(da.au_names) != tuple(db.au_names):
        return {}
    return {"au_true": da.au_true, "au_a": da.au_pred, "au_b": db.au_pred[order]}


#: Dump columns a metric needs, for saying why it is missing in one run.
def _needs(metric: str) -> str:
    if metric.startswith("va_") or metric in ("abaw3_va_score", "abaw_mtl_score"):
        return "v_pred/a_pred columns"
    if metric.startswith("au_") or metric.endswith("_au_score"):
        return "au<N>_true/au<N>_pred columns"
    if metric in ("ece", "confidence_mean", "expected_cost") or metric.startswith("brier"):
        return "p_<Class> probability columns"
    return "the columns this metric needs"


def _check_metrics_everywhere(table, runset, conditions, seeds, headline) -> None:
    """Every headline metric must be defined for every run, else name the runs that lack it.

    A metric computed for one condition but not another (say VA in A's dumps only) would
    otherwise surface deep inside a test under an internal argument name.
    """
    have = table[np.isfinite(table["value"].to_numpy(dtype=float))]
    have = set(zip(have["condition"], have["seed"], have["metric"]))
    everywhere = [m for m in headline
                  if all((c, s, m) in have for c in conditions for s in seeds)]
    hint = (f"keep the metrics every run has with {' '.join('--metric ' + m for m in everywhere)}"
            if everywhere else "choose other metrics with --metric")
    for metric in headline:
        where = [(c, s) for c in conditions for s in seeds if (c, s, metric) in have]
        lacking = [(c, s) for c in conditions for s in seeds if (c, s, metric) not in have]
        if not lacking:
            continue
        c, s = lacking[0]
        src = runset.dump(c, s).source
        if where:
            c2, s2 = where[0]
            raise ConfigError(f"{src} has no {_needs(metric)} but {runset.dump(c2, s2).source} "
                              f"has; {metric} needs both (condition '{c}', seed {s}; {hint}).")
        raise ConfigError(f"metric {metric} is not defined for any run (e.g. {src}); {hint}.")


class _About:
    """Put the conditions, seed(s) and files of a comparison on its errors and warnings.

    The statistics speak of ``a``/``b``, ``va_a``, ``proba_b``; a user of ``compare``
    knows conditions, seeds and files. Errors raised and warnings emitted inside the
    block are re-raised/re-emitted with that context in front and the internal names
    replaced.
    """

    def __init__(self, a, b, seeds, runset):
        self.a, self.b, self.seeds, self.runset = a, b, tuple(seeds), runset

    def _prefix(self) -> str:
        if self.b is None:        # one run
            s = self.seeds[0]
            return f"condition '{self.a}', seed {s} ({self.runset.dump(self.a, s).source}): "
        files = ", ".join(f"{self.runset.dump(c, s).source}" for s in self.seeds[:1]
                          for c in (self.a, self.b))
        seeds = (f"seed {self.seeds[0]}" if len(self.seeds) == 1
                 else f"seeds {', '.join(str(s) for s in self.seeds)}")
        more = ", ..." if len(self.seeds) > 1 else ""
        return f"{self.a} vs {self.b} ({seeds}; {files}{more}): "

    def _words(self, text: str) -> str:
        import re

        a, b = self.a, self.b
        subs = {"`a`": f"'{a}'", "`b`": f"'{b}'", "`pred_a`": f"{a}'s predictions",
                "`pred_b`": f"{b}'s predictions", "`proba_a`": f"{a}'s p_<Class> columns",
                "`proba_b`": f"{b}'s p_<Class> columns", "`va_a`": f"{a}'s v_pred/a_pred",
                "`va_b`": f"{b}'s v_pred/a_pred", "`va_true`": "v_true/a_true",
                "`y_true`": "y_true", "`group`": "group"}
        for k, v in subs.items():
            text = text.replace(k, v)
        text = re.sub(r"[;,] use `on_empty` to control this", "", text)   # not a compare option
        text = self._class_names(text)
        text = re.sub(r"\bA and B\b", lambda _: f"{a} and {b}", text)  # names are text, not templates
        text = re.sub(r"^\w+_test: ", "", text)
        return text

    def _class_names(self, text: str) -> str:
        """``(class index 3)`` of a metric's warning as ``(class Fear)``: the taxonomy's names."""
        from affectctl.metrics.confusion import name_class_indices

        try:
            classes = self.runset.dump(self.a, self.seeds[0]).taxonomy.classes
        except (IndexError, KeyError, AttributeError, ValueError):
            return text
        return name_class_indices(text, classes)

    def __enter__(self):
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, exc_type, exc, tb):
        from affectctl.errors import AffectctlError

        self._cm.__exit__(None, None, None)
        for w in self._caught:
            msg = self._prefix() + self._words(str(w.message))
            warnings.warn_explicit(msg, w.category, w.filename, w.lineno)
        if exc is not None and isinstance(exc, AffectctlError):
            raise _with_message(exc, self._prefix() + self._words(str(exc))) from None
        return False


def _with_message(exc, message):
    """A copy of an AffectctlError whose one-line message is ``message``."""
    from affectctl.errors import ConfigError

    try:
        new = type(exc)(message)
    except TypeError:
        new = ConfigError(message)
    return new


def _without_uncoordinated(stratum, geo: GeometryContext):
    """The stratum with samples whose true class has no coordinate marked excluded (-1).

    ``expected_cost`` leaves those samples out (see :func:`affectctl.metrics.compute.compute_metrics`);
    the sample-level test must test the same quantity.
    """
    import dataclasses

    has = np.isfinite(geo.coords).all(axis=1)
    y = stratum.y_true
    keep = (y < 0) | has[np.clip(y, 0, None)]
    if keep.all():
        return stratum
    return dataclasses.replace(stratum, y_true=np.where(keep, y, -1))


def _westfall_young(rows: pd.DataFrame, wide: pd.DataFrame, seeds, alternative, n_resamples, rng):
    """Max-T adjusted p-values of the sign-flip family from one joint sign-flip null.

    Columns are the (pair, metric) tests; each replicate flips the same seeds in every
    column. Statistics are standardised by their null sd (metrics differ in scale).
    Tests whose per-seed values are not all finite get NaN; tests whose differences are
    all zero (raw p = 1, no null spread to standardise by) get 1, as under Holm.
    """
    from affectctl.stats.correction import westfall_young_maxt
    from affectctl.stats.seeds import joint_signflip_null

    xa = np.column_stack([wide.loc[r.a][r.metric].reindex(seeds).to_numpy(dtype=np.float64)
                          for r in rows.itertuples()])
    xb = np.column_stack([wide.loc[r.b][r.metric].reindex(seeds).to_numpy(dtype=np.float64)
                          for r in rows.itertuples()])
    finite = np.isfinite(xa).all(axis=0) & np.isfinite(xb).all(axis=0)
    ok = finite & ((xa - xb) != 0).any(axis=0)
    out = np.where(finite & ~ok, 1.0, np.nan)
    if ok.any():
        joint = joint_signflip_null(xa[:, ok], xb[:, ok], n_resamples=n_resamples, rng=rng)
        out[ok] = westfall_young_maxt(joint.observed, joint.null, alternative=alternative,
                                      exact=joint.exact, standardize=True)
    return out


def readjust_families(comps: pd.DataFrame, wide: pd.DataFrame, result) -> pd.Series:
    """Adjusted p-values of the headline test families, as :func:`affectctl.compare.compare` does.

    The correction ``result.settings`` names, per test family: Westfall–Young for
    ``signflip`` under ``correction="westfall-young"`` (Holm for the other families),
    else :func:`affectctl.stats.correction.adjust_pvalues`. Geometry sensitivity receives
    it as its ``readjust`` callable.
    """
    from affectctl.stats.correction import adjust_pvalues

    st = result.settings
    correction = st.get("correction", "holm")
    out = pd.Series(np.nan, index=comps.index)
    for test, idx in comps.groupby("test").groups.items():
        rows = comps.loc[idx]
        if correction == "westfall-young" and test == "signflip":
            out.loc[idx] = _westfall_young(rows, wide, list(result.seeds), st.get("alternative"),
                                           int(st.get("n_resamples")), st.get("seed"))
            continue
        method = "holm" if correction == "westfall-young" else correction
        out.loc[idx] = adjust_pvalues(rows["p_value"].to_numpy(dtype=float), method=method)
    return out
