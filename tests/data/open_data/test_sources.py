"""Source parsers reject files that are not the catalogue's, naming file, column and row."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.data import catalogue
from healthgap.data.sources._common import Parsed
from healthgap.errors import SchemaError


def head(mirror: Path, dataset_id: str, n: int = 5) -> list[str]:
    lines = (mirror / catalogue.get(dataset_id).file).read_text(encoding="utf-8").splitlines()
    return lines[: n + 1]


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parse(dataset_id: str) -> Callable[[Path], Parsed]:
    return catalogue.get(dataset_id).parse


def test_missing_column(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_hle_local_areas")
    lines[0] = lines[0].replace("hle_years", "hle")
    path = write(tmp_path, "hle.csv", lines)
    with pytest.raises(SchemaError, match=r"hle\.csv must have the columns \['hle_years'\]"):
        parse("ons_hle_local_areas")(path)


def test_text_in_a_number_column(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_hle_local_areas")
    cells = lines[2].split(",")
    cells[7] = "x"
    lines[2] = ",".join(cells)
    path = write(tmp_path, "hle.csv", lines)
    with pytest.raises(
        SchemaError, match=r"column 'hle_years' must hold numbers; got 1 .*'x' on data row 2"
    ):
        parse("ons_hle_local_areas")(path)


def test_fraction_in_a_whole_number_column(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_hle_local_areas")
    cells = lines[1].split(",")
    cells[5] = "2011.5"
    lines[1] = ",".join(cells)
    path = write(tmp_path, "hle.csv", lines)
    with pytest.raises(SchemaError, match="column 'period_start' must hold whole numbers"):
        parse("ons_hle_local_areas")(path)


def test_repeated_key(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_hle_local_areas")
    path = write(tmp_path, "hle.csv", [*lines, lines[1]])
    with pytest.raises(SchemaError, match="must have one row per area_code, area_type, sex"):
        parse("ons_hle_local_areas")(path)


def test_unknown_geography_label(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ohid_adult_obesity")
    lines[1] = lines[1].replace("Combined Authority or City Region", "Hamlet")
    path = write(tmp_path, "obesity.csv", lines)
    with pytest.raises(SchemaError, match=r"column 'geography' must hold one of .*'Hamlet'"):
        parse("ohid_adult_obesity")(path)


def test_bad_period_start_date(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ohid_adult_obesity")
    lines[1] = lines[1].replace("2015-11-16", "16/11/2015")
    path = write(tmp_path, "obesity.csv", lines)
    with pytest.raises(SchemaError, match="'period_start_date' must hold dates like 2001-01-01"):
        parse("ohid_adult_obesity")(path)


def test_not_utf8(mirror: Path, tmp_path: Path) -> None:
    path = tmp_path / "hle.csv"
    path.write_bytes("area_code,caf\xe9\n".encode("latin-1"))
    with pytest.raises(SchemaError, match=r"hle\.csv must be a readable UTF-8 CSV file"):
        parse("ons_hle_local_areas")(path)


def test_region_code_that_is_not_a_region(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_hle_regions_dec2023")
    lines[1] = lines[1].replace("E12000001", "E06000001")
    path = write(tmp_path, "regions.csv", lines)
    with pytest.raises(SchemaError, match="column 'area_code' must hold nation, region or UK"):
        parse("ons_hle_regions_dec2023")(path)


def test_decile_file_checks(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_hle_imd_decile_2015_2017", 10)
    wrong = [lines[0], *(line.replace("IMD2015", "IMD2019") for line in lines[1:])]
    with pytest.raises(SchemaError, match="'imd_version' must be IMD2015 on every row"):
        parse("ons_hle_imd_decile_2015_2017")(write(tmp_path, "a.csv", wrong))
    period = [lines[0], *(line.replace("2015-2017", "2015-17") for line in lines[1:])]
    with pytest.raises(SchemaError, match="column 'period' must read like 2015-2017"):
        parse("ons_hle_imd_decile_2015_2017")(write(tmp_path, "b.csv", period))


def test_boolean_column(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_sii_2015_2017_2018_2020", 6)
    lines[1] = lines[1].replace("true", "yes")
    path = write(tmp_path, "sii.csv", lines)
    with pytest.raises(SchemaError, match="'sii_increase_significant' must hold true or false"):
        parse("ons_sii_2015_2017_2018_2020")(path)


def test_population_totals_are_checked(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "ons_mye_2020_lad21", 3)
    cells = lines[1].split(",")
    cells[2] = str(int(cells[2]) + 1)  # all_ages one more than the sum of the ages
    lines[1] = ",".join(cells)
    with pytest.raises(SchemaError, match="single years of age must sum to all_ages; got 1"):
        parse("ons_mye_2020_lad21")(write(tmp_path, "mye.csv", lines))
    census = head(mirror, "census2021_sex_lad21", 3)
    cells = census[2].split(",")
    cells[3] = str(int(cells[3]) + 5)
    census[2] = ",".join(cells)
    with pytest.raises(SchemaError, match="females \\+ males must equal total_population"):
        parse("census2021_sex_lad21")(write(tmp_path, "census.csv", census))


def test_esp_weights_must_total_100000(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "esp2013_19", 19)
    lines[1] = lines[1].replace(",5000", ",5001")
    with pytest.raises(SchemaError, match="weights must total 100,000; got 100,001"):
        parse("esp2013_19")(write(tmp_path, "esp.csv", lines))


def test_lookup_key_checks(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "lookup_lad24_region24")
    cells = lines[2].split(",")
    cells[1] = ""  # lad24_code
    lines[2] = ",".join(cells)
    with pytest.raises(SchemaError, match=r"key columns \['lad24_code'\] must not be empty"):
        parse("lookup_lad24_region24")(write(tmp_path, "lookup.csv", lines))
    lines = head(mirror, "lookup_lad23_cauth23")
    lines[0] = lines[0].replace("cauth23_code", "ca_code")
    with pytest.raises(SchemaError, match=r"must have the columns \['cauth23_code'\]"):
        parse("lookup_lad23_cauth23")(write(tmp_path, "cauth.csv", lines))


def test_imd_required_columns(mirror: Path, tmp_path: Path) -> None:
    lines = head(mirror, "imd2025_lsoa")
    lines[0] = lines[0].replace("imd_decile", "decile")
    with pytest.raises(SchemaError, match=r"must have the columns \['imd_decile'\]"):
        parse("imd2025_lsoa")(write(tmp_path, "imd.csv", lines))


def test_hexjson_checks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.hexjson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad\.hexjson must be a HexJSON \(JSON\) file"):
        parse("hex_icb22")(bad)
    bad.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(SchemaError, match="must hold an object with 'layout' and 'hexes'"):
        parse("hex_icb22")(bad)
    bad.write_text(json.dumps({"layout": "spiral", "hexes": {}}), encoding="utf-8")
    with pytest.raises(SchemaError, match="layout must be one of"):
        parse("hex_icb22")(bad)
    bad.write_text(json.dumps({"layout": "odd-r", "hexes": {"A": {"q": 1}}}), encoding="utf-8")
    with pytest.raises(SchemaError, match="hexagon 'A' must have whole-number 'q' and 'r'"):
        parse("hex_icb22")(bad)


@settings(max_examples=40, deadline=None)
@given(
    hexes=st.dictionaries(
        st.text("ABCDE0123456789", min_size=1, max_size=9),
        st.tuples(st.integers(-50, 50), st.integers(-50, 50)),
        min_size=1,
        max_size=20,
    )
)
def test_hexjson_round_trip(tmp_path_factory: pytest.TempPathFactory, hexes: dict) -> None:
    """Any valid HexJSON parses to one row per hexagon with its q and r."""
    path = tmp_path_factory.mktemp("hex") / "x.hexjson"
    doc = {"layout": "odd-r", "hexes": {k: {"q": q, "r": r, "n": k} for k, (q, r) in hexes.items()}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    frame = parse("hex_lad23")(path).frame
    assert len(frame) == len(hexes)
    got = {h: (q, r) for h, q, r in frame[["hex_id", "q", "r"]].itertuples(index=False)}
    assert got == hexes
    assert (frame["area_code"] == frame["hex_id"]).all()


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(1990, 1, 1)),
    years=st.integers(1, 5),
)
def test_period_end_is_the_year_of_the_last_day(
    tmp_path_factory: pytest.TempPathFactory, start: dt.date, years: int
) -> None:
    """period_end = calendar year of (start + years - 1 day), computed here with dateutil."""
    path = tmp_path_factory.mktemp("els") / "x.csv"
    path.write_text(
        "area_code,area_name,geography,period_label,period_start_date,period_years,percent,"
        f"lower_95,upper_95\nE92000001,England,Nation,p,{start.isoformat()},{years},1,0,2\n",
        encoding="utf-8",
    )
    frame = parse("ohid_adult_obesity")(path).frame
    last = start + relativedelta(years=years) - dt.timedelta(days=1)
    assert frame["period_start"].iloc[0] == start.year
    assert frame["period_end"].iloc[0] == last.year
