"""Fixtures for the mission and targets tests: one store built from the real mirror."""

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
