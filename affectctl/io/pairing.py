"""Predictions and truth read from separate files, paired into one :class:`Dump`.

Every dataset reader (:mod:`~affectctl.io.formats.affectnet`, :mod:`~affectctl.io.formats.rafdb`,
:mod:`~affectctl.io.formats.fer`) returns a :class:`Truth`; every tool reader
(:mod:`~affectctl.io.formats.openface`, :mod:`~affectctl.io.formats.pyfeat`, ...) returns
:class:`Predictions`. :func:`pair` joins them on the image id
(:func:`affectctl.io.sample_ids.join_ids`) and maps the tool's classes onto the truth's
taxonomy by canonical emotion name, so a tool's own class order never has to
match the dataset's.

Rules of :func:`pair`:

- a prediction class the truth's taxonomy lacks (Contempt against ``affectnet7``):
  its probability is dropped and the rest renormalized, and the rows whose top
  class it was are counted and warned about; a hard label of that class is an
  error naming the line;
- a truth class the tool cannot predict (Contempt for a 7-class tool against
  ``affectnet8``) gets probability 0, with a warning;
- AUs are scored on those both files have; AUs only in the truth are warned about.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from affectctl.errors import DumpFormatError
from affectctl.domain.taxonomies import Taxonomy, canonical_name
from affectctl.io.sample_ids import join_ids
from affectctl.io.schema import Dump

__all__ = ["Truth", "Predictions", "pair"]


@dataclass(frozen=True, eq=False)
class Truth:
    """Annotations read from a dataset's own file.

    Attributes
    ----------
    source : str
    sample_id : ndarray of str, shape (n,)
        Image ids as written in the file.
    taxonomy : Taxonomy
    y_true : ndarray of int64, shape (n,), or None
        0-based class position, -1 where excluded.
    va_true : ndarray of float64, shape (n, 2), or None
        NaN where excluded.
    soft_true : ndarray of float64, shape (n, K), or None
        Per-row distribution over the classes (FERPlus votes).
    au_true : dict or None
        ``{"AU12": int8 array (n,) of 0/1/-1}``.
    rows : ndarray of int64, shape (n,)
        1-based line of each row in the file.
    excluded : dict
        ``{label: bool array (n,)}``: rows excluded for a reason that is counted by
        code (``"expression 9 (Uncertain)"``); counts are taken over the paired rows.
    split : ndarray of str, shape (n,), or None
        The dataset split of each row (``train``/``test``, FER2013 ``Usage``); truth
        rows are expected to have a prediction only in the splits the predictions cover.
    expected : ndarray of bool, shape (n,), or None
        Rows that can have a prediction at all (False: an image the dataset dropped).
    numbered : bool
        Ids are ``fer%07d`` row numbers; predictions may give the bare number.
    group : ndarray of str, shape (n,), or None
        Video or subject of each row (the truth table's ``group``, an ABAW video);
        the paired dump's ``group`` when the predictions carry none.
    unit : str
        What one value of ``split`` is when it is a recording (``"video"``): units
        with no prediction at all are then counted and warned about (an error
        under ``strict``), where a dataset split the predictions skip is not.
    metadata : dict
    """

    source: str
    sample_id: np.ndarray
    taxonomy: Taxonomy
    y_true: np.ndarray | None = None
    va_true: np.ndarray | None = None
    soft_true: np.ndarray | None = None
    au_true: dict | None = None
    rows: np.ndarray | None = None
    excluded: dict = field(default_factory=dict)
    split: np.ndarray | None = None
    expected: np.ndarray | None = None
    numbered: bool = False
    group: np.ndarray | None = None
    unit: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return int(len(self.sample_id))


@dataclass(frozen=True, eq=False)
class Predictions:
    """A tool's outputs, in the tool's own class order.

    Attributes
    ----------
    source : str
    sample_id : ndarray of str, shape (n,)
    classes : tuple of str
        The tool's class names in its own order (empty when it predicts no expression).
    proba : ndarray of float64, shape (n, len(classes)), or None
        Rows sum to 1.
    y_pred : ndarray of int64, shape (n,), or None
        Position in ``classes`` (used when there are no probabilities).
    va_pred : ndarray, shape (n, 2), or None
    au_pred : dict or None
        ``{"AU12": float array (n,)}`` of occurrence 0/1 or probabilities.
    group : ndarray of str, or None
    embedding : ndarray of float64, shape (n, d), or None
        Test-set embeddings (a dump's ``emb_<i>`` columns).
    rows : ndarray of int64, shape (n,)
    exclusions : dict
        Counts of rows the reader left out (``openface_unsuccessful``, ...).
    metadata : dict
    dropped_ids : ndarray of str, or None
        Ids of the rows the reader left out and counted in ``exclusions``: their truth
        rows are not reported again as lacking a prediction.
    """

    source: str
    sample_id: np.ndarray
    classes: tuple = ()
    proba: np.ndarray | None = None
    y_pred: np.ndarray | None = None
    va_pred: np.ndarray | None = None
    au_pred: dict | None = None
    group: np.ndarray | None = None
    rows: np.ndarray | None = None
    exclusions: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    embedding: np.ndarray | None = None
    dropped_ids: np.ndarray | None = None


def _class_map(pred: Predictions, tax: Taxonomy) -> np.ndarray:
    """Position in ``tax`` of every prediction class (-1 when the taxonomy lacks it)."""
    out = np.full(len(pred.classes), -1, dtype=np.int64)
    for j, name in enumerate(pred.classes):
        try:
            canon = canonical_name(name)
        except Exception:
            raise DumpFormatError(f"class {name!r} of the predictions is not a known emotion; "
                                  "map it with --map.", file=pred.source) from None
        if canon in tax.canonical:
            out[j] = tax.canonical.index(canon)
    return out


def _expression(pred: Predictions, truth: Truth, pidx: np.ndarray, exclusions: dict):
    tax = truth.taxonomy
    cmap = _class_map(pred, tax)
    lacking = [tax.classes[k] for k in range(tax.n_classes) if k not in set(cmap.tolist())]
    if lacking:
        warnings.warn(f"{pred.source}: the predictions have no class {', '.join(lacking)} of taxonomy "
                      f"'{tax.name}'; it is never predicted (probability 0).", UserWarning, stacklevel=3)
    extra = [pred.classes[j] for j in np.flatnonzero(cmap < 0)]
    if pred.proba is not None:
        p = pred.proba[pidx]
        proba = np.zeros((len(pidx), tax.n_classes))
        for j, k in enumerate(cmap):
            if k >= 0:
                proba[:, k] += p[:, j]
        if extra:
            top_dropped = int((cmap[p.argmax(axis=1)] < 0).sum())
            mass = proba.sum(axis=1)
            if (mass <= 0).any():
                i = int(np.flatnonzero(mass <= 0)[0])
                raise DumpFormatError(
                    f"all probability is on {', '.join(extra)}, which taxonomy '{tax.name}' lacks.",
                    file=pred.source, row=int(pred.rows[pidx[i]]) if pred.rows is not None else None)
            proba /= mass[:, None]
            exclusions["proba_dropped_class_top"] = top_dropped
            warnings.warn(f"{pred.source}: probability of {', '.join(extra)} (not in taxonomy "
                          f"'{tax.name}') dropped and the rest renormalized; it was the top class in "
                          f"{top_dropped} rows.", UserWarning, stacklevel=3)
        y_pred = proba.argmax(axis=1).astype(np.int64)
        if pred.y_pred is not None:
            mapped = cmap[pred.y_pred[pidx]]
            y_pred = np.where(mapped >= 0, mapped, y_pred)
        return proba, y_pred
    if pred.y_pred is None:
        raise DumpFormatError("has no expression predictions to score against the truth's classes.",
                              file=pred.source)
    mapped = cmap[pred.y_pred[pidx]]
    if (mapped < 0).any():
        i = int(np.flatnonzero(mapped < 0)[0])
        raise DumpFormatError(
            f"predicted class {pred.classes[pred.y_pred[pidx[i]]]!r} is not in taxonomy '{tax.name}' "
            f"of the truth (pass --taxonomy with a label space that has it).", file=pred.source,
            row=int(pred.rows[pidx[i]]) if pred.rows is not None else None)
    return None, mapped


def pair(pred: Predictions, truth: Truth, *, strict: bool = False) -> Dump:
    """Join predictions and truth on the image id into a validated :class:`Dump`.

    Parameters
    ----------
    pred : Predictions
    truth : Truth
    strict : bool, default False
        Truth rows without a prediction are an error instead of a warning.

    Returns
    -------
    Dump
        In truth order; ``exclusions`` carries the usual counts plus ``by_code``
        (``{label: count}`` of the truth's coded exclusions among the paired rows)
        and the tool reader's own counts.
    """
    pred_ids = np.asarray(pred.sample_id, dtype=object)
    if truth.numbered and all(str(s).strip().isdigit() for s in pred_ids):
        pred_ids = np.array([f"fer{int(s):07d}" for s in pred_ids], dtype=object)

    def expected(tidx):
        want = np.ones(truth.n_rows, bool) if truth.expected is None else truth.expected.copy()
        if truth.split is not None:
            want &= np.isin(truth.split, np.unique(truth.split[tidx]))
        return want

    pidx, tidx, level = join_ids(pred_ids, truth.sample_id, pred_source=pred.source,
                                 truth_source=truth.source, strict=strict, truth_rows=truth.rows,
                                 expected=expected, pred_rows=pred.rows, dropped_ids=pred.dropped_ids)
    if truth.unit and truth.split is not None:
        _uncovered_units(truth, tidx, strict)
    tax = truth.taxonomy
    n = len(tidx)
    exclusions: dict = {}
    proba = None
    has_expr = truth.y_true is not None and (pred.proba is not None or pred.y_pred is not None)
    if truth.y_true is not None and not has_expr:
        _task_not_predicted(pred, truth, "expression labels")
    if has_expr:
        y_true = truth.y_true[tidx].astype(np.int64)
        proba, y_pred = _expression(pred, truth, pidx, exclusions)
        exclusions["expr"] = int((y_true < 0).sum())
    else:
        # no expression task: placeholders, and no "expression excluded" count to report
        y_true = np.full(n, -1, dtype=np.int64)
        y_pred = np.zeros(n, dtype=np.int64)
    va_true = va_pred = None
    if truth.va_true is not None:
        # kept without VA predictions too: the annotations still place the classes (geometry
        # auto, the class-order check from VA), though no VA metric is computed
        va_true = truth.va_true[tidx]
        exclusions["valence"] = int(np.isnan(va_true[:, 0]).sum())
        exclusions["arousal"] = int(np.isnan(va_true[:, 1]).sum())
        if pred.va_pred is not None:
            va_pred = pred.va_pred[pidx]
    au_names: tuple = ()
    au_true = au_pred = None
    if truth.au_true:
        if not pred.au_pred:
            _task_not_predicted(pred, truth, "action units")
        else:
            names = sorted(truth.au_true, key=lambda a: int(a[2:]))
            common = [a for a in names if a in pred.au_pred]
            only_truth = [a for a in names if a not in pred.au_pred]
            if only_truth:
                exclusions["au_not_predicted"] = only_truth
                warnings.warn(f"{pred.source}: no prediction for {', '.join(only_truth)} of the "
                              f"{len(names)} AUs annotated in {truth.source}; per-AU F1 is n/a for "
                              f"{'it' if len(only_truth) == 1 else 'them'}, au_f1_mean covers the other "
                              f"{len(common)}, and a score over a fixed AU set that needs "
                              f"{'it' if len(only_truth) == 1 else 'them'} is n/a.",
                              UserWarning, stacklevel=2)
            if common:
                au_names = tuple(common)
                au_true = np.column_stack([truth.au_true[a][tidx] for a in common]).astype(np.int8)
                au_pred = np.column_stack([(pred.au_pred[a][pidx] >= 0.5) for a in common]).astype(np.int8)
                exclusions["au"] = int((au_true < 0).sum())
    if not has_expr and va_pred is None and au_true is None:
        raise DumpFormatError(f"predicts nothing {truth.source} annotates (expression labels, "
                              "valence/arousal or action units).", file=pred.source)
    soft = truth.soft_true[tidx] if truth.soft_true is not None and has_expr else None
    by_code = {label: int(mask[tidx].sum()) for label, mask in truth.excluded.items()}
    if by_code:
        exclusions["by_code"] = by_code
    exclusions.update(pred.exclusions)
    meta = {**truth.metadata, **pred.metadata, "taxonomy": tax.name, "truth": truth.source,
            "id_match": level}
    if pred.group is not None:
        group = pred.group[pidx]
    elif truth.group is not None:
        group = truth.group[tidx]
    else:
        group = None
    return Dump(
        taxonomy=tax, sample_id=np.asarray(truth.sample_id[tidx], dtype=object), y_true=y_true,
        y_pred=np.asarray(y_pred, dtype=np.int64), proba=proba, group=group,
        va_true=va_true, va_pred=va_pred, au_names=au_names, au_true=au_true, au_pred=au_pred,
        embedding=None if pred.embedding is None else pred.embedding[pidx], soft_true=soft,
        source=pred.source, metadata=meta, exclusions=exclusions)


def _task_not_predicted(pred: Predictions, truth: Truth, what: str) -> None:
    warnings.warn(f"{truth.source} annotates {what}, which {pred.source} does not predict; "
                  f"{what} are not scored.", UserWarning, stacklevel=3)


def _uncovered_units(truth: Truth, tidx: np.ndarray, strict: bool, n_show: int = 3) -> None:
    """Recordings of the truth (``truth.unit``) with no prediction at all: warned, or an error
    under ``strict`` (rows of covered recordings are checked by :func:`join_ids`)."""
    units = pd.unique(truth.split)
    covered = set(pd.unique(truth.split[tidx]))
    lacking = [u for u in units if u not in covered]
    if not lacking:
        return
    shown = ", ".join(repr(str(u)) for u in lacking[:n_show]) + (", ..." if len(lacking) > n_show else "")
    msg = (f"{len(lacking)} of {len(units)} {truth.unit}s have no prediction at all (first: {shown})")
    if strict:
        raise DumpFormatError(msg + "; --strict requires one for every annotated frame.",
                              file=truth.source)
    warnings.warn(f"{truth.source}: {msg}; they are left out of every metric.", UserWarning,
                  stacklevel=3)
