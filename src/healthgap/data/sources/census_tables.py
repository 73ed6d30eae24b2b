"""Census 2021 topic tables by LSOA and by district (humaniverse reshapes of Nomis bulk files).

One layout, six files: one row per area and category with the category's count ``n``, the
area's total (``total_residents`` or ``total_households``) and ``prop`` = n / total.

=================================================  =====  =================================
file                                               table  loaded as
=================================================  =====  =================================
``ethnicity_lsoa21_5groups.csv``                   TS021  ``census_ethnic_group_share_5``
``disability_lsoa21.csv``                          TS038  ``census_disabled_pct``
``household_deprivation_dimensions_lsoa21.csv``    TS011  ``census_household_deprivation``
                                                          + ``census_households_deprived_pct``
``household_overcrowding_lsoa21.csv``              TS052  ``census_occupancy_rating``
                                                          + ``census_households_overcrowded_pct``
``disability_ltla21.csv``                          TS038  ``census_disabled_pct`` (districts)
``sexual_orientation_ltla21.csv``                  TS077  ``census_sexual_orientation_share``
=================================================  =====  =================================

Tables with several categories are kept as breakdown rows (``category_type`` and
``category``, each with ``count`` and ``denominator``); where one category, or a sum of
categories, is the measure people compare (disabled; deprived in one or more dimensions;
overcrowded), it is also a headline row with no category, its count the sum of those
categories' counts. Disability has two categories, disabled and not disabled: only the
headline is stored (the other is its denominator minus its count).

Checks (each failure names the file, the data row and the column; nothing is loaded):
every category is one the table knows, once per area; counts are whole, 0 or more and sum
to the area's total, which is the same on every row of the area; ``prop`` equals n / total
(to 1e-9). LSOA files hold England and Wales: only English LSOAs (``E01``) are loaded,
as healthgap's deprivation and geography are England's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.layout import INDICATOR_METADATA_COLUMNS
from healthgap.data.sources._common import (
    Parsed,
    indicator_frame,
    read_csv,
    require_unique,
    typed_frame,
)
from healthgap.data.sources.indicator_review import review
from healthgap.errors import SchemaError

_ONS_CENSUS = "Office for National Statistics, Census 2021"
_NOMIS_BULK = "https://www.nomisweb.co.uk/census/2021/bulk"
_PERTURBED = (
    "ONS perturbs Census 2021 counts slightly for disclosure control (cell key "
    "perturbation), so small counts are approximate and sums differ slightly between tables. "
    "A count of the whole population, not a sample: no confidence limits are published."
)


@dataclass(frozen=True)
class Measure:
    """One indicator a table is loaded as."""

    indicator_id: str
    name: str
    definition: str
    #: Categories whose counts make the headline; empty for breakdown rows.
    headline_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """How one file of the layout is read and what it is loaded as."""

    code_column: str
    area_type: str
    total_column: str
    category_column: str
    categories: tuple[str, ...]
    category_type: str
    unit: str
    measures: tuple[Measure, ...]
    #: The breakdown indicator (breakdown rows), or None when only headlines are loaded.
    breakdown: Measure | None = None
    caveat: str = ""


_ETHNIC5 = (
    "Asian, Asian British or Asian Welsh",
    "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed or Multiple ethnic groups",
    "White",
    "Other ethnic group",
)
_DISABILITY = ("Disabled under the Equality Act", "Not disabled under the Equality Act")
_DIMENSIONS = (
    "Household is not deprived in any dimension",
    "Household is deprived in one dimension",
    "Household is deprived in two dimensions",
    "Household is deprived in three dimensions",
    "Household is deprived in four dimensions",
)
_OCCUPANCY = (
    "+2 or more (under-occupied)",
    "+1 (under-occupied)",
    "0 (ideal)",
    "-1 (overcrowded)",
    "-2 or less (overcrowded)",
)
_ORIENTATION = (
    "Straight or Heterosexual",
    "Gay or Lesbian",
    "Bisexual",
    "All other sexual orientations",
    "Not answered",
)

_DISABLED = Measure(
    "census_disabled_pct",
    "Residents disabled under the Equality Act (Census 2021), %",
    "Usual residents whose day-to-day activities are limited a little or a lot by a "
    "long-term physical or mental health condition or illness (disabled under the Equality "
    "Act 2010), as a % of all usual residents (TS038). Not age-standardised.",
    headline_of=(_DISABILITY[0],),
)

TABLES: dict[str, Table] = {
    "ethnicity_lsoa21": Table(
        "lsoa21_code",
        "lsoa21",
        "total_residents",
        "ethnic_group",
        _ETHNIC5,
        "Ethnic group (5 groups)",
        "%",
        (),
        Measure(
            "census_ethnic_group_share_5",
            "Residents by ethnic group, 5 groups (Census 2021), % of usual residents",
            "Usual residents in each of the five high-level Census 2021 ethnic groups, as a "
            "% of the area's usual residents (TS021; breakdown rows with count and "
            "denominator).",
        ),
    ),
    "disability_lsoa21": Table(
        "lsoa21_code",
        "lsoa21",
        "total_residents",
        "disability",
        _DISABILITY,
        "Disability (Equality Act)",
        "%",
        (_DISABLED,),
    ),
    "household_deprivation_lsoa21": Table(
        "lsoa21_code",
        "lsoa21",
        "total_households",
        "deprivation_dimensions",
        _DIMENSIONS,
        "Household deprivation dimensions",
        "% of households",
        (
            Measure(
                "census_households_deprived_pct",
                "Households deprived in one or more dimensions (Census 2021), %",
                "Households deprived in at least one of the four Census 2021 dimensions "
                "(employment, education, health and disability, housing), as a % of all "
                "households (TS011).",
                headline_of=_DIMENSIONS[1:],
            ),
        ),
        Measure(
            "census_household_deprivation",
            "Households by number of dimensions of deprivation (Census 2021), %",
            "Households by how many of the four Census 2021 dimensions of deprivation they "
            "are deprived in, as a % of all households (TS011; breakdown rows).",
        ),
        "The Census dimensions of deprivation are not the Indices of Deprivation.",
    ),
    "overcrowding_lsoa21": Table(
        "lsoa21_code",
        "lsoa21",
        "total_households",
        "occupancy_rating",
        _OCCUPANCY,
        "Occupancy rating (bedrooms)",
        "% of households",
        (
            Measure(
                "census_households_overcrowded_pct",
                "Overcrowded households, bedroom occupancy rating -1 or less (Census 2021), %",
                "Households with at least one bedroom fewer than the bedroom standard needs "
                "(occupancy rating for bedrooms -1 or less), as a % of all households (TS052).",
                headline_of=_OCCUPANCY[3:],
            ),
        ),
        Measure(
            "census_occupancy_rating",
            "Households by occupancy rating for bedrooms (Census 2021), %",
            "Households by occupancy rating for bedrooms (+2 or more under-occupied to -2 or "
            "less overcrowded), as a % of all households (TS052; breakdown rows).",
        ),
    ),
    "disability_ltla21": Table(
        "ltla21_code",
        "lad",
        "total_residents",
        "disability_level",
        _DISABILITY,
        "Disability (Equality Act)",
        "%",
        (_DISABLED,),
    ),
    "sexual_orientation_ltla21": Table(
        "ltla21_code",
        "lad",
        "total_residents",
        "sexual_orientation",
        _ORIENTATION,
        "Sexual orientation",
        "% of residents aged 16+",
        (),
        Measure(
            "census_sexual_orientation_share",
            "Residents aged 16 and over by sexual orientation (Census 2021), %",
            "Usual residents aged 16 and over by sexual orientation, as a % of residents aged "
            "16 and over (TS077; a voluntary question, 'Not answered' kept as a category).",
        ),
        "The denominator is residents aged 16 and over; the question was voluntary.",
    ),
}


def _fail(path: Path, rule: str, got: str) -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. Fetch the catalogue's version of the file "
        "(healthgap data fetch)."
    )


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _reviewed(indicator_id: str, path: Path) -> str:
    reviewed = review(indicator_id)
    if reviewed is None:
        raise SchemaError(
            f"{path.name} indicator {indicator_id!r} must have a reviewed polarity; got none. "
            "Add it, with a reason, to healthgap.data.sources.indicator_review."
        )
    return reviewed.polarity


def parse_table(path: Path, source_id: str, table: str) -> Parsed:
    """Parse one census file of the layout (``table`` a key of :data:`TABLES`)."""
    spec = TABLES[table]
    code, total, cat = spec.code_column, spec.total_column, spec.category_column
    raw = read_csv(path, {code: "str", total: "int", cat: "str", "n": "int", "prop": "float"})
    records = len(raw)
    for column in (code, total, cat, "n", "prop"):
        blank = raw[column].isna().to_numpy()
        if blank.any():
            i = _first(blank)
            raise _fail(path, f"column {column!r} must not be blank", f"blank on data row {i + 1}")
    known = raw[cat].isin(spec.categories).to_numpy()
    if not known.all():
        i = _first(~known)
        raise _fail(
            path,
            f"column {cat!r} must hold one of the {len(spec.categories)} categories of the "
            f"table ({', '.join(spec.categories)})",
            f"{raw[cat].iloc[i]!r} on data row {i + 1}",
        )
    require_unique(raw, [code, cat], path)
    n = raw["n"].astype("float64").to_numpy()
    tot = raw[total].astype("float64").to_numpy()
    bad = (n < 0) | (tot <= 0) | (n > tot)
    if bad.any():
        i = _first(bad)
        raise _fail(
            path,
            f"columns 'n' and {total!r} must hold counts with 0 <= n <= {total} and {total} > 0",
            f"{raw['n'].iloc[i]!r} and {raw[total].iloc[i]!r} on data row {i + 1}",
        )
    off = np.abs(raw["prop"].to_numpy() - n / tot) > 1e-9
    if off.any():
        i = _first(off)
        raise _fail(
            path,
            f"column 'prop' must equal n / {total}",
            f"{raw['prop'].iloc[i]!r} against {n[i] / tot[i]:.9f} on data row {i + 1}",
        )
    by_area = raw.groupby(code, sort=False)
    sizes = by_area[cat].transform("size").to_numpy()
    if (sizes != len(spec.categories)).any():
        i = _first(sizes != len(spec.categories))
        raise _fail(
            path,
            f"must have all {len(spec.categories)} categories of column {cat!r} for every area",
            f"{int(sizes[i])} for {raw[code].iloc[i]} (data row {i + 1})",
        )
    varies = (by_area[total].transform("nunique") > 1).to_numpy()
    if varies.any():
        i = _first(varies)
        raise _fail(
            path,
            f"column {total!r} must be the same on every row of an area",
            f"different values for {raw[code].iloc[i]} (data row {i + 1})",
        )
    sums = by_area["n"].transform("sum").astype("float64").to_numpy()
    if (sums != tot).any():
        i = _first(sums != tot)
        raise _fail(
            path,
            f"column 'n' must sum to {total!r} over an area's categories",
            f"{sums[i]:.0f} against {tot[i]:.0f} for {raw[code].iloc[i]} (data row {i + 1})",
        )
    if spec.area_type == "lsoa21":
        raw = raw[raw[code].str.startswith("E01")].reset_index(drop=True)
    frames = []
    common = {
        "area_type": spec.area_type,
        "sex": "Persons",
        "period": "2021",
        "period_start": 2021,
        "period_end": 2021,
        "source_id": source_id,
    }
    if spec.breakdown is not None:
        m = spec.breakdown
        frames.append(
            indicator_frame(
                len(raw),
                indicator_id=m.indicator_id,
                indicator_name=m.name,
                area_code=raw[code],
                category_type=spec.category_type,
                category=raw[cat],
                value=100.0 * raw["n"].astype("float64") / raw[total].astype("float64"),
                count=raw["n"].astype("float64"),
                denominator=raw[total].astype("float64"),
                polarity=_reviewed(m.indicator_id, path),
                **common,
            )
        )
    for m in spec.measures:
        part = raw[raw[cat].isin(m.headline_of)]
        head = part.groupby(code, sort=False).agg(n=("n", "sum"), total=(total, "first"))
        count = head["n"].astype("float64")
        den = head["total"].astype("float64")
        frames.append(
            indicator_frame(
                len(head),
                indicator_id=m.indicator_id,
                indicator_name=m.name,
                area_code=pd.Series(head.index, dtype="str"),
                value=(100.0 * count / den).reset_index(drop=True),
                count=count.reset_index(drop=True),
                denominator=den.reset_index(drop=True),
                polarity=_reviewed(m.indicator_id, path),
                **common,
            )
        )
    return Parsed(pd.concat(frames, ignore_index=True), records, _metadata(spec, source_id))


def _metadata(spec: Table, source_id: str) -> pd.DataFrame:
    rows = []
    for m in (*spec.measures, *([spec.breakdown] if spec.breakdown else [])):
        reviewed = review(m.indicator_id)
        assert reviewed is not None  # checked by _reviewed before
        rows.append(
            {
                "indicator_id": m.indicator_id,
                "name": m.name,
                "definition": m.definition,
                "unit": spec.unit,
                "value_type": "Proportion",
                "polarity": reviewed.polarity,
                "polarity_source": "healthgap review",
                "polarity_reason": reviewed.reason,
                "domain": reviewed.domain,
                "interval_method": None,
                "source": _ONS_CENSUS,
                "source_url": _NOMIS_BULK,
                "caveats": " ".join(c for c in (_PERTURBED, spec.caveat) if c),
                "decimal_places": 1,
                "dataset_id": source_id,
            }
        )
    return typed_frame(pd.DataFrame(rows), INDICATOR_METADATA_COLUMNS)


def _parser(table: str) -> Callable[[Path, str], Parsed]:
    def parse(path: Path, source_id: str) -> Parsed:
        return parse_table(path, source_id, table)

    parse.__name__ = table
    parse.__doc__ = f"Parse the census table {table!r} (see :data:`TABLES`)."
    return parse


ethnicity_lsoa21 = _parser("ethnicity_lsoa21")
disability_lsoa21 = _parser("disability_lsoa21")
household_deprivation_lsoa21 = _parser("household_deprivation_lsoa21")
overcrowding_lsoa21 = _parser("overcrowding_lsoa21")
disability_ltla21 = _parser("disability_ltla21")
sexual_orientation_ltla21 = _parser("sexual_orientation_ltla21")
