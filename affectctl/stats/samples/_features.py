"""Per-stratum feature totals and the engine that resamples them.

:func:`_stratum_engine` turns one :class:`PairedPredictions` into additive unit
features of systems A and B for the chosen metric and picks the engine.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from affectctl.errors import ConfigError
from affectctl.stats.samples._containers import MetricContext, PairedPredictions
from affectctl.stats.samples._engines import _CellAR, _CellBoot, _UnitEngine
from affectctl.stats.samples._registry import _Metric


class StratumEngine(NamedTuple):
    """One stratum ready for resampling: its engine and what is observed (read by name)."""

    #: Draws the null/bootstrap replicates of this stratum's feature totals.
    engine: "_CellAR | _CellBoot | _UnitEngine"
    #: Observed feature totals of system A and of system B.
    totals_a: np.ndarray
    totals_b: np.ndarray
    #: Units (samples or groups) that are resampled.
    n_units: int

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
        # (F, n) rows written contiguously, returned as its (n, F) transpose (Fortran order):
        # np.stack(axis=1) writes with a stride of F and took 4x longer on 10**6 samples
        return np.array(list(columns)).T
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


def _va_rows(stratum, dims, system, used):
    """The columns of :func:`_va_columns` as the rows of one (6 * len(dims), n) array, written in
    place (unit=sample: its transpose is the (n, F) feature matrix, in Fortran order)."""
    every = bool(used.all())
    vt = stratum.va_true if every else stratum.va_true[used]
    vx = stratum.va_a if system == "a" else stratum.va_b
    vx = vx if every else vx[used]
    out = np.empty((6 * len(dims), vt.shape[0]))
    for j, d in enumerate(dims):
        n_, y, x, yy, xx, yx = out[6 * j:6 * j + 6]
        y[...] = vt[:, d]
        x[...] = vx[:, d]
        ok = np.isfinite(y)
        if ok.all():
            n_[...] = 1.0
        else:
            n_[...] = ok
            y[~ok] = 0.0
            x[~ok] = 0.0
        np.multiply(y, y, out=yy)
        np.multiply(x, x, out=xx)
        np.multiply(y, x, out=yx)
    return out


def _au_columns(stratum, cols, system, used):
    """Per-sample (TP, FP, FN, annotated) of each AU column in ``cols`` (None: all)."""
    t_all = stratum.au_true
    p_all = stratum.au_a if system == "a" else stratum.au_b
    for j in range(t_all.shape[1]) if cols is None else cols:
        t, p = t_all[used, j], p_all[used, j]
        yield ((t == 1) & (p == 1)).astype(np.float64)
        yield ((t == 0) & (p == 1)).astype(np.float64)
        yield ((t == 1) & (p == 0)).astype(np.float64)
        yield (t >= 0).astype(np.float64)


def _part_columns(stratum, parts, system, used):
    """The feature columns of a composite metric, block after block (``_Metric.parts``):
    ``("confusion",)`` the K² one-hot confusion cells (0 where the class is not annotated),
    ``("va", dims)`` the sums of :func:`_va_columns`, ``("au", cols)`` those of
    :func:`_au_columns`."""
    k = stratum.n_classes
    for part in parts:
        if part[0] == "confusion":
            y = stratum.y_true[used]
            pred = (stratum.pred_a if system == "a" else stratum.pred_b)[used]
            cell = np.where(y >= 0, y * k + pred, -1)
            for c in range(k * k):
                yield (cell == c).astype(np.float64)
        elif part[0] == "va":
            yield from _va_columns(stratum, part[1], system, used)
        else:
            yield from _au_columns(stratum, part[1], system, used)


def _parts_used(stratum, spec, idx):
    """Samples with an annotation for at least one part (the others carry no feature)."""
    used = np.zeros(stratum.n, dtype=bool)
    for part in spec.parts:
        if part[0] == "confusion":
            used |= stratum.y_true >= 0
        elif part[0] == "va":
            if stratum.va_true is None:
                raise ConfigError(f"`metric` {spec.id!r} needs `va_true`, `va_a` and `va_b`; "
                                  f"stratum {idx} has none.")
            used |= np.isfinite(stratum.va_true[:, list(part[1])]).any(axis=1)
        else:
            if stratum.au_true is None:
                raise ConfigError(f"`metric` {spec.id!r} needs `au_true`, `au_a` and `au_b`; "
                                  f"stratum {idx} has none.")
            cols = slice(None) if part[1] is None else list(part[1])
            used |= (stratum.au_true[:, cols] >= 0).any(axis=1)
    return used


def _cost_values(stratum, cost, used, system):
    p = stratum.proba_a if system == "a" else stratum.proba_b
    y = stratum.y_true[used]
    return np.einsum("ij,ij->i", p[used], cost[y])


def _stratum_engine(stratum: PairedPredictions, spec: _Metric, unit: str, test: str,
                    context: MetricContext | None, idx: int) -> StratumEngine:
    """The :class:`StratumEngine` of one stratum (engine, observed totals, units)."""
    k = stratum.n_classes
    if spec.kind == "confusion":
        used = stratum.y_true >= 0
        t, a, b = stratum.y_true[used], stratum.pred_a[used], stratum.pred_b[used]
        if unit == "sample":
            hist = np.bincount((t * k + a) * k + b, minlength=k**3).reshape(k, k, k)
            eng = _CellAR(hist) if test == "ar" else _CellBoot(hist)
            tot_a = hist.sum(axis=2).reshape(-1).astype(np.float64)
            tot_b = hist.sum(axis=1).reshape(-1).astype(np.float64)
            return StratumEngine(eng, tot_a, tot_b, int(used.sum()))
        inv, g = _units(stratum, used, unit)
        fa = np.bincount(inv * k * k + t * k + a, minlength=g * k * k).reshape(g, k * k)
        fb = np.bincount(inv * k * k + t * k + b, minlength=g * k * k).reshape(g, k * k)
        eng = _UnitEngine(fa.astype(np.float64), fb.astype(np.float64))
        return StratumEngine(eng, eng.tot_a, eng.tot_b, g)
    if spec.kind == "parts":
        used = _parts_used(stratum, spec, idx)
        inv, g = _units(stratum, used, unit)
        fa = _features(_part_columns(stratum, spec.parts, "a", used), inv, g)
        fb = _features(_part_columns(stratum, spec.parts, "b", used), inv, g)
        eng = _UnitEngine(fa, fb)
        return StratumEngine(eng, eng.tot_a, eng.tot_b, eng.u)
    if spec.kind == "va":
        if stratum.va_true is None:
            raise ConfigError(f"`metric` {spec.id!r} needs `va_true`, `va_a` and `va_b`; stratum "
                              f"{idx} has none.")
        used = np.isfinite(stratum.va_true[:, list(spec.dims)]).any(axis=1)
        inv, g = _units(stratum, used, unit)
        if inv is None:
            fa = _va_rows(stratum, spec.dims, "a", used).T
            fb = _va_rows(stratum, spec.dims, "b", used).T
        else:
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
    return StratumEngine(eng, eng.tot_a, eng.tot_b, eng.u)


def _evaluate(spec: _Metric, features: np.ndarray) -> np.ndarray:
    """Metric values of a stack of feature totals; undefined replicates become NaN quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            return np.asarray(spec.fn(features), dtype=np.float64)
