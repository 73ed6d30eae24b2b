"""Explore Local Statistics and the Fingertips extract: values, metadata, bad input."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from healthgap.data import catalogue
from healthgap.data.indicator_metadata import metadata
from healthgap.data.sources import els, fingertips_extract
from healthgap.data.sources.indicator_review import NO_JUDGEMENT, REVIEWED
from healthgap.data.store import Store
from healthgap.errors import SchemaError

ELS_IDS = [d.id for d in catalogue.CATALOGUE if d.id.startswith("els_")]


def test_thirty_els_files_are_catalogued_with_their_metadata() -> None:
    assert len(ELS_IDS) == 30  # 33 files; HLE, preventable CVD and obesity load elsewhere
    for ds in catalogue.select(ELS_IDS):
        (companion,) = ds.companions
        assert companion[0] == ds.file.replace(".csv", ".json")
        assert ds.download_url is not None and ds.download_url.endswith(ds.filename)


def test_employment_rate_file_holds_two_indicators(mirror: Path) -> None:
    parsed = catalogue.get("els_employment_rate").parse(mirror / "els/employment-rate.csv")
    assert sorted(parsed.metadata["indicator_id"]) == [
        "els_economically_inactive",
        "els_employment_rate",
    ]
    f = parsed.frame
    eng = f[(f.area_code == "E92000001") & (f.indicator_id == "els_employment_rate")]
    value = float(eng.loc[eng.period == "2023", "value"].iloc[0])
    assert 75 < value < 77  # SOURCES.md: England employment rate 2023 about 76%
    # every value equals the source file's, row for row
    with (mirror / "els/employment-rate.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    source = [float(r["observation"]) if r["observation"] else np.nan for r in rows]
    np.testing.assert_array_equal(f["value"].to_numpy(), np.asarray(source))
    meta = parsed.metadata.set_index("indicator_id").loc["els_employment_rate"]
    assert meta["unit"] == "%" and meta["polarity"] == "RAG - High is good"
    assert meta["source"] == "Office for National Statistics"
    assert "aged 16 to 64" in meta["definition"]


def test_byte_order_mark_and_repeated_notes_header(mirror: Path) -> None:
    name = "persistent-absences-for-pupils-eligible-for-free-school-meals"
    raw = (mirror / f"els/{name}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.split(b"\n")[0].count(b"notes") == 2
    parsed = els.explore_local_statistics(mirror / f"els/{name}.csv", "t")
    eng = parsed.frame[parsed.frame.area_code == "E92000001"]
    assert eng.loc[eng.period == "2020/21", "value"].iloc[0] == pytest.approx(23.20222)


def test_period_labels(mirror: Path) -> None:
    f = els.explore_local_statistics(mirror / "els/cigarette-smokers.csv", "t").frame
    assert "2020-2024" in set(f.period)  # 2020-01-01/P5Y
    f = els.explore_local_statistics(mirror / "els/gcses-in-english-and-maths.csv", "t").frame
    row = f[f.period == "2016/17"].iloc[0]  # 2016-09-01/P1Y: an academic year
    assert (row.period_start, row.period_end) == (2016, 2017)
    f = els.explore_local_statistics(mirror / "els/library-walk.csv", "t").frame
    assert set(f.period) == {"2024"}  # a date: a point in time


def test_gdhi_richest_and_poorest_regions(mirror: Path) -> None:
    path = mirror / "els/gross-disposable-household-income-per-head.csv"
    f = els.explore_local_statistics(path, "t").frame
    regions = f[(f.area_type == "region") & (f.period == "2022")].set_index("area_name")
    assert regions["value"].idxmax() == "London"  # SOURCES.md check
    assert regions["value"].idxmin() == "North East"


def _copy_els(mirror: Path, tmp_path: Path, stem: str) -> tuple[Path, Path]:
    csv_path = tmp_path / f"{stem}.csv"
    shutil.copy(mirror / f"els/{stem}.csv", csv_path)
    shutil.copy(mirror / f"els/{stem}.json", tmp_path / f"{stem}.json")
    return csv_path, tmp_path / f"{stem}.json"


def _edit_row(path: Path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_els_bad_input(mirror: Path, tmp_path: Path) -> None:
    path, meta = _copy_els(mirror, tmp_path, "claimant-count")
    _edit_row(path, 3, "observation", "120")
    with pytest.raises(SchemaError, match=r"claimant-count\.csv column 'observation' must lie in"):
        els.explore_local_statistics(path, "t")
    path, meta = _copy_els(mirror, tmp_path, "claimant-count")
    _edit_row(path, 3, "unit", "mins")
    with pytest.raises(SchemaError, match=r"indicator 'Claimant Count' must have one unit"):
        els.explore_local_statistics(path, "t")
    path, meta = _copy_els(mirror, tmp_path, "claimant-count")
    doc = json.loads(meta.read_text(encoding="utf-8-sig"))
    doc["ess-beta-metadata"]["suffix"] = None
    meta.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"unit of 'Claimant Count' must agree with its meta"):
        els.explore_local_statistics(path, "t")
    meta.unlink()
    with pytest.raises(SchemaError, match=r"must come with its metadata file claimant-count"):
        els.explore_local_statistics(path, "t")


def test_els_layout_and_key_errors(mirror: Path, tmp_path: Path) -> None:
    path, _ = _copy_els(mirror, tmp_path, "supermarkets")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"supermarkets\.csv must have one row per indicator"):
        els.explore_local_statistics(path, "t")
    path.write_text("\n".join([lines[0].replace("lci_95", "lower"), *lines[1:]]) + "\n")
    with pytest.raises(SchemaError, match=r"must have the columns .*\['lci_95'\] missing"):
        els.explore_local_statistics(path, "t")
    path.write_text("\n".join([lines[0] + ",unit"] + [x + "," for x in lines[1:]]) + "\n")
    with pytest.raises(SchemaError, match=r"header must name each column once \(column 13\)"):
        els.explore_local_statistics(path, "t")
    path, _ = _copy_els(mirror, tmp_path, "supermarkets")
    _edit_row(path, 2, "geography", "Parish")
    with pytest.raises(SchemaError, match=r"column 'geography' must hold one of"):
        els.explore_local_statistics(path, "t")
    path, _ = _copy_els(mirror, tmp_path, "supermarkets")
    _edit_row(path, 2, "period", "2023-Q3")
    with pytest.raises(SchemaError, match=r"column 'period' must hold ISO intervals.*on row 3"):
        els.explore_local_statistics(path, "t")


def test_unit_override_is_recorded(mirror: Path) -> None:
    path = mirror / "els/housing-affordability-ratio.csv"
    parsed = els.explore_local_statistics(path, "t")
    meta = parsed.metadata.iloc[0]
    assert meta["unit"] == "ratio"  # the CSV says "%"; the JSON describes a ratio
    assert "labels the unit '%'" in meta["caveats"]


# --------------------------------------------------------------------- Fingertips


@pytest.fixture(scope="module")
def extract(mirror: Path):  # type: ignore[no-untyped-def]
    return fingertips_extract.fingertips_extract(
        mirror / "fingertips/northwest_extract_healthdata.csv", "t"
    )


def test_extract_england_diabetes_with_count_and_denominator(extract) -> None:  # type: ignore[no-untyped-def]
    f = extract.frame
    row = f[
        (f.indicator_id == "241") & (f.area_code == "E92000001") & (f.period == "2018/19")
    ].iloc[0]
    assert (row["count"], row["denominator"]) == (3319266, 47886072)  # SOURCES.md check
    assert row["value"] == pytest.approx(3319266 / 47886072 * 100, rel=1e-12)
    assert row["category_type"] is np.nan or row["category_type"] != row["category_type"]


def test_extract_keeps_breakdowns_and_drops_conflicting_keys(extract) -> None:  # type: ignore[no-untyped-def]
    f = extract.frame
    assert extract.records == 44452
    manchester = f[(f.area_code == "E08000003") & (f.category_type == "Ethnic groups")]
    assert set(manchester.indicator_id) == {"92026", "92033"}
    assert "LSOA11 deprivation quintiles within area (IMD  trend)" in set(f.category_type)
    assert set(f.area_type) == {"nation", "utla", "lad", "icb", "sub_icb"}
    key = ["indicator_id", "area_code", "area_type", "sex", "age", "category_type"]
    assert not f.duplicated([*key, "category", "period"]).any()
    meta = extract.metadata.set_index("indicator_id")
    assert len(meta) == 31
    assert meta.loc["93763", "interval_method"] == "Dobson & Byar's methods"
    assert meta.loc["241", "polarity"] == NO_JUDGEMENT


def _copy_ft(mirror: Path, tmp_path: Path, lines: int = 400) -> Path:
    for name in ("areas.csv", "categories.csv", "indicator_metadata_1587.json"):
        shutil.copy(mirror / "fingertips" / name, tmp_path / name)
    path = tmp_path / "extract.csv"
    text = (mirror / "fingertips/northwest_extract_healthdata.csv").read_text("utf-8-sig")
    path.write_text("\n".join(text.splitlines()[:lines]) + "\n", encoding="utf-8")
    return path


def test_extract_bad_input(mirror: Path, tmp_path: Path) -> None:
    path = _copy_ft(mirror, tmp_path)
    fingertips_extract.fingertips_extract(path, "t")  # the head parses
    _edit_row(path, 1, "AreaCode", "E99999999")
    with pytest.raises(SchemaError, match=r"'AreaCode' must hold codes listed in areas.csv; got "):
        fingertips_extract.fingertips_extract(path, "t")
    path = _copy_ft(mirror, tmp_path)
    _edit_row(path, 1, "CategoryType", "Ethnic groups")
    _edit_row(path, 1, "Category", "Martian")
    with pytest.raises(SchemaError, match=r"'Martian' \(Ethnic groups\) on row 2"):
        fingertips_extract.fingertips_extract(path, "t")
    path = _copy_ft(mirror, tmp_path)
    _edit_row(path, 1, "Value", "101")
    with pytest.raises(SchemaError, match=r"'Value' of indicator 241 \(%\) must lie in \[0, 100\]"):
        fingertips_extract.fingertips_extract(path, "t")
    path = _copy_ft(mirror, tmp_path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1:]:
        r[rows[0].index("Value")] = str(float(r[rows[0].index("Value")]) / 10)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(SchemaError, match=r"values of indicator 241 must agree with the metadata"):
        fingertips_extract.fingertips_extract(path, "t")
    path = _copy_ft(mirror, tmp_path)
    doc = json.loads((tmp_path / "indicator_metadata_1587.json").read_text())
    del doc["241"]
    (tmp_path / "indicator_metadata_1587.json").write_text(json.dumps(doc))
    with pytest.raises(SchemaError, match=r"no metadata for indicator 241"):
        fingertips_extract.fingertips_extract(path, "t")
    (tmp_path / "areas.csv").unlink()
    with pytest.raises(SchemaError, match=r"must come with areas.csv in the same folder"):
        fingertips_extract.fingertips_extract(path, "t")


def test_every_reviewed_polarity_has_a_reason() -> None:
    for ind, r in REVIEWED.items():
        assert len(r.reason) > 15, ind
        if r.polarity == NO_JUDGEMENT:
            assert r.reason.startswith("No judgement: "), ind


def test_store_has_metadata_for_every_indicator(store: Store) -> None:
    ids = set(
        store.to_pandas(store.table("indicators").select("indicator_id").distinct())["indicator_id"]
    )
    meta = metadata(store)
    assert not meta["indicator_id"].duplicated().any()
    assert ids <= set(meta["indicator_id"])
    assert meta["name"].notna().all()
    assert {"els_claimant_count", "93763", "hle_birth"} <= set(meta["indicator_id"])
