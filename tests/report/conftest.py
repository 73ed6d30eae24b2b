"""Fixtures for the report tests: the shared mirror store, one Greater Manchester report."""

from __future__ import annotations

import pytest

from healthgap.data.store import Store
from healthgap.report.context import build_context
from healthgap.report.model import ReportContext
from healthgap.report.render import render_html

AUTHORITY = "E47000001"  # Greater Manchester: HLE published for the CA and all 10 boroughs


@pytest.fixture(scope="module")
def gm(store: Store) -> ReportContext:
    return build_context(store, AUTHORITY, target_year=2035)


@pytest.fixture(scope="module")
def gm_html(gm: ReportContext) -> str:
    return render_html(gm)
