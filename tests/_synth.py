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




#: The 7 classes of affwild2-expr7, in its order.
EXPR7_CLASSES = ("Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise")


def write_prediction_pair(folder, n=3000, videos=60, *, seed=30):
    """``a.csv`` and ``b.csv`` in ``folder``: two systems' predictions in the
    ``affectctl compare a.csv b.csv`` format (sample_id, group, y_true, y_pred, one
    probability column per class of affwild2-expr7, valence-arousal truth and prediction),
    with one truth; accuracy 0.55 and 0.62, wrong classes uniform; ``n`` frames in
    ``videos`` videos. Returns the two paths. ``benchmarks/`` times compares on them."""
    from pathlib import Path

    folder = Path(folder)
    rng = np.random.default_rng(seed)
    k = len(EXPR7_CLASSES)
    y = rng.integers(0, k, n)
    group = np.arange(n) * videos // n
    vt = rng.uniform(-1, 1, (n, 2))
    paths = []
    for name, acc in (("a", 0.55), ("b", 0.62)):
        pred = np.where(rng.random(n) < acc, y, (y + rng.integers(1, k, n)) % k)
        logits = rng.normal(size=(n, k))
        logits[np.arange(n), pred] += 3.0
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        cols = {"sample_id": [f"v{g:03d}/{i:06d}" for i, g in enumerate(group)],
                "group": [f"v{g:03d}" for g in group], "y_true": y, "y_pred": pred}
        for j, c in enumerate(EXPR7_CLASSES):
            cols[f"p_{c}"] = p[:, j].round(6)
        vp = np.clip(vt + rng.normal(0, 0.3, (n, 2)), -1, 1)
        cols.update(v_true=vt[:, 0].round(4), a_true=vt[:, 1].round(4),
                    v_pred=vp[:, 0].round(4), a_pred=vp[:, 1].round(4))
        path = folder / f"{name}.csv"
        pd.DataFrame(cols).to_csv(path, index=False)
        paths.append(path)
    return paths[0], paths[1]
