"""ONS SDG 3.4.1: death rates per 100,000 by region, sex, age band and cause, 2013-2020.

``mortality/ons_sdg_3_4_1_death_rates_region_sex_age_cause_2013_2020.csv`` (the ONS
``sdg-data`` repository's ``indicator_3-4-1.csv``): ``Year, Country, Region, Type of disease,
Chronic respiratory disease type, Sex, Age, Unit measure, Unit multiplier, Observation
status, GeoCode, Value``. Loaded into ``death_rates_by_cause``: England and its regions
only (Wales and England-and-Wales rows are left out); the four causes with no sub-type,
plus the chronic respiratory sub-type "Chronic lower respiratory diseases" (the
respiratory total is not published by region); a blank sex is Persons. Age bands map to
their lower and upper ages (``Under 1`` 0-0, ``90 and over`` 90-).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import Parsed, read_csv, require_unique
from healthgap.errors import SchemaError

COLUMNS = [
    "year",
    "area_code",
    "area_name",
    "cause",
    "sex",
    "age_band",
    "age_lower",
    "age_upper",
    "rate_per_100000",
    "source_id",
]
RESPIRATORY = "Chronic lower respiratory diseases"


def _ages(bands: pd.Series, path: Path) -> tuple[np.ndarray, np.ndarray]:
    lower, upper = [], []
    for band in bands:
        if band == "Under 1":
            lo, hi = 0, 0
        elif band == "90 and over":
            lo, hi = 90, 200
        else:
            m = re.fullmatch(r"(\d+) to (\d+)", band)
            if m is None:
                raise SchemaError(
                    f"{path.name} column 'Age' must hold bands like '30 to 34', 'Under 1' or "
                    f"'90 and over'; got {band!r}. Fetch the catalogue's version of the file."
                )
            lo, hi = int(m.group(1)), int(m.group(2))
        lower.append(lo)
        upper.append(hi)
    return np.asarray(lower), np.asarray(upper)


def death_rates(path: Path, source_id: str) -> Parsed:
    """Parse the SDG 3.4.1 file into ``death_rates_by_cause`` (see the module docs)."""
    raw = read_csv(
        path,
        {
            "Year": "int",
            "Country": "str",
            "Region": "str",
            "Type of disease": "str",
            "Chronic respiratory disease type": "str",
            "Sex": "str",
            "Age": "str",
            "Unit measure": "str",
            "GeoCode": "str",
            "Value": "float",
        },
    )
    records = len(raw)
    units = set(raw["Unit measure"])
    if units != {"Rate per 100,000 population"}:
        raise SchemaError(
            f"{path.name} column 'Unit measure' must be 'Rate per 100,000 population' on "
            f"every row; got {sorted(units)[:3]}. Fetch the catalogue's version of the file."
        )
    sub = raw["Chronic respiratory disease type"].fillna("")
    keep = (raw["Country"] == "England") & ((sub == "") | (sub == RESPIRATORY))
    keep &= raw["Age"].notna() & raw["Value"].notna()
    raw = raw[keep.to_numpy()].reset_index(drop=True)
    sub = sub[keep.to_numpy()].reset_index(drop=True)
    cause = raw["Type of disease"].where(sub == "", sub)
    lower, upper = _ages(raw["Age"], path)
    frame = pd.DataFrame(
        {
            "year": raw["Year"].astype("Int64"),
            "area_code": raw["GeoCode"],
            "area_name": raw["Region"].fillna("").replace("", "England"),
            "cause": cause,
            "sex": raw["Sex"].fillna("Persons"),
            "age_band": raw["Age"],
            "age_lower": lower,
            "age_upper": upper,
            "rate_per_100000": raw["Value"].astype(float),
            "source_id": source_id,
        }
    )
    frame = frame[frame["cause"].notna()].reset_index(drop=True)
    # "blank" respiratory rows of the main cause hold no total: keep only real causes
    frame = frame[frame["cause"] != "Chronic respiratory disease"].reset_index(drop=True)
    frame["area_name"] = frame["area_name"].replace({"East": "East of England"})
    # the published file repeats one key with two values (England, chronic lower
    # respiratory, males 15-19, 2020: 0.25 and 0.2): a repeated key with different values
    # cannot be resolved, so its rows are left out (identical repeats are kept once)
    key = ["year", "area_code", "cause", "sex", "age_band"]
    frame = frame.drop_duplicates(ignore_index=True)
    frame = frame[~frame.duplicated(key, keep=False)].reset_index(drop=True)
    require_unique(frame, key, path)
    return Parsed(frame[COLUMNS], records)
