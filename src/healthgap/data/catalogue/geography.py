"""ONS geography lookups (via humaniverse/geographr) and Open Innovations hex layouts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    _GEOGRAPHR,
    _HEXMAPS_COMMIT,
    MIT,
    OGL,
    ONS,
    _geo_attribution,
    _raw_github,
)
from healthgap.data.sources import (
    geography,
    hexmaps,
)
from healthgap.data.sources._common import Parsed

_GEOGRAPHY_NOTE = (
    "ONS Open Geography Portal; the query addresses are listed in geographr's "
    "data-raw/query-urls.R (see provenance) and not recorded in SOURCES.md."
)


def _lookup(
    id: str,
    stem: str,
    title: str,
    sha256: str,
    rows: int,
    parser: Callable[[Path, str], Parsed],
    year: int,
    geography_: str,
    caveats: tuple[str, ...] = (),
) -> Dataset:
    return Dataset(
        id=id,
        title=title,
        publisher=ONS,
        period=str(year),
        licence=OGL,
        attribution=_geo_attribution(year),
        geography=geography_,
        file=f"lookups/{stem}.csv",
        sha256=sha256,
        rows=rows,
        table=f"lookup_{stem}",
        parser=parser,
        url=None,
        url_note=_GEOGRAPHY_NOTE,
        provenance=f"{_GEOGRAPHR} (built by a data-raw/ script from the ONS portal)",
        caveats=(
            "Column 'ltla' renamed 'lad'; long SICBL and ICB names moved to the names tables.",
            *caveats,
        ),
    )


def _hexmap(
    id: str, stem: str, title: str, sha256: str, rows: int, note: str, period: str
) -> Dataset:
    path = f"maps/{stem}.hexjson"
    return Dataset(
        id=id,
        title=title,
        publisher="Open Innovations (ODI Leeds)",
        period=period,
        licence=MIT,
        attribution="HexJSON layout © 2017- Open Innovations, MIT licence.",
        geography=note,
        file=f"hexmaps/{stem}.hexjson",
        sha256=sha256,
        rows=rows,
        table="hex_layouts",
        parser=hexmaps.hexjson,
        url=f"https://github.com/odileeds/hexmaps/blob/{_HEXMAPS_COMMIT}/{path}",
        url_note="The publisher's repository; the mirror file is the original, unchanged.",
        provenance=f"odileeds/hexmaps @ {_HEXMAPS_COMMIT}, {path}",
        download_url=_raw_github("odileeds/hexmaps", _HEXMAPS_COMMIT, path),
    )


#: lookups/: ONS geography lookups.
LOOKUPS: tuple[Dataset, ...] = (
    _lookup(
        "lookup_lsoa11_lad21",
        "lsoa11_lad21_ew",
        "LSOA (2011) to Ward (2021) to LAD (2021) lookup",
        "9ba54c4dee66a6f2771d1d479012fd2dfc3fee310a18e7f9b7f6d19bbbf919d2",
        34753,
        geography.lsoa11_lad21,
        2021,
        "England and Wales",
        ("Ward columns are not in the source.",),
    ),
    _lookup(
        "lookup_lsoa11_lsoa21_lad22",
        "lsoa11_lsoa21_lad22_ew",
        "LSOA (2011) to LSOA (2021) to LAD (2022) lookup, v2",
        "8c5ef0c81c9b8c3c783f0ac2b06685ed2e51e84e9df223dd20af10877077b883",
        35795,
        geography.lsoa11_lsoa21_lad22,
        2022,
        "England and Wales",
        ("change_code: U unchanged, S split, M merged, X redesigned. LSOA names dropped.",),
    ),
    _lookup(
        "lookup_lsoa21_ward24_lad24",
        "lsoa21_ward24_lad24_ew",
        "LSOA (2021) to Electoral Ward (2024) to LAD (2024) best-fit lookup",
        "fc087dc66105de033dca4416822a5429553334f57c2eccd970cd66cc6497cdcf",
        35672,
        geography.lsoa21_ward24_lad24,
        2024,
        "England and Wales",
    ),
    _lookup(
        "lookup_lsoa11_icb22",
        "lsoa11_sicbl22_icb22_lad22_en",
        "LSOA (2011) to Sub-ICB Location to ICB to LAD (July 2022) lookup",
        "9737b82f2f75a14b949dbf1bc1f7b9c800938f2f9fbf595adf905e0c73c881f3",
        32844,
        geography.lsoa11_icb22,
        2022,
        "England",
    ),
    _lookup(
        "lookup_icb22_names",
        "sicbl22_icb22_names_en",
        "Sub-ICB Location and ICB (July 2022) names and NHS ODS codes",
        "f371a67d94bc518e6d760a80bf71dfd019de1db6989631afd45c70e80fb667f2",
        106,
        geography.icb22_names,
        2022,
        "England",
    ),
    _lookup(
        "lookup_lsoa21_icb24",
        "lsoa21_sicbl24_icb24_en",
        "LSOA (2021) to Sub-ICB Location to ICB (April 2024) lookup",
        "8b46f6118b484aeda89f817d9b33eb570e2d76b80d420aecf340c05acc1bd105",
        33755,
        geography.lsoa21_icb24,
        2024,
        "England",
        ("Only the ICB columns of the source were kept.",),
    ),
    _lookup(
        "lookup_icb24_names",
        "sicbl24_icb24_names_en",
        "Sub-ICB Location and ICB (April 2024) names and NHS ODS codes",
        "3736f9a2bcea4774e217df10152fb1c887122555c2efb13e8f95918ad512f03a",
        106,
        geography.icb24_names,
        2024,
        "England",
    ),
    _lookup(
        "lookup_lad24_region24",
        "lad24_region24_en",
        "LAD to Region (December 2024) lookup",
        "620f8b3d55a2901ec3ebfe52fba1c538b0f5c41c8d66581b3e9760009f972b86",
        296,
        geography.lad24_region24,
        2024,
        "England",
    ),
    _lookup(
        "lookup_lad23_utla23",
        "lad23_utla23_ew",
        "Lower Tier Local Authority to Upper Tier Local Authority (April 2023) lookup",
        "7750f58f1ae3bf9c6d956db1008d0e857475de73d656daf534146edb3cfe00ed",
        318,
        geography.lad23_utla23,
        2023,
        "England and Wales",
    ),
    _lookup(
        "lookup_lad23_cauth23",
        "lad23_cauth23_en",
        "LAD to Combined Authority (December 2023) lookup",
        "0e463f04a9d5a979c4ff04baadf1c17da5f657d380ae3d9690ff5caf6ae25995",
        53,
        geography.lad23_cauth23,
        2023,
        "England: 10 combined authorities",
        (
            "The 2024-25 authorities (e.g. Lancashire, Hull and East Yorkshire, Greater "
            "Lincolnshire, Devon and Torbay, East Midlands, York and North Yorkshire, and "
            "the North East MCA E47000014) are not in this lookup.",
        ),
    ),
    _lookup(
        "lookup_lad24_cauth24",
        "lad24_cauth24_may2024",
        "Local Authority District to Combined Authority (May 2024) Lookup in EN",
        "756c9036275a3ff14ad700d154be0a7defa21259c903a021a549e59fc9b015ef",
        72,
        geography.lad24_cauth24,
        2024,
        "England: 11 combined authorities (May 2024)",
        (
            "Original ONS bytes (upper-case column names, byte-order mark), from "
            "dfe-analytical-services/lsip_dashboard; not via geographr.",
        ),
    ),
    _lookup(
        "lookup_lad25_cauth25",
        "lad25_cauth25_may2025",
        "Local Authority District to Combined Authority (May 2025) Lookup in EN",
        "7d8a10543e163ebb8e89df02d2bf522bd7e4b70aab9084dce7216f6c35e043b9",
        106,
        geography.lad25_cauth25,
        2025,
        "England: 15 combined authorities (May 2025)",
        (
            "Original ONS bytes (upper-case column names, byte-order mark), from "
            "dfe-analytical-services/lsip_dashboard; not via geographr.",
            "Barnsley and Sheffield have 2025 codes (E08000038, E08000039) after a boundary "
            "change; the 2024 lookups use E08000016 and E08000019.",
        ),
    ),
    _lookup(
        "lookup_lad_code_history",
        "lad_code_history_2016_2024",
        "LAD codes and names for each year 2016 to 2024 (geographr lookup_ltla_ltla)",
        "93aa2c5311a7ede64aa1b320b06b85a4997a3d8e51278463f30da6cf1fa2e016",
        393,
        geography.lad_code_history,
        2024,
        "United Kingdom",
        (
            "Fife and Perth and Kinross (2016-2017 codes) each map to both 2018 codes "
            "after their boundary change; every English old code maps to one 2024 code.",
        ),
    ),
)


#: hexmaps/: Open Innovations hex layouts.
HEXMAPS: tuple[Dataset, ...] = (
    _hexmap(
        "hex_lad23",
        "uk-local-authority-districts-2023",
        "UK local authority districts 2023 hex map",
        "dc1692514e184c0299619fee3377ef09cdaabd3190c408a08b337e5eb99a88d7",
        361,
        "United Kingdom, 361 LADs (296 English, matching the LAD 2024 codes)",
        "2023 boundaries",
    ),
    _hexmap(
        "hex_lad21",
        "uk-local-authority-districts-2021",
        "UK local authority districts 2021 hex map",
        "8fe52334040ecc4b6976fa7e697bfccd6739d97d360500fe336ced73275866ab",
        374,
        "United Kingdom, 374 LADs (309 English LAD 2021)",
        "2021 boundaries",
    ),
    _hexmap(
        "hex_utla",
        "uk-upper-tier-local-authorities",
        "English upper-tier local authorities hex map (about 2019-20 vintage)",
        "09bb73a51350b25d0c34ff0aa72236f8e20753b2bc2f01e12a3369224cc4dc61",
        151,
        (
            "England, 151 UTLAs of an older vintage (still Buckinghamshire E10000002, "
            "Cumbria, Northamptonshire, North Yorkshire, Somerset; no E06000060-66)"
        ),
        "about 2019-20 boundaries",
    ),
    _hexmap(
        "hex_icb22",
        "nhs-icb-2022",
        "NHS integrated care boards 2022 hex map",
        "cf8ec9f5910fc13028914e83877e45a7ec1f882ab896f152378bd41d1939efa1",
        42,
        "England, 42 ICBs (ids are ODS codes; STP21CD holds the E54 code)",
        "2022 boundaries",
    ),
)
