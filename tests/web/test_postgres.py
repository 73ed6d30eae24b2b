"""The app database on PostgreSQL: migrations, users, a target write and its audit entry.

Runs when $HEALTHGAP_TEST_POSTGRES is a SQLAlchemy URL of an empty database (CI starts a
server) and a driver (psycopg) is installed; skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
from sqlalchemy import text

URL = os.environ.get("HEALTHGAP_TEST_POSTGRES", "")

pytestmark = pytest.mark.skipif(
    not URL or importlib.util.find_spec("psycopg") is None,
    reason="set HEALTHGAP_TEST_POSTGRES and install psycopg to test PostgreSQL",
)


def test_postgres_round_trip(store_path) -> None:
    from healthgap.appdb.auth import add_user
    from healthgap.appdb.db import init_db, sessions
    from healthgap.appdb.models import AuditEntry
    from healthgap.web.app import create_app
    from healthgap.web.settings import Settings
    from tests.web.conftest import PASSWORD, TestClient, csrf_headers, sign_in

    engine = init_db(URL)
    with engine.begin() as con:
        for t in ("audit_log", "targets", "login_attempts", "users", "authorities"):
            con.execute(text(f"DELETE FROM {t}"))
    with sessions(engine)() as s:
        add_user(s, "pg@example.org", PASSWORD, "editor", "E08000025")
    app = create_app(Settings(store=str(store_path), db_url=URL))
    with TestClient(app) as c:
        assert sign_in(c, "pg@example.org").status_code == 303
        body = {
            "authority_code": "E08000025",
            "indicator_id": "hle_birth",
            "baseline_period": "2022-2024",
            "baseline_value": 58.0,
            "target_year": 2030,
            "target_value": 60.0,
        }
        r = c.post("/api/v1/targets", json=body, headers=csrf_headers(c))
        assert r.status_code == 201, r.text
    with sessions(engine)() as s:
        (entry,) = s.query(AuditEntry).all()
        assert entry.after["target_value"] == 60.0
