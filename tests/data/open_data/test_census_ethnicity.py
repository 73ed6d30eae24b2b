"""Census 2021 ethnic group (19 groups) by district: breakdown rows with counts."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from healthgap.data import catalogue
from healthgap.data.sources import census_ethnicity
from healthgap.data.store import Store
from healthgap.errors import SchemaError

FILE = "census2021/ethnicity_ltla21_19groups.csv"


def test_counts_equal_the_source_row_for_row(mirror: Path) -> None:
    parsed = catalogue.get("census2021_ethnicity_ltla21_19groups").parse(mirror / FILE)
    with (mirror / FILE).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    numbers = [r for r in rows if r["ethnic_group"].endswith("(number)")]
    percents = [r for r in rows if r["ethnic_group"].endswith("(percent)")]
    f = parsed.frame
    assert parsed.records == len(rows) == 12578 and len(f) == len(numbers) == 331 * 19
    assert f["area_code"].tolist() == [r["ltla21_code"] for r in numbers]
    assert f["category"].tolist() == [r["ethnic_group"][: -len(" (number)")] for r in numbers]
    np.testing.assert_array_equal(f["count"].to_numpy(), [float(r["value"]) for r in numbers])
    # shares agree with the published 1-decimal percentages (same row order in the file)
    np.testing.assert_allclose(
        f["value"].to_numpy(), [float(r["value"]) for r in percents], rtol=0, atol=0.05 + 1e-6
    )
    np.testing.assert_allclose(f["value"], 100 * f["count"] / f["denominator"], rtol=1e-12)
    assert set(f["category_type"]) == {"Ethnic group"}
    # SOURCES.md: England total 56,490,065; White British 73.5%
    eng = f[f["area_code"].str.startswith("E")]
    assert eng["count"].sum() == 56_490_065
    wb = eng[eng["category"].str.startswith("White: English")]["count"].sum()
    assert wb / eng["count"].sum() == pytest.approx(0.735, abs=0.0005)
    # Manchester's Census 2021 usual residents: 551,938 (ONS)
    man = f[f["area_code"] == "E08000003"]
    assert set(man["denominator"]) == {551_938.0} and man["value"].sum() == pytest.approx(100)


def test_store_has_the_breakdown_for_manchester(store: Store) -> None:
    t = store.table("indicators")
    rows = store.to_pandas(
        t.filter((t.indicator_id == "census_ethnic_group_share") & (t.area_code == "E08000003"))
    )
    assert len(rows) == 19 and rows["count"].sum() == 551_938


def _edit(mirror: Path, tmp_path: Path, old: str, new: str) -> Path:
    out = tmp_path / "ethnicity.csv"
    shutil.copy(mirror / FILE, out)
    text = out.read_text(encoding="utf-8")
    assert old in text
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_bad_input_names_file_row_and_column(mirror: Path, tmp_path: Path) -> None:
    bangladeshi = '"E06000001","Hartlepool","Asian, Asian British or Asian Welsh: Bangladeshi'
    bad = _edit(mirror, tmp_path, bangladeshi + ' (number)",278', bangladeshi + '",278')
    with pytest.raises(SchemaError, match=r"ethnicity.csv column 'ethnic_group' .* data row 1"):
        census_ethnicity.ethnicity_19(bad, "t")
    bad = _edit(mirror, tmp_path, bangladeshi + ' (number)",278', bangladeshi + ' (number)",-278')
    with pytest.raises(
        SchemaError, match=r"column 'value' must hold a number of 0 or more.*data row 1"
    ):
        census_ethnicity.ethnicity_19(bad, "t")
    bad = _edit(mirror, tmp_path, bangladeshi + ' (number)",278', bangladeshi + ' (number)",2780')
    with pytest.raises(SchemaError, match=r"'\(percent\)' rows must equal .* E06000001"):
        census_ethnicity.ethnicity_19(bad, "t")
    bad = _edit(mirror, tmp_path, bangladeshi + ' (number)",278', bangladeshi + ' (number)",278.5')
    with pytest.raises(SchemaError, match=r"whole numbers"):
        census_ethnicity.ethnicity_19(bad, "t")
    bad = _edit(mirror, tmp_path, bangladeshi + ' (number)",278\n', "")
    with pytest.raises(SchemaError, match=r"38 rows\) per area; got 37 rows for E06000001"):
        census_ethnicity.ethnicity_19(bad, "t")
