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
    with framework._ws(None) as ws:
        actor = framework._account_actor("ed@example.org", ws)
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


# ---------------------------------------------------------------- one rule for --db


def test_a_plain_path_is_the_sqlite_file_there_and_a_url_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthgap.appdb.db import db_url
    from healthgap.cli.options import app_db_url
    from healthgap.errors import InputError

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert db_url("app.db") == f"sqlite:///{tmp_path / 'app.db'}"  # absolute, not cwd-relative
    assert db_url("~/x/../app.db") == f"sqlite:///{tmp_path / 'app.db'}"
    assert db_url(tmp_path / "a b.db") == f"sqlite:///{tmp_path / 'a b.db'}"
    for url in ("sqlite:///rel.db", "sqlite://", "postgresql+psycopg://u@h/db"):
        assert db_url(url) == url
    with pytest.raises(InputError, match=r"must be an SQLAlchemy URL or a file in an existing"):
        db_url(tmp_path / "missing" / "app.db")
    # every command reads --db through the same rule
    assert app_db_url("app.db") == db_url("app.db")


def test_healthgap_db_may_be_a_plain_path_for_every_face(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHGAP_DB", str(tmp_path / "env.db"))
    url = f"sqlite:///{tmp_path / 'env.db'}"
    assert default_db_url() == url
    assert Settings.from_env().db_url == url


def test_framework_uses_healthgap_db_and_its_workspace_is_the_app_databases(
    data_dir: Path, tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHGAP_STORE", str(store_path))
    from healthgap.framework.storage import Workspace
    from tests.cli_run import run_healthgap

    path = tmp_path / "env.db"
    args = ["framework", "enquiry", "answer", "E47000001", "design.health.1"]
    args += ["--category", "lever", "--text", "Social value", "--user", "cli-user"]
    got = run_healthgap(*args, env={"HEALTHGAP_DB": str(path)})
    assert got.returncode == 0, got.stderr
    with Workspace.app(f"sqlite:///{path}") as ws:
        assert ws.audit  # the app database (with its audit log), not a standalone file
        assert [v.data["text"] for v in ws.current("enquiry", "E47000001")] == ["Social value"]
    # the group's --db names it for the command after it, as a plain path too
    other = tmp_path / "other.db"
    got = run_healthgap("framework", "--db", str(other), *args[1:])
    assert got.returncode == 0, got.stderr
    with Workspace.app(f"sqlite:///{other}") as ws:
        assert len(ws.current("enquiry", "E47000001")) == 1
    assert not (data_dir / APP_DB_FILE).exists()  # neither touched the default


def test_the_old_framework_variable_is_refused_not_silently_ignored(
    data_dir: Path, tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHGAP_STORE", str(store_path))
    from tests.cli_run import run_healthgap

    old = str(tmp_path / "fw.sqlite")
    got = run_healthgap(
        "framework",
        "actions",
        "list",
        "E47000001",
        # wide, so that the long temporary path is not broken across lines
        env={"HEALTHGAP_FRAMEWORK_DB": old, "COLUMNS": "1000"},
    )
    assert got.returncode == 2
    said = " ".join(got.stderr.split())
    assert "$HEALTHGAP_FRAMEWORK_DB must not be set: healthgap no longer reads it" in said
    assert f"Pass --db {old}" in said and "Traceback" not in said
    assert not (data_dir / APP_DB_FILE).exists() and not os.path.exists(old)
    # with --db named, the old variable has nothing to decide
    ok = run_healthgap(
        "framework",
        "actions",
        "list",
        "E47000001",
        "--db",
        str(tmp_path / "app.db"),
        env={"HEALTHGAP_FRAMEWORK_DB": old},
    )
    assert ok.returncode == 0, ok.stderr


def test_a_standalone_framework_file_still_opens_as_it_is(
    data_dir: Path, tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHGAP_STORE", str(store_path))
    from healthgap.framework.actions import ActionPlan
    from healthgap.framework.storage import Actor, Workspace
    from tests.cli_run import run_healthgap

    path = tmp_path / "framework.sqlite"
    with Workspace(path) as ws:  # the standalone file the CLI used to make
        ActionPlan(ws, "E47000001").add(Actor("Ada", "admin"), title="Link workers")
    got = run_healthgap("framework", "actions", "list", "E47000001", "--db", str(path))
    assert got.returncode == 0, got.stderr
    assert "Link workers" in got.stdout
    with Workspace.at(f"sqlite:///{path}") as ws:
        assert not ws.audit  # opened as it is: not migrated into an app database
