"""Fixtures for the accountability loop: a migrated app database (SQLite, and PostgreSQL
under scripts/with-postgres.sh), actors, and screenings signed off on a chosen day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from healthgap.appdb.db import init_db
from healthgap.appdb.permissions import Actor
from healthgap.policy.questions import QUESTIONS
from healthgap.policy.screening import ScreeningRepository
from tests.needs import need
from tests.web.test_postgres import pg_server, pg_url  # noqa: F401 (fixtures)

GM, SY = "E47000001", "E47000002"
EDITOR = Actor("ana@example.org", "editor", GM)
OTHER = Actor("sam@example.org", "editor", SY)
ADMIN = Actor("root@example.org", "admin")
VIEWER = Actor("vic@example.org", "viewer")
APPROVER = Actor("dph@example.org", "approver", GM)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An app database URL: SQLite, and PostgreSQL when a server is available."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    need("postgres")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite app database."""
    eng = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def any_engine(any_url: str) -> Iterator[Engine]:
    """A migrated app database on SQLite and on PostgreSQL."""
    eng = init_db(any_url)
    yield eng
    eng.dispose()


def answers(deprivation: str) -> dict[str, Any]:
    """A full set of answers with the given answer to "who gains most"."""
    out: dict[str, Any] = {}
    for q in QUESTIONS:
        if q.id == "deprivation":
            out[q.id] = deprivation
        elif q.kind == "choice":
            out[q.id] = q.choices[0]
        elif q.kind == "multi":
            out[q.id] = [q.choices[0]]
        elif q.kind == "date":
            out[q.id] = "2027-06-30"
        else:
            out[q.id] = "Written for the test."
    return out


@pytest.fixture
def screening(engine: Engine) -> Callable[..., int]:
    """``screening(authority, signed_on, deprivation)``: a screening signed off on
    ``signed_on`` (``None``: answered, not signed off); returns its id."""
    return make_screening(engine)


def make_screening(engine: Engine) -> Callable[..., int]:
    def make(
        authority: str = GM,
        signed_on: dt.date | None = dt.date(2026, 4, 20),
        deprivation: str = "more deprived areas gain more",
    ) -> int:
        day = signed_on or dt.date(2026, 4, 1)
        at = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        repo = ScreeningRepository(engine, now=lambda: at)
        sid = repo.create("Screening for the test", authority=authority, by="writer@example.org")
        repo.answer_all(sid, answers(deprivation), by="writer@example.org")
        if signed_on is not None:
            repo.sign_off(
                sid,
                by="dph@example.org",
                role="Director of Public Health",
                actor=Actor("dph@example.org", "approver", authority),
            )
        return sid

    return make


def decision(**over: Any) -> dict[str, Any]:
    """The fields of a decision, with ``over`` replacing some."""
    return {
        "title": "Fares cap on buses",
        "decision_maker": "The Mayor",
        "directorate": "Transport",
        "decided_on": "2026-05-01",
        "forward_plan_ref": "FP-2026-014",
        "key_decision": True,
        "budget": "2,500,000",
        "documents": "Cabinet report | https://example.org/cabinet/fares.pdf",
        **over,
    }
