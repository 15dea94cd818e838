"""Simulated benchmark features: ``sim-affwild2`` and ``sim-affectnet``.

A built-in test bed for the training core, the statistics and the diagnostics, so
that everything runs without a download. Each generator draws *feature vectors*
(what a frozen face encoder would output), with an expression label, a valence–
arousal (VA) annotation and 12 action-unit (AU) annotations per frame, grouped into
videos whose frames are correlated. numpy only; every draw comes from one
``numpy.random.Generator`` seeded by ``seed``.

**These data are a test bed, not a result.** The knobs below mimic the *structure*
of the benchmarks (label order, imbalance, degenerate pairs); they were set once from
the sources cited and were not tuned to make any training condition win.

Generative model
----------------
For frame ``t`` of video ``v`` with class ``y``:

.. math::

    x_{vt} = \\mu_y + s_y\\,(b_v + e_{vt})
             + \\gamma_{va}\\, W_{va} (r_{vt} - c_y) + \\gamma_{au}\\, W_{au} (u_{vt} - \\pi^{au}_y)

- ``mu_y`` : class mean. Class means lie along random orthogonal directions, every
  pair ``class_separation`` apart (a regular simplex, so no pair is close by chance);
  then for every *confusable pair* (a, b) the mean of b is moved to
  ``mu_a + pair_separation * w`` (w a random unit vector), so the two classes overlap
  in feature space.
- ``b_v ~ N(0, video_std^2 I)`` : a per-video (subject) offset shared by its frames.
- ``e_vt`` : AR(1) noise, ``e_vt = frame_rho e_v,t-1 + sqrt(1 - frame_rho^2) n_vt``,
  ``n ~ N(0, noise_std^2 I)``; consecutive frames are correlated.
- ``s_y`` : 1, or ``other_spread`` for the heterogeneous *Other* class.
- ``r_vt`` : the VA annotation, ``c_y`` the class's VA centre, so the features carry
  the within-class VA deviation (strength ``va_in_features``).
- ``u_vt`` : the 0/1 AU annotation, ``pi^au_y`` its class-conditional rate
  (strength ``au_in_features``). ``W_va, W_au`` have random unit columns.

Labels come in *segments*: a video is cut into runs of geometric length with mean
``segment_length``; runs get classes so that each split's frame shares track
``class_prior`` (stratified, so a 2% class is present at about 2% even in a small
split; see ``_labels_for_videos``). VA annotations are
``c_y`` + a per-video offset (std ``va_video_std``) + AR(1) noise (std ``va_noise_std``,
correlation ``frame_rho``), clipped to [-1, 1]. VA centres are the class coordinates
of the ``va_geometry`` (``nrc-vad`` by default, :mod:`affectctl.domain.geometries`); *Other*
has no coordinate and is centred at (0, 0) with ``other_spread`` times the noise.
AU ``j`` of a frame is on with probability ``au_proto_rate`` when ``j`` belongs to the
class's EMFACS prototype (:data:`EMFACS_PROTOTYPES`, restricted to the 12 annotated
AUs) and ``au_base_rate`` otherwise; from one frame to the next an AU keeps its state
with probability ``frame_rho`` and is redrawn otherwise (the marginal rate is kept).

The two benchmarks
------------------
``sim-affwild2`` (taxonomy ``affwild2-expr8``)
    Class shares follow the Aff-Wild2 ABAW3 EXPR training set as commonly reported
    (about 30% Neutral, 28% Other, 16% Happiness, 14% Sadness, 5% Surprise, and
    3/2/2% Anger/Disgust/Fear; *approximate, unverified counts*). Videos of
    ``frames_per_video`` frames with long segments and strongly correlated frames.
    Confusable pair: **Anger–Fear** (rare, 0.195 apart under ``nrc-vad``).
``sim-affectnet`` (taxonomy ``affectnet8``)
    Class shares follow the AffectNet manually annotated training set
    (Mollahosseini et al. 2017, Table: Neutral 74,874; Happy 134,415; Sad 25,459;
    Surprise 14,090; Fear 6,378; Disgust 3,803; Anger 24,882; Contempt 3,750). AffectNet
    is a set of still images: labels are drawn independently per frame
    (``segment_length = 1``, ``frame_rho = 0``) and the "videos" are groups of images
    sharing a subject offset. The test set is balanced (``test_balanced``), as
    AffectNet's validation set (500 per class). Confusable pairs: **Anger–Contempt**
    (rare Contempt, 0.47 apart under ``nrc-vad``, 0.09 under ``affectnet-sample``) and
    the look-alike pair **Fear–Surprise**, close in feature space (both open the eyes
    and raise the brows: AU1+2+5+26) but 1.61 apart under ``nrc-vad``.

Knobs
-----
Passed as keywords to :func:`make_dataset`; defaults in :data:`DATASETS`.

``n_features`` (int)        feature dimension d.
``n_train_videos`` (int)    number of training videos.
``n_test_videos`` (int)     number of test videos (disjoint from training videos).
``frames_per_video`` (int)  mean video length; lengths are uniform in [L/2, 3L/2].
``segment_length`` (float)  mean length of a same-label run of frames (>= 1).
``class_prior`` (sequence or mapping)  frame share per class (taxonomy order, or
                            ``{class name: share}``); normalised to sum 1.
``test_balanced`` (bool)    test labels equally frequent (uniform prior for the test split).
``class_separation`` (float)  distance between class means (noise std = 1 units).
``confusable_pairs`` (sequence of pairs of class names)  pairs moved together.
``pair_separation`` (float) distance between the means of a confusable pair.
``video_std`` (float)       std of the per-video feature offset.
``noise_std`` (float)       std of the per-frame feature noise.
``frame_rho`` (float)       correlation of consecutive frames, in [0, 1).
``other_spread`` (float)    noise multiplier of the Other class (sim-affwild2 only).
``va_geometry`` (str)       geometry giving the class VA centres.
``va_video_std`` (float)    std of the per-video VA offset.
``va_noise_std`` (float)    std of the per-frame VA noise.
``va_in_features`` (float)  strength of the within-class VA signal in the features.
``au_proto_rate`` (float)   P(AU on | AU in the class prototype).
``au_base_rate`` (float)    P(AU on | AU not in the prototype).
``au_in_features`` (float)  strength of the AU signal in the features.

Examples
--------
>>> from affectctl.train.datasets import make_dataset
>>> data = make_dataset("sim-affwild2", seed=0, n_train_videos=4, n_test_videos=2)
>>> data.taxonomy.name, data.X_train.shape[1], data.au_train.shape[1]
('affwild2-expr8', 32, 12)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from affectctl.domain.geometries import get_geometry
from affectctl.errors import ConfigError
from affectctl.domain.facs import EMFACS_PROTOTYPES  # noqa: E402  (re-exported)
from affectctl.io.schema import ABAW_AUS
from affectctl.domain.taxonomies import Taxonomy, get_taxonomy

__all__ = [
    "EMFACS_PROTOTYPES",
    "DATASETS",
    "FeatureData",
    "make_dataset",
    "list_datasets",
    "au_prototype_matrix",
]

_COMMON = {
    "n_features": 32,
    "class_separation": 4.0,
    "pair_separation": 0.6,
    "video_std": 0.4,
    "noise_std": 1.0,
    "va_geometry": "nrc-vad",
    "va_video_std": 0.1,
    "va_noise_std": 0.15,
    "va_in_features": 2.0,
    "au_proto_rate": 0.7,
    "au_base_rate": 0.08,
    "au_in_features": 0.5,
}

#: Built-in datasets: taxonomy name and default knobs.
DATASETS: dict[str, dict] = {
    "sim-affwild2": {
        "taxonomy": "affwild2-expr8",
        "knobs": {
            **_COMMON,
            "n_train_videos": 80,
            "n_test_videos": 50,
            "frames_per_video": 60,
            "segment_length": 8.0,
            #          Neutral Anger Disgust Fear  Happiness Sadness Surprise Other
            "class_prior": (0.30, 0.03, 0.02, 0.02, 0.16, 0.14, 0.05, 0.28),
            "test_balanced": False,
            "confusable_pairs": (("Anger", "Fear"),),
            "frame_rho": 0.8,
            "other_spread": 1.5,
        },
    },
    "sim-affectnet": {
        "taxonomy": "affectnet8",
        "knobs": {
            **_COMMON,
            "n_train_videos": 120,
            "n_test_videos": 60,
            "frames_per_video": 30,
            "segment_length": 1.0,
            #            Neutral Happy  Sad    Surprise Fear  Disgust Anger  Contempt
            "class_prior": (74874, 134415, 25459, 14090, 6378, 3803, 24882, 3750),
            "test_balanced": True,
            "confusable_pairs": (("Anger", "Contempt"), ("Fear", "Surprise")),
            "frame_rho": 0.0,
        },
    },
}


#: Bumped whenever the same knobs generate different data (2: AU states no longer carry
#: across expression boundaries). Recorded with the knobs in every dump, so that a cache
#: made by an older generator is refused instead of silently mixed with new runs.
GENERATOR_VERSION = 2


@dataclass(frozen=True, eq=False)
class FeatureData:
    """Feature vectors with expression, VA and AU annotations, split into train and test.

    Attributes
    ----------
    name : str
        Dataset name (``sim-affwild2``) or the features file's path.
    taxonomy : Taxonomy
        Label space; labels are 0-based positions in ``taxonomy.classes``.
    X_train, X_test : ndarray of float64 or float32, shape (n, d)
        Simulated data: float64 in memory. Features files: float32 memory maps
        (:class:`affectctl.train.features.MappedArray`), shared by the training workers.
    y_train, y_test : ndarray of int64, shape (n,)
        Class positions; -1 = not annotated.
    va_train, va_test : ndarray of float64, shape (n, 2)
        Valence, arousal in [-1, 1]; NaN = not annotated.
    au_train, au_test : ndarray of int8, shape (n, m)
        0/1 occurrences; -1 = not annotated. ``m = len(au_names)`` (may be 0).
    group_train, group_test : ndarray of str, shape (n,)
        Video (or subject) of each frame.
    sample_id_test : ndarray of str, shape (n_test,)
        Unique key of each test frame (``<video>/<frame:05d>`` for simulated data).
    au_names : tuple of str
        ``("AU1", "AU2", ...)``.
    knobs : dict
        Everything needed to regenerate the data (seed included), or the file's digest.
    """

    name: str
    taxonomy: Taxonomy
    X_train: np.ndarray
    y_train: np.ndarray
    va_train: np.ndarray
    au_train: np.ndarray
    group_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    va_test: np.ndarray
    au_test: np.ndarray
    group_test: np.ndarray
    sample_id_test: np.ndarray
    au_names: tuple = ABAW_AUS
    knobs: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])


def list_datasets() -> list[str]:
    """Names of the built-in simulated datasets."""
    return sorted(DATASETS)


def au_prototype_matrix(taxonomy: Taxonomy, au_names: Sequence[str] = ABAW_AUS) -> np.ndarray:
    """0/1 matrix of shape (n_classes, n_aus): AU j in the EMFACS prototype of class k.

    Restricted to ``au_names``; a class without a prototype (Other) has a zero row.
    """
    nums = [int(str(a)[2:]) for a in au_names]
    out = np.zeros((taxonomy.n_classes, len(nums)), dtype=np.int8)
    for k, canon in enumerate(taxonomy.canonical):
        proto = EMFACS_PROTOTYPES.get(canon, frozenset())
        out[k] = [n in proto for n in nums]
    return out


# ----------------------------------------------------------------------------- validation


def _knob_error(name: str, knob: str, want: str, value) -> ConfigError:
    return ConfigError(f"knob `{knob}` of dataset '{name}' must be {want}; got {value!r}.")


def _check_knobs(name: str, taxonomy: Taxonomy, knobs: dict) -> dict:
    k = dict(knobs)
    ints = ("n_features", "n_train_videos", "n_test_videos", "frames_per_video")
    for key in ints:
        v = k[key]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise _knob_error(name, key, "a positive integer", v)
        k[key] = int(v)
    if k["n_features"] < taxonomy.n_classes:
        raise _knob_error(name, "n_features", f"at least the number of classes "
                          f"({taxonomy.n_classes})", k["n_features"])
    nonneg = ("class_separation", "pair_separation", "video_std", "noise_std", "va_video_std",
              "va_noise_std", "va_in_features", "au_in_features", "other_spread")
    for key in nonneg:
        if key not in k:
            continue
        v = k[key]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not (
                np.isfinite(v) and v >= 0):
            raise _knob_error(name, key, "a finite number >= 0", v)
        k[key] = float(v)
    for key in ("au_proto_rate", "au_base_rate"):
        v = k[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise _knob_error(name, key, "a probability in [0, 1]", v)
        k[key] = float(v)
    v = k["frame_rho"]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 1:
        raise _knob_error(name, "frame_rho", "a number in [0, 1)", v)
    k["frame_rho"] = float(v)
    v = k["segment_length"]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 1:
        raise _knob_error(name, "segment_length", "a number >= 1", v)
    k["segment_length"] = float(v)
    if not isinstance(k["test_balanced"], bool):
        raise _knob_error(name, "test_balanced", "True or False", k["test_balanced"])
    prior = k["class_prior"]
    if isinstance(prior, Mapping):
        try:
            vec = np.zeros(taxonomy.n_classes)
            for cls, share in prior.items():
                vec[taxonomy.index(cls)] = share
        except (ConfigError, TypeError, ValueError):
            raise _knob_error(name, "class_prior", f"a mapping from the classes of "
                              f"'{taxonomy.name}' to shares", prior) from None
    else:
        try:
            vec = np.asarray(prior, dtype=np.float64)
        except (TypeError, ValueError):
            vec = np.zeros(0)
    if vec.shape != (taxonomy.n_classes,) or not np.isfinite(vec).all() or (vec < 0).any() \
            or vec.sum() <= 0:
        raise _knob_error(name, "class_prior",
                          f"{taxonomy.n_classes} non-negative shares (not all zero)", prior)
    k["class_prior"] = tuple(float(x) for x in vec / vec.sum())
    pairs = []
    try:
        for a, b in k["confusable_pairs"]:
            pairs.append((taxonomy.classes[taxonomy.index(a)], taxonomy.classes[taxonomy.index(b)]))
    except (ConfigError, TypeError, ValueError):
        raise _knob_error(name, "confusable_pairs",
                          f"pairs of class names of '{taxonomy.name}'",
                          k["confusable_pairs"]) from None
    if any(a == b for a, b in pairs):
        raise _knob_error(name, "confusable_pairs", "pairs of two different classes",
                          k["confusable_pairs"])
    k["confusable_pairs"] = tuple(pairs)
    try:
        get_geometry(k["va_geometry"])
    except ConfigError:
        raise _knob_error(name, "va_geometry", "a built-in geometry name",
                          k["va_geometry"]) from None
    return k


# ----------------------------------------------------------------------------- generation


def _labels_for_videos(lengths, prior, segment_length, rng) -> list[np.ndarray]:
    """Segment labels whose frame shares track ``prior`` closely.

    Videos are cut into runs of geometric length (mean ``segment_length``). The runs
    are visited in random order and each gets the class furthest below its target
    frame count (``prior * total``), ties broken at random. Drawing each run's class
    independently instead would leave a 2% class with a handful of runs, or none, in a
    small split; this stratification keeps rare classes present at their share.
    """
    p_stop = 1.0 / segment_length
    runs = []  # (video, start, length)
    for v, n in enumerate(lengths):
        t = 0
        while t < n:
            run = min(int(rng.geometric(p_stop)), int(n) - t)
            runs.append((v, t, run))
            t += run
    prior = np.asarray(prior, dtype=np.float64)
    target = prior * float(np.sum(lengths))
    assigned = np.zeros(len(prior))
    out = [np.empty(int(n), dtype=np.int64) for n in lengths]
    for i in rng.permutation(len(runs)):
        v, t, run = runs[i]
        deficit = (target - assigned) + 1e-9 * rng.random(len(prior))
        deficit[prior == 0] = -np.inf
        k = int(np.argmax(deficit))
        out[v][t:t + run] = k
        assigned[k] += run
    return out


def _ar1(n: int, dim: int, rho: float, std: float, rng) -> np.ndarray:
    """Stationary AR(1) series of shape (n, dim) with marginal std ``std``."""
    z = rng.standard_normal((n, dim)) * std
    if rho == 0.0 or n == 0:
        return z
    out = np.empty_like(z)
    out[0] = z[0]
    innov = np.sqrt(1.0 - rho * rho)
    for t in range(1, n):
        out[t] = rho * out[t - 1] + innov * z[t]
    return out


def _sticky_bernoulli(rates: np.ndarray, rho: float, rng) -> np.ndarray:
    """0/1 series with per-frame rates ``rates`` (n, m); each state persists w.p. ``rho``.

    A state persists only while its rate is unchanged (within one expression segment), so
    every frame's marginal P(on) is its own rate: a state carried across a class boundary
    would dilute the prototype rate towards the previous class's.
    """
    fresh = (rng.random(rates.shape) < rates).astype(np.int8)
    if rho == 0.0 or rates.shape[0] == 0:
        return fresh
    keep = rng.random(rates.shape) < rho
    keep[1:] &= rates[1:] == rates[:-1]
    out = fresh.copy()
    for t in range(1, rates.shape[0]):
        out[t] = np.where(keep[t], out[t - 1], fresh[t])
    return out


def _split(prefix, lengths, labels, model, k, rng):
    d = k["n_features"]
    rows = {"X": [], "y": [], "va": [], "au": [], "group": [], "sid": []}
    for v, (n, y) in enumerate(zip(lengths, labels, strict=True)):
        gname = f"{prefix}{v:03d}"
        spread = model["spread"][y][:, None]
        b = rng.standard_normal(d) * k["video_std"]
        e = _ar1(n, d, k["frame_rho"], k["noise_std"], rng)
        va_off = rng.standard_normal(2) * k["va_video_std"]
        va_dev = va_off + _ar1(n, 2, k["frame_rho"], k["va_noise_std"], rng) * spread
        va = np.clip(model["va_centre"][y] + va_dev, -1.0, 1.0)
        rates = model["au_rate"][y]
        au = _sticky_bernoulli(rates, k["frame_rho"], rng)
        x = (model["mu"][y] + spread * (b + e)
             + k["va_in_features"] * (va - model["va_centre"][y]) @ model["W_va"].T
             + k["au_in_features"] * (au - rates) @ model["W_au"].T)
        rows["X"].append(x)
        rows["y"].append(y)
        rows["va"].append(va)
        rows["au"].append(au)
        rows["group"].append(np.full(n, gname, dtype=object))
        rows["sid"].append(np.array([f"{gname}/{t:05d}" for t in range(n)], dtype=object))
    return {key: np.concatenate(val) for key, val in rows.items()}


def make_dataset(name: str, *, seed: int = 0, **knobs) -> FeatureData:
    """Draw a simulated benchmark (see the module docstring for the model and its knobs).

    Parameters
    ----------
    name : {"sim-affwild2", "sim-affectnet"}
    seed : int, default 0
        Data seed: the same ``seed`` and knobs give identical arrays. Training seeds
        are separate; a sweep keeps the data fixed and varies only the training seed.
    **knobs
        Overrides of the defaults in :data:`DATASETS` (module docstring, "Knobs").

    Returns
    -------
    FeatureData
        ``knobs`` holds every knob and the seed actually used.

    Raises
    ------
    ConfigError
        Unknown dataset, unknown knob or a knob out of range.
    """
    if name not in DATASETS:
        raise ConfigError(f"`dataset` must be one of {list_datasets()}; got {name!r}.")
    spec = DATASETS[name]
    allowed = spec["knobs"]
    unknown = sorted(set(knobs) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown knob {unknown[0]!r} for dataset '{name}'; allowed knobs: "
                          f"{sorted(allowed)}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"`seed` must be a non-negative integer; got {seed!r}.")
    taxonomy = get_taxonomy(spec["taxonomy"])
    k = _check_knobs(name, taxonomy, {**allowed, **knobs})
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5EED]))
    K, d = taxonomy.n_classes, k["n_features"]

    # class means, with confusable pairs moved together
    q, _ = np.linalg.qr(rng.standard_normal((d, K)))          # (d, K), orthonormal columns
    mu = q.T * (k["class_separation"] / np.sqrt(2.0))          # every pair class_separation apart
    for a, b in k["confusable_pairs"]:
        ia, ib = taxonomy.index(a), taxonomy.index(b)
        w = rng.standard_normal(d)
        mu[ib] = mu[ia] + k["pair_separation"] * w / np.linalg.norm(w)

    coords = get_geometry(k["va_geometry"]).coordinates(taxonomy)
    spread = np.ones(K)
    for i, canon in enumerate(taxonomy.canonical):
        if canon == "other":
            spread[i] = k.get("other_spread", 1.0)
    va_centre = np.where(np.isnan(coords), 0.0, coords)
    proto = au_prototype_matrix(taxonomy, ABAW_AUS).astype(np.float64)
    au_rate = np.where(proto > 0, k["au_proto_rate"], k["au_base_rate"])
    W_va = rng.standard_normal((d, 2))
    W_va /= np.linalg.norm(W_va, axis=0, keepdims=True)
    W_au = rng.standard_normal((d, len(ABAW_AUS)))
    W_au /= np.linalg.norm(W_au, axis=0, keepdims=True)
    model = {"mu": mu, "spread": spread, "va_centre": va_centre, "au_rate": au_rate,
             "W_va": W_va, "W_au": W_au}

    L = k["frames_per_video"]
    lo, hi = max(1, L // 2), max(1, (3 * L) // 2)
    prior = np.asarray(k["class_prior"])
    n_tr, n_te = k["n_train_videos"], k["n_test_videos"]
    len_tr = rng.integers(lo, hi + 1, size=n_tr)
    len_te = rng.integers(lo, hi + 1, size=n_te)
    lab_tr = _labels_for_videos(len_tr, prior, k["segment_length"], rng)
    prior_te = np.full(K, 1.0 / K) if k["test_balanced"] else prior
    lab_te = _labels_for_videos(len_te, prior_te, k["segment_length"], rng)
    tr = _split("train-v", len_tr, lab_tr, model, k, rng)
    te = _split("test-v", len_te, lab_te, model, k, rng)

    return FeatureData(
        name=name, taxonomy=taxonomy,
        X_train=tr["X"], y_train=tr["y"], va_train=tr["va"], au_train=tr["au"],
        group_train=tr["group"],
        X_test=te["X"], y_test=te["y"], va_test=te["va"], au_test=te["au"],
        group_test=te["group"], sample_id_test=te["sid"],
        au_names=ABAW_AUS, knobs={"seed": int(seed), **k, "generator": GENERATOR_VERSION},
    )
