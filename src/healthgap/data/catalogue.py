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

from healthgap.data.sources import (
    ae_icb,
    census_ethnicity,
    census_tables,
    district_access,
    els,
    fingertips_extract,
    geography,
    health_index_icb,
    hexmaps,
    imd,
    lsoa_population,
    nhs_allocations,
    ohid,
    ons,
    ons_le,
    ons_sdg,
    standards,
    talking_therapies,
)
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
NHSE = "NHS England"

_ELS = "ONSdigital/explore-local-statistics-data"
_ELS_COMMIT = "4972c588d0c192839afc8fa54ae82cb3dc7721ed"
_GEOGRAPHR = "humaniverse/geographr @ c026be5cc76cb576358082b53f1f13d69ab577ae"
_HEXMAPS_COMMIT = "5383e24a0fbfb1a53e0dcafdf902bf6213e22b75"
_AIF = "nhsx/AIF_Allocation_Tool"
_AIF_COMMIT = "02c749ad78eb095d627672229e6f09c0bb04abe4"
_ICB_TOOL = "nhsengland/ICB_Allocation_Tool_update"
_ICB_TOOL_COMMIT = "32182a7829f95043ce9c4d35664e03d8449d6794"

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
    #: Files the parser reads beside ``file`` (metadata, lookups): (path, SHA-256,
    #: download address or None), each checked and fetched like the main file.
    companions: tuple[tuple[str, str, str | None], ...] = ()

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


