"""Exact resampling engines: one replicate's feature totals from the data itself.

* :class:`_CellAR`, :class:`_CellBoot`: count metrics with ``unit="sample"``, from the
  (truth, A, B) histogram (O(K³) per replicate).
* :class:`_UnitEngine`: additive per-unit features ``(U, F)``. Units that share a
  feature row (AR: a row of ``d = f^B - f^A``; bootstrap: a row of ``(f^A, f^B)``) are
  drawn as one exact binomial (AR) or multinomial (bootstrap) count per distinct row
  (:mod:`._ties`); the other units get one random bit (AR) or count (bootstrap) each,
  and a batch of replicates is one float64 product with that 0/1 or count matrix. No
  feature is rounded: integer features are summed exactly (float64 holds every integer
  below 2**53), real ones in float64 arithmetic. For AR, integer-valued columns of the
  unshared units within a span of 2**16 go to the numba bit-plane kernel
  (:mod:`affectctl.stats.samples._numba_ar_kernel`, exact integer popcounts) when numba is installed.

The Gaussian engine that replaces the O(U) part for many units is in
:mod:`affectctl.stats.samples._gaussian`.
"""

from __future__ import annotations

import numpy as np

from affectctl.stats._common import popcount64
import affectctl.stats.samples._gaussian as _gaussian
from affectctl.stats.samples._ties import HalfBinomials, InverseHalfBinomials, TiedRows

# Above this many units the products run cache-blocked in threads (and BLAS single-threaded).
_MANY_UNITS = 2**15
# Binomial(N, 1/2) by popcount of N random bits up to this N; by inversion (_ties) beyond.
_POPCOUNT_MAX_N = 512
# Units per cache block in the blocked AR product (a float64 block of 256 replicates x 512
# units stays in L2: 2.5x faster than 2048 units), and the largest batch there.
_AR_CHUNK = 512
_AR_MAX_BATCH = 256
# Threads summing the blocked AR product over halves of the units: a fixed number, so that
# results do not depend on the machine (the float64 partial sums are added in a fixed order).
_AR_THREADS = 2
# Unit draws per block of the paired bootstrap's replicates (bounds its temporaries).
_BOOT_DRAW_BLOCK = 1 << 20
# Replicates per batch at most (memory stays flat beyond this many replicates).
_MAX_BATCH = 2048
# AR of integer-valued unshared units uses the compiled bit-plane kernel
# (affectctl.stats.samples._numba_ar_kernel) when numba is installed, else the float64 product.
# numba is imported on the first AR with that many units (its import takes 0.3-0.9 s, more
# than a small comparison's whole AR).


