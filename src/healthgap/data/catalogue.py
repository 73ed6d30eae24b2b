"""The catalogue of open datasets healthgap uses, with provenance for each.

One :class:`Dataset` per file of the offline mirror (described, file by file, in the
mirror's ``SOURCES.md``): publisher, title, period, licence and attribution, geography,
the official address, the file's name in the mirror, its SHA-256 checksum, its number
of records, the parser that turns it into a tidy canonical table, and caveats.

Addresses are only those that ``SOURCES.md`` gives, or the publisher's own repository
that it names; where none is known, ``url`` is ``None`` and ``url_note`` says why.
``download_url`` is set only where an address serves exactly the mirror's bytes (so a
download can be verified against ``sha256``); the other mirror files are reshaped copies
of the publishers' files and come from a healthgap mirror (``healthgap data fetch
--mirror``).

Examples
--------
>>> from healthgap.data import catalogue
>>> ds = catalogue.get("ons_hle_local_areas")
>>> ds.publisher, ds.licence, ds.rows
('Office for National Statistics (ONS)', 'OGL v3.0', 5814)
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from healthgap.data.sources import geography, hexmaps, imd, ohid, ons, standards
from healthgap.data.sources._common import Parsed
from healthgap.errors import InputError

OGL = "OGL v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
MIT = "MIT"
EUROSTAT = "Eurostat reuse policy"

ONS = "Office for National Statistics (ONS)"
OHID = "Office for Health Improvement and Disparities (OHID)"
MHCLG = "Ministry of Housing, Communities and Local Government (MHCLG)"

_ELS = "ONSdigital/explore-local-statistics-data"
_ELS_COMMIT = "4972c588d0c192839afc8fa54ae82cb3dc7721ed"
_GEOGRAPHR = "humaniverse/geographr @ c026be5cc76cb576358082b53f1f13d69ab577ae"
_HEXMAPS_COMMIT = "5383e24a0fbfb1a53e0dcafdf902bf6213e22b75"

_RESHAPED = (
    "The publisher's file in its original layout. The mirror file is a reshaped copy "
    "(see caveats), so its checksum differs: get the mirror file with "
    "`healthgap data fetch --mirror`."
)
_NO_OFFICIAL = (
    "SOURCES.md records only a third-party GitHub copy of the official file (see "
    "provenance), not the publisher's address."
)
_GEOGRAPHY_NOTE = (
    "ONS Open Geography Portal; the query addresses are listed in geographr's "
    "data-raw/query-urls.R (see provenance) and not recorded in SOURCES.md."
)


def _raw_github(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def _geo_attribution(year: int) -> str:
    return (
        "Source: Office for National Statistics licensed under the Open Government Licence "
        f"v.3.0. Contains OS data © Crown copyright and database right {year}."
    )


@dataclass(frozen=True)
class Dataset:
    """One open dataset: provenance, the file in the mirror and how to parse it."""

    id: str
    title: str
    publisher: str
    period: str
    licence: str
    attribution: str
    geography: str
    file: str
    sha256: str
    rows: int
    table: str
    parser: Callable[[Path, str], Parsed] = field(repr=False, compare=False)
    url: str | None
    url_note: str
    provenance: str
    download_url: str | None = None
    caveats: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        """The file's name without its folder."""
        return self.file.rsplit("/", 1)[-1]

    def parse(self, path: str | Path) -> Parsed:
        """Parse the file at ``path`` into this dataset's canonical frame."""
        return self.parser(Path(path), self.id)


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