# --- issue 15: ONS Explore Local Statistics and the Fingertips extract (i15) ---------
_ELS_FILES: tuple[tuple[str, str, str, int], ...] = (
    # (stem, CSV SHA-256, JSON SHA-256, records)
    (
        "average-travel-time",
        "da716822ac407f0dd51c051df3b336341be3e9dd9f3cf581b47eb1123259000e",
        "7afdddede283e4d82221cbf9b8b141607aece71531967e64f142889d57e11de3",
        5565,
    ),
    (
        "cancer-diagnosis-at-stage-1-and-2",
        "0f34ff749f49db09652ad36bb6b62a297613c57c570f478150a37150b459e5fb",
        "ea70c98f45de518cb1e8bfbd26602885bc1712ec55e69d79b398e02758ea060e",
        3360,
    ),
    (
        "children-in-relative-poverty",
        "46f53d5ed5bc8740923e2b5ca7d13d64bbb28516a532c7f8300b523a044e6eb6",
        "d97f46bd349c0bd637d928ad640e59ac941c332a759d605994a690461bd0e828",
        2472,
    ),
    (
        "cigarette-smokers",
        "54d7dbbfc43eed9ab8f05d876882758d0e9f17bc612044ffe6dbd48de23c3387",
        "de5c1765a71ed41e9afa3a4301472b07c016a15944a6e291f1000ebfc9d72807",
        756,
    ),
    (
        "claimant-count",
        "8e4b5d94cbae6090318ac18c5669c792aa9a1edf432a010b65e9435de2ffee2d",
        "d1f062153f095982e412fb76a259b0911253a3e72c822493c5cf4c416ebe4f10",
        10325,
    ),
    (
        "early-years",
        "6c7b46f6c04c7aa2643b651a9477fc745c10f6d3b7d7b711e271b2fc6976d961",
        "76eb6e16e87404e02fb107b3440dc428af5d155f22a064fe19cfb0da3089dbe8",
        4257,
    ),
    (
        "employment-rate",
        "ce716dd803b332f7181b4da53b2f1150db3d1aba79d94b5ce7a4cf7f66960e7d",
        "b549fa8ced9ec2be7684e220c608b9f47f4a85fe9f4d5b51454dc9cba434eaa4",
        16080,
    ),
    (
        "engagement-with-culture-and-heritage",
        "8fa6350c43f1712be52c264168f3f8375347d08f7caf1c1f91c24810b920783a",
        "68851e4ad0417aeddd2ed121d589a6921fdcfd89812c88cf887864dc602b3a5e",
        1396,
    ),
    (
        "food-outlets",
        "90880d180370294c10c2fff984c93e2072e7407f8e28575a3cd15c321dff106a",
        "b76e20fd1d4a02e3ba007fd660693e05effb63088d0947ebca20496ea5af8d40",
        6608,
    ),
    (
        "further-education-and-skills-learner-achievements",
        "c9e7cdc7fd92e50bcf404b66d6fd77dab528595fd872f4b996eee6e2ca3f5ad0",
        "5667cebd74247948f41437e0c1e23b6cc04ff48d64c4501a2e60236fad924d22",
        2084,
    ),
    (
        "further-education-and-skills-participation",
        "df23c8f611b505aa4a39c9c896447fa81e517d811df78dd34e8c448aabc98d22",
        "64c5cfa216b72e8d80b7737744068540aae24743d154dfcbfb90f9e36f54d9c4",
        2084,
    ),
    (
        "gcses-in-english-and-maths",
        "f3b4c9393e60fdba58d2b919d2055871501c65de9588daeed046fa337ff554fa",
        "95a89e67b5650b62144c8603c7deccc154a1474b0ba8fcfed97b32650e8897c1",
        3387,
    ),
    (
        "gross-disposable-household-income-per-head",
        "bdc0a5b12185dcf7669492cb4555559be74d4da0099c4b65692f0476e13da4a0",
        "1ec95520200b45b1c76a020bc620637e3c36955bf6197559545341ff5b3daa2a",
        17442,
    ),
    (
        "gross-median-weekly-pay",
        "285a76982afdfd38e9366535b43bf3e68c878ada7b819d722d2ec188c38eff17",
        "5d1a1f330fb55595bd2ef1d53971a1a6e7376aeeb746d3e0f074a499811f0a2a",
        7109,
    ),
    (
        "gross-value-added",
        "10bb77e41ecb370d8ca6f303dbcc3fe73c6938b42f03f188e9e6f700905bb4cb",
        "a6c4497500e951e1e6b01c52fb12205d4a547b114284640db8a5df3e994d4bce",
        16402,
    ),
    (
        "homicide-offences",
        "6b4269e0eabc5f92dfaf03fb7e97930cc4fc1ee5febd046020649ccf6889b6f8",
        "d2e0cefa3f36d9d90a7b049b810390130eb37daa5df01e05f49612bc284fd5ee",
        504,
    ),
    (
        "housing-affordability-ratio",
        "973d3aef791def803be89cc6e42125778efb6d0518321ae4cf4e14350bebff55",
        "655a1d6a3413f2effff06c75909d6a72e5456600b5b756d32e5424c9d85555af",
        8424,
    ),
    (
        "library-walk",
        "b1dee9496c24692197e1fcf7e824ddf80d27fac41f1055610e93e171d042921a",
        "8c455df72365ba24ba4270cb88cce4a1327f02472ac0e3fe208e9e85703d3646",
        362,
    ),
    (
        "modelled-unemployment",
        "96905fd71cc216a74397300cafa827fe310c231efe4872addfa9486813a2e766",
        "ee6f9c98861d9c8224a487c6e909149f93c30025d5336396cc43fe7ad947ebdf",
        7580,
    ),
    (
        "net-additions-to-the-housing-stock",
        "bb8b25a295945975a1ccc40298a58747821c97fab2ebe6a951f68d2379579739",
        "9d2bb6531781c1b94fd18987c8b92941e2d875c8bad6f8d178d1251d23202a6c",
        8621,
    ),
    (
        "persistent-absences-for-all-pupils",
        "e1dd8ee9d362a2a902cd5ad4219c54a9a66204512baf7764fc3bd703cba45234",
        "38a008f53aedd297f4e4f5384e67c5c25d2af51154b2c5f564dfd163975b1cab",
        2909,
    ),
    (
        "persistent-absences-for-pupils-eligible-for-free-school-meals",
        "9791f6da49816e59946be46c65c5337528a62332e124c0b4e43a73fe020518c4",
        "278a9c38340dd21d74448ef3656f0dd61ddccc0a372c693237549310b4c3171f",
        975,
    ),
    (
        "persistent-absences-for-pupils-looked-after-by-local-authorities",
        "72297a3bc6e205656a8754ce8d51045931ae802b2d977b976a0139c6da732655",
        "554bc7e4d5857b9a26d04bc930574c39beb073cff21a3fd1651a4542f7fc69b2",
        1148,
    ),
    (
        "personal-wellbeing-estimates",
        "6d387ce918f8b03a062e88b358cf55bbb17850ced645d610f33c614fd2302318",
        "4b937e2d2598d03589f46bd8f71b01f323826d089320416e602d5048e0c3f562",
        20112,
    ),
    (
        "pupils-at-expected-standards-by-end-of-primary-school",
        "ce4d2124987abb979dd8dfc923935a090ed4a063d788effd967f4419abba7f6d",
        "4badd0a2cd1d90edd4162dfd176a721af84d98057c1276ea660a86ca309851cb",
        1795,
    ),
    (
        "qualifications-level-3-or-above",
        "dfb5e9312503c56c268459ff249edc6d61803886ae7cdb93b2b6a8ce4e70cad9",
        "57424ec90d74f8a321d00240093531eae70f7d2c476b2cb73872ee8ce7d3cd32",
        803,
    ),
    (
        "qualifications-none-gb",
        "1b2451aa95b366432600fdf40f3f856e301a7873c04db0889843289dfe4009e3",
        "a4bc35010d7156d301bf234c727e95598c3d0b29bcb21e8e13cf58e0351d959c",
        804,
    ),
    (
        "railway-station-walk",
        "bafb5458e34810db3ed2ab05e9015a5d1bab660b02b0f329cc3517781bf4fe34",
        "d3e114adda04344470fc3716ebba6b60384ab5ba227297186d847098ee137480",
        362,
    ),
    (
        "sports-facilities",
        "d989f821530b35419eaa1990a6a80a7d0cc02734823947148c72e92f4556021b",
        "196453436721d3a3c954f321c1d0e5a69e99acb8b434dd4ca2b9cd64fecad660",
        361,
    ),
    (
        "supermarkets",
        "db17f0cecf5ea9a9a38516737fc59be02003ed6febdfcb9011ca94cf6490d301",
        "d80220377bb8b9f5efc5a91d41f05d0aff3c553c697583f652f69dede6975b2a",
        432,
    ),
)


