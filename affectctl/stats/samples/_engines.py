"""Exact resampling engines: one replicate's feature totals from the data itself.

* :class:`_CellAR`, :class:`_CellBoot`: count metrics with ``unit="sample"``, from the
  (truth, A, B) histogram (O(K³) per replicate).
* :class:`_UnitEngine`: additive per-unit features ``(U, F)``; a batch of replicates
  is one product with a random 0/1 swap matrix (AR) or multinomial counts
  (bootstrap), O(U) per replicate. Above ``_FLOAT32_MIN_UNITS`` units, AR uses the
  numba bit-plane kernel (:mod:`affectctl.stats._bitplanes`) when numba is installed,
  else a cache-blocked float32 product; the bootstrap a float32 product.

The Gaussian engine that replaces the O(U) part for many units is in
:mod:`affectctl.stats.samples._gaussian`.
"""

from __future__ import annotations

import numpy as np

from .._common import popcount64
from . import _gaussian

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
    from .._bitplanes import AVAILABLE as _COMPILED_AR
except Exception:  # pragma: no cover - a broken numba install falls back to the float path
    _COMPILED_AR = False



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
        self.gauss = None

    # Gaussian replicate sums ----------------------------------------------------------------
    def choose_sums(self, sums: str, fn, test: str, n_resamples: int) -> str:
        """Use the hybrid Gaussian sums (:mod:`._gaussian`) when allowed and accurate enough.

        ``fn`` maps feature totals (..., F) to the metric (for the bootstrap's gradient).
        Returns what the result's note says about this stratum.
        """
        self.gauss = None
        if sums == "exact" or self.u < _gaussian._MIN_UNITS:
            return "exact"
        if test == "ar":
            cols = [j for j in range(self.fa.shape[1])
                    if not np.array_equal(self.fa[:, j], self.fb[:, j])]
            if not cols:
                return "exact"
            cols = np.array(cols)
            d = self.fb[:, cols] - self.fa[:, cols]
            g = _gaussian.GaussianSums([d], "ar")
            g.cols = cols
        else:
            v = np.concatenate([_gaussian.gradient(fn, self.tot_a),
                                -_gaussian.gradient(fn, self.tot_b)])
            g = _gaussian.GaussianSums([self.fa, self.fb], "boot", direction=v)
        tol = _gaussian.edgeworth_tolerance(n_resamples)
        if g.bound <= tol:  # NaN (undefined gradient) fails too
            self.gauss = g
            return f"{g.describe()} <= tolerance {tol:.2g}"
        return (f"exact (the Gaussian sums were declined: Edgeworth bound {g.bound:.2g} > "
                f"tolerance {tol:.2g}; max leverage {g.h_max:.3g})")

    # AR --------------------------------------------------------------------------------------
    def _prepare_ar(self):
        d = self.fb - self.fa
        cols = np.flatnonzero(np.any(d != 0, axis=0))
        d = d[:, cols]
        self.cols = cols
        self.f32 = self.u >= _FLOAT32_MIN_UNITS
        self._planes = None
        if self.f32 and _COMPILED_AR and cols.shape[0]:
            from .._bitplanes import BitPlanes

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
        if self.gauss is not None:
            return 24 * self.gauss.m + 64
        if self.u >= _FLOAT32_MIN_UNITS:
            return self.u // 8 + 4 * _AR_CHUNK + 64
        return self.u * 9 + 64

    def ar(self, gen, b):
        if self.gauss is not None:
            a = np.broadcast_to(self.tot_a, (b, self.tot_a.shape[0])).copy()
            bb = np.broadcast_to(self.tot_b, (b, self.tot_b.shape[0])).copy()
            delta = self.gauss.ar(gen, b)
            a[:, self.gauss.cols] += delta
            bb[:, self.gauss.cols] -= delta
            return a, bb
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
        if self.gauss is not None:
            return 24 * self.gauss.m + 64
        if self.u >= _FLOAT32_MIN_UNITS:
            return self.u * 4 + 64
        return self.u * 24 + 64

    def boot(self, gen, b):
        if self.gauss is not None:
            s = self.gauss.boot(gen, b)
            nf = self.fa.shape[1]
            return s[:, :nf], s[:, nf:]
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
