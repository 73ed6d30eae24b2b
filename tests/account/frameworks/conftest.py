"""Fixtures for the frameworks, scorecards, Core20PLUS5 and profiles tests.

``fw_store``: one store built from the real offline mirror per test session (skipped when
the mirror is absent), opened read-only once for the whole session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthgap.data.store import Store, open_store
from tests.data.open_data._mirror import session_store


@pytest.fixture(scope="session")
def fw_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(session_store(tmp_path_factory))
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def fw_store_path(fw_store: Store) -> str:
    return fw_store.path