def _els(stem: str, sha256: str, json_sha256: str, rows: int) -> Dataset:
    csv_path, json_path = f"{stem}/{stem}.csv", f"{stem}/{stem}.json"
    return Dataset(
        id="els_" + stem.replace("-", "_"),
        title=f"Explore Local Statistics: {stem.replace('-', ' ')}",
        publisher=ONS,
        period="as published (see the indicator metadata)",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "UK, nations, regions, combined authorities, counties and UAs, districts "
            "(ITL regions and police force areas are left out)"
        ),
        file=f"els/{stem}.csv",
        sha256=sha256,
        rows=rows,
        table="indicators",
        parser=els.explore_local_statistics,
        url=f"https://github.com/{_ELS}/blob/{_ELS_COMMIT}/{csv_path}",
        url_note="The publisher's repository; the mirror file is the original, unchanged.",
        provenance=f"{_ELS} @ {_ELS_COMMIT}, {csv_path} and {json_path}",
        download_url=_raw_github(_ELS, _ELS_COMMIT, csv_path),
        caveats=(
            "The original publisher of each indicator is named in its metadata "
            "(indicator_metadata.source).",
            "Polarity and domain come from healthgap's reviewed table "
            "(healthgap.data.sources.indicator_review), with a reason for each.",
        ),
        companions=((f"els/{stem}.json", json_sha256, _raw_github(_ELS, _ELS_COMMIT, json_path)),),
    )


_FINGERTIPS_NEXT = "dhsc-govuk/FingertipsNext"
_FTN_DATA = "0ed8ddc0e5283da3471af801c237776cd21b1be6"
_FTN_LOOKUPS = "d1600f4a5a6dc3eacaaad5d23e00f6eb312fdbba"
_FTN_META = "2f2c803efd235239d79971b3a748cbd967b147be"
_FTN_OUT = "DataCreator/DataCreator/data/out"

