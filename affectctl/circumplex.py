"""Class coordinates on the valence–arousal (VA) circumplex and the cost matrices built on them.

A *geometry* gives each canonical emotion a point (valence, arousal) in [-1, 1]^2.
The ground cost between two classes is the Euclidean VA distance of their points,

.. math:: C_{ij} = \\lVert (v_i, a_i) - (v_j, a_j) \\rVert_2 .

Built-in geometries
-------------------
``nrc-vad`` (the fallback of ``auto``)
    NRC VAD lexicon v1 (Mohammad, 2018, ACL, "Obtaining reliable human ratings of
    valence, arousal, and dominance for 20,000 English words") values of the emotion
    words, mapped from [0, 1] to [-1, 1] by ``2x - 1``. ``neutral`` uses the word
    *neutral*; ``happiness`` the word *happiness*.
``russell``
    Unit-circle points at the angles at which Russell (1980, J. Pers. Soc. Psychol.
    39(6), "A circumplex model of affect", Fig. 2) scaled the adjectives *happy*
    (7.8°), *angry* (99.0°), *afraid* (116.8°), *sad* (207.5°) and *astonished*
    (69.8°, used for surprise); ``neutral`` at the origin. The angles are the
    commonly quoted values of that figure. Russell's 28 adjectives contain no
    word for disgust or contempt, so those classes have **no coordinate** here.
``affectnet-sample``
    Per-class mean VA of a 100-image-per-class sample of AffectNet annotations
    (the AffectNet release's own valence/arousal labels, Mollahosseini et al., IEEE
    TAC 2017; a small sample, for illustration).
``data``
    Per-class mean of the dump's own ``v_true, a_true`` annotations, with the
    per-class covariance (``ddof=1``) and count of the annotations
    (:func:`geometry_from_data`): a pair's closeness is relative to its spread.
    ``Other`` (Aff-Wild2) gets no coordinate here either: it pools heterogeneous
    expressions, so its mean VA is no place on the circumplex.
A CSV file ``class,valence,arousal``
    A user's own coordinates.
``auto`` (the default of every command)
    ``data`` when the truth carries VA annotations for every class that has a place
    on the circumplex, with at least :data:`AUTO_MIN_SAMPLES` (30) annotated samples
    per class (configurable: ``min_samples``), otherwise ``nrc-vad``
    (:func:`choose_geometry`). A user with VA annotations gets the geometry of their
    own data; with too few, a per-class mean is too noisy to place a class.

Classes without a coordinate
----------------------------
Some classes have no place on the circumplex (``Other`` in Aff-Wild2; disgust and
contempt under ``russell``). The policy is explicit: their coordinates are NaN;
geometry *metrics* leave out samples whose true or predicted class lacks a coordinate
and report how many they left out; :func:`cost_matrix` with ``missing="mean"``
(used for training losses) prices every confusion that involves such a class at the
mean of the defined off-diagonal costs, i.e. as uninformative as the uniform control.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError, DegenerateDataWarning, DumpFormatError
from .taxonomies import Taxonomy, canonical_name

__all__ = [
    "Geometry",
    "GeometryChoice",
    "GEOMETRIES",
    "AUTO_MIN_SAMPLES",
    "get_geometry",
    "choose_geometry",
    "geometry_from_data",
    "cost_matrix",
    "uniform_cost_matrix",
    "quadrant",
]


@dataclass(frozen=True)
class Geometry:
    """Coordinates of canonical emotions on the VA plane.

    Attributes
    ----------
    name : str
    points : dict
        ``{canonical emotion: (valence, arousal)}``; emotions absent have no coordinate.
    source : str
    covariances : dict
        ``{canonical emotion: 2x2 tuple}``, the spread of the annotations around the
        point (``data`` geometries only; empty otherwise).
    counts : dict
        ``{canonical emotion: int}``, annotated samples behind each point (``data`` only).
    """

    name: str
    points: dict
    source: str = ""
    covariances: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)

    def coordinates(self, taxonomy: Taxonomy) -> np.ndarray:
        """Return an array of shape (n_classes, 2); NaN rows for classes with no coordinate."""
        out = np.full((taxonomy.n_classes, 2), np.nan)
        for i, canon in enumerate(taxonomy.canonical):
            if canon in self.points:
                out[i] = self.points[canon]
        return out

    def covariance_array(self, taxonomy: Taxonomy) -> np.ndarray:
        """Array of shape (n_classes, 2, 2); NaN for classes with no covariance."""
        out = np.full((taxonomy.n_classes, 2, 2), np.nan)
        for i, canon in enumerate(taxonomy.canonical):
            if canon in self.covariances:
                out[i] = np.asarray(self.covariances[canon], dtype=np.float64)
        return out

    def count_array(self, taxonomy: Taxonomy) -> np.ndarray:
        """Annotated samples per class, shape (n_classes,), int64 (0 when none)."""
        return np.array([int(self.counts.get(c, 0)) for c in taxonomy.canonical], dtype=np.int64)

    def cost(self, taxonomy: Taxonomy, *, missing: str = "nan") -> np.ndarray:
        """VA-distance cost matrix for a taxonomy; see :func:`cost_matrix`."""
        return cost_matrix(self.coordinates(taxonomy), missing=missing)


def _nrc(v: float, a: float) -> tuple[float, float]:
    return (2.0 * v - 1.0, 2.0 * a - 1.0)


def _polar(deg: float) -> tuple[float, float]:
    rad = math.radians(deg)
    return (math.cos(rad), math.sin(rad))


GEOMETRIES: dict[str, Geometry] = {
    "nrc-vad": Geometry(
        "nrc-vad",
        {
            "anger": _nrc(0.167, 0.865),
            "fear": _nrc(0.073, 0.840),
            "disgust": _nrc(0.052, 0.775),
            "sadness": _nrc(0.052, 0.288),
            "happiness": _nrc(0.960, 0.732),
            "surprise": _nrc(0.875, 0.875),
            "contempt": _nrc(0.206, 0.635),
            "neutral": _nrc(0.469, 0.184),
        },
        source="NRC VAD lexicon v1 (Mohammad 2018), rescaled with 2x-1",
    ),
    "russell": Geometry(
        "russell",
        {
            "neutral": (0.0, 0.0),
            "happiness": _polar(7.8),
            "surprise": _polar(69.8),
            "anger": _polar(99.0),
            "fear": _polar(116.8),
            "sadness": _polar(207.5),
        },
        source="Russell (1980) Fig. 2 adjective angles on the unit circle; neutral at origin",
    ),
    "affectnet-sample": Geometry(
        "affectnet-sample",
        {
            "anger": (-0.46, 0.57),
            "contempt": (-0.55, 0.59),
            "disgust": (-0.69, 0.47),
            "fear": (-0.12, 0.76),
            "happiness": (0.65, 0.08),
            "neutral": (-0.04, -0.01),
            "sadness": (-0.65, -0.27),
            "surprise": (0.19, 0.72),
        },
        source="AffectNet annotations, 100-image-per-class sample of per-class mean VA",
    ),
}

DEFAULT_GEOMETRY = "nrc-vad"


#: Default of ``min_samples`` in :func:`choose_geometry`: annotated samples every class
#: needs before ``auto`` places it at its own data's mean. With 30 samples the standard
#: error of a class mean is about a fifth of the class's VA standard deviation.
AUTO_MIN_SAMPLES = 30

#: Canonical classes with no place on the circumplex, whatever the geometry.
UNPLACED = frozenset({"other"})


def _annotated(y_true, va_true):
    y = np.asarray(y_true)
    va = np.asarray(va_true, dtype=np.float64).reshape(-1, 2)
    ok = (y >= 0) & np.isfinite(va).all(axis=1)
    return y, va, ok


def geometry_from_data(y_true: np.ndarray, va_true: np.ndarray, taxonomy: Taxonomy) -> Geometry:
    """Per-class centroid, covariance and count of the VA annotations.

    .. math:: \\mu_k = \\frac{1}{n_k} \\sum_{i: y_i = k} r_i, \\qquad
              \\Sigma_k = \\frac{1}{n_k - 1} \\sum_{i: y_i = k} (r_i - \\mu_k)(r_i - \\mu_k)^\\top

    with :math:`r_i = (v_i, a_i)` the annotated valence and arousal.

    Parameters
    ----------
    y_true : array of int, shape (n,)
        Class indices; negative values (excluded frames) are ignored.
    va_true : array of float, shape (n, 2)
        Valence and arousal; NaN rows are ignored.
    taxonomy : Taxonomy

    Returns
    -------
    Geometry named ``data``; classes with no annotated sample, and ``Other``
    (:data:`UNPLACED`), get no coordinate; a class with one sample has no covariance.
    """
    y, va, ok = _annotated(y_true, va_true)
    points, covs, counts = {}, {}, {}
    for k, canon in enumerate(taxonomy.canonical):
        if canon in UNPLACED:
            continue
        sel = ok & (y == k)
        n = int(sel.sum())
        if n:
            points[canon] = tuple(float(x) for x in va[sel].mean(axis=0))
            counts[canon] = n
        if n >= 2:
            c = np.cov(va[sel], rowvar=False)
            covs[canon] = tuple(tuple(float(x) for x in row) for row in c)
    total = sum(counts.values())
    return Geometry("data", points, source=f"per-class mean of {total:,} VA annotations",
                    covariances=covs, counts=counts)


@dataclass(frozen=True)
class GeometryChoice:
    """A geometry and why it was chosen.

    Attributes
    ----------
    geometry : Geometry
    requested : str
        What the user asked for (``"auto"``, a built-in name, a CSV path).
    reason : str
        One phrase, e.g. ``"per-class VA means of 4,000 annotated samples"``.
    """

    geometry: Geometry
    requested: str
    reason: str

    @property
    def name(self) -> str:
        return self.geometry.name

    def describe(self) -> str:
        """``"data (per-class VA means of 4,000 annotated samples)"``."""
        return f"{self.geometry.name} ({self.reason})"

    def to_record(self) -> dict:
        return {"name": self.geometry.name, "requested": self.requested, "reason": self.reason,
                "source": self.geometry.source}


def data_geometry_status(y_true, va_true, taxonomy: Taxonomy, *,
                         min_samples: int = AUTO_MIN_SAMPLES) -> tuple[bool, str]:
    """Whether ``auto`` may use the data's geometry, and why (or why not).

    ``True`` when every class with a place on the circumplex (all but :data:`UNPLACED`)
    has at least ``min_samples`` samples annotated with both a class and VA.
    """
    if va_true is None:
        return False, "the truth has no VA annotations"
    y, _, ok = _annotated(y_true, va_true)
    if not ok.any():
        return False, "the truth has no VA annotations"
    short = []
    total = 0
    for k, (name, canon) in enumerate(zip(taxonomy.classes, taxonomy.canonical)):
        if canon in UNPLACED:
            continue
        n = int((ok & (y == k)).sum())
        total += n
        if n < min_samples:
            short.append(f"{name} {n}")
    if short:
        return False, (f"fewer than {min_samples} VA-annotated samples for "
                       + ", ".join(short[:3]) + (f" and {len(short) - 3} more" if len(short) > 3
                                                  else ""))
    return True, f"per-class VA means of {total:,} annotated samples"


def _check_min_samples(min_samples) -> int:
    if isinstance(min_samples, bool) or not isinstance(min_samples, (int, np.integer)) \
            or min_samples < 2:
        raise ConfigError(f"`geometry_min_samples` must be an integer >= 2; got {min_samples!r}.")
    return int(min_samples)


def choose_geometry(spec, y_true=None, va_true=None, taxonomy: Taxonomy | None = None, *,
                    min_samples: int = AUTO_MIN_SAMPLES) -> GeometryChoice:
    """Resolve ``--geometry`` (``auto``, ``data``, a built-in name, a CSV, a Geometry).

    ``auto`` is ``data`` when :func:`data_geometry_status` allows it, else ``nrc-vad``;
    an explicit choice always wins.

    Parameters
    ----------
    spec : str or Geometry
    y_true : array of int, shape (n,), optional
        Class indices of the truth (-1 = not annotated).
    va_true : array of float, shape (n, 2), optional
        VA annotations of the truth (NaN = not annotated); None when there are none.
    taxonomy : Taxonomy, optional
        Needed for ``auto`` and ``data``.
    min_samples : int, default :data:`AUTO_MIN_SAMPLES`
        Annotated samples every placed class needs before ``auto`` uses ``data``.

    Returns
    -------
    GeometryChoice

    Raises
    ------
    ConfigError
        ``data`` without VA annotations; an unknown name; a bad ``min_samples``.
    """
    min_samples = _check_min_samples(min_samples)
    if isinstance(spec, Geometry):
        return GeometryChoice(spec, spec.name, "given")
    if spec in ("auto", "data"):
        if taxonomy is None:
            raise ConfigError(f"geometry {spec!r} needs the truth's labels and VA annotations.")
        usable, why = data_geometry_status(y_true, va_true, taxonomy, min_samples=min_samples)
        if spec == "data":
            if va_true is None:
                raise ConfigError("--geometry data needs VA annotations (v_true, a_true) in the truth.")
            geo = geometry_from_data(y_true, va_true, taxonomy)
            n = sum(geo.counts.values())
            return GeometryChoice(geo, "data", f"asked for; per-class VA means of {n:,} annotated "
                                  "samples")
        if usable:
            return GeometryChoice(geometry_from_data(y_true, va_true, taxonomy), "auto",
                                  f"auto: {why}")
        return GeometryChoice(GEOMETRIES[DEFAULT_GEOMETRY], "auto", f"auto: {why}")
    geo = get_geometry(spec)
    return GeometryChoice(geo, str(spec), "asked for")


def _geometry_from_csv(path: Path) -> Geometry:
    try:
        frame = pd.read_csv(path)
    except Exception as exc:  # pandas raises many types for unreadable files
        raise DumpFormatError(f"cannot read geometry CSV ({exc.__class__.__name__}).", file=path) from None
    missing = {"class", "valence", "arousal"} - set(frame.columns)
    if missing:
        raise DumpFormatError(
            "geometry CSV needs columns class,valence,arousal.", file=path, column=sorted(missing)[0]
        )
    points = {}
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        try:
            canon = canonical_name(row[frame.columns.get_loc("class")])
        except ConfigError as exc:
            raise DumpFormatError(str(exc), file=path, row=i, column="class") from None
        if canon in points:
            raise DumpFormatError(f"class {canon!r} is given twice.", file=path, row=i, column="class")
        values = []
        for col in ("valence", "arousal"):
            raw = getattr(row, col)
            try:
                val = float(raw)
            except (TypeError, ValueError):
                raise DumpFormatError(f"{col} {raw!r} is not a number.", file=path, row=i, column=col) from None
            if not (-1.0 <= val <= 1.0):  # also rejects NaN
                raise DumpFormatError(f"{col} {val} is outside [-1, 1].", file=path, row=i, column=col)
            values.append(val)
        points[canon] = (values[0], values[1])
    if len(points) >= 2 and len(set(points.values())) == 1:
        v, a = next(iter(points.values()))
        warnings.warn(f"{path}: all {len(points)} classes sit at one point ({v:g}, {a:g}); every distance "
                      "between classes is 0, so error_distance_mean and expected_cost are 0 whatever "
                      "the predictions.", DegenerateDataWarning, stacklevel=3)
    elif len(set(points.values())) < len(points):
        same = len(points) - len(set(points.values()))
        warnings.warn(f"{path}: {same} class(es) share a point with another class; confusions between "
                      "them cost 0 in error_distance_mean and expected_cost.", DegenerateDataWarning,
                      stacklevel=3)
    return Geometry(path.stem, points, source=str(path))


def get_geometry(spec: "str | Geometry") -> Geometry:
    """Resolve a geometry given by built-in name or CSV path.

    ``"data"`` cannot be resolved without a dump; use :func:`geometry_from_data`.
    """
    if isinstance(spec, Geometry):
        return spec
    if spec in GEOMETRIES:
        return GEOMETRIES[spec]
    path = Path(spec)
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            from ._validation import not_regular

            raise ConfigError(f"geometry file {spec!r} " + (
                not_regular(path) if path.exists() else "does not exist."))
        return _geometry_from_csv(path)
    raise ConfigError(
        f"`geometry` must be one of {['auto'] + sorted(GEOMETRIES) + ['data']} or a CSV path; "
        f"got {spec!r}."
    )


def cost_matrix(coords: np.ndarray, *, missing: str = "nan") -> np.ndarray:
    """Euclidean VA-distance cost between classes.

    Parameters
    ----------
    coords : array of shape (n_classes, 2)
        Class coordinates; a NaN row marks a class with no coordinate.
    missing : {"nan", "mean"}, default "nan"
        ``"nan"`` leaves NaN costs for such classes (metrics then skip them);
        ``"mean"`` fills them with the mean defined off-diagonal cost (training losses).

    Returns
    -------
    ndarray of shape (n_classes, n_classes), float64, zero diagonal, symmetric.
    """
    if missing not in ("nan", "mean"):
        raise ConfigError(f"`missing` must be one of {{'nan', 'mean'}}; got {missing!r}.")
    xy = np.asarray(coords, dtype=np.float64)
    diff = xy[:, None, :] - xy[None, :, :]
    cost = np.sqrt((diff**2).sum(axis=-1))
    np.fill_diagonal(cost, 0.0)
    if missing == "mean":
        off = ~np.eye(len(xy), dtype=bool)
        defined = cost[off & np.isfinite(cost)]
        fill = defined.mean() if defined.size else 1.0
        cost = np.where(np.isfinite(cost), cost, fill)
        np.fill_diagonal(cost, 0.0)
    return cost


def uniform_cost_matrix(n_classes: int, scale: float = 1.0) -> np.ndarray:
    """The uniform control: ``scale * (1 - I)``; every confusion costs the same."""
    return scale * (1.0 - np.eye(n_classes))


def quadrant(coords: np.ndarray) -> np.ndarray:
    """VA quadrant of each point: 0 (+v,+a), 1 (-v,+a), 2 (-v,-a), 3 (+v,-a); -1 if undefined.

    A point on an axis (v == 0 or a == 0, e.g. neutral at the origin) has no quadrant.
    """
    xy = np.asarray(coords, dtype=np.float64)
    v, a = xy[..., 0], xy[..., 1]
    q = np.full(v.shape, -1, dtype=np.int64)
    ok = np.isfinite(v) & np.isfinite(a) & (v != 0) & (a != 0)
    q[ok & (v > 0) & (a > 0)] = 0
    q[ok & (v < 0) & (a > 0)] = 1
    q[ok & (v < 0) & (a < 0)] = 2
    q[ok & (v > 0) & (a < 0)] = 3
    return q
