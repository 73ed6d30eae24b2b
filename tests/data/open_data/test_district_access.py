"""District GP access and homelessness: values row for row, metadata, bad input."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from healthgap.data import catalogue
from healthgap.data.indicator_metadata import metadata
from healthgap.data.sources import district_access
from healthgap.data.sources.indicator_review import HEALTHCARE, WIDER, review
from healthgap.data.store import Store
from healthgap.errors import SchemaError

GP = "nhs_access/patients_per_gp_fte_ltla24.csv"
HOMELESS = "wider/homelessness_ltla23_oct_dec_2023.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_gp_values_equal_the_source_row_for_row(mirror: Path) -> None:
    parsed = catalogue.get("gp_patients_per_fte_ltla24").parse(mirror / GP)
    rows = _rows(mirror / GP)
    f = parsed.frame
    assert parsed.records == len(rows) == len(f) == 296
    assert f["area_code"].tolist() == [r["ltla24_code"] for r in rows]
    np.testing.assert_array_equal(
        f["value"].to_numpy(), np.array([float(r["patients_per_gp"]) for r in rows])
    )
    assert set(f["indicator_id"]) == {"gp_patients_per_fte"}
    assert set(f["area_type"]) == {"lad"} and set(f["period"]) == {"2024"}
    assert set(f["polarity"]) == {"RAG - Low is good"}
    # Hartlepool (first row): 92,592 patients / 57.328 FTE, the published ratio
    assert f["value"].iloc[0] == pytest.approx(92592 / 57.327975669, rel=1e-12)
    assert f["count"].isna().all() and f["denominator"].isna().all()


def test_homelessness_values_equal_the_source_and_blanks_are_left_out(mirror: Path) -> None:
    parsed = catalogue.get("homelessness_ltla23_oct_dec_2023").parse(mirror / HOMELESS)
    rows = _rows(mirror / HOMELESS)
    f = parsed.frame
    assert parsed.records == len(rows) == 296
    for column, ind in (
        ("Households assessed as homeless per (000s)", "homeless_assessed_per_1000"),
        ("Households in temporary accommodation per 1,000", "temporary_accommodation_per_1000"),
    ):
        published = [(r["ltla23_code"], float(r[column])) for r in rows if r[column] != ""]
        part = f[f["indicator_id"] == ind]
        assert 0 < len(published) < len(rows)  # some councils did not submit
        assert list(zip(part["area_code"], part["value"], strict=True)) == published
    assert len(f) == 572
    assert set(f["period"]) == {"2023 Q4"}


def test_reviewed_polarity_and_metadata() -> None:
    gp = review("gp_patients_per_fte")
    assert gp is not None and gp.domain == HEALTHCARE and gp.polarity == "RAG - Low is good"
    for ind in ("homeless_assessed_per_1000", "temporary_accommodation_per_1000"):
        r = review(ind)
        assert r is not None and r.domain == WIDER and r.polarity == "RAG - Low is good"
    assert "gp_patients_per_fte_ltla24" not in catalogue.NOT_LOADED
    assert GP not in catalogue.NOT_LOADED and HOMELESS not in catalogue.NOT_LOADED


def test_store_holds_the_new_indicators_with_metadata(store: Store) -> None:
    meta = metadata(
        store,
        ["gp_patients_per_fte", "homeless_assessed_per_1000", "temporary_accommodation_per_1000"],
    ).set_index("indicator_id")
    assert len(meta) == 3
    assert meta.loc["gp_patients_per_fte", "unit"] == "patients per GP FTE"
    assert meta.loc["gp_patients_per_fte", "polarity_source"] == "healthgap review"
    t = store.table("indicators")
    gp = store.to_pandas(t.filter(t.indicator_id == "gp_patients_per_fte"))
    assert len(gp) == 296


def _copy(mirror: Path, tmp_path: Path, name: str, edit: tuple[str, str]) -> Path:
    out = tmp_path / Path(name).name
    shutil.copy(mirror / name, out)
    text = out.read_text(encoding="utf-8")
    assert edit[0] in text
    out.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    return out


def test_gp_bad_input_names_file_row_and_column(mirror: Path, tmp_path: Path) -> None:
    bad = _copy(mirror, tmp_path, GP, ('"E06000002",172295', '"W06000002",172295'))
    with pytest.raises(
        SchemaError,
        match=r"patients_per_gp_fte_ltla24.csv column 'ltla24_code'.*'W06000002' on data row 2",
    ):
        district_access.patients_per_gp(bad, "t")
    bad = _copy(mirror, tmp_path, GP, ("1973.72340033297", "1900"))
    with pytest.raises(SchemaError, match=r"column 'patients_per_gp' must equal .* data row 2"):
        district_access.patients_per_gp(bad, "t")
    bad = _copy(mirror, tmp_path, GP, ("172295,", "abc,"))
    with pytest.raises(
        SchemaError, match=r"column 'total_patients' must hold numbers.*'abc' on data row 2"
    ):
        district_access.patients_per_gp(bad, "t")
    bad = _copy(mirror, tmp_path, GP, ("172295,", ","))
    with pytest.raises(
        SchemaError, match=r"column 'total_patients' must have a value .* data row 2"
    ):
        district_access.patients_per_gp(bad, "t")
    bad = _copy(mirror, tmp_path, GP, ('"E06000002"', '"E06000001"'))
    with pytest.raises(SchemaError, match=r"one row per ltla24_code"):
        district_access.patients_per_gp(bad, "t")


def test_homelessness_bad_input(mirror: Path, tmp_path: Path) -> None:
    bad = _copy(mirror, tmp_path, HOMELESS, ('"E07000223",1.15', '"E07000223",-1.15'))
    with pytest.raises(
        SchemaError,
        match=r"column 'Households assessed as homeless per \(000s\)' .* 0 or more.* data row 1",
    ):
        district_access.homelessness(bad, "t")
    bad = _copy(mirror, tmp_path, HOMELESS, ('"ltla23_code"', '"code"'))
    with pytest.raises(SchemaError, match=r"must have the columns \['ltla23_code'\]"):
        district_access.homelessness(bad, "t")
