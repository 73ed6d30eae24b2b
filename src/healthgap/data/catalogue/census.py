"""ONS Census 2021 topic tables (Nomis bulk files, reshaped)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    _DEMOGRAPHR_AT,
    _HEALTHYR,
    _HEALTHYR_AT,
    _NO_OFFICIAL,
    OGL,
    OGL_ATTRIBUTION,
    ONS,
)
from healthgap.data.sources import (
    census_ethnicity,
    census_tables,
)
from healthgap.data.sources._common import Parsed

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


#: Census 2021 ethnic group by district (issue 15).
ETHNICITY_LTLA: tuple[Dataset, ...] = (
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


#: census2021/: Census 2021 topic tables (issue 15).
TOPIC_TABLES: tuple[Dataset, ...] = (
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
)
