"""The mission's gap between the richest and poorest regions by GDHI per head."""

from __future__ import annotations

import math

import pytest

from healthgap.account.income_gap import income_gap
from healthgap.data.store import Store
from healthgap.errors import InputError

Z95 = 1.959963984540054


def test_income_ranked_gap_by_hand(fw_store: Store) -> None:
    r = income_gap(fw_store, income_year="2022")
    # SOURCES.md check: GDHI per head 2022, London highest, North East lowest
    assert (r.regions["area_name"].iloc[0], r.regions["area_name"].iloc[-1]) == (
        "London",
        "North East",
    )
    con = fw_store.backend.con
    rows = {
        (code, sex): (v, lo, hi)
        for code, sex, v, lo, hi in con.execute(
            "select area_code, sex, value, lower_95_0, upper_95_0 from indicators where "
            "indicator_id = 'hle_birth' and area_type = 'region' and period = '2022-2024'"
        ).fetchall()
    }
    got = r.gaps.set_index(["period", "sex", "definition"]).loc[
        ("2022-2024", "Male", "income-ranked")
    ]
    london, north_east = rows[("E12000007", "Male")], rows[("E12000001", "Male")]
    assert got["gap"] == pytest.approx(london[0] - north_east[0], rel=1e-12)
    se = math.hypot(
        (london[2] - london[1]) / (2 * Z95), (north_east[2] - north_east[1]) / (2 * Z95)
    )
    assert got["lower_95_0"] == pytest.approx(got["gap"] - Z95 * se, rel=1e-12)
    rng = r.gaps.set_index(["period", "sex", "definition"]).loc[("2022-2024", "Male", "range")]
    male = {c: v[0] for (c, s), v in rows.items() if s == "Male"}
    assert rng["gap"] == pytest.approx(max(male.values()) - min(male.values()), rel=1e-12)
    assert any("richest and poorest" in n for n in r.notes)


def test_income_year_must_exist(fw_store: Store) -> None:
    with pytest.raises(InputError, match=r"income_year must be a year with regional GDHI"):
        income_gap(fw_store, income_year="1850")
