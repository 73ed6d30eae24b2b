"""Years lived in poorer health (LE minus HLE) for every area, by hand."""

from __future__ import annotations

import math

import pytest

from healthgap.account.poorer_health import years_in_poorer_health
from healthgap.data.store import Store
from healthgap.errors import InputError

Z95 = 1.959963984540054


def test_manchester_by_hand(fw_store: Store) -> None:
    got = years_in_poorer_health(fw_store).set_index(["area_code", "sex"])
    con = fw_store.backend.con
    le = con.execute(
        "select value, lower_95_0, upper_95_0 from indicators where indicator_id = 'le_birth' "
        "and area_code = 'E08000003' and sex = 'Female' and period = '2021-2023'"
    ).fetchone()
    hle = con.execute(
        "select value, lower_95_0, upper_95_0 from indicators where indicator_id = 'hle_birth' "
        "and area_code = 'E08000003' and sex = 'Female' and period = '2021-2023'"
    ).fetchone()
    row = got.loc[("E08000003", "Female")]
    assert row["years_in_poorer_health"] == pytest.approx(le[0] - hle[0], rel=1e-12)
    se = math.hypot((le[2] - le[1]) / (2 * Z95), (hle[2] - hle[1]) / (2 * Z95))
    assert row["upper_95_0"] == pytest.approx(le[0] - hle[0] + Z95 * se, rel=1e-12)
    assert len(got) > 400  # every area with both LE and HLE, both sexes


def test_period_without_both_is_an_error(fw_store: Store) -> None:
    with pytest.raises(InputError, match=r"period must have both life expectancy"):
        years_in_poorer_health(fw_store, period="1999-2001")
