"""Fixtures for the policy tests: one store built from the real mirror per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthgap.data.store import Store, open_store
from tests.data.open_data._mirror import session_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(session_store(tmp_path_factory))
    yield opened
    opened.close()
