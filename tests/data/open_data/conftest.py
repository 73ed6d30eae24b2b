"""Fixtures for the data layer tests: the mirror and a store built from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthgap.data.store import Store, open_store
from tests.data.open_data._mirror import mirror_or_skip, session_store


@pytest.fixture(scope="session")
def mirror() -> Path:
    return mirror_or_skip()


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return session_store(tmp_path_factory)


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    opened = open_store(store_path)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _no_location_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests choose every location explicitly: the caller's environment must not leak in."""
    for name in ("HEALTHGAP_MIRROR", "HEALTHGAP_DATA_DIR", "HEALTHGAP_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