CATALOGUE: tuple[Dataset, ...] = (
    # --- hle_le/ -------------------------------------------------------------------------
    Dataset(
        id="ons_hle_local_areas",
        title="Health state life expectancies: healthy life expectancy at birth, local areas",
        publisher=ONS,
        period="2011-2013 to 2022-2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "UK, nations, English regions, combined authorities, counties and UAs, "
            "metropolitan districts and London boroughs (no E07 shire districts)"
        ),
        file="hle_le/ons_hle_birth_local_areas_2011_2024.csv",
        sha256="55a4b0530a921841018ee0e87c324ae4ab459ce1082a282f62815ffd8075c323",
        rows=5814,
        table="indicators",
        parser=ons.hle_local_areas,
        url=_raw_github(_ELS, _ELS_COMMIT, "healthy-life-expectancy/healthy-life-expectancy.csv"),
        url_note=_RESHAPED,
        provenance=f"{_ELS} @ {_ELS_COMMIT}, healthy-life-expectancy/healthy-life-expectancy.csv",
        caveats=(
            "ONS interim method: prevalence of good health modelled by logistic regression; "
            "slightly different from earlier releases (England 2018-2020 females 64.0 here, "
            "63.9 in the original release).",
            "City of London and the Isles of Scilly are not included.",
            "Reshaped: ISO period split into period/period_start/period_end, sex taken from "
            "the indicator name, columns renamed, empty status/notes dropped.",
        ),
    ),
    Dataset(
        id="ons_hle_regions_dec2023",
        title=(
            "Health state life expectancies in England, Northern Ireland and Wales: "
            "between 2011 to 2013 and 2020 to 2022 (Figure 1 data)"
        ),
        publisher=ONS,
        period="2011-2013 to 2020-2022",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, Wales, Northern Ireland and the 9 English regions",
        file="hle_le/ons_hle_birth_regions_2011_2022.csv",
        sha256="b663580b0d1bfaec7a456dab2fcf6fa32ed6292194f7cb096b902d116fc403c6",
        rows=240,
        table="indicators",
        parser=ons.hle_regions_dec2023,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "DanielJorden/Trends-in-Life-Expectancy @ 63782f15bbb667ee6d69f2f5f5380f1f72747401, "
            "data/rawdata/trends in life expectancy.csv (verbatim ONS figure CSV)"
        ),
        caveats=(
            "Pre-interim method, back-revised with Census 2021-based populations; values to "
            "2 decimal places. Loaded as indicator hle_birth_dec2023, separate from hle_birth.",
            "Reshaped from wide to long; 'Males'/'Females' became 'Male'/'Female'.",
        ),
    ),
    Dataset(
        id="ons_le_regions",
        title="Life expectancy for local areas of the UK: England and regions",
        publisher=ONS,
        period="2001-2003 to 2022-2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and the 9 English regions",
        file="hle_le/ons_le_birth_england_regions_2001_2024.csv",
        sha256="360d0a7df71eee86e7abeca54d302d97e7f983a323f59717449aaf23a5d0c46e",
        rows=440,
        table="indicators",
        parser=ons.le_regions,
        url=_raw_github(
            _ELS, "2a85bb6d81e95b40b673d9ba6f56d861240b0f1d", "life-expectancy/life-expectancy.csv"
        ),
        url_note=_RESHAPED + " That commit is not on any branch of the repository today.",
        provenance=(
            f"{_ELS} @ 2a85bb6d81e95b40b673d9ba6f56d861240b0f1d, "
            "life-expectancy/life-expectancy.csv"
        ),
        caveats=(
            "Only the England and region rows of the 2 MB source were transcribed (by hand, "
            "then checked: each area/sex/period once, lower <= value <= upper, no jump above "
            "0.8 years between consecutive periods).",
        ),
    ),
    Dataset(
        id="ons_hle_imd_decile_2015_2017",
        title=(
            "Health state life expectancies by national deprivation deciles, England and "
            "Wales: 2015 to 2017 (Figure 3 data, males)"
        ),
        publisher=ONS,
        period="2015-2017",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, by IMD 2015 decile",
        file="hle_le/ons_hle_by_imd_decile_england_males_2015_2017.csv",
        sha256="51a22b637d03fb94be4f4492f3b2f07d12785d94f593e43d359131ee9af348f5",
        rows=10,
        table="indicators",
        parser=ons.hle_by_imd_decile,
        url=(
            "https://cy.ons.gov.uk/generator?uri=/peoplepopulationandcommunity/"
            "healthandsocialcare/healthinequalities/bulletins/"
            "healthstatelifeexpectanciesbyindexofmultipledeprivationimd/2015to2017/"
            "ca8f0b8c&format=csv"
        ),
        url_note="ONS chart data (CSV); transcribed as published, so the bytes differ.",
        provenance="ONS web chart CSV, read from a stored copy of the page",
        caveats=("Males only; LE by decile is not given (LE = HLE + years in poorer health).",),
    ),
    Dataset(
        id="ons_sii_2015_2017_2018_2020",
        title=(
            "Health state life expectancies by national deprivation deciles, England: "
            "2018 to 2020, Table 1 (slope index of inequality)"
        ),
        publisher=ONS,
        period="2015-2017 and 2018-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England",
        file="hle_le/ons_sii_le_hle_dfle_england_2015_2017_vs_2018_2020.csv",
        sha256="24f994bb4a9748447e81ed8cb1567afb33c8bc2168b5447c7e342253d2a59b1d",
        rows=6,
        table="ons_sii_le_hle_dfle",
        parser=ons.sii_le_hle_dfle,
        url=(
            "https://www.ons.gov.uk/download/table?format=csv&uri=/peoplepopulationandcommunity/"
            "healthandsocialcare/healthinequalities/bulletins/"
            "healthstatelifeexpectanciesbyindexofmultipledeprivationimd/2018to2020/07e91a61.json"
        ),
        url_note="ONS table (CSV); transcribed, the '*' flag became a boolean.",
        provenance="ONS web table CSV, read from a stored copy",
    ),
    # --- imd2019/ ------------------------------------------------------------------------
    Dataset(
        id="imd2019_lsoa",
        title=(
            "English Indices of Deprivation 2019: File 7, all ranks, scores, deciles and "
            "population denominators (reconstructed)"
        ),
        publisher=MHCLG,
        period="2019 (populations mid-2015)",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 32,844 LSOAs (2011), with LAD 2019 codes",
        file="imd2019/imd2019_lsoa11_england.csv",
        sha256="513693d9039a2f1cc399f9ff97f0f142ef374a901dd4acf5b6781408bd03c60e",
        rows=32844,
        table="imd2019_lsoa11",
        parser=imd.imd2019_lsoa,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "anetobradley/energy_flex @ 709f2f8b79a86e273a86f6c7324f4fc2b1aeeefd (Files 2 "
            "and 6) joined with nhsx/p24-pvt-diabetes-inequal @ "
            "90bb52b739a84b7d6f0773bf4830abb6537928b6, data/imd-statistics.parquet (scores)"
        ),
        caveats=(
            "Population denominators are mid-2015 estimates excluding prisoners.",
            "Barriers to Housing and Services columns are barriers_*; Living Environment "
            "columns are living_environment_*.",
        ),
    ),
    Dataset(
        id="imd2019_lad",
        title="English Indices of Deprivation 2019: File 10, local authority district summaries",
        publisher=MHCLG,
        period="2019",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 317 LADs (2019)",
        file="imd2019/imd2019_lad19_summaries.csv",
        sha256="6504b946a9bc05f6d4ce7477e0bf041e8346de4a2c236ab9a28aca9e563523a5",
        rows=317,
        table="imd2019_lad19",
        parser=imd.imd2019_lad,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "CharlesTheFifth/unhappy-meals @ ef5934da3712e5795c7030f04630aaf34bd21611, "
            "data/File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
        ),
        caveats=("The 10 domain sheets were merged on LAD code; names became snake_case.",),
    ),
    # --- imd2025/ ------------------------------------------------------------------------
    Dataset(
        id="imd2025_lsoa",
        title="English Indices of Deprivation 2025: File 7, scores, ranks and deciles",
        publisher=MHCLG,
        period="2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 33,755 LSOAs (2021), with LAD 2024 codes",
        file="imd2025/imd2025_lsoa21_england.csv",
        sha256="15a5602c47e30e2372bad647cfd779b404a6184b2697859dccfd6233daa932e5",
        rows=33755,
        table="imd2025_lsoa21",
        parser=imd.imd2025_lsoa,
        url=(
            "https://assets.publishing.service.gov.uk/media/68ff5daabcb10f6bf9bef911/"
            "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
        ),
        url_note=(
            "MHCLG's File 7; the mirror file keeps only some of its columns and adds LSOA "
            "names, so the bytes differ."
        ),
        provenance=(
            "humaniverse/IMD @ 2f6c9050afee99a40041eb63b02b6b0c58850704, "
            "data/imd2025_england_lsoa21.rda"
        ),
        caveats=(
            "No population denominators, subdomains or supplementary indices: population-"
            "weighted figures for IMD 2025 need LSOA 2021 populations from elsewhere.",
        ),
    ),
    Dataset(
        id="imd2025_lad",
        title="English Indices of Deprivation 2025: File 10, local authority district summaries",
        publisher=MHCLG,
        period="2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 296 LADs (2024)",
        file="imd2025/imd2025_lad24_summaries.csv",
        sha256="40fab5120f72a9796d4dcdbdb967e613cfe35d59386e957e07ed3bebd965a04b",
        rows=296,
        table="imd2025_lad24",
        parser=imd.imd2025_lad,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "humaniverse/IMD @ 2f6c9050afee99a40041eb63b02b6b0c58850704, "
            "data/imd2025_england_ltla24.rda"
        ),
        caveats=("Column names from janitor::clean_names; ltla24_* became lad24_*.",),
    ),
    Dataset(
        id="imd2025_icb",
        title="English Indices of Deprivation 2025: File 13, integrated care board summaries",
        publisher=MHCLG,
        period="2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 42 ICBs (2024)",
        file="imd2025/imd2025_icb24_summaries.csv",
        sha256="f2d719d8f4d6fa2d475210f606d4a55e8d61e23171d3f22a18c3ff86121a65d5",
        rows=42,
        table="imd2025_icb24",
        parser=imd.imd2025_icb,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "humaniverse/IMD @ 2f6c9050afee99a40041eb63b02b6b0c58850704, "
            "data/imd2025_england_icb24.rda"
        ),
    ),
    # --- lookups/ ------------------------------------------------------------------------
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
    # --- population/ ---------------------------------------------------------------------
    Dataset(
        id="ons_mye_2020_lad21",
        title=(
            "Estimates of the population for the UK, England and Wales, Scotland and "
            "Northern Ireland, mid-2020 (2021 geography), MYE2 persons"
        ),
        publisher=ONS,
        period="mid-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and Wales, 331 LADs (2021)",
        file="population/ons_mye_mid2020_persons_single_year_lad21_ew.csv",
        sha256="b6db50c7f898dd1dad9b2e8395339d9a39dda5cd4123d6ca795d1f1632f627ca",
        rows=331,
        table="populations",
        parser=ons.mye_mid2020_single_year,
        url=(
            "https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/populationandmigration/"
            "populationestimates/datasets/populationestimatesforukenglandandwalesscotlandand"
            "northernireland/mid2020/ukpopestimatesmid2020on2021geography.xls"
        ),
        url_note="ONS's spreadsheet (xls); the mirror file is a CSV of one sheet.",
        provenance=(
            "humaniverse/demographr @ d0417101e5cad5fe1eca059ac60859e9157a29d2, "
            "data/population20_ltla21.rda"
        ),
        caveats=("Persons only: no single-year-of-age split by sex was available.",),
    ),
    Dataset(
        id="census2021_sex_lad21",
        title="Census 2021 TS009: sex by single year of age (LTLA totals)",
        publisher=ONS,
        period="2021 (Census day)",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and Wales, 331 LADs (2021)",
        file="population/census2021_usual_residents_by_sex_lad21_ew.csv",
        sha256="18c186f258dbbe860b06326a9c3bd023be6da43084e7b5238e2c95dc13ffddf3",
        rows=331,
        table="populations",
        parser=ons.census2021_by_sex,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "humaniverse/demographr @ d0417101e5cad5fe1eca059ac60859e9157a29d2, "
            "data/age_gender21_ltla21_ew.rda"
        ),
        caveats=(
            "Totals only; the package's derived age bands were dropped (its code "
            "double-counts overlapping categories).",
        ),
    ),
    # --- indicators/ ---------------------------------------------------------------------
    Dataset(
        id="ohid_cvd_u75_preventable",
        title=(
            "Public Health Outcomes Framework 93722: under 75 mortality rate from "
            "cardiovascular diseases considered preventable"
        ),
        publisher=OHID,
        period="2001-2003 to 2022-2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, regions, counties and UAs, LADs",
        file="indicators/ohid_preventable_cvd_mortality_u75_dsr_2001_2024.csv",
        sha256="18cf9cf919ed58c3a523343a2ce70dce38271d543229b08b0b01b4d998937f57",
        rows=7150,
        table="indicators",
        parser=ohid.preventable_cvd_mortality_u75,
        url=_raw_github(
            _ELS,
            _ELS_COMMIT,
            "preventable-cardiovascular-mortality-england/"
            "preventable-cardiovascular-mortality-england.csv",
        ),
        url_note=(
            "ONS's republication of the OHID Fingertips indicator (Explore Local "
            "Statistics). " + _RESHAPED
        ),
        provenance=(
            f"{_ELS} @ {_ELS_COMMIT}, preventable-cardiovascular-mortality-england/"
            "preventable-cardiovascular-mortality-england.csv (source date 04/11/2025)"
        ),
        caveats=(
            "Directly age-standardised rate per 100,000 with 95% limits; no counts or "
            "denominators in the source.",
            "Persons aged under 75 (the source's metadata).",
        ),
    ),
    Dataset(
        id="ohid_adult_obesity",
        title="Percentage of adults (18+) classified as living with obesity (Active Lives)",
        publisher=OHID,
        period="2015/16 to 2024/25",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, regions, combined authorities, counties and UAs, LADs",
        file="indicators/ohid_adult_obesity_prevalence_2015_2025.csv",
        sha256="2c75a2519fe7e7a717d12b2885243bb4b0c30ee2b6ae23fbd1bea6bb93f8dfce",
        rows=3510,
        table="indicators",
        parser=ohid.adult_obesity_prevalence,
        url=_raw_github(_ELS, _ELS_COMMIT, "adult-obesity-prevalence/adult-obesity-prevalence.csv"),
        url_note=(
            "ONS's republication of the OHID Fingertips indicator (Explore Local "
            "Statistics). " + _RESHAPED
        ),
        provenance=f"{_ELS} @ {_ELS_COMMIT}, adult-obesity-prevalence/adult-obesity-prevalence.csv",
        caveats=(
            "Survey years run mid-November to mid-November; period_start and period_end "
            "are the calendar years of the first and last day (2015/16: 2015 and 2016).",
            "Self-reported height and weight, adjusted; 95% limits; no counts.",
        ),
    ),
    Dataset(
        id="ons_health_index",
        title="Health Index for England: underlying data (Table 2)",
        publisher=ONS,
        period="2015 to 2021",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 307 LADs (2021)",
        file="indicators/ons_health_index_underlying_indicators_lad21_2015_2021.csv",
        sha256="5ebdc158fbf59c9fc33f0d918a2a3176b1786b5bd477763cd8bf6c227c90b88a",
        rows=120344,
        table="indicators",
        parser=ons.health_index_indicators,
        url=None,
        url_note=_NO_OFFICIAL
        + " The ONS file is healthindexunderlyingdataenglandcanscreenfix.xlsx.",
        provenance=(
            "humaniverse/healthyr @ ed2003efc556306bc4421e2b99b17031db47d719, "
            "data/england_health_index_indicators.rda"
        ),
        caveats=(
            "56 indicators in raw units; values written to 6 significant figures.",
            "No counts, denominators, limits, sex or polarity in the source.",
        ),
    ),
    # --- reference/ ----------------------------------------------------------------------
    *(
        Dataset(
            id=f"esp2013_{bands}",
            title=f"2013 European Standard Population, {bands} age bands",
            publisher="Eurostat",
            period="2013",
            licence=EUROSTAT,
            attribution=(
                "Source: Eurostat (2013), Revision of the European Standard Population: "
                "report of Eurostat's task force."
            ),
            geography="Standard population (not an area)",
            file=f"reference/esp2013_{bands}_age_bands.csv",
            sha256=sha,
            rows=bands,
            table="standard_populations",
            parser=standards.esp2013,
            url=None,
            url_note="A published constant; SOURCES.md gives no download address.",
            provenance="Checked identical in phstatsmethods 0.1.16 and PHEindicatormethods tests",
            caveats=note,
        )
        for bands, sha, note in (
            (
                19,
                "7ad20ffd6c6d1e93d1fabfa125b13e5e4845ea9be2cd7265479f9f1a22e214c5",
                ("Bands 0-4, 5-9, ..., 85-89, 90+; weights total 100,000.",),
            ),
            (
                20,
                "5df320552c335c394c5ccdb472ff3c4c6148515478656ab3c1f44a8ee14f9cc8",
                ("As the 19-band version with 0-4 split into under 1 and 1-4.",),
            ),
        )
    ),
    # --- hexmaps/ ------------------------------------------------------------------------
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

