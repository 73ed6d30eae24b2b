"""NHS England weighted populations: the loader's checks and the published totals.

Reference values are the mirror's own files (SOURCES.md, nhs_allocations section): the
final weighted population of England equals the registered population (61.9m, 62.2m,
63.8m), 42 ICBs, need index 0.88 (Cambridgeshire and Peterborough) to 1.12.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap.data import catalogue
from healthgap.data.sources import nhs_allocations as na
from healthgap.data.store import Store
from healthgap.errors import SchemaError

YEARS = {
    "2023/24": "nhs_weighted_population_2023_2024",
    "2024/25": "nhs_weighted_population_2024_2025",
    "2025/26": "nhs_weighted_population_2025_2026",
}


def _copy_folder(mirror: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "nhs_allocations"
    shutil.copytree(mirror / "nhs_allocations", folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    return folder


def _edit(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (data row ``row``, 1-based) of a CSV written by csv (no quotes moved)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.loc[row - 1, column] = value
    frame.to_csv(path, index=False)


def _practice_file(mirror: Path, tmp_path: Path, year: str = "2025/26") -> Path:
    folder = _copy_folder(mirror, tmp_path)
    return folder / na.PRACTICE_FILES[year]


def test_every_practice_file_parses_to_the_canonical_layout(mirror: Path) -> None:
    for year, dataset_id in YEARS.items():
        ds = catalogue.get(dataset_id)
        parsed = ds.parse(mirror / ds.file)
        assert parsed.records == ds.rows
        frame = parsed.frame
        assert list(frame.columns) == list(na.PRACTICE_COLUMNS)
        assert set(frame["allocation_year"]) == {year}
        assert frame["icb_code"].nunique() == 42
        # Every component adds up to the registered population of England.
        total = frame["registered_population"].sum()
        for column in na.COMPONENTS:
            assert frame[column].sum() == pytest.approx(total, rel=1e-9)


def test_published_england_totals(mirror: Path) -> None:
    # SOURCES.md: 61.9m, 62.2m and 63.8m registered (= final weighted) population.
    expected = {"2023/24": 61.9e6, "2024/25": 62.2e6, "2025/26": 63.8e6}
    for year, dataset_id in YEARS.items():
        ds = catalogue.get(dataset_id)
        total = ds.parse(mirror / ds.file).frame["final_wp"].sum()
        assert round(total / 1e5) * 1e5 == pytest.approx(expected[year])


def test_icb_codes_are_the_42_icbs_of_the_ons_lookup(mirror: Path) -> None:
    look = pd.read_csv(mirror / "lookups" / "sicbl24_icb24_names_en.csv", dtype=str)
    assert set(look["icb24_code_nhs"]) == set(na.ICB_CODES)


def test_missing_component_column(mirror: Path, tmp_path: Path) -> None:
    path = _practice_file(mirror, tmp_path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.drop(columns=["MH WP"]).to_csv(path, index=False)
    with pytest.raises(
        SchemaError,
        match=r"gp_practice_weighted_population_2025_2026\.csv must have the weighted-population "
        r"components \['MH WP'\] \(the 2025/26 layout\)",
    ):
        na.practices_2025_26(path, "x")


def test_a_2025_file_in_the_2023_layout_names_the_columns(mirror: Path, tmp_path: Path) -> None:
    path = _practice_file(mirror, tmp_path)
    with pytest.raises(SchemaError, match=r"must have the columns \['ICS22', 'ICS22name'"):
        na.practices_2023_24(path, "x")


def test_empty_component_cell_names_row_and_column(mirror: Path, tmp_path: Path) -> None:
    path = _practice_file(mirror, tmp_path)
    _edit(path, 3, "Prescr WP", "")
    with pytest.raises(
        SchemaError,
        match=r"column 'Prescr WP' must hold a number for every practice \(a missing "
        r"component\); got 1 rows .*'A81004' on data row 3",
    ):
        na.practices_2025_26(path, "x")


def test_unknown_icb_code(mirror: Path, tmp_path: Path) -> None:
    path = _practice_file(mirror, tmp_path, "2023/24")
    _edit(path, 2, "ICS22", "QZZ")
    with pytest.raises(
        SchemaError,
        match=r"column 'ICS22' must hold the NHS ODS code of one of the 42 ICBs .*"
        r"'QZZ' on data row 2",
    ):
        na.practices_2023_24(path, "x")


@pytest.mark.parametrize("value", ["0", "-12.5"])
def test_zero_or_negative_population(mirror: Path, tmp_path: Path, value: str) -> None:
    path = _practice_file(mirror, tmp_path, "2024/25")
    _edit(path, 4, "pop 2022/23", value)
    with pytest.raises(
        SchemaError, match=r"column 'pop 2022/23' must be greater than 0; got 1 rows .*row 4"
    ):
        na.practices_2024_25(path, "x")


def test_negative_component(mirror: Path, tmp_path: Path) -> None:
    path = _practice_file(mirror, tmp_path)
    _edit(path, 5, "CS WP", "-1")
    with pytest.raises(SchemaError, match=r"column 'CS WP' must be 0 or more; .*row 5"):
        na.practices_2025_26(path, "x")


def test_totals_that_do_not_reconcile(mirror: Path, tmp_path: Path) -> None:
    path = _practice_file(mirror, tmp_path)
    _edit(path, 1, "Final WP", "1000000")
    with pytest.raises(
        SchemaError,
        match=r"column 'Final WP' must add up to the registered population \('Population', "
        r"63,849,324\.2\) for England; got 64,8",
    ):
        na.practices_2025_26(path, "x")


def test_icb_summary_reconciles_with_the_practice_files(mirror: Path, tmp_path: Path) -> None:
    folder = _copy_folder(mirror, tmp_path)
    summary = folder / "icb_weighted_population_need_index.csv"
    frame = pd.read_csv(summary, dtype=str, keep_default_na=False)
    row = frame.index[(frame["allocation_year"] == "2024/25") & (frame["icb_code_nhs"] == "QF7")]
    frame.loc[row, "MH_WP"] = str(float(frame.loc[row, "MH_WP"].iloc[0]) + 5)
    frame.to_csv(summary, index=False)
    with pytest.raises(
        SchemaError,
        match=r"must reconcile with gp_practice_weighted_population_2024_2025\.csv: column "
        r"'MH_WP' for ICB QF7 in 2024/25 must equal the sum of its practices",
    ):
        na.icb_summary(summary, "x")


def test_icb_summary_needs_the_practice_files(mirror: Path, tmp_path: Path) -> None:
    folder = tmp_path / "alone"
    folder.mkdir()
    shutil.copy(mirror / "nhs_allocations" / "icb_weighted_population_need_index.csv", folder)
    with pytest.raises(SchemaError, match="must be reconciled with the practice file"):
        na.icb_summary(folder / "icb_weighted_population_need_index.csv", "x")


def test_icb_summary_unknown_icb(mirror: Path, tmp_path: Path) -> None:
    folder = _copy_folder(mirror, tmp_path)
    summary = folder / "icb_weighted_population_need_index.csv"
    frame = pd.read_csv(summary, dtype=str, keep_default_na=False)
    frame.loc[7, "icb_code_nhs"] = "Q99"
    frame.to_csv(summary, index=False)
    with pytest.raises(SchemaError, match=r"column 'icb_code_nhs' .*'Q99' on data row 8"):
        na.icb_summary(summary, "x")


def test_store_practice_totals_reconcile_with_icb_and_england(store: Store) -> None:
    """For each year: practices sum to the ICB rows, and the ICBs sum to England."""
    prac = store.to_pandas(store.table("nhs_weighted_populations"))
    icb = store.to_pandas(store.table("nhs_icb_weighted_populations"))
    assert sorted(prac["allocation_year"].unique()) == list(YEARS)
    for year in YEARS:
        p = prac[prac["allocation_year"] == year]
        i = icb[icb["allocation_year"] == year].set_index("icb_code").sort_index()
        sums = p.groupby("icb_code")[["registered_population", *na.COMPONENTS]].sum()
        np.testing.assert_allclose(sums.to_numpy(), i[sums.columns].to_numpy(), atol=0.051)
        assert (p.groupby("icb_code").size() == i["practices"]).all()
        england = p["registered_population"].sum()
        assert i["final_wp"].sum() == pytest.approx(england, rel=1e-8)
        assert i["registered_population"].sum() == pytest.approx(england, rel=1e-8)
    # SOURCES.md: need index 0.88 (Cambridgeshire and Peterborough) to 1.12 (Cheshire
    # and Merseyside) - true of 2023/24 and 2024/25; in 2025/26 Buckinghamshire,
    # Oxfordshire and Berkshire West (0.881) is lowest.
    for year, lowest in (
        ("2023/24", "Cambridgeshire and Peterborough"),
        ("2025/26", "Buckinghamshire, Oxfordshire and Berkshire West"),
    ):
        one = icb[icb["allocation_year"] == year]
        low, high = one.loc[one["need_index"].idxmin()], one.loc[one["need_index"].idxmax()]
        assert low["icb_name"] == f"NHS {lowest} ICB"
        assert round(low["need_index"], 2) == 0.88
        assert high["icb_name"] == "NHS Cheshire and Merseyside ICB"
        assert round(high["need_index"], 2) == 1.12


def test_datasets_table_has_the_provenance(store: Store) -> None:
    ds = store.datasets().set_index("id")
    row = ds.loc["nhs_weighted_population_2025_2026"]
    assert row["publisher"] == "NHS England"
    assert row["checksum"] == catalogue.get("nhs_weighted_population_2025_2026").sha256
    assert "nhsengland/ICB_Allocation_Tool_update" in row["url"]
