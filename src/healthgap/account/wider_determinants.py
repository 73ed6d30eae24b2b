"""The wider determinants of health for one area: work, income, poverty, housing, learning.

Every indicator the store files under the "Wider determinants" domain
(``indicator_metadata.domain``; loaded from ONS Explore Local Statistics, DLUHC's
homelessness tables and Fingertips) is shown for the area in its latest period, grouped
into themes (:data:`THEMES`), with England's value and the comparison at 95% and 99.8%,
the region's value and the recent trend. The numbers come from the profile engine
(:func:`healthgap.account.profiles.profile_rows`), so they are the same as on the area's
profile page, in ``healthgap profile`` and in the report.

For a footprint with member councils (a strategic authority, a region) each indicator
also gets the **spread between its councils** in the same period: the lowest and highest
council value (by the indicator's own numbers, not by better/worse) and how many councils
have a value, from :func:`healthgap.account.compare_areas.compare_areas`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthgap.account.profiles import profile_rows, published
from healthgap.data.sources.indicator_review import WIDER
from healthgap.data.store import Store
from healthgap.errors import InputError

#: Themes in display order: (theme, indicator ids). A wider-determinants indicator not
#: listed here is shown under "Other wider determinants".
THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Work and income",
        (
            "els_employment_rate",
            "els_modelled_unemployment_rate",
            "els_claimant_count",
            "els_economically_inactive",
            "els_gross_median_weekly_pay",
            "els_gross_disposable_household_income",
        ),
    ),
    (
        "Child poverty",
        (
            "els_children_in_relative_poverty_before_housing_costs",
            "els_children_in_relative_poverty_after_housing_costs",
            "93701",
        ),
    ),
    (
        "Housing",
        (
            "els_housing_affordability_ratio_residence_based",
            "els_net_additions_to_the_housing_stock_england",
            "homeless_assessed_per_1000",
            "temporary_accommodation_per_1000",
        ),
    ),
    (
        "Education and skills",
        (
            "els_communication_and_language",
            "els_literacy",
            "els_mathematics",
            "els_pupils_meeting_the_expected_standard_in_reading_writing_and_maths",
            "els_gcses_in_english_and_maths",
            "els_persistent_absences_for_all_pupils",
            "els_persistent_absences_for_pupils_eligible_for_free_school_meals",
            "els_persistent_absences_for_pupils_looked_after_by_local_authorities",
            "els_level_3_or_above_qualifications_great_britain",
            "els_no_qualifications",
            "els_further_education_and_skills_participation",
            "els_further_education_and_skills_learner_achievements",
        ),
    ),
    (
        "Access to work and services",
        (
            "els_public_transport_or_walk_to_work",
            "els_cycle_to_work",
            "els_drive_to_work",
            "els_residents_within_a_30_minute_walk_of_their_nearest_library",
            "els_residents_within_a_30_minute_walk_of_their_nearest_railway_station",
            "els_supermarkets",
            "els_food_outlets",
            "els_sports_facilities",
        ),
    ),
    (
        "Culture and heritage",
        (
            "els_engaged_with_the_arts",
            "els_visited_a_heritage_site",
            "els_visited_a_museum_or_gallery",
            "els_visited_a_public_library",
        ),
    ),
)
OTHER = "Other wider determinants"

#: Columns of :attr:`WiderDeterminants.table`, in order.
COLUMNS: tuple[str, ...] = (
    "theme",
    "indicator_id",
    "indicator_name",
    "unit",
    "sex",
    "period",
    "value",
    "lower_95_0",
    "upper_95_0",
    "england_value",
    "region_value",
    "compared_95",
    "compared_99_8",
    "trend",
    "trend_meaning",
    "members",
    "lowest_member",
    "lowest_value",
    "highest_member",
    "highest_value",
    "polarity",
    "polarity_reason",
    "source",
    "source_url",
)


@dataclass(frozen=True)
class WiderDeterminants:
    """The wider determinants of one area (see the module docs)."""

    area_code: str
    area_name: str
    area_type: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table (:data:`COLUMNS`)."""
        return self.table.copy()

    def for_output(self) -> pd.DataFrame:
        """The table with disclosure control (no counts here, so it passes unchanged)."""
        return published(self.table.assign(count=np.nan))[list(COLUMNS)]

    def counts(self) -> dict[str, int]:
        """How many indicators are better, similar, worse, higher or lower than England."""
        got = self.table["compared_95"].value_counts()
        return {str(k): int(v) for k, v in got.items()}

    def summary(self) -> str:
        """Plain text, one line per indicator, grouped by theme."""
        lines = [f"Wider determinants: {self.area_name} ({self.area_code}, {self.area_type})"]
        for theme, part in self.table.groupby("theme", sort=False):
            lines.append(f"\n{theme}")
            for r in part.to_dict("records"):
                eng = float(r["england_value"])
                low = float(r["lowest_value"])
                england = "" if np.isnan(eng) else f"; England {eng:,.1f}"
                spread = (
                    ""
                    if np.isnan(low)
                    else f"; councils {low:,.1f} ({r['lowest_member']}) to "
                    f"{float(r['highest_value']):,.1f} ({r['highest_member']})"
                )
                lines.append(
                    f"- {r['indicator_name']} {r['period']}: {float(r['value']):,.1f}{england}; "
                    f"{r['compared_95']} at 95%{spread}"
                )
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


