"""Where a comparison is won and lost, and how well each run's probabilities are calibrated.

Two tables for the report's per-video view, computed from the same aligned runs as the
tests (no resampling, no test: descriptive statistics the figures draw):

:func:`per_group_differences`
    For each compared pair (a, b) and each group (video or subject), the accuracy of a
    and of b over the group's samples, pooled over the seeds, and their difference.
    Accuracy is the share of correct predictions, which stays defined on a video with
    one class present (a per-video macro-F1 does not).
:func:`reliability_table`
    For each run (condition, seed) with probabilities, the equal-width confidence bins
    of Guo et al. (2017): per bin, the number of samples, the mean confidence and the
    accuracy; and the run's ECE, :func:`affectctl.metrics.probability.expected_calibration_error`
    with the same bins (the tests check that the two agree).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from affectctl.io.runs import RunSet, aligned

__all__ = ["per_group_differences", "reliability_table", "N_BINS"]

#: Confidence bins of the reliability diagrams (Guo et al. 2017, 15 equal-width bins).
N_BINS = 15


def per_group_differences(runs: RunSet, pairs, seeds) -> pd.DataFrame | None:
    """Accuracy per group of a and b (pooled over seeds) and the difference a − b.

    .. math:: \\mathrm{acc}_g(c) = \\frac{\\sum_s \\sum_{i \\in g} [\\hat y^{(c,s)}_i = y_i]}
              {\\sum_s |g|}, \\qquad \\Delta_g = \\mathrm{acc}_g(a) - \\mathrm{acc}_g(b)

    Parameters
    ----------
    runs : RunSet
        Every run of the compared conditions (the same samples in every run).
    pairs : sequence of (str, str)
    seeds : sequence of int

    Returns
    -------
    DataFrame or None
        ``a, b, group, n`` (samples of the group over all seeds), ``acc_a, acc_b,
        delta``, sorted by pair then ``delta``; None when a run has no group column.
    """
    records = []
    for a, b in pairs:
        correct_a, correct_b, groups = [], [], []
        for s in seeds:
            da, db, order = aligned(runs, a, b, s)
            if da.group is None:
                return None
            correct_a.append(da.y_pred == da.y_true)
            correct_b.append(db.y_pred[order] == da.y_true)
            groups.append(np.asarray(da.group, dtype=str))
        frame = pd.DataFrame({"group": np.concatenate(groups),
                              "ca": np.concatenate(correct_a).astype(np.float64),
                              "cb": np.concatenate(correct_b).astype(np.float64)})
        agg = frame.groupby("group", sort=True).agg(n=("ca", "size"), acc_a=("ca", "mean"),
                                                    acc_b=("cb", "mean")).reset_index()
        agg["delta"] = agg["acc_a"] - agg["acc_b"]
        agg.insert(0, "b", b)
        agg.insert(0, "a", a)
        records.append(agg.sort_values(["delta", "group"], kind="stable"))
    if not records:
        return None
    out = pd.concat(records, ignore_index=True)
    out["n"] = out["n"].astype(np.int64)
    return out


def reliability_table(runs: RunSet, conditions, seeds, n_bins: int = N_BINS) -> pd.DataFrame | None:
    """Reliability-diagram bins of every run that has probabilities.

    Confidence is the top-class probability; bin ``b`` (0-based) holds confidences in
    ``(b/M, (b+1)/M]`` (the first also 0), M = ``n_bins``, as in
    :func:`~affectctl.metrics.probability.expected_calibration_error`.

    Returns
    -------
    DataFrame or None
        ``condition, seed, bin, lo, hi, n, confidence, accuracy, ece`` (``ece`` of the
        run, repeated on its rows; bins without samples are left out); None when no
        run has probabilities.
    """
    from affectctl.metrics.probability import expected_calibration_error

    records = []
    for c in conditions:
        for s in seeds:
            d = runs.dump(c, s)
            if d.proba is None:
                continue
            p = np.asarray(d.proba, dtype=np.float64)
            conf = p.max(axis=1)
            correct = (p.argmax(axis=1) == d.y_true).astype(np.float64)
            bins = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
            n = np.bincount(bins, minlength=n_bins)
            acc = np.bincount(bins, weights=correct, minlength=n_bins)
            cf = np.bincount(bins, weights=conf, minlength=n_bins)
            ece = expected_calibration_error(p, d.y_true, n_bins=n_bins)
            for b in np.flatnonzero(n):
                records.append({"condition": c, "seed": int(s), "bin": int(b), "lo": b / n_bins,
                                "hi": (b + 1) / n_bins, "n": int(n[b]),
                                "confidence": cf[b] / n[b], "accuracy": acc[b] / n[b],
                                "ece": ece})
    return pd.DataFrame.from_records(records) if records else None
