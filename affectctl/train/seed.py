"""One place that makes a training run reproducible: :func:`seed_everything`.

Same seed, same thread count, same data → byte-identical predictions on CPU. The
recipe follows Lightning's ``seed_everything`` (``lightning/fabric/utilities/seed.py``):
seed Python's ``random``, numpy's legacy global state and torch, and return the seed so
it can be recorded. affectctl's own draws never use the global states; they use
generators from :func:`rng_for`, derived with ``numpy.random.SeedSequence`` so that
streams for different purposes (shuffling, sampling) are independent.
"""

from __future__ import annotations

import random

import numpy as np

__all__ = ["seed_everything", "rng_for", "MAX_SEED"]

#: numpy accepts seeds in [0, 2**32 - 1] for its legacy global state.
MAX_SEED = 2**32 - 1

#: Named random streams of a training run (the second entropy word of ``SeedSequence``).
STREAMS = {"sampler": 1, "split": 2, "dropout": 3}


def seed_everything(seed: int, *, threads: int = 1) -> int:
    """Seed every random source of a training run and fix the thread count.

    Parameters
    ----------
    seed : int
        In ``[0, 2**32 - 1]``.
    threads : int, default 1
        ``torch.set_num_threads(threads)``. Floating-point reductions may depend on
        the thread count, so the count is part of what makes a run reproducible; the
        sweep runs one thread per worker process.

    Returns
    -------
    int
        The seed, to be stored with the run.

    Notes
    -----
    Calls ``random.seed``, ``numpy.random.seed`` (for third-party code that draws from
    numpy's global state), ``torch.manual_seed`` (which seeds initialisation; the training
    loop's dropout masks come from the run's ``dropout`` stream, :func:`rng_for`) and
    ``torch.use_deterministic_algorithms(True)``, so an operation without a deterministic
    implementation raises instead of silently varying.
    """
    if (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
            or not 0 <= seed <= MAX_SEED):
        raise ValueError(f"`seed` must be an integer in [0, {MAX_SEED}]; got {seed!r}.")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"`threads` must be a positive integer; got {threads!r}.")
    import torch

    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- third-party code may use the global state
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    return seed


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent numpy generator for one purpose (``stream``) of run ``seed``.

    ``np.random.default_rng(np.random.SeedSequence([seed, STREAMS[stream]]))``.
    """
    if stream not in STREAMS:
        raise ValueError(f"`stream` must be one of {sorted(STREAMS)}; got {stream!r}.")
    return np.random.default_rng(np.random.SeedSequence([int(seed), STREAMS[stream]]))
