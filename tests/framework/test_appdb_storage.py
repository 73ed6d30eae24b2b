"""The workspace in the app database: the Alembic revision, audit-log entries, permissions,
the LIKE search fallback (used on PostgreSQL) and the register's 2024-25 authorities."""

from __future__ import annotations

import csv
import importlib.util
import os
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session

from healthgap.appdb.db import init_db
from healthgap.appdb.models import AuditEntry
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.library import Library
from healthgap.framework.powers import register, seed_register
from healthgap.framework.storage import NotPermittedError, Workspace
from tests.framework.conftest import ADMIN, GM_EDITOR, SY_EDITOR, VIEWER
from tests.needs import unavailable


@pytest.fixture
def app_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def app_ws(app_url: str) -> Iterator[Workspace]:
    ws = Workspace.app(app_url)
    yield ws
    ws.close()


def test_migration_creates_the_framework_tables(app_url: str) -> None:
    engine = init_db(app_url)
    tables = set(inspect(engine).get_table_names())
    assert {"framework_records", "framework_case_fts", "audit_log", "users"} <= tables
    cols = {c["name"] for c in inspect(engine).get_columns("framework_records")}
    assert cols == {
        "id",
        "kind",
        "authority_code",
        "record_id",
        "version",
        "data",
        "deleted",
        "actor",
        "recorded_at",
    }
    with engine.connect() as con:
        heads = {r[0] for r in con.execute(text("SELECT version_num FROM alembic_version"))}
    from alembic.script import ScriptDirectory

    from healthgap.appdb.db import alembic_config

    assert heads == set(ScriptDirectory.from_config(alembic_config()).get_heads())  # 0004 on
    assert len(heads) == 1  # one linear chain of migrations
    assert "places" in tables
    engine.dispose()


def test_migration_downgrade_removes_the_tables(app_url: str) -> None:
    from alembic import command

    from healthgap.appdb.db import alembic_config

    init_db(app_url).dispose()
    command.downgrade(alembic_config(app_url), "0004_framework@0001")
    engine = create_engine(app_url)
    tables = set(inspect(engine).get_table_names())
    assert "framework_records" not in tables and "framework_case_fts" not in tables
    assert "audit_log" in tables
    engine.dispose()


def test_app_workspace_writes_audit_entries(app_ws: Workspace) -> None:
    assert app_ws.audit and app_ws.fts
    app_ws.put(GM_EDITOR, "action", "E47000001", "a1", {"title": "First"})
    app_ws.put(GM_EDITOR, "action", "E47000001", "a1", {"title": "Second"})
    app_ws.delete(ADMIN, "action", "E47000001", "a1")
    with Session(app_ws.engine) as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(r.action, r.entity, r.entity_id, r.authority_code) for r in rows] == [
        ("create", "framework_action", "a1", "E47000001"),
        ("update", "framework_action", "a1", "E47000001"),
        ("delete", "framework_action", "a1", "E47000001"),
    ]
    assert [r.user_email for r in rows] == ["Gita GM", "Gita GM", "Ada Admin"]
    assert rows[0].before is None and rows[0].after == {"title": "First"}
    assert rows[1].before == {"title": "First"} and rows[1].after == {"title": "Second"}
    assert rows[2].before == {"title": "Second"} and rows[2].after is None


def test_refused_changes_leave_no_record_and_no_audit_entry(app_ws: Workspace) -> None:
    with pytest.raises(NotPermittedError, match="an editor must change only their own"):
        app_ws.put(SY_EDITOR, "action", "E47000001", "a1", {"title": "x"})
    with pytest.raises(NotPermittedError, match="must be an editor or administrator"):
        app_ws.put(VIEWER, "note", "E47000001", "n1", {"text": "x"})
    with pytest.raises(NotPermittedError, match="the power register must be changed by an admin"):
        app_ws.put(GM_EDITOR, "power", "", "p1", {"text": "x"})
    with Session(app_ws.engine) as s:
        assert s.scalar(select(AuditEntry.id)) is None
    assert app_ws.current("action") == []


def test_standalone_workspace_has_no_audit_log(tmp_path: Path) -> None:
    with Workspace(tmp_path / "fw.sqlite") as ws:
        assert not ws.audit
        ws.put(ADMIN, "note", "E47000001", "n1", {"text": "x"})
        assert "audit_log" not in inspect(ws.engine).get_table_names()


def test_workspace_errors(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"the app database must be an SQLAlchemy URL; got 'x\.db'"
    ):
        Workspace.app("x.db")
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(InputError, match="must hold the framework_records table"):
        Workspace(engine=empty, create=False)
    empty.dispose()


