"""Years lived in poorer health: life expectancy minus healthy life expectancy, by area.

For every area and sex with both ONS life expectancy at birth (``le_birth``) and healthy
life expectancy at birth (``hle_birth``) in the same period (2021-2023 for local areas):

    years in poorer health = LE - HLE,
    se = sqrt(se_LE^2 + se_HLE^2), se = (upper - lower) / (2 x 1.959964),

with 95% limits years -/+ 1.959964 se. LE and HLE of one area are estimated from the same
deaths, so they are positively correlated and this interval is conservative (wider than
the true one); ONS publishes no covariance.
"""

from __future__ import annotations

import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.stats import intervals


def years_in_poorer_health(store: Store, *, period: str = "2021-2023") -> pd.DataFrame:
    """LE minus HLE with conservative 95% limits for every area and sex in ``period``."""
    con = store.backend.con.cursor()
    try:
        rows = con.execute(
            "SELECT indicator_id, area_code, any_value(area_name) AS area_name, area_type, sex, "
            "any_value(value) AS value, any_value(lower_95_0) AS lower, "
            "any_value(upper_95_0) AS upper FROM indicators "
            "WHERE indicator_id IN ('le_birth', 'hle_birth') AND period = ? "
            "AND category_type IS NULL AND value IS NOT NULL GROUP BY ALL",
            [period],
        ).fetch_df()
    finally:
        con.close()
    le = rows[rows["indicator_id"] == "le_birth"]
    hle = rows[rows["indicator_id"] == "hle_birth"]
    if le.empty or hle.empty:
        raise InputError(
            f"period must have both life expectancy and healthy life expectancy in the store; "
            f"got {len(le)} and {len(hle)} rows for {period!r}. Use 2021-2023."
        )
    both = le.merge(hle, on=["area_code", "sex"], suffixes=("_le", "_hle"))
    # one row per area and sex: prefer the HLE row's area type where LE has several
    both = both.drop_duplicates(["area_code", "sex"])
    years = intervals.difference_of_estimates(
        both["value_le"],
        intervals.se_from_limits(both["lower_le"], both["upper_le"], 0.95),
        both["value_hle"],
        intervals.se_from_limits(both["lower_hle"], both["upper_hle"], 0.95),
    )
    out = pd.DataFrame(
        {
            "area_code": both["area_code"],
            "area_name": both["area_name_le"].fillna(both["area_name_hle"]),
            "area_type": both["area_type_hle"],
            "sex": both["sex"],
            "period": period,
            "life_expectancy": both["value_le"],
            "healthy_life_expectancy": both["value_hle"],
            "years_in_poorer_health": years.value,
            "lower_95_0": years.lower,
            "upper_95_0": years.upper,
        }
    )
    return out.sort_values(["area_code", "sex"], ignore_index=True)
