"""A&E four-hour performance by ICB: values row for row with counts, bad input."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from healthgap.data import catalogue
from healthgap.data.sources import ae_icb
from healthgap.errors import SchemaError

FILE = "nhs_access/ae_four_hour_icb22_monthly.csv"


def test_values_equal_the_source_row_for_row(mirror: Path) -> None:
    parsed = catalogue.get("nhse_ae_four_hour_icb22").parse(mirror / FILE)
    with (mirror / FILE).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    f = parsed.frame
    assert parsed.records == len(rows) == 1680 and len(f) == 2 * 1680
    for ind, (_, num, den, pct) in ae_icb.MEASURES.items():
        part = f[f["indicator_id"] == ind]
        assert part["area_code"].tolist() == [r["icb22_code"] for r in rows]
        np.testing.assert_array_equal(part["count"].to_numpy(), [float(r[num]) for r in rows])
        np.testing.assert_array_equal(part["denominator"].to_numpy(), [float(r[den]) for r in rows])
        np.testing.assert_allclose(
            part["value"].to_numpy() / 100, [float(r[pct]) for r in rows], rtol=0, atol=0.005
        )
    # first row: E54000040, April 2022, 7,170 of 25,706 attendances over 4 hours
    first = f.iloc[0]
    assert first["period"] == "2022-04" and first["period_start"] == 2022
    assert first["value"] == pytest.approx(100 * 7170 / 25706, rel=1e-12)
    assert set(f["polarity"]) == {"RAG - Low is good"} and set(f["area_type"]) == {"icb"}


def _edit(mirror: Path, tmp_path: Path, old: str, new: str) -> Path:
    out = tmp_path / "ae.csv"
    shutil.copy(mirror / FILE, out)
    text = out.read_text(encoding="utf-8")
    assert old in text
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_bad_input_names_file_row_and_column(mirror: Path, tmp_path: Path) -> None:
    first = '"E54000040",25706,7170,8454,2070,0.28,0.24,"April 2022"'
    bad = _edit(mirror, tmp_path, first, first.replace("0.28", "0.38"))
    with pytest.raises(
        SchemaError, match=r"ae.csv column 'pct_attendance_over_4hours' must equal .* data row 1"
    ):
        ae_icb.ae_four_hour(bad, "t")
    bad = _edit(mirror, tmp_path, first, first.replace("7170", "27170"))
    with pytest.raises(SchemaError, match=r"attendances_over_4hours <= total_attendances.*row 1"):
        ae_icb.ae_four_hour(bad, "t")
    bad = _edit(mirror, tmp_path, first, first.replace("April 2022", "2022-04"))
    with pytest.raises(
        SchemaError, match=r"column 'date' must hold a month .*'2022-04' on data row 1"
    ):
        ae_icb.ae_four_hour(bad, "t")
    bad = _edit(mirror, tmp_path, first, first.replace("7170", "71.5"))
    with pytest.raises(SchemaError, match=r"column 'attendances_over_4hours' must hold whole"):
        ae_icb.ae_four_hour(bad, "t")
