"""A simulated case where the lexicon and the data disagree about a pair (issue 12, point 4).

AffectNet-style runs (``affectnet8``, balanced test set, one VA annotation per image)
whose VA annotations are drawn around AffectNet's annotated class means
(``affectnet-sample``): there *Surprise* sits 0.31 from *Fear*, while the NRC VAD
lexicon puts surprise at positive valence, 1.61 from fear.

Conditions (5 seeds; each seed redraws the predictions, the truth is shared):

``base``
    Surprise and Fear are heavily confused with each other (``pair_rate`` of each
    class's images go to the other); the rest of Surprise's errors go to Happy.
``near``
    The same accuracy, but *Surprise*'s errors go to Fear instead of Happy: nearer the
    truth under the data's geometry (0.31 against 0.79), farther under ``nrc-vad``
    (1.61 against 0.33). So "near has a smaller error distance than base" holds under
    the data and reverses under the lexicon: a planted geometry-dependent conclusion.

Accuracy is the same in distribution for both conditions and does not depend on any
geometry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from affectctl.domain.geometries import GEOMETRIES
from affectctl.domain.taxonomies import get_taxonomy

TAXONOMY = "affectnet8"


def write_disagreement_runs(root, *, n_per_class=100, seeds=(0, 1, 2, 3, 4), pair_rate=0.3,
                            accuracy=0.8, va_sd=0.12, conditions=("base", "near"), va=True,
                            proba=True):
    """Write ``root/<condition>/seed-<k>.csv`` and return ``root``."""
    tax = get_taxonomy(TAXONOMY)
    k = tax.n_classes
    classes = list(tax.classes)
    fear, surprise, happy = classes.index("Fear"), classes.index("Surprise"), classes.index("Happy")
    truth_rng = np.random.default_rng(12)
    y = np.repeat(np.arange(k), n_per_class)
    n = y.size
    centres = GEOMETRIES["affectnet-sample"].coordinates(tax)
    va_true = np.clip(centres[y] + truth_rng.normal(0, va_sd, (n, 2)), -1, 1)
    sample_id = [f"img{i:05d}" for i in range(n)]
    group = [f"subj{i % 40:02d}" for i in range(n)]
    for ci, cond in enumerate(conditions):
        for s in seeds:
            rng = np.random.default_rng([ci, s, 7])
            pred = y.copy()
            u = rng.random(n)
            wrong = u > accuracy
            other = (y + rng.integers(1, k, n)) % k
            pred[wrong] = other[wrong]
            # the planted pair: Fear <-> Surprise
            for a, b in ((fear, surprise), (surprise, fear)):
                sel = (y == a) & (u < pair_rate)
                pred[sel] = b
            if cond == "near":
                sel = (y == surprise) & (u >= pair_rate) & (u < pair_rate + 0.3)
                pred[sel] = fear
            else:
                sel = (y == surprise) & (u >= pair_rate) & (u < pair_rate + 0.3)
                pred[sel] = happy
            cols = {"sample_id": sample_id, "group": group, "y_true": y, "y_pred": pred}
            if proba:
                logits = rng.normal(0, 1, (n, k))
                logits[np.arange(n), pred] += 3.0
                p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
                for j, c in enumerate(classes):
                    cols[f"p_{c}"] = p[:, j]
            if va:
                cols["v_true"], cols["a_true"] = va_true[:, 0], va_true[:, 1]
                va_pred = np.clip(va_true + rng.normal(0, 0.2, (n, 2)), -1, 1)
                cols["v_pred"], cols["a_pred"] = va_pred[:, 0], va_pred[:, 1]
            d = root / cond
            d.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(cols).to_csv(d / f"seed-{s}.csv", index=False)
    return root
