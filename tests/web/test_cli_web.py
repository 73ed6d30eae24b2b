"""``healthgap users add|list`` and ``healthgap serve --help``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEALTHGAP = [sys.executable, "-m", "healthgap"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HEALTHGAP, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_users_add_and_list(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'app.db'}"
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
        env={"HEALTHGAP_PASSWORD": "a long enough passphrase"},
    )
    assert r.returncode == 0, r.stderr
    assert "Added editor ana@example.org of E08000025" in r.stderr
    r = run("users", "list", "--db", db)
    assert r.stdout.split() == ["ana@example.org", "editor", "E08000025"]
    # Errors are plain messages with exit code 2.
    r = run(
        "users",
        "add",
        "bob@example.org",
        "--role",
        "editor",
        "--db",
        db,
        "--password",
        "a long enough passphrase",
    )
    assert r.returncode == 2 and "authority must be given for an editor" in r.stderr
    assert "Traceback" not in r.stderr


def test_serve_help() -> None:
    r = run("serve", "--help")
    assert r.returncode == 0
    for opt in ["--host", "--port", "--store", "--db"]:
        assert opt in r.stdout
