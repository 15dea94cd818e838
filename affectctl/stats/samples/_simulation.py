"""A generator of paired runs with a seed effect and a video effect (for calibration).

Linear-probability model of a frame being classified correctly: for condition
c in {A, B}, seed s, video v,

.. math::

    p_{c,s,v} = p_0 + \\tfrac{\\delta}{2}(\\pm 1) + \\sigma_\\mathrm{seed} z_{c,s}
              + \\sigma_\\mathrm{video} z_{c,v},

with independent standard normals z (the video term is the same for every seed:
seeds and videos are crossed), clipped to [0.01, 0.99]. A correct frame predicts
its true class, a wrong one a uniformly drawn other class. Without clipping,
E[accuracy(A) - accuracy(B)] = δ exactly over seeds and videos (every video has the
same number of frames), so δ is the true difference a CI of ``accuracy`` must cover;
the parameters used by the tests keep p within [0.2, 0.95] but for a negligible
fraction of draws.
"""

from __future__ import annotations

import numpy as np

from affectctl.stats.samples._containers import PairedPredictions

__all__ = ["seed_video_strata"]


def seed_video_strata(rng, *, n_seeds=5, n_videos=30, n_frames=20, n_classes=3, p0=0.6,
                      delta=0.0, sd_seed=0.0, sd_video=0.0) -> list:
    """One PairedPredictions per seed on a shared test set of ``n_videos`` videos.

    Parameters
    ----------
    rng : numpy.random.Generator
    delta : float
        True difference of accuracy, A minus B.
    sd_seed, sd_video : float
        Standard deviations of the seed and video effects (per condition).
    """
    g, k = n_videos, n_classes
    n = g * n_frames
    group = np.repeat(np.arange(g), n_frames)
    y = rng.integers(0, k, size=n)
    vid = sd_video * rng.standard_normal((2, g))
    out = []
    for _ in range(n_seeds):
        seed_eff = sd_seed * rng.standard_normal(2)
        preds = []
        for c, sign in ((0, 1.0), (1, -1.0)):
            p = np.clip(p0 + sign * delta / 2 + seed_eff[c] + vid[c], 0.01, 0.99)[group]
            correct = rng.random(n) < p
            wrong = (y + rng.integers(1, k, size=n)) % k
            preds.append(np.where(correct, y, wrong))
        out.append(PairedPredictions(y_true=y, pred_a=preds[0], pred_b=preds[1], n_classes=k,
                                     group=group))
    return out
