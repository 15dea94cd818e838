"""Ground-cost matrices between classes for the OT expression loss (numpy only).

Every cost is a float64 array of shape (K, K), symmetric, zero on the diagonal, in
the taxonomy's class order. ``C[i, j]`` prices predicting class ``i`` when the truth
is class ``j``.

``circumplex``
    Euclidean VA distance of the classes' coordinates in a geometry
    (:func:`affectctl.domain.geometries.get_geometry`), with classes lacking a coordinate
    (Aff-Wild2's Other) priced at the mean defined off-diagonal cost (``missing="mean"``).
``uniform``
    The matched control ``s (1 - I)`` with ``s`` the circumplex cost's mean off-diagonal
    value: every confusion costs the same and the overall price is matched.
``permuted``
    The circumplex cost with the class coordinates shuffled, ``C[pi][:, pi]``: the same
    multiset of off-diagonal values, no geometry. Training draws ``pi`` from the run's
    seed (:func:`draw_permutation`), so every seed trains with another geometry, and
    skips permutations whose cost still correlates with the real one above
    ``permutation_max_corr`` (default :data:`PERMUTATION_MAX_CORR`).
Geometry ``"data"``
    With ``geometry = "data"`` the class coordinates are the per-class means of the
    *training* frames' VA annotations (:func:`affectctl.domain.geometries.geometry_from_data`),
    so the cost encodes the pairs the data shows, not a lexicon's.
``au``
    The circumplex cost augmented with a distance between the classes' EMFACS action-unit
    prototypes (:data:`affectctl.domain.facs.EMFACS_PROTOTYPES`), which separates pairs the
    circumplex puts together (anger–fear, anger–contempt).
"""

from __future__ import annotations

import numpy as np

from affectctl.domain.geometries import Geometry, geometry_from_data, get_geometry, uniform_cost_matrix
from affectctl.domain.facs import EMFACS_PROTOTYPES
from affectctl.io.schema import ABAW_AUS
from affectctl.domain.taxonomies import Taxonomy

__all__ = [
    "COSTS",
    "offdiag_mean",
    "circumplex_cost",
    "uniform_cost",
    "permuted_cost",
    "au_distance",
    "au_cost",
    "build_cost",
    "resolve_cost",
    "cost_correlation",
    "draw_permutation",
    "PERMUTATION_MAX_CORR",
    "PERMUTATION_MAX_TRIES",
]

#: Default largest Pearson correlation allowed between the off-diagonal entries of a
#: permuted cost and the real one. With K = 8 classes a random relabelling correlates
#: with sd ~0.2 around -1/(K-1); 0.2 keeps roughly the lower 80 % of draws and rejects
#: relabellings that keep the geometry's main axis (e.g. Aff-Wild2's swap of two classes
#: 0.14 apart, r = 0.36).
PERMUTATION_MAX_CORR = 0.2

#: Derangements drawn before :func:`draw_permutation` gives up.
PERMUTATION_MAX_TRIES = 10_000

COSTS = ("none", "circumplex", "uniform", "permuted", "au")


def offdiag_mean(cost: np.ndarray) -> float:
    """Mean of the off-diagonal entries of a square matrix."""
    c = np.asarray(cost, dtype=np.float64)
    return float(c[~np.eye(c.shape[0], dtype=bool)].mean())


def circumplex_cost(taxonomy: Taxonomy, geometry: "str | Geometry" = "nrc-vad") -> np.ndarray:
    """VA-distance cost ``get_geometry(geometry).cost(taxonomy, missing="mean")``."""
    return get_geometry(geometry).cost(taxonomy, missing="mean")


