"""Input containers of the sample-level tests: :class:`MetricContext`, :class:`PairedPredictions`.

Both validate on construction (ConfigError / PairingError naming the field) and
hold float64 / int64 arrays, so the engines never re-check their input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ConfigError, PairingError

__all__ = ["MetricContext", "PairedPredictions"]


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
    au_names : tuple of str, optional
        Names of the columns of ``au_true``/``au_a``/``au_b`` (``"AU12"``), for the
        official AU scores over a fixed AU set (``abaw3_au_score``, ``abaw_mtl_score``,
        ...); ``au_f1_mean`` does not need them.
    """

    cost: np.ndarray | None = None
    quadrants: np.ndarray | None = None
    class_names: tuple | None = None
    au_names: tuple | None = None

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
        if self.au_names is not None:
            names = tuple(self.au_names)
            if not all(isinstance(s, str) for s in names) or len(set(names)) != len(names):
                raise ConfigError(f"`au_names` must be distinct strings; got {self.au_names!r}.")
            object.__setattr__(self, "au_names", names)


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
    au_true, au_a, au_b : ndarray of shape (n, m), optional
        Action-unit occurrence, 0/1; -1 in ``au_true`` leaves that sample out of that
        AU; the predictions must be 0 or 1 wherever the truth is annotated.

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
    au_true: np.ndarray | None = None
    au_a: np.ndarray | None = None
    au_b: np.ndarray | None = None

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
        self._check_au(n)

    def _check_au(self, n):
        given = [getattr(self, s) is not None for s in ("au_true", "au_a", "au_b")]
        if any(given) and not all(given):
            raise ConfigError("`au_true`, `au_a` and `au_b` must be given together; got only "
                              "some of them.")
        if not all(given):
            return
        arrays = {}
        for name in ("au_true", "au_a", "au_b"):
            arr = np.asarray(getattr(self, name))
            if arr.ndim != 2 or arr.shape[0] != n:
                raise PairingError(f"`{name}` must have shape ({n}, m); got {arr.shape}.")
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
                raise ConfigError(f"`{name}` must hold integers 0/1 (-1 = not annotated in "
                                  "`au_true`); got non-integer or NaN values.")
            if arr.dtype.kind not in "iubf":
                raise ConfigError(f"`{name}` must hold integers 0/1; got dtype {arr.dtype}.")
            arrays[name] = arr.astype(np.int64)
        if arrays["au_a"].shape != arrays["au_true"].shape or \
                arrays["au_b"].shape != arrays["au_true"].shape:
            raise PairingError("`au_true`, `au_a` and `au_b` must have the same shape; got "
                               f"{arrays['au_true'].shape}, {arrays['au_a'].shape}, "
                               f"{arrays['au_b'].shape}.")
        t = arrays["au_true"]
        if ((t < -1) | (t > 1)).any():
            raise ConfigError("`au_true` must hold 0, 1 or -1 (not annotated).")
        ann = t >= 0
        for name in ("au_a", "au_b"):
            p = arrays[name]
            if ((p[ann] != 0) & (p[ann] != 1)).any():
                raise ConfigError(f"`{name}` must be 0 or 1 wherever `au_true` is annotated.")
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)

    @property
    def n(self) -> int:
        """Number of samples (annotated or not)."""
        return int(self.y_true.shape[0])
