"""The version of the training loop's arithmetic, stored in every dump it writes.

Two runs of the same condition file, data and seed give the same dump bytes only
under the same training loop; when a change to the loop changes the numbers a run
produces, this version goes up, and a cached dump of another version is refused
(:func:`affectctl.train.runner.sweep`) instead of being mixed with new runs.

History
-------
1  (dumps without a ``trainer`` key) Adam's multi-tensor update (``foreach``), dropout
   masks from torch's generator.
2  Adam's fused update (``fused=True``), dropout masks from a numpy generator of
   the run's seed (:class:`affectctl.train.heads.MaskDropout`, stream ``dropout``):
   the same method, ~22% less CPU per run.
"""

from __future__ import annotations

__all__ = ["TRAINER_VERSION"]

TRAINER_VERSION = 2