def test_fts_cannot_be_forced_on_another_dialect() -> None:
    if importlib.util.find_spec("psycopg") is None:  # the driver only: it never connects
        unavailable("postgres", "the psycopg package is not installed")
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connects
    with pytest.raises(InputError, match="fts must be False on postgresql; got True"):
        Workspace(engine=engine, create=False, fts=True)
    with Workspace(":memory:", fts=False) as ws:
        assert ws.fts is False


def _case(cid: str, title: str, summary: str, tags: list[str]) -> dict[str, object]:
    return {
        "id": cid,
        "title": f"Synthetic: {title}",
        "summary": summary,
        "levers": tags,
        "source_title": "Synthetic test source",
        "source_url": "https://example.org/synthetic",
        "published": "2025-01-01",
    }


SYNTHETIC = [
    _case("c1", "active travel", "cycle routes to large employers", ["capital funding"]),
    _case("c2", "warm homes", "retrofit grants for damp homes", ["grants"]),
    _case("c3", "work and health", "employment support for people with long term conditions", []),
    _case("c4", "travel and homes", "homes built near cycle routes", ["planning"]),
]


def test_like_fallback_finds_what_fts_finds_for_whole_words() -> None:
    with Workspace(":memory:") as fts, Workspace(":memory:", fts=False) as like:
        for ws in (fts, like):
            for c in SYNTHETIC:
                Library(ws).add(ADMIN, c)
        for query in ("cycle", "homes", "cycle homes", "grants", "employment support", "zzz"):
            got_fts = {r for r, _ in fts.search_cases(query)}
            got_like = {r for r, _ in like.search_cases(query)}
            assert got_like == got_fts, query
        # score: minus the occurrences (by hand: "homes" is in c2's and c4's title and
        # summary, twice each; ties in id order); more occurrences rank first
        assert like.search_cases("homes") == [("c2", -2.0), ("c4", -2.0)]
        assert like.search_cases("cycle routes") == [("c1", -2.0), ("c4", -2.0)]
        Library(like).add(ADMIN, _case("c5", "routes", "routes and cycle routes", []))
        assert like.search_cases("cycle routes")[0] == ("c5", -4.0)
        assert [r for r, _ in like.search_cases("title")] == []  # not matched in JSON keys
        with pytest.raises(InputError, match="the search must contain at least one word"):
            like.search_cases("  ")


def test_like_fallback_escapes_wildcards() -> None:
    with Workspace(":memory:", fts=False) as ws:
        Library(ws).add(ADMIN, _case("c1", "a 50% cut", "half", []))
        Library(ws).add(ADMIN, _case("c2", "a 50 cut", "other", []))
        assert [r for r, _ in ws.search_cases("50%")] == ["c1"]
        assert [r for r, _ in ws.search_cases("_")] == []


