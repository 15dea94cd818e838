"""Sample-level paired tests for non-decomposable metrics: approximate randomization and bootstrap.

Seed-level tests (:mod:`affectctl.stats.seeds`) have few pairs. Within one seed,
two systems are also paired *sample by sample*: the same frames, the same truth.
Macro-F1, UAR, κ, MCC, CCC are not means over samples, so a paired t-test on
per-sample scores does not apply; these tests recompute the metric on resampled
data instead (Noreen 1989; Riezler & Maxwell 2005; Dror et al. 2018).

* :func:`approximate_randomization` swaps the two systems' outputs on a random
  half of the units (H0: the systems are exchangeable on every unit).
* :func:`paired_bootstrap` resamples units with replacement, **the same units for
  both systems**, and gives a CI of metric(A) - metric(B) and a p-value.

A *stratum* is one seed (:class:`PairedPredictions`); with several strata the
statistic is the mean over strata of metric(A_s) - metric(B_s), and resampling
happens within each stratum independently.

Units
-----
``unit="group"`` resamples whole groups (videos): frames of a video are
correlated, and treating them as independent units makes the test anti-
conservative (see ``benchmarks/bench_stats.py --calibration``). ``unit="sample"``
is for data whose samples are independent (still images).

Fast by construction
--------------------
Count-based metrics depend on the data only through the histogram of
(truth, prediction A, prediction B) cells (at most K³ cells). With
``unit="sample"``, an AR replicate moves ``X ~ Binomial(c, 1/2)`` samples from
cell (t, a, b) to (t, b, a); pairing the two mirror cells needs one draw per
unordered pair: the net transfer is ``Binomial(c_ab + c_ba, 1/2) - c_ba``. A
bootstrap replicate is a multinomial over cells. Replicate confusion matrices
form ``(R, K, K)`` stacks fed to :mod:`affectctl.metrics.confusion`, so a
replicate costs O(K³), whatever the number of samples. With ``unit="group"``,
per-group confusion matrices (or sufficient sums for CCC/PCC/RMSE, per-group sums
for expected cost) form a ``(G, F)`` matrix and a batch of replicates is one
matrix product with a ``(B, G)`` 0/1 swap matrix (AR) or multinomial count
matrix (bootstrap). Replicates are processed in batches, so memory does not
grow with ``n_resamples``.

Continuous metrics with ``unit="sample"`` (CCC, PCC, RMSE, expected cost) have
no such histogram: a replicate costs O(n) (the swap matrix is a random bit per
sample and replicate). For more than ``2**15`` units, AR uses, when numba is
installed, a compiled bit-plane kernel (:mod:`affectctl.stats._bitplanes`): the
per-unit differences in 16-bit fixed point, the sum over swapped units as exact
integer popcounts of (random word AND bit-plane), with replicate statistics
within about 1e-4 of the null standard deviation of a float64 computation. Without numba (or for the bootstrap) the products run in float32 on
centred values, cache-blocked, with the mean part added back in float64: on
10**6 samples the replicate statistics differ from a float64 computation by
about 2e-6 of the null standard deviation. Both are far below the Monte-Carlo
error of the p-value, and both consume the same random words.

Reproducibility
---------------
The same ``rng`` seed gives the same replicates for the same data, affectctl
version and numpy version; the order in which random numbers are consumed
follows the internal batch layout, so it is not promised across versions.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..errors import ConfigError, DegenerateDataWarning, PairingError
from ..metrics import confusion as cmx
from ..metrics import regression as reg
from ._common import (
    check_alpha,
    check_alternative,
    check_bool_or_none,
    check_choice,
    check_confidence,
    check_n_resamples,
    mc_min_pvalue,
    normalize_rng,
    pick_batch,
    popcount64,
    pvalue_from_null,
    warn_unreachable,
)
from .seeds import PairedTestResult

__all__ = [
    "MetricContext",
    "PairedPredictions",
    "SAMPLE_METRICS",
    "UNITS",
    "approximate_randomization",
    "paired_bootstrap",
    "is_sample_metric",
    "higher_is_better",
    "metric_value",
]

UNITS = ("group", "sample")

#: Metric ids the sample-level tests accept. ``<k>``, ``<a>``, ``<b>`` are class
#: indices (0-based) or class names (via ``MetricContext.class_names``).
SAMPLE_METRICS = (
    "accuracy",
    "expr_macro_f1",
    "f1:<k>",
    "uar",
    "cohen_kappa",
    "mcc",
    "pair_confusion:<a>|<b>",
    "error_distance_mean",
    "quadrant_preservation",
    "expected_cost",
    "va_ccc_valence",
    "va_ccc_arousal",
    "va_ccc_mean",
    "va_pcc_valence",
    "va_pcc_arousal",
    "va_rmse_valence",
    "va_rmse_arousal",
)

# Float32 AR products above this many units (see module docstring).
_FLOAT32_MIN_UNITS = 2**15
# Binomial(N, 1/2) by popcount of N random bits up to this N; numpy's BTPE beyond.
_POPCOUNT_MAX_N = 512
# Units per cache block in the float32 AR product, and the largest batch there.
_AR_CHUNK = 2048
_AR_MAX_BATCH = 256
# Threads summing the float32 AR product over halves of the units: a fixed number, so that
# results do not depend on the machine (the float64 partial sums are added in a fixed order).
_AR_THREADS = 2
# Replicates per batch at most (memory stays flat beyond this many replicates).
_MAX_BATCH = 2048
# Above _FLOAT32_MIN_UNITS, AR of a continuous metric uses the compiled bit-plane kernel
# (affectctl.stats._bitplanes) when numba is installed, else the float32 product.
try:
    from ._bitplanes import AVAILABLE as _COMPILED_AR
except Exception:  # pragma: no cover - a broken numba install falls back to the float path
    _COMPILED_AR = False


# ----------------------------------------------------------------------------------------------
# input containers

@dataclass(frozen=True)
class MetricContext:
    """What some metrics need beyond labels.

    Attributes
    ----------
    cost : ndarray of shape (K, K), optional
        Class-to-class cost (circumplex VA distance), rows = true class. NaN is
        allowed for classes without coordinate (``error_distance_mean`` leaves those
        cells out); ``expected_cost`` needs a filled matrix, e.g.
        ``affectctl.circumplex.cost_matrix(coords, missing="mean")``.
    quadrants : ndarray of shape (K,), optional
        VA quadrant of each class (``affectctl.circumplex.quadrant``; -1 = none),
        for ``quadrant_preservation``.
    class_names : tuple of str, optional
        Class names in label order, so metric ids can say ``f1:Anger``.
    """

    cost: np.ndarray | None = None
    quadrants: np.ndarray | None = None
    class_names: tuple | None = None

    def __post_init__(self):
        if self.cost is not None:
            c = np.asarray(self.cost, dtype=np.float64)
            if c.ndim != 2 or c.shape[0] != c.shape[1]:
                raise ConfigError(f"`cost` must be a square (K, K) matrix; got shape {c.shape}.")
            object.__setattr__(self, "cost", c)
        if self.quadrants is not None:
            q = np.asarray(self.quadrants)
            if q.ndim != 1 or not np.issubdtype(q.dtype, np.integer):
                raise ConfigError(f"`quadrants` must be a 1-D integer array (K,); got {q!r}.")
            object.__setattr__(self, "quadrants", q.astype(np.int64))
        if self.class_names is not None:
            names = tuple(self.class_names)
            if not all(isinstance(s, str) for s in names):
                raise ConfigError(f"`class_names` must be strings; got {self.class_names!r}.")
            object.__setattr__(self, "class_names", names)


def _as_int_labels(name, x, n):
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ConfigError(f"`{name}` must be 1-D of shape (n,); got shape {arr.shape}.")
    if arr.shape[0] != n:
        raise PairingError(f"`{name}` must have the same length as `y_true` ({n}); "
                           f"got {arr.shape[0]}.")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ConfigError(f"`{name}` must hold integer class labels; got non-integer or NaN "
                              "values.")
    elif arr.dtype.kind not in "iub":
        raise ConfigError(f"`{name}` must hold integer class labels; got dtype {arr.dtype}.")
    return arr.astype(np.int64)


def _as_float_matrix(name, x, n, k):
    arr = np.asarray(x, dtype=np.float64)
    if arr.shape != (n, k):
        raise PairingError(f"`{name}` must have shape ({n}, {k}); got {arr.shape}.")
    return arr


@dataclass(frozen=True)
class PairedPredictions:
    """Two systems' outputs on the same samples: one stratum (one seed) of a paired test.

    Attributes
    ----------
    y_true : ndarray of shape (n,), int
        True class, 0-based in taxonomy order; -1 = not annotated (excluded).
    pred_a, pred_b : ndarray of shape (n,), int
        Predicted classes of systems A and B, in ``[0, n_classes)`` wherever
        ``y_true >= 0``.
    n_classes : int
    group : ndarray of shape (n,), optional
        Unit labels (video ids, any hashable dtype) for ``unit="group"``.
    proba_a, proba_b : ndarray of shape (n, n_classes), optional
        Class probabilities, for ``expected_cost``.
    va_true, va_a, va_b : ndarray of shape (n, 2), optional
        (valence, arousal). NaN in ``va_true`` excludes that sample from that
        dimension; the predictions must be finite wherever the truth is.

    Raises
    ------
    PairingError
        Arrays of different lengths.
    ConfigError
        Labels out of range, non-integer labels, NaN predictions where the truth is
        annotated.
    """

    y_true: np.ndarray
    pred_a: np.ndarray
    pred_b: np.ndarray
    n_classes: int
    group: np.ndarray | None = None
    proba_a: np.ndarray | None = None
    proba_b: np.ndarray | None = None
    va_true: np.ndarray | None = None
    va_a: np.ndarray | None = None
    va_b: np.ndarray | None = None

    def __post_init__(self):
        k = self.n_classes
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 2:
            raise ConfigError(f"`n_classes` must be an integer >= 2; got {k!r}.")
        object.__setattr__(self, "n_classes", int(k))
        yt = np.asarray(self.y_true)
        if yt.ndim != 1:
            raise ConfigError(f"`y_true` must be 1-D of shape (n,); got shape {yt.shape}.")
        n = yt.shape[0]
        yt = _as_int_labels("y_true", yt, n)
        if ((yt < -1) | (yt >= k)).any():
            raise ConfigError(f"`y_true` must lie in [-1, {k}) (-1 = not annotated); got values "
                              f"from {yt.min()} to {yt.max()}.")
        object.__setattr__(self, "y_true", yt)
        used = yt >= 0
        for name in ("pred_a", "pred_b"):
            p = _as_int_labels(name, getattr(self, name), n)
            if ((p[used] < 0) | (p[used] >= k)).any():
                raise ConfigError(f"`{name}` must lie in [0, {k}) on annotated samples; got "
                                  f"values from {p[used].min()} to {p[used].max()}.")
            object.__setattr__(self, name, p)
        if self.group is not None:
            g = np.asarray(self.group)
            if g.ndim != 1 or g.shape[0] != n:
                raise PairingError(f"`group` must have shape ({n},); got {g.shape}.")
            object.__setattr__(self, "group", g)
        if (self.proba_a is None) != (self.proba_b is None):
            raise ConfigError("`proba_a` and `proba_b` must be given together; got only one.")
        for name in ("proba_a", "proba_b"):
            if getattr(self, name) is not None:
                p = _as_float_matrix(name, getattr(self, name), n, k)
                if not np.isfinite(p[used]).all():
                    raise ConfigError(f"`{name}` must be finite on annotated samples; got NaN "
                                      "or inf.")
                object.__setattr__(self, name, p)
        given = [getattr(self, s) is not None for s in ("va_true", "va_a", "va_b")]
        if any(given) and not all(given):
            raise ConfigError("`va_true`, `va_a` and `va_b` must be given together; got only "
                              "some of them.")
        if all(given):
            vt = _as_float_matrix("va_true", self.va_true, n, 2)
            object.__setattr__(self, "va_true", vt)
            ann = np.isfinite(vt)
            for name in ("va_a", "va_b"):
                v = _as_float_matrix(name, getattr(self, name), n, 2)
                if not np.isfinite(v[ann]).all():
                    raise ConfigError(f"`{name}` must be finite wherever `va_true` is annotated; "
                                      "got NaN or inf.")
                object.__setattr__(self, name, v)

    @property
    def n(self) -> int:
        """Number of samples (annotated or not)."""
        return int(self.y_true.shape[0])


# ----------------------------------------------------------------------------------------------
# metric registry

@dataclass(frozen=True)
class _Metric:
    id: str
    family: str                 # "confusion" | "va" | "cost"
    fn: object                  # features (..., F) -> values (...)
    higher_is_better: bool
    dims: tuple = ()            # VA dimensions used (0 valence, 1 arousal)
    check: object = None        # observed-data check: cm -> message or None


def _cm(f, k):
    return f.reshape(f.shape[:-1] + (k, k))


def _resolve_class(token: str, k: int, context, metric: str) -> int:
    token = token.strip()
    if re.fullmatch(r"-?\d+", token):
        idx = int(token)
    else:
        names = None if context is None else context.class_names
        if names is None or token not in names:
            raise ConfigError(f"`metric` {metric!r} names class {token!r}, which is neither a "
                              f"class index in [0, {k}) nor one of `context.class_names` "
                              f"({names!r}).")
        idx = names.index(token)
    if not 0 <= idx < k:
        raise ConfigError(f"`metric` {metric!r}: class index must lie in [0, {k}); got {idx}.")
    return idx


def _macro_f1_check(cm):
    f1 = cmx.f1_per_class(cm, on_empty="nan")
    bad = np.flatnonzero(np.isnan(f1))
    return (None if bad.size == 0 else
            f"class(es) {bad.tolist()} have no true and no predicted sample; their F1 counts as "
            "0 in the macro mean")


def _parse_metric(metric, k: int, context: MetricContext | None) -> _Metric:
    if not isinstance(metric, str):
        raise ConfigError(f"`metric` must be a metric id string, one of {SAMPLE_METRICS}; got "
                          f"{metric!r}.")
    simple = {
        "accuracy": (cmx.accuracy_score, True),
        "expr_macro_f1": (partial(cmx.macro_f1_score, on_empty=0.0), True),
        "uar": (partial(cmx.uar_score, on_empty="nan"), True),
        "cohen_kappa": (cmx.cohen_kappa_score, True),
        "mcc": (cmx.mcc_score, True),
    }
    if metric in simple:
        fn, hib = simple[metric]
        check = _macro_f1_check if metric == "expr_macro_f1" else None
        return _Metric(metric, "confusion", lambda f, fn=fn: fn(_cm(f, k)), hib, check=check)
    if metric.startswith("f1:"):
        c = _resolve_class(metric[3:], k, context, metric)
        return _Metric(metric, "confusion",
                       lambda f: cmx.f1_per_class(_cm(f, k), on_empty="nan")[..., c], True)
    if metric.startswith("pair_confusion:"):
        body = metric[len("pair_confusion:"):]
        if body.count("|") != 1:
            raise ConfigError(f"`metric` must look like 'pair_confusion:<a>|<b>'; got {metric!r}.")
        a, b = (_resolve_class(t, k, context, metric) for t in body.split("|"))
        if a == b:
            raise ConfigError(f"`metric` {metric!r} needs two different classes; got {a} twice.")
        return _Metric(metric, "confusion",
                       lambda f: cmx.pair_confusion_rate(_cm(f, k), a, b, on_empty="nan"), False)
    if metric == "error_distance_mean":
        cost = _context_cost(context, k, metric, filled=False)
        return _Metric(metric, "confusion",
                       lambda f: cmx.error_distance(_cm(f, k), cost, on_empty="nan"), False)
    if metric == "quadrant_preservation":
        if context is None or context.quadrants is None:
            raise ConfigError(f"`metric` {metric!r} needs `context.quadrants`; got None.")
        q = context.quadrants
        if q.shape != (k,):
            raise ConfigError(f"`context.quadrants` must have shape ({k},); got {q.shape}.")
        return _Metric(metric, "confusion",
                       lambda f: cmx.quadrant_preservation_score(_cm(f, k), q, on_empty="nan"),
                       True)
    if metric == "expected_cost":
        _context_cost(context, k, metric, filled=True)
        return _Metric(metric, "cost", lambda f: f[..., 1] / f[..., 0], False)
    m = re.fullmatch(r"va_(ccc|pcc|rmse)_(valence|arousal|mean)", metric)
    if m and not (m.group(2) == "mean" and m.group(1) != "ccc"):
        kind, dim = m.groups()
        fun = {"ccc": reg.ccc_from_sums, "pcc": reg.pcc_from_sums, "rmse": reg.rmse_from_sums}[kind]
        if dim == "mean":
            return _Metric(metric, "va", lambda f: 0.5 * (fun(f[..., 0:6]) + fun(f[..., 6:12])),
                           True, dims=(0, 1))
        return _Metric(metric, "va", lambda f: fun(f[..., 0:6]), kind != "rmse",
                       dims=(0,) if dim == "valence" else (1,))
    raise ConfigError(f"`metric` must be one of {SAMPLE_METRICS}; got {metric!r}.")


def _context_cost(context, k, metric, *, filled):
    if context is None or context.cost is None:
        raise ConfigError(f"`metric` {metric!r} needs `context.cost` (a (K, K) cost matrix); "
                          "got None.")
    c = context.cost
    if c.shape != (k, k):
        raise ConfigError(f"`context.cost` must have shape ({k}, {k}); got {c.shape}.")
    if filled and not np.isfinite(c).all():
        raise ConfigError(f"`metric` {metric!r} needs a filled `context.cost` without NaN; use "
                          "affectctl.circumplex.cost_matrix(coords, missing='mean').")
    return c


def is_sample_metric(metric: str) -> bool:
    """Whether ``metric`` is an id the sample-level tests accept (class names not checked)."""
    if not isinstance(metric, str):
        return False
    if metric in SAMPLE_METRICS:
        return True
    return bool(re.fullmatch(r"f1:[^|]+", metric) or re.fullmatch(r"pair_confusion:[^|]+\|[^|]+",
                                                                   metric))


def higher_is_better(metric: str) -> bool:
    """True for scores (accuracy, F1, CCC, ...), False for distances, costs, confusion rates."""
    if not is_sample_metric(metric):
        raise ConfigError(f"`metric` must be one of {SAMPLE_METRICS}; got {metric!r}.")
    return not (metric.startswith("pair_confusion:") or metric in (
        "error_distance_mean", "expected_cost", "va_rmse_valence", "va_rmse_arousal"))


# ----------------------------------------------------------------------------------------------
# per-stratum engines


def _random_bits(gen: np.random.Generator, b: int, u: int) -> np.ndarray:
    """(b, u) uint8 array of independent fair bits."""
    words = gen.integers(0, 2**64, size=(b, -(-u // 64)), dtype=np.uint64)
    return np.unpackbits(words.view(np.uint8), axis=1, count=u)


class _CellAR:
    """AR of a count metric with unit=sample, from the (t, a, b) histogram."""

    def __init__(self, hist: np.ndarray):
        k = hist.shape[0]
        self.k = k
        self.cm_a = hist.sum(axis=2).reshape(-1).astype(np.float64)
        self.cm_b = hist.sum(axis=1).reshape(-1).astype(np.float64)
        t, a, b = np.nonzero(np.triu(np.ones((k, k), dtype=bool), 1)[None, :, :]
                             & np.ones((k, 1, 1), dtype=bool))
        c_ab, c_ba = hist[t, a, b], hist[t, b, a]
        tot = c_ab + c_ba
        keep = tot > 0
        t, a, b, c_ba, tot = t[keep], a[keep], b[keep], c_ba[keep], tot[keep]
        self.n_pairs = int(tot.shape[0])
        self.n_discordant = int(tot.sum())
        # a swapped sample of cell (t, a, b) moves A's count from (t, a) to (t, b)
        m = np.zeros((self.n_pairs, k * k))
        rows = np.arange(self.n_pairs)
        m[rows, t * k + b] += 1.0
        m[rows, t * k + a] -= 1.0
        small = tot <= _POPCOUNT_MAX_N
        order = np.concatenate([np.flatnonzero(small), np.flatnonzero(~small)])
        self.m = m[order]
        self.offset = c_ba[order].astype(np.float64)
        n_small = int(small.sum())
        self.n_small = n_small
        tot_s = tot[order][:n_small]
        self.big = tot[order][n_small:].tolist()
        n_words = -(-tot_s // 64)
        self.starts = np.concatenate([[0], np.cumsum(n_words)[:-1]]).astype(np.intp)
        masks = []
        for nt, w in zip(tot_s.tolist(), n_words.tolist(), strict=True):
            masks.extend([2**64 - 1] * (w - 1))
            rem = nt - 64 * (w - 1)
            masks.append(2**64 - 1 if rem == 64 else (1 << rem) - 1)
        self.masks = np.array(masks, dtype=np.uint64)

    def bytes_per_replicate(self) -> int:
        return 8 * (2 * self.n_pairs + self.masks.shape[0] + 3 * self.k * self.k) + 64

    def draw(self, gen, b):
        y = np.empty((b, self.n_pairs))
        if self.n_small:
            words = gen.integers(0, 2**64, size=(b, self.masks.shape[0]), dtype=np.uint64)
            counts = popcount64(words & self.masks).astype(np.int32)
            y[:, : self.n_small] = np.add.reduceat(counts, self.starts, axis=1)
        for j, nt in enumerate(self.big, start=self.n_small):
            y[:, j] = gen.binomial(nt, 0.5, size=b)
        y -= self.offset
        delta = y @ self.m
        return self.cm_a + delta, self.cm_b - delta


class _CellBoot:
    """Bootstrap of a count metric with unit=sample: multinomial over (t, a, b) cells."""

    def __init__(self, hist: np.ndarray):
        k = hist.shape[0]
        flat = hist.reshape(-1)
        cells = np.flatnonzero(flat)
        self.counts = flat[cells]
        self.n = int(self.counts.sum())
        self.p = self.counts / self.n
        t, a, b = np.unravel_index(cells, hist.shape)
        # one-hot maps from cells to A's and B's confusion cells, side by side
        self.m = np.zeros((cells.shape[0], 2 * k * k))
        rows = np.arange(cells.shape[0])
        self.m[rows, t * k + a] = 1.0
        self.m[rows, k * k + t * k + b] = 1.0
        self.k = k

    def bytes_per_replicate(self) -> int:
        return 8 * (2 * self.counts.shape[0] + 2 * self.k * self.k) + 64

    def draw(self, gen, b):
        cm = gen.multinomial(self.n, self.p, size=b).astype(np.float64) @ self.m
        kk = self.k * self.k
        return cm[:, :kk], cm[:, kk:]


class _UnitEngine:
    """Additive per-unit features ``(U, F)`` of A and B; one matrix product per batch."""

    def __init__(self, fa: np.ndarray, fb: np.ndarray):
        self.fa, self.fb = fa, fb
        self.u = int(fa.shape[0])
        self.tot_a, self.tot_b = fa.sum(axis=0), fb.sum(axis=0)
        self._d = None

    # AR --------------------------------------------------------------------------------------
    def _prepare_ar(self):
        d = self.fb - self.fa
        cols = np.flatnonzero(np.any(d != 0, axis=0))
        d = d[:, cols]
        self.cols = cols
        self.f32 = self.u >= _FLOAT32_MIN_UNITS
        self._planes = None
        if self.f32 and _COMPILED_AR and cols.shape[0]:
            from ._bitplanes import BitPlanes

            self._planes = BitPlanes(d)
            self._d = d
            return
        if self.f32:
            # centred values in float32 plus a column of ones (counts the swapped units);
            # the mean part is added back in float64: sum_i s_i d_i = sum_i s_i (d_i - mu) + k mu
            self.mu = d.mean(axis=0)
            dc = np.empty((self.u, cols.shape[0] + 1), dtype=np.float32)
            dc[:, :-1] = d - self.mu
            dc[:, -1] = 1.0
            self._d = dc
        else:
            self._d = d

    def ar_bytes_per_replicate(self) -> int:
        if self.u >= _FLOAT32_MIN_UNITS:
            return self.u // 8 + 4 * _AR_CHUNK + 64
        return self.u * 9 + 64

    def ar(self, gen, b):
        if self._d is None:
            self._prepare_ar()
        a = np.broadcast_to(self.tot_a, (b, self.tot_a.shape[0])).copy()
        bb = np.broadcast_to(self.tot_b, (b, self.tot_b.shape[0])).copy()
        if self.cols.shape[0]:
            if self._planes is not None:
                words = gen.integers(0, 2**64, size=(b, -(-self.u // 64)), dtype=np.uint64)
                delta = self._planes.sums(words)
            elif self.f32:
                delta = self._ar_delta_f32(gen, b)
            else:
                delta = _random_bits(gen, b, self.u).astype(np.float64) @ self._d
            a[:, self.cols] += delta
            bb[:, self.cols] -= delta
        return a, bb

    def _ar_delta_f32(self, gen, b):
        """sum_i s_i d_i for a batch, cache-blocked over units (float32 products, float64 sums).

        The units are split into ``_AR_THREADS`` contiguous halves summed in threads
        (``np.unpackbits`` and the BLAS product release the GIL); the random bits are
        drawn once, before the split, so the draws do not depend on the thread count.
        """
        u = self.u
        words = gen.integers(0, 2**64, size=(b, -(-u // 64)), dtype=np.uint64).view(np.uint8)

        def partial(lo, hi):
            acc = np.zeros((b, self._d.shape[1]))
            buf = np.empty((b, _AR_CHUNK), dtype=np.float32)
            for s in range(lo, hi, _AR_CHUNK):
                e = min(hi, s + _AR_CHUNK)
                view = buf[:, : e - s]
                view[...] = np.unpackbits(words[:, s // 8:(e + 7) // 8], axis=1, count=e - s)
                acc += view @ self._d[s:e]
            return acc

        n_chunks = -(-u // _AR_CHUNK)
        cuts = [min(u, (n_chunks * k // _AR_THREADS) * _AR_CHUNK) for k in range(_AR_THREADS + 1)]
        spans = [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:]) if hi > lo]
        if len(spans) == 1:
            acc = partial(*spans[0])
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(spans)) as pool:
                acc = sum(pool.map(lambda span: partial(*span), spans))
        return acc[:, :-1] + acc[:, -1:] * self.mu

    # bootstrap -------------------------------------------------------------------------------
    def boot_bytes_per_replicate(self) -> int:
        if self.u >= _FLOAT32_MIN_UNITS:
            return self.u * 4 + 64
        return self.u * 24 + 64

    def boot(self, gen, b):
        if self.u >= _FLOAT32_MIN_UNITS:
            return self._boot_f32(gen, b)
        idx = gen.integers(0, self.u, size=(b, self.u))
        idx += (np.arange(b) * self.u)[:, None]
        w = np.bincount(idx.ravel(), minlength=b * self.u).reshape(b, self.u).astype(np.float64)
        return w @ self.fa, w @ self.fb

    def _boot_f32(self, gen, b):
        """Multinomial unit counts per replicate, one row at a time; float32 product on
        column-centred features, the centre added back in float64 (counts sum to U)."""
        if getattr(self, "_fc", None) is None:
            f = np.concatenate([self.fa, self.fb], axis=1)
            self._mu_boot = f.mean(axis=0)
            self._fc = (f - self._mu_boot).astype(np.float32)
        w = np.empty((b, self.u), dtype=np.float32)
        for r in range(b):
            w[r] = np.bincount(gen.integers(0, self.u, size=self.u), minlength=self.u)
        acc = np.zeros((b, self._fc.shape[1]))
        for s in range(0, self.u, 8 * _AR_CHUNK):
            e = min(self.u, s + 8 * _AR_CHUNK)
            acc += w[:, s:e] @ self._fc[s:e]
        acc += self.u * self._mu_boot
        nf = self.fa.shape[1]
        return acc[:, :nf], acc[:, nf:]


# ----------------------------------------------------------------------------------------------
# building features

def _units(stratum: PairedPredictions, used: np.ndarray, unit: str):
    """Unit index per used sample and number of units (empty units dropped)."""
    if unit == "sample":
        return None, int(used.sum())
    _, inv = np.unique(stratum.group[used], return_inverse=True)
    return inv.reshape(-1), int(inv.max()) + 1 if inv.size else 0


def _features(columns, inv, g):
    """Stack per-sample feature columns (unit=sample) or sum them per unit (unit=group).

    ``columns`` is an iterable of 1-D arrays, consumed one at a time so that the
    group path never holds an (n, F) matrix.
    """
    if inv is None:
        return np.stack(list(columns), axis=1)
    return np.stack([np.bincount(inv, weights=c, minlength=g) for c in columns], axis=1)


def _va_columns(stratum, dims, system, used):
    """Per-sample sufficient sums (n, y, x, y², x², yx) per VA dimension; excluded rows 0."""
    vt = stratum.va_true[used]
    vx = (stratum.va_a if system == "a" else stratum.va_b)[used]
    for d in dims:
        ok = np.isfinite(vt[:, d])
        y = np.where(ok, vt[:, d], 0.0)
        x = np.where(ok, vx[:, d], 0.0)
        yield ok.astype(np.float64)
        yield y
        yield x
        yield y * y
        yield x * x
        yield y * x


def _cost_values(stratum, cost, used, system):
    p = stratum.proba_a if system == "a" else stratum.proba_b
    y = stratum.y_true[used]
    return np.einsum("ij,ij->i", p[used], cost[y])


def _stratum_engine(stratum: PairedPredictions, spec: _Metric, unit: str, test: str,
                    context: MetricContext | None, idx: int):
    """Return (engine, observed feature totals A and B, number of units)."""
    k = stratum.n_classes
    if spec.family == "confusion":
        used = stratum.y_true >= 0
        t, a, b = stratum.y_true[used], stratum.pred_a[used], stratum.pred_b[used]
        if unit == "sample":
            hist = np.bincount((t * k + a) * k + b, minlength=k**3).reshape(k, k, k)
            eng = _CellAR(hist) if test == "ar" else _CellBoot(hist)
            tot_a = hist.sum(axis=2).reshape(-1).astype(np.float64)
            tot_b = hist.sum(axis=1).reshape(-1).astype(np.float64)
            return eng, tot_a, tot_b, int(used.sum())
        inv, g = _units(stratum, used, unit)
        fa = np.bincount(inv * k * k + t * k + a, minlength=g * k * k).reshape(g, k * k)
        fb = np.bincount(inv * k * k + t * k + b, minlength=g * k * k).reshape(g, k * k)
        eng = _UnitEngine(fa.astype(np.float64), fb.astype(np.float64))
        return eng, eng.tot_a, eng.tot_b, g
    if spec.family == "va":
        if stratum.va_true is None:
            raise ConfigError(f"`metric` {spec.id!r} needs `va_true`, `va_a` and `va_b`; stratum "
                              f"{idx} has none.")
        used = np.isfinite(stratum.va_true[:, list(spec.dims)]).any(axis=1)
        inv, g = _units(stratum, used, unit)
        fa = _features(_va_columns(stratum, spec.dims, "a", used), inv, g)
        fb = _features(_va_columns(stratum, spec.dims, "b", used), inv, g)
    else:  # cost
        if stratum.proba_a is None:
            raise ConfigError(f"`metric` {spec.id!r} needs `proba_a` and `proba_b`; stratum {idx} "
                              "has none.")
        used = stratum.y_true >= 0
        inv, g = _units(stratum, used, unit)
        ones = np.ones(int(used.sum()))
        fa = _features((ones, _cost_values(stratum, context.cost, used, "a")), inv, g)
        fb = _features((ones, _cost_values(stratum, context.cost, used, "b")), inv, g)
    eng = _UnitEngine(fa, fb)
    return eng, eng.tot_a, eng.tot_b, eng.u


def _evaluate(spec: _Metric, features: np.ndarray) -> np.ndarray:
    """Metric values of a stack of feature totals; undefined replicates become NaN quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            return np.asarray(spec.fn(features), dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# validation

def _samples_iv(strata, metric, unit, n_resamples, alternative, confidence, rng, context,
                return_null, alpha):
    if isinstance(strata, PairedPredictions):
        strata = [strata]
    if not isinstance(strata, Sequence) or isinstance(strata, (str, bytes)) or len(strata) == 0:
        raise ConfigError("`strata` must be a non-empty sequence of PairedPredictions (one per "
                          f"seed); got {strata!r}.")
    for i, s in enumerate(strata):
        if not isinstance(s, PairedPredictions):
            raise ConfigError(f"`strata[{i}]` must be a PairedPredictions; got {type(s).__name__}.")
    ks = {s.n_classes for s in strata}
    if len(ks) != 1:
        raise PairingError(f"every stratum must have the same `n_classes`; got {sorted(ks)}.")
    k = ks.pop()
    unit = check_choice("unit", unit, UNITS)
    if unit == "group":
        missing = [i for i, s in enumerate(strata) if s.group is None]
        if missing:
            raise ConfigError(f"`unit`='group' needs `group` labels (videos) in every stratum; "
                              f"strata {missing[:10]} have none. Pass unit='sample' only if the "
                              "samples are independent (not frames of the same video).")
    if context is not None and not isinstance(context, MetricContext):
        raise ConfigError("`context` must be a MetricContext or None; got "
                          f"{type(context).__name__}.")
    spec = _parse_metric(metric, k, context)
    n_resamples = check_n_resamples(n_resamples)
    alternative = check_alternative(alternative)
    confidence = check_confidence(confidence)
    return_null = check_bool_or_none("return_null", return_null)
    alpha = check_alpha(alpha)
    gen, seed = normalize_rng(rng)
    return (list(strata), spec, unit, n_resamples, alternative, confidence, gen, seed, context,
            bool(return_null), alpha)


# ----------------------------------------------------------------------------------------------
# the two tests

def _observed(spec, engines, strata):
    obs_a = np.array([float(_evaluate(spec, e[1])) for e in engines])
    obs_b = np.array([float(_evaluate(spec, e[2])) for e in engines])
    if spec.check is not None:
        for i, e in enumerate(engines):
            for sysname, tot in (("A", e[1]), ("B", e[2])):
                msg = spec.check(tot.reshape(strata[i].n_classes, -1))
                if msg:
                    warnings.warn(f"{spec.id}, stratum {i}, system {sysname}: {msg}.",
                                  DegenerateDataWarning, stacklevel=4)
    return obs_a, obs_b


def _run(strata, spec, unit, n_resamples, gen, context, test):
    engines = [_stratum_engine(s, spec, unit, test, context, i) for i, s in enumerate(strata)]
    for i, e in enumerate(engines):
        if e[3] == 0:
            raise ConfigError(f"stratum {i} has no usable sample for `metric` {spec.id!r} "
                              "(every sample excluded).")
    obs_a, obs_b = _observed(spec, engines, strata)
    per_rep = sum(_bytes(e[0], test) for e in engines)
    batch = min(pick_batch(n_resamples, per_rep), _MAX_BATCH)
    thin = any(isinstance(e[0], _UnitEngine) and e[0].u >= _FLOAT32_MIN_UNITS for e in engines)
    if thin:
        batch = min(batch, _AR_MAX_BATCH)
    null = np.zeros(n_resamples)
    with _thin_blas() if thin else contextlib.nullcontext():
        _draw_all(engines, spec, gen, test, batch, null)
    return engines, obs_a, obs_b, null


def _draw_all(engines, spec, gen, test, batch, null):
    n_resamples = null.shape[0]
    for start in range(0, n_resamples, batch):
        b = min(batch, n_resamples - start)
        acc = np.zeros(b)
        for e in engines:
            eng = e[0]
            if isinstance(eng, _UnitEngine):
                fa, fb = eng.ar(gen, b) if test == "ar" else eng.boot(gen, b)
            else:
                fa, fb = eng.draw(gen, b)
            acc += _evaluate(spec, fa) - _evaluate(spec, fb)
        null[start:start + b] = acc / len(engines)


def _thin_blas():
    """Single-threaded BLAS for the thin (B, 2048) @ (2048, c) products, if threadpoolctl is here.

    Those products are too small to gain from threads, and OpenBLAS threads spin
    when the cores are busy, which made the float32 AR path up to 10x slower under
    load.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _bytes(engine, test):
    if isinstance(engine, _UnitEngine):
        return engine.ar_bytes_per_replicate() if test == "ar" else \
            engine.boot_bytes_per_replicate()
    return engine.bytes_per_replicate()


def _drop_nan(null, what):
    bad = np.isnan(null)
    if bad.any():
        warnings.warn(f"{what}: {int(bad.sum())} of {null.shape[0]} replicates gave an undefined "
                      "metric (e.g. a class absent from a resample) and are left out; the "
                      "p-value uses the remaining replicates.", DegenerateDataWarning,
                      stacklevel=3)
        null = null[~bad]
    return null


def _note(spec, unit, engines, extra):
    counts = ", ".join(str(e[3]) for e in engines)
    return (f"metric={spec.id}; unit={unit}; {len(engines)} stratum(s) with {counts} unit(s); "
            f"statistic = mean over strata of metric(A) - metric(B); {extra}")


def _nan_result(method, alternative, n, confidence, n_resamples, seed, note, obs):
    return PairedTestResult(method, obs, float("nan"), alternative, n, mean_diff=obs,
                            ci_low=float("nan"), ci_high=float("nan"), confidence=confidence,
                            exact=False, min_pvalue=mc_min_pvalue(n_resamples, alternative),
                            n_resamples=n_resamples, seed=seed, mc_se=None,
                            rank_biserial=float("nan"), cohen_dz=float("nan"), note=note)


def approximate_randomization(strata: Sequence[PairedPredictions], metric: str, *,
                              unit: str = "group", n_resamples: int = 9999,
                              alternative: str = "two-sided", rng=None,
                              context: MetricContext | None = None, return_null: bool = False,
                              alpha: float | None = 0.05) -> PairedTestResult:
    """Approximate randomization (paired permutation) test of metric(A) - metric(B).

    Parameters
    ----------
    strata : sequence of PairedPredictions
        One per seed (or a single PairedPredictions). Every stratum must have the
        same ``n_classes``.
    metric : str
        A metric id from :data:`SAMPLE_METRICS`, e.g. ``"expr_macro_f1"``,
        ``"f1:3"``, ``"pair_confusion:Anger|Fear"``, ``"va_ccc_mean"``.
    unit : {'group', 'sample'}, default 'group'
        What is swapped: whole groups (videos; needs ``group`` in every stratum)
        or single samples (only for independent samples).
    n_resamples : int, default 9999
        Monte-Carlo replicates R.
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
        ``'greater'``: metric(A) > metric(B) (for a cost metric that means A is worse).
    rng : None, int or numpy.random.Generator
        Drives the draws; the seed actually used is reported (see
        :class:`PairedTestResult`).
    context : MetricContext, optional
        Cost matrix, quadrants, class names for the metrics that need them.
    return_null : bool, default False
        Keep the R null replicates in ``null_distribution``.
    alpha : float or None, default 0.05
        Warn if the smallest attainable p-value, 2/(R+1) two-sided, exceeds it.

    Returns
    -------
    PairedTestResult
        ``method="ar"``, ``statistic = mean_diff`` = mean over strata of
        metric(A_s) - metric(B_s); ``n`` = number of units over all strata; no CI
        (NaN); ``exact=False``.

    Notes
    -----
    Under H0 the two systems' outputs are exchangeable on every unit, so swapping
    them on a random subset :math:`S` of units (each unit independently with
    probability 1/2, within each stratum) leaves the distribution of the
    statistic unchanged (Noreen 1989; Riezler & Maxwell 2005). With R replicates
    and c of them at least as extreme as the observed statistic (ties within
    ``100·eps``), :math:`p = (c+1)/(R+1)`; two-sided
    :math:`p = \\min(1, 2\\min(p_<, p_>))`, as :func:`scipy.stats.permutation_test`.
    The null distribution is symmetric (swapping the complement of :math:`S`
    negates the statistic). Replicates whose metric is undefined (NaN) are left
    out with a DegenerateDataWarning. No discordant unit (A and B identical):
    DegenerateDataWarning and p = 1.

    How the replicates are computed without touching the samples: see the module
    docstring.

    References
    ----------
    .. [1] Noreen, E. W. (1989). Computer-Intensive Methods for Testing Hypotheses.
           Wiley.
    .. [2] Riezler, S. & Maxwell, J. T. (2005). On some pitfalls in automatic
           evaluation and significance testing for MT. ACL Workshop on Intrinsic
           and Extrinsic Evaluation Measures.
    .. [3] Dror, R. et al. (2018). The hitchhiker's guide to testing statistical
           significance in natural language processing. ACL.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 600)
    >>> pa = np.where(rng.random(600) < 0.8, y, rng.integers(0, 3, 600))
    >>> pb = np.where(rng.random(600) < 0.7, y, rng.integers(0, 3, 600))
    >>> s = PairedPredictions(y, pa, pb, n_classes=3, group=np.arange(600) // 20)
    >>> res = approximate_randomization([s], "expr_macro_f1", unit="group", rng=1)
    >>> res.method, res.n, res.pvalue < 0.01, res.seed
    ('ar', 30, True, 1)
    """
    (strata, spec, unit, n_resamples, alternative, _, gen, seed, context, return_null,
     alpha) = _samples_iv(strata, metric, unit, n_resamples, alternative, 0.95, rng, context,
                          return_null, alpha)
    engines, obs_a, obs_b, null = _run(strata, spec, unit, n_resamples, gen, context, "ar")
    n_units = int(sum(e[3] for e in engines))
    observed = float(np.mean(obs_a - obs_b))
    note = _note(spec, unit, engines, "units swapped with probability 1/2 within each stratum")
    if not np.isfinite(observed):
        warnings.warn(f"approximate_randomization: {spec.id} is undefined on the observed data; "
                      "p = NaN.", DegenerateDataWarning, stacklevel=2)
        return _nan_result("ar", alternative, n_units, 0.95, n_resamples, seed, note, observed)
    null = _drop_nan(null, "approximate_randomization")
    r = int(null.shape[0])
    if r == 0:
        return _nan_result("ar", alternative, n_units, 0.95, n_resamples, seed, note, observed)
    if np.all(null == observed) and observed == 0.0:
        warnings.warn("approximate_randomization: A and B give the same output on every unit "
                      "(no discordant unit); p = 1.", DegenerateDataWarning, stacklevel=2)
    scale = float(np.nanmax(np.abs(np.concatenate([obs_a, obs_b]))))
    p, se = pvalue_from_null(null, observed, alternative, exact=False, scale=scale)
    min_p = mc_min_pvalue(r, alternative)
    warn_unreachable(min_p, alpha, f"approximate_randomization with n_resamples={r}")
    return PairedTestResult("ar", observed, p, alternative, n_units, mean_diff=observed,
                            ci_low=float("nan"), ci_high=float("nan"), confidence=0.95,
                            exact=False, min_pvalue=min_p, n_resamples=r, seed=seed, mc_se=se,
                            rank_biserial=float("nan"), cohen_dz=float("nan"),
                            null_distribution=null if return_null else None, note=note)


def paired_bootstrap(strata: Sequence[PairedPredictions], metric: str, *, unit: str = "group",
                     n_resamples: int = 9999, confidence: float = 0.95,
                     alternative: str = "two-sided", rng=None,
                     context: MetricContext | None = None, return_null: bool = False,
                     alpha: float | None = 0.05) -> PairedTestResult:
    """Paired bootstrap of metric(A) - metric(B): percentile CI and shifted-null p-value.

    Parameters
    ----------
    strata : sequence of PairedPredictions
        One per seed (or a single PairedPredictions).
    metric : str
        A metric id from :data:`SAMPLE_METRICS`.
    unit : {'group', 'sample'}, default 'group'
        What is resampled with replacement: whole groups (videos) or samples.
    n_resamples : int, default 9999
        Bootstrap replicates R.
    confidence : float, default 0.95
        Level of the percentile interval.
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
    rng : None, int or numpy.random.Generator
    context : MetricContext, optional
    return_null : bool, default False
        Keep the R bootstrap replicates of the statistic (not centred) in
        ``null_distribution``.
    alpha : float or None, default 0.05

    Returns
    -------
    PairedTestResult
        ``method="bootstrap"``; ``statistic = mean_diff``; ``ci_low, ci_high`` the
        percentile interval.

    Notes
    -----
    Each replicate draws, within each stratum independently, as many units as the
    stratum has, with replacement, and evaluates **both** systems on the same
    drawn units; the paired design is kept. (Resampling the two systems
    independently ignores their correlation and inflates the interval: a common
    bug; ``tests/stats/test_stats_samples.py`` checks against it.)

    CI: percentile interval :math:`[T^*_{((1-c)/2)}, T^*_{((1+c)/2)}]` (Efron &
    Tibshirani 1993, §13.3). p-value: shifted null (Hall & Wilson 1991, guideline
    1): the centred replicates :math:`T^*_r - \\hat T` stand for the null
    distribution of :math:`T`, so :math:`p_> = (1 + \\#\\{T^*_r - \\hat T \\ge \\hat T\\})/(R + 1)`;
    two-sided :math:`\\min(1, 2\\min(p_<, p_>))`. Replicates with an undefined
    metric are left out with a DegenerateDataWarning.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
           Chapman & Hall.
    .. [2] Hall, P. & Wilson, S. R. (1991). Two guidelines for bootstrap hypothesis
           testing. Biometrics 47(2), 757-762.
    .. [3] Koehn, P. (2004). Statistical significance tests for machine translation
           evaluation. EMNLP.
    """
    (strata, spec, unit, n_resamples, alternative, confidence, gen, seed, context, return_null,
     alpha) = _samples_iv(strata, metric, unit, n_resamples, alternative, confidence, rng,
                          context, return_null, alpha)
    engines, obs_a, obs_b, boot = _run(strata, spec, unit, n_resamples, gen, context, "boot")
    n_units = int(sum(e[3] for e in engines))
    observed = float(np.mean(obs_a - obs_b))
    note = _note(spec, unit, engines, "units resampled with replacement within each stratum, "
                                      "the same units for A and B; percentile CI; shifted-null "
                                      "p-value")
    if not np.isfinite(observed):
        warnings.warn(f"paired_bootstrap: {spec.id} is undefined on the observed data; p = NaN.",
                      DegenerateDataWarning, stacklevel=2)
        return _nan_result("bootstrap", alternative, n_units, confidence, n_resamples, seed,
                           note, observed)
    boot = _drop_nan(boot, "paired_bootstrap")
    r = int(boot.shape[0])
    if r == 0:
        return _nan_result("bootstrap", alternative, n_units, confidence, n_resamples, seed,
                           note, observed)
    if np.all(boot == 0.0) and observed == 0.0:
        warnings.warn("paired_bootstrap: A and B give the same output on every unit; the "
                      "difference is 0 in every replicate and p = 1.", DegenerateDataWarning,
                      stacklevel=2)
    lo, hi = np.quantile(boot, [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0])
    scale = float(np.nanmax(np.abs(np.concatenate([obs_a, obs_b]))))
    p, se = pvalue_from_null(boot - observed, observed, alternative, exact=False, scale=scale)
    min_p = mc_min_pvalue(r, alternative)
    warn_unreachable(min_p, alpha, f"paired_bootstrap with n_resamples={r}")
    return PairedTestResult("bootstrap", observed, p, alternative, n_units, mean_diff=observed,
                            ci_low=float(lo), ci_high=float(hi), confidence=confidence,
                            exact=False, min_pvalue=min_p, n_resamples=r, seed=seed, mc_se=se,
                            rank_biserial=float("nan"), cohen_dz=float("nan"),
                            null_distribution=boot if return_null else None, note=note)


def metric_value(stratum: PairedPredictions, metric: str, *, system: str = "a",
                 context: MetricContext | None = None) -> float:
    """The metric of one system on one stratum, computed as the tests compute it.

    Useful to check a test's ``mean_diff`` and to compare with scikit-learn.

    Parameters
    ----------
    stratum : PairedPredictions
    metric : str
        A metric id from :data:`SAMPLE_METRICS`.
    system : {'a', 'b'}, default 'a'
    context : MetricContext, optional
    """
    if not isinstance(stratum, PairedPredictions):
        raise ConfigError(f"`stratum` must be a PairedPredictions; got {type(stratum).__name__}.")
    check_choice("system", system, ("a", "b"))
    spec = _parse_metric(metric, stratum.n_classes, context)
    eng = _stratum_engine(stratum, spec, "sample", "boot", context, 0)
    return float(_evaluate(spec, eng[1] if system == "a" else eng[2]))
