"""The CLI faces: framework validate/show, scorecard, core20 and profile on the real store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from healthgap.account.core20plus5 import clinical_template
from healthgap.account.frameworks import example_path
from healthgap.cli.main import app
from healthgap.data.disclosure import find_disclosive_cells
from healthgap.data.store import Store

runner = CliRunner()
EXAMPLE = str(example_path("greater_manchester"))


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=True)
    text = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        text += f"\nEXCEPTION: {result.exception}"
    return result.exit_code, text


def test_framework_validate_and_show(fw_store: Store, tmp_path: Path) -> None:
    code, out = run("framework", "validate", EXAMPLE, "--check-store", "--store", fw_store.path)
    assert code == 0, out
    assert "OK: Greater Manchester outcomes framework (illustration)" in out
    target = tmp_path / "fw.csv"
    code, out = run("framework", "show", EXAMPLE, "--out", str(target))
    assert code == 0, out
    shown = pd.read_csv(target)
    assert shown["id"].tolist() == ["hle_birth", "hle_birth", "adult_obesity"]


def test_framework_validate_reports_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[framework]\nname = "x"\nversion = "1"\nauthority = "E47000001"\n'
        '[[indicators]]\nid = "hle_birth"\ntarget = "up"\n'
    )
    code, out = run("framework", "validate", str(bad))
    assert code != 0
    assert "line 7, indicators[1].target: must be a number" in out


def test_scorecard_with_framework(fw_store: Store, tmp_path: Path) -> None:
    code, out = run(
        "scorecard", "--authority", "E47000001", "--framework", EXAMPLE, "--store", fw_store.path
    )
    assert code == 0, out
    assert "Healthy life expectancy at birth, females: 57.9 (2022-2024); England 61.3" in out
    target = tmp_path / "card.csv"
    code, out = run(
        "scorecard",
        "--authority",
        "E47000001",
        "--framework",
        EXAMPLE,
        "--store",
        fw_store.path,
        "--compare",
        "--out",
        str(target),
    )
    assert code == 0, out
    assert pd.read_csv(target)["area_code"].nunique() >= 10


def test_scorecard_default_and_errors(fw_store: Store) -> None:
    code, out = run(
        "scorecard", "--authority", "E08000025", "--area-type", "lad", "--store", fw_store.path
    )
    assert code == 0, out
    # headline indicators are named (issue 19), not "93722 (Persons)"; the name is the
    # indicator metadata's (OHID Fingertips indicator 93722)
    flat = " ".join(out.split())
    assert (
        "Under 75 mortality rate from cardiovascular diseases considered preventable "
        "(Persons): 39.5 (2022-2024)" in flat
    ), out
    assert "93722 (Persons)" not in flat
    code, out = run(
        "scorecard", "--authority", "E08000025", "--framework", EXAMPLE, "--store", fw_store.path
    )
    assert code != 0 and "--authority must be the framework's authority" in out
    # without --area-type the type is found from the data, as on the web (the default
    # used to be combined_authority, and every council was refused)
    code, out = run("scorecard", "--authority", "E08000025", "--store", fw_store.path)
    assert code == 0 and "Headline indicators for Birmingham" in out, out
    code, out = run(
        "scorecard", "--authority", "E08000025", "--area-type", "region", "--store", fw_store.path
    )
    assert code != 0 and "authority must have headline indicator values at area type" in out


def test_profile_command(fw_store: Store) -> None:
    code, out = run("profile", "--area", "E08000025", "--store", fw_store.path)
    assert code == 0, out
    assert "Profile: Birmingham (E08000025, lad)" in out


def test_core20_command(fw_store: Store, tmp_path: Path) -> None:
    code, out = run("core20", "--footprint", "E47000001", "--store", fw_store.path)
    assert code == 0, out
    assert "Core20 in Greater Manchester:" in out and "Ecological approximation" in out
    code, out = run("core20", "--store", fw_store.path)
    assert code != 0 and "core20 must be given --footprint, --template or --clinical" in out


def test_core20_template_and_disclosure_controlled_summary(tmp_path: Path) -> None:
    template = tmp_path / "t.csv"
    code, out = run(
        "core20", "--template", "adults", "--plus", "Learning disability", "--out", str(template)
    )
    assert code == 0, out
    t = pd.read_csv(template)
    assert len(t) == 15 and set(t["group"]) == {"Core20", "Rest", "Learning disability"}
    t["numerator"] = [5, 120, 30] * 5  # Core20 numerator 5 is a small count
    t["denominator"] = [100, 200, 40] * 5
    filled = tmp_path / "filled.csv"
    t.to_csv(filled, index=False)
    result = tmp_path / "summary.csv"
    code, out = run("core20", "--clinical", str(filled), "--out", str(result))
    assert code == 0, out
    published = pd.read_csv(result)
    cell = ["clinical_area", "measure", "area_code", "period"]
    issues = find_disclosive_cells(
        published,
        count_columns=["numerator", "denominator"],
        margins={"group": {"Whole population": ["Core20", "Rest"]}},
        group_by=cell,
    )
    assert issues.empty
    core = published[published["group"] == "Core20"]
    assert core["numerator"].isna().all() and core["value"].isna().all()


def test_clinical_summary_is_disclosive_before_control() -> None:
    from healthgap.account.core20plus5 import clinical_summary, publishable_clinical_summary

    t = clinical_template("adults")
    t["numerator"] = [5, 120] * 5
    t["denominator"] = [100, 200] * 5
    summary = clinical_summary(t)
    cell = ["clinical_area", "measure", "area_code", "period"]
    margins = {"group": {"Whole population": ["Core20", "Rest"]}}
    before = find_disclosive_cells(
        summary, count_columns=["numerator", "denominator"], margins=margins, group_by=cell
    )
    assert not before.empty
    after = find_disclosive_cells(
        publishable_clinical_summary(summary),
        count_columns=["numerator", "denominator"],
        margins=margins,
        group_by=cell,
    )
    assert after.empty


@pytest.mark.parametrize("command", ["scorecard", "core20", "profile"])
def test_commands_are_documented(command: str) -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text()
    assert f"healthgap {command}" in text
