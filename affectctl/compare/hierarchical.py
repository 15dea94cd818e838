"""The ``hierarchical_bootstrap`` record of :func:`affectctl.compare.compare` (``--sample-test
hierarchical``): the two-level bootstrap over seeds and test units, with its own interval."""

from __future__ import annotations

from affectctl.stats.samples import hierarchical_bootstrap

__all__ = ["hierarchical_record"]


def hierarchical_record(a, b, metric, strata, sample_metric, *, unit, n_resamples, alternative,
                        rng, context) -> dict:
    """One comparison record of metric(a) - metric(b) from the two-level bootstrap.

    The interval is the test's own percentile interval (``ci_method``), the p-value
    its inversion; ``level`` says ``"seed_and_unit"`` (>= 2 seeds) or ``"unit"`` (one
    seed: the seeds cannot be resampled). ``variance_share`` is
    ``{"seed": s, "sample": t}``, s + t = 1.
    """
    res = hierarchical_bootstrap(strata, sample_metric, unit=unit, n_resamples=n_resamples,
                                 alternative=alternative, rng=rng, context=context)
    rec = res.to_record()
    rec.pop("variance")
    rec.pop("seed_deltas")
    return {"a": a, "b": b, "metric": metric, **rec, "estimate": res.delta,
            "ci_n_resamples": res.n_resamples}
