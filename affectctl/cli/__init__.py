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

__all__ = ["COMMANDS", "app", "load_all_commands", "main", "resume_collection"]

#: True from the console script's start until its command starts (:func:`main`).
_collection_paused = False


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
    import gc

    # start-up (typer, the command's modules, numpy, pandas) makes hundreds of thousands of
    # objects that live as long as the process and next to no garbage: the collector's
    # passes over them while they are made are ~0.07 s of every command's start (a 3,000-row
    # compare: 0.073 -> 0.005 s of collections, gc.callbacks). Collection
    # resumes when the command starts, with the objects made until then frozen out of it
    # (resume_collection)
    gc.disable()
    global _collection_paused
    _collection_paused = True
    from affectctl.cli._app import app

    try:
        app()
    finally:
        # what the command built is garbage once it ends: frozen, the interpreter's last
        # collection skips it (0.15-0.35 s at the end of a compare; gc.freeze, Python 3.7+)
        gc.freeze()


def resume_collection() -> None:
    """The command starts: garbage collection, paused by :func:`main` for the start-up,
    resumes; the objects that exist now are frozen out of it first (:func:`gc.freeze`:
    they live as long as the process, and every later collection skips them). Does
    nothing when :func:`main` did not pause it (the command run from Python, or by
    ``typer.testing.CliRunner``)."""
    global _collection_paused
    if _collection_paused:
        import gc

        _collection_paused = False
        gc.freeze()
        gc.enable()
