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


def read_predictions(path: "str | Path", *, annotations: "str | Path | None" = None, taxonomy=None) -> Dump:
    """Read predictions in any supported format (detected from the path and header).

    A folder is read as ABAW per-video files and a file whose header is
    ``image,valence,arousal,expression,aus`` as the ABAW multi-task format; both need
    ``annotations``. Anything else is a dump (CSV or Parquet); with ``annotations`` it
    must be a prediction-only dump (no ``y_true``), joined to that truth file on
    ``sample_id`` (:func:`affectctl.io.truth.read_with_truth`).
    """
    path = Path(path)
    if path.is_dir():
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
