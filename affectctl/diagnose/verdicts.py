"""Persistence over seeds and the verdict of each pair.

For every pair and intervention, the paired change of the pair's confusion rate
against the baseline over seeds is tested with exact one-sided Wilcoxon and sign-flip
tests (:mod:`affectctl.stats.seeds`), adjusted over pairs (Holm 1979 by default); a
pair is then judged in the order of :data:`~affectctl.diagnose.thresholds.STATUSES`.

References
----------
.. [1] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       Scandinavian Journal of Statistics 6(2), 65–70.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from affectctl.errors import DegenerateDataWarning
from affectctl.diagnose.thresholds import _NO_CHANGE

def _tests(base, other, gen):
    """One-sided exact tests of ``other < base`` over seeds; dict of evidence."""
    from affectctl.stats.seeds import signflip_test, wilcoxon_test

    out = {"wilcoxon_statistic": np.nan, "p_wilcoxon": np.nan, "p_wilcoxon_min": np.nan,
           "p_signflip": np.nan, "rank_biserial": np.nan, "cohen_dz": np.nan,
           "ci_low": np.nan, "ci_high": np.nan, "note": ""}
    ok = np.isfinite(base) & np.isfinite(other)
    if ok.sum() < len(base):
        out["note"] = f"{int((~ok).sum())} seed(s) with an undefined rate (no support); not tested"
        return out
    d = other - base
    if np.all(d == 0):
        out.update(p_wilcoxon=1.0, p_signflip=1.0, p_wilcoxon_min=1.0, wilcoxon_statistic=0.0,
                   note="identical rate on every seed; no test")
        return out
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateDataWarning)
        w = wilcoxon_test(other, base, alternative="less", alpha=None)
        sf = signflip_test(other, base, alternative="less", rng=gen, alpha=None)
    out.update(wilcoxon_statistic=w.statistic, p_wilcoxon=w.p_value, p_wilcoxon_min=w.min_pvalue,
               p_signflip=sf.p_value, rank_biserial=w.rank_biserial, cohen_dz=w.cohen_dz,
               ci_low=w.ci_low, ci_high=w.ci_high)
    notes = [str(c.message) for c in caught if issubclass(c.category, DegenerateDataWarning)]
    if notes:
        out["note"] = " | ".join(notes)
    return out


def _persistence(per_seed, baseline, interventions, seeds, th, gen) -> pd.DataFrame:
    from affectctl.stats.correction import adjust_pvalues

    idx = ["a_index", "b_index"]
    base = per_seed[per_seed["condition"] == baseline].set_index(idx + ["seed"]).sort_index()
    rows = []
    for (ai, bi), bgrp in base.groupby(level=[0, 1], sort=True):
        b_rate = bgrp["confusion_rate"].to_numpy()
        b_acc = bgrp["pair_accuracy"].to_numpy()
        a_name, b_name = bgrp["a"].iloc[0], bgrp["b"].iloc[0]
        for c in interventions:
            g = per_seed[(per_seed["condition"] == c) & (per_seed["a_index"] == ai)
                         & (per_seed["b_index"] == bi)].sort_values("seed")
            rate = g["confusion_rate"].to_numpy()
            acc = g["pair_accuracy"].to_numpy()
            mb, mo = np.nanmean(b_rate) if np.isfinite(b_rate).any() else np.nan, \
                np.nanmean(rate) if np.isfinite(rate).any() else np.nan
            rel = (mo - mb) / mb if mb > 0 else np.nan
            row = {"a": a_name, "b": b_name, "a_index": ai, "b_index": bi, "condition": c,
                   "n_seeds": len(seeds), "baseline_rate": mb, "rate": mo, "change": mo - mb,
                   "relative_change": rel,
                   "share_seeds_reduced": float(np.mean(rate < b_rate)),
                   "accuracy_change": (np.nanmean(acc) - np.nanmean(b_acc)
                                       if np.isfinite(acc).any() and np.isfinite(b_acc).any()
                                       else np.nan)}
            # a share: clipped to [0, 1]; outside it the pair's accuracy moved for reasons other
            # than these confusions (other errors of the pair's classes came or went), and the
            # decision against min_resolved_share in (0, 1) is the same either way
            row["resolved_share"] = (float(np.clip(row["accuracy_change"] / -row["change"], 0.0, 1.0))
                                     if row["change"] < 0 and np.isfinite(row["accuracy_change"])
                                     else np.nan)
            row.update(_tests(b_rate, rate, gen))
            rows.append(row)
    cols = ["a", "b", "a_index", "b_index", "condition", "n_seeds", "baseline_rate", "rate",
            "change", "relative_change", "share_seeds_reduced", "accuracy_change",
            "resolved_share",
            "wilcoxon_statistic", "p_wilcoxon", "p_wilcoxon_min", "p_signflip", "rank_biserial",
            "cohen_dz", "ci_low", "ci_high", "note"]
    frame = pd.DataFrame(rows, columns=cols)
    if frame.empty:
        for c in ("p_corr", "p_adjust", "significant", "substantial", "resolved", "fixed"):
            frame[c] = pd.Series(dtype=object)
        return frame
    frame["p_corr"] = frame["p_wilcoxon"]
    for _, g in frame.groupby(["a_index", "b_index"], sort=False):
        p = g["p_wilcoxon"].to_numpy()
        if np.isfinite(p).sum() > 1:  # a family of one test is left as is by every method
            frame.loc[g.index, "p_corr"] = adjust_pvalues(p, method=th.correction)
    frame["p_adjust"] = th.correction
    frame["significant"] = (frame["p_corr"] < th.alpha).fillna(False).astype(bool)
    frame["substantial"] = ((-frame["relative_change"] >= th.min_relative_reduction)
                            & (frame["share_seeds_reduced"] >= th.min_seed_share)).fillna(False)
    frame["resolved"] = (frame["resolved_share"] >= th.min_resolved_share).fillna(False)
    frame["fixed"] = ((frame["significant"] | frame["substantial"]) & frame["resolved"]
                      & (frame["change"] < 0)).astype(bool)
    return frame


def _warn_empty_classes(per_seed, tax) -> None:
    """One DegenerateDataWarning naming the classes without a true sample in some run."""
    empty = {}
    for col, idx in (("n_a", "a_index"), ("n_b", "b_index")):
        z = per_seed[per_seed[col] == 0]
        for k, c, s in zip(z[idx], z["condition"], z["seed"], strict=True):
            empty.setdefault(tax.classes[k], set()).add((c, int(s)))
    if not empty:
        return
    parts = []
    for name, runs_ in empty.items():
        seeds = sorted({s for _, s in runs_})
        parts.append(f"'{name}' (seed(s) {seeds})")
    warnings.warn(f"class(es) {', '.join(parts)} have no true sample: there a pair's confusion "
                  "rate counts only its other class's samples (NaN when neither class has one; "
                  "NaN rates are left out of seed means and their pairs are not tested), and a "
                  "pair whose mean support is below `min_support` is reported as 'low-support'.",
                  DegenerateDataWarning, stacklevel=3)


def _separation_sd(means, covs, i, j) -> float:
    """Distance of two classes' VA means in units of their pooled spread (Mahalanobis).

    .. math:: \\sqrt{(\\mu_a - \\mu_b)^\\top \\Sigma^{-1} (\\mu_a - \\mu_b)},
              \\qquad \\Sigma = (\\Sigma_a + \\Sigma_b) / 2

    from the truth's VA annotations (NaN without them, or with a singular Σ). Two
    classes 0.3 apart are far for tight clouds and close for wide ones.
    """
    if means is None or covs is None:
        return float("nan")
    d = means[i] - means[j]
    s = (covs[i] + covs[j]) / 2.0
    if not (np.isfinite(d).all() and np.isfinite(s).all()) or np.linalg.det(s) <= 0:
        return float("nan")
    return float(np.sqrt(d @ np.linalg.solve(s, d)))


def _nanmean0(x):
    """Mean over axis 0 ignoring NaN; NaN (no warning) where every value is NaN."""
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x)
    cnt = ok.sum(axis=0)
    tot = np.where(ok, x, 0.0).sum(axis=0)
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def _pct(x):
    """Signed whole percent; a change that rounds to 0 (e.g. -4e-16) prints as ``0%``."""
    if not np.isfinite(x):
        return "n/a"
    v = round(100 * float(x))
    return "0%" if v == 0 else f"{v:+d}%"


def _p(x):
    return f"{x:.3g}" if np.isfinite(x) else "n/a"


def _verdicts(agg, pers, th, dist_thr, dist_label, interventions, coord_ok):
    status, reason, fixed_by, best = [], [], [], []
    pers_by = {k: g for k, g in pers.groupby(["a_index", "b_index"], sort=False)}
    for row in agg.itertuples(index=False):
        g = pers_by.get((row.a_index, row.b_index))
        fixers = g[g["fixed"]].sort_values("relative_change") if g is not None else None
        fixed_by.append("" if fixers is None else ";".join(fixers["condition"]))
        # the best intervention is the one that reduced the pair's confusion most; one that
        # made it worse (or left it, up to rounding) is never reported as "best"
        if g is not None and len(g) and (g["relative_change"] < -_NO_CHANGE).any():
            b = g.loc[g["relative_change"].idxmin()]
            best.append((b["condition"], b["relative_change"], b["p_corr"]))
        else:
            best.append((None, np.nan, np.nan))
        heavy_txt = (f"confusion {row.confusion_rate:.1%} of the pair's samples, "
                     f"{row.lift:.1f}x chance ({row.chance_rate:.1%})")
        if not (min(row.support_a, row.support_b) >= th.min_support):
            status.append("low-support")
            reason.append(f"support {row.support_a:.0f}/{row.support_b:.0f} per seed < "
                          f"{th.min_support:g}")
        elif not row.heavily_confused:
            status.append("not-confused")
            reason.append(f"{heavy_txt}; needs >= {th.min_confusion_rate:.0%} and >= "
                          f"{th.min_lift:g}x chance")
        elif fixers is not None and len(fixers):
            status.append("fixed")
            f = fixers.iloc[0]
            reason.append(f"fixed by {f['condition']}: {_pct(f['relative_change'])}, "
                          f"p={_p(f['p_wilcoxon'])} (adj. {_p(f['p_corr'])}), "
                          f"{f['share_seeds_reduced']:.0%} of seeds lower"
                          + (f"; also {', '.join(fixers['condition'].iloc[1:])}"
                             if len(fixers) > 1 else ""))
        elif not np.isfinite(row.va_distance):
            status.append("no-coordinate")
            lacking = [n for n, i in ((row.a, row.a_index), (row.b, row.b_index))
                       if not coord_ok[i]]
            reason.append(f"{heavy_txt}; no VA coordinate for {' and '.join(lacking)} in this "
                          "geometry")
        elif not row.close:
            status.append("not-close")
            reason.append(f"{heavy_txt}; VA distance {row.va_distance:.2f} > {dist_thr:.2f} "
                          f"({dist_label})")
        elif not interventions:
            status.append("candidate")
            reason.append(f"{heavy_txt}; VA distance {row.va_distance:.2f} <= {dist_thr:.2f}; "
                          "persistence untested (no intervention given)")
        else:
            status.append("degenerate")
            bc, brel, bp = best[-1]
            tail = (f"best: {bc} {_pct(brel)}, adj. p={_p(bp)}" if bc is not None
                    else "none reduced it")
            reason.append(f"{heavy_txt}; VA distance {row.va_distance:.2f} <= {dist_thr:.2f} "
                          f"({dist_label}); no intervention resolved it ({tail})")
    return status, reason, fixed_by, best
