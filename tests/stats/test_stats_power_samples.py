"""Test-set power checked by simulation: at the reported smallest difference the
empirical power of the test is within 3 points of the target.

McNemar: exact two-sided p-value on the discordant counts (equal to
scipy.stats.binomtest, see test_stats_classifier.py). Videos: approximate randomization
over videos of the accuracy difference (swapping A and B in a video flips the sign of
that video's sum of D = 1[B right] - 1[A right]), checked once against affectctl's own
``approximate_randomization(unit="group")``.
"""

import numpy as np
import pytest
from scipy import stats

from affectctl.errors import ConfigError
from affectctl.stats import PairedPredictions, approximate_randomization
from affectctl.stats.samples.power import (
    mcnemar_exact_power,
    paired_correctness_summary,
    samples_power_analysis,
)


def test_mcnemar_power_by_simulation():
    n, d, target = 600, 0.3, 0.8
    rep = samples_power_analysis(n, disagreement=d, power=target)
    delta = rep.min_diff["mcnemar"]
    rng = np.random.default_rng(0)
    sims = 6000
    counts = rng.multinomial(n, [(d - delta) / 2, (d + delta) / 2, 1 - d], size=sims)
    b, c = counts[:, 0], counts[:, 1]
    p = np.minimum(1.0, 2 * stats.binom.cdf(np.minimum(b, c), b + c, 0.5))
    assert p[0] == pytest.approx(stats.binomtest(int(b[0]), int(b[0] + c[0]), 0.5).pvalue)
    empirical = np.mean(p <= 0.05)
    assert abs(empirical - target) <= 0.03, (delta, empirical)
    # and a difference 30% smaller is clearly under-powered
    assert mcnemar_exact_power(n, d, 0.7 * delta) < target - 0.15


def _grouped_sample(rng, g, m, d, delta, rho):
    """(G, m) per-frame D in {-1, 0, 1}: each frame copies its video's draw with prob sqrt(rho)."""
    probs = [(d - delta) / 2, (d + delta) / 2, 1 - d]          # D = -1, +1, 0
    vals = np.array([-1, 1, 0])
    video = vals[rng.choice(3, size=(g, 1), p=probs)]
    own = vals[rng.choice(3, size=(g, m), p=probs)]
    return np.where(rng.random((g, m)) < np.sqrt(rho), video, own)


def test_grouped_power_by_simulation():
    g, m, d, rho, target = 100, 20, 0.3, 0.2, 0.8
    rep = samples_power_analysis(g * m, disagreement=d, n_groups=g, icc=rho, power=target)
    delta = rep.min_diff["ar_group"]
    assert rep.design_effect == pytest.approx(1 + (m - 1) * rho)
    rng = np.random.default_rng(1)
    sims, r = 2000, 999
    sums = np.stack([_grouped_sample(rng, g, m, d, delta, rho).sum(axis=1) for _ in range(sims)])
    signs = rng.choice([-1.0, 1.0], size=(r, g))
    null = signs @ sums.T                                       # (R, sims)
    obs = sums.sum(axis=1)
    ge = (null >= obs - 1e-9).sum(axis=0)
    le = (null <= obs + 1e-9).sum(axis=0)
    p = np.minimum(1.0, 2 * np.minimum(ge + 1, le + 1) / (r + 1))
    empirical = np.mean(p <= 0.05)
    assert abs(empirical - target) <= 0.03, (delta, empirical)

    # the vectorised test is affectctl's AR over videos on accuracy
    x = _grouped_sample(np.random.default_rng(5), g, m, d, delta, rho).ravel()
    y = np.zeros(x.size, int)
    pa = np.where(x == -1, 0, np.where(x == 1, 1, 0))            # A right where D = -1 or 0
    pb = np.where(x == 1, 0, np.where(x == -1, 1, 0))
    pa[x == 0], pb[x == 0] = 0, 0
    grp = np.repeat(np.arange(g), m)
    res = approximate_randomization(PairedPredictions(y, pb, pa, n_classes=2, group=grp),
                                    "accuracy", unit="group", n_resamples=9999, rng=0)
    s = x.reshape(g, m).sum(axis=1)
    flips = np.random.default_rng(6).choice([-1.0, 1.0], size=(20000, g)) @ s
    ref = min(1.0, 2 * min(np.mean(flips >= s.sum() - 1e-9), np.mean(flips <= s.sum() + 1e-9)))
    assert abs(res.pvalue - ref) <= 4 * res.mc_se + 0.01


def test_samples_needed_reaches_target_and_validation():
    rep = samples_power_analysis(3068, accuracy=0.88, diff=0.02)
    assert rep.disagreement == pytest.approx(2 * 0.88 * 0.12)
    nn = rep.samples_needed["mcnemar"]
    assert mcnemar_exact_power(nn, rep.disagreement, 0.02) >= 0.8
    assert mcnemar_exact_power(nn - 50, rep.disagreement, 0.02) < 0.8
    with pytest.raises(ConfigError, match="--accuracy, --disagreement or --from"):
        samples_power_analysis(100)
    with pytest.raises(ConfigError, match="--groups and --icc"):
        samples_power_analysis(100, disagreement=0.2, n_groups=10)
    with pytest.raises(ConfigError, match="larger than the disagreement"):
        samples_power_analysis(100, disagreement=0.05, diff=0.1)


def test_correctness_summary_icc():
    rng = np.random.default_rng(3)
    x = _grouped_sample(rng, 400, 10, 0.4, 0.0, 0.25).ravel()
    ra, rb = x == -1, x == 1
    out = paired_correctness_summary(ra, rb, np.repeat(np.arange(400), 10))
    assert out["disagreement"] == pytest.approx(np.mean(x != 0))
    assert out["n_groups"] == 400 and out["icc"] == pytest.approx(0.25, abs=0.05)


def test_power_cli_samples(tmp_path):
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from affectctl.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["power", "--samples", "4000", "--accuracy", "0.62", "--diff", "0.02",
                              "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["disagreement"] == pytest.approx(2 * 0.62 * 0.38)
    assert doc["min_diff"]["mcnemar"] == pytest.approx(
        samples_power_analysis(4000, accuracy=0.62).min_diff["mcnemar"])
    assert doc["samples_needed"]["mcnemar"] > 4000
    res = runner.invoke(app, ["power", "--samples", "20000", "--groups", "200", "--icc", "0.3",
                              "--disagreement", "0.3"])
    assert res.exit_code == 0 and "AR over 200 videos" in res.stdout and "design effect" in res.stdout
    # --from two runs: accuracy and disagreement estimated from the files
    rng = np.random.default_rng(0)
    y = rng.integers(0, 8, 500)
    for name, acc in (("a", 0.6), ("b", 0.7)):
        pred = np.where(rng.random(500) < acc, y, (y + 1) % 8)
        pd.DataFrame({"sample_id": np.arange(500), "y_true": y, "y_pred": pred}).to_csv(
            tmp_path / f"{name}.csv", index=False)
    res = runner.invoke(app, ["power", "--from", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                              "--taxonomy", "affwild2-expr8", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    fa, fb = (pd.read_csv(tmp_path / f"{n}.csv") for n in "ab")
    ra, rb = fa.y_true == fa.y_pred, fb.y_true == fb.y_pred
    assert doc["n_samples"] == 500 and doc["accuracy"] == pytest.approx(ra.mean())
    assert doc["disagreement"] == pytest.approx(np.mean(ra != rb))
    res = runner.invoke(app, ["power", "--icc", "0.2"])
    assert res.exit_code == 2 and "--samples" in res.stderr
