"""The thin training core (the ``train`` extra): condition files in, prediction dumps out.

``import affectctl.train`` is light: torch and POT load only when a run starts
(:mod:`affectctl.train.loop`, usually inside a worker process).

Modules, one job each:

- :mod:`~affectctl.train.conditions`  condition files (``models/<name>.toml``), validated
- :mod:`~affectctl.train.costs`       class cost matrices (numpy)
- :mod:`~affectctl.train.features`    reading a ``--features`` file
- :mod:`~affectctl.train.seed`        ``seed_everything``
- :mod:`~affectctl.train.heads`       network, multi-task heads, ARBEx reliability balancing
- :mod:`~affectctl.train.losses`      OT, CCC, BCE, ARBEx losses
- :mod:`~affectctl.train.loop`        one (condition, seed) run → one dump
- :mod:`~affectctl.train.runner`      sweeps: resumable, parallel
"""

from __future__ import annotations

from affectctl.train.conditions import Condition, list_conditions, load_condition
from affectctl.train.runner import sweep
from affectctl.train.seed import seed_everything

__all__ = ["Condition", "list_conditions", "load_condition", "sweep", "seed_everything",
           "train_run", "run_one", "load_features"]


def __getattr__(name: str):
    # torch-importing helpers load on first use, not with the package
    if name in ("train_run", "run_one"):
        import affectctl.train.loop as loop

        return getattr(loop, name)
    if name == "load_features":
        from affectctl.train.features import load_features

        return load_features
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
