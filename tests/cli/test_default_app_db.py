"""One default app database for every face: the web service's settings, ``healthgap users``,
``healthgap ledger``, ``healthgap policy`` and ``healthgap framework`` all resolve it with
:func:`healthgap.appdb.db.default_db_url`, so an account added on the command line started
from one folder is the account the web service sees when started from another."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from healthgap.appdb.db import APP_DB_FILE, default_db_url, init_db, sessions
from healthgap.appdb.models import User
from healthgap.cli.main import app
from healthgap.web.settings import Settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data" / "nested"
    monkeypatch.delenv("HEALTHGAP_DB", raising=False)
    monkeypatch.delenv("HEALTHGAP_FRAMEWORK_DB", raising=False)
    monkeypatch.setenv("HEALTHGAP_DATA_DIR", str(folder))
    return folder


def test_default_is_the_data_directory_file_and_every_face_uses_it(data_dir: Path) -> None:
    url = default_db_url()
    assert url == f"sqlite:///{data_dir / APP_DB_FILE}"
    assert data_dir.is_dir()  # created, so SQLite can make the file
    assert Settings().db_url == url
    assert Settings.from_env().db_url == url
    from healthgap.cli.framework import _ws
    from healthgap.policy.screening import ScreeningRepository

    ws = _ws(None)
    assert str(ws.engine.url) == url
    ws.close()
    repo = ScreeningRepository(None)
    assert str(repo.engine.url) == url


def test_environment_wins(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHGAP_DB", "sqlite:///" + str(data_dir.parent / "other.db"))
    assert default_db_url().endswith("other.db")
    assert Settings.from_env().db_url.endswith("other.db")


def test_account_added_by_cli_in_one_folder_is_seen_by_web_from_another(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    monkeypatch.setenv("HEALTHGAP_PASSWORD", "pw-123456789")  # never on the command line
    got = CliRunner().invoke(app, ["users", "add", "ada@example.org", "--role", "admin"])
    assert got.exit_code == 0, got.output
    monkeypatch.chdir(second)
    engine = init_db(Settings.from_env().db_url)
    with sessions(engine)() as s:
        assert [u.email for u in s.scalars(select(User))] == ["ada@example.org"]
    engine.dispose()
    assert not any(p.name == APP_DB_FILE for p in (*first.iterdir(), *second.iterdir()))
    assert os.path.exists(data_dir / APP_DB_FILE)


def test_places_and_framework_as_use_the_same_default(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `healthgap framework --as EMAIL` used to look for ./healthgap-app.db in the working
    # folder, and `healthgap places` read the web settings; both now take default_db_url.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEALTHGAP_PASSWORD", "pw-123456789")
    got = CliRunner().invoke(app, ["users", "add", "ed@example.org", "--role", "admin"])
    assert got.exit_code == 0, got.output
    from healthgap.cli import framework
    from healthgap.cli.places import place_session

    monkeypatch.setitem(framework._ACTING_FOR, "db", None)
    actor = framework._account_actor("ed@example.org")
    assert actor.role == "admin"
    with place_session(None) as session:
        assert str(session.get_bind().url) == default_db_url()
    assert not (tmp_path / APP_DB_FILE).exists()


def test_configured_db_url_is_only_the_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthgap.appdb.db import configured_db_url

    assert configured_db_url() is None
    monkeypatch.setenv("HEALTHGAP_DB", "  ")
    assert configured_db_url() is None
    monkeypatch.setenv("HEALTHGAP_DB", "sqlite:///x.db")
    assert configured_db_url() == "sqlite:///x.db"
