"""Fixtures for the data layer tests: the mirror and a store built from it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_location_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests choose every location explicitly: the caller's environment must not leak in."""
    for name in ("HEALTHGAP_MIRROR", "HEALTHGAP_DATA_DIR", "HEALTHGAP_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
