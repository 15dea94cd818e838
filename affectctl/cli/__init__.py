"""The ``affectctl`` command line: thin typer commands over the library.

One module per command (spaCy's layout); each declares its options with
``Annotated`` and calls a library function. Library code raises
:class:`~affectctl.errors.AffectctlError`; the :func:`~affectctl.cli._app.command`
decorator turns it into one line on stderr and exit status 2, without a traceback.

Command modules are imported lazily: ``affectctl --help`` imports none of them (the root
help lists :data:`~affectctl.cli._app.COMMANDS`), ``affectctl compare ...`` imports only
``cli/compare.py``, and ``affectctl --version`` not even typer. :func:`load_all_commands`
registers every command at once (the documentation's CLI reference needs them all).
"""

from __future__ import annotations

import sys

__all__ = ["COMMANDS", "app", "load_all_commands", "main"]


def __getattr__(name: str) -> object:
    if name in ("COMMANDS", "app", "load_all_commands"):
        import affectctl.cli._app as _app

        return getattr(_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_command(name: str) -> None:
    """Import the module of command ``name`` (it registers the command on the app).

    One literal import per command, so that the import graph (``lint-imports``) sees every
    edge; ``affectctl.cli._app.COMMANDS`` lists the same names (a test keeps them equal).
    """
    if name == "audit":
        import affectctl.cli.audit  # noqa: F401
    elif name == "compare":
        import affectctl.cli.compare  # noqa: F401
    elif name == "power":
        import affectctl.cli.power  # noqa: F401
    elif name == "train":
        import affectctl.cli.train  # noqa: F401
    elif name == "report":
        import affectctl.cli.report  # noqa: F401
    elif name == "diagnose":
        import affectctl.cli.diagnose  # noqa: F401
    elif name == "formats":
        import affectctl.cli.formats  # noqa: F401
    elif name == "inspect":
        import affectctl.cli.inspect  # noqa: F401
    elif name == "export":
        import affectctl.cli.export  # noqa: F401
    else:
        raise KeyError(f"no command {name!r}")


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:  # the one answer that needs no command line parser
        from affectctl._version import __version__

        print(f"affectctl {__version__}")
        return
    from affectctl.cli._app import app

    try:
        app()
    finally:
        # what the command built is garbage once it ends: frozen, the interpreter's last
        # collection skips it (0.15-0.35 s at the end of a compare; gc.freeze, Python 3.7+)
        import gc

        gc.freeze()
