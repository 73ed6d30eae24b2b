"""Census 2021 topic tables, NHS Talking Therapies and LSOA ages: values against the files.

Reference rows were picked by hand from the mirror files (``head``/``grep`` on the CSVs,
2026-12-07) and are written out here, so the tests compare the loaders with the source
rather than with themselves:

* ``ethnicity_lsoa21_5groups.csv`` line 2: E01000001, 1474 residents, Asian 158.
* ``disability_lsoa21.csv`` line 2: E01000001, disabled 152 of 1475.
* ``household_deprivation_dimensions_lsoa21.csv`` lines 2-6: E01011954, 963 households;
  not deprived 389, one 304, two 207, three 62, four 1.
* ``household_overcrowding_lsoa21.csv`` lines 2-6: E01000001, 840 households; -1 24,
  -2 or less 2.
* ``disability_ltla21.csv`` line 2: E06000001 (Hartlepool), 21145 disabled of 92338.
* ``sexual_orientation_ltla21.csv`` line 3: E06000001, Gay or Lesbian 1121 of 74686.
* ``talking_therapies_sicbl22_monthly.csv`` lines 2-12: E38000130, July 2022, referrals
  560, recovery 49%, deterioration 8%.
* ``ons_mye_mid2020_persons_single_year_lsoa11.csv`` line 2: Hartlepool 009A, E01011949,
  1944 people, 20 aged 0, 32 aged 1.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from healthgap.data import catalogue
from healthgap.data import store as store_module
from healthgap.data.sources import census_tables, lsoa_population, talking_therapies
from healthgap.data.store import init_store, open_store
from healthgap.errors import SchemaError


def _parse(mirror: Path, dataset_id: str):  # type: ignore[no-untyped-def]
    ds = catalogue.get(dataset_id)
    return ds.parse(mirror / ds.file)


def _row(frame, **where):  # type: ignore[no-untyped-def]
    mask = True
    for column, value in where.items():
        mask = mask & (frame[column] == value) if value is not None else mask & frame[column].isna()
    got = frame[mask]
    assert len(got) == 1, where
    return got.iloc[0]


def test_lsoa_tables_equal_hand_picked_rows(mirror: Path) -> None:
    eth = _parse(mirror, "census2021_ethnicity_lsoa21_5groups")
    r = _row(eth.frame, area_code="E01000001", category="Asian, Asian British or Asian Welsh")
    assert (r["count"], r["denominator"]) == (158, 1474)
    assert r["value"] == pytest.approx(100 * 158 / 1474, rel=1e-12)
    assert r["category_type"] == "Ethnic group (5 groups)" and r["area_type"] == "lsoa21"
    assert eth.records == 178360 and len(eth.frame) == 33755 * 5  # Welsh LSOAs left out
    assert not eth.frame["area_code"].str.startswith("W").any()

    dis = _parse(mirror, "census2021_disability_lsoa21").frame
    r = _row(dis, area_code="E01000001")
    assert (r["indicator_id"], r["count"], r["denominator"]) == ("census_disabled_pct", 152, 1475)
    assert pd_isna(r["category"])

    dep = _parse(mirror, "census2021_household_deprivation_lsoa21").frame
    head = _row(dep, area_code="E01011954", indicator_id="census_households_deprived_pct")
    assert (head["count"], head["denominator"]) == (304 + 207 + 62 + 1, 963)
    one = _row(dep, area_code="E01011954", category="Household is deprived in one dimension")
    assert one["count"] == 304 and one["indicator_id"] == "census_household_deprivation"

    crowd = _parse(mirror, "census2021_overcrowding_lsoa21").frame
    head = _row(crowd, area_code="E01000001", indicator_id="census_households_overcrowded_pct")
    assert (head["count"], head["denominator"]) == (26, 840)
    assert head["value"] == pytest.approx(100 * 26 / 840)


def test_district_tables_and_sources_md_check(mirror: Path) -> None:
    dis = _parse(mirror, "census2021_disability_ltla21").frame
    r = _row(dis, area_code="E06000001")
    assert (r["count"], r["denominator"], r["area_type"]) == (21145, 92338, "lad")
    # SOURCES.md: England disabled share 17.3% (published 17.3%)
    assert dis["count"].sum() / dis["denominator"].sum() == pytest.approx(0.173, abs=0.0005)
    so = _parse(mirror, "census2021_sexual_orientation_ltla21").frame
    r = _row(so, area_code="E06000001", category="Gay or Lesbian")
    assert (r["count"], r["denominator"]) == (1121, 74686)
    assert set(so["category_type"]) == {"Sexual orientation"}


def test_talking_therapies_rows(mirror: Path) -> None:
    parsed = _parse(mirror, "nhs_talking_therapies_sicbl22")
    f = parsed.frame
    assert parsed.records == 12826
    r = _row(f, area_code="E38000130", period="2022-07", indicator_id="tt_recovery_pct")
    assert r["value"] == 49 and r["polarity"] == "RAG - High is good" and pd_isna(r["count"])
    r = _row(f, area_code="E38000130", period="2022-07", indicator_id="tt_referrals_received")
    assert r["value"] == r["count"] == 560
    r = _row(f, area_code="E38000130", period="2022-07", indicator_id="tt_deterioration_pct")
    assert r["value"] == 8 and r["polarity"] == "RAG - Low is good"
    assert f["area_code"].nunique() == 106 and sorted(f["period"].unique())[0] == "2022-07"
    assert set(parsed.metadata["indicator_id"]) == set(f["indicator_id"])  # type: ignore[index]


def test_lsoa_single_year_population(mirror: Path) -> None:
    parsed = _parse(mirror, "ons_mye_2020_lsoa11_single_year")
    f = parsed.frame
    r = f[f["lsoa11_code"] == "E01011949"].iloc[0]
    assert (r["lsoa11_name"], r["total_population"], r["age_0"], r["age_1"]) == (
        "Hartlepool 009A",
        1944,
        20,
        32,
    )
    # SOURCES.md: England's 32,844 LSOAs sum to 56,550,138
    england = f[f["lsoa11_code"].str.startswith("E")]
    assert len(england) == 32844 and int(england["total_population"].sum()) == 56_550_138
    ages = [c for c in f.columns if c.startswith("age_")]
    assert len(ages) == 91 and (f[ages].sum(axis=1) == f["total_population"]).all()


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


# --- bad input: clear errors naming file, row and column; nothing loaded ------------------
def _edit(mirror: Path, tmp_path: Path, rel: str, old: str, new: str) -> Path:
    out = tmp_path / Path(rel).name
    shutil.copy(mirror / rel, out)
    out.chmod(0o644)
    text = out.read_text(encoding="utf-8")
    assert old in text
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


_DIS = "census2021/disability_lsoa21.csv"
_FIRST = '"E01000001","Disabled under the Equality Act",152,1475,0.103050847457627\n'


@pytest.mark.parametrize(
    ("new", "match"),
    [
        (
            _FIRST.replace("Disabled under", "Disabled by"),
            r"disability_lsoa21.csv column 'disability' must hold one of the 2 categories.*"
            r"'Disabled by the Equality Act' on data row 1",
        ),
        (
            _FIRST.replace("E01000001", "E01000002"),
            r"disability_lsoa21.csv must have one row per lsoa21_code, disability",
        ),
        (_FIRST.replace(",152,", ",153,"), r"column 'prop' must equal n / total_residents.*row 1"),
        (_FIRST.replace(",152,", ",-1,"), r"columns 'n' and 'total_residents' .* data row 1"),
        (_FIRST.replace(",152,", ",,"), r"column 'n' must not be blank; got blank on data row 1"),
        (_FIRST + _FIRST.replace("Disabled", "Not disabled"), r"one row per lsoa21_code"),
        ("", r"must have all 2 categories of column 'disability' for every area; got 1 for "),
    ],
)
def test_bad_rows_are_refused(mirror: Path, tmp_path: Path, new: str, match: str) -> None:
    bad = _edit(mirror, tmp_path, _DIS, _FIRST, new)
    with pytest.raises(SchemaError, match=match):
        census_tables.disability_lsoa21(bad, "t")


def test_unknown_layout_is_refused(mirror: Path, tmp_path: Path) -> None:
    bad = _edit(mirror, tmp_path, _DIS, '"lsoa21_code","disability"', '"lsoa_code","disability"')
    with pytest.raises(SchemaError, match=r"disability_lsoa21.csv must have the columns"):
        census_tables.disability_lsoa21(bad, "t")
    rel = "population/ons_mye_mid2020_persons_single_year_lsoa11.csv"
    bad = _edit(mirror, tmp_path, rel, '"89","90+"', '"89","90","91+"')
    with pytest.raises(SchemaError, match=r"must have the columns .* unexpected \['90', '91\+'\]"):
        lsoa_population.single_year_lsoa11(bad, "t")
    bad = _edit(mirror, tmp_path, rel, '"E01011949",1944,20,', '"E01011949",1944,2x,')
    with pytest.raises(
        SchemaError, match=r"column '0' must hold whole numbers.*'2x' on data row 1"
    ):
        lsoa_population.single_year_lsoa11(bad, "t")
    bad = _edit(mirror, tmp_path, rel, '"E01011949",1944,20,', '"E01011949",1944,21,')
    with pytest.raises(SchemaError, match=r"must sum to 'total_population'; got 1945 against 1944"):
        lsoa_population.single_year_lsoa11(bad, "t")
    rel = "nhs_access/talking_therapies_sicbl22_monthly.csv"
    bad = _edit(mirror, tmp_path, rel, '"Count_ReferralsReceived","560"', '"Count_Referrals","560"')
    with pytest.raises(SchemaError, match=r"column 'name' must hold one of the 11 key measures"):
        talking_therapies.key_measures(bad, "t")
    bad = _edit(
        mirror, tmp_path, rel, '"Count_ReferralsReceived","560"', '"Count_ReferralsReceived","561"'
    )
    with pytest.raises(SchemaError, match=r"multiples of 5 .*; got 561 on data row 1"):
        talking_therapies.key_measures(bad, "t")


def test_a_bad_file_loads_nothing(
    mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parse failure during init leaves the existing store exactly as it was."""
    ids = ["census2021_disability_ltla21"]
    path = tmp_path / "s.duckdb"
    init_store(path, mirror=mirror, ids=ids).close()
    before = path.read_bytes()
    copy = tmp_path / "mirror"
    (copy / "census2021").mkdir(parents=True)
    rel = "census2021/disability_ltla21.csv"
    text = (mirror / rel).read_text(encoding="utf-8")
    (copy / rel).write_text(text.replace(",21145,", ",21146,", 1), encoding="utf-8")
    # let the edited file past its checksum, so that the parser is what refuses it
    monkeypatch.setattr(store_module, "sha256_of", lambda _: catalogue.get(ids[0]).sha256)
    with pytest.raises(SchemaError, match=r"disability_ltla21.csv column 'prop'.*data row 1"):
        init_store(path, mirror=copy, ids=ids)
    assert path.read_bytes() == before
    with open_store(path) as s:
        assert s.to_pandas(s.table("indicators")).shape[0] == 309
