"""``affectctl export DUMP --format abaw-expr|abaw-va|abaw-au|abaw-mtl --out DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._app import command, console


@command("export")
def export_cli(
    dump: Annotated[Path, typer.Argument(help="A dump (CSV/Parquet), with or without y_true; ids "
                                              "'<video>/<frame>' counted from 1.")],
    fmt: Annotated[str, typer.Option("--format", help="abaw-expr, abaw-va, abaw-au or abaw-mtl.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the submission into.")],
    truth: Annotated[Optional[Path], typer.Option("--truth", help="Annotation folder (abaw-mtl: file) whose "
                                                  "videos and frame counts the submission must match.")] = None,
    taxonomy: Annotated[Optional[str], typer.Option(help="The submission's classes: affwild2-expr8 (ABAW3+, "
                                                    "the default) or affwild2-expr7 (ABAW2); also the "
                                                    "dump's, when its labels are indices it names no "
                                                    "taxonomy for.")] = None,
) -> None:
    """Write a dump as the official ABAW submission files.

    One <video>.txt per video with the official
    header and one line per frame (abaw-mtl: one file); frames the dump lacks are written as
    the missing value (-1, VA -5) and counted."""
    from ..io.abaw_export import export_abaw

    res = export_abaw(dump, fmt, out, truth=truth, taxonomy=taxonomy)
    console.print(res.line(), markup=False, highlight=False, soft_wrap=True)
