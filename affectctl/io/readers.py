"""One entry point for predictions in any supported format.

:func:`read_predictions` looks at the path and its header and hands it to the reader
of its family: a dump (:mod:`affectctl.io.dumps`) or an ABAW folder or multi-task
file (:mod:`affectctl.io.abaw`).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DumpFormatError
from .abaw import is_abaw_mtl, read_abaw_folders, read_abaw_mtl
from .dumps import read_dump
from .schema import Dump

__all__ = ["read_predictions"]


def read_predictions(path: "str | Path", *, annotations: "str | Path | None" = None, taxonomy=None,
                     format: "str | None" = None, truth_format: "str | None" = None,
                     mapping: "str | dict | None" = None, id_column: "str | None" = None,
                     strict: bool = False) -> Dump:
    """Read predictions in any supported format (detected from the path and header).

    A folder is read as ABAW per-video files and a file whose header is
    ``image,valence,arousal,expression,aus`` as the ABAW multi-task format; both need
    ``annotations``. A tool's output (OpenFace, py-feat, LibreFace, EmotiEffLib,
    deepface, or any CSV through ``mapping``) or a dataset's annotation file as
    ``annotations`` (AffectNet, RAF-DB, FER2013, FERPlus) goes through
    :func:`affectctl.io.formats.read_paired`; ``format``/``truth_format`` name the
    formats when the headers do not. Anything else is a dump (CSV or Parquet); with
    ``annotations`` it must be a prediction-only dump (no ``y_true``), joined to that
    truth file on ``sample_id`` (:func:`affectctl.io.truth.read_with_truth`).
    """
    path = Path(path)
    paired = _paired_formats(path, annotations, format, truth_format, mapping)
    if paired:
        if annotations is None:
            raise DumpFormatError(f"is {paired}; give the annotation file with --truth.", file=path)
        from .formats import read_paired

        return read_paired(path, annotations, fmt=format, truth_format=truth_format, mapping=mapping,
                           id_column=id_column, taxonomy=taxonomy, strict=strict)
    if path.is_dir():
        _check_prediction_folder(path)
        if annotations is None:
            raise DumpFormatError("is a folder of ABAW predictions; give the annotation folder with "
                                  "--truth.", file=path)
        return read_abaw_folders(path, annotations, taxonomy=taxonomy)
    if path.is_file() and is_abaw_mtl(path):
        if annotations is None:
            raise DumpFormatError("is an ABAW multi-task file; give the annotation file with --truth.",
                                  file=path)
        return read_abaw_mtl(path, annotations, taxonomy=taxonomy or "affwild2-expr8")
    if annotations is not None:
        # a prediction-only dump (no y_true) joined to a dump-format truth file on sample_id
        from .truth import read_with_truth

        return read_with_truth(path, annotations, taxonomy=taxonomy)
    return read_dump(path, taxonomy=taxonomy)


def _paired_formats(path: Path, annotations, fmt, truth_format, mapping) -> str:
    """What makes this a read through :mod:`affectctl.io.formats` ('' when nothing does).

    Named formats or a ``--map`` always do; otherwise a tool format recognised in the
    prediction file, or a dataset format (not a dump-format table) in the truth file.
    """
    if fmt or truth_format or mapping:
        return "a prediction file read through --format/--map"
    from .formats import detect_predictions, detect_truth

    tool = detect_predictions(path) if path.is_file() else None
    if tool is not None and tool.name != "dump-predictions":
        return f"{tool.title}"
    if annotations is not None and Path(annotations).is_file() and not (path.is_file() and is_abaw_mtl(path)):
        ds = detect_truth(annotations)
        if ds is not None and ds.name != "truth-table":
            return f"predictions for {ds.title}"
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
