"""The `healthgap framework` commands and the exports, end to end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.actions import ActionPlan
from healthgap.framework.export import export
from healthgap.framework.powers import register
from healthgap.framework.storage import Workspace
from tests.framework.conftest import ADMIN

runner = CliRunner()


@pytest.fixture
def env(store_path: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "HEALTHGAP_STORE": str(store_path),
        "HEALTHGAP_DB": str(tmp_path / "fw.sqlite"),
    }


def _run(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(app, ["framework", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_self_assessment_flow(env: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(env, "powers", "list"))))
    assert len(rows) == 16 and rows[0]["code"] == "E47000001"  # May 2025 lookup + GLA
    matrix = list(csv.DictReader(io.StringIO(_run(env, "powers", "compare", "E47000001"))))
    assert [r["authority"] for r in matrix] == ["Greater Manchester"]
    assert "integrated-settlement" in matrix[0]["budgets"]
    assert "[deliver.health.2]" in _run(env, "enquiry", "start", "Greater Manchester")
    note = _run(
        env,
        "enquiry",
        "answer",
        "E47000001",
        "design.health.1",
        "--category",
        "lever",
        "--text",
        "Use contracts",
    )
    assert note.strip() == "E47000001-note-1"
    assert "Use contracts" in _run(env, "enquiry", "levers", "E47000001")
    assert _run(env, "enquiry", "plan", "E47000001", "--adopt").strip() == "E47000001-action-1"
    _run(
        env,
        "actions",
        "update",
        "E47000001",
        "E47000001-action-1",
        "--indicator",
        "hle_birth",
        "--target",
        "hle_birth=62",
        "--status",
        "planned",
        "--if-version",
        "1",
    )
    progress = list(csv.DictReader(io.StringIO(_run(env, "actions", "progress", "E47000001"))))
    assert {r["sex"] for r in progress} == {"Female", "Male"}
    listed = list(csv.DictReader(io.StringIO(_run(env, "actions", "list", "E47000001"))))
    assert listed[0]["version"] == "2" and listed[0]["indicators"] == "hle_birth"
    assert "Use contracts" in _run(env, "actions", "history", "E47000001-action-1")
    out = json.loads(_run(env, "export", "--authority", "E47000001", "--format", "json"))
    assert out["actions"][0]["targets"] == {"hle_birth": "62"}
    assert out["enquiry"][0]["text"] == "Use contracts"


def test_library_commands(env: dict[str, str], tmp_path: Path) -> None:
    import yaml

    from tests.framework.test_library import CASES

    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(CASES))
    _run(env, "library", "import", str(path))
    found = list(csv.DictReader(io.StringIO(_run(env, "library", "search", "damp mould"))))
    assert [r["id"] for r in found] == ["t-housing"]
    suggested = list(csv.DictReader(io.StringIO(_run(env, "library", "suggest", "E47000001"))))
    assert {r["id"] for r in suggested} == {"t-travel", "t-housing"}
    shown = _run(env, "powers", "show", "E47000004")
    assert shown.startswith("# Liverpool City Region (E47000004)")


def test_partners_commands(env: dict[str, str]) -> None:
    rid = _run(
        env, "partners", "add", "E47000009", "--name", "VCSE Forum", "--type", "voluntary sector"
    )
    rows = list(csv.DictReader(io.StringIO(_run(env, "partners", "list", "West of England"))))
    assert rows[0] == {
        "id": rid.strip(),
        "name": "VCSE Forum",
        "type": "voluntary sector",
        "role": "",
        "source": "recorded",
    }
    assert sum(r["type"] == "council" for r in rows) == 3


def test_editor_of_another_authority_is_refused(env: dict[str, str]) -> None:
    _run(env, "actions", "add", "E47000001", "--title", "GM action")
    result = runner.invoke(
        app,
        [
            "framework",
            "actions",
            "update",
            "E47000001",
            "E47000001-action-1",
            "--status",
            "done",
            "--role",
            "editor",
            "--editor-for",
            "E47000002",
            "--user",
            "sam",
            "--if-version",
            "1",
        ],
        env=env,
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, PermissionError)


def test_unknown_indicator_is_an_input_error(env: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        ["framework", "actions", "add", "E47000001", "--title", "t", "--indicator", "nope"],
        env=env,
    )
    assert isinstance(result.exception, InputError)
    assert "indicators must be indicator_id values in the store; got 'nope'" in str(
        result.exception
    )


def test_target_syntax(env: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        [
            "framework",
            "actions",
            "add",
            "E47000001",
            "--title",
            "t",
            "--indicator",
            "hle_birth",
            "--target",
            "62",
        ],
        env=env,
    )
    assert isinstance(result.exception, InputError)
    assert "--target must be INDICATOR=VALUE; got '62'" in str(result.exception)


def test_pdf_needs_out(env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["framework", "export", "--authority", "E47000001", "--format", "pdf"], env=env
    )
    assert "--out must be given for --format pdf" in str(result.exception)


def test_exports(store: Store, ws: Workspace, tmp_path: Path) -> None:
    reg = register(store)
    ActionPlan(ws, "E12000007").add(
        ADMIN, store, title="<Clean air> & health", indicators=["le_birth", "hle_birth"]
    )
    md = str(export(reg, ws, "E12000007", "md", store=store))
    assert md.startswith("# Greater London Authority (E61000001)")  # E12000007: its alias
    assert "## Member councils (33)" in md and "unverified" in md
    html = str(export(reg, ws, "Greater London Authority", "html", store=store))
    assert "&lt;Clean air&gt; &amp; health" in html and html.count("<h1>") == 1
    rows = list(csv.DictReader(io.StringIO(str(export(reg, ws, "E12000007", "csv")))))
    assert [r["indicator_id"] for r in rows] == ["le_birth", "hle_birth"]
    data = json.loads(str(export(reg, ws, "E12000007", "json", store=store)))
    assert len(data["authority"]["members"]) == 33
    assert {p["indicator_id"] for p in data["progress"]} == {"le_birth", "hle_birth"}
    pdf = export(reg, ws, "E12000007", "pdf")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    with pytest.raises(
        InputError, match="format must be one of md, html, pdf, csv, json; got 'docx'"
    ):
        export(reg, ws, "E12000007", "docx")


def test_survey_commands(env: dict[str, str], tmp_path: Path) -> None:
    sid = _run(
        env,
        "survey",
        "create",
        "E47000001",
        "--title",
        "Partnership health check",
        "--question",
        "scale: Partners share data well",
        "--question",
        "choice: Which area first?: housing; transport",
    ).strip()
    assert sid == "E47000001-survey-1"
    listed = list(csv.DictReader(io.StringIO(_run(env, "survey", "list", "E47000001"))))
    assert listed == [{"id": sid, "title": "Partnership health check", "questions": "2"}]
    for _ in range(10):  # 10 synthetic responses, all "4" and "housing"
        _run(
            env, "survey", "respond", "E47000001", sid, "--answer", "q1=4", "--answer", "q2=housing"
        )
    out = tmp_path / "summary.csv"
    _run(env, "survey", "summary", "E47000001", sid, "--out", str(out))
    rows = {(r["question"], r["answer"]): r for r in csv.DictReader(io.StringIO(out.read_text()))}
    # by hand: 10 is not withheld (8 or more) and rounds to 10; zeros stay 0
    assert float(rows[("q1", "4")]["count"]) == 10 and float(rows[("q1", "3")]["count"]) == 0
    assert float(rows[("q1", "4")]["percent"]) == 100.0
    assert float(rows[("q2", "housing")]["count"]) == 10


def test_survey_command_errors(env: dict[str, str]) -> None:
    def fails(*args: str) -> BaseException:
        result = runner.invoke(app, ["framework", "survey", *args], env=env)
        assert result.exit_code != 0 and result.exception is not None
        return result.exception

    bad = fails("create", "E47000001", "--title", "T", "--question", "poll: x")
    assert isinstance(bad, InputError)
    assert "each question line must be 'scale: text'" in str(bad)
    bad = fails("respond", "E47000001", "s-1", "--answer", "q1")
    assert isinstance(bad, InputError)
    assert "--answer must be QUESTION=ANSWER; got 'q1'" in str(bad)
    denied = fails(
        "create", "E47000001", "--title", "T", "--question", "scale: x", "--role", "viewer"
    )
    assert isinstance(denied, PermissionError)
    assert "must be an editor or administrator to change survey records" in str(denied)
