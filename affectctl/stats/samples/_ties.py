"""Units that share one feature row, and exact random counts over such groups.

A replicate of an additive statistic needs :math:`\\sum_i s_i d_i` (AR, :math:`s_i \\sim
\\mathrm{Bernoulli}(1/2)`) or :math:`\\sum_i w_i f_i` (bootstrap, :math:`w \\sim
\\mathrm{Multinomial}(U, 1/U)`). When :math:`n_v` units share the row :math:`d_v`, only
the number of them that are swapped matters, and it is exactly
:math:`k_v \\sim \\mathrm{Binomial}(n_v, 1/2)`, independently over the groups:

.. math::

    \\sum_i s_i d_i = \\sum_v k_v d_v + \\sum_{i \\in \\text{singletons}} s_i d_i .

Likewise the bootstrap counts of the groups and singletons are one multinomial over the
cells (the groups with probabilities :math:`n_v / U`, the singletons :math:`1/U` each).
Either way the distribution of the replicate is that of the per-unit draw, and the rows
are used as they are, never rounded: tied rows (``d = 0`` wherever A and B agree,
one-hot costs, counts) cost one binomial per distinct row instead of one bit per unit.
"""

from __future__ import annotations

import numpy as np

from .._common import popcount64

__all__ = ["TiedRows", "HalfBinomials", "InverseHalfBinomials", "distinct_at_most"]

# Binomial(N, 1/2) by popcount of N random bits up to this N; numpy's BTPE beyond.
POPCOUNT_MAX_N = 512
# Fixed projection that hashes a row (ties are then checked exactly); a constant, not a draw.
_HASH_SEED = 20260


def distinct_at_most(col: np.ndarray, limit: int) -> bool:
    """Whether the 1-D ``col`` takes at most ``limit`` distinct values.

    Reads a prefix first: ``limit + 1`` distinct values there settle it without a full sort.
    """
    head = col[: 8 * (limit + 1)]
    if np.unique(head).shape[0] > limit:
        return False
    return np.unique(col).shape[0] <= limit


class TiedRows:
    """The rows of ``x`` (U, C) shared by at least two units, and the units whose row is unique.

    Attributes
    ----------
    values : ndarray (V, C)
        The distinct shared rows.
    counts : ndarray (V,) of int64
        How many units hold each of them.
    single : ndarray of intp
        Indices of the units whose row no other unit has, in index order.

    Notes
    -----
    Rows are compared exactly (bitwise equal floats, ``-0.0 == 0.0``). A fixed random
    projection sorts the candidates; rows with equal projections are then grouped by
    :func:`numpy.unique` over whole rows, so a hash collision never merges two rows.
    """

    def __init__(self, x: np.ndarray):
        u, c = x.shape
        if u == 0:
            self.values, self.counts = np.zeros((0, c)), np.zeros(0, np.int64)
            self.single = np.zeros(0, np.intp)
            return
        w = np.random.default_rng(_HASH_SEED).uniform(1.0, 2.0, c)
        h = np.zeros(u)
        for j in range(c):  # column by column: the same row gives the same bits of h
            h += (x[:, j] + 0.0) * w[j]
        _, inv, cnt = np.unique(h, return_inverse=True, return_counts=True)
        cand = np.flatnonzero(cnt[inv.reshape(-1)] >= 2)
        single = np.flatnonzero(cnt[inv.reshape(-1)] == 1)
        if cand.size:
            rows, rinv, rcnt = np.unique(x[cand] + 0.0, axis=0, return_inverse=True,
                                         return_counts=True)
            rinv = rinv.reshape(-1)
            shared = rcnt >= 2
            self.values = rows[shared]
            self.counts = rcnt[shared].astype(np.int64)
            single = np.sort(np.concatenate([single, cand[~shared[rinv]]]))
        else:
            self.values, self.counts = np.zeros((0, c)), np.zeros(0, np.int64)
        self.single = single

    @property
    def n_tied(self) -> int:
        """Units in the shared rows."""
        return int(self.counts.sum())


