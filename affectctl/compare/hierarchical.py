"""The ``hierarchical_bootstrap`` record of :func:`affectctl.compare.compare` (``--sample-test
hierarchical``): the two-level bootstrap over seeds and test units, with its own interval."""

from __future__ import annotations

from affectctl.stats.equivalence import tost_hierarchical
from affectctl.stats.samples import hierarchical_bootstrap

__all__ = ["hierarchical_record", "hierarchical_tost_record"]


def hierarchical_record(a, b, metric, strata, sample_metric, *, unit, n_resamples, alternative,
                        rng, context, keep: dict | None = None) -> dict:
    """One comparison record of metric(a) - metric(b) from the two-level bootstrap.

    The interval is the test's own (``ci_method="two_level_t"``: a t interval from the
    two-level variance, corrected for few seeds), the p-value from the same t; ``level`` says ``"seed_and_unit"`` (>= 2 seeds) or ``"unit"`` (one
    seed: the seeds cannot be resampled). ``variance_share`` is
    ``{"seed": s, "sample": t}``, s + t = 1. ``keep``, when given, receives
    ``{"test", "statistic", "null"}``: the R two-level replicates (for the aggregate over
    datasets, :func:`affectctl.compare.multi.compare_datasets`).
    """
    res = hierarchical_bootstrap(strata, sample_metric, unit=unit, n_resamples=n_resamples,
                                 alternative=alternative, rng=rng, context=context,
                                 return_null=keep is not None)
    if keep is not None:
        keep.update(test=res.test, statistic=res.delta, null=res.null_distribution,
                    level=res.level, unit=res.unit, se=res.se, df=res.df, n=res.n,
                    n_seeds=res.n_seeds, seed=res.seed)
    rec = res.to_record()
    rec.pop("variance")
    rec.pop("seed_deltas")
    return {"a": a, "b": b, "metric": metric, **rec, "estimate": res.delta,
            "ci_n_resamples": res.n_resamples}


def hierarchical_tost_record(a, b, metric, kept: dict, margin, *, alpha, alternative) -> dict:
    """The two-level TOST record (``method="tost_hierarchical"``) from what
    :func:`hierarchical_record` kept: its t interval at 1 - 2 alpha inside ±margin."""
    eq = tost_hierarchical(kept["statistic"], kept["se"], kept["df"], margin, n=kept["n"],
                           n_seeds=kept["n_seeds"], alpha=alpha, alternative=alternative,
                           seed=kept["seed"], unit=kept["unit"])
    return {"a": a, "b": b, "metric": metric, **eq.to_record(), "unit": kept["unit"],
            "level": kept["level"], "n_seeds": kept["n_seeds"]}
