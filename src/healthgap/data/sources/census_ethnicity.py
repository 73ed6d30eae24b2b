"""Census 2021 ethnic group (19 groups) by lower-tier authority, as breakdown rows.

``census2021/ethnicity_ltla21_19groups.csv`` (humaniverse/demographr reshape of the ONS
ethnic-group bulletin download): ``ltla21_code, ltla21_name, ethnic_group, value``,
38 rows per area: each of the 19 groups as ``<group> (number)`` and ``<group> (percent)``
(percentages rounded to 1 decimal place; one label has a double space, normalised).

Loaded as ``census_ethnic_group_share``: one row per area and group with
``category_type`` "Ethnic group", ``category`` the group, ``count`` the residents,
``denominator`` the area's total over the 19 groups, and ``value`` the exact share
(count / denominator x 100). The published 1-decimal percentage must lie within 0.05
(plus 1e-6) of it, or the file is refused. Every area must have all 19 groups, once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import Parsed, indicator_frame, read_csv, require_unique
from healthgap.data.sources.indicator_review import review
from healthgap.errors import SchemaError

INDICATOR = "census_ethnic_group_share"
CATEGORY_TYPE = "Ethnic group"
N_GROUPS = 19


def _fail(path: Path, rule: str, got: str) -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. Fetch the catalogue's version of the file "
        "(healthgap data fetch)."
    )


def ethnicity_19(path: Path, source_id: str) -> Parsed:
    """Residents by the 19 Census 2021 ethnic groups, with shares, for every district."""
    raw = read_csv(
        path, {"ltla21_code": "str", "ltla21_name": "str", "ethnic_group": "str", "value": "float"}
    )
    records = len(raw)
    label = raw["ethnic_group"].fillna("")
    parts = label.str.extract(r"^(.*\S)\s*\((number|percent)\)$")
    bad = parts[0].isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(
            path,
            "column 'ethnic_group' must end with '(number)' or '(percent)'",
            f"{label.iloc[i]!r} on data row {i + 1}",
        )
    raw["group"] = parts[0].str.split().str.join(" ")
    raw["kind"] = parts[1]
    bad = (raw["value"].isna() | (raw["value"] < 0)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(
            path,
            "column 'value' must hold a number of 0 or more",
            f"blank or negative on data row {i + 1}",
        )
    require_unique(raw, ["ltla21_code", "group", "kind"], path)
    counts = raw[raw["kind"] == "number"].reset_index(drop=True)
    whole = (counts["value"] % 1 != 0).to_numpy()
    if whole.any():
        i = int(np.flatnonzero(whole)[0])
        raise _fail(
            path,
            "column 'value' must hold whole numbers on '(number)' rows",
            f"{counts['value'].iloc[i]!r} for {counts['ltla21_code'].iloc[i]} "
            f"{counts['group'].iloc[i]!r}",
        )
    sizes = raw.groupby("ltla21_code", sort=False).size()
    if (sizes != 2 * N_GROUPS).any():
        area = sizes[sizes != 2 * N_GROUPS].index[0]
        raise _fail(
            path,
            f"must have {N_GROUPS} groups as number and percent ({2 * N_GROUPS} rows) per area",
            f"{int(sizes[area])} rows for {area}",
        )
    denominator = counts.groupby("ltla21_code", sort=False)["value"].transform("sum")
    share = 100.0 * counts["value"] / denominator
    published = raw[raw["kind"] == "percent"].set_index(["ltla21_code", "group"])["value"]
    key = pd.MultiIndex.from_frame(counts[["ltla21_code", "group"]])
    missing = ~key.isin(published.index)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise _fail(
            path,
            "must have a '(percent)' row for every '(number)' row",
            f"none for {counts['ltla21_code'].iloc[i]} {counts['group'].iloc[i]!r}",
        )
    pct = published.reindex(key).to_numpy()
    off = np.abs(pct - share.to_numpy()) > 0.05 + 1e-6
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise _fail(
            path,
            "'(percent)' rows must equal the group's share of the area's 19 counts "
            "to 1 decimal place",
            f"{pct[i]!r} against {share.iloc[i]:.4f} for {counts['ltla21_code'].iloc[i]} "
            f"{counts['group'].iloc[i]!r}",
        )
    reviewed = review(INDICATOR)
    if reviewed is None:  # a programming error: every loaded indicator is reviewed
        raise KeyError(f"{INDICATOR} has no reviewed polarity")
    frame = indicator_frame(
        len(counts),
        indicator_id=INDICATOR,
        indicator_name="Residents by ethnic group (Census 2021), % of usual residents",
        area_code=counts["ltla21_code"],
        area_name=counts["ltla21_name"],
        area_type="lad",
        sex="Persons",
        category_type=CATEGORY_TYPE,
        category=counts["group"],
        period="2021",
        period_start=2021,
        period_end=2021,
        value=share,
        count=counts["value"],
        denominator=denominator,
        polarity=reviewed.polarity,
        source_id=source_id,
    )
    return Parsed(frame, records)
