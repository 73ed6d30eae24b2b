"""The gap in male healthy life expectancy between the highest and lowest English region.

The home page's headline and the API's ``/hle-gap``: ONS's regional male HLE at birth in
one period (the latest by default), with the difference between the highest and the lowest
region and its 95% limits from :func:`healthgap.stats.inequality.gap.gap` (the two
estimates taken as independent). Also the period helpers every indicator view uses: the
periods an indicator has in the store, and the check of a chosen one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from healthgap.account.periods import choose_period, indicator_periods
from healthgap.data.store import Store
from healthgap.stats.inequality.gap import gap

#: The rows read: healthy life expectancy at birth, English regions, males.
FILTERS: dict[str, Any] = {"indicator": "hle_birth", "area_type": "region", "sex": "Male"}


@dataclass(frozen=True)
class RegionalGap:
    """The regions' values (highest first: ``area_code``, ``area_name``, ``period``,
    ``value``, ``lower_95_0``, ``upper_95_0``) and the gap between the first and last."""

    period: str
    periods: tuple[str, ...]
    regions: pd.DataFrame
    highest: str
    highest_value: float
    lowest: str
    lowest_value: float
    difference: float
    difference_lower_95_0: float
    difference_upper_95_0: float

    def summary(self) -> dict[str, Any]:
        """The gap's figures by name (the periods as a list)."""
        return {
            "period": self.period,
            "periods": list(self.periods),
            "highest": self.highest,
            "highest_value": self.highest_value,
            "lowest": self.lowest,
            "lowest_value": self.lowest_value,
            "difference": self.difference,
            "difference_lower_95_0": self.difference_lower_95_0,
            "difference_upper_95_0": self.difference_upper_95_0,
        }


def regional_hle_gap(store: Store, period: str | None = None) -> RegionalGap:
    """The male HLE gap between the highest and lowest region in ``period`` (latest when
    ``None``), from ONS's published regional values and their 95% limits."""
    periods = indicator_periods(store, **FILTERS)
    chosen = choose_period(period, periods)
    cols = ["area_code", "area_name", "period", "value", "lower_95_0", "upper_95_0"]
    t = store.indicators(**FILTERS, period=chosen)
    regions = store.to_pandas(t.select(*cols)).sort_values("value", ascending=False)
    regions = regions.reset_index(drop=True)
    row = (
        gap(
            regions,
            "value",
            by="area_name",
            lower="lower_95_0",
            upper="upper_95_0",
            confidence=0.95,
        )
        .to_pandas()
        .iloc[0]
    )
    return RegionalGap(
        period=chosen,
        periods=tuple(periods),
        regions=regions,
        highest=str(row["first"]),
        highest_value=float(row["first_value"]),
        lowest=str(row["second"]),
        lowest_value=float(row["second_value"]),
        difference=float(row["difference"]),
        difference_lower_95_0=float(row["difference_lower_95_0"]),
        difference_upper_95_0=float(row["difference_upper_95_0"]),
    )
