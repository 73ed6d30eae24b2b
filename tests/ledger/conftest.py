"""Fixtures for the ledger tests: a fresh app database per test, the mirror store once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session

import healthgap.ledger.models  # noqa: F401  (registers the ledger tables)
from healthgap.appdb.db import init_db, sessions

#: A small area table so import tests need no store (codes are real LAD codes).
AREAS = pd.DataFrame(
    {"area_code": ["E06000001", "E06000002", "E06000003"], "level": ["lad", "lad", "lad"]}
)

ALLOCATIONS = """\
commissioner_code,commissioner_name,commissioner_type,period,programme,amount,source_ref
E54000050,Synthetic ICB (SYNTHETIC test data),icb,2024-25,mental health,1000.00,SYNTHETIC test
E54000050,Synthetic ICB (SYNTHETIC test data),icb,2024-25,prevention,500.00,SYNTHETIC test
"""

FLOW_HEADER = (
    "row_type,commissioner_code,provider_code,provider_type,programme,area_code,period,"
    "amount,refund,source_ref\n"
)


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    with sessions(init_db(db_url))() as s:
        yield s
