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
