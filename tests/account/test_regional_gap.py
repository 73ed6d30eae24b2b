"""The regional male HLE gap (healthgap.account.regional_gap) against the mirror's ONS CSV.

Reference: ONS healthy life expectancy at birth by local area, which includes the nine
English regions (mirror hle_le/ons_hle_birth_local_areas_2011_2024.csv): the highest and
lowest region's published values, their difference, and its 95% limits worked here from
the published limits, (U - L) / (2 x 1.959964) for each standard error and the two taken
as independent."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from healthgap.account.periods import choose_period
from healthgap.account.regional_gap import regional_hle_gap
from healthgap.data.store import Store
from healthgap.errors import InputError

Z = 1.959963984540054


@pytest.mark.parametrize("period", [None, "2018-2020"])
def test_gap_is_highest_minus_lowest_region_from_the_csv(
    store: Store, mirror: Path, period: str | None
) -> None:
    import pandas as pd

    ons = pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")
    reg = ons[ons["area_code"].str.startswith("E12") & (ons["sex"] == "Male")]
    want_period = period or "2022-2024"
    reg = reg[reg["period"] == want_period].sort_values("hle_years", ascending=False)
    hi, lo = reg.iloc[0], reg.iloc[-1]
    got = regional_hle_gap(store, period)
    assert got.period == want_period and got.periods[-1] == "2022-2024"
    assert len(got.regions) == 9
    assert got.regions["value"].tolist() == pytest.approx(reg["hle_years"].tolist(), rel=1e-12)
    assert got.highest == hi["area_name"] and got.lowest == lo["area_name"]
    diff = hi["hle_years"] - lo["hle_years"]
    se = math.hypot(
        (hi["upper_95"] - hi["lower_95"]) / (2 * Z), (lo["upper_95"] - lo["lower_95"]) / (2 * Z)
    )
    assert got.difference == pytest.approx(diff, rel=1e-10)
    assert got.difference_lower_95_0 == pytest.approx(diff - Z * se, rel=1e-6)
    assert got.difference_upper_95_0 == pytest.approx(diff + Z * se, rel=1e-6)
    assert got.summary()["difference"] == got.difference


def test_an_unknown_period_names_some_to_try() -> None:
    with pytest.raises(InputError, match=r"got '1999'\. Try one of: b, c"):
        choose_period("1999", ["b", "c"])
    assert choose_period(None, ["b", "c"]) == "c"
