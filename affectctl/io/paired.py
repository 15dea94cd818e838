"""Predictions paired with their labels: the public :func:`read_predictions` and
:func:`paired_reader`, which ``affectctl audit``, ``compare`` and ``power`` call.

A prediction file either carries its own labels (a dump with ``y_true``) or is paired
with a truth file: a dataset's annotation file (AffectNet, RAF-DB, FER2013, FERPlus),
a truth table (``sample_id, y_true, ...``) or ABAW annotations. The one join is
:func:`affectctl.io.formats.read_paired`; ABAW prediction folders and multi-task files
are paired by the ABAW rules (:mod:`affectctl.io.abaw`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from .pairing import Truth
    from .schema import Dump

__all__ = ["paired_reader", "read_predictions"]

def _formats(format: "str | Sequence[str] | None") -> "tuple[str | None, str | None]":
    from .formats import split_format_names

    names = [format] if isinstance(format, str) else list(format or ())
    pred, truth = split_format_names(names)
    return pred, truth


def read_predictions(path: "str | Path", *, truth: "str | Path | Truth | None" = None,
                     format: "str | Sequence[str] | None" = None, taxonomy: "str | None" = None,
                     mapping: "str | dict[str, str] | None" = None, id_column: "str | None" = None,
                     strict: bool = False) -> "Dump":
    """Read one prediction file (any supported format), paired with ``truth`` when given.

    Parameters
    ----------
    path : str or Path
        A dump (CSV/Parquet), a tool's output (OpenFace, py-feat, LibreFace, EmotiEffLib,
        deepface), a CSV read through ``mapping``, an ABAW prediction folder or an ABAW
        multi-task file (``affectctl formats`` lists them all).
    truth : str, Path or Truth, optional
        The labels, when the file has none: a dataset's annotation file, a truth table
        (joined on ``sample_id``), or ABAW annotations. Without it the file must carry
        ``y_true``.
    format : str or sequence of str, optional
        The format of the prediction file and/or of ``truth`` when the headers do not say
        (the names of ``affectctl formats``; at most one of each kind).
    taxonomy : str, optional
        Label space (``affwild2-expr8``, ``affectnet8``, ...); inferred when omitted.
    mapping : str or dict, optional
        Class names of another CSV: ``"angry=Anger,happy=Happy,..."``.
    id_column : str, optional
        The image-id column of the prediction file.
    strict : bool, default False
        Truth rows without a prediction are an error instead of a warning.

    Returns
    -------
    Dump

    Raises
    ------
    DumpFormatError
        One line naming the file, the line and the column.

    Examples
    --------
    From a checkout (``examples/runs`` holds 600-sample dumps with their labels)::

        dump = affectctl.read_predictions("examples/runs/base/seed-0.csv")
        dump = affectctl.read_predictions("model.csv", truth="affectnet_val.csv")
    """
    from .readers import read_predictions as _read

    pred_format, truth_format = _formats(format)
    return _read(path, annotations=truth, taxonomy=taxonomy, format=pred_format,
                 truth_format=truth_format, mapping=mapping, id_column=id_column, strict=strict)


def paired_reader(truth: "str | Path", *, format: "str | Sequence[str] | None" = None,
                  taxonomy: "str | None" = None, mapping: "str | dict[str, str] | None" = None,
                  id_column: "str | None" = None,
                  strict: bool = False) -> "Callable[[str | Path], Dump]":
    """``read(path) -> Dump`` pairing every prediction file it is given with one truth file.

    The truth file is read once, on the first call, and joined with each prediction file
    (for :func:`affectctl.load_runs`'s ``read=``: every seed file of every condition). An
    ABAW prediction folder (with an annotation folder as ``truth``) or an ABAW multi-task
    file is paired by the ABAW rules instead. Parameters as :func:`read_predictions`.
    """
    from .abaw import is_abaw_mtl
    from .formats import detect_predictions, refuse_full_dump
    from .formats import read_truth as _read_truth

    read_truth: Any = _read_truth
    from .readers import read_predictions as _read

    if truth is None:
        raise ConfigError("`truth` must be a truth file or folder; got None.")
    truth = Path(truth)
    pred_format, truth_format = _formats(format)
    read_once: dict[str, Any] = {}

    def read(path: "str | Path") -> "Dump":
        path = Path(path)
        if (path.is_dir() and not pred_format and mapping is None and truth.is_dir()
                and detect_predictions(path) is None) or (path.is_file() and is_abaw_mtl(path)):
            # ABAW prediction folders / multi-task files: paired by the ABAW rules
            return _read(path, annotations=truth, taxonomy=taxonomy, strict=strict)
        refuse_full_dump(path, fmt=pred_format, mapping=mapping)
        if "truth" not in read_once:
            # the truth file is read once and joined with every prediction file
            read_once["truth"] = read_truth(truth, truth_format=truth_format, taxonomy=taxonomy,
                                            predictions=path)
        return _read(path, annotations=read_once["truth"], taxonomy=taxonomy, format=pred_format,
                     truth_format=truth_format, mapping=mapping, id_column=id_column, strict=strict)

    return read
