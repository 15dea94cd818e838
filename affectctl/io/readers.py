"""One entry point for predictions in any supported format.

:func:`read_predictions` looks at the path and its header and hands it to the reader
of its family: a dump (:mod:`affectctl.io.dumps`), an ABAW folder or multi-task
file (:mod:`affectctl.io.abaw`), or predictions in any format joined with a truth
file (:func:`affectctl.io.formats.read_paired`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .._validation import not_regular
from ..errors import DumpFormatError
from .abaw import is_abaw_mtl, read_abaw_folders, read_abaw_mtl
from .dumps import read_dump
from .schema import Dump

if TYPE_CHECKING:
    from .pairing import Truth

__all__ = ["read_predictions"]


def read_predictions(path: "str | Path", *, annotations: "str | Path | Truth | None" = None, taxonomy=None,
                     format: "str | None" = None, truth_format: "str | None" = None,
                     mapping: "str | dict | None" = None, id_column: "str | None" = None,
                     strict: bool = False) -> Dump:
    """Read predictions in any supported format (detected from the path and header).

    ``annotations`` is a path, or a :class:`~affectctl.io.pairing.Truth` already read.

    Without ``annotations`` the file is a dump (CSV or Parquet) with its own ``y_true``.
    With ``annotations`` (``--truth``):

    - an ABAW prediction folder is paired frame by frame with its annotation folder
      and an ABAW multi-task file with its annotation file, by the ABAW rules
      (:mod:`affectctl.io.abaw`);
    - everything else goes through the one join of predictions with a truth file,
      :func:`affectctl.io.formats.read_paired`: any prediction format (a
      prediction-only dump, OpenFace, py-feat, LibreFace, EmotiEffLib, deepface, or a
      CSV through ``mapping``) against any truth format (a dump-format truth table,
      AffectNet, RAF-DB, FER2013, FERPlus, an ABAW annotation folder or file), ids
      normalized (:func:`affectctl.io.ids.join_ids`). ``format``/``truth_format``
      name the formats when the headers do not.
    """
    path = Path(path)
    for p in (path, annotations):  # by type, before anything opens it (a FIFO would block)
        if isinstance(p, (str, Path)) and Path(p).exists() and \
                (reason := not_regular(p, folder_ok=True)) is not None:
            raise DumpFormatError(reason, file=p)
    if annotations is None:
        paired = _paired_formats(path, format, truth_format, mapping)
        if paired == "dump-predictions":
            raise DumpFormatError("required column is missing: a prediction-only dump needs its labels "
                                  "from --truth FILE.", file=path, column="y_true")
        if paired:
            raise DumpFormatError(f"is {paired}; give the annotation file with --truth.", file=path)
        if path.is_dir():
            _check_prediction_folder(path)
            raise DumpFormatError("is a folder of ABAW predictions; give the annotation folder with "
                                  "--truth.", file=path)
        if path.is_file() and is_abaw_mtl(path):
            raise DumpFormatError("is an ABAW multi-task file; give the annotation file with --truth.",
                                  file=path)
        return read_dump(path, taxonomy=taxonomy)
    from .formats import detect_predictions, read_paired
    from .pairing import Truth

    # an already read Truth (compare reads the truth file once) is never an ABAW folder pairing
    named = format or mapping or isinstance(annotations, Truth)
    if path.is_dir() and not named and detect_predictions(path) is None:
        _check_prediction_folder(path)
        return read_abaw_folders(path, annotations, taxonomy=taxonomy)
    if path.is_file() and not named and is_abaw_mtl(path):
        return read_abaw_mtl(path, annotations, taxonomy=taxonomy or "affwild2-expr8")
    if not path.exists():
        raise DumpFormatError("file does not exist.", file=path)
    return read_paired(path, annotations, fmt=format, truth_format=truth_format, mapping=mapping,
                       id_column=id_column, taxonomy=taxonomy, strict=strict)


def _paired_formats(path: Path, fmt, truth_format, mapping) -> str:
    """What makes this file one that needs ``--truth`` ('' when nothing does)."""
    if fmt or truth_format or mapping:
        return "a prediction file read through --format/--map"
    from .formats import detect_predictions

    tool = detect_predictions(path) if path.exists() else None
    if tool is not None:
        return tool.title if tool.name != "dump-predictions" else tool.name
    return ""


def _check_prediction_folder(path: Path) -> None:
    """A folder given as predictions must hold ABAW per-video ``.txt`` files; say what it holds
    instead (nothing, dumps, other files)."""
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if any(p.suffix.lower() == ".txt" for p in files):
        return
    if not files:
        subdirs = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        if subdirs:
            raise DumpFormatError(f"holds no files, only {len(subdirs)} folder(s) (e.g. {subdirs[0]}); "
                                  "audit takes one dump file or an ABAW prediction folder (a runs "
                                  "folder goes to `affectctl compare --runs`).", file=path)
        raise DumpFormatError("is an empty folder; give a dump file (CSV or Parquet), an ABAW folder "
                              "of per-video .txt predictions, or an ABAW multi-task file.", file=path)
    dumps = [p for p in files if p.suffix.lower() in (".csv", ".parquet", ".pq")]
    if dumps:
        raise DumpFormatError(f"is a folder of {len(dumps)} CSV/Parquet file(s) (e.g. {dumps[0].name}), not "
                              "ABAW per-video .txt predictions; audit one file at a time, e.g. "
                              f"`affectctl audit {dumps[0]}`.", file=path)
    shown = ", ".join(p.name for p in files[:3]) + (", ..." if len(files) > 3 else "")
    raise DumpFormatError(f"holds no ABAW per-video .txt prediction files ({len(files)} other file(s): "
                          f"{shown}).", file=path)
