"""Screenings in the app database: the 0003_policy migration (up and down, SQLite and
PostgreSQL DDL), append-only enforced by the database, audit entries, authorities, and
the one-off import of a separate screening file."""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from healthgap.appdb import audit
from healthgap.appdb.db import alembic_config
from healthgap.appdb.models import AuditEntry, Authority
from healthgap.cli.main import app
from healthgap.errors import InputError
from healthgap.policy.screening import ScreeningRepository, authority_code, import_store
from tests.needs import need
from tests.policy.test_screening import ANSWERS, Clock
from tests.web.test_postgres import pg_server, pg_url  # noqa: F401 (fixtures)

TABLES = {"policy_screening", "policy_screening_event"}


def test_migration_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0003_policy")
    eng = create_engine(url)
    names = set(inspect(eng).get_table_names())
    assert names >= TABLES and "authorities" in names
    cols = {c["name"] for c in inspect(eng).get_columns("policy_screening")}
    assert cols == {"id", "authority_code", "title", "created_at", "created_by"}
    fks = inspect(eng).get_foreign_keys("policy_screening")
    assert fks[0]["referred_table"] == "authorities"
    with eng.connect() as conn:
        triggers = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
        }
    assert triggers == {f"{t}_no_{op}" for t in TABLES for op in ("update", "delete")}
    eng.dispose()
    command.downgrade(cfg, "0003_policy@-1")
    eng = create_engine(url)
    names = set(inspect(eng).get_table_names())
    assert not TABLES & names and "authorities" in names  # 0001 stays
    with eng.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type='trigger'"))
        assert left.scalar_one() == 0
    eng.dispose()
    command.upgrade(cfg, "0003_policy")  # and up again
    assert set(inspect(create_engine(url)).get_table_names()) >= TABLES


def test_postgres_migration_sql_has_append_only_triggers() -> None:
    """The PostgreSQL branch of the migration, rendered offline (alembic --sql)."""
    cfg = alembic_config("postgresql+psycopg://u@localhost/db")
    out = io.StringIO()
    cfg.output_buffer = out
    command.upgrade(cfg, "0003_policy", sql=True)
    sql = out.getvalue()
    assert "CREATE OR REPLACE FUNCTION policy_screening_append_only() RETURNS trigger" in sql
    assert "LANGUAGE plpgsql" in sql and "RAISE EXCEPTION" in sql
    for t in TABLES:
        assert f"CREATE TRIGGER {t}_no_change BEFORE UPDATE OR DELETE ON {t}" in sql
        assert f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}" in sql
    assert "RAISE(ABORT" not in sql  # the SQLite form is not used on PostgreSQL
    out = io.StringIO()
    cfg.output_buffer = out
    command.downgrade(cfg, "0003_policy:0001", sql=True)
    assert "DROP FUNCTION IF EXISTS policy_screening_append_only()" in out.getvalue()


@pytest.fixture
def repo(tmp_path: Path) -> ScreeningRepository:
    r = ScreeningRepository(f"sqlite:///{tmp_path / 'app.db'}", now=Clock())
    yield r  # type: ignore[misc]
    r.close()


def test_append_only_is_enforced_by_the_database(repo: ScreeningRepository, tmp_path: Path) -> None:
    sid = repo.create("Bus fares", authority="E47000001", by="ann@example.org")
    repo.answer(sid, "summary", "Cap fares.", by="ann@example.org")
    for statement in (
        "UPDATE policy_screening_event SET actor = 'X'",
        "DELETE FROM policy_screening_event",
        "UPDATE policy_screening SET authority_code = 'E06000001'",
        "DELETE FROM policy_screening",
    ):
        with pytest.raises(Exception, match="append-only"), repo.engine.begin() as conn:
            conn.execute(text(statement))
    con = sqlite3.connect(tmp_path / "app.db")  # any other client of the file
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE policy_screening_event SET payload = '{}'")
    con.close()
    assert len(repo.get(sid).history) == 2


