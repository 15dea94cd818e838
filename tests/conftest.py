"""Shared fixtures."""

import pytest
from _synth import synthetic_frame


@pytest.fixture
def frame_factory():
    return synthetic_frame
