"""The ``affectctl`` command line: thin typer commands over the library.

One module per command (spaCy's layout); each declares its options with
``Annotated`` and calls a library function. Library code raises
:class:`~affectctl.errors.AffectctlError`; the :func:`~affectctl.cli._app.command`
decorator turns it into one line on stderr and exit status 2, without a traceback.
"""

from __future__ import annotations

import importlib

from ._app import app

# Command modules register themselves on `app` when imported.
# Command modules register themselves on `app` when imported.
for _name in ("audit", "compare", "power", "train", "report", "diagnose", "formats", "inspect", "export"):
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
