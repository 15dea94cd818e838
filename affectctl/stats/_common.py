"""Private helpers shared by :mod:`affectctl.stats`: paired input and Monte-Carlo p-values.

Every public function in :mod:`affectctl.stats` validates its input in a private
``_<name>_iv`` function built from the checks of :mod:`affectctl._util.validation`
(SciPy ``_resampling.py`` style). Messages name the parameter, the allowed values and the value received::

    `alternative` must be one of {'two-sided', 'greater', 'less'}; got 'both'.

All errors are :class:`~affectctl.errors.ConfigError` (a ``ValueError``) or
:class:`~affectctl.errors.PairingError` (a ``ValueError``) for unpaired input.
"""

from __future__ import annotations

import warnings

import numpy as np

from affectctl._util.jsonable import plain
from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError


#: Relative tolerance under which two statistics count as tied (as SciPy's
#: ``permutation_test``: ``100 * eps``).
TIE_RTOL = 100.0 * np.finfo(np.float64).eps


def as_paired_1d(a, b, *, names=("a", "b"), min_n: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Convert paired per-seed values to float64 1-D arrays of equal length, all finite."""
    out = []
    for name, x in zip(names, (a, b), strict=True):
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError(f"`{name}` must be a 1-D array of numbers; got {x!r}.") from None
        if arr.ndim != 1:
            raise ConfigError(f"`{name}` must be 1-D (one value per seed); got shape {arr.shape}.")
        out.append(arr)
    xa, xb = out
    if xa.shape[0] != xb.shape[0]:
        raise PairingError(f"`{names[0]}` and `{names[1]}` must have the same length (one value "
                           f"per paired seed); got {xa.shape[0]} and {xb.shape[0]}.")
    if xa.shape[0] < min_n:
        raise ConfigError(f"`{names[0]}` and `{names[1]}` need at least {min_n} paired "
                          f"value(s); got {xa.shape[0]}.")
    for name, arr in zip(names, out, strict=True):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ConfigError(f"`{name}` must be finite; got NaN or inf at position(s) "
                              f"{bad.tolist()[:10]}. Drop unpaired or failed seeds explicitly "
                              "before testing.")
    return xa, xb


def pvalue_from_null(null: np.ndarray, observed: float, alternative: str, *, exact: bool,
                     scale: float | None = None) -> tuple[float, float | None]:
    """p-value and its Monte-Carlo standard error from a null distribution.

    Follows :func:`scipy.stats.permutation_test`: null values within
    ``100·eps·max(|observed|, scale)`` of the observed value count as at least as
    extreme; a randomized (non-exact) test adds one to numerator and denominator,
    ``p = (c + 1) / (R + 1)`` (Phipson & Smyth 2010), so it is never 0; two-sided
    ``p = min(1, 2·min(p_less, p_greater))``.

    ``scale`` widens the tie tolerance to the magnitude of the terms behind the
    statistic (SciPy uses ``|observed|`` alone); it matters only when the observed
    value is near 0 compared with those terms.

    The standard error is ``sqrt(q(1−q)/R)`` for a one-sided p-value ``q`` and
    ``2·sqrt(q(1−q)/R)`` for a two-sided one (``q`` the smaller one-sided p), i.e.
    the binomial error of the count behind it; ``None`` when exact.
    """
    null = np.asarray(null, dtype=np.float64)
    r = null.shape[0]
    adj = 0 if exact else 1
    ref = abs(observed) if scale is None else max(abs(observed), abs(scale))
    gamma = TIE_RTOL * ref
    p_less = (np.count_nonzero(null <= observed + gamma) + adj) / (r + adj)
    p_greater = (np.count_nonzero(null >= observed - gamma) + adj) / (r + adj)
    if alternative == "less":
        p, q, k = p_less, p_less, 1.0
    elif alternative == "greater":
        p, q, k = p_greater, p_greater, 1.0
    else:
        q = min(p_less, p_greater)
        p, k = 2.0 * q, 2.0
    p = float(min(max(p, 0.0), 1.0))
    se = None if exact else float(k * np.sqrt(q * (1.0 - q) / r))
    return p, se


def mc_min_pvalue(n_resamples: int, alternative: str) -> float:
    """Smallest p a randomized test with ``n_resamples`` draws can return."""
    k = 2.0 if alternative == "two-sided" else 1.0
    return min(1.0, k / (n_resamples + 1))


def warn_unreachable(min_p: float, alpha: float | None, what: str, stacklevel: int = 3) -> None:
    """Warn when the smallest attainable p-value exceeds ``alpha``."""
    if alpha is not None and min_p > alpha:
        warnings.warn(f"{what}: the smallest attainable p-value is {min_p:.4g} > alpha={alpha:g}, "
                      "so this test cannot reject at that level whatever the data; add seeds or "
                      "units (see `affectctl power`), or pass `alpha=None` to silence this.",
                      DegenerateDataWarning, stacklevel=stacklevel)


def pick_batch(n_resamples: int, bytes_per_replicate: int, budget: int = 64 * 2**20) -> int:
    """Replicates per batch so that one batch needs about ``budget`` bytes (at least 1)."""
    return int(max(1, min(n_resamples, budget // max(1, bytes_per_replicate))))


def to_plain(value):
    """Plain Python values for a result record (NaN kept): :func:`affectctl._util.jsonable.plain`."""
    return plain(value)


_BYTE_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount64(words: np.ndarray) -> np.ndarray:
    """Number of set bits of each element of a ``uint64`` array (same shape, ``uint8``).

    ``np.bitwise_count`` (NumPy >= 2.0, a hardware popcount) where available; on older
    NumPy a byte lookup table over the array's little-endian bytes gives the same counts.
    """
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    words = np.ascontiguousarray(words, dtype=np.uint64)
    by_byte = _BYTE_POPCOUNT[words.view(np.uint8)].reshape(*words.shape, 8)
    return by_byte.sum(axis=-1, dtype=np.uint8)
