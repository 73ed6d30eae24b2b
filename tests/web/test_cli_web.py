"""``healthgap users`` (add, list, disable, enable, set-password, remove) and
``healthgap serve --help``."""

from __future__ import annotations

from pathlib import Path

from tests.cli_run import Completed, run_healthgap


def run(*args: str, env: dict[str, str] | None = None) -> Completed:
    return run_healthgap(*args, env=env)


PASS = {"HEALTHGAP_PASSWORD": "a long enough passphrase"}


def test_users_add_and_list(tmp_path: Path, store_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'app.db'}"
    store = ["--store", str(store_path)]
    r = run(
        "users",
        "add",
        "Ana@Example.org",
        "--role",
        "editor",
        "--authority",
        "E08000025",
        "--db",
        db,
        *store,
        env=PASS,
    )
    assert r.returncode == 0, r.stderr
    assert "Added editor ana@example.org of E08000025" in r.stderr
    r = run("users", "list", "--db", db)
    assert r.stdout.split() == ["ana@example.org", "editor", "E08000025", "active"]
    # Errors are plain messages with exit code 2, and add nothing.
    for args, message in (
        (["bob@example.org", "--role", "editor"], "authority must be given for an editor"),
        (["bob@example.org", "--role", "approver"], "authority must be given for an approver"),
        (["bob@example", "--role", "viewer"], "email must be an address like ana@example.org"),
        (["bob @example.org"], "email must be an address like"),
        (
            ["bob@example.org", "--role", "editor", "--authority", "E99999999"],
            "authority must be a code in the register of authorities; got 'E99999999'",
        ),
    ):
        r = run("users", "add", *args, "--db", db, *store, env=PASS)
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    # The password is never taken from the command line.
    r = run("users", "add", "bob@example.org", "--db", db, "--password", "a long passphrase")
    assert r.returncode == 2 and "No such option" in r.stderr
    assert run("users", "list", "--db", db).stdout.count("@") == 1


def test_users_lifecycle(tmp_path: Path, store_path: Path) -> None:
    """disable, enable, set-password and remove act on the account (and its sessions)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from healthgap.appdb.db import engine_for
    from healthgap.appdb.models import User

    db = f"sqlite:///{tmp_path / 'app.db'}"
    assert run("users", "add", "cy@example.org", "--db", db, env=PASS).returncode == 0

    def account() -> User | None:
        engine = engine_for(db)
        with Session(engine) as s:
            user = s.scalar(select(User).where(User.email == "cy@example.org"))
        engine.dispose()
        return user

    first = account()
    assert first is not None and not first.disabled and first.session_version == 0
    r = run("users", "disable", "cy@example.org", "--db", db)
    assert r.returncode == 0 and "Disabled cy@example.org" in r.stderr
    assert account().disabled and account().session_version == 1
    assert "disabled" in run("users", "list", "--db", db).stdout
    assert run("users", "enable", "cy@example.org", "--db", db).returncode == 0
    assert not account().disabled
    r = run(
        "users", "set-password", "cy@example.org", "--db", db,
        env={"HEALTHGAP_PASSWORD": "another long passphrase"},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    changed = account()
    assert changed.password_hash != first.password_hash and changed.session_version == 2
    r = run("users", "set-password", "nobody@example.org", "--db", db, env=PASS)
    assert r.returncode == 2 and "email must be an account of the app database" in r.stderr
    assert run("users", "remove", "cy@example.org", "--yes", "--db", db).returncode == 0
    assert account() is None


def test_serve_help() -> None:
    r = run("serve", "--help")
    assert r.returncode == 0
    for opt in ["--host", "--port", "--store", "--db"]:
        assert opt in r.stdout
