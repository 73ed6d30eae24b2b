"""`healthgap profile --breakdowns --out` and `healthgap compare-areas` on the real store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from healthgap.account.compare_areas import compare_areas
from healthgap.account.profiles import profile
from healthgap.cli.main import app
from healthgap.data.store import Store
from healthgap.errors import InputError


def test_profile_out_writes_the_service_table(fw_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "manchester.csv"
    result = CliRunner().invoke(
        app,
        [
            "profile",
            "--area",
            "E08000003",
            "--breakdowns",
            "--store",
            fw_store.path,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert {"category_type", "category", "domain", "definition", "compared_99_8"} <= set(
        written.columns
    )
    assert "Ethnic groups" in set(written["category_type"].dropna())
    same = profile("E08000003", store=fw_store, breakdowns=True, inequality=False)
    assert len(written) == len(same.table)
    assert (written["indicator_id"].astype(str) == same.table["indicator_id"]).all()


def test_compare_areas_cli_and_errors(fw_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "gm.csv"
    result = CliRunner().invoke(
        app,
        ["compare-areas", "--footprint", "E47000001", "--store", fw_store.path, "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert written["area_code"].nunique() == 10  # Greater Manchester's ten councils
    direct = compare_areas("E47000001", store=fw_store)
    manchester = direct.table[direct.table["area_code"] == "E08000003"]
    own = profile("E08000003", store=fw_store, inequality=False).table
    merged = manchester.merge(own, on=["indicator_id", "sex", "age"], suffixes=("", "_p"))
    assert len(merged) == len(own)
    assert (merged["compared_95"] == merged["compared_95_p"]).all()
    bad = CliRunner().invoke(app, ["compare-areas", "--footprint", "X1", "--store", fw_store.path])
    assert bad.exit_code != 0  # the entry point prints the message (faces do not reword it)
    assert isinstance(bad.exception, InputError)
    assert "footprint must be a combined authority (E47)" in str(bad.exception)
