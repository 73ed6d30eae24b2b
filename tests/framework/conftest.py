"""Fixtures for the framework tests: one store from the real mirror, fresh workspaces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthgap.data.store import Store, open_store
from healthgap.framework.storage import Actor, Workspace
from tests.data.open_data._mirror import mirror_or_skip, session_store


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return session_store(tmp_path_factory)


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    opened = open_store(store_path)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def mirror() -> Path:
    return mirror_or_skip()


@pytest.fixture
def ws() -> Iterator[Workspace]:
    with Workspace(":memory:") as w:
        yield w


ADMIN = Actor("Ada Admin", "admin")
GM_EDITOR = Actor("Gita GM", "editor", "E47000001")
SY_EDITOR = Actor("Sam SY", "editor", "E47000002")
VIEWER = Actor("Vic Viewer", "viewer")
