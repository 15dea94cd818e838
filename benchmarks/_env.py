"""The environment the benchmarks time a user's command in.

A user's affectctl runs from bytecode: ``pip install`` compiles the package's modules
when it installs them, and a checkout's first run writes ``__pycache__``. This machine
sets ``PYTHONDONTWRITEBYTECODE=1``, so without care every reading would compile
affectctl's 80-odd modules from source again: 0.1-0.2 s of each small command
(``python -X importtime``: affectctl's own import time 165 ms from source, 61 ms from
bytecode). :func:`user_env` drops the variable for the timed processes and
:func:`compile_checkout` compiles this checkout's modules once before the first reading
(``compileall``, which writes bytecode whatever the variable says).
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def user_env(extra_path: "str | None" = None) -> dict:
    """``os.environ`` with this checkout first on ``PYTHONPATH`` and bytecode writing on."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    parts = [str(ROOT), extra_path, os.environ.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in parts if p)
    return env


def compile_checkout() -> None:
    """Byte-compile ``affectctl/`` of this checkout (quietly; up-to-date files are skipped)."""
    compileall.compile_dir(str(ROOT / "affectctl"), quiet=1)


#: What :func:`cpu_probe` reads on the project's machine when its host is quiet.
QUIET_PROBE_S = (0.40, 0.46)


def cpu_probe() -> float:
    """Seconds one core takes, here and now, for a fixed pure-Python loop
    (``sum(range(30_000_000))``): how fast the host is while a benchmark reads.

    The load average cannot show it: the project's machine is a VM on a shared host, and
    has read a load of 0.00 while this probe read 0.5-0.9 s instead of its quiet
    0.40-0.46 s (:data:`QUIET_PROBE_S`), with every benchmark item 1.5-1.7 times its quiet
    time. A reading taken with a probe above the quiet range is a slow host's reading.
    """
    import time

    t0 = time.perf_counter()
    sum(range(30_000_000))
    return time.perf_counter() - t0
