"""What this process may use of the machine."""

from __future__ import annotations

import os

__all__ = ["usable_cpus"]


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
