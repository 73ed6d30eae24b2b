"""Fixtures for the record-level tests: one store, one synthetic file, one Spark session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthgap.data.store import Store, open_store
from tests.data.open_data._mirror import session_store
from tests.needs import need


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: runs on a local PySpark session (needs java; ~20 s to start)"
    )


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(session_store(tmp_path_factory))
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def lookup(store: Store) -> Any:
    from healthgap.geography.lsoa_areas import area_lookup

    return area_lookup(store)


@pytest.fixture(scope="session")
def synthetic_file(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5,000 synthetic records (seed 7), written in chunks of 1,500 rows."""
    from healthgap.data.synth import write_synthetic_records

    path = tmp_path_factory.mktemp("records") / "deaths-synthetic.parquet"
    return write_synthetic_records(path, 5000, store=store, seed=7, chunk_size=1500)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A quiet local[2] SparkSession shared by every Spark test of the session."""
    need("java")
    from healthgap.data.engines import quiet, spark_session

    session = spark_session("local[2]", app_name="healthgap-tests")
    yield session
    with quiet():
        session.stop()
