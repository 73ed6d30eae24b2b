"""The store built from the mirror returns the published figures; building is atomic."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from healthgap.data import catalogue
from healthgap.data.fetch import FetchError, fetch
from healthgap.data.layout import INDICATOR_KEY
from healthgap.data.store import (
    UPSTREAM_WARNINGS,
    Store,
    connect,
    init_store,
    open_store,
    source_folder,
    to_pandas,
)
from healthgap.errors import InputError
from tests.cli_run import Completed, run_healthgap

# Queries below call Ibis' own .to_pandas(), as users do; Ibis 12 warns about its own use of
# DuckDB and pandas APIs (healthgap.data.store.UPSTREAM_WARNINGS), which is not under test.
pytestmark = [
    pytest.mark.filterwarnings(f"ignore:{message}:DeprecationWarning")
    for message in UPSTREAM_WARNINGS
]

REGIONS = [f"E1200000{i}" for i in range(1, 10)]
SMALL = ["esp2013_19", "esp2013_20", "lookup_lad24_region24", "ons_hle_regions_dec2023"]


def regional(store: Store, indicator: str, sex: str, period: str) -> pd.Series:
    t = store.indicators(indicator, area_type="region", sex=sex, period=period)
    frame = t.select("area_code", "area_name", "value").to_pandas()
    assert sorted(frame["area_code"]) == REGIONS  # the nine English regions, once each
    return frame.set_index("area_name")["value"]


def test_hle_regions_2011_2013_are_the_published_figures(store: Store) -> None:
    males = regional(store, "hle_birth", "Male", "2011-2013")
    assert males["North East"] == 58.7  # SOURCES.md checks (ONS, 1 decimal place)
    assert males["South East"] == 65.4
    assert males.idxmin() == "North East" and males.idxmax() == "South East"


def highest_and_lowest(store: Store, indicator: str) -> dict[tuple[str, str], tuple[str, str]]:
    t = store.indicators(indicator, area_type="region").to_pandas()
    out = {}
    for key, group in t.groupby(["sex", "period"]):
        ranked = group.sort_values("value")
        out[key] = (ranked["area_name"].iloc[0], ranked["area_name"].iloc[-1])
    return out


def test_hle_north_east_lowest_south_east_highest(store: Store) -> None:
    """SOURCES.md: North East lowest and South East highest in every period. In the
    interim-method file that holds except males 2021-2023, where London (63.9) is above
    the South East (63.5); the December 2023 release holds it in every period."""
    interim = highest_and_lowest(store, "hle_birth")
    assert len(interim) == 24
    exceptions = {k: v for k, v in interim.items() if v != ("North East", "South East")}
    assert exceptions == {("Male", "2021-2023"): ("North East", "London")}
    dec2023 = highest_and_lowest(store, "hle_birth_dec2023")
    assert len(dec2023) == 20
    assert set(dec2023.values()) == {("North East", "South East")}


def test_hle_2020_2022_equals_the_ons_figure_data(store: Store, mirror: Path) -> None:
    """Every region, both sexes: the store equals the ONS chart CSV read independently."""
    path = mirror / catalogue.get("ons_hle_regions_dec2023").file
    with path.open(encoding="utf-8", newline="") as fh:
        published = {
            (r["area_code"], r["sex"]): (float(r["hle_years"]), float(r["lower_95"]))
            for r in csv.DictReader(fh)
            if r["period"] == "2020-2022" and r["area_code"].startswith("E12")
        }
    assert len(published) == 18
    got = store.indicators("hle_birth_dec2023", area_type="region", period="2020-2022")
    frame = got.to_pandas()
    stored = {(r.area_code, r.sex): (r.value, r.lower_95_0) for r in frame.itertuples(index=False)}
    assert stored == published


def test_england_figures_in_both_releases(store: Store) -> None:
    interim = store.indicators("hle_birth", area_code="E92000001", period="2018-2020")
    assert dict(interim.select("sex", "value").to_pandas().values) == {
        "Male": 63.1,
        "Female": 64.0,
    }
    dec2023 = store.indicators("hle_birth_dec2023", area_code="E92000001", period="2018-2020")
    assert dict(dec2023.select("sex", "value").to_pandas().values) == {
        "Male": 63.23,
        "Female": 64.06,
    }


def test_life_expectancy_2020_2022_matches_the_ons_bulletin(store: Store) -> None:
    males = regional(store, "le_birth", "Male", "2020-2022")
    females = regional(store, "le_birth", "Female", "2020-2022")
    assert (males.idxmax(), males.max(), males.idxmin(), males.min()) == (
        "South East",
        80.1,
        "North East",
        77.2,
    )
    assert (females.idxmax(), females.max(), females.idxmin(), females.min()) == (
        "South West",
        83.9,
        "North East",
        81.2,
    )
    england = store.indicators("le_birth", area_code="E92000001", period="2020-2022")
    assert dict(england.select("sex", "value").to_pandas().values) == {
        "Male": 78.9,
        "Female": 82.8,
    }


def test_indicator_table_invariants(store: Store) -> None:
    t = store.table("indicators")
    key = list(INDICATOR_KEY)
    dup = t.group_by(key).aggregate(n=t.count()).filter(lambda x: x.n > 1).count().to_pandas()
    assert dup == 0
    frame = t.to_pandas()
    has = frame["lower_95_0"].notna()
    assert (frame.loc[has, "lower_95_0"] <= frame.loc[has, "value"]).all()
    assert (frame.loc[has, "value"] <= frame.loc[has, "upper_95_0"]).all()
    # the ELS and Fingertips parsers leave rows out (ITL regions, GP practices, keys the
    # extract repeats with different values) and the NHS access, homelessness and Census
    # parsers reshape wide files (one row per measure or group; their own tests check each
    # value): their loaded counts are in datasets.rows, which must match the table
    loaded = store.datasets().set_index("id")["rows"]
    reshaped = (
        "els_",
        "fingertips_",
        "ons_le_local_areas_by_age",
        "homelessness_",
        "census2021_",
        "ons_health_index_",
        "nhse_ae_",
        "nhs_talking_therapies_",
    )
    per_source = frame["source_id"].value_counts()
    for ds in catalogue.CATALOGUE:
        if ds.table == "indicators":
            assert int(per_source[ds.id]) == int(loaded[ds.id]), ds.id
    expected = sum(
        ds.rows * (2 if ds.id == "ons_hle_imd_decile_2015_2017" else 1)
        if not ds.id.startswith(reshaped)
        else int(loaded[ds.id])
        for ds in catalogue.CATALOGUE
        if ds.table == "indicators"
    )
    assert len(frame) == expected
    assert int(loaded["fingertips_northwest_extract"]) == 32687
    assert set(frame["source_id"]) == {d.id for d in catalogue.CATALOGUE if d.table == "indicators"}
    cvd = frame[frame["indicator_id"] == "93722"]
    assert set(cvd["polarity"]) == {"RAG - Low is good"} and set(cvd["age"]) == {"<75 yrs"}


def test_datasets_table_records_provenance(store: Store) -> None:
    meta = store.datasets()
    assert len(meta) == len(catalogue.CATALOGUE)
    for row in meta.itertuples(index=False):
        ds = catalogue.get(row.id)
        assert (row.checksum, row.licence, row.period, row.table_name) == (
            ds.sha256,
            ds.licence,
            ds.period,
            ds.table,
        )
    assert meta.set_index("id").loc["imd2019_lsoa", "rows"] == 32844


def test_population_totals(store: Store) -> None:
    pops = store.table("populations")
    eng = pops.filter(pops.area_code.startswith("E"))
    mye = to_pandas(eng.filter(eng.source_id == "ons_mye_2020_lad21").population.sum())
    assert mye == 56_550_138  # SOURCES.md: England mid-2020
    census = eng.filter((eng.source_id == "census2021_sex_lad21") & (eng.sex == "Persons"))
    assert census.population.sum().to_pandas() == 56_490_040  # SOURCES.md: Census 2021


def test_reference_tables(store: Store) -> None:
    esp = store.table("standard_populations").to_pandas()
    assert esp.groupby("standard")["weight"].sum().to_dict() == {
        "esp2013_19": 100_000,
        "esp2013_20": 100_000,
    }
    hexes = store.table("hex_layouts").to_pandas()
    lads = set(store.table("lookup_lad24_region24_en").to_pandas()["lad24_code"])
    english = set(hexes.loc[(hexes.layout_id == "hex_lad23"), "area_code"])
    assert {c for c in english if c.startswith("E")} == lads  # SOURCES.md: 296 hexes match


def test_areas_table(store: Store) -> None:
    areas = store.table("areas").to_pandas()
    assert not areas.duplicated(["code", "type"]).any()
    by = areas.set_index(["code", "type"])["name"]
    assert by[("E06000009", "lad")] == "Blackpool"
    assert by[("E12000003", "region")] == "Yorkshire and The Humber"  # lookup spelling wins
    assert by[("E47000014", "combined_authority")] == "North East"  # from the HLE file
    assert (areas["type"] == "lsoa11").sum() == 34753


def test_query_errors(store: Store) -> None:
    with pytest.raises(InputError, match=r"got 'hle_brith'\. Did you mean hle_birth"):
        store.indicators("hle_brith")
    with pytest.raises(InputError, match=r"table must be one of the store's tables; got 'area'"):
        store.table("area")
    assert "indicators" in store.tables()
    smoking = store.indicators("hi_smoking", period=2015, area_code=["E06000001", "E06000002"])
    assert to_pandas(smoking.count()) == 2  # a year given as a number matches the text
    assert "Store(" in repr(store)


def test_open_store_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the store must exist; got no file at"):
        open_store(tmp_path / "none.duckdb")
    with pytest.raises(InputError, match="the store to open must be a file; got ':memory:'"):
        open_store(":memory:")
    empty = tmp_path / "empty.duckdb"
    connect(empty).disconnect()
    with pytest.raises(InputError, match=r"must be initialised by healthgap; got .*'datasets'"):
        open_store(empty)
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database")
    with pytest.raises(InputError, match="the store must be a healthgap DuckDB file"):
        open_store(text)


def test_in_memory_store(mirror: Path) -> None:
    store = init_store(":memory:", mirror=mirror, ids=SMALL)
    assert store.path == ":memory:"
    assert sorted(store.datasets()["id"]) == sorted(SMALL)
    assert store.indicators(sex="Male", period="2020-2022").count().to_pandas() == 12
    store.close()


def test_failed_init_leaves_the_existing_store_untouched(mirror: Path, tmp_path: Path) -> None:
    target = tmp_path / "store.duckdb"
    init_store(target, mirror=mirror, ids=SMALL[:2]).close()
    before = target.read_bytes()
    bad = tmp_path / "mirror"
    for ds in catalogue.select(SMALL):
        (bad / ds.file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mirror / ds.file, bad / ds.file)
    path = bad / catalogue.get("ons_hle_regions_dec2023").file
    path.write_text(path.read_text().replace("58.", "85."))
    with pytest.raises(FetchError, match=r"ons_hle_birth_regions_2011_2022\.csv must match"):
        init_store(target, mirror=bad, ids=SMALL)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mirror", "store.duckdb"]
    with open_store(target) as store:
        assert sorted(store.datasets()["id"]) == ["esp2013_19", "esp2013_20"]


def test_init_from_the_data_directory_after_fetch(mirror: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"must hold every catalogue file; got 4 missing"):
        init_store(tmp_path / "s.duckdb", data_dir=tmp_path / "data", ids=SMALL)
    fetch(SMALL, data_dir=tmp_path / "data", mirror=mirror)
    with init_store(tmp_path / "s.duckdb", data_dir=tmp_path / "data", ids=SMALL) as store:
        assert len(store.datasets()) == 4


def test_source_folder_order(mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHGAP_DATA_DIR", str(tmp_path / "env-data"))
    assert source_folder() == tmp_path / "env-data"
    monkeypatch.setenv("HEALTHGAP_MIRROR", str(mirror))
    assert source_folder() == mirror
    assert source_folder(data_dir=tmp_path) == tmp_path
    assert source_folder(mirror=mirror, data_dir=tmp_path) == mirror
    with pytest.raises(InputError, match="init must read a local folder; got the web mirror"):
        source_folder(mirror="https://example.org/mirror")


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


def test_cli_init_and_datasets(mirror: Path, tmp_path: Path) -> None:
    target = tmp_path / "cli.duckdb"
    args = ["--dataset", "esp2013_19", "--dataset", "hex_icb22"]
    proc = run_cli("init", "--store", str(target), "--mirror", str(mirror), *args)
    assert proc.returncode == 0, proc.stderr
    assert "Store ready: 2 datasets, 61 rows" in proc.stderr
    listing = run_cli("datasets", "--store", str(target))
    assert listing.returncode == 0, listing.stderr
    assert "esp2013_19" in listing.stdout and "Eurostat reuse policy" in listing.stdout
    assert "hex_icb22" in listing.stdout and "MIT" in listing.stdout
    cat = run_cli("datasets", "--catalogue")
    assert cat.returncode == 0 and "ons_hle_local_areas" in cat.stdout


def test_cli_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    proc = run_cli("datasets", "--store", str(tmp_path / "missing.duckdb"))
    assert proc.returncode == 2
    assert "the store must exist" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("init", "--store", str(tmp_path / "s.duckdb"), "--data-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "must hold every catalogue file" in " ".join(proc.stderr.split())
    assert not (tmp_path / "s.duckdb").exists()


def test_cli_query(store_path: Path, tmp_path: Path) -> None:
    args = ["query", "--store", str(store_path), "-i", "hle_birth", "--area-type", "region"]
    proc = run_cli(*args, "--sex", "Male", "--period", "2011-2013")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(proc.stdout.splitlines()))  # piped: CSV in the store layout
    assert len(rows) == 9 and list(rows[0])[:3] == ["indicator_id", "indicator_name", "area_code"]
    assert {r["area_name"]: r["value"] for r in rows}["North East"] == "58.7"
    out = tmp_path / "hle.csv"
    proc = run_cli(*args, "--out", str(out))
    assert proc.returncode == 0 and "Wrote 216 rows" in proc.stderr  # 9 x 2 sexes x 12
    assert len(pd.read_csv(out)) == 216
    bad = run_cli("query", "--store", str(store_path), "-i", "hle_brith")
    assert bad.returncode == 2 and "Did you mean hle_birth" in " ".join(bad.stderr.split())


def test_control_characters_in_a_filter_are_a_plain_error(store: Store) -> None:
    # Found by the web fuzz test: a NUL in a filter value made DuckDB raise a parser error.
    with pytest.raises(InputError, match=r"area_code filter values must be printable text"):
        store.indicators("hle_birth", area_code="E12\x00001")
    assert len(store.to_pandas(store.indicators("hle_birth", area_code="E12000001"))) > 0
