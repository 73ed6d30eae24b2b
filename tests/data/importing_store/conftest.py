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


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The synthetic uploads of the kill -9 tests (killing.py), by number of rows."""
    from tests.data.importing_store.killing import ROWS, SMALL, generate

    folder = tmp_path_factory.mktemp("kill")
    return {n: generate(folder / f"rows{n}.csv", n) for n in (SMALL, ROWS)}


@pytest.fixture(scope="module")
def clean(
    base_store: Path, files: dict[int, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, tuple[int, int] | None]:
    """The local rows' checksum after an uninterrupted upload of each file (the "new"
    state), run in this process: the process is not the point here."""
    from tests.cli_run import run_healthgap
    from tests.data.importing_store.killing import app_db, outcome

    sums = {}
    for n, csv in files.items():
        folder = tmp_path_factory.mktemp("clean")
        store = folder / "store.duckdb"
        shutil.copyfile(base_store, store)
        url = app_db(folder / "app.db")
        done = run_healthgap("import", str(csv), "--store", str(store), env={"HEALTHGAP_DB": url})
        assert done.returncode == 0, done.stderr
        state, sums[n] = outcome(store, url, n)
        assert state == "new"
    return sums