_BY_ID: dict[str, Dataset] = {d.id: d for d in CATALOGUE}


def get(dataset_id: str) -> Dataset:
    """The catalogue entry ``dataset_id``; unknown ids raise :class:`InputError`."""
    try:
        return _BY_ID[dataset_id]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(dataset_id), list(_BY_ID), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise InputError(
            f"dataset must be one of the catalogue's ids; got {dataset_id!r}.{hint} "
            "List them with `healthgap datasets --catalogue`."
        ) from None


def select(ids: Iterable[str] | None = None) -> tuple[Dataset, ...]:
    """The catalogue entries named by ``ids`` (all of them when ``None``), in order."""
    if ids is None:
        return CATALOGUE
    wanted = [get(i).id for i in ids]
    return tuple(d for d in CATALOGUE if d.id in wanted)


def to_frame(datasets: Iterable[Dataset] | None = None) -> pd.DataFrame:
    """The catalogue as a table: one row per dataset, without the parser."""
    rows = [
        {
            "id": d.id,
            "title": d.title,
            "publisher": d.publisher,
            "period": d.period,
            "licence": d.licence,
            "geography": d.geography,
            "file": d.file,
            "rows": d.rows,
            "table": d.table,
            "sha256": d.sha256,
            "url": d.url,
            "download_url": d.download_url,
        }
        for d in (CATALOGUE if datasets is None else datasets)
    ]
    return pd.DataFrame(rows)
