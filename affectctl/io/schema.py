"""The prediction-dump contract: column names, exclusion codes and the in-memory :class:`Dump`.

A dump is one table per model run (one condition, one seed), one row per sample.

=================  ==========  ==============================================================
column             required    meaning
=================  ==========  ==============================================================
``sample_id``      yes         unique key; pairs rows across runs
``group``          no          video or subject id (the resampling unit for sample-level tests)
``y_true``         yes         class index (in the taxonomy's own numbering) or class name;
                               ``-1`` = not annotated (excluded, counted)
``y_pred``         one of      predicted class index or name
``p_<Class>``      these two   one probability column per class, in taxonomy order
``v_true a_true``  no          valence/arousal annotation in [-1, 1]; ``-5`` = not annotated
``v_pred a_pred``  no          predicted valence/arousal in [-1, 1]
``au<N>_true``     no          action-unit occurrence 0/1; ``-1`` = not annotated
``au<N>_pred``     no          predicted occurrence 0/1, or a probability in [0, 1] (>= 0.5 is 1)
``emb_<i>``        no          test-set embedding, for representation diagnostics
``soft_<Class>``   no          soft truth: the share of annotators' votes for each class (FERPlus),
                               one column per class in taxonomy order, rows summing to 1;
                               a row left empty (all NaN) has no vote distribution
=================  ==========  ==============================================================

Probabilities: NaN, infinite or negative values are errors. A row summing to within
``PROBA_SUM_TOLERANCE`` of 1 is renormalized to sum exactly 1 (rows off by more than
``PROBA_ROUNDING``, i.e. beyond the rounding of a written file, are counted as
``proba_renormalized``); a row further off than the tolerance is an
error (the file probably holds logits: apply a softmax first). When both ``y_pred`` and
probabilities are given, ``y_pred`` is the prediction and the probabilities feed the
probability metrics (expected cost, confidence, ECE).

The exclusion codes are those of Aff-Wild2/ABAW (Kollias et al.): expression ``-1``,
valence/arousal ``-5``, action units ``-1``. Excluded values are never silently
dropped: :attr:`Dump.exclusions` counts them and every report shows the counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..taxonomies import Taxonomy

__all__ = [
    "exclusion_lines",
    "EXPR_EXCLUDED",
    "VA_EXCLUDED",
    "AU_EXCLUDED",
    "PROBA_SUM_TOLERANCE",
    "PROBA_ROUNDING",
    "ABAW_AUS",
    "ABAW2020_AUS",
    "Dump",
    "proba_column",
    "soft_column",
]

EXPR_EXCLUDED = -1
VA_EXCLUDED = -5
AU_EXCLUDED = -1
PROBA_SUM_TOLERANCE = 1e-3
PROBA_ROUNDING = 1e-6

#: The 12 AUs of Aff-Wild2 from ABAW3 on.
ABAW_AUS = ("AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24", "AU25", "AU26")
#: The 8 AUs of ABAW 2020.
ABAW2020_AUS = ("AU1", "AU2", "AU4", "AU6", "AU12", "AU15", "AU20", "AU25")


def proba_column(class_name: str) -> str:
    """Name of the probability column of a class: ``p_<Class>``."""
    return f"p_{class_name}"


def soft_column(class_name: str) -> str:
    """Name of the soft-truth (vote share) column of a class: ``soft_<Class>``."""
    return f"soft_{class_name}"


@dataclass(frozen=True, eq=False)
class Dump:
    """One validated run: arrays in taxonomy order, exclusions marked.

    Attributes
    ----------
    taxonomy : Taxonomy
    sample_id : ndarray of str, shape (n,)
    y_true : ndarray of int64, shape (n,)
        0-based class position in ``taxonomy.classes``; -1 where not annotated.
    y_pred : ndarray of int64, shape (n,)
        0-based predicted class position (argmax of ``proba`` when no ``y_pred`` column).
    proba : ndarray of float64, shape (n, K), or None
    group : ndarray of str, shape (n,), or None
    va_true, va_pred : ndarray of float64, shape (n, 2), or None
        NaN where not annotated.
    au_names : tuple of str
    au_true : ndarray of int8, shape (n, m), or None
        0/1, -1 where not annotated.
    au_pred : ndarray of int8, shape (n, m), or None
    embedding : ndarray of float64, shape (n, d), or None
    soft_true : ndarray of float64, shape (n, K), or None
        Distribution of the annotators' labels over the classes (FERPlus votes), for
        the vote-based expected cost and calibration; rows sum to 1 where annotated.
    source : str
        Where the dump came from (a path, or ``"<memory>"``).
    metadata : dict
    exclusions : dict
        Counts of excluded values: ``expr``, ``valence``, ``arousal``, ``au``, ``proba_renormalized``.
    """

    taxonomy: Taxonomy
    sample_id: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray | None = None
    group: np.ndarray | None = None
    va_true: np.ndarray | None = None
    va_pred: np.ndarray | None = None
    au_names: tuple = ()
    au_true: np.ndarray | None = None
    au_pred: np.ndarray | None = None
    embedding: np.ndarray | None = None
    soft_true: np.ndarray | None = None
    source: str = "<memory>"
    metadata: dict = field(default_factory=dict)
    exclusions: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.sample_id.shape[0])

    def __repr__(self) -> str:
        return (f"Dump({self.source}: {self.n_samples} samples, {self.taxonomy.name}, "
                f"tasks {', '.join(self.tasks)})")

    @property
    def expr_mask(self) -> np.ndarray:
        """Rows with an expression annotation."""
        return self.y_true >= 0

    @property
    def has_va(self) -> bool:
        return self.va_true is not None and self.va_pred is not None

    @property
    def has_au(self) -> bool:
        return self.au_true is not None and self.au_pred is not None

    @property
    def tasks(self) -> tuple:
        """The tasks this dump is scored on: ``"expression"``, ``"va"``, ``"au"``.

        Expression is a task when some row has an expression annotation, when the file
        has a ``y_true`` column whose -1 labels were counted (every label excluded), or
        when there is no other task (a file whose every label is excluded still reports that).
        An AU-only or VA-only dump carries placeholder labels, which are not a task.
        """
        out = []
        other = self.has_va or self.has_au or bool((self.exclusions or {}).get("au_not_predicted"))
        # a y_true column read from the file (its -1 labels counted) is a task even when
        # every label is -1: the audit then says all of them are excluded
        counted = bool((self.exclusions or {}).get("expr"))
        if bool(self.expr_mask.any()) or not other or counted:
            out.append("expression")
        if self.has_va:
            out.append("va")
        if self.has_au or (self.exclusions or {}).get("au_not_predicted"):
            out.append("au")
        return tuple(out)


#: What the tool readers count, in the words the console uses.
_READ_COUNTS = (("openface_unsuccessful", "OpenFace frames with success 0"),
                ("openface_other_faces", "other faces in a frame"),
                ("pyfeat_no_face", "py-feat rows without a face"),
                ("pyfeat_other_faces", "other faces in an image"),
                ("deepface_other_faces", "other faces in an image"),
                ("scores_softmaxed", "score rows taken as logits (softmax)"),
                ("proba_dropped_class_top", "rows whose top class is outside the taxonomy"),
                ("abaw_no_prediction", "ABAW frames without a prediction (-1 / -5)"))


def exclusion_lines(exclusions: dict, n_samples: "int | None" = None, tasks=None) -> list:
    """The console lines that say what a reader excluded, renormalized or converted.

    ``exclusions`` is :attr:`Dump.exclusions`: counts of unannotated expression, VA
    and AU values (with ``by_code`` for a dataset's own exclusion codes, e.g.
    AffectNet's 8 None / 9 Uncertain / 10 No-Face), renormalized probability rows and
    what a tool reader counted. ``audit`` prints them for one file and ``compare`` for
    every run, so nothing a reader left out goes unsaid. ``tasks`` (:attr:`Dump.tasks`)
    limits the lines to the tasks the file is scored on: an AU-only file says nothing
    about expression labels it does not have.
    """
    ex = exclusions or {}
    tasks = ("expression", "va", "au") if tasks is None else tuple(tasks)
    coded = (ex.get("by_code") or {}) if "expression" in tasks or "va" in tasks else {}
    excluded = []               # a count that is zero says nothing
    if ex.get("expr") and "expression" in tasks:
        excluded.append(f"expression {ex['expr']}" + ("" if coded else " (label -1)"))
    if (ex.get("valence") or ex.get("arousal")) and ("va" in tasks or "expression" in tasks):
        excluded.append(f"valence {ex.get('valence') or 0}, arousal {ex.get('arousal') or 0}"
                        + ("" if coded else " (-5)"))
    if ex.get("au") and "au" in tasks:
        excluded.append(f"AU values {ex['au']} (-1)")
    head = f"{n_samples} samples; " if n_samples is not None else ""
    first = head + "excluded: " + (", ".join(excluded) if excluded else "nothing")
    if ex.get("proba_renormalized"):
        first += f"; probability rows renormalized: {ex['proba_renormalized']}"
    lines = [first]
    if ex.get("au_not_predicted") and "au" in tasks:
        missing = list(ex["au_not_predicted"])
        lines.append(f"not predicted: {', '.join(missing)} (annotated; F1 and fixed-AU-set scores n/a)")
    if coded:
        lines.append("excluded by code: " + ", ".join(f"{label} {count}" for label, count in coded.items()))
    read = [f"{what} {ex[key]}" for key, what in _READ_COUNTS if ex.get(key)]
    if read:
        lines.append("read from the tool's file: " + ", ".join(read))
    return lines
