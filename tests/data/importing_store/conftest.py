"""Fixtures for the import tests: one small store built from the real mirror per session.

Each test gets its own copy of the file, so tests can write to it independently.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.data.open_data._mirror import mirror_or_skip

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).parents[1] / "fingertips_sample.csv"


@pytest.fixture(scope="session")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the regional LE and the 93722 open data, built once."""
    from healthgap.data.store import init_store

    path = tmp_path_factory.mktemp("importing-store") / "base.duckdb"
    init_store(
        path, mirror=mirror_or_skip(), ids=["ons_le_regions", "ohid_cvd_u75_preventable"]
    ).close()
    return path


@pytest.fixture
def store(base_store: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the base store."""
    target = tmp_path / "store.duckdb"
    shutil.copyfile(base_store, target)
    return target
