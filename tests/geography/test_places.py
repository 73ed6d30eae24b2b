"""Saved places: all-or-nothing saves, unknown codes listed, versions, permissions, audit,
and a saved place used as a footprint (Core20 and the report)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthgap.appdb.auth import add_user, use_hasher
from healthgap.appdb.db import init_db, sessions
from healthgap.appdb.models import AuditEntry, SavedPlace, User
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.core20 import core20_share
from healthgap.geography.hierarchy import lsoa_lookup
from healthgap.geography.places import (
    PlaceConflictError,
    PlacePermissionError,
    as_place,
    list_places,
    save_place,
    saved_footprint,
    update_place,
)
from healthgap.report.context import build_context


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    from argon2 import PasswordHasher

    old = use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    engine = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    with sessions(engine)() as s:
        add_user(s, "admin@example.org", "pw-long-enough-1", "admin")
        add_user(s, "ed@example.org", "pw-long-enough-1", "editor", "E08000025")
        add_user(s, "other@example.org", "pw-long-enough-1", "editor", "E08000001")
        add_user(s, "view@example.org", "pw-long-enough-1", "viewer")
        s.commit()
        yield s
    engine.dispose()
    use_hasher(old)


def _user(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _lsoas(store: Store, lad: str, n: int) -> list[str]:
    lk = lsoa_lookup(store)
    return sorted(lk.loc[lk["lad_code"] == lad, "lsoa_code"])[:n]


def test_save_and_use_a_place_as_a_footprint(db: Session, store: Store) -> None:
    areas = _lsoas(store, "E08000025", 40)  # 40 Birmingham neighbourhoods
    saved = save_place(db, _user(db, "ed@example.org"), "Ladywood pilot", areas, store)
    assert saved.id is not None and saved.version == 1 and saved.authority_code == "E08000025"
    fp = saved_footprint(db, "place:Ladywood pilot", store)
    assert fp.kind == "place" and set(fp.lsoa21) == set(areas)
    # its population is the sum of its LSOAs' (2011 LSOAs bridged to the 2021 place)
    shares = core20_share(store, to=[as_place(db, "Ladywood pilot")], imd=2019, weights="lsoas")
    assert int(shares["lsoas"].iloc[0]) == len(fp.lsoa11)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "place"))
    assert entry is not None and entry.action == "create" and entry.after["areas"] == areas


def test_unknown_lsoas_are_all_listed_and_nothing_is_saved(db: Session, store: Store) -> None:
    areas = [*_lsoas(store, "E08000025", 3), "E01999990", "E01999991"]
    with pytest.raises(InputError, match=r"got 2 unknown: E01999990, E01999991\. Check each"):
        save_place(db, _user(db, "admin@example.org"), "Bad", areas, store)
    assert list_places(db) == []


@pytest.mark.parametrize(
    ("name", "areas", "level", "message"),
    [
        ("", ["E08000025"], "lad", "a place's name must be 1 to 200 characters"),
        ("A\x00b", ["E08000025"], "lad", "without control characters"),
        ("Ok", [], "lad", "must list 1 to 20,000 codes; got 0"),
        ("Ok", ["E08000025"], "ward", "level must be 'lsoa'"),
    ],
)
def test_bad_places_are_refused(
    db: Session, store: Store, name: str, areas: list[str], level: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        save_place(db, _user(db, "admin@example.org"), name, areas, store, level=level)


def test_versions_permissions_and_names(db: Session, store: Store) -> None:
    ed, other = _user(db, "ed@example.org"), _user(db, "other@example.org")
    save_place(db, ed, "Two councils", "E08000025, E08000026", store, level="lad")
    with pytest.raises(InputError, match="a place's name must be unique"):
        save_place(db, ed, "Two councils", ["E08000025"], store, level="lad")
    with pytest.raises(PlacePermissionError, match=r"other@example\.org is an editor of E08000001"):
        update_place(db, other, "Two councils", ["E08000025"], store, version=1)
    with pytest.raises(PlacePermissionError, match=r"view@example\.org is a viewer"):
        save_place(db, _user(db, "view@example.org"), "V", ["E08000025"], store, level="lad")
    updated = update_place(db, ed, "Two councils", ["E08000025"], store, version=1)
    assert updated.version == 2 and updated.areas == ["E08000025"]
    with pytest.raises(PlaceConflictError, match="got 1, but it is at version 2"):
        update_place(db, ed, "Two councils", ["E08000026"], store, version=1)
    with pytest.raises(InputError, match=r"got 'Nope'\. Saved places: Two councils"):
        saved_footprint(db, "Nope", store)
    assert [p.name for p in db.scalars(select(SavedPlace))] == ["Two councils"]


def test_a_report_for_a_saved_place(db: Session, store: Store) -> None:
    save_place(
        db, _user(db, "admin@example.org"), "Coast", ["E06000009", "E07000119"], store,
        level="lad",
    )  # fmt: skip
    ctx = build_context(store, as_place(db, "Coast"))
    assert ctx.kind == "place" and ctx.authority_name == "Coast"
    core20 = ctx.section("core20").table("core20-shares").frame
    assert list(core20["lad_name"])[1:] == ["Blackpool", "Fylde"]
    assert "is not published for Coast" in " ".join(ctx.section("mission").summary)


def test_migration_moves_the_glas_framework_records_to_its_own_code(tmp_path: Path) -> None:
    import datetime as dt

    from alembic import command
    from sqlalchemy import create_engine, inspect, text

    from healthgap.appdb.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0004_framework")
    engine = create_engine(url)
    with engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO framework_records (kind, authority_code, record_id, version, data, "
                "deleted, actor, recorded_at) VALUES ('action', 'E12000007', 'a-1', 1, '{}', 0, "
                "'x', :at)"
            ),
            {"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        )
    command.upgrade(cfg, "0010_places")
    with engine.connect() as con:
        codes = [r[0] for r in con.execute(text("SELECT authority_code FROM framework_records"))]
    assert codes == ["E61000001"]
    assert "places" in inspect(engine).get_table_names()
    command.downgrade(cfg, "0004_framework")
    assert "places" not in inspect(engine).get_table_names()
    engine.dispose()


def test_places_cli_saves_lists_and_refuses_unknown_codes(
    db: Session, store_path: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    url = str(db.get_bind().url)
    env = {"HEALTHGAP_STORE": str(store_path), "HEALTHGAP_DB": url}
    runner = CliRunner()
    ok = runner.invoke(
        app,
        ["places", "save", "Fylde coast", "--areas", "E06000009 E07000119", "--level", "lad",
         "--user", "admin@example.org"],
        env=env,
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        app,
        ["places", "save", "Bad", "--areas", "E01000001,E01999999", "--user", "admin@example.org"],
        env=env,
    )
    assert bad.exit_code != 0 and "got 1 unknown: E01999999" in str(bad.exception)
    listed = runner.invoke(app, ["places", "list"], env=env)
    assert listed.exit_code == 0
    assert listed.output.split() == ["Fylde", "coast", "lad", "2", "version", "1"]
    out = tmp_path / "fylde.html"
    report = runner.invoke(
        app, ["report", "--authority", "place:Fylde coast", "--out", str(out)], env=env
    )
    assert report.exit_code == 0, report.output
    assert "Fylde coast: health inequalities" in out.read_text(encoding="utf-8")