def wider_ids(store: Store) -> list[str]:
    """Every indicator id the store files under the wider determinants."""
    from healthgap.data.indicator_metadata import metadata

    meta = metadata(store)
    return sorted(meta.loc[meta["domain"] == WIDER, "indicator_id"])


def _theme_of(ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    theme = {i: t for t, members in THEMES for i in members}
    order = {i: n for n, (_, members) in enumerate(THEMES) for i in members}
    return ids.map(theme).fillna(OTHER), ids.map(order).fillna(len(THEMES))


def _spread(store: Store, members: Sequence[str], ids: list[str]) -> pd.DataFrame:
    """Lowest and highest member value per indicator and sex in its latest period."""
    from healthgap.account.compare_areas import compare_areas

    got = compare_areas(list(members), store=store, indicators=ids).table
    got = got[got["benchmark"] == "England"].dropna(subset=["value"])
    keys = ["indicator_id", "sex", "period"]
    if got.empty:
        return pd.DataFrame(columns=[*keys, "members", "lowest_member", "lowest_value"])
    names = got["area_name"].fillna(got["area_code"])
    got = got.assign(_name=names)
    low = got.loc[got.groupby(keys)["value"].idxmin(), [*keys, "_name", "value"]]
    high = got.loc[got.groupby(keys)["value"].idxmax(), [*keys, "_name", "value"]]
    n = got.groupby(keys).size().rename("members").reset_index()
    low = low.rename(columns={"_name": "lowest_member", "value": "lowest_value"})
    high = high.rename(columns={"_name": "highest_member", "value": "highest_value"})
    return n.merge(low, on=keys).merge(high, on=keys)


def wider_determinants(
    area_code: str,
    *,
    store: Store,
    area_type: str | None = None,
    members: Sequence[str] | None = None,
) -> WiderDeterminants:
    """The wider determinants of ``area_code`` against England (see the module docs).

    Parameters
    ----------
    area_code
        A GSS code with values in the store (LAD, UTLA, combined authority, region).
    store
        An open store.
    area_type
        The area type to read (default: the profile's choice per indicator).
    members
        Member council codes for the spread columns (default: none, the columns are
        empty). The report passes a strategic authority's councils.

    Examples
    --------
    >>> w = wider_determinants("E47000001", store=store)  # doctest: +SKIP
    >>> w.table[["indicator_name", "value", "england_value", "compared_95"]]  # doctest: +SKIP
    """
    ids = wider_ids(store)
    table, _ = profile_rows([area_code], store=store, area_type=area_type, indicators=ids)
    if table.empty:
        raise InputError(
            f"area must have wider-determinant values in the store; got none for "
            f"{area_code!r}. Most are published for councils, combined authorities, regions "
            "and England (few for NHS areas): use e.g. E08000003 or E47000001."
        )
    table = table[table["benchmark"] == "England"].copy()
    table["theme"], table["_order"] = _theme_of(table["indicator_id"])
    spread_cols = ["members", "lowest_member", "lowest_value", "highest_member", "highest_value"]
    if members:
        spread = _spread(store, members, sorted(set(table["indicator_id"])))
        table = table.merge(spread, on=["indicator_id", "sex", "period"], how="left")
    for c in spread_cols:
        if c not in table:
            table[c] = np.nan
    table["members"] = table["members"].fillna(0).astype(int)
    table = table.sort_values(["_order", "indicator_name", "sex"], kind="stable")
    found = store.backend.con.cursor()
    try:
        row = found.execute(
            "SELECT any_value(name) FROM areas WHERE code = ? AND name IS NOT NULL", [area_code]
        ).fetchone()
    finally:
        found.close()
    kinds = table["area_type"]
    notes = (
        "Compared with England at 95% and 99.8% by the area's confidence interval where the "
        "source publishes one; indicators whose source publishes no limits (e.g. GCSE and "
        "early-years results, facilities per head, child poverty) are shown but not compared.",
        "Better/worse follows healthgap's reviewed polarity; where no judgement fits (e.g. "
        "economic inactivity, GVA, food outlets) the comparison reads higher/lower.",
    )
    return WiderDeterminants(
        area_code=area_code,
        area_name=str(row[0]) if row and row[0] else area_code,
        area_type=str(kinds.mode().iloc[0]) if len(kinds) else (area_type or ""),
        table=table[list(COLUMNS)].reset_index(drop=True),
        notes=notes,
    )


__all__ = ["COLUMNS", "THEMES", "WiderDeterminants", "wider_determinants", "wider_ids"]