def test_every_write_has_an_audit_entry(repo: ScreeningRepository) -> None:
    sid = repo.create("Employment support", authority="e08000025", by="ann@example.org")
    for qid, value in ANSWERS.items():
        repo.answer(sid, qid, value, by="ann@example.org")
    repo.answer(sid, "summary", "Revised summary.", by="bob@example.org")
    fp = repo.sign_off(sid, by="dee@example.org", role="DPH", statement="Agreed.")
    with Session(repo.engine) as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert s.get(Authority, "E08000025") is not None  # created with the screening
    assert [r.action for r in rows] == ["create"] + ["answer"] * (len(ANSWERS) + 1) + ["sign_off"]
    assert {r.entity for r in rows} == {"policy_screening"}
    assert {r.entity_id for r in rows} == {str(sid)}
    assert {r.authority_code for r in rows} == {"E08000025"}
    assert rows[0].after == {"title": "Employment support"} and rows[0].before is None
    revised = rows[-2]
    assert revised.user_email == "bob@example.org"
    assert revised.before == {"summary": ANSWERS["summary"]}
    assert revised.after == {"summary": "Revised summary.", "seq": len(ANSWERS) + 2}
    assert rows[-1].after == {
        "role": "DPH",
        "statement": "Agreed.",
        "fingerprint": fp,
        "seq": len(ANSWERS) + 3,
    }
    assert rows[-1].before == {"status": "ready for sign-off"}


def test_failed_write_leaves_no_audit_entry(repo: ScreeningRepository) -> None:
    sid = repo.create("T", authority="E47000001", by="a")
    with pytest.raises(InputError, match="every required question must be answered"):
        repo.sign_off(sid, by="b", role="DPH")
    with Session(repo.engine) as s:
        assert [e["action"] for e in audit.entries(s)] == ["create"]


def test_records_by_authority_and_published_view(repo: ScreeningRepository) -> None:
    a = repo.create("A", authority="E47000001", by="x")
    b = repo.create("B", authority="E08000025", by="x")
    assert [r.id for r in repo.records(["E08000025"])] == [b]
    assert repo.ids("E47000001") == [(a, "A")]
    for qid, value in ANSWERS.items():
        repo.answer(b, qid, value, by="x")
    assert repo.get(b).published() is None
    fp = repo.sign_off(b, by="y", role="DPH")
    repo.answer(b, "summary", "Draft change not yet approved.", by="x")
    rec = repo.get(b)
    assert rec.status == "changed since sign-off"
    pub = rec.published()
    assert pub is not None and pub.status == "signed off" and pub.fingerprint == fp
    assert pub.answers["summary"] == ANSWERS["summary"]
    assert len(pub.history) == len(rec.history) - 1
    assert pub.authority_code == "E08000025"


@pytest.mark.parametrize("bad", ["", "E4700-0001", "x", 12, "E470000010000000000"])
def test_authority_codes_are_checked(bad: object) -> None:
    with pytest.raises(InputError, match="authority must be an authority code of 2 to 16"):
        authority_code(bad)


def test_title_length_is_checked(repo: ScreeningRepository) -> None:
    with pytest.raises(InputError, match="title must be at most 300 characters; got 301"):
        repo.create("x" * 301, authority="E47000001", by="a")


def test_review_date_must_be_a_date(repo: ScreeningRepository) -> None:
    sid = repo.create("T", authority="E47000001", by="a")
    for bad in ("next year", "2027-02-30", "27-06-30"):
        with pytest.raises(InputError, match="must be a date written YYYY-MM-DD"):
            repo.answer(sid, "review_date", bad, by="a")
    repo.answer(sid, "review_date", "2028-02-29", by="a")


