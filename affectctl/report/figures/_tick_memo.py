"""An axis's ticks computed once per draw while the report writes its figures.

matplotlib (3.7 to 3.11) computes an axis's ticks and the boxes of their labels more than
once in every ``Axis.draw`` (3 times) and every ``Axis.get_tightbbox`` (twice): once for
the axis, and again in ``_update_label_position``, whose ``_get_tick_boxes_siblings``
counts the axis among its own label-alignment siblings and whose spine extent updates
the ticks once more. Nothing changes in between (drawing the ticks or placing
the axis label moves no tick label), so the second computation returns what the first
did. Upstream proposes caching them per draw (matplotlib pull request #31012, "PERF:
Cache ticks and ticklabel bboxes within each draw cycle", open when this was written;
about a quarter of a plain plot's draw time by its measurement).

:func:`tick_memo` does that for the figures the report writes, while it writes them:
inside one ``draw`` or ``get_tightbbox`` call of an axis, that axis's
``_update_ticks()`` is computed once, and ``_get_ticklabel_bboxes`` once for the ticks it
returned; the other siblings' (axes whose labels ``Figure.align_labels`` aligned) are
computed as before. The 16 files of a 3,000-row report's figures are byte-identical with
and without it (compared when it was written; tests compare figures of a 6-condition
report and a figure with aligned labels, a colour bar, a twin and a log axis), and the 8
figures take 3.60 instead of 3.82 CPU-s (the parts of ``benchmarks/bench_figures.py``
drawn in one process with :func:`_applies` alternately forced off: median of 14
interleaved readings, lower in 12 of the 14 pairs; a loaded machine). matplotlib versions outside the
ones checked (:data:`VERSIONS`) or without those methods are left alone.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

__all__ = ["tick_memo", "VERSIONS"]

#: matplotlib versions (major, minor) whose Axis code the memo was checked against.
VERSIONS = ((3, 7), (3, 11))

_METHODS = ("_update_ticks", "_get_ticklabel_bboxes", "_get_tick_boxes_siblings", "draw",
            "get_tightbbox")
_lock = threading.Lock()
_depth = 0
_original: dict = {}


def _applies() -> bool:
    import matplotlib
    from matplotlib.axis import Axis

    version = tuple(getattr(matplotlib, "__version_info__", (0, 0))[:2])
    return (VERSIONS[0] <= version <= VERSIONS[1]
            and all(callable(getattr(Axis, name, None)) for name in _METHODS))


def _update_ticks(self):
    memo = self.__dict__.get("_affectctl_tick_memo")
    if memo is None:
        return _original["_update_ticks"](self)
    if "ticks" not in memo:
        memo["ticks"] = _original["_update_ticks"](self)
    return memo["ticks"]


def _get_ticklabel_bboxes(self, ticks, renderer):
    memo = self.__dict__.get("_affectctl_tick_memo")
    if memo is None or memo.get("ticks") is not ticks:
        return _original["_get_ticklabel_bboxes"](self, ticks, renderer)
    if memo.get("boxes_for", memo) is not renderer:
        memo["boxes"] = _original["_get_ticklabel_bboxes"](self, ticks, renderer)
        memo["boxes_for"] = renderer
    return memo["boxes"]


def _scoped(name):
    original = _original[name]

    def method(self, *args, **kwargs):
        outer = self.__dict__.get("_affectctl_tick_memo")
        self._affectctl_tick_memo = {}
        try:
            return original(self, *args, **kwargs)
        finally:
            self._affectctl_tick_memo = outer

    method.__wrapped__ = original
    method.__name__ = method.__qualname__ = name
    if hasattr(original, "_supports_rasterization"):     # Axis.draw's decorator marks it
        method._supports_rasterization = original._supports_rasterization
    return method


_PATCHED = {"_update_ticks": lambda: _update_ticks,
            "_get_ticklabel_bboxes": lambda: _get_ticklabel_bboxes,
            "draw": lambda: _scoped("draw"), "get_tightbbox": lambda: _scoped("get_tightbbox")}


@contextmanager
def tick_memo():
    """While inside, each ``Axis.draw``/``get_tightbbox`` call computes its axis's ticks
    and their label boxes once (module docstring). Re-entrant; a no-op where it does not
    apply (:data:`VERSIONS`)."""
    global _depth
    from matplotlib.axis import Axis

    with _lock:
        if _depth == 0 and _applies() and all(n in Axis.__dict__ for n in _PATCHED):
            _original.update({n: Axis.__dict__[n] for n in _PATCHED})
            for name, make in _PATCHED.items():
                setattr(Axis, name, make())
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _original:
                for name in _PATCHED:
                    setattr(Axis, name, _original[name])
                _original.clear()