_INDICATOR_BREADTH: tuple[Dataset, ...] = (
    *(_els(*entry) for entry in _ELS_FILES),
    Dataset(
        id="fingertips_northwest_extract",
        title=(
            "OHID Fingertips values with counts, denominators and breakdowns: England and "
            "the North West (FingertipsNext developer extract)"
        ),
        publisher=OHID,
        period="2018 to 2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "England, 36 North West councils (Greater Manchester, Lancashire, Merseyside), "
            "their ICBs and sub-ICBs (GP practices and PCNs are left out)"
        ),
        file="fingertips/northwest_extract_healthdata.csv",
        sha256="ea648d3848b2a8e19cc7dd59a93149d534e57dcdd92f35cf3b960891d1df0c43",
        rows=44452,
        table="indicators",
        parser=fingertips_extract.fingertips_extract,
        url=f"https://github.com/{_FINGERTIPS_NEXT}/blob/{_FTN_DATA}/{_FTN_OUT}/healthdata.csv",
        url_note="DHSC's FingertipsNext repository; the mirror file is the original, unchanged.",
        provenance=f"{_FINGERTIPS_NEXT} @ {_FTN_DATA}, {_FTN_OUT}/healthdata.csv (data OGL v3.0)",
        download_url=_raw_github(_FINGERTIPS_NEXT, _FTN_DATA, f"{_FTN_OUT}/healthdata.csv"),
        caveats=(
            "A developer seed extract, not national coverage: England and the North West only.",
            "The extract has no area types: a key repeated with identical values is kept "
            "once; 328 keys repeated with different values (sub-ICBs under two vintages, "
            "mostly GP Patient Survey and QOF indicators) are left out.",
            "Polarity and domain come from healthgap's reviewed table; Fingertips' metadata "
            "extract gives none.",
            "31 rows whose published 95% limits do not contain the value (93124 England "
            "deprivation rows, one 93701 row) are loaded without limits (value_note says so).",
        ),
        companions=(
            (
                "fingertips/areas.csv",
                "6b78a2de0b27df399b832352c16eeea9e74bebc5ae4040312532390b08a3e1b1",
                _raw_github(_FINGERTIPS_NEXT, _FTN_LOOKUPS, f"{_FTN_OUT}/areas.csv"),
            ),
            (
                "fingertips/categories.csv",
                "d83ca0fecbfd1278279836d600062d09c0329b69671d76d57ee520eb8393b84d",
                _raw_github(_FINGERTIPS_NEXT, _FTN_LOOKUPS, f"{_FTN_OUT}/categories.csv"),
            ),
            (
                "fingertips/indicator_metadata_1587.json",
                "57305bd3e2457cf6670f3b5361b5df2894126736827d876cfd7aa68a7a180ada",
                _raw_github(
                    _FINGERTIPS_NEXT,
                    _FTN_META,
                    "apps/ai-search/ai-search-setup/dist/assets/ft.json",
                ),
            ),
        ),
    ),
)
_INDICATOR_BREADTH += (
    Dataset(
        id="ons_le_local_areas_by_age",
        title=(
            "Life expectancy for local areas of the UK, 2021 to 2023: at birth and at 65, "
            "with 95% limits"
        ),
        publisher=ONS,
        period="2021-2023",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "UK countries, English regions, combined authorities, ICBs, counties, unitary "
            "authorities and districts"
        ),
        file="hle_le/ons_le_local_areas_by_age_2021_2023.csv",
        sha256="2afef90fc97ed204684ecfd96eaa300a6d17c4bdf8c4b75679df9de619f70e8e",
        rows=18880,
        table="indicators",
        parser=ons_le.le_by_age,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "CameronNicholas-Foley/IJC445-Yorkshire-structural-profile @ "
            "1651379b467e4e553ea88bb87da862ab2d4aeaf9, raw_data/ONS_life_expectancy/"
            "lifeexpectancylocalareas_trimmed.xlsx (header rows dropped)"
        ),
        caveats=(
            "Loaded: le_birth (age <1) for every area but England and the regions (those "
            "come from ons_le_regions, the same release) and le_65 (age band 65 to 69) for "
            "every area; the other age bands are not loaded.",
            "Scottish and Welsh health boards are left out.",
        ),
    ),
)
_INDICATOR_BREADTH += (
    Dataset(
        id="ons_sdg_death_rates_by_cause",
        title=(
            "UK SDG indicator 3.4.1: death rates from cardiovascular disease, cancer, "
            "diabetes or chronic respiratory disease by region, sex and age"
        ),
        publisher=ONS,
        period="2013-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and the 9 English regions",
        file="mortality/ons_sdg_3_4_1_death_rates_region_sex_age_cause_2013_2020.csv",
        sha256="6bd3ca70fa474f3cccbbd52dc30cede6a8f17209ceaef4babfaf0c1ece61be3b",
        rows=24250,
        table="death_rates_by_cause",
        parser=ons_sdg.death_rates,
        url=_raw_github(
            "ONSdigital/sdg-data",
            "20607016dce50b15c2b990bc5d06fe09a21acce1",
            "data/indicator_3-4-1.csv",
        ),
        url_note="The publisher's repository; the mirror file is the original, unchanged.",
        provenance=(
            "ONSdigital/sdg-data @ 20607016dce50b15c2b990bc5d06fe09a21acce1, "
            "data/indicator_3-4-1.csv"
        ),
        download_url=_raw_github(
            "ONSdigital/sdg-data",
            "20607016dce50b15c2b990bc5d06fe09a21acce1",
            "data/indicator_3-4-1.csv",
        ),
        caveats=(
            "Rates, not counts: age-standardised rates computed from them have no "
            "confidence limits.",
            "Regions publish ages 30 and over only (younger bands have too few deaths).",
            "Wales and England-and-Wales rows, and respiratory sub-types other than chronic "
            "lower respiratory diseases, are not loaded.",
            "One key is published twice with different values (England, chronic lower "
            "respiratory diseases, males 15-19, 2020: 0.25 and 0.2); both rows are left out.",
        ),
    ),
)
_HEALTHYR = "humaniverse/healthyr"
_HEALTHYR_AT = "ed2003efc556306bc4421e2b99b17031db47d719"
_INDICATOR_BREADTH += (
    Dataset(
        id="gp_patients_per_fte_ltla24",
        title="Registered patients per fully qualified GP (FTE) by district",
        publisher="NHS Digital",
        period="2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="296 English lower-tier authorities (2024 codes)",
        file="nhs_access/patients_per_gp_fte_ltla24.csv",
        sha256="effafe87d59fb1c20f64b0bc26764381259d157c80ccb72b521ebef2bd145846",
        rows=296,
        table="indicators",
        parser=district_access.patients_per_gp,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_underdoctored_areas.rda (reshaped to CSV)"
        ),
        caveats=(
            "The month of the workforce and registration extracts is not recorded by the "
            "copy; loaded as period 2024 (the file uses April 2024 district codes).",
            "Patients and GP FTE are checked (ratio = patients / FTE) but not stored as "
            "count and denominator: FTE is not a population.",
            "Practices count in the district of their address, not their patients'. The City "
            "of London's ratio (about 406) reflects a small resident list.",
        ),
    ),
    Dataset(
        id="homelessness_ltla23_oct_dec_2023",
        title=(
            "Households assessed as homeless and in temporary accommodation per 1,000, "
            "by district, October to December 2023"
        ),
        publisher="Department for Levelling Up, Housing and Communities",
        period="2023 Q4",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="296 English lower-tier authorities (2023 codes)",
        file="wider/homelessness_ltla23_oct_dec_2023.csv",
        sha256="66ece4c6231cdf2a16f94c94546746f4aefdb19ff8af2d7fe81a8c95cdee5d1a",
        rows=296,
        table="indicators",
        parser=district_access.homelessness,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_homelessness.rda (from DLUHC "
            "Detailed_LA_202312.ods; reshaped to CSV)"
        ),
        caveats=(
            "One quarter only; blank cells (councils that did not submit) are not loaded.",
            "2023 district codes: the same as 2024 codes for every English district.",
        ),
    ),
)
_INDICATOR_BREADTH += (
    Dataset(
        id="census2021_ethnicity_ltla21_19groups",
        title="Census 2021 ethnic group (19 groups) by lower-tier authority",
        publisher=ONS,
        period="2021",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="331 lower-tier authorities of England and Wales (2021 codes)",
        file="census2021/ethnicity_ltla21_19groups.csv",
        sha256="27d2556ed0f8e3c697fa3bd589f6bd7c5f6112b2a464d87a2521af7dcde9bf62",
        rows=12578,
        table="indicators",
        parser=census_ethnicity.ethnicity_19,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "humaniverse/demographr @ df99dbcd1cbecd185ab23bc4efc0f07725c64ea3, "
            "data/ethnicity21_ltla21.rda (reshaped to long CSV)"
        ),
        caveats=(
            "Loaded as breakdown rows (category_type 'Ethnic group') of "
            "census_ethnic_group_share, with count and denominator (the sum of the 19 "
            "groups), so services can weight ethnic groups by population.",
            "The value is the exact share; the file's 1-decimal percentages are checked "
            "against it, not stored.",
            "ONS cell perturbation: England sums to 56,490,065 (published 56,490,048).",
            "2021 district codes (Welsh authorities included); areas merged since 2021 "
            "keep their 2021 codes.",
        ),
    ),
)
_INDICATOR_BREADTH += (
    Dataset(
        id="ons_health_index_icb22",
        title="ONS Health Index for England by ICB: overall score and domains",
        publisher=ONS,
        period="2015-2021",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="42 ICBs (2022 codes)",
        file="nhs_access/health_index_icb22.csv",
        sha256="b74dd0f4657e3d8c7e92c8c9ef7c6925ac20c5e55aaad85c95c46c5452588c0e",
        rows=294,
        table="indicators",
        parser=health_index_icb.health_index_icb,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_health_index_ics.rda (reshaped to CSV)"
        ),
        caveats=(
            "ICB codes as published (2022): 40 are unchanged in April 2024; Surrey "
            "Heartlands (E54000052) and Sussex (E54000053) changed boundary in April 2024 "
            "(now E54000063 and E54000064) and keep their 2022 codes, not mapped.",
            "Scores are indexed to England 2015 = 100; no limits and no England row.",
        ),
    ),
)
_INDICATOR_BREADTH += (
    Dataset(
        id="nhse_ae_four_hour_icb22",
        title="A&E four-hour performance by ICB, monthly: attendances and emergency admissions",
        publisher="NHS England",
        period="April 2022 to July 2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="42 ICBs (2022 codes)",
        file="nhs_access/ae_four_hour_icb22_monthly.csv",
        sha256="32acec1b607bfc19b91bbf802afbcc1f6ea00d0282b4c049083349959f3d184b",
        rows=1680,
        table="indicators",
        parser=ae_icb.ae_four_hour,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_icb_accidents_emergency.rda "
            "(reshaped to CSV)"
        ),
        caveats=(
            "ICB codes as published (2022): Surrey Heartlands (E54000052) and Sussex "
            "(E54000053) changed boundary in April 2024 and keep their 2022 codes.",
            "Provider returns are mapped to ICBs by the copy's author, not by NHS England; "
            "the exact percentage is stored and the file's 2-decimal proportion checked.",
            "Months run April 2022 to July 2025 (SOURCES.md says from April 2021; the file "
            "starts April 2022).",
        ),
    ),
)

