"""The mission's gap as the seeds state it: between the richest and poorest regions.

The health mission speaks of "the gap in healthy life expectancy between the richest and
poorest regions of England". Two readings are computed side by side, each saying which
definition it uses:

``"income-ranked"``
    Regions ranked by gross disposable household income (GDHI) per head (ONS, via Explore
    Local Statistics, ``els_gross_disposable_household_income``) in ``income_year``
    (default: the latest year in the store). The gap is HLE in the region with the highest
    GDHI per head minus HLE in the region with the lowest, in each HLE period and sex.
``"range"``
    The highest minus the lowest regional HLE in each period and sex, whichever regions
    they are (the default definition of :func:`healthgap.account.mission.mission`).

Limits: each gap's standard error combines the two regions' standard errors (from their
95% limits, se = (upper - lower) / (2 x 1.959964)) in quadrature; 95% limits are
gap -/+ 1.959964 se. The regions' ranking by income is held fixed (not resampled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.stats import intervals

GDHI = "els_gross_disposable_household_income"


@dataclass(frozen=True)
class IncomeGap:
    """Regions by GDHI per head, and the HLE gap by both definitions."""

    income_year: str
    regions: pd.DataFrame
    gaps: pd.DataFrame
    notes: tuple[str, ...]

    def summary(self) -> str:
        """Plain text: the richest and poorest regions and the latest gaps."""
        rich, poor = self.regions.iloc[0], self.regions.iloc[-1]
        lines = [
            f"GDHI per head {self.income_year}: richest {rich.area_name} "
            f"(£{rich.gdhi_per_head:,.0f}), poorest {poor.area_name} (£{poor.gdhi_per_head:,.0f})"
        ]
        latest = self.gaps[self.gaps["period"] == self.gaps["period"].max()]
        for r in latest.itertuples(index=False):
            lines.append(
                f"- {r.period} {r.sex}, {r.definition}: {r.gap:.1f} years "
                f"({r.high_region} minus {r.low_region}; 95% {r.lower_95_0:.1f} to "
                f"{r.upper_95_0:.1f})"
            )
        return "\n".join(lines)


def income_gap(
    store: Store, *, series: str = "hle_birth", income_year: str | None = None
) -> IncomeGap:
    """HLE gap between the richest and poorest regions by GDHI per head, and the range.

    Raises InputError when the store lacks GDHI or HLE for the regions, or the year.
    """
    con = store.backend.con.cursor()
    try:
        income = con.execute(
            "SELECT area_code, area_name, period, value FROM indicators "
            "WHERE indicator_id = ? AND area_type = 'region' AND category_type IS NULL "
            "AND area_code LIKE 'E12%' AND value IS NOT NULL",
            [GDHI],
        ).fetch_df()
        hle = con.execute(
            "SELECT area_code, area_name, sex, period, value, lower_95_0, upper_95_0 "
            "FROM indicators WHERE indicator_id = ? AND area_type = 'region' "
            "AND category_type IS NULL AND area_code LIKE 'E12%' AND value IS NOT NULL",
            [series],
        ).fetch_df()
    finally:
        con.close()
    if income.empty or hle.empty:
        raise InputError(
            f"the store must hold regional GDHI per head ({GDHI}) and {series}; got "
            f"{len(income)} and {len(hle)} rows. Rebuild it with `healthgap init`."
        )
    years = sorted(set(income["period"]))
    year = income_year if income_year is not None else years[-1]
    if year not in years:
        raise InputError(
            f"income_year must be a year with regional GDHI in the store; got {year!r}. "
            f"Available: {years[0]} to {years[-1]}."
        )
    ranked = (
        income[income["period"] == year]
        .rename(columns={"value": "gdhi_per_head"})
        .sort_values("gdhi_per_head", ascending=False, ignore_index=True)
    )
    if len(ranked) != 9:
        raise InputError(
            f"GDHI per head must cover the 9 English regions in {year}; got {len(ranked)}."
        )
    ranked["income_rank"] = np.arange(1, 10)
    richest, poorest = ranked["area_code"].iloc[0], ranked["area_code"].iloc[-1]
    hle["se"] = intervals.se_from_limits(hle["lower_95_0"], hle["upper_95_0"], 0.95)
    rows = []
    for (period, sex), part in hle.groupby(["period", "sex"], sort=True):
        by = part.set_index("area_code")
        pairs = []
        if richest in by.index and poorest in by.index:
            pairs.append(("income-ranked", richest, poorest))
        if len(by) == 9:
            pairs.append(("range", by["value"].idxmax(), by["value"].idxmin()))
        for definition, hi, lo in pairs:
            gap = intervals.difference_of_estimates(
                by.at[hi, "value"], by.at[hi, "se"], by.at[lo, "value"], by.at[lo, "se"]
            )
            rows.append(
                {
                    "period": period,
                    "sex": sex,
                    "definition": definition,
                    "high_region": by.at[hi, "area_name"],
                    "low_region": by.at[lo, "area_name"],
                    "gap": float(gap.value),
                    "lower_95_0": float(gap.lower),
                    "upper_95_0": float(gap.upper),
                }
            )
    notes = (
        f"income-ranked: HLE in the region with the highest GDHI per head in {year} minus "
        "HLE in the region with the lowest (the seeds' 'richest and poorest regions').",
        "range: the highest minus the lowest regional HLE, whichever regions they are.",
        "Limits combine the two regions' standard errors in quadrature; the income "
        "ranking is held fixed.",
    )
    return IncomeGap(
        income_year=year,
        regions=ranked[["income_rank", "area_code", "area_name", "gdhi_per_head"]],
        gaps=pd.DataFrame(rows),
        notes=notes,
    )
