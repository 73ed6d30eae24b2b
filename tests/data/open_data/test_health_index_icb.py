"""ONS Health Index by ICB: values row for row, 2022-to-2024 ICB codes, bad input."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from healthgap.data import catalogue
from healthgap.data.sources import health_index_icb
from healthgap.errors import SchemaError

FILE = "nhs_access/health_index_icb22.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_values_equal_the_source_row_for_row(mirror: Path) -> None:
    parsed = catalogue.get("ons_health_index_icb22").parse(mirror / FILE)
    rows = _rows(mirror / FILE)
    f = parsed.frame
    assert parsed.records == len(rows) == 294 and len(f) == 4 * 294
    for column, (ind, _) in health_index_icb.COLUMNS.items():
        part = f[f["indicator_id"] == ind]
        assert part["area_code"].tolist() == [r["icb22_code"] for r in rows]
        assert part["period"].tolist() == [r["year"] for r in rows]
        np.testing.assert_array_equal(part["value"].to_numpy(), [float(r[column]) for r in rows])
    assert set(f["area_type"]) == {"icb"} and set(f["polarity"]) == {"RAG - High is good"}
    # first row: Cheshire and Merseyside 2015 overall 96.3 (the file's first line)
    assert f["value"].iloc[0] == 96.3


def test_icb_codes_against_april_2024(mirror: Path) -> None:
    codes22 = {r["icb22_code"] for r in _rows(mirror / FILE)}
    codes24 = {r["icb24_code"] for r in _rows(mirror / "imd2025/imd2025_icb24_summaries.csv")}
    assert len(codes22) == len(codes24) == 42
    assert codes22 - codes24 == set(health_index_icb.CHANGED_2024)
    assert codes24 - codes22 == set(health_index_icb.CHANGED_2024.values())
    caveats = " ".join(catalogue.get("ons_health_index_icb22").caveats)
    assert all(code in caveats for code in health_index_icb.CHANGED_2024)


def _edit(mirror: Path, tmp_path: Path, old: str, new: str) -> Path:
    out = tmp_path / "hi.csv"
    shutil.copy(mirror / FILE, out)
    text = out.read_text(encoding="utf-8")
    assert old in text
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_bad_input_names_file_row_and_column(mirror: Path, tmp_path: Path) -> None:
    first = '"E54000008","NHS Cheshire and Merseyside Integrated Care Board",2015,96.3'
    bad = _edit(mirror, tmp_path, first, first.replace("E54000008", "E38000008"))
    with pytest.raises(
        SchemaError, match=r"hi.csv column 'icb22_code' .*'E38000008' on data row 1"
    ):
        health_index_icb.health_index_icb(bad, "t")
    bad = _edit(mirror, tmp_path, first, first.replace("96.3", ""))
    with pytest.raises(
        SchemaError, match=r"column 'overall_score' must hold a positive .* data row 1"
    ):
        health_index_icb.health_index_icb(bad, "t")
    bad = _edit(mirror, tmp_path, first, first.replace(",2015,", ",2016,"))
    with pytest.raises(SchemaError, match=r"one row per icb22_code, year"):
        health_index_icb.health_index_icb(bad, "t")
    bad = _edit(mirror, tmp_path, first, first.replace("96.3", "high"))
    with pytest.raises(SchemaError, match=r"column 'overall_score' must hold numbers.*'high'"):
        health_index_icb.health_index_icb(bad, "t")