# --- issue 15: Census 2021 topic tables, NHS Talking Therapies, LSOA ages (h15-census) -
#: Publishers' own addresses that SOURCES.md does not spell out, each with where it was
#: checked: the guard test accepts these beside the ones SOURCES.md gives.
PUBLISHER_ADDRESSES: dict[str, str] = {
    **{
        f"https://www.nomisweb.co.uk/output/census/2021/census2021-{t}.zip": (
            "Nomis 2021 Census bulk data download page (nomisweb.co.uk/census/2021/bulk) "
            f"lists census2021-{t}.zip; SOURCES.md names the bulk file"
        )
        for t in ("ts011", "ts021", "ts038", "ts052", "ts077")
    },
    (
        "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
        "populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates"
    ): "the ONS dataset page of LSOA mid-year estimates by single year of age and sex",
    talking_therapies.SOURCE_URL: (
        "NHS Digital's NHS Talking Therapies data set reports page (monthly, quarterly and "
        "annual publications)"
    ),
}
_DEMOGRAPHR_AT = "humaniverse/demographr @ d0417101e5cad5fe1eca059ac60859e9157a29d2"
_NOMIS = (
    "The ONS Census 2021 bulk file on Nomis (a zip of CSVs by geography). The mirror file is "
    "a reshaped extract (one row per area and category), so its checksum differs: get it "
    "with `healthgap data fetch --mirror`."
)


