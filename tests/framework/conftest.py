"""Fixtures for the framework tests: one store from the real mirror, fresh workspaces."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthgap.framework.storage import Actor, Workspace


@pytest.fixture
def ws() -> Iterator[Workspace]:
    with Workspace(":memory:") as w:
        yield w


ADMIN = Actor("Ada Admin", "admin")
GM_EDITOR = Actor("Gita GM", "editor", "E47000001")
SY_EDITOR = Actor("Sam SY", "editor", "E47000002")
VIEWER = Actor("Vic Viewer", "viewer")
