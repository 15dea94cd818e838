"""Gaussian replicate sums: AR and bootstrap of continuous metrics on many units in O(F²) per replicate.

A continuous metric (CCC, PCC, RMSE, expected cost) depends on the data only
through a few additive unit sums: with per-unit features :math:`f_i \\in \\mathbb{R}^F`
(CCC: :math:`(1, y, x, y^2, x^2, yx)` per VA dimension; expected cost:
:math:`(1, c_i)`), a replicate's metric is :math:`g(S)` for a random sum
:math:`S`. The exact engines (:mod:`._engines`) draw one random bit (AR) or one
multinomial count (bootstrap) per unit and replicate: :math:`10^{10}` random numbers
for :math:`10^4` replicates of :math:`10^6` units, which no exact path draws in a
few seconds on two cores. Here only the *distribution of S* is approximated;
:math:`g` is applied to every replicate exactly as before, so the nonlinearity of
CCC is kept.

Approximate randomization
-------------------------
With :math:`d_i = f^B_i - f^A_i` and independent :math:`s_i \\sim
\\mathrm{Bernoulli}(1/2)`, the replicate moves :math:`\\Delta = \\sum_i s_i d_i`
from A's sums to B's. Exactly,

.. math::

    E\\Delta = \\tfrac12 \\sum_i d_i, \\qquad
    \\operatorname{Cov}\\Delta = \\tfrac14 \\sum_i d_i d_i^\\top .

The centred terms :math:`(s_i - \\tfrac12) d_i` are symmetric, so every odd
cumulant of :math:`\\Delta` vanishes and the Edgeworth expansion of any projection
:math:`a = v^\\top \\Delta` (Petrov 1975, ch. VI, for independent non-identical
summands) starts at the fourth cumulant:
:math:`F(x) = \\Phi(x) - \\phi(x) \\tfrac{\\kappa_4}{24} He_3(x) + O(n^{-2})` for the
standardized sum. For :math:`\\pm\\tfrac12` signs,
:math:`\\kappa_4 = -2 \\sum_i a_i^4 / (\\sum_i a_i^2)^2` with :math:`a_i = v^\\top d_i`, and
by Cauchy–Schwarz in the metric of :math:`G = D^\\top D`,
:math:`a_i^2 \\le (\\sum_j a_j^2)\\, h_i` with the leverage
:math:`h_i = d_i^\\top G^{+} d_i`. Hence, in **every** direction,

.. math::

    \\sup_x |F(x) - \\Phi(x)| \\le \\varepsilon_{AR} =
    \\tfrac{2}{24} \\sup_x|\\phi(x) He_3(x)| \\; h_{\\max} \\approx 0.046\\, h_{\\max}.

Bootstrap
---------
With :math:`w \\sim \\mathrm{Multinomial}(n, 1/n)` and :math:`f_i = (f^A_i, f^B_i)`
(A and B side by side: the pairing lives in the joint covariance),
:math:`S = \\sum_i w_i f_i` has mean :math:`n \\bar f` and covariance
:math:`n \\hat\\Sigma` (:math:`\\hat\\Sigma` the population covariance of the :math:`f_i`),
and is a sum of :math:`n` i.i.d. draws from the empirical distribution: the
one-term Edgeworth expansion (Hall 1992, §2.2) has error
:math:`\\tfrac{\\gamma}{6\\sqrt n}\\, \\phi(x) He_2(x)`, with :math:`\\gamma` the skewness
of :math:`v^\\top f_i`, plus :math:`\\tfrac{\\kappa}{24 n} \\phi He_3 +
\\tfrac{\\gamma^2}{72 n} \\phi He_5`. The direction that matters at order
:math:`n^{-1/2}` is the gradient :math:`v = (\\nabla g(S_A), -\\nabla g(S_B))` of the
statistic at the observed sums (delta method); the curvature of :math:`g` enters
at order :math:`n^{-1}` and is kept exact anyway. :math:`\\kappa / n \\le h_{\\max}` in
every direction (centred leverage), so

.. math::

    \\varepsilon_{boot} = \\tfrac{|\\gamma_v|}{6\\sqrt n} \\sup|\\phi He_2| +
    \\tfrac{h_{\\max}}{24} \\sup|\\phi He_3| + \\tfrac{\\gamma_v^2}{72 n} \\sup|\\phi He_5| .

Hybrid: the dominant units stay exact
-------------------------------------
The ``_EXACT_UNITS`` units of largest leverage are drawn exactly (a random bit
each for AR; for the bootstrap, the number of the n draws that land on them,
:math:`K \\sim \\mathrm{Binomial}(n, m/n)`, then their counts
:math:`\\mathrm{Multinomial}(K, 1/m)`); only the sum over the other units is drawn
from the moment-matched normal (bootstrap: the :math:`n - K` remaining draws,
mean :math:`(n-K)\\mu_R`, covariance :math:`(n-K)\\Sigma_R`). The diagnostics
:math:`h_{\\max}` and :math:`\\gamma_v` are those of the remaining units, so a few
outliers no longer spoil the approximation. The normal draw uses
:math:`L = V \\Lambda^{1/2}` from ``eigh`` (PSD-safe: columns constant in the data
have zero variance and stay exactly at their mean).

When it is used
---------------
``sums="auto"``: for at least ``_MIN_UNITS`` units and
:math:`\\varepsilon \\le` ``_TOL`` :math:`\\cdot \\sqrt{0.05 \\cdot 0.95 / R}`, a tenth of
the Monte-Carlo standard error of a p-value near 0.05 with R replicates (the
root-mean-square error of the p-value grows by at most 0.5 %); otherwise the
exact engine runs. ``sums="exact"`` always runs the exact engine.

Lattice data are declined when their atoms matter. The bounds above are Edgeworth
terms for non-lattice sums. A sum of variables on a lattice of span :math:`h` has a
discrete distribution; the normal smears out its atoms, and the expansion gains the
term :math:`\\frac{h}{\\sigma} S_1(\\cdot)\\, \\phi(x)` with the sawtooth
:math:`|S_1| \\le 1/2` (Esseen 1945; Petrov 1975, ch. VI, §4, for identically distributed
summands; used here per column as a guide): half an atom,
:math:`\\le \\tfrac12\\phi(0)\\, h/\\sigma \\approx 0.2\\, h/\\sigma`. So every feature column
that enters the draw (AR: a column of :math:`d` with a non-zero entry; bootstrap: a
non-constant column of :math:`(f^A, f^B)`) and takes at most :data:`LATTICE_MAX_VALUES`
distinct values is treated as lattice data, with :math:`h` bounded by the largest gap
between its sorted values and :math:`\\sigma` the standard deviation of its replicate sum
(AR :math:`\\tfrac12 (\\sum_i d_i^2)^{1/2}`, bootstrap :math:`(n\\,\\mathrm{var})^{1/2}`);
when that term exceeds the same tolerance, the Gaussian sums are not used and the note
says why. Issue 23's case (differences :math:`-c, 0, c` on 10,000 discordant samples)
has a term of 0.004, twenty times the tolerance at :math:`R = 10^4`: declined. Truth
annotated to 0.01 on :math:`10^6` frames has one of about :math:`4\\cdot10^{-6}`: kept.
The exact engine groups the units of a lattice by their distinct rows
(:mod:`._ties`), so it is both exact and fast there.

References
----------
.. [1] Hall, P. (1992). The Bootstrap and Edgeworth Expansion. Springer.
.. [2] Petrov, V. V. (1975). Sums of Independent Random Variables. Springer.
.. [3] Esseen, C.-G. (1945). Fourier analysis of distribution functions. Acta
       Mathematica 77, 1-125.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SUMS", "LATTICE_MAX_VALUES", "GaussianSums", "edgeworth_tolerance", "gradient",
           "lattice_bound"]

#: Values of the ``sums`` keyword of the sample-level tests.
SUMS = ("auto", "exact")
# Fewest units for the Gaussian path, units drawn exactly, tolerance as a fraction of the MC SE.
_MIN_UNITS = 2**16
_EXACT_UNITS = 4096
_TOL = 0.1
#: A feature column with at most this many distinct values counts as lattice data: the
#: Gaussian sums decline it (module docstring, "Lattice data are declined").
LATTICE_MAX_VALUES = 4096
# Rows per block in the passes over the units (memory stays at a few MiB per block).
_BLOCK = 65536
# Eigenvalues below this fraction of the largest count as zero (constant or duplicated columns).
_EIG_RTOL = 1e-10


def _sup_phi_hermite(k: int) -> float:
    """:math:`\\sup_x |\\phi(x) He_k(x)|` (probabilists' Hermite polynomials), exactly.

    By the Rodrigues formula :math:`He_k(x) = (-1)^k e^{x^2/2} \\frac{d^k}{dx^k} e^{-x^2/2}`
    (Abramowitz & Stegun, section 22.11),
    :math:`\\frac{d}{dx}[\\phi(x) He_k(x)] = -\\phi(x) He_{k+1}(x)`, and :math:`\\phi He_k`
    vanishes at :math:`\\pm\\infty`, so the supremum is taken at a root of :math:`He_{k+1}`
    (real and simple): the largest :math:`|\\phi He_k|` over those :math:`k + 1` roots. (A
    grid of 240,001 points gave the same to 1.5e-9 and cost 23 ms of every compare's
    start, ``python -X importtime``.)
    """
    from numpy.polynomial import hermite_e

    roots = hermite_e.hermeroots([0] * (k + 1) + [1]).real
    he = hermite_e.hermeval(roots, [0] * k + [1])
    return float(np.max(np.abs(he * np.exp(-0.5 * roots * roots) / np.sqrt(2 * np.pi))))


_C2, _C3, _C5 = (_sup_phi_hermite(k) for k in (2, 3, 5))
# Lattice term of a sum of span h and standard deviation sigma: |S_1| phi(x) h / sigma with the
# sawtooth |S_1| <= 1/2 (Esseen 1945; Petrov 1975, ch. VI, section 4): at most phi(0)/2 h/sigma.
_C_LATTICE = 0.5 / np.sqrt(2.0 * np.pi)


def edgeworth_tolerance(n_resamples: int) -> float:
    """Largest accepted Edgeworth bound: ``_TOL`` times the MC SE of a p-value near 0.05."""
    return _TOL * float(np.sqrt(0.05 * 0.95 / n_resamples))


def lattice_bound(parts, scale, *, skip_constant: bool = False):
    """The largest lattice term over the columns of ``parts`` (arrays (U, C_j), read column
    by column, never concatenated) that take at most
    :data:`LATTICE_MAX_VALUES` distinct values, and that column's number of values.

    For a column with distinct values :math:`v_1 < \\dots < v_m`, every lattice holding
    them has a span :math:`h \\le g = \\max_k (v_{k+1} - v_k)`; the replicate sum of the
    column has standard deviation ``scale(column)``, and the lattice term of its
    distribution function is at most :math:`\\tfrac12 \\phi(0)\\, g / \\sigma`
    (:data:`_C_LATTICE`; module docstring). Returns ``(0.0, None)`` when no column is
    lattice data. ``skip_constant``: a column with one value is left out (no variance:
    the normal draw keeps it exactly at its mean).
    """
    from affectctl.stats.samples._ties import distinct_at_most

    worst, values = 0.0, None
    for col in (x[:, j] for x in parts for j in range(x.shape[1])):
        if skip_constant and (col == col[0]).all():
            continue
        if not distinct_at_most(col, LATTICE_MAX_VALUES):
            continue
        v = np.unique(col)
        sd = float(scale(col))
        gap = float(np.diff(v).max()) if v.shape[0] > 1 else 0.0
        bound = _C_LATTICE * gap / sd if sd > 0 else (np.inf if gap > 0 else 0.0)
        if values is None or bound > worst:
            worst, values = bound, int(v.shape[0])
    return worst, values


def gradient(fn, x: np.ndarray) -> np.ndarray:
    """Central-difference gradient of ``fn`` (features (..., F) -> values (...)) at ``x`` (F,)."""
    f = x.shape[0]
    step = 1e-6 * np.maximum(np.abs(x), 1.0)
    e = np.diag(step)
    vals = np.asarray(fn(np.concatenate([x + e, x - e])), dtype=np.float64)
    return (vals[:f] - vals[f:]) / (2.0 * step)


def _blocks(u: int):
    for lo in range(0, u, _BLOCK):
        yield lo, min(u, lo + _BLOCK)


def _positive(lam: np.ndarray) -> np.ndarray:
    """Eigenvalues (ascending) that count as non-zero: above ``_EIG_RTOL`` times the largest."""
    top = float(lam[-1]) if lam.size else 0.0
    return (lam > 0) & (lam > _EIG_RTOL * top)


def _whitener(gram: np.ndarray) -> np.ndarray:
    """``W`` with ``x W`` of unit covariance in the range of ``gram`` (pseudo-inverse root)."""
    lam, vec = np.linalg.eigh(gram)
    keep = _positive(lam)
    return vec[:, keep] / np.sqrt(lam[keep])


def _psd_root(cov: np.ndarray) -> np.ndarray:
    """``L`` with ``L Lᵀ = cov`` (negative rounding eigenvalues set to 0); columns of zero
    variance dropped."""
    lam, vec = np.linalg.eigh(cov)
    keep = _positive(lam)
    return vec[:, keep] * np.sqrt(lam[keep])


class GaussianSums:
    """Hybrid exact/Gaussian draws of the random part of the replicate sums of one stratum.

    Parameters
    ----------
    parts : sequence of ndarray (U, C_j)
        The unit features, columns side by side: ``d_i`` (AR, only the columns where A
        and B differ) or ``(f^A_i, f^B_i)`` (bootstrap). Read block by block, never
        concatenated whole.
    test : {'ar', 'boot'}
    direction : ndarray (C,), optional
        Gradient of the statistic in the feature columns (bootstrap skewness).

    Attributes
    ----------
    bound : float
        The Edgeworth bound :math:`\\varepsilon` of the module docstring.
    h_max, skewness : float
        Largest leverage of the units drawn from the normal; skewness of
        :math:`v^\\top f` over them (bootstrap; 0 for AR, where it vanishes).
    """

    def __init__(self, parts, test: str, direction=None):
        parts = [np.asarray(p, dtype=np.float64) for p in parts]
        self.u, self.test = int(parts[0].shape[0]), test

        def rows(lo, hi):
            return parts[0][lo:hi] if len(parts) == 1 else np.hstack([p[lo:hi] for p in parts])

        self._take = lambda idx: np.hstack([p[idx] for p in parts])
        m = min(_EXACT_UNITS, self.u)
        self.m = m
        if test == "ar":
            self._init_ar(rows, m)
        else:
            self._init_boot(rows, m, direction)
        del self._take

    # passes over the units ------------------------------------------------------------------
    def _gram(self, rows, centre):
        c = centre.shape[0]
        g = np.zeros((c, c))
        for lo, hi in _blocks(self.u):
            x = rows(lo, hi) - centre
            g += x.T @ x
        return g

    def _top_leverage(self, rows, centre, w, m):
        h = np.empty(self.u)
        for lo, hi in _blocks(self.u):
            z = (rows(lo, hi) - centre) @ w
            h[lo:hi] = np.einsum("ij,ij->i", z, z)
        if m >= self.u:
            return np.arange(self.u)
        # the m largest (introselect: deterministic for the same input), in index order
        return np.sort(np.argpartition(h, self.u - m)[self.u - m:])

    def _rest_moments(self, rows, centre, w, rest_mask, v):
        """Largest leverage over the rest; central moments 2-4 of ``(f - centre) v`` there."""
        h_max, s = 0.0, np.zeros(3)
        for lo, hi in _blocks(self.u):
            keep = rest_mask[lo:hi]
            x = rows(lo, hi)[keep] - centre
            if x.shape[0] == 0:
                continue
            z = x @ w
            if z.shape[1]:
                h_max = max(h_max, float(np.einsum("ij,ij->i", z, z).max()))
            if v is not None:
                a = x @ v
                a2 = a * a
                s += (a2.sum(), (a2 * a).sum(), (a2 * a2).sum())
        return h_max, s

    # AR -------------------------------------------------------------------------------------
    def _init_ar(self, rows, m):
        c = rows(0, 1).shape[1]
        zero = np.zeros(c)
        gram = self._gram(rows, zero)
        exact = self._top_leverage(rows, zero, _whitener(gram), m)
        self.d_exact = self._take(exact)
        rest = np.ones(self.u, dtype=bool)
        rest[exact] = False
        total = np.zeros(c)
        for lo, hi in _blocks(self.u):
            total += rows(lo, hi).sum(axis=0)
        gram_rest = gram - self.d_exact.T @ self.d_exact
        self.h_max, _ = self._rest_moments(rows, zero, _whitener(gram_rest), rest, None)
        self.skewness = 0.0
        self.mean = 0.5 * (total - self.d_exact.sum(axis=0))
        self.root = _psd_root(0.25 * gram_rest)
        self.bound = 2.0 / 24.0 * _C3 * self.h_max

    def ar(self, gen: np.random.Generator, b: int) -> np.ndarray:
        """``(b, C)`` draws of :math:`\\sum_i s_i d_i`."""
        words = gen.integers(0, 2**64, size=(b, -(-self.m // 64)), dtype=np.uint64)
        bits = np.unpackbits(words.view(np.uint8), axis=1, count=self.m).astype(np.float64)
        z = gen.standard_normal((b, self.root.shape[1]))
        return bits @ self.d_exact + self.mean + z @ self.root.T

    # bootstrap ------------------------------------------------------------------------------
    def _init_boot(self, rows, m, v):
        c = rows(0, 1).shape[1]
        total = np.zeros(c)
        for lo, hi in _blocks(self.u):
            total += rows(lo, hi).sum(axis=0)
        mu = total / self.u
        gram = self._gram(rows, mu)
        exact = self._top_leverage(rows, mu, _whitener(gram), m)
        self.f_exact = self._take(exact)
        n_rest = self.u - m
        self.n_rest = n_rest
        rest = np.ones(self.u, dtype=bool)
        rest[exact] = False
        xe = self.f_exact - mu
        mu_rest = mu - xe.sum(axis=0) / max(n_rest, 1)  # sum over rest of (f - mu) = -sum_E
        shift = mu_rest - mu
        scatter = gram - xe.T @ xe - n_rest * np.outer(shift, shift)  # about mu_rest
        self.mu_rest = mu_rest
        self.root = _psd_root(scatter / max(n_rest, 1))
        vv = None if v is None or not np.all(np.isfinite(v)) else np.asarray(v, dtype=np.float64)
        self.h_max, s = self._rest_moments(rows, mu_rest, _whitener(scatter), rest, vv)
        if vv is None:
            self.skewness = float("nan")
        else:
            m2, m3 = s[0] / n_rest, s[1] / n_rest
            self.skewness = float(m3 / m2**1.5) if m2 > 0 else 0.0
        g = abs(self.skewness)
        self.bound = (g / 6.0 * _C2 / np.sqrt(self.u) + self.h_max / 24.0 * _C3
                      + g * g / (72.0 * self.u) * _C5)

    def boot(self, gen: np.random.Generator, b: int) -> np.ndarray:
        """``(b, C)`` draws of :math:`\\sum_i w_i f_i`, ``w ~ Multinomial(u, 1/u)``."""
        k = gen.binomial(self.u, self.m / self.u, size=b)
        idx = gen.integers(0, self.m, size=int(k.sum()))
        idx += np.repeat(np.arange(b) * self.m, k)
        counts = np.bincount(idx, minlength=b * self.m).reshape(b, self.m).astype(np.float64)
        rest = (self.u - k).astype(np.float64)[:, None]
        z = gen.standard_normal((b, self.root.shape[1]))
        return counts @ self.f_exact + rest * self.mu_rest + np.sqrt(rest) * (z @ self.root.T)

    def describe(self) -> str:
        skew = "" if self.test == "ar" else f", skewness along the gradient {self.skewness:.3g}"
        return (f"Gaussian ({self.m} largest-leverage units exact, {self.u - self.m} from the "
                f"moment-matched normal; max leverage {self.h_max:.3g}{skew}; Edgeworth bound "
                f"{self.bound:.2g})")