def _old_store(path: Path) -> None:
    """A screening file in the layout of earlier versions (no authority column)."""
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE policy_screening (id INTEGER PRIMARY KEY, title VARCHAR(300) NOT NULL,
            created_at DATETIME NOT NULL, created_by VARCHAR(200) NOT NULL);
        CREATE TABLE policy_screening_event (id INTEGER PRIMARY KEY, screening_id INTEGER
            NOT NULL, seq INTEGER NOT NULL, at DATETIME NOT NULL, actor VARCHAR(200) NOT NULL,
            kind VARCHAR(20) NOT NULL, question_id VARCHAR(60), payload TEXT NOT NULL);
        INSERT INTO policy_screening VALUES (7, 'Old record', '2025-01-02 10:00:00.000000', 'Ann');
        INSERT INTO policy_screening_event VALUES
            (1, 7, 1, '2025-01-02 10:00:00.000000', 'Ann', 'created', NULL,
             '{"title": "Old record"}'),
            (2, 7, 2, '2025-01-03 11:30:00.000000', 'Bob', 'answered', 'summary',
             '{"value": "Old answer."}');
        """
    )
    con.commit()
    con.close()


def test_import_of_a_separate_file_once(repo: ScreeningRepository, tmp_path: Path) -> None:
    old = tmp_path / "screening.db"
    _old_store(old)
    pairs = import_store(old, repo, authority="E47000001", by="admin@example.org")
    assert len(pairs) == 1 and pairs[0][0] == 7
    rec = repo.get(pairs[0][1])
    assert rec.authority_code == "E47000001" and rec.title == "Old record"
    assert rec.answers == {"summary": "Old answer."}
    assert rec.answered_by["summary"] == ("Bob", datetime(2025, 1, 3, 11, 30, tzinfo=UTC))
    assert [e.seq for e in rec.history] == [1, 2]
    with pytest.raises(InputError, match="FILE must not have been imported before"):
        import_store(old, repo, authority="E47000001", by="admin@example.org")
    assert len(repo.records()) == 1  # all or nothing: nothing added by the refusal
    with Session(repo.engine) as s:
        actions = [(e["action"], e["entity"]) for e in audit.entries(s)]
    assert actions == [("import", "policy_screening_store"), ("import", "policy_screening")]
    with pytest.raises(InputError, match="FILE must be an existing screening database"):
        import_store(tmp_path / "nope.db", repo, authority="E47000001", by="a")
    (tmp_path / "junk.db").write_text("not a database")
    with pytest.raises(InputError, match="FILE must be a screening database"):
        import_store(tmp_path / "junk.db", repo, authority="E47000001", by="a")


def test_cli_defaults_to_the_app_database_and_migrates_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    monkeypatch.setenv("HEALTHGAP_DB", url)
    runner = CliRunner()
    res = runner.invoke(
        app, ["policy", "screen", "new", "Bus fares", "--authority", "E47000001", "--by", "Ann"]
    )
    assert res.exit_code == 0, res.output
    old = tmp_path / "screening.db"
    _old_store(old)
    res = runner.invoke(
        app, ["policy", "migrate-store", str(old), "--authority", "E47000001", "--by", "Ann"]
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == "7 -> 2"
    repo = ScreeningRepository(url)
    assert [r.title for r in repo.records()] == ["Bus fares", "Old record"]
    repo.close()
    res = runner.invoke(app, ["policy", "screen", "list", "--authority", "E47000001"])
    assert "2\tE47000001\tin progress\tOld record" in res.output
    res = runner.invoke(
        app, ["policy", "migrate-store", str(old), "--authority", "E47000001", "--by", "Ann"]
    )
    assert res.exit_code != 0 and "must not have been imported before" in str(res.exception)
    with redirect_stdout(io.StringIO()):
        data = json.loads(
            runner.invoke(app, ["policy", "screen", "export", "2", "-f", "json"]).stdout
        )
    assert data["authority_code"] == "E47000001"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    need("postgres")
    return str(request.getfixturevalue("pg_url"))


def test_parallel_answers_are_all_kept(any_db: str) -> None:
    """Twenty answers at once (two people): every one stored, in one sequence, none
    failing (on PostgreSQL a lost race for a sequence number is retried)."""
    from concurrent.futures import ThreadPoolExecutor

    repo = ScreeningRepository(any_db)
    try:
        sid = repo.create("Parallel", authority="E47000001", by="a")
        texts = [f"Answer {i}" for i in range(20)]
        with ThreadPoolExecutor(10) as pool:
            list(
                pool.map(lambda i: repo.answer(sid, "summary", texts[i], by="ab"[i % 2]), range(20))
            )
        history = repo.get(sid).history
        answered = [e for e in history if e.kind == "answered"]
        assert sorted(e.payload["value"] for e in answered) == sorted(texts)
        assert [e.seq for e in history] == list(range(1, 22))
    finally:
        repo.close()
