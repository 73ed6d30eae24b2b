"""ONS health and population statistics: HLE, LE, the Health Index, population estimates.

Each parser reads one mirror file (layouts in ``SOURCES.md`` of the mirror) and returns
the canonical frame of the table it feeds (:mod:`healthgap.data.layout`). Values are
never changed; only the layout is.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.layout import POPULATION_COLUMNS
from healthgap.data.sources._common import (
    HIGH_IS_GOOD,
    LOW_IS_GOOD,
    Kind,
    Parsed,
    area_type_from_code,
    area_types,
    indicator_frame,
    read_csv,
    require_unique,
    typed_frame,
)
from healthgap.errors import SchemaError

HLE_NAME = "Healthy life expectancy at birth"
LE_NAME = "Life expectancy at birth"
_KEY = ["area_code", "area_type", "sex", "period"]


def _expectancy_at_birth(
    path: Path,
    source_id: str,
    *,
    indicator_id: str,
    indicator_name: str,
    value_column: str,
    has_geography: bool,
) -> Parsed:
    """One ONS expectancy-at-birth file with 95% limits, as indicator rows.

    The area type comes from the file's ``geography`` column where it has one, else from
    the GSS code prefix.
    """
    columns: dict[str, Kind] = {
        "area_code": "str",
        "area_name": "str",
        **({"geography": "str"} if has_geography else {}),
        "sex": "str",
        "period": "str",
        "period_start": "int",
        "period_end": "int",
        value_column: "float",
        "lower_95": "float",
        "upper_95": "float",
    }
    raw = read_csv(path, columns)
    raw["area_type"] = (
        area_types(raw["geography"], path)
        if has_geography
        else area_type_from_code(raw["area_code"], path)
    )
    require_unique(raw, _KEY, path)
    frame = indicator_frame(
        len(raw),
        indicator_id=indicator_id,
        indicator_name=indicator_name,
        area_code=raw["area_code"],
        area_name=raw["area_name"],
        area_type=raw["area_type"],
        sex=raw["sex"],
        age="All ages",
        period=raw["period"],
        period_start=raw["period_start"],
        period_end=raw["period_end"],
        value=raw[value_column],
        lower_95_0=raw["lower_95"],
        upper_95_0=raw["upper_95"],
        polarity=HIGH_IS_GOOD,
        source_id=source_id,
    )
    return Parsed(frame, len(raw))


def hle_local_areas(path: Path, source_id: str) -> Parsed:
    """ONS HLE at birth for UK areas, interim method (indicator ``hle_birth``)."""
    return _expectancy_at_birth(
        path,
        source_id,
        indicator_id="hle_birth",
        indicator_name=HLE_NAME,
        value_column="hle_years",
        has_geography=True,
    )


def hle_regions_dec2023(path: Path, source_id: str) -> Parsed:
    """ONS HLE at birth, Dec 2023 release (pre-interim method), nations and regions."""
    return _expectancy_at_birth(
        path,
        source_id,
        indicator_id="hle_birth_dec2023",
        indicator_name=f"{HLE_NAME} (December 2023 release)",
        value_column="hle_years",
        has_geography=False,
    )


def le_regions(path: Path, source_id: str) -> Parsed:
    """ONS period life expectancy at birth, England and regions (indicator ``le_birth``)."""
    return _expectancy_at_birth(
        path,
        source_id,
        indicator_id="le_birth",
        indicator_name=LE_NAME,
        value_column="le_years",
        has_geography=True,
    )


def hle_by_imd_decile(path: Path, source_id: str) -> Parsed:
    """Male HLE and years in poorer health by IMD 2015 decile, England 2015-2017.

    Two indicators per file row: ``hle_birth_imd2015_decile`` and
    ``years_in_poorer_health_imd2015_decile``; the decile is the category
    (``category_type`` "IMD 2015 decile (1 = most deprived)").
    """
    raw = read_csv(
        path,
        {
            "imd_decile": "int",
            "imd_version": "str",
            "sex": "str",
            "period": "str",
            "hle_years": "float",
            "years_in_poorer_health": "float",
        },
    )
    if set(raw["imd_version"]) != {"IMD2015"}:
        raise SchemaError(
            f"{path.name} column 'imd_version' must be IMD2015 on every row; got "
            f"{sorted(set(raw['imd_version']))}. Fetch the catalogue's version of the file."
        )
    require_unique(raw, ["imd_decile", "sex", "period"], path)
    start, end = _years(raw["period"], path)
    frames = []
    for indicator_id, name, column, polarity in (
        ("hle_birth_imd2015_decile", HLE_NAME, "hle_years", HIGH_IS_GOOD),
        (
            "years_in_poorer_health_imd2015_decile",
            "Years lived in poorer health, from birth",
            "years_in_poorer_health",
            LOW_IS_GOOD,
        ),
    ):
        frames.append(
            indicator_frame(
                len(raw),
                indicator_id=indicator_id,
                indicator_name=f"{name}, by IMD 2015 decile",
                area_code="E92000001",
                area_name="England",
                area_type="nation",
                sex=raw["sex"],
                age="All ages",
                category_type="IMD 2015 decile (1 = most deprived)",
                category=raw["imd_decile"].astype(str),
                period=raw["period"],
                period_start=start,
                period_end=end,
                value=raw[column],
                polarity=polarity,
                source_id=source_id,
            )
        )
    return Parsed(pd.concat(frames, ignore_index=True), len(raw))


def _years(periods: pd.Series, path: Path) -> tuple[np.ndarray, np.ndarray]:
    parts = periods.str.extract(r"^(\d{4})-(\d{4})$")
    if parts.isna().any().any():
        bad = parts.isna().any(axis=1).to_numpy()
        first = periods[bad].iloc[0]
        raise SchemaError(
            f"{path.name} column 'period' must read like 2015-2017; got {first!r}. "
            "Fetch the catalogue's version of the file."
        )
    return parts[0].astype(int).to_numpy(), parts[1].astype(int).to_numpy()


def sii_le_hle_dfle(path: Path, source_id: str) -> Parsed:
    """ONS slope index of inequality in LE, HLE and DFLE, England, 2015-17 vs 2018-20."""
    raw = read_csv(
        path,
        {
            "sex": "str",
            "measure": "str",
            "sii_years_2015_2017": "float",
            "sii_years_2018_2020": "float",
            "sii_difference": "float",
            "sii_increase_significant": "bool",
            "range_difference": "float",
        },
    )
    require_unique(raw, ["sex", "measure"], path)
    raw["source_id"] = source_id
    return Parsed(raw, len(raw))


def health_index_indicators(path: Path, source_id: str) -> Parsed:
    """ONS Health Index underlying indicators by LAD (2021 codes), 2015-2021, raw units.

    Indicator ids are ``hi_`` plus the indicator's name in snake case, e.g.
    ``hi_mortality_from_all_causes``. The source gives no sex, age, limits, counts
    or polarity, so those columns are empty.
    """
    raw = read_csv(path, {"lad21_code": "str", "year": "int", "indicator": "str", "value": "float"})
    require_unique(raw, ["lad21_code", "year", "indicator"], path)
    names = raw["indicator"].unique()
    slug = {n: "hi_" + re.sub(r"[^a-z0-9]+", "_", n.lower()).strip("_") for n in names}
    ids = raw["indicator"].map(slug)
    if len(set(slug.values())) != len(names):
        raise SchemaError(  # two names mapping to one id would merge indicators
            f"{path.name} indicator names must give distinct ids; got a collision. "
            "Report this to the healthgap maintainers."
        )
    year = raw["year"].to_numpy(dtype=np.int64)
    frame = indicator_frame(
        len(raw),
        indicator_id=ids,
        indicator_name="Health Index: " + raw["indicator"],
        area_code=raw["lad21_code"],
        area_type="lad",
        period=raw["year"].astype(str),
        period_start=year,
        period_end=year,
        value=raw["value"],
        source_id=source_id,
    )
    return Parsed(frame, len(raw))


def mye_mid2020_single_year(path: Path, source_id: str) -> Parsed:
    """ONS mid-2020 population estimates, persons by single year of age, LAD 2021 codes.

    Long format: one row per LAD and age (0 ... 89, then 90+). The file's ``all_ages``
    column is checked against the sum of the single years and not stored (it would be
    counted twice by anyone summing the ages).
    """
    ages = [f"age_{a}" for a in range(90)] + ["age_90_plus"]
    raw = read_csv(
        path,
        {"lad21_code": "str", "lad21_name": "str", "all_ages": "int", **dict.fromkeys(ages, "int")},
    )
    require_unique(raw, ["lad21_code"], path)
    total = raw[ages].sum(axis=1)
    off = (total != raw["all_ages"]).to_numpy()
    if off.any():
        first = raw.loc[off, "lad21_code"].iloc[0]
        raise SchemaError(
            f"{path.name} single years of age must sum to all_ages; got {int(off.sum())} "
            f"areas that do not (first: {first}). Fetch the catalogue's version of the file."
        )
    n, k = len(raw), len(ages)
    lower = np.tile(np.arange(91), n)
    upper = pd.array(lower, dtype="Int64")
    upper[lower == 90] = pd.NA  # 90+ has no upper bound
    long = pd.DataFrame(
        {
            "area_code": np.repeat(raw["lad21_code"].to_numpy(dtype=object), k),
            "area_type": "lad",
            "year": 2020,
            "sex": "Persons",
            "age": np.where(lower == 90, "90+", lower.astype(str)),
            "age_lower": lower,
            "age_upper": upper,
            "population": raw[ages].to_numpy(dtype=float).reshape(-1),
            "source_id": source_id,
        }
    )
    return Parsed(typed_frame(long, POPULATION_COLUMNS), n)


def census2021_by_sex(path: Path, source_id: str) -> Parsed:
    """Census 2021 usual residents by sex (TS009 totals), LAD 2021 codes.

    Three rows per LAD: Persons, Female, Male (all ages).
    """
    raw = read_csv(
        path,
        {
            "lad21_code": "str",
            "total_population": "int",
            "total_females": "int",
            "total_males": "int",
        },
    )
    require_unique(raw, ["lad21_code"], path)
    off = (raw["total_females"] + raw["total_males"] != raw["total_population"]).to_numpy()
    if off.any():
        first = raw.loc[off, "lad21_code"].iloc[0]
        raise SchemaError(
            f"{path.name} females + males must equal total_population; got {int(off.sum())} "
            f"areas that do not (first: {first}). Fetch the catalogue's version of the file."
        )
    parts = []
    for sex, column in (
        ("Persons", "total_population"),
        ("Female", "total_females"),
        ("Male", "total_males"),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "area_code": raw["lad21_code"],
                    "area_type": "lad",
                    "year": 2021,
                    "sex": sex,
                    "age": "All ages",
                    "age_lower": 0,
                    "age_upper": None,
                    "population": raw[column].astype(float),
                    "source_id": source_id,
                }
            )
        )
    return Parsed(typed_frame(pd.concat(parts, ignore_index=True), POPULATION_COLUMNS), len(raw))
