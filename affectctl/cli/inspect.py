"""``affectctl inspect FILE [--truth T] [--json]``: what affectctl reads from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._app import command, console


@command("inspect")
def inspect_cli(
    file: Annotated[Path, typer.Argument(help="A prediction file, dump or truth file (see `affectctl formats`).")],
    truth: Annotated[Optional[Path], typer.Option("--truth", help="Pair FILE with this truth file and report "
                                                  "the pairing too.")] = None,
    fmt: Annotated[Optional[list[str]], typer.Option("--format", help="Name the format of FILE and/or "
                                                     "--truth (repeatable; see `affectctl formats`).")] = None,
    mapping: Annotated[Optional[str], typer.Option("--map", help="Class names of another CSV: "
                                                   "'angry=Anger,happy=Happy,...'.")] = None,
    id_column: Annotated[Optional[str], typer.Option("--id", help="Image-id column of FILE.")] = None,
    taxonomy: Annotated[Optional[str], typer.Option(help="Label space, e.g. affectnet8.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document (every id).")] = False,
) -> None:
    """Show how FILE is read, without scoring it.

    The detected format and why, the rows, the tasks (expr, va, au), the classes in file order and as mapped, the id scheme and the first
    ids, the columns read and ignored, and what was left out."""
    from ..io.formats import split_format_names
    from ..io.inspect import inspect_file, inspect_lines

    pred_format, truth_format = split_format_names(fmt)
    info = inspect_file(file, truth=truth, fmt=pred_format, truth_format=truth_format, mapping=mapping,
                        id_column=id_column, taxonomy=taxonomy)
    if as_json:
        import json

        typer.echo(json.dumps(info, indent=2))
        return
    for line in inspect_lines(info):
        console.print(line, markup=False, highlight=False)
