"""Fixtures for the report tests: the shared mirror store, one Greater Manchester report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthgap.data.store import Store, open_store
from healthgap.report.context import ReportContext, build_context
from healthgap.report.render import render_html
from tests.data.open_data._mirror import mirror_or_skip, session_store

AUTHORITY = "E47000001"  # Greater Manchester: HLE published for the CA and all 10 boroughs


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


@pytest.fixture(scope="module")
def gm(store: Store) -> ReportContext:
    return build_context(store, AUTHORITY, target_year=2035)


@pytest.fixture(scope="module")
def gm_html(gm: ReportContext) -> str:
    return render_html(gm)
