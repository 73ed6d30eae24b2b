"""Shared fixtures and helpers for the healthgap test suite."""

from __future__ import annotations

import numpy as np
import pytest

#: Relative tolerance for closed-form results (DESIGN.md section 4).
RTOL = 1e-10


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every random test is repeatable."""
    return np.random.default_rng(20261123)
