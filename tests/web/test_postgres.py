"""The app database on PostgreSQL: every migration up and down, a target write with its audit
entry, and the whole authorisation matrix of the write endpoints.

Runs when $HEALTHGAP_TEST_POSTGRES is the SQLAlchemy URL of a PostgreSQL database
(``make test`` starts a throwaway server with scripts/with-postgres.sh) and psycopg is
installed. Otherwise the tests skip on a developer's machine, and fail when
$HEALTHGAP_REQUIRE names postgres (as in CI), so a server that did not start cannot pass unseen.

Each test works in its own schema (``search_path`` set through the URL), dropped afterwards,
so the tests need only the right to create schemas in the database.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, inspect, text

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import alembic_config, init_db, sessions
from healthgap.appdb.models import AuditEntry, Base, Target
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.needs import need, unavailable
from tests.web import test_auth, test_permissions, test_sessions
from tests.web.conftest import PASSWORD, USERS, TestClient, csrf_headers, sign_in
from tests.web.test_permissions import role_clients  # noqa: F401 (a fixture)

URL = os.environ.get("HEALTHGAP_TEST_POSTGRES", "")

pytestmark = pytest.mark.needs("postgres")
_schemas = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The server's URL, checked to answer (skips, or fails when postgres is required)."""
    need("postgres")
    engine = create_engine(URL)
    try:
        with engine.connect() as con:
            version = con.execute(text("SHOW server_version")).scalar()
    except Exception as exc:
        unavailable("postgres", f"the server at {URL} does not answer: {exc!r}")
    finally:
        engine.dispose()
    assert version
    return URL


def _with_search_path(url: str, schema: str) -> str:
    option = quote(f"-csearch_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose connections work in a fresh, empty schema of their own."""
    schema = f"healthgap_test_{os.getpid()}_{next(_schemas)}"
    admin = create_engine(pg_server)
    with admin.begin() as con:
        con.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(pg_server, schema)
    finally:
        with admin.begin() as con:
            con.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _revisions(cfg: Any) -> list[Any]:
    """Every revision, parents before children."""
    from alembic.script import ScriptDirectory

    return list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_search_path_isolates_each_test(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.connect() as con:
        assert con.execute(text("SELECT current_schema()")).scalar().startswith("healthgap_test_")
    engine.dispose()
    assert _tables(pg_url) == set()


def test_every_revision_upgrades_and_downgrades(pg_url: str) -> None:
    """Each revision on its own (with its ancestors) goes up and back down to an empty
    schema; then all heads go up and the tables of the models are there."""
    from alembic import command

    cfg = alembic_config(pg_url)
    revisions = _revisions(cfg)
    assert revisions and revisions[0].down_revision is None
    for rev in revisions:
        command.upgrade(cfg, rev.revision)
        created = _tables(pg_url) - {"alembic_version"}
        assert created, f"revision {rev.revision} left no tables"
        engine = create_engine(pg_url)
        with engine.connect() as con:
            applied = {r[0] for r in con.execute(text("SELECT version_num FROM alembic_version"))}
        engine.dispose()
        assert rev.revision in applied
        command.downgrade(cfg, "base")
        assert _tables(pg_url) - {"alembic_version"} == set(), rev.revision
    command.upgrade(cfg, "heads")
    missing = set(Base.metadata.tables) - _tables(pg_url)
    assert not missing, f"models without a migrated table: {sorted(missing)}"
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "heads")  # and up again after a full downgrade


def test_target_write_and_its_audit_entry(pg_url: str, store_path: Path) -> None:
    engine = init_db(pg_url)
    with sessions(engine)() as s:
        add_user(s, "pg@example.org", PASSWORD, "editor", "E08000025")
    app = create_app(Settings(store=str(store_path), db_url=pg_url))
    body = {
        "authority_code": "E08000025",
        "indicator_id": "hle_birth",
        "sex": "Female",
        "baseline_period": "2022-2024",
        "baseline_value": 58.0,  # the store's value (checked)
        "target_year": 2030,
        "target_value": 60.25,
        "note": "Ünïcode note — kept exactly",
    }
    with TestClient(app) as c:
        assert sign_in(c, "pg@example.org").status_code == 303
        r = c.post("/api/v1/targets", json=body, headers=csrf_headers(c))
        assert r.status_code == 201, r.text
        tid = r.json()["id"]
        assert c.get(f"/api/v1/targets/{tid}").json()["note"] == body["note"]
    with sessions(engine)() as s:
        (entry,) = s.query(AuditEntry).all()
        (target,) = s.query(Target).all()
    assert entry.action == "create" and entry.user_email == "pg@example.org"
    assert entry.entity_id == str(tid) and entry.before is None
    assert entry.after == target.to_dict()
    assert entry.after["target_value"] == 60.25 and entry.at.tzinfo is not None
    engine.dispose()
    app.state.engine.dispose()


@pytest.fixture
def app(pg_url: str, cheap_hashing: None, store_path: Path) -> Iterator[Any]:
    """The conftest's ``app`` on PostgreSQL: a fresh schema holding the four USERS, so the
    shared ``clients`` fixture and the authorisation matrix below run against it."""
    engine = init_db(pg_url)
    with sessions(engine)() as s:
        for email, role, authority in USERS.values():
            add_user(s, email, PASSWORD, role, authority)
    engine.dispose()
    # targets are checked against the store, so the app needs the test store
    made = create_app(Settings(store=str(store_path), db_url=pg_url))
    yield made
    made.state.engine.dispose()


# The authorisation matrix of tests/web/test_auth.py (every write endpoint x every role x
# own/other authority, with the audit entry of each allowed write), run on PostgreSQL.
test_authorisation_matrix_on_postgres = test_auth.test_authorisation_matrix


# Sessions and the sign-in throttle on PostgreSQL (row locks instead of SQLite's
# BEGIN IMMEDIATE): 40 parallel guesses against a live server evaluate at most the limit.
test_parallel_guesses_on_postgres = (
    test_sessions.test_forty_parallel_guesses_evaluate_at_most_the_limit
)
test_sign_out_revokes_on_postgres = test_sessions.test_sign_out_revokes_every_copy_of_the_cookie
test_client_throttle_on_postgres = test_sessions.test_throttle_per_client_address
# Every write route declares its permission, enforced on PostgreSQL too.
test_route_matrix_on_postgres = test_permissions.test_authorisation_matrix_from_the_route_table


def test_example_workspace_loads_and_goes_on_postgres(pg_url: str, store: Any) -> None:
    """Load and remove the example workspace (issue 19); the PL/pgSQL trigger lets example
    screenings go and still refuses to delete or change a real one."""
    from healthgap.appdb.db import init_db
    from healthgap.appdb.permissions import Actor
    from healthgap.examples import example_counts, expected_counts, load_examples, remove_examples
    from healthgap.policy.screening import ScreeningRepository

    engine = init_db(pg_url)
    admin = Actor("admin@example.org", "admin")
    real = ScreeningRepository(engine).create("A real one", authority="E47000001", by="ed")
    assert load_examples(engine, store, admin) == expected_counts(store)
    assert load_examples(engine, store, admin) == expected_counts(store)  # idempotent
    assert remove_examples(engine, admin) == expected_counts(store)
    assert example_counts(engine).total == 0
    assert [i for i, _ in ScreeningRepository(engine).ids()] == [real]
    for sql in (
        "DELETE FROM policy_screening_event",
        "UPDATE policy_screening SET example = true",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as con:
            con.execute(text(sql))
    engine.dispose()
