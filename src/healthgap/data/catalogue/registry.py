"""The catalogue itself: every entry in order, lookup by id, selection and a table of them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import pandas as pd

from healthgap.data.catalogue.census import ETHNICITY_LTLA, TOPIC_TABLES
from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.els import ELS
from healthgap.data.catalogue.geography import HEXMAPS, LOOKUPS
from healthgap.data.catalogue.mhclg import DEPRIVATION, HOMELESSNESS
from healthgap.data.catalogue.nhs import AE_WAITS, ALLOCATIONS, GP_WORKFORCE, TALKING_THERAPIES
from healthgap.data.catalogue.ohid import FINGERTIPS_EXTRACT, INDICATORS
from healthgap.data.catalogue.ons import (
    DEATH_RATES,
    HEALTH_INDEX,
    HEALTH_INDEX_ICB,
    LIFE_EXPECTANCY,
    LIFE_EXPECTANCY_BY_AGE,
    LSOA_AGES,
    POPULATION,
)
from healthgap.data.catalogue.reference import STANDARD_POPULATIONS
from healthgap.errors import InputError

#: Every dataset, in the order ``healthgap init`` loads them.
CATALOGUE: tuple[Dataset, ...] = (
    *LIFE_EXPECTANCY,
    *DEPRIVATION,
    *LOOKUPS,
    *POPULATION,
    *INDICATORS,
    *HEALTH_INDEX,
    *ALLOCATIONS,
    *STANDARD_POPULATIONS,
    *HEXMAPS,
    *ELS,
    *FINGERTIPS_EXTRACT,
    *LIFE_EXPECTANCY_BY_AGE,
    *DEATH_RATES,
    *GP_WORKFORCE,
    *HOMELESSNESS,
    *ETHNICITY_LTLA,
    *HEALTH_INDEX_ICB,
    *AE_WAITS,
    *TOPIC_TABLES,
    *TALKING_THERAPIES,
    *LSOA_AGES,
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
