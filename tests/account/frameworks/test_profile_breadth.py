"""Profiles at full breadth: Manchester against England with metadata, 99.8% limits by
interval method, spine and trend statistics against independent calculations."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from healthgap.account.profiles import limits_99_8, multiplier, profile, trend_slope, trends_table
from healthgap.data.store import Store


def test_manchester_compares_at_least_40_indicators_with_metadata(fw_store: Store) -> None:
    p = profile("E08000003", store=fw_store, inequality=False)
    compared = p.compared
    assert compared["indicator_id"].nunique() >= 40
    assert compared["indicator_name"].notna().all() and compared["unit"].notna().all()
    assert compared["polarity_reason"].notna().all() and compared["source"].notna().all()
    assert set(p.table["domain"]) == {
        "Health outcomes",
        "Health improvement",
        "Wider determinants",
        "Healthcare",
    }
    # no judgement: higher/lower, never better/worse
    none = p.table[p.table["polarity"] == "BOB - Blue orange blue"]
    assert set(none["compared_95"]) <= {"higher", "lower", "similar", "not compared"}
    # the England value is the store's England row for the same period
    row = p.table.set_index(["indicator_id", "sex"]).loc[("93763", "Persons")]
    eng = fw_store.backend.con.execute(
        "select value from indicators where indicator_id = '93763' and area_code = "
        "'E92000001' and sex = 'Persons' and period = ? and category_type is null",
        [row["period"]],
    ).fetchone()[0]
    assert row["england_value"] == eng
    assert row["compared_95"] == ("worse" if row["lower_95_0"] > eng else row["compared_95"])


def test_breakdowns_add_ethnic_group_and_deprivation_rows(fw_store: Store) -> None:
    p = profile("E08000003", store=fw_store, inequality=False, breakdowns=True)
    cats = p.table[p.table["benchmark"] == "area"]
    assert {"Ethnic groups", "LSOA11 deprivation quintiles within area (IMD  trend)"} <= set(
        cats["category_type"]
    )
    assert cats["category"].notna().all()
    # each breakdown row is compared with the area's own value in the same period
    whole = p.table[p.table["benchmark"] == "England"].set_index(["indicator_id", "sex", "age"])
    r = cats.iloc[0]
    assert r["england_value"] == whole.loc[(r["indicator_id"], r["sex"], r["age"]), "value"]


def test_limits_99_8_by_interval_method() -> None:
    z = stats.norm.isf(0.001)
    frame = pd.DataFrame(
        {
            "value": [20.0, 50.0, 60.0],
            "lower_95_0": [np.nan, np.nan, 55.0],
            "upper_95_0": [np.nan, np.nan, 66.0],
            "lower_99_8": np.nan,
            "upper_99_8": np.nan,
            "count": [40.0, 25.0, np.nan],
            "denominator": [200.0, 50000.0, np.nan],
            "unit": ["%", "per 100,000", "years"],
            "interval_method": ["Wilson Score method", "Byar's method", None],
        }
    )
    out = limits_99_8(frame)
    # Wilson score by hand: (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)) x 100
    x, n = 40.0, 200.0
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    lo, hi = (
        (2 * x + z * z - root) / (2 * (n + z * z)) * 100,
        (2 * x + z * z + root) / (2 * (n + z * z)) * 100,
    )
    assert out.loc[0, "lower_99_8"] == pytest.approx(lo, rel=1e-10)
    assert out.loc[0, "upper_99_8"] == pytest.approx(hi, rel=1e-10)
    # Byar's for 25 events: O(1 - 1/9O - z/3 sqrt O)^3 and (O+1)(1 - 1/9(O+1) + z/3 sqrt(O+1))^3
    o = 25.0
    b_lo = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3 / 50000 * 100000
    b_hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3 / 50000 * 100000
    assert out.loc[1, "lower_99_8"] == pytest.approx(b_lo, rel=1e-10)
    assert out.loc[1, "upper_99_8"] == pytest.approx(b_hi, rel=1e-10)
    # no count: the 95% half-widths scaled by z(99.8%)/z(95%)
    ratio = z / stats.norm.isf(0.025)
    assert out.loc[2, "lower_99_8"] == pytest.approx(60 - 5 * ratio, rel=1e-12)
    assert out.loc[2, "upper_99_8"] == pytest.approx(60 + 6 * ratio, rel=1e-12)
    assert list(out["limits_99_8"]) == [
        "Wilson score from count and denominator",
        "exact Poisson (<10) or Byar's from the count",
        "derived from 95% limits",
    ]
    assert (multiplier("per 1,000"), multiplier("%"), math.isnan(multiplier("years"))) == (
        1000.0,
        100.0,
        True,
    )


def test_spine_statistics_match_an_independent_calculation(fw_store: Store) -> None:
    p = profile("E08000003", store=fw_store, inequality=False)
    row = p.table.set_index(["indicator_id", "sex"]).loc[("els_employment_rate", "Persons")]
    con = duckdb.connect(fw_store.path, read_only=True)
    try:
        values = np.array(
            [
                r[0]
                for r in con.execute(
                    "select value from indicators where indicator_id = 'els_employment_rate' "
                    "and area_type = 'lad' and period = ? and area_code like 'E%' "
                    "and value is not null and category_type is null",
                    [row["period"]],
                ).fetchall()
            ]
        )
    finally:
        con.close()
    expected = [values.min(), *np.percentile(values, [25, 50, 75]), values.max()]
    got = [row[c] for c in ("spine_min", "spine_q1", "spine_median", "spine_q3", "spine_max")]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert row["n_areas"] == len(values)
    assert (row["worst"], row["best"]) == (values.min(), values.max())  # high is good


def test_vectorised_trends_equal_the_one_group_fit(rng: np.random.Generator) -> None:
    n = 30
    frame = pd.DataFrame(
        {
            "g": np.repeat(["a", "b", "c", "d", "e", "f"], 5),
            "value": rng.normal(50, 5, n),
        }
    )
    half = rng.uniform(0.5, 3, n)
    frame["lower_95_0"] = frame["value"] - half
    frame["upper_95_0"] = frame["value"] + half
    frame.loc[25:27, "lower_95_0"] = np.nan  # group f: 2 usable periods
    got = trends_table(frame, ["g"]).set_index("g")
    for g, part in frame.groupby("g"):
        slope, z = trend_slope(part["value"], part["lower_95_0"], part["upper_95_0"])
        if g == "f":
            assert math.isnan(got.loc[g, "trend_slope"]) and math.isnan(slope)
        else:
            assert got.loc[g, "trend_slope"] == pytest.approx(slope, rel=1e-10)
            assert got.loc[g, "trend_z"] == pytest.approx(z, rel=1e-10)
