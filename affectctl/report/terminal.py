"""Terminal width, word wrapping and user-supplied names on the terminal.

The command line prints tables, footnotes and warnings through these helpers so that
every line fits the terminal, breaks between words (never inside ``sim-affectnet`` or
a number), carries no trailing spaces, and shows names the user supplied (conditions,
classes, files) through one function, :func:`shown_name`.
"""

from __future__ import annotations

import os
import textwrap

__all__ = ["DEFAULT_WIDTH", "terminal_width", "wrap", "shown_name"]

#: Columns of piped output when ``COLUMNS`` is not set.
DEFAULT_WIDTH = 100


def terminal_width(console=None) -> int:
    """Columns to fill: the terminal's width, else ``COLUMNS``, else :data:`DEFAULT_WIDTH`.

    Parameters
    ----------
    console : rich.console.Console, optional
        When it writes to a terminal, its width is the answer.
    """
    if console is not None and console.is_terminal:
        return int(console.width)
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return DEFAULT_WIDTH


def wrap(text: str, width: int, *, first: str = "", indent: str = "  ") -> list:
    """``text`` as lines of at most ``width`` characters, broken between words only.

    Parameters
    ----------
    text : str
    width : int
    first : str, default ""
        Put in front of the first line (e.g. ``"affectctl: warning: "``).
    indent : str, default "  "
        Put in front of every further line.

    Returns
    -------
    list of str
        Without trailing spaces. A single word longer than the line is kept whole
        (the line is then longer than ``width``: a name or a path is never cut).

    >>> wrap("one two three four five six seven", 20)
    ['one two three four', '  five six seven']
    >>> wrap("train on the sim-affectnet data set", 20, indent="")
    ['train on the', 'sim-affectnet data', 'set']
    """
    wrapper = textwrap.TextWrapper(width=max(int(width), 20), initial_indent=first,
                                   subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)
    lines = wrapper.wrap(" ".join(str(text).split()))
    return [ln.rstrip() for ln in lines] or [first.rstrip()]


def _plain(name: str) -> str:
    """Control and other non-printable characters of ``name`` as ``\\x..`` escapes."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in str(name))


def shown_name(name) -> str:
    """A user-supplied name (condition, class, file) as the terminal shows it.

    The one place where terminal output of names is escaped:
    :func:`affectctl.report.escape.for_terminal` when that module exists, else
    non-printable characters are written as escapes.
    """
    try:
        from .escape import for_terminal
    except ImportError:
        return _plain(name)
    return for_terminal(str(name))
