"""Optional compiled kernel (numba): exact AR sums of integer-valued unit differences.

An AR replicate of a sum metric needs :math:`S = \\sum_i s_i d_i` for one fair random bit
:math:`s_i` per unit (:mod:`affectctl.stats.samples`). With 10**6 units, the float path
expands every bit to a float64 and multiplies (10**10 floats for 10**4 replicates). When a
column of ``d`` is integer-valued with a span below :math:`2^k` (``k = BITS``: counts per
video, integer costs), write :math:`d_i = \\ell + q_i` with the integer
:math:`q_i \\in [0, 2^k)` split into its ``k`` bit-planes :math:`q_i = \\sum_t 2^t b_{it}`.
Then, exactly in integers,

.. math::

    \\sum_i s_i q_i = \\sum_t 2^t \\operatorname{popcount}(s \\wedge b_{\\cdot t}),

so a replicate costs ``k`` AND + popcount operations per 64 units and column, on the
random words themselves (no expansion), and :math:`S = \\ell \\sum_i s_i + \\sum_i s_i
q_i`. The bit-plane idea is the classic bit-serial (bit-sliced) dot product; popcount
maps to the CPU's POPCNT/VPOPCNTQ instruction.

Nothing is rounded: :meth:`BitPlanes.fits` admits only integer-valued columns (and sums
below 2**53, where float64 holds every integer), so the kernel returns exactly the
float64 sum of the same bits. Real-valued data never come here (an earlier version
rounded them to a 16-bit grid; units sharing one difference then shared one rounding
error and the null was biased).

numba is optional (``pip install numba``); without it :data:`AVAILABLE` is False and
the float path runs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["AVAILABLE", "BITS", "BitPlanes"]

#: Fixed-point bits per column.
BITS = 16

try:  # pragma: no cover - depends on the environment
    import numba as _nb
except ImportError:  # pragma: no cover
    _nb = None

AVAILABLE = _nb is not None
_CHUNKS = 2  # replicate chunks run in parallel: a fixed number; integer sums make it exact anyway
_BLOCK_WORDS = 64  # 4096 units per cache block


if AVAILABLE:
    from llvmlite import ir as _ir
    from numba.extending import intrinsic as _intrinsic

    @_intrinsic
    def _ctpop(typingctx, x):  # pragma: no cover - compiled
        """LLVM's ``llvm.ctpop.i64`` (POPCNT, or VPOPCNTQ once vectorized)."""
        sig = _nb.types.uint64(_nb.types.uint64)

        def codegen(context, builder, signature, args):
            fn = builder.module.declare_intrinsic("llvm.ctpop", [_ir.IntType(64)])
            return builder.call(fn, args)

        return sig, codegen

    @_nb.njit(parallel=True, cache=True, nogil=True)
    def _popcounts(words, planes, out):  # pragma: no cover - compiled
        """``out[r, p] += sum_w popcount(words[r, w] & planes[w, p])``, cache-blocked over w."""
        b, nw = words.shape
        p_n = planes.shape[1]
        for c in _nb.prange(_CHUNKS):
            r0 = b * c // _CHUNKS
            r1 = b * (c + 1) // _CHUNKS
            acc = np.zeros(p_n, np.int64)
            for s in range(0, nw, _BLOCK_WORDS):
                e = min(nw, s + _BLOCK_WORDS)
                for r in range(r0, r1):
                    acc[:] = 0
                    for w in range(s, e):
                        word = words[r, w]
                        for p in range(p_n):
                            acc[p] += np.int64(_ctpop(word & planes[w, p]))
                    for p in range(p_n):
                        out[r, p] += acc[p]

    @_nb.njit(cache=True, nogil=True)
    def _pack(q, bits, planes):  # pragma: no cover - compiled
        """Set bit (unit i) of plane ``j * bits + t`` where bit t of ``q[i, j]`` is 1; the last
        plane gets every unit. Unit i is bit ``8 * ((i // 8) % 8) + 7 - i % 8`` of word ``i // 64``
        (``numpy.unpackbits`` order on the little-endian bytes of the words)."""
        u, c = q.shape
        last = planes.shape[1] - 1
        for i in range(u):
            w = i // 64
            m = np.uint64(1) << np.uint64(8 * ((i // 8) % 8) + 7 - i % 8)
            planes[w, last] |= m
            for j in range(c):
                v = q[i, j]
                for t in range(bits):
                    if (v >> np.uint32(t)) & np.uint32(1):
                        planes[w, j * bits + t] |= m


class BitPlanes:
    """Integer bit-planes of ``d`` (U, C) laid out like the AR random words (exact).

    Unit ``i`` is bit ``7 - i % 8`` of byte ``i // 8`` of a row of words viewed as bytes
    (``numpy.unpackbits`` order), as in ``affectctl.stats.samples._engines._UnitEngine._ar_delta_single``.
    """

    @staticmethod
    def fits(d: np.ndarray, bits: int = BITS) -> bool:
        """Whether every column of ``d`` is integer-valued with a span below ``2**bits`` and
        every partial sum stays below 2**53 in magnitude (then :meth:`sums` is exact)."""
        if d.size == 0 or not np.isfinite(d).all() or not (d == np.rint(d)).all():
            return False
        lo, hi = d.min(axis=0), d.max(axis=0)
        return bool((hi - lo < 2**bits).all()
                    and (np.abs(d).max() * d.shape[0] < 2.0**53))

    def __init__(self, d: np.ndarray, bits: int = BITS):
        if not self.fits(d, bits):
            raise ValueError("BitPlanes needs integer-valued columns with a span below "
                             f"2**{bits}; got other values (use the float64 product).")
        u, c = d.shape
        self.u, self.c, self.k = u, c, bits
        self.lo = d.min(axis=0)
        q = (d - self.lo).astype(np.uint32)
        nw = -(-u // 64)
        self.n_words = nw
        self.planes = np.zeros((nw, c * bits + 1), dtype=np.uint64)
        _pack(np.ascontiguousarray(q), bits, self.planes)
        self.weights = (2.0 ** np.arange(bits))

    def sums(self, words: np.ndarray) -> np.ndarray:
        """``(B, C)`` sums over the units whose bit is set, for ``words`` of shape (B, n_words)."""
        b = words.shape[0]
        cnt = np.zeros((b, self.planes.shape[1]), dtype=np.int64)
        _popcounts(np.ascontiguousarray(words), self.planes, cnt)
        n_set = cnt[:, -1].astype(np.float64)
        qsum = (cnt[:, :-1].reshape(b, self.c, self.k).astype(np.float64) * self.weights).sum(axis=2)
        return n_set[:, None] * self.lo + qsum