def _compiled_ar() -> bool:
    """Whether the compiled bit-plane kernel is available (imports numba once)."""
    try:
        from affectctl.stats.samples._numba_ar_kernel import AVAILABLE
    except Exception:  # pragma: no cover - a broken numba install falls back to the float path
        return False
    return AVAILABLE


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
        self._inverse = InverseHalfBinomials(self.big) if self.big else None
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
        if self._inverse is not None:
            y[:, self.n_small:] = self._inverse.draw(gen, b)
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
    """Additive per-unit features ``(U, F)`` of A and B; tied rows by exact group counts."""

    def __init__(self, fa: np.ndarray, fb: np.ndarray):
        self.fa, self.fb = fa, fb
        self.u = int(fa.shape[0])
        self.tot_a, self.tot_b = fa.sum(axis=0), fb.sum(axis=0)
        self._ar_ready = False
        self._boot_ready = False
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
            lat, values = _gaussian.lattice_bound([d], lambda c: 0.5 * np.sqrt(np.dot(c, c)))
        else:
            lat, values = _gaussian.lattice_bound([self.fa, self.fb],
                                                  lambda c: np.sqrt(self.u * c.var()),
                                                  skip_constant=True)
        tol = _gaussian.edgeworth_tolerance(n_resamples)
        if not lat <= tol:
            return (f"exact (the Gaussian sums were declined: a feature column takes {values} "
                    f"distinct values, a lattice whose atoms bound the normal's error by "
                    f"{lat:.2g} > tolerance {tol:.2g})")
        if test == "ar":
            g = _gaussian.GaussianSums([d], "ar")
            g.cols = cols
        else:
            v = np.concatenate([_gaussian.gradient(fn, self.tot_a),
                                -_gaussian.gradient(fn, self.tot_b)])
            g = _gaussian.GaussianSums([self.fa, self.fb], "boot", direction=v)
        if g.bound <= tol:  # NaN (undefined gradient) fails too
            self.gauss = g
            return f"{g.describe()} <= tolerance {tol:.2g}"
        return (f"exact (the Gaussian sums were declined: Edgeworth bound {g.bound:.2g} > "
                f"tolerance {tol:.2g}; max leverage {g.h_max:.3g})")

    # AR --------------------------------------------------------------------------------------
    def _prepare_ar(self):
        d = self.fb - self.fa
        cols = np.flatnonzero(np.any(d != 0, axis=0))
        self.cols = cols
        d = d[:, cols]
        moved = np.flatnonzero(np.any(d != 0, axis=1))  # a unit with d = 0 moves nothing
        ties = TiedRows(d[moved])
        self._tied_d = ties.values
        self._binom = HalfBinomials(ties.counts) if ties.counts.shape[0] else None
        single = d[moved[ties.single]]
        self._single = np.ascontiguousarray(single)
        self.n_single = int(single.shape[0])
        self._planes = None
        if self.n_single >= _MANY_UNITS and cols.shape[0] and _compiled_ar():
            from affectctl.stats.samples._numba_ar_kernel import BitPlanes

            if BitPlanes.fits(single):
                self._planes = BitPlanes(single)
        self._ar_ready = True

    def ar_bytes_per_replicate(self) -> int:
        if self.gauss is not None:
            return 24 * self.gauss.m + 64
        if not self._ar_ready:
            self._prepare_ar()
        tied = self._binom.bytes_per_replicate() if self._binom is not None else 0
        if self.n_single >= _MANY_UNITS:
            return tied + self.n_single // 8 + 8 * _AR_CHUNK + 64
        return tied + self.n_single * 9 + 64

    def ar(self, gen, b):
        a = np.broadcast_to(self.tot_a, (b, self.tot_a.shape[0])).copy()
        bb = np.broadcast_to(self.tot_b, (b, self.tot_b.shape[0])).copy()
        if self.gauss is not None:
            delta = self.gauss.ar(gen, b)
            a[:, self.gauss.cols] += delta
            bb[:, self.gauss.cols] -= delta
            return a, bb
        if not self._ar_ready:
            self._prepare_ar()
        if not self.cols.shape[0]:
            return a, bb
        delta = np.zeros((b, self.cols.shape[0]))
        if self._binom is not None:
            delta += self._binom.draw(gen, b) @ self._tied_d
        if self.n_single:
            if self._planes is not None:
                words = gen.integers(0, 2**64, size=(b, -(-self.n_single // 64)),
                                     dtype=np.uint64)
                delta += self._planes.sums(words)
            else:
                delta += self._ar_delta_single(gen, b)
        a[:, self.cols] += delta
        bb[:, self.cols] -= delta
        return a, bb

    def _ar_delta_single(self, gen, b):
        """sum_i s_i d_i over the unshared units for a batch (float64, cache-blocked).

        The units are split into ``_AR_THREADS`` contiguous halves summed in threads
        (``np.unpackbits`` and the BLAS product release the GIL); the random bits are
        drawn once, before the split, so the draws do not depend on the thread count.
        """
        u, d = self.n_single, self._single
        words = gen.integers(0, 2**64, size=(b, -(-u // 64)), dtype=np.uint64).view(np.uint8)
        if u < _MANY_UNITS:
            return np.unpackbits(words, axis=1, count=u).astype(np.float64) @ d

        def partial(lo, hi):
            acc = np.zeros((b, d.shape[1]))
            buf = np.empty((b, _AR_CHUNK))
            for s in range(lo, hi, _AR_CHUNK):
                e = min(hi, s + _AR_CHUNK)
                view = buf[:, : e - s]
                view[...] = np.unpackbits(words[:, s // 8:(e + 7) // 8], axis=1, count=e - s)
                acc += view @ d[s:e]
            return acc

        n_chunks = -(-u // _AR_CHUNK)
        cuts = [min(u, (n_chunks * k // _AR_THREADS) * _AR_CHUNK) for k in range(_AR_THREADS + 1)]
        spans = [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:]) if hi > lo]
        if len(spans) == 1:
            return partial(*spans[0])
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(spans)) as pool:
            return sum(pool.map(lambda span: partial(*span), spans))

    # bootstrap -------------------------------------------------------------------------------
    def _prepare_boot(self):
        f = np.concatenate([self.fa, self.fb], axis=1)
        ties = TiedRows(f)
        self._boot_tied = ties.values
        self._boot_counts = ties.counts
        self._boot_single = np.ascontiguousarray(f[ties.single])
        self._boot_ready = True

    def boot_bytes_per_replicate(self) -> int:
        if self.gauss is not None:
            return 24 * self.gauss.m + 64
        if not self._boot_ready:
            self._prepare_boot()
        return 8 * (self._boot_single.shape[0] + 2 * self._boot_counts.shape[0]) + 64

    def boot(self, gen, b):
        """Multinomial(U, 1/U) unit counts, exactly: K ~ Binomial(U, n_s/U) of the U draws land
        on the unshared units (uniformly among them), the other U - K on the shared rows,
        Multinomial(U - K, n_v / n_tied)."""
        nf = self.fa.shape[1]
        if self.gauss is not None:
            s = self.gauss.boot(gen, b)
            return s[:, :nf], s[:, nf:]
        if not self._boot_ready:
            self._prepare_boot()
        n_s = self._boot_single.shape[0]
        n_t = self.u - n_s
        acc = np.zeros((b, 2 * nf))
        k = (gen.binomial(self.u, n_s / self.u, size=b) if n_t and n_s
             else np.full(b, self.u if n_s else 0))
        if n_t:
            p = self._boot_counts / n_t
            rest = self.u - k
            acc += gen.multinomial(rest, p).astype(np.float64) @ self._boot_tied
        if n_s:
            # the unit indices of many replicates in one draw: numpy's bounded integers below
            # 2**32 take the bit generator's 32-bit stream, so this is the same stream as one
            # ``gen.integers(0, n_s, size=k[r])`` per replicate (tested), without b calls;
            # blocks of ~2**20 draws keep the temporaries small beside ``w``
            w = np.empty((b, n_s))
            rows = max(1, _BOOT_DRAW_BLOCK // n_s)
            for r0 in range(0, b, rows):
                r1 = min(b, r0 + rows)
                idx = gen.integers(0, n_s, size=int(k[r0:r1].sum()))
                idx += np.repeat(np.arange(r1 - r0, dtype=np.int64) * n_s, k[r0:r1])
                w[r0:r1] = np.bincount(idx, minlength=(r1 - r0) * n_s).reshape(r1 - r0, n_s)
            step = 8 * _AR_CHUNK
            for s in range(0, n_s, step):
                e = min(n_s, s + step)
                acc += w[:, s:e] @ self._boot_single[s:e]
        return acc[:, :nf], acc[:, nf:]
