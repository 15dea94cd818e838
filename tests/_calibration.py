"""Type-I error simulations of the paired tests (tests/stats, benchmarks/bench_stats.py).

Private: the simulation designs behind the calibration figures in the README.

Designs
-------
``seed``
    n seeds, paired differences iid N(0, 1): H0 holds exactly.
``iid``
    One stratum of ``n_groups * frames`` independent samples, K classes; A and B each
    predict the truth with probability 0.6, independently (exchangeable systems).
``video``
    The same number of frames, in ``n_groups`` videos of ``frames`` frames. Each
    video draws a per-system accuracy ``p_A, p_B ~ U(0.3, 0.9)`` independently, shared
    by its frames (a video random effect). The systems are exchangeable *per video*,
    not per frame, so swapping frames (unit="sample") misstates the null, while
    swapping videos (unit="group") is valid.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from affectctl.errors import DegenerateDataWarning
from affectctl.stats.samples import PairedPredictions, approximate_randomization, paired_bootstrap
from affectctl.stats.seeds import paired_ttest, signflip_test, wilcoxon_test

__all__ = ["Calibration", "seed_type1", "sample_type1"]


@dataclass(frozen=True)
class Calibration:
    """Rejection rate under H0 with its Clopper–Pearson 95% interval."""

    test: str
    design: str
    n_sim: int
    alpha: float
    rejections: int
    rate: float
    ci_low: float
    ci_high: float
    detail: str = ""

    def line(self) -> str:
        return (f"{self.test:<28} {self.design:<34} rate={self.rate:.4f} "
                f"[{self.ci_low:.4f}, {self.ci_high:.4f}]  (n_sim={self.n_sim}, "
                f"alpha={self.alpha:g}) {self.detail}")


def _summary(test, design, k, n_sim, alpha, detail=""):
    ci = stats.binomtest(k, n_sim).proportion_ci(0.95, method="exact")
    return Calibration(test, design, n_sim, alpha, k, k / n_sim, float(ci.low), float(ci.high),
                       detail)


def seed_type1(test: str, n_seeds: int, n_sim: int, *, alpha: float = 0.05,
               alternative: str = "two-sided", seed: int = 0) -> Calibration:
    """Rejection rate of a seed-level test with iid N(0, 1) differences."""
    rng = np.random.default_rng(seed)
    func = {"wilcoxon": wilcoxon_test, "signflip": signflip_test, "ttest": paired_ttest}[test]
    k = 0
    for _ in range(n_sim):
        d = rng.normal(size=n_seeds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            p = func(d, np.zeros(n_seeds), alternative=alternative, alpha=None).pvalue
        k += p <= alpha
    return _summary(test, f"seed: {n_seeds} seeds, d~N(0,1)", int(k), n_sim, alpha)


def _stratum(rng, design, n_groups, frames, k):
    n = n_groups * frames
    g = np.repeat(np.arange(n_groups), frames)
    y = rng.integers(0, k, n)
    if design == "iid":
        pa_ok, pb_ok = np.full(n, 0.6), np.full(n, 0.6)
    else:
        pa_ok = rng.uniform(0.3, 0.9, n_groups)[g]
        pb_ok = rng.uniform(0.3, 0.9, n_groups)[g]

    def predict(p_ok):
        wrong = (y + rng.integers(1, k, n)) % k
        return np.where(rng.random(n) < p_ok, y, wrong)

    return PairedPredictions(y, predict(pa_ok), predict(pb_ok), k, group=g)


def sample_type1(test: str, unit: str, design: str, n_sim: int, *, n_groups: int = 20,
                 frames: int = 30, n_classes: int = 4, n_resamples: int = 199,
                 metric: str = "expr_macro_f1", alpha: float = 0.05,
                 seed: int = 0) -> Calibration:
    """Rejection rate of AR (``test="ar"``) or the paired bootstrap under H0."""
    rng = np.random.default_rng(seed)
    func = {"ar": approximate_randomization, "bootstrap": paired_bootstrap}[test]
    k = 0
    for _ in range(n_sim):
        s = _stratum(rng, design, n_groups, frames, n_classes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            p = func(s, metric, unit=unit, n_resamples=n_resamples, rng=rng, alpha=None).pvalue
        k += p <= alpha
    return _summary(f"{test} unit={unit}", f"{design}: {n_groups}x{frames} frames, K={n_classes}",
                    int(k), n_sim, alpha, f"{metric}, R={n_resamples}")