WORDS = ["cycle", "homes", "grants", "routes", "support", "damp"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_like_fallback_property(words: list[str]) -> None:
    """Exactly the cases whose title, summary, outcome or tags hold every word."""
    with Workspace(":memory:", fts=False) as ws:
        for c in SYNTHETIC:
            Library(ws).add(ADMIN, c)
        got = {r for r, _ in ws.search_cases(" ".join(words))}
    expected = {
        str(c["id"])
        for c in SYNTHETIC
        if all(
            w in " ".join([str(c["title"]), str(c["summary"]), *map(str, c["levers"])]).lower()  # type: ignore[call-overload]
            for w in words
        )
    }
    assert got == expected


# ------------------------------------------------------------------ register completeness
def _ons_authorities(mirror: Path) -> dict[str, str]:
    path = mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return {
            r["area_code"]: r["area_name"]
            for r in csv.DictReader(f)
            if r["geography"] == "Combined Authority or City Region"
        }


def test_register_names_every_authority_of_the_ons_hle_file(store: Store, mirror: Path) -> None:
    ons = _ons_authorities(mirror)
    assert len(ons) == 15  # as SOURCES.md says
    reg = register(store)
    for code, name in ons.items():
        assert reg.authorities[code].name == name, code
    new = {c for c in ons if c >= "E47000012"}
    assert new == {f"E470000{n}" for n in range(12, 19)}
    source = seed_register()["sources"]["ons_hle_2026"]
    assert source["date"] == "2026-02-19"
    assert "explore-local-statistics-data" in source["url"]
    for code in new:  # the 2024-25 authorities: members from the dated ONS lookups
        a = reg.authorities[code]
        assert a.status == "current" and a.members_verified and len(a.members) >= 2
        assert a.tier in ("foundation", "mayoral", "established_mayoral")
        assert len(a.icbs) >= 1
        # no power may be shown as verified through an unattributed tier
        for p in a.powers:
            if p.id == "mayor-ics-role":
                assert p.verified == a.tier_verified


def test_ambiguous_names_need_a_code(store: Store) -> None:
    reg = register(store)
    # "North East" names the current authority and the abolished E47000010: current wins
    assert reg.get("North East").code == "E47000014"
    with pytest.raises(InputError, match=r"authority must be a strategic authority code or name"):
        reg.get("North Nowhere")
    assert reg.get("north of tyne").code == "E47000011"
    assert reg.get("north of tyne").status == "abolished"
    assert reg.get("north of tyne").replaced_by == "E47000014"
    assert reg.label(reg.get("E47000014")) == "North East (E47000014)"
    assert reg.label(reg.get("E47000010")) == "North East (E47000010), abolished"
    assert reg.label(reg.get("E47000001")) == "Greater Manchester"
    matrix = reg.compare()
    assert matrix.index.is_unique and len(matrix) == 16  # 15 of May 2025 + the GLA


# ------------------------------------------------------------------ PostgreSQL
PG = os.environ.get("HEALTHGAP_TEST_POSTGRES", "")


@pytest.mark.needs("postgres")
def test_postgres_workspace_uses_like_search_and_audit() -> None:  # pragma: no cover - CI
    schema = "fw_" + "".join(c for c in os.urandom(6).hex() if c in string.hexdigits)
    admin_engine = create_engine(PG)
    with admin_engine.begin() as con:
        con.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG else "?"
    url = f"{PG}{sep}options=-csearch_path%3D{schema}"
    try:
        ws = Workspace.app(url)
        assert ws.fts is False and ws.audit is True
        for c in SYNTHETIC:
            Library(ws).add(ADMIN, c)
        assert {r for r, _ in ws.search_cases("cycle homes")} == {"c4"}
        with Session(ws.engine) as s:
            assert len(list(s.scalars(select(AuditEntry)))) == len(SYNTHETIC)
        ws.close()
    finally:
        with admin_engine.begin() as con:
            con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin_engine.dispose()


def test_cli_writes_to_the_app_database_with_audit(store_path: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    url = f"sqlite:///{tmp_path / 'app.db'}"
    env = {"HEALTHGAP_STORE": str(store_path), "HEALTHGAP_DB": url}
    args = ["framework", "enquiry", "answer", "E47000001", "design.health.1"]
    args += ["--category", "lever", "--text", "Social value", "--user", "cli-user"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    with Workspace.app(url) as ws:
        assert [v.data["text"] for v in ws.current("enquiry", "E47000001")] == ["Social value"]
        with Session(ws.engine) as s:
            entry = s.scalars(select(AuditEntry)).one()
    assert (entry.user_email, entry.action, entry.entity) == (
        "cli-user",
        "create",
        "framework_enquiry",
    )


def test_cli_acts_for_an_account_with_its_rules(store_path: Path, tmp_path: Path) -> None:
    """``healthgap framework --as EMAIL``: the account's role and authority, not --role."""
    from argon2 import PasswordHasher
    from typer.testing import CliRunner

    from healthgap.appdb.auth import add_user, set_disabled, use_hasher
    from healthgap.appdb.db import init_db, sessions
    from healthgap.cli.main import app

    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = init_db(url)
    old = use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with sessions(engine)() as s:
        add_user(s, "gm@example.org", "a long passphrase", "editor", "E47000001")
        add_user(s, "v@example.org", "a long passphrase", "viewer")
    use_hasher(old)
    env = {"HEALTHGAP_STORE": str(store_path), "HEALTHGAP_DB": url}

    def answer(email: str, code: str) -> str:
        """The error the command ended with ('' when it succeeded)."""
        args = ["framework", "--as", email, "enquiry", "answer", code, "design.health.1"]
        args += ["--category", "lever", "--text", "Social value", "--role", "admin"]
        result = CliRunner().invoke(app, args, env=env)
        return "" if result.exit_code == 0 else str(result.exception or result.output)

    assert answer("gm@example.org", "E47000001") == ""
    refused = answer("gm@example.org", "E47000002")  # --role admin does not count
    assert "an editor must change only their own authority's enquiry records" in refused
    assert "must be an editor or administrator" in answer("v@example.org", "E47000001")
    set_disabled(engine, "gm@example.org", True)
    assert "is disabled" in answer("gm@example.org", "E47000001")
    assert "--as must name an account" in answer("nobody@example.org", "E47000001")
    engine.dispose()
