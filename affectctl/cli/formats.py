"""``affectctl formats``: the file formats affectctl reads and the taxonomy each maps to."""

from __future__ import annotations


import typer
from rich.table import Table

import affectctl.cli.options as options
from affectctl.cli._app import command, console


@command("formats")
def formats_cli(
    as_json: options.Json = False,
) -> None:
    """List the dataset annotation files (for --truth) and tool outputs (FILE) that audit and
    compare read, how each is recognised, and the taxonomy it maps to."""
    from affectctl.io.formats import INPUT_FORMATS

    if as_json:
        import json

        typer.echo(json.dumps([{"name": f.name, "kind": f.kind, "title": f.title,
                                "detected_by": f.detected_by or None, "taxonomy": f.taxonomy,
                                "module": f.module} for f in INPUT_FORMATS], indent=2))
        return
    for kind, title in (("truth", "Truth files (--truth)"), ("predictions", "Prediction files (FILE)")):
        table = Table(title=title, header_style="bold", title_justify="left")
        table.add_column("--format", overflow="fold")
        table.add_column("file", overflow="fold")
        table.add_column("recognised by", overflow="fold")
        table.add_column("taxonomy", overflow="fold")
        for f in INPUT_FORMATS:
            if f.kind == kind:
                table.add_row(f.name, f.title, f.detected_by or "--map/--id only", f.taxonomy)
        console.print(table)
    console.print("Predictions join the truth on the image id: as written, then without extension, "
                  "'_aligned' suffix and folder. Sources of each format: the module docstrings.")