class InverseHalfBinomials:
    """Independent ``Binomial(n_j, 1/2)`` draws by inversion with a guide table.

    :math:`X = \\min\\{k : u < F(k)\\}` for one uniform :math:`u` (53 bits) per draw, with
    the binomial distribution function :math:`F` tabulated on
    :math:`n/2 \\pm 5\\sqrt n` (ten standard deviations; Hoeffding bounds the mass outside
    by :math:`2e^{-50} < 4\\cdot10^{-22}`, far below the :math:`2^{-53}` resolution of
    the uniform), and a guide table (Chen & Asau 1974) of as many buckets as table entries
    so that the search starts next to the answer. The probabilities come from
    :func:`scipy.stats.binom.pmf` at the lower end of the table and the exact ratio
    :math:`p(k+1)/p(k) = (n-k)/(k+1)`; the table's distribution function is within
    1e-11 relative (5e-13 absolute) of :func:`scipy.stats.binom.cdf` (tested).
    About 2.5 times faster than numpy's binomial sampler per draw (BTPE), on 10**6
    samples of 8 classes.
    """

    def __init__(self, counts):
        from scipy import stats

        ns = np.asarray(counts, dtype=np.int64)
        self.n = ns.shape[0]
        halfw = np.ceil(5.0 * np.sqrt(ns)).astype(np.int64)
        lo = np.maximum(0, ns // 2 - halfw)
        hi = np.minimum(ns, ns // 2 + halfw + 1)
        sizes = hi - lo + 1
        off = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        seg = np.repeat(np.arange(self.n), sizes)
        k = np.arange(int(sizes.sum())) - off[seg] + lo[seg]
        n = ns[seg]
        with np.errstate(divide="ignore"):
            step = np.log((n - k) / (k + 1.0))           # log p(k+1) - log p(k)
        ends = off + sizes - 1
        step[ends] = 0.0                                  # never crosses into the next n
        cum = np.cumsum(step)
        before = cum - step                               # sum of the steps below k
        logp = np.log(stats.binom.pmf(lo, ns, 0.5))[seg] + before - before[off][seg]
        cdf = np.empty(k.shape[0])
        guide = np.empty(k.shape[0], dtype=np.intp)
        p = np.exp(logp)
        for j in range(self.n):
            a, m = off[j], sizes[j]
            c = np.cumsum(p[a:a + m])
            c[-1] = np.inf                                # every u stops in the table
            cdf[a:a + m] = c
            guide[a:a + m] = a + np.searchsorted(c, np.arange(m) / m, side="right")
        self.cdf, self.guide, self.off, self.lo = cdf, guide, off, lo
        self.buckets = sizes.astype(np.float64)

    def bytes_per_replicate(self) -> int:
        return 24 * self.n + 64

    def draw(self, gen: np.random.Generator, b: int) -> np.ndarray:
        """``(b, n)`` float64 counts."""
        u = gen.random((b, self.n))
        idx = self.guide[self.off + (u * self.buckets).astype(np.intp)].reshape(-1)
        uf = u.reshape(-1)
        act = np.flatnonzero(self.cdf[idx] <= uf)
        while act.size:
            idx[act] += 1
            act = act[self.cdf[idx[act]] <= uf[act]]
        return (idx.reshape(b, self.n) - self.off + self.lo).astype(np.float64)


class HalfBinomials:
    """Independent ``Binomial(n_v, 1/2)`` draws for fixed ``counts`` (exact).

    Up to :data:`POPCOUNT_MAX_N` a draw is the popcount of ``n_v`` fair random bits (words
    masked to length); beyond, :class:`InverseHalfBinomials`.
    """

    def __init__(self, counts):
        counts = np.asarray(counts, dtype=np.int64)
        small = counts <= POPCOUNT_MAX_N
        self.order = np.concatenate([np.flatnonzero(small), np.flatnonzero(~small)])
        self.n = counts.shape[0]
        self.n_small = int(small.sum())
        tot_s = counts[self.order][: self.n_small]
        self.big = counts[self.order][self.n_small:]
        self._inverse = InverseHalfBinomials(self.big) if self.big.shape[0] else None
        n_words = np.maximum(-(-tot_s // 64), 1)
        self.starts = np.concatenate([[0], np.cumsum(n_words)[:-1]]).astype(np.intp)
        masks = np.full(int(n_words.sum()), 2**64 - 1, dtype=np.uint64)
        last = np.cumsum(n_words) - 1
        rem = tot_s - 64 * (n_words - 1)
        masks[last] = np.array([2**64 - 1 if r == 64 else (1 << int(r)) - 1 for r in rem.tolist()],
                               dtype=np.uint64)
        self.masks = masks

    def bytes_per_replicate(self) -> int:
        return 8 * (2 * self.n + self.masks.shape[0]) + 64

    def draw(self, gen: np.random.Generator, b: int) -> np.ndarray:
        """``(b, n)`` float64 counts, columns in the order of ``counts``."""
        y = np.empty((b, self.n))
        out = np.empty((b, self.n))
        if self.n_small:
            words = gen.integers(0, 2**64, size=(b, self.masks.shape[0]), dtype=np.uint64)
            cnt = popcount64(words & self.masks).astype(np.int32)
            y[:, : self.n_small] = np.add.reduceat(cnt, self.starts, axis=1)
        if self.big.shape[0]:
            y[:, self.n_small:] = self._inverse.draw(gen, b)
        out[:, self.order] = y
        return out