def cost_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the upper off-diagonal entries of two (K, K) costs."""
    iu = np.triu_indices(np.asarray(a).shape[0], k=1)
    x, y = np.asarray(a, np.float64)[iu], np.asarray(b, np.float64)[iu]
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def draw_permutation(cost: np.ndarray, rng: np.random.Generator, *,
                     max_corr: float = PERMUTATION_MAX_CORR,
                     max_tries: int = PERMUTATION_MAX_TRIES) -> tuple[np.ndarray, float, int]:
    """A derangement ``pi`` whose permuted cost correlates at most ``max_corr`` with ``cost``.

    Draws derangements of the classes from ``rng`` and keeps the first with
    ``corr(C[pi][:, pi], C) <= max_corr`` (:func:`cost_correlation`, off-diagonal
    entries). A cost with constant off-diagonal entries (correlation undefined) takes
    the first derangement.

    Returns
    -------
    perm : ndarray of int64 (K,)
    correlation : float
    tries : int
        Derangements drawn, the accepted one included.

    Raises
    ------
    ValueError
        No permutation below ``max_corr`` in ``max_tries`` draws.
    """
    K = np.asarray(cost).shape[0]
    for tries in range(1, max_tries + 1):
        perm = rng.permutation(K)
        if K >= 2 and (perm == np.arange(K)).any():
            continue
        r = cost_correlation(cost[np.ix_(perm, perm)], cost)
        if not r > max_corr:
            return perm.astype(np.int64), r, tries
    raise ValueError(f"no class permutation with cost correlation <= {max_corr} in "
                     f"{max_tries} draws; raise `permutation_max_corr`.")


def uniform_cost(taxonomy: Taxonomy, geometry: str = "nrc-vad") -> np.ndarray:
    """Matched uniform control ``s (1 - I)``, ``s = offdiag_mean(circumplex_cost)``.

    With a one-hot target ``y`` its OT loss is ``s (1 - p_y)``: a confidence penalty.
    """
    scale = offdiag_mean(circumplex_cost(taxonomy, geometry))
    return uniform_cost_matrix(taxonomy.n_classes, scale=scale)


def class_permutation(n_classes: int, seed: int) -> np.ndarray:
    """A random derangement of ``range(n_classes)`` (no class keeps its place).

    Draws permutations from ``default_rng(seed)`` until one moves every class, so the
    permuted cost shares no class's row with the original.
    """
    rng = np.random.default_rng(seed)
    while True:
        perm = rng.permutation(n_classes)
        if n_classes < 2 or not (perm == np.arange(n_classes)).any():
            return perm


def permuted_cost(taxonomy: Taxonomy, geometry: str = "nrc-vad", seed: int = 0) -> np.ndarray:
    """Circumplex cost with shuffled class coordinates: ``C[pi][:, pi]``.

    Class ``i`` takes the place of class ``pi[i]`` (:func:`class_permutation`), so
    the off-diagonal values are the same multiset, assigned to other pairs.
    """
    perm = class_permutation(taxonomy.n_classes, seed)
    cost = circumplex_cost(taxonomy, geometry)
    return cost[np.ix_(perm, perm)]


def au_distance(taxonomy: Taxonomy, aus: str = "facs") -> np.ndarray:
    """Jaccard distance between the classes' EMFACS action-unit prototypes.

    .. math:: D_{ij} = 1 - |A_i \\cap A_j| / |A_i \\cup A_j|

    with ``D_ij = 0`` when both prototypes are empty.

    Parameters
    ----------
    taxonomy : Taxonomy
    aus : {"facs", "abaw12"}, default "facs"
        ``"facs"`` uses the prototypes' full FACS AU sets (so AU5, 9, 14, 16, 17, 20,
        which Aff-Wild2 does not annotate, still count); ``"abaw12"`` restricts every
        prototype to the 12 Aff-Wild2 AUs (:data:`affectctl.io.schema.ABAW_AUS`).

    Returns
    -------
    ndarray (K, K)
        Classes without a prototype (Other) get the mean defined off-diagonal distance,
        the same policy as the circumplex cost's ``missing="mean"``. Neutral's prototype
        is empty, so it is at distance 1 from every expressive class.

    References
    ----------
    Ekman, Friesen & Hager (2002), *Facial Action Coding System: Investigator's Guide*
    (EMFACS prototypes).
    """
    if aus not in ("facs", "abaw12"):
        raise ValueError(f"`aus` must be one of {{'facs', 'abaw12'}}; got {aus!r}.")
    keep = {int(a[2:]) for a in ABAW_AUS}
    protos = []
    for canon in taxonomy.canonical:
        proto = EMFACS_PROTOTYPES.get(canon)
        if proto is not None and aus == "abaw12":
            proto = proto & keep
        protos.append(proto)
    K = taxonomy.n_classes
    dist = np.full((K, K), np.nan)
    for i in range(K):
        for j in range(K):
            a, b = protos[i], protos[j]
            if a is None or b is None:
                continue
            union = len(a | b)
            dist[i, j] = 0.0 if union == 0 else 1.0 - len(a & b) / union
    off = ~np.eye(K, dtype=bool)
    defined = dist[off & np.isfinite(dist)]
    dist = np.where(np.isfinite(dist), dist, defined.mean() if defined.size else 1.0)
    np.fill_diagonal(dist, 0.0)
    return dist


def au_cost(taxonomy: Taxonomy, geometry: str = "nrc-vad", *, weight: float = 1.0,
            aus: str = "facs") -> np.ndarray:
    """Circumplex cost augmented with the action-unit prototype distance.

    .. math:: C^{au} = \\frac{C + w\\, s\\, D}{1 + w},\\qquad
              s = \\frac{\\overline{C}_{\\text{off}}}{\\overline{D}_{\\text{off}}}

    ``C`` is :func:`circumplex_cost`, ``D`` is :func:`au_distance`, ``w = weight``.
    Scaling ``D`` by ``s`` puts both terms on the same mean off-diagonal value and the
    division by ``1 + w`` keeps the augmented cost's mean off-diagonal value equal to
    the circumplex cost's, so ``ot_weight`` means the same thing for both.
    """
    if not weight >= 0:
        raise ValueError(f"`weight` must be >= 0; got {weight!r}.")
    C = circumplex_cost(taxonomy, geometry)
    D = au_distance(taxonomy, aus)
    s = offdiag_mean(C) / offdiag_mean(D)
    return (C + weight * s * D) / (1.0 + weight)


def resolve_cost(condition, taxonomy: Taxonomy, *, seed: int, y_train=None,
                 va_train=None) -> "tuple[np.ndarray | None, dict]":
    """The cost of a training run and what to record about it in the dump's metadata.

    Parameters
    ----------
    condition : Condition
    taxonomy : Taxonomy
    seed : int
        The run's seed; with ``permutation_seed`` it seeds the ``permuted`` cost's
        class permutation (``SeedSequence([permutation_seed, seed])``).
    y_train, va_train : arrays, optional
        Training labels and VA annotations, needed for ``geometry = "data"``.

    Returns
    -------
    cost : ndarray (K, K) or None
    info : dict
        ``geometry_coordinates`` (``{class: [v, a] or None}``) for ``geometry = "data"``;
        ``permutation`` (``pi``), ``permutation_correlation``, ``permutation_max_corr``
        and ``permutation_tries`` for ``permuted``. Empty otherwise.
    """
    info: dict = {}
    if condition.cost == "none":
        return None, info
    geometry: "str | Geometry" = condition.geometry
    if geometry == "data":
        if y_train is None or va_train is None:
            raise ValueError('`geometry = "data"` needs the training labels and VA.')
        geometry = geometry_from_data(y_train, va_train, taxonomy)
        coords = geometry.coordinates(taxonomy)
        if int(np.isfinite(coords).all(1).sum()) < 2:
            from affectctl.errors import ConfigError

            raise ConfigError(f"{condition.source}: `geometry = \"data\"` needs valence and "
                              f"arousal on the training frames of at least two classes; "
                              f"{int(np.isfinite(coords).all(1).sum())} class(es) have them.")
        info["geometry_coordinates"] = {
            name: None if not np.isfinite(coords[k]).all() else [float(v) for v in coords[k]]
            for k, name in enumerate(taxonomy.classes)}
    if condition.cost == "permuted":
        real = circumplex_cost(taxonomy, geometry)
        rng = np.random.default_rng(np.random.SeedSequence([condition.permutation_seed, seed]))
        perm, r, tries = draw_permutation(real, rng, max_corr=condition.permutation_max_corr)
        info.update(permutation=[int(v) for v in perm], permutation_correlation=r,
                    permutation_max_corr=condition.permutation_max_corr,
                    permutation_tries=tries)
        return real[np.ix_(perm, perm)], info
    return _cost_of(condition, taxonomy, geometry), info


def build_cost(condition, taxonomy: Taxonomy) -> "np.ndarray | None":
    """The cost matrix a :class:`~affectctl.train.conditions.Condition` asks for, or None.

    ``permuted`` here uses the fixed ``permutation_seed`` alone (:func:`permuted_cost`);
    training draws the permutation per run seed (:func:`resolve_cost`).
    """
    return _cost_of(condition, taxonomy, condition.geometry)


def _cost_of(condition, taxonomy: Taxonomy, geometry) -> "np.ndarray | None":
    kind = condition.cost
    if kind == "none":
        return None
    if kind == "circumplex":
        return circumplex_cost(taxonomy, geometry)
    if kind == "uniform":
        return uniform_cost(taxonomy, geometry)
    if kind == "permuted":
        return permuted_cost(taxonomy, geometry, condition.permutation_seed)
    if kind == "au":
        return au_cost(taxonomy, geometry, weight=condition.au_cost_weight,
                       aus=condition.au_prototypes)
    raise ValueError(f"`cost` must be one of {COSTS}; got {kind!r}.")
