"""``healthgap targets add|edit|retire|list``: the same service as the web (checked against
the store, versions, permissions, audit), with plain errors and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from healthgap.appdb.db import init_db
from healthgap.appdb.models import AuditEntry, Target
from healthgap.appdb.permissions import NotPermittedError
from healthgap.appdb.versions import StaleVersionError
from healthgap.cli.main import app

GM = "E47000001"
ADD = ["targets", "add", "--authority", GM, "--indicator", "hle_birth", "--sex", "Female"]
ADD += ["--baseline-period", "2016-2018", "--target-value", "64", "--target-year", "2030"]


@pytest.fixture
def env(store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("HEALTHGAP_DB", url)
    monkeypatch.setenv("HEALTHGAP_STORE", str(store_path))
    return url


def test_add_edit_retire_list(env: str) -> None:
    r = CliRunner().invoke(app, [*ADD, "--note", "Close the gap"])
    assert r.exit_code == 0, r.output
    assert "Target 1 recorded: hle_birth, Female in E47000001, 64 by 2030" in r.output
    listed = CliRunner().invoke(app, ["targets", "list", "--authority", GM])
    assert listed.exit_code == 0 and "\n1,1,Greater Manchester," in listed.output  # piped: CSV
    assert "Target 1: off track: " in listed.output or "Target 1: on track: " in listed.output
    r = CliRunner().invoke(app, ["targets", "edit", "1", "--version", "1", "--target-value", "65"])
    assert r.exit_code == 0 and "65 by 2030" in r.output and "version 2" in r.output
    r = CliRunner().invoke(app, ["targets", "edit", "1", "--version", "1", "--target-value", "66"])
    assert isinstance(r.exception, StaleVersionError)
    r = CliRunner().invoke(app, ["targets", "retire", "1", "--version", "2"])
    assert r.exit_code == 0 and "Target 1 retired" in r.output
    engine = init_db(env)
    with Session(engine) as s:
        t = s.get(Target, 1)
        assert t is not None and (t.target_value, t.version, t.note) == (65.0, 3, "Close the gap")
        assert [e.action for e in s.query(AuditEntry).order_by(AuditEntry.id)] == [
            "create",
            "update",
            "retire",
        ]
    engine.dispose()


def test_an_editor_of_another_authority_is_refused(env: str) -> None:
    r = CliRunner().invoke(app, [*ADD, "--role", "editor", "--editor-for", "E47000002"])
    assert isinstance(r.exception, NotPermittedError)
    assert "E47000001" in str(r.exception)


def test_errors_name_the_field_without_a_traceback(env: str) -> None:
    bad = [*ADD[:5], "hle_brith", *ADD[6:]]
    r = subprocess.run(
        [sys.executable, "-m", "healthgap", *bad], capture_output=True, text=True, check=False
    )
    assert r.returncode == 2
    message = " ".join(r.stderr.split())
    assert "Error: indicator must be an indicator of the store; got 'hle_brith'." in message
    assert "Did you mean 'hle_birth'" in message and "Traceback" not in r.stderr
