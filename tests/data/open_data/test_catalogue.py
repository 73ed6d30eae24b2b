"""The catalogue against the mirror and its SOURCES.md: files, checksums, rows, addresses."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from healthgap.data import catalogue
from healthgap.data.layout import INDICATOR_COLUMNS
from healthgap.data.store import SHARED_TABLES
from healthgap.errors import InputError


def sources_text(mirror: Path) -> str:
    return (mirror / "SOURCES.md").read_text(encoding="utf-8")


def stated_rows(mirror: Path) -> dict[str, int]:
    """Row (or hexagon) counts as SOURCES.md states them, by file name."""
    text = sources_text(mirror)
    counts: dict[str, int] = {}
    for name, n in re.findall(r"([\w-]+\.csv) \(([\d,]+) rows\)", text):
        counts[name] = int(n.replace(",", ""))
    for name, n in re.findall(r"\| `([\w-]+\.(?:csv|hexjson))` \| ([\d,]+)", text):
        counts[name] = int(n.replace(",", ""))
    return counts


def test_every_mirror_file_is_catalogued_once(mirror: Path) -> None:
    files = sorted(
        p.relative_to(mirror).as_posix()
        for p in mirror.rglob("*")
        if p.is_file() and p.name != "SOURCES.md"
    )
    catalogued = sorted(
        f for d in catalogue.CATALOGUE for f in (d.file, *(c[0] for c in d.companions))
    )
    # every file is catalogued once, or listed as not loaded with its reason; never both
    assert not set(catalogued) & set(catalogue.NOT_LOADED)
    assert sorted([*catalogued, *catalogue.NOT_LOADED]) == files
    assert len({d.id for d in catalogue.CATALOGUE}) == len(catalogue.CATALOGUE)


@pytest.mark.parametrize("ds", catalogue.CATALOGUE, ids=lambda d: d.id)
def test_checksum_matches_the_mirror_file(mirror: Path, ds: catalogue.Dataset) -> None:
    digest = hashlib.sha256((mirror / ds.file).read_bytes()).hexdigest()
    assert digest == ds.sha256


@pytest.mark.parametrize("ds", catalogue.CATALOGUE, ids=lambda d: d.id)
def test_rows_match_sources_md_and_the_file(mirror: Path, ds: catalogue.Dataset) -> None:
    path = mirror / ds.file
    if path.suffix == ".hexjson":
        counted = len(json.loads(path.read_text(encoding="utf-8"))["hexes"])
    else:
        with path.open(encoding="utf-8", newline="") as fh:
            counted = sum(1 for _ in csv.reader(fh)) - 1
    assert counted == ds.rows
    stated = stated_rows(mirror)
    if ds.filename in stated:  # SOURCES.md states every count except the ESP files',
        assert stated[ds.filename] == ds.rows  # the ELS files' and the Fingertips extract's
    elif ds.file.startswith("nhs_allocations/"):  # counts in prose: "6,348 practices"
        assert re.search(rf"\b{ds.rows:,}\b", sources_text(mirror))
    elif ds.id == "fingertips_northwest_extract":
        assert "(44,452 rows)" in sources_text(mirror)
    elif ds.id in ("lookup_lad24_cauth24", "lookup_lad25_cauth25"):
        # SOURCES.md states these in words: "2025: 106 districts ... 2024: 72 districts"
        year = ds.id[-2:]
        assert f"20{year}: {ds.rows} districts" in " ".join(sources_text(mirror).split())
    elif ds.id == "ons_le_local_areas_by_age":
        assert "18,880 rows" in sources_text(mirror)
    elif ds.id == "ons_sdg_death_rates_by_cause":
        assert "(24,250 rows" in sources_text(mirror)
    elif ds.id in (
        "gp_patients_per_fte_ltla24",
        "homelessness_ltla23_oct_dec_2023",
        "census2021_ethnicity_ltla21_19groups",
        "ons_health_index_icb22",
        "nhse_ae_four_hour_icb22",
        "census2021_ethnicity_lsoa21_5groups",
        "census2021_disability_lsoa21",
        "census2021_household_deprivation_lsoa21",
        "census2021_overcrowding_lsoa21",
        "census2021_disability_ltla21",
        "census2021_sexual_orientation_ltla21",
        "nhs_talking_therapies_sicbl22",
    ):
        # SOURCES.md gives no row count for these (it states 296 or 331 areas in prose;
        # the file's count is checked above); it must still describe them
        assert ds.filename in sources_text(mirror)
    elif ds.id == "ons_mye_2020_lsoa11_single_year":
        assert "34,753 LSOAs" in sources_text(mirror)
    else:
        assert ds.id.startswith(("esp2013_", "els_"))


@pytest.mark.parametrize("ds", catalogue.CATALOGUE, ids=lambda d: d.id)
def test_addresses_are_only_those_sources_md_gives(mirror: Path, ds: catalogue.Dataset) -> None:
    """Never invent an address: each is in SOURCES.md, or is a GitHub address of a
    repository and commit that SOURCES.md names (the publisher's own repository)."""
    text = sources_text(mirror).replace("\n", "")
    for url in (ds.url, ds.download_url):
        if url is None:
            continue
        assert url.startswith("https://")
        github = re.match(
            r"https://(?:raw\.githubusercontent\.com|github\.com)/([^/]+/[^/]+)/(?:blob/)?"
            r"([0-9a-f]{40})/(.+)$",
            url,
        )
        if github:
            repo, commit, path = github.groups()
            name = path.rsplit("/", 1)[-1]
            stem = name.rsplit(".", 1)[0]
            # SOURCES.md gives the ELS layout as a pattern: `<name>/<name>.csv|json`
            pattern = "`<name>/<name>.csv|json`" in text and path == f"{stem}/{name}"
            assert repo in text and commit in text and (name in text or stem in text or pattern)
        elif url in catalogue.PUBLISHER_ADDRESSES:
            # a publisher's page or bulk file SOURCES.md names without its address; each
            # is recorded with where it was checked
            assert catalogue.PUBLISHER_ADDRESSES[url]
            assert url.startswith(
                (
                    "https://www.nomisweb.co.uk/",
                    "https://www.ons.gov.uk/",
                    "https://digital.nhs.uk/",
                )
            )
        else:
            assert url in text
    if ds.url is None:
        assert ds.url_note, "a missing address must say why"
    if ds.download_url is not None:  # only byte-identical originals are downloadable
        assert ds.file.startswith(("hexmaps/", "els/", "fingertips/", "mortality/"))


def test_licences_and_attribution() -> None:
    for ds in catalogue.CATALOGUE:
        assert ds.licence in (catalogue.OGL, catalogue.MIT, catalogue.EUROSTAT)
        assert ds.attribution
        if ds.licence == catalogue.OGL:
            assert "Open Government Licence" in ds.attribution
        if ds.file.startswith("lookups/"):
            assert "Contains OS data" in ds.attribution


@pytest.mark.parametrize("ds", catalogue.CATALOGUE, ids=lambda d: d.id)
def test_parser_gives_the_canonical_frame(mirror: Path, ds: catalogue.Dataset) -> None:
    parsed = ds.parse(mirror / ds.file)
    assert parsed.records == ds.rows
    if ds.table in SHARED_TABLES:
        assert list(parsed.frame.columns) == list(SHARED_TABLES[ds.table])
    if ds.table == "indicators":
        frame = parsed.frame
        assert frame["indicator_id"].notna().all() and frame["area_code"].notna().all()
        assert (frame["source_id"] == ds.id).all()
        has = frame["lower_95_0"].notna()
        assert (frame.loc[has, "lower_95_0"] <= frame.loc[has, "value"]).all()
        assert (frame.loc[has, "value"] <= frame.loc[has, "upper_95_0"]).all()
        assert (frame["period_start"] <= frame["period_end"]).all()


def test_parsed_values_equal_the_file(mirror: Path) -> None:
    """Values pass through unchanged: compare with an independent csv-module read."""
    ds = catalogue.get("ohid_cvd_u75_preventable")
    frame = ds.parse(mirror / ds.file).frame
    with (mirror / ds.file).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert frame["value"].tolist() == [float(r["dsr_per_100000"]) for r in rows]
    assert frame["upper_95_0"].tolist() == [float(r["upper_95"]) for r in rows]
    england = frame[(frame["area_code"] == "E92000001")].set_index("period")["value"]
    assert round(england["2001-2003"], 1) == 60.8  # SOURCES.md check
    assert round(england["2022-2024"], 1) == 30.2
    years = frame.set_index("period")[["period_start", "period_end"]].drop_duplicates()
    assert years.loc["2001-2003"].tolist() == [2001, 2003]


def test_financial_year_periods(mirror: Path) -> None:
    ds = catalogue.get("ohid_adult_obesity")
    frame = ds.parse(mirror / ds.file).frame
    spans = frame[["period", "period_start", "period_end"]].drop_duplicates("period")
    first = spans[spans["period"] == "2015/16"].iloc[0]
    assert (first["period_start"], first["period_end"]) == (2015, 2016)
    assert frame["age"].unique().tolist() == ["18+ yrs"]


def test_health_index_ids_and_layout(mirror: Path) -> None:
    ds = catalogue.get("ons_health_index")
    frame = ds.parse(mirror / ds.file).frame
    assert frame["indicator_id"].nunique() == 56
    assert "hi_mortality_from_all_causes" in set(frame["indicator_id"])
    assert set(frame["area_type"]) == {"lad"}
    assert frame["sex"].isna().all() and frame["polarity"].isna().all()


def test_decile_file_becomes_two_indicators(mirror: Path) -> None:
    ds = catalogue.get("ons_hle_imd_decile_2015_2017")
    frame = ds.parse(mirror / ds.file).frame
    hle = frame[frame["indicator_id"] == "hle_birth_imd2015_decile"].set_index("category")
    poor = frame[frame["indicator_id"] == "years_in_poorer_health_imd2015_decile"]
    poor = poor.set_index("category")
    le = hle["value"] + poor["value"]  # LE = HLE + years in poorer health (SOURCES.md)
    assert (round(le["10"], 2), round(le["1"], 2)) == (83.32, 73.97)  # SOURCES.md check


def test_get_and_select() -> None:
    assert catalogue.get("imd2019_lsoa").table == "imd2019_lsoa11"
    with pytest.raises(InputError, match=r"got 'imd2019_lsao'\. Did you mean imd2019_lsoa"):
        catalogue.get("imd2019_lsao")
    with pytest.raises(InputError, match="dataset must be one of the catalogue's ids"):
        catalogue.select(["nope"])
    picked = catalogue.select(["hex_icb22", "esp2013_19"])
    assert [d.id for d in picked] == ["esp2013_19", "hex_icb22"]  # catalogue order
    frame = catalogue.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(catalogue.CATALOGUE)
    assert "parser" not in frame.columns


def test_indicator_layout_matches_the_brief() -> None:
    assert list(INDICATOR_COLUMNS)[:21] == [
        "indicator_id",
        "indicator_name",
        "area_code",
        "area_name",
        "area_type",
        "sex",
        "age",
        "category_type",
        "category",
        "period",
        "period_start",
        "period_end",
        "value",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
        "count",
        "denominator",
        "polarity",
        "source_id",
    ]


def test_genuine_fingertips_exports_through_the_importer(mirror: Path) -> None:
    """The two real Fingertips downloads the mirror keeps (see ``catalogue.NOT_LOADED``)."""
    from healthgap.data.importing import read_indicator_file
    from healthgap.errors import InputError

    path = mirror / "fingertips" / "export_93356_campylobacter_county_ua.csv"
    raw = pd.read_csv(path)
    got = read_indicator_file(path, format="fingertips")
    assert len(got) == len(raw) == 852
    england = got[(got["area_code"] == "E92000001") & got["category_type"].isna()]
    first = raw[(raw["Area Code"] == "E92000001") & raw["Category Type"].isna()]
    assert england["value"].iloc[0] == first["Value"].iloc[0]
    assert england["count"].iloc[0] == first["Count"].iloc[0] == 51897
    assert got["category_type"].notna().any()  # the deprivation-decile breakdown is kept
    with pytest.raises(InputError, match=r"line 23, column 'Lower CI 95.0 limit'"):
        read_indicator_file(
            mirror / "fingertips" / "export_comorbidity_profile_east_midlands.csv",
            format="fingertips",
        )
