"""Shared fixtures."""

import os

# Under pytest-xdist (two workers on two cores), one BLAS/OpenMP thread per worker: more
# threads than cores only spin. Set before numpy loads its BLAS.
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402
from _synth import synthetic_frame  # noqa: E402


@pytest.fixture
def frame_factory():
    return synthetic_frame


@pytest.fixture(autouse=True)
def _terminal_size_of_a_pipe(monkeypatch):
    """Every test sees the terminal size of a plain pipe, with or without pytest-xdist.

    xdist's workers inherit ``COLUMNS=80``/``LINES=24`` from their launcher, which made
    console output 80 columns wide under ``-n 2`` and 200 wide without; a test that
    needs a width sets ``COLUMNS`` itself.
    """
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
