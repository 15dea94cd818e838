"""The files shipped inside the package: conditions, analysis plans, JSON schemas.

They live in ``affectctl/data/`` and are read with :mod:`importlib.resources`, so they
are found in a wheel, a zip or a source checkout alike. A user's own folder overrides a
shipped file of the same name (:func:`affectctl.train.conditions.condition_dirs`,
:func:`affectctl.plans.find_plan`).
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources.abc exists from Python 3.11
    from importlib.resources.abc import Traversable

__all__ = ["shipped", "shipped_names", "SHIPPED_LABEL"]

#: How error messages name a shipped folder.
SHIPPED_LABEL = "affectctl's shipped {kind} ({path})"


def shipped(kind: str) -> "Traversable":
    """The shipped folder ``affectctl/data/<kind>`` (``conditions``, ``plans``, ``schemas``)."""
    return resources.files("affectctl").joinpath("data", kind)


def shipped_names(kind: str, suffix: str = ".toml") -> list[str]:
    """Stems of the shipped files of ``kind`` ending in ``suffix``, sorted."""
    folder = shipped(kind)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(suffix)] for p in folder.iterdir()
                  if p.is_file() and p.name.endswith(suffix))
