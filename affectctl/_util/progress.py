"""The one progress bar of affectctl: rich on stderr, ``label  ━━━━  done/total  0:00:03  note``.

Used by ``affectctl train`` (one bar per sweep) and ``affectctl compare`` (tests, then
figures). The library never draws: it takes a ``progress(done, total[, name])`` callback,
and :func:`callback` makes one from a :class:`Bar`. rich is imported when a bar starts, so
``import affectctl`` stays light.
"""

from __future__ import annotations

__all__ = ["Bar", "callback"]


class Bar:
    """A rich progress bar: ``label``, the bar, done/total, elapsed time, a short note.

    Parameters
    ----------
    label : str
        Shown in bold before the bar.
    console : rich.console.Console, optional
        Where it is drawn; default a new console on stderr.
    """

    def __init__(self, label: str, *, console=None):
        self.label = label
        self.console = console
        self._progress = None
        self._task = None

    def start(self, total: int, completed: int = 0, note: str = "") -> None:
        """Draw the bar at ``completed`` of ``total``."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.fields[note]}"),
                                  console=self.console or Console(stderr=True), transient=False)
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=total, completed=completed, note=note)

    @property
    def started(self) -> bool:
        return self._progress is not None

    def update(self, *, completed: int | None = None, advance: int = 0, note: str | None = None) -> None:
        """Move the bar to ``completed`` (or by ``advance``); replace the note if given."""
        fields = {} if note is None else {"note": note}
        self._progress.update(self._task, completed=completed, advance=advance, **fields)

    def stop(self, *, erase: bool = False) -> None:
        """Stop drawing; ``erase`` removes the bar (when an error is the last word)."""
        if self._progress is None:
            return
        if erase:
            self._progress.live.transient = True
        self._progress.stop()


def callback(label: str, *, console=None):
    """A ``progress(done, total, name="")`` callback for the library, drawing a :class:`Bar`.

    The bar starts at the first call and stops when ``done == total``; ``name`` (what is
    being done, e.g. the figure being written) is its note.
    """
    bar = Bar(label, console=console)

    def progress(done: int, total: int, name: str = "") -> None:
        if not bar.started:
            bar.start(total)
        bar.update(completed=done, note=name)
        if done == total:
            bar.stop()

    # the caller stops the bar when the work ends, whether or not it reached its total
    # (an error, or work counted but not done): a bar left live would keep its console's
    # live display, and the next bar on that console would have to nest in it
    progress.stop = bar.stop
    return progress
