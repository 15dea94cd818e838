"""What this process may use of the machine."""

from __future__ import annotations

import os
from contextlib import contextmanager

__all__ = ["usable_cpus", "single_threaded_blas"]


def usable_cpus() -> int:
    """The cores this process may run on.

    The size of its CPU affinity mask (``os.sched_getaffinity``), which a Slurm allocation,
    ``taskset`` or a container's CPU set narrows; ``os.cpu_count()`` where the platform has
    no affinity call (macOS, Windows).
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


#: Depth of nested :func:`single_threaded_blas` blocks (inherited by forked workers).
_ONE_THREAD = 0


@contextmanager
def single_threaded_blas():
    """A context in which BLAS runs on one thread (threadpoolctl).

    For many small products (thin replicate blocks, ~65-column Newton steps): they are too
    small to gain from threads, and OpenBLAS threads spin while they wait, which burns a
    second core for nothing and, when the cores are busy, made such loops up to 10x slower.
    Inside such a block it costs nothing (threadpoolctl's own context takes ~3 ms: 0.6 s
    over the 170 probes of a diagnosis).
    """
    global _ONE_THREAD
    if _ONE_THREAD:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        _ONE_THREAD += 1
        try:
            yield
        finally:
            _ONE_THREAD -= 1
