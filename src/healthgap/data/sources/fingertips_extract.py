"""OHID Fingertips values with counts, denominators and breakdowns (FingertipsNext extract).

``northwest_extract_healthdata.csv`` holds Fingertips values for 31 indicators with the
columns ``IndicatorId, Category, CategoryType, Age, Sex, Trend, Denominator,
CategoryTypeId, UpperCI, Value, Count, AreaCode, SexID, AgeID, Year, LowerCI,
CategoryId`` and no area names or types. Three companion files in the same folder
complete it, and the parser refuses the extract without them:

* ``areas.csv`` gives each code's Fingertips area type, mapped to healthgap's
  (:data:`AREA_TYPES`); GP practices, primary care networks and NHS regions are not
  healthgap area types and are left out, as are codes shaped like a practice code
  (letter and five digits) that ``areas.csv`` does not list. Any other unknown code
  is an error;
* ``indicator_metadata_1587.json`` (the Fingertips API metadata) must describe every
  indicator: name, unit, value type, interval method, year type and data source;
* ``categories.csv`` and :data:`KNOWN_CATEGORIES` list the breakdown categories; a
  category they do not know is an error.

Checks: values of percentages lie in [0, 100] and of rates and counts are not negative;
for proportions and crude rates with Wilson or Byar intervals (computed from the count
and denominator), Value = Count / Denominator x the unit's multiplier must hold for most
rows of each indicator (the unit agrees with the
metadata; a few modelled or rounded rows may differ, as in Fingertips itself). The
extract lists a unitary authority under both of its area types and some sub-ICBs twice
with different vintages: a repeated key with identical values is kept once; a repeated
key with different values cannot be told apart without the area type, so all its rows
are left out (the catalogue's caveats give the count).

Published limits that do not contain the value (31 rows: indicator 93124's England
deprivation rows carry the limits of the count, not of the rate; one rounded 93701
row) are dropped, with a ``value_note`` saying so.

The period label follows the metadata's year type: calendar years read ``2018``, any
other (financial, academic, November to November) ``2018/19``.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.layout import INDICATOR_METADATA_COLUMNS
from healthgap.data.sources._common import Kind, Parsed, indicator_frame, read_csv, typed_frame
from healthgap.data.sources.indicator_review import review
from healthgap.errors import SchemaError

#: Fingertips area type codes (``areas.csv``) -> healthgap area types.
AREA_TYPES: dict[str, str] = {
    "england": "nation",
    "regions": "region",
    "combined-authorities": "combined_authority",
    "counties-and-unitary-authorities": "utla",
    "districts-and-unitary-authorities": "lad",
    "nhs-integrated-care-boards": "icb",
    "nhs-sub-integrated-care-boards": "sub_icb",
}
#: Fingertips area types healthgap does not profile (their rows are left out).
SKIPPED_AREA_TYPES: frozenset[str] = frozenset({"gps", "nhs-primary-care-networks", "nhs-regions"})
_PRACTICE_CODE = re.compile(r"^[A-Z]\d{5}$")

_QUINTILES = (
    "Most deprived quintile",
    "Second most deprived quintile",
    "Average deprived quintile",
    "Second least deprived quintile",
    "Least deprived quintile",
)
_ETHNIC_18 = (
    "White British", "White Irish", "Any other White background", "White and Black Caribbean",
    "White and Black African", "White and Asian", "Any other mixed background", "Indian",
    "Pakistani", "Bangladeshi", "Chinese", "Any other Asian background", "Black African",
    "Black Caribbean", "Any other Black background", "Any other ethnic group",
    "Not stated / invalid", "White", "Mixed", "Asian", "Black", "White Other", "Other",
    "Other ethnicity", "Unknown",
)  # fmt: skip
#: Categories of the breakdowns that ``categories.csv`` does not list, by category type
#: (as Fingertips names them in the extract). Deprivation deciles come from categories.csv.
KNOWN_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Ethnic groups": _ETHNIC_18,
    "Ethnic groups (w unknown)": (
        "White", "Mixed / Multiple ethnic groups", "Asian / Asian British inc Chinese",
        "Black / African / Caribbean / Black British", "Other ethnic group",
        "Not known/Not stated",
    ),
    "LSOA11 deprivation quintiles within area (IMD  trend)": _QUINTILES,
    "LSOA11 deprivation quintiles in England (IMD2019)": _QUINTILES,
    "Socioeconomic class": (
        '"Managerial, administrative and professional occupations"',
        "Intermediate occupations", "Self-employed and small employers",
        "Lower supervisory and technical occupations", "Semi-routine and routine occupations",
        "Long term unemployed or never worked", "Students", "Other/unclassified",
    ),
    "Level of education": (
        "No qualification", "Another type of qualification", "Level 1 and below",
        "Level 2 and equivalent", "Level 3 and equivalent", "Level 4 and above",
    ),
    "Working status": ("Working", "Unemployed", "Inactive"),
    "Disability": ("Disabled", "Not disabled"),
    "Sexuality - 4 categories": (
        "Heterosexual men", "Men who have sex with men (including bisexual men)",
        "Heterosexual women (including bisexual women)", "Women who have sex with women",
    ),
}  # fmt: skip

_COLUMNS: dict[str, Kind] = {
    "IndicatorId": "str",
    "Category": "str",
    "CategoryType": "str",
    "Age": "str",
    "Sex": "str",
    "Denominator": "float",
    "UpperCI": "float",
    "Value": "float",
    "Count": "float",
    "AreaCode": "str",
    "Year": "int",
    "LowerCI": "float",
}
_KEY = ["IndicatorId", "AreaCode", "Sex", "Age", "CategoryType", "Category", "Year"]


def _fail(path: Path, rule: str, got: str, fix: str = "") -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. "
        + (fix or "Fetch the catalogue's version of the file (healthgap data fetch).")
    )


def _companion(path: Path, name: str) -> Path:
    other = path.parent / name
    if not other.is_file():
        raise _fail(
            path,
            f"must come with {name} in the same folder",
            "no such file",
            "Fetch the Fingertips files together (healthgap data fetch).",
        )
    return other


def _area_types(path: Path) -> dict[str, str]:
    areas = _companion(path, "areas.csv")
    with areas.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"AreaCode", "AreaTypeCode"} <= set(rows[0]):
        raise _fail(areas, "must have the columns AreaCode and AreaTypeCode", "other columns")
    return {r["AreaCode"]: r["AreaTypeCode"] for r in rows}


def _known_categories(path: Path) -> set[str]:
    cats = _companion(path, "categories.csv")
    with cats.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "CategoryName" not in rows[0]:
        raise _fail(cats, "must have the column CategoryName", "other columns")
    names = {r["CategoryName"] for r in rows}
    return names | {f"{n} (IMD2019)" for n in names} | {f"{n} (IMD2015)" for n in names}


def _metadata(path: Path) -> dict[str, Any]:
    meta = _companion(path, "indicator_metadata_1587.json")
    try:
        with meta.open(encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise _fail(meta, "must be the Fingertips metadata JSON", str(exc)) from None
    if not isinstance(doc, dict):
        raise _fail(meta, "must map indicator ids to metadata", type(doc).__name__)
    return doc


def _name(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, dict):
        value = value.get("Name") or value.get("Label")
    return None if value in (None, "", "None") else str(value)


def fingertips_extract(path: Path, source_id: str) -> Parsed:
    """Parse the FingertipsNext extract with its companions (see the module docs)."""
    raw = read_csv(path, _COLUMNS)
    records = len(raw)
    for c in ("Category", "CategoryType"):
        raw[c] = raw[c].fillna("")
    types = _area_types(path)
    fingertips_type = raw["AreaCode"].map(types)
    unknown = fingertips_type.isna() & ~raw["AreaCode"].str.match(_PRACTICE_CODE)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _fail(
            path,
            "column 'AreaCode' must hold codes listed in areas.csv",
            f"{raw['AreaCode'].iloc[i]!r} on row {i + 2}",
        )
    strange = fingertips_type.notna() & ~fingertips_type.isin(set(AREA_TYPES) | SKIPPED_AREA_TYPES)
    if strange.any():
        i = int(np.flatnonzero(strange.to_numpy())[0])
        raise _fail(
            path,
            f"areas must be of the types {sorted(AREA_TYPES)}",
            f"{fingertips_type.iloc[i]!r} for {raw['AreaCode'].iloc[i]} on row {i + 2}",
        )
    keep = fingertips_type.isin(set(AREA_TYPES)).to_numpy()
    raw = raw[keep].reset_index(drop=True)
    raw["area_type"] = fingertips_type[keep].map(AREA_TYPES).to_numpy()
    raw["row"] = np.flatnonzero(keep) + 2

    known = _known_categories(path)
    has_cat = raw["CategoryType"] != ""
    pairs = {(t, c) for t, cats in KNOWN_CATEGORIES.items() for c in cats}
    listed = np.fromiter(
        ((t, c) in pairs for t, c in zip(raw["CategoryType"], raw["Category"], strict=True)),
        dtype=bool,
        count=len(raw),
    )
    ok = (~has_cat | raw["Category"].isin(known)).to_numpy() | listed
    if not np.all(ok):
        i = int(np.flatnonzero(~np.asarray(ok))[0])
        raise _fail(
            path,
            "column 'Category' must hold categories that categories.csv or healthgap's "
            "KNOWN_CATEGORIES list for the category type",
            f"{raw['Category'].iloc[i]!r} ({raw['CategoryType'].iloc[i]}) on row "
            f"{raw['row'].iloc[i]}",
            "Add the category to healthgap.data.sources.fingertips_extract.KNOWN_CATEGORIES "
            "after checking it against Fingertips.",
        )

    # repeated keys: identical rows once; conflicting rows dropped (see module docs)
    raw = raw.drop_duplicates(list(_COLUMNS)).reset_index(drop=True)
    conflicting = raw.duplicated(_KEY, keep=False).to_numpy()
    raw = raw[~conflicting].reset_index(drop=True)

    meta = _metadata(path)
    ids = list(dict.fromkeys(raw["IndicatorId"]))
    meta_rows = []
    year_type: dict[str, str] = {}
    for ind in ids:
        entry = meta.get(ind)
        if not isinstance(entry, dict):
            raise _fail(
                path,
                "indicators must be described in indicator_metadata_1587.json",
                f"no metadata for indicator {ind}",
            )
        reviewed = review(ind)
        if reviewed is None:
            raise _fail(
                path,
                f"indicator {ind} must have a reviewed polarity",
                "none",
                "Add it, with a reason, to healthgap.data.sources.indicator_review.",
            )
        unit = entry.get("Unit") or {}
        label = str(unit.get("Label") or "").strip()
        multiplier = unit.get("Value")
        value_type = _name(entry, "ValueType") or ""
        rows = (raw["IndicatorId"] == ind).to_numpy()
        method = _name(entry, "ConfidenceIntervalMethod") or ""
        _check_values(path, raw, rows, ind, label, multiplier, value_type, method)
        year_type[ind] = _name(entry, "YearType") or "Calendar"
        descriptive = entry.get("Descriptive") or {}
        note = _name(entry, "DataQualityNote")
        if note is None and isinstance(entry.get("DataQualityNote"), dict):
            text = entry["DataQualityNote"].get("Text")
            note = None if text in (None, "", "None") else str(text)
        meta_rows.append(
            {
                "indicator_id": ind,
                "name": descriptive.get("Name") or ind,
                "definition": descriptive.get("Definition"),
                "unit": label or None,
                "value_type": value_type or None,
                "polarity": reviewed.polarity,
                "polarity_source": "healthgap review",
                "polarity_reason": reviewed.reason,
                "domain": reviewed.domain,
                "interval_method": _name(entry, "ConfidenceIntervalMethod"),
                "source": descriptive.get("DataSource"),
                "source_url": f"https://fingertips.phe.org.uk/search/{ind}",
                "caveats": note,
                "decimal_places": None,
                "dataset_id": source_id,
            }
        )
    # limits that do not contain the value are a publisher error (e.g. 93124's England
    # deprivation rows carry the limits of the count, not of the rate): they are dropped
    outside = ((raw["LowerCI"] > raw["Value"]) | (raw["Value"] > raw["UpperCI"])).to_numpy()
    raw.loc[outside, ["LowerCI", "UpperCI"]] = np.nan
    dropped = "limits dropped: the published interval does not contain the value"
    value_note = pd.Series([dropped if o else None for o in outside], dtype="object")
    meta_frame = pd.DataFrame(meta_rows)
    names = dict(zip(meta_frame["indicator_id"], meta_frame["name"], strict=True))
    polarity = {i: review(i).polarity for i in ids}  # type: ignore[union-attr]
    year = raw["Year"].to_numpy(dtype=np.int64)
    split = raw["IndicatorId"].map(year_type).ne("Calendar").to_numpy()
    nxt = pd.Series((year + 1) % 100).map("{:02d}".format).to_numpy()
    period = np.where(split, year.astype(str) + "/" + nxt, year.astype(str))
    frame = indicator_frame(
        len(raw),
        indicator_id=raw["IndicatorId"],
        indicator_name=raw["IndicatorId"].map(names),
        area_code=raw["AreaCode"],
        area_type=pd.Series(raw["area_type"]),
        sex=raw["Sex"],
        age=raw["Age"],
        category_type=raw["CategoryType"].str.strip('"').where(raw["CategoryType"] != ""),
        category=raw["Category"].str.strip('"').where(raw["Category"] != ""),
        period=pd.Series(period),
        period_start=year,
        period_end=year + split.astype(np.int64),
        value=raw["Value"],
        lower_95_0=raw["LowerCI"],
        upper_95_0=raw["UpperCI"],
        count=raw["Count"],
        denominator=raw["Denominator"],
        polarity=raw["IndicatorId"].map(polarity),
        source_id=source_id,
        value_note=value_note,
    )
    return Parsed(frame, records, typed_frame(meta_frame, INDICATOR_METADATA_COLUMNS))


def _check_values(
    path: Path,
    raw: pd.DataFrame,
    rows: np.ndarray,
    ind: str,
    label: str,
    multiplier: Any,
    value_type: str,
    method: str,
) -> None:
    value = raw.loc[rows, "Value"].to_numpy(dtype=float)
    high = 100.0 if label == "%" else np.inf
    for column in ("Value", "LowerCI", "UpperCI"):
        v = raw.loc[rows, column].to_numpy(dtype=float)
        bad = (v < 0) | (v > high)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(
                path,
                f"column {column!r} of indicator {ind} ({label or 'no unit'}) must lie in "
                f"[0, {high:g}]",
                f"{v[i]!r} on row {raw.loc[rows, 'row'].iloc[i]}",
            )
    # only values computed from the count and denominator (Wilson, Byar) can be
    # checked; survey-weighted ("Other method") values are not Count / Denominator
    calculated = method in ("Wilson Score method", "Byar's method")
    if value_type not in ("Proportion", "Crude rate") or not multiplier or not calculated:
        return
    count = raw.loc[rows, "Count"].to_numpy(dtype=float)
    den = raw.loc[rows, "Denominator"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = count / den * float(multiplier)
    checkable = np.isfinite(implied) & np.isfinite(value) & (den > 0)
    if checkable.sum() == 0:
        return
    agree = np.abs(implied - value) <= 0.01 * np.abs(value) + 0.05
    if agree[checkable].mean() < 0.5:
        i = int(np.flatnonzero(checkable & ~agree)[0])
        raise _fail(
            path,
            f"values of indicator {ind} must agree with the metadata's unit {label!r} "
            f"(Value = Count / Denominator x {float(multiplier):g})",
            f"{int((checkable & ~agree).sum())} of {int(checkable.sum())} rows that do not "
            f"(first: Value {value[i]:g}, Count {count[i]:g}, Denominator {den[i]:g} on row "
            f"{raw.loc[rows, 'row'].iloc[i]})",
            "Check the file's unit against indicator_metadata_1587.json.",
        )
