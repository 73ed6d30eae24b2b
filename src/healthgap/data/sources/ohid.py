"""OHID Fingertips indicators as republished by ONS Explore Local Statistics.

The mirror files share one layout: ``area_code, area_name, geography, period_label,
period_start_date, period_years, <value column>, lower_95, upper_95``. The period runs
``period_years`` whole years from ``period_start_date``; ``period_start`` and
``period_end`` are the calendar years of its first and last day (a 2015/16 survey year
starting 16 November 2015 gives 2015 and 2016).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import (
    LOW_IS_GOOD,
    Parsed,
    area_types,
    indicator_frame,
    read_csv,
    require_unique,
)
from healthgap.errors import SchemaError


def explore_local_statistics(
    path: Path,
    source_id: str,
    *,
    indicator_id: str,
    indicator_name: str,
    value_column: str,
    sex: str,
    age: str,
    polarity: str | None,
) -> Parsed:
    """Parse one indicator file in the Explore Local Statistics layout."""
    raw = read_csv(
        path,
        {
            "area_code": "str",
            "area_name": "str",
            "geography": "str",
            "period_label": "str",
            "period_start_date": "str",
            "period_years": "int",
            value_column: "float",
            "lower_95": "float",
            "upper_95": "float",
        },
    )
    raw["area_type"] = area_types(raw["geography"], path)
    require_unique(raw, ["area_code", "area_type", "period_label"], path)
    start = pd.to_datetime(raw["period_start_date"], format="%Y-%m-%d", errors="coerce")
    if start.isna().any():
        first = raw.loc[start.isna().to_numpy(), "period_start_date"].iloc[0]
        raise SchemaError(
            f"{path.name} column 'period_start_date' must hold dates like 2001-01-01; got "
            f"{first!r}. Fetch the catalogue's version of the file."
        )
    years = raw["period_years"].to_numpy(dtype=np.int64)
    first_year = start.dt.year.to_numpy(dtype=np.int64)
    # The last day, start + years - 1 day, falls in the year before first + years only
    # when the period starts on 1 January.
    on_new_year = ((start.dt.month == 1) & (start.dt.day == 1)).to_numpy()
    last_year = first_year + years - on_new_year.astype(np.int64)
    frame = indicator_frame(
        len(raw),
        indicator_id=indicator_id,
        indicator_name=indicator_name,
        area_code=raw["area_code"],
        area_name=raw["area_name"],
        area_type=raw["area_type"],
        sex=sex,
        age=age,
        period=raw["period_label"],
        period_start=first_year,
        period_end=last_year,
        value=raw[value_column],
        lower_95_0=raw["lower_95"],
        upper_95_0=raw["upper_95"],
        polarity=polarity,
        source_id=source_id,
    )
    return Parsed(frame, len(raw))


#: PHOF 93722: under-75 mortality from cardiovascular diseases considered preventable.
preventable_cvd_mortality_u75 = partial(
    explore_local_statistics,
    indicator_id="93722",
    indicator_name=(
        "Under 75 mortality rate from cardiovascular diseases considered preventable "
        "(directly standardised rate per 100,000)"
    ),
    value_column="dsr_per_100000",
    sex="Persons",
    age="<75 yrs",
    polarity=LOW_IS_GOOD,
)

#: Active Lives: percentage of adults (18+) classified as living with obesity.
adult_obesity_prevalence = partial(
    explore_local_statistics,
    indicator_id="adult_obesity",
    indicator_name="Percentage of adults (aged 18+) classified as living with obesity",
    value_column="percent",
    sex="Persons",
    age="18+ yrs",
    polarity=LOW_IS_GOOD,
)
