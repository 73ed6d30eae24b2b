"""Shared fixtures and helpers for the healthgap test suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tests.data.open_data._mirror import mirror_or_skip, session_store
from tests.needs import DEPENDENCIES, need, required

if TYPE_CHECKING:
    from healthgap.data.store import Store

#: Relative tolerance for closed-form results (DESIGN.md section 4).
RTOL = 1e-10


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"needs(*names): the test needs these optional dependencies ({', '.join(DEPENDENCIES)}); "
        "it skips where one is missing, or fails when HEALTHGAP_REQUIRE names it "
        "(tests/needs.py)",
    )
    required()  # a misspelt HEALTHGAP_REQUIRE stops the run at once


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Check the ``needs`` marks before the test and its fixtures run."""
    for mark in item.iter_markers("needs"):
        for name in mark.args:
            need(name)


@pytest.fixture(scope="session", autouse=True)
def every_page_checked() -> Iterator[None]:
    """Every HTML page a TestClient receives keeps the page rules (tests/web/page_checks.py)."""
    from tests.web.page_checks import checking_every_page

    with checking_every_page():
        yield


@pytest.fixture(scope="session", autouse=True)
def cli_commands_built_once() -> Iterator[None]:
    """The in-process CLI tests build Typer's Click commands once (tests/cli_run.py)."""
    from tests.cli_run import commands_built_once

    with commands_built_once():
        yield


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every random test is repeatable."""
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The offline open-data mirror (the test is skipped where it is absent)."""
    return mirror_or_skip()


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full store built from the mirror, once per test session."""
    return session_store(tmp_path_factory)


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    """The session's store, opened once per test module."""
    from healthgap.data.store import open_store

    opened = open_store(store_path)
    yield opened
    opened.close()
