"""Write the small third-party runs folder in ``examples/runs/`` (already committed).

Layout for ``affectctl compare --runs``: ``examples/runs/<condition>/seed-<k>.csv``.
Three conditions × 5 seeds, 600 test frames in 30 videos, Aff-Wild2's 8 classes, with
probabilities and valence–arousal. The numbers are synthetic: "circumplex" makes the
same number of errors as "uniform" but sends more of them to a class near the truth.

Also ``examples/runs-affectnet/``, a second benchmark (:func:`write_affectnet`) for the
several-benchmark example of the README.

Run: ``python examples/make_example_runs.py``
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl import get_geometry, get_taxonomy

HERE = Path(__file__).resolve().parent
TAX = get_taxonomy("affwild2-expr8")
N, VIDEOS = 600, 30


def _nearby_errors(tax) -> np.ndarray:
    """Row t: where a wrong prediction of class t lands, weighted exp(-3 x VA distance)."""
    near = np.exp(-3 * get_geometry("nrc-vad").cost(tax, missing="mean"))
    np.fill_diagonal(near, 0)
    return near / near.sum(axis=1, keepdims=True)


def main() -> None:
    data_rng = np.random.default_rng(2024)
    priors = np.array([0.30, 0.06, 0.05, 0.04, 0.22, 0.13, 0.10, 0.10])
    video = np.repeat(np.arange(VIDEOS), N // VIDEOS)
    y = data_rng.choice(8, N, p=priors)
    va = np.clip(data_rng.normal(0, 0.4, (N, 2)), -1, 1)
    near = _nearby_errors(TAX)
    skill = {"base": 0.55, "uniform": 0.60, "circumplex": 0.60}
    for cond, acc in skill.items():
        for seed in range(5):
            rng = np.random.default_rng([seed, list(skill).index(cond)])
            video_effect = rng.normal(0, 0.08, VIDEOS)[video]
            correct = rng.random(N) < np.clip(acc + video_effect, 0, 1)
            uniform_wrong = (y + rng.integers(1, 8, N)) % 8
            near_wrong = np.array([rng.choice(8, p=near[t]) for t in y])
            wrong = near_wrong if cond == "circumplex" else uniform_wrong
            pred = np.where(correct, y, wrong)
            logits = rng.normal(0, 1, (N, 8))
            logits[np.arange(N), pred] += 2.5
            p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            frame = pd.DataFrame({"sample_id": [f"vid{v:02d}/{i:05d}" for i, v in enumerate(video)],
                                  "group": [f"vid{v:02d}" for v in video], "y_true": y, "y_pred": pred})
            for k, c in enumerate(TAX.classes):
                frame[f"p_{c}"] = p[:, k].round(6)
            frame["v_true"], frame["a_true"] = va[:, 0].round(4), va[:, 1].round(4)
            vp = np.clip(va + rng.normal(0, 0.35, (N, 2)), -1, 1)
            frame["v_pred"], frame["a_pred"] = vp[:, 0].round(4), vp[:, 1].round(4)
            # renormalize after rounding so rows sum to 1 within the dump tolerance
            out = HERE / "runs" / cond / f"seed-{seed}.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(out, index=False)
    print(f"wrote {HERE / 'runs'}")
    write_affectnet()


def write_affectnet() -> None:
    """``examples/runs-affectnet/``: a second benchmark for the several-benchmark example.

    AffectNet's 8 classes on 400 test images (no videos: the sample-level unit is the
    image), 3 conditions × 5 seeds, valence–arousal, no probabilities. Here "circumplex"
    and "uniform" are as accurate as "base" (the study's "matches on one benchmark"), and
    "circumplex" again sends its errors to nearby classes.
    """
    tax = get_taxonomy("affectnet8")
    n = 400
    data_rng = np.random.default_rng(2025)
    y = data_rng.choice(8, n, p=[0.25, 0.30, 0.10, 0.08, 0.07, 0.06, 0.09, 0.05])
    va = np.clip(data_rng.normal(0, 0.4, (n, 2)), -1, 1)
    near = _nearby_errors(tax)
    skill = {"base": 0.62, "uniform": 0.62, "circumplex": 0.62}
    for cond, acc in skill.items():
        for seed in range(5):
            rng = np.random.default_rng([seed, list(skill).index(cond), 1])
            correct = rng.random(n) < acc
            uniform_wrong = (y + rng.integers(1, 8, n)) % 8
            near_wrong = np.array([rng.choice(8, p=near[t]) for t in y])
            pred = np.where(correct, y, near_wrong if cond == "circumplex" else uniform_wrong)
            frame = pd.DataFrame({"sample_id": [f"img{i:04d}" for i in range(n)], "y_true": y,
                                  "y_pred": pred})
            frame["v_true"], frame["a_true"] = va[:, 0].round(4), va[:, 1].round(4)
            vp = np.clip(va + rng.normal(0, 0.35, (n, 2)), -1, 1)
            frame["v_pred"], frame["a_pred"] = vp[:, 0].round(4), vp[:, 1].round(4)
            out = HERE / "runs-affectnet" / cond / f"seed-{seed}.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(out, index=False)
            # no p_<Class> columns: the taxonomy is named in the dump's metadata sidecar
            Path(f"{out}.meta.json").write_text(json.dumps({"taxonomy": tax.name}) + "\n")
    print(f"wrote {HERE / 'runs-affectnet'}")


if __name__ == "__main__":
    main()
