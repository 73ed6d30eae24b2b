"""ONS life expectancy by age for every local area, ICB and combined authority, 2021-2023.

``hle_le/ons_le_local_areas_by_age_2021_2023.csv`` (sheet 1 of the ONS workbook, header
rows dropped): ``Period, Country, Area type, Area code, Area name, Sex, Sex code, Age
group, Age code, Life expectancy, Lower confidence interval, Upper confidence interval``.

Two indicators are loaded, each with its 95% limits, by sex:

* ``le_birth`` (age group ``<1``) for every area **except England and the regions**,
  whose 2021-2023 values come from ``ons_le_regions`` (the same ONS release);
* ``le_65`` (age group ``65 to 69``: life expectancy at exact age 65) for every area.

Area types: counties (E10) ``utla``; other local areas ``lad``; ICBs ``icb``; combined
authorities ``combined_authority``; regions ``region``; countries ``nation``/``country``;
Scottish and Welsh health boards are left out (healthgap has no such area type).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import (
    HIGH_IS_GOOD,
    Parsed,
    indicator_frame,
    read_csv,
    require_unique,
)
from healthgap.errors import SchemaError

_TYPES = {
    ("Local Areas", "E10"): "utla",
    "Local Areas": "lad",
    "Integrated Care Board": "icb",
    "Combined Authority": "combined_authority",
    "Region": "region",
}


def le_by_age(path: Path, source_id: str) -> Parsed:
    """Parse the LE-by-age file into ``le_birth`` (local areas) and ``le_65``."""
    raw = read_csv(
        path,
        {
            "Period": "str",
            "Area type": "str",
            "Area code": "str",
            "Area name": "str",
            "Sex": "str",
            "Age group": "str",
            "Life expectancy": "float",
            "Lower confidence interval": "float",
            "Upper confidence interval": "float",
        },
    )
    records = len(raw)
    require_unique(raw, ["Area code", "Area type", "Sex", "Age group", "Period"], path)
    periods = set(raw["Period"])
    if periods != {"2021 to 2023"}:
        raise SchemaError(
            f"{path.name} column 'Period' must be '2021 to 2023' on every row; got "
            f"{sorted(periods)[:3]}. Fetch the catalogue's version of the file."
        )
    code = raw["Area code"]
    kind = raw["Area type"].map(lambda t: _TYPES.get(t))
    kind = kind.where(~((raw["Area type"] == "Local Areas") & code.str.startswith("E10")), "utla")
    country = raw["Area type"] == "Country"
    kind = kind.where(~country, np.where(code.str.startswith("K"), "country", "nation"))
    known = kind.notna() | raw["Area type"].isin(["Scottish Health Board", "Welsh Health Board"])
    if not known.all():
        i = int(np.flatnonzero(~known.to_numpy())[0])
        allowed = sorted(k for k in _TYPES if isinstance(k, str))
        raise SchemaError(
            f"{path.name} column 'Area type' must be one of {allowed} "
            f"or Country; got {raw['Area type'].iloc[i]!r} on row {i + 2}. Fetch the "
            "catalogue's version of the file."
        )
    raw["area_type"] = kind
    birth = (raw["Age group"] == "<1") & ~code.str[:3].isin(["E92", "E12"])
    at65 = raw["Age group"] == "65 to 69"
    frames = []
    for ind, name, age, rows in (
        ("le_birth", "Life expectancy at birth", "All ages", birth),
        ("le_65", "Life expectancy at 65", "65", at65),
    ):
        part = raw[(rows & raw["area_type"].notna()).to_numpy()].reset_index(drop=True)
        if part.empty:
            raise SchemaError(
                f"{path.name} must hold age group {'<1' if ind == 'le_birth' else '65 to 69'}"
                "; got none. Fetch the catalogue's version of the file."
            )
        frames.append(
            indicator_frame(
                len(part),
                indicator_id=ind,
                indicator_name=name,
                area_code=part["Area code"],
                area_name=part["Area name"],
                area_type=part["area_type"],
                sex=part["Sex"],
                age=age,
                period="2021-2023",
                period_start=2021,
                period_end=2023,
                value=part["Life expectancy"],
                lower_95_0=part["Lower confidence interval"],
                upper_95_0=part["Upper confidence interval"],
                polarity=HIGH_IS_GOOD,
                source_id=source_id,
            )
        )
    return Parsed(pd.concat(frames, ignore_index=True), records)