def _census(
    id: str,
    title: str,
    stem: str,
    sha256: str,
    rows: int,
    parser: Callable[[Path, str], Parsed],
    table: str,
    provenance: str,
    geography: str,
    caveats: tuple[str, ...],
) -> Dataset:
    return Dataset(
        id=id,
        title=title,
        publisher=ONS,
        period="2021 (Census day, 21 March)",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=geography,
        file=f"census2021/{stem}.csv",
        sha256=sha256,
        rows=rows,
        table="indicators",
        parser=parser,
        url=f"https://www.nomisweb.co.uk/output/census/2021/census2021-{table}.zip",
        url_note=_NOMIS,
        provenance=provenance,
        caveats=(
            *caveats,
            "ONS perturbs census counts slightly (cell key perturbation): small counts are "
            "approximate and totals differ slightly between tables.",
        ),
    )


_LSOA21 = "English LSOAs (2021), 33,755 (Welsh LSOAs in the file are not loaded)"
_INDICATOR_BREADTH += (
    _census(
        "census2021_ethnicity_lsoa21_5groups",
        "Census 2021 TS021 ethnic group (5 groups) by LSOA",
        "ethnicity_lsoa21_5groups",
        "b99705c6c6cfe9e4dfec21c1f6d056bcfed25f4ac52e912a940151acde521b61",
        178360,
        census_tables.ethnicity_lsoa21,
        "ts021",
        "humaniverse/demographr @ f842110da81c58d288ee55ca69e96d48f7152f87, "
        "data/ethnicity21_lsoa21.rda (reshaped to long CSV)",
        _LSOA21,
        (
            "Loaded as breakdown rows (category_type 'Ethnic group (5 groups)') of "
            "census_ethnic_group_share_5 with count and denominator: the populations that "
            "weight ethnic groups and neighbourhoods in inequality measures.",
        ),
    ),
    _census(
        "census2021_disability_lsoa21",
        "Census 2021 TS038 disability (Equality Act) by LSOA",
        "disability_lsoa21",
        "aea3b225dd1c91a4e2ff5d2a5d024955c4b7ce6f6304018808d88c11bebc5f0e",
        71344,
        census_tables.disability_lsoa21,
        "ts038",
        f"{_DEMOGRAPHR_AT}, data/disability21_lsoa21_ew.rda (reshaped to long CSV)",
        _LSOA21,
        (
            "Loaded as census_disabled_pct (disabled residents, count and denominator); the "
            "'not disabled' rows are its complement and not stored.",
            "Not age-standardised: areas with older populations have more disability.",
        ),
    ),
    _census(
        "census2021_household_deprivation_lsoa21",
        "Census 2021 TS011 households by dimensions of deprivation by LSOA",
        "household_deprivation_dimensions_lsoa21",
        "d693e38f642e0eb76d340f503ccdd72b63f87cd662de3441f343e4ee8addf6be",
        178360,
        census_tables.household_deprivation_lsoa21,
        "ts011",
        f"{_DEMOGRAPHR_AT}, data/household_deprivation21_lsoa21.rda (reshaped to long CSV)",
        _LSOA21,
        (
            "Loaded as breakdown rows of census_household_deprivation (0 to 4 dimensions) "
            "and the headline census_households_deprived_pct (1 or more dimensions).",
            "The census dimensions (employment, education, health and disability, housing) "
            "are not the Indices of Deprivation.",
        ),
    ),
    _census(
        "census2021_overcrowding_lsoa21",
        "Census 2021 TS052 occupancy rating for bedrooms by LSOA",
        "household_overcrowding_lsoa21",
        "df94ab2c415f8fabcf4cef4fec7c78f76ff3d57b51157c8e6fa7f335fdcb2252",
        178360,
        census_tables.overcrowding_lsoa21,
        "ts052",
        f"{_DEMOGRAPHR_AT}, data/household_overcrowding21_lsoa21.rda (reshaped to long CSV)",
        _LSOA21,
        (
            "Loaded as breakdown rows of census_occupancy_rating and the headline "
            "census_households_overcrowded_pct (occupancy rating -1 or less).",
        ),
    ),
    _census(
        "census2021_disability_ltla21",
        "Census 2021 TS038 disability (Equality Act) by lower-tier authority",
        "disability_ltla21",
        "c5e56c4f7cd6f80fecd6295bdf8542986642ce5bc5fcc314e4b953123becb9ea",
        618,
        census_tables.disability_ltla21,
        "ts038",
        f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_disability_21.rda (reshaped to CSV)",
        "309 English lower-tier authorities (2021 codes)",
        (
            "Loaded as census_disabled_pct for districts (area type lad, 2021 codes; areas "
            "merged since keep their 2021 codes).",
        ),
    ),
    _census(
        "census2021_sexual_orientation_ltla21",
        "Census 2021 TS077 sexual orientation by lower-tier authority",
        "sexual_orientation_ltla21",
        "0d49a30a83508948c3b70fb9517718d0eee925876f1d9529e1418ddfa2cae4af",
        1545,
        census_tables.sexual_orientation_ltla21,
        "ts077",
        f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_sexual_orientation_21.rda (reshaped to CSV)",
        "309 English lower-tier authorities (2021 codes)",
        (
            "Loaded as breakdown rows (category_type 'Sexual orientation') of "
            "census_sexual_orientation_share; the denominator is residents aged 16 and over.",
        ),
    ),
    Dataset(
        id="nhs_talking_therapies_sicbl22",
        title="NHS Talking Therapies key measures by sub-ICB location, monthly",
        publisher="NHS Digital",
        period="July 2022 to April 2023",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="106 sub-ICB locations (July 2022 codes)",
        file="nhs_access/talking_therapies_sicbl22_monthly.csv",
        sha256="f81f0dc13209a85b229b166e708db6daf69c5ddc029361db942e4b3820950afc",
        rows=12826,
        table="indicators",
        parser=talking_therapies.key_measures,
        url=talking_therapies.SOURCE_URL,
        url_note=(
            "The publisher's page of NHS Talking Therapies reports; the mirror file is a "
            "reshaped copy of the monthly key-measures time series, so its checksum differs: "
            "get it with `healthgap data fetch --mirror`."
        ),
        provenance=f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_sicb_iapt.rda (reshaped to CSV)",
        caveats=(
            "Ten months (July 2022 to April 2023; SOURCES.md says 2022-2023).",
            "Percentages are whole numbers as published; counts are rounded to the nearest 5 "
            "by the publisher, so percentages cannot be recomputed from them.",
            "Blank values (withheld by the publisher) are not loaded.",
            "Sub-ICB codes of July 2022, as published.",
        ),
    ),
    Dataset(
        id="ons_mye_2020_lsoa11_single_year",
        title="Population estimates by LSOA (2011) and single year of age, mid-2020, persons",
        publisher=ONS,
        period="mid-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="34,753 LSOAs (2011) of England and Wales",
        file="population/ons_mye_mid2020_persons_single_year_lsoa11.csv",
        sha256="2777b4a25ce23dd115e5b60b403d64a32e6ff8fd736b94970bfdb7e92c30265e",
        rows=34753,
        table="population_lsoa11_single_year",
        parser=lsoa_population.single_year_lsoa11,
        url=(
            "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
            "populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates"
        ),
        url_note=(
            "The ONS dataset page (workbooks by year and sex); the mirror file is the "
            "'Mid-2020 Persons' sheet written to CSV, so its checksum differs: get it with "
            "`healthgap data fetch --mirror`."
        ),
        provenance=f"{_DEMOGRAPHR_AT}, data/population20_lsoa11.rda (written to CSV)",
        caveats=(
            "Stored wide (one row per LSOA, one integer column per age, age_0 to age_89 and "
            "age_90_plus): 34,753 rows instead of 3.2 million; "
            "healthgap.geography.age_structure gives any footprint's ages in long form.",
            "ONS treats LSOA single-year estimates as supporting information: sum them over "
            "areas or ages before relying on them.",
            "2011 LSOAs: footprints use their 2011 LSOAs (healthgap.geography.footprint).",
        ),
    ),
)
# --- end of issue 15 block -----------------------------------------------------------


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
    # --- nhs_allocations/ (NHS England weighted populations; issue 16) -------------------
    *(
        Dataset(
            id=f"nhs_weighted_population_{stem}",
            title=(
                f"ICB allocations {year}: GP practice weighted populations by formula "
                "component (Place Based Allocation Tool)"
            ),
            publisher=NHSE,
            period=year,
            licence=OGL,
            attribution=OGL_ATTRIBUTION,
            geography=(
                f"England, {rows:,} GP practices with their ICB (NHS ODS code), region and "
                "district (LAD 2021)"
            ),
            file=f"nhs_allocations/{nhs_allocations.PRACTICE_FILES[year]}",
            sha256=sha,
            rows=rows,
            table="nhs_weighted_populations",
            parser=parser,
            url=_raw_github(repo, commit, f"data/{stem}.csv"),
            url_note=(
                "NHS England's own repository for the Place Based Allocation Tool (the "
                "practice weighted populations behind the published ICB allocations); "
                "NHS England's allocations page is https://www.england.nhs.uk/allocations/. "
                "SOURCES.md does not say the mirror's bytes are the original's, so no "
                "download is offered: get the file with `healthgap data fetch --mirror`."
            ),
            provenance=f"{repo} @ {commit}, data/{stem}.csv",
            caveats=(
                "Need indices, not money: weighted populations scaled so that each "
                "component adds up to the registered population of England.",
                "Registered populations are projected to the allocation year from GP "
                "registrations; the 2024/25 file heads its population column 'pop 2022/23'.",
                "Districts are the practice's address district (LAD 2021 codes); a "
                "practice's patients may live elsewhere.",
                "Columns renamed to healthgap's names; postcodes, coordinates, CCG, PCN and "
                "sub-ICB columns are not loaded.",
            ),
        )
        for year, stem, sha, rows, parser, repo, commit in (
            (
                "2023/24",
                "2023_2024",
                "f8eb9008ac4a8ef442612a97c2b2633ad14ffc4f1d0265edeb73944b88692731",
                6553,
                nhs_allocations.practices_2023_24,
                _AIF,
                _AIF_COMMIT,
            ),
            (
                "2024/25",
                "2024_2025",
                "e5729efafb1b01257a27bf10935ea0c3c8ecf904bd2356409fc561db4c3caf5c",
                6553,
                nhs_allocations.practices_2024_25,
                _AIF,
                _AIF_COMMIT,
            ),
            (
                "2025/26",
                "2025_2026",
                "ec4f15678eb80187141e9f325c67bd7dbf112ca7bae988a10cdffd40c293f68c",
                6348,
                nhs_allocations.practices_2025_26,
                _ICB_TOOL,
                _ICB_TOOL_COMMIT,
            ),
        )
    ),
    Dataset(
        id="nhs_icb_weighted_population",
        title="ICB allocations 2023/24 to 2025/26: weighted populations and need index by ICB",
        publisher=NHSE,
        period="2023/24 to 2025/26",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 42 ICBs (NHS ODS codes) x 3 allocation years",
        file="nhs_allocations/icb_weighted_population_need_index.csv",
        sha256="c8c7b75d3271dead00c26901e17bb6546aa23c49b7c065da42bee8791c958026",
        rows=126,
        table="nhs_icb_weighted_populations",
        parser=nhs_allocations.icb_summary,
        url=None,
        url_note=(
            "Computed by the mirror from the three practice files (summed to ICB x year); "
            "no publisher file has this layout. Get it with `healthgap data fetch --mirror`."
        ),
        provenance=(
            f"The practice files of {_AIF} @ {_AIF_COMMIT} and {_ICB_TOOL} @ "
            f"{_ICB_TOOL_COMMIT}, summed by ICB"
        ),
        caveats=(
            "Reconciled on load with the practice files beside it, ICB by ICB and year by "
            "year (weighted populations to 0.1, practice counts exactly).",
            "need_index = final weighted population / registered population (1 = England).",
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
    *_INDICATOR_BREADTH,  # issue 15
)

_BY_ID: dict[str, Dataset] = {d.id: d for d in CATALOGUE}

_NO_LOADER = "no loader yet (issue 15, item 4); `healthgap init` leaves it out"
_SAME_ELS = (
    "the same ONS Explore Local Statistics dataset is loaded from {0} (its catalogue entry); "
    "loading this copy too would load its values twice"
)

#: Files of the open-data mirror that ``healthgap init`` does not load, each with the reason.
#: Every other mirror file has exactly one catalogue entry (a test checks both).
NOT_LOADED: dict[str, str] = {
    **{
        f"census2021/{name}": f"Census 2021 table: {_NO_LOADER}"
        for name in (
            "p03_sex_5yr_age_la_region_rounded.csv",
            "ts009_sex_by_single_year_age_ltla21.csv",
            "ts009_sex_by_single_year_age_ltla21.json",
        )
    },
    "census2021/age_sex_broad_ltla21.csv": (
        "Census 2021 usual residents by sex and broad age (younger, working age, older) by "
        "district: the copy does not define the age bands, and the totals by sex are loaded "
        "from population/census2021_usual_residents_by_sex_lad21_ew.csv (dataset "
        "census2021_sex_lad21); single years of age are in census2021/ts009_..."
    ),
    **{
        f"els/{stem}.{ext}": _SAME_ELS.format(source)
        for stem, source in (
            ("adult-obesity-prevalence", "indicators/ (OHID adult obesity)"),
            ("healthy-life-expectancy", "hle_le/ons_hle_birth_local_areas_2011_2024.csv"),
            ("preventable-cardiovascular-mortality-england", "indicators/ (preventable CVD)"),
        )
        for ext in ("csv", "json")
    },
    "fingertips/export_93356_campylobacter_county_ua.csv": (
        "a genuine Fingertips 'download data' export for one indicator: the importer is tested "
        "on it (`healthgap import --format fingertips`); not a store dataset"
    ),
    "fingertips/export_comorbidity_profile_east_midlands.csv": (
        "a genuine Fingertips 'download data' export (one profile, East Midlands): the "
        "importer is tested on it (it refuses line 23, whose published lower limits exceed "
        "the value); not a store dataset"
    ),
    "hle_le/ons_le_local_areas_2021_2023_original.xlsx": (
        "the ONS workbook the by-age CSV (dataset ons_le_local_areas_by_age) was taken from, "
        "kept for provenance"
    ),
}


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
