"""``--store``, ``--db``, ``--out``, ``--mirror`` and ``--data-dir`` are declared once
(:mod:`healthgap.cli.options`) and mean one thing in every command.

The walk goes over every command Typer builds from :data:`healthgap.cli.main.app`, so a
command that declares its own ``--db`` with another meaning fails here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from sqlalchemy import select
from typer.testing import CliRunner

from healthgap.appdb.db import sessions
from healthgap.appdb.models import User
from healthgap.cli._io import app_engine
from healthgap.cli.main import app
from healthgap.cli.options import DB_HELP

#: Commands whose ``--db`` says more than :data:`DB_HELP` about what it is read for, with
#: the same meaning (the app database).
DB_HELP_OWN = {"import", "report"}


def _commands() -> Iterator[tuple[str, Any]]:
    """Every command and group (Typer's own copy of click: duck-typed)."""

    def walk(prefix: str, cmd: Any) -> Iterator[tuple[str, Any]]:
        yield prefix, cmd
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(f"{prefix} {name}".strip(), sub)

    yield from walk("", typer.main.get_command(app))


def _option(cmd: Any, flag: str) -> Any:
    for p in cmd.params:
        if flag in p.opts:
            return p
    return None


def test_store_means_the_store_file_everywhere() -> None:
    helps = {
        name: opt.help for name, cmd in _commands() if (opt := _option(cmd, "--store")) is not None
    }
    assert len(helps) > 30  # the walk found the commands
    assert set(helps.values()) == {
        "The store file. Default: $HEALTHGAP_STORE, else healthgap.duckdb in the data directory."
    }, helps


def test_db_means_the_app_database_and_app_db_is_its_old_spelling() -> None:
    seen = 0
    for name, cmd in _commands():
        opt = _option(cmd, "--db")
        if opt is None:
            continue
        seen += 1
        assert "--app-db" in opt.opts, name
        if name.split()[0] in DB_HELP_OWN:
            assert "The app database" in (opt.help or ""), name
        else:
            assert opt.help == DB_HELP, name
    assert seen > 20


def test_out_is_spelt_out_or_o_everywhere() -> None:
    for name, cmd in _commands():
        opt = _option(cmd, "--out")
        if opt is not None:
            assert set(opt.opts) == {"--out", "-o"}, name


@pytest.mark.parametrize("flag", ["--mirror", "--data-dir"])
def test_mirror_and_data_dir_have_one_help(flag: str) -> None:
    helps = {opt.help for _, cmd in _commands() if (opt := _option(cmd, flag)) is not None}
    assert len(helps) == 1, helps


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HEALTHGAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HEALTHGAP_DB", raising=False)
    monkeypatch.setenv("HEALTHGAP_PASSWORD", "pw-123456789")
    return f"sqlite:///{tmp_path / 'named.db'}"


def test_the_old_spelling_app_db_writes_the_same_database_as_db(db: str) -> None:
    runner = CliRunner()
    got = runner.invoke(app, ["users", "add", "ada@example.org", "--role", "admin", "--db", db])
    assert got.exit_code == 0, got.output
    got = runner.invoke(app, ["users", "add", "bo@example.org", "--role", "viewer", "--app-db", db])
    assert got.exit_code == 0, got.output
    with app_engine(db) as engine, sessions(engine)() as s:
        emails = sorted(s.scalars(select(User.email)))
    assert emails == ["ada@example.org", "bo@example.org"]
    # and without either, the default app database in the data directory, not this one
    got = runner.invoke(app, ["users", "add", "cy@example.org", "--role", "viewer"])
    assert got.exit_code == 0, got.output
    with app_engine(db) as engine, sessions(engine)() as s:
        assert "cy@example.org" not in set(s.scalars(select(User.email)))
    with app_engine(None) as engine, sessions(engine)() as s:
        assert set(s.scalars(select(User.email))) == {"cy@example.org"}
