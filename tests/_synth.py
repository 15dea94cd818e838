"""Shared test helpers: small synthetic dumps made by the tests themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from affectctl.io.schema import ABAW_AUS
from affectctl.domain.taxonomies import get_taxonomy


def synthetic_frame(n=400, taxonomy="affwild2-expr8", *, seed=0, va=True, au=True, group=True,
                    proba=True, accuracy=0.6, n_groups=20, excluded=0.0):
    """A dump-format DataFrame with known structure.

    Predictions equal the truth with probability ``accuracy``, else a uniform other
    class. ``excluded`` is the share of rows given the exclusion codes.
    """
    rng = np.random.default_rng(seed)
    tax = get_taxonomy(taxonomy)
    k = tax.n_classes
    y = rng.integers(0, k, n)
    wrong = (y + rng.integers(1, k, n)) % k
    pred = np.where(rng.random(n) < accuracy, y, wrong)
    cols = {"sample_id": [f"v{i % n_groups:03d}/{i:06d}" for i in range(n)]}
    if group:
        cols["group"] = [f"v{i % n_groups:03d}" for i in range(n)]
    excl = rng.random(n) < excluded
    cols["y_true"] = np.where(excl, -1, y + tax.index_base)
    cols["y_pred"] = pred + tax.index_base
    if proba:
        logits = rng.normal(size=(n, k))
        logits[np.arange(n), pred] += 3.0
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        for j, c in enumerate(tax.classes):
            cols[f"p_{c}"] = p[:, j]
    if va:
        vt = rng.uniform(-1, 1, (n, 2))
        vp = np.clip(vt + rng.normal(0, 0.3, (n, 2)), -1, 1)
        cols["v_true"] = np.where(excl, -5, vt[:, 0])
        cols["a_true"] = np.where(excl, -5, vt[:, 1])
        cols["v_pred"], cols["a_pred"] = vp[:, 0], vp[:, 1]
    if au:
        for name in ABAW_AUS:
            t = (rng.random(n) < 0.3).astype(int)
            pr = np.where(rng.random(n) < 0.8, t, 1 - t)
            cols[f"au{name[2:]}_true"] = np.where(excl, -1, t)
            cols[f"au{name[2:]}_pred"] = pr
    return pd.DataFrame(cols)


