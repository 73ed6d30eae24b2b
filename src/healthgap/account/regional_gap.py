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

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.stats.inequality.gap import gap

#: The rows read: healthy life expectancy at birth, English regions, males.
FILTERS: dict[str, Any] = {"indicator": "hle_birth", "area_type": "region", "sex": "Male"}


def indicator_periods(store: Store, **filters: Any) -> list[str]:
    """The periods of the indicator rows matching ``filters`` (``Store.indicators``),
    oldest first."""
    t = store.indicators(**filters)
    got = store.to_pandas(t.select("period", "period_end").distinct())
    return got.sort_values(["period_end", "period"])["period"].astype(str).tolist()


def choose_period(value: str | None, options: list[str], name: str = "period") -> str:
    """``value`` when it is one of ``options`` (the latest when ``None``); else an
    :class:`~healthgap.errors.InputError` naming a few periods to try."""
    if not options:
        raise InputError(f"{name} must have data in the store; got none. Run `healthgap init`.")
    if value is None:
        return options[-1]
    if value not in options:
        raise InputError(
            f"{name} must be one of the periods in the store; got {value!r}. "
            f"Try one of: {', '.join(options[-5:])}."
        )
    return value


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
