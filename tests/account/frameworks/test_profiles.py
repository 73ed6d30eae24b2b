"""Area profiles: significance, spine-chart data and trend, checked on the real store."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.account.profiles import profile, trend_slope
from healthgap.data.store import Store
from healthgap.errors import InputError

Z95 = 1.959963984540054


def test_trend_slope_matches_numpy_weighted_fit() -> None:
    y = np.array([61.2, 60.7, 59.9, 59.0, 57.9])
    lower = np.array([60.3, 59.7, 58.8, 57.9, 56.6])
    upper = np.array([62.1, 61.6, 60.9, 60.2, 59.3])
    se = (upper - lower) / (2 * Z95)
    slope, z = trend_slope(y, lower, upper)
    # numpy's polyfit weights multiply the residuals: w = 1/se gives weights 1/se^2
    coef, cov = np.polyfit(np.arange(5.0), y, 1, w=1 / se, cov="unscaled")
    assert math.isclose(slope, coef[0], rel_tol=1e-10)
    assert math.isclose(z, coef[0] / math.sqrt(cov[0, 0]), rel_tol=1e-10)


def test_trend_needs_three_periods() -> None:
    slope, z = trend_slope([1.0, 2.0], [0.5, 1.5], [1.5, 2.5])
    assert math.isnan(slope) and math.isnan(z)


@settings(max_examples=60, deadline=None)
@given(
    base=st.floats(-100, 100),
    step=st.floats(-5, 5),
    half=st.floats(0.1, 10),
    n=st.integers(3, 8),
)
def test_trend_of_a_straight_line_is_its_slope(
    base: float, step: float, half: float, n: int
) -> None:
    y = base + step * np.arange(n)
    slope, _ = trend_slope(y, y - half, y + half)
    assert math.isclose(slope, step, rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture(scope="module")
def raw(fw_store: Store) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(fw_store.path, read_only=True)
    yield con
    con.close()


def test_profile_birmingham(fw_store: Store, raw: duckdb.DuckDBPyConnection) -> None:
    p = profile("E08000025", store=fw_store)
    assert (p.area_name, p.area_type) == ("Birmingham", "lad")
    table = p.to_frame().set_index(["indicator_id", "sex"])
    assert set(table.index) >= {
        ("93722", "Persons"),
        ("adult_obesity", "Persons"),
        ("hle_birth", "Female"),
        ("hle_birth", "Male"),
        ("els_employment_rate", "Persons"),
    }
    row = table.loc[("93722", "Persons")]
    # the spine: every LAD in the same period, quartiles by linear interpolation (DuckDB's
    # quantile_cont is an independent implementation of the same definition)
    q = raw.execute(
        "select min(value), quantile_cont(value, 0.25), median(value), "
        "quantile_cont(value, 0.75), max(value), count(value) from indicators "
        "where indicator_id = '93722' and area_type = 'lad' and period = ? "
        "and category_type is null",
        [row["period"]],
    ).fetchone()
    got = [row[c] for c in ("spine_min", "spine_q1", "spine_median", "spine_q3", "spine_max")]
    assert np.allclose(got, q[:5], rtol=1e-10)
    assert row["n_areas"] == q[5]
    # low is good: the worst is the highest value
    assert (row["worst"], row["best"]) == (row["spine_max"], row["spine_min"])
    hle = table.loc[("hle_birth", "Female")]
    assert (hle["worst"], hle["best"]) == (hle["spine_min"], hle["spine_max"])
    # published ONS HLE, Birmingham females 2022-2024: 58.0 (55.5 to 60.5); England 61.3
    assert (hle["period"], hle["value"], hle["lower_95_0"], hle["upper_95_0"]) == (
        "2022-2024",
        58.0,
        55.5,
        60.5,
    )
    assert hle["england_value"] == 61.3
    assert hle["compared_95"] == "worse"  # 60.5 < 61.3
    # 99.8%: upper = 58 + 2.5 * 3.0902/1.96 = 61.94 > 61.3
    assert hle["compared_99_8"] == "similar"
    recent = p.trends[(p.trends["indicator_id"] == "hle_birth") & (p.trends["sex"] == "Female")]
    assert len(recent) == 5 and recent["period"].iloc[-1] == "2022-2024"
    slope, z = trend_slope(recent["value"], recent["lower_95_0"], recent["upper_95_0"])
    assert hle["trend_slope"] == pytest.approx(slope, rel=1e-12)
    expected = (
        "no significant change" if abs(z) <= Z95 else ("increasing" if z > 0 else "decreasing")
    )
    assert hle["trend"] == expected
    if expected == "decreasing":
        assert hle["trend_meaning"] == "getting worse"
    assert "Birmingham" in p.summary()


def test_profile_area_type_choice(fw_store: Store) -> None:
    utla = profile("E06000001", store=fw_store)
    assert utla.area_type == "utla"
    lad = profile("E06000001", store=fw_store, area_type="lad", indicators=["hi_air_pollution"])
    assert lad.area_type == "lad" and lad.table["indicator_id"].tolist() == ["hi_air_pollution"]
    # the Health Index publishes no limits: no significance, no trend test
    row = lad.table.iloc[0]
    assert (row["compared_95"], row["trend"]) == ("not compared", "not assessed")


def test_profile_errors(fw_store: Store) -> None:
    with pytest.raises(InputError, match=r"area must have indicator values in the store; got 'X1'"):
        profile("X1", store=fw_store)
    with pytest.raises(
        InputError, match=r"area_type must be one of .* for E08000025; got 'region'"
    ):
        profile("E08000025", store=fw_store, area_type="region")
    with pytest.raises(
        InputError, match=r"indicators must have values for E08000025; got 'hle_birth_dec2023'"
    ):
        profile("E08000025", store=fw_store, indicators=["hle_birth_dec2023"])
    with pytest.raises(InputError, match=r"trend_periods must be a whole number of at least 3"):
        profile("E08000025", store=fw_store, trend_periods=2)


def test_profile_inequality_breakdown(fw_store: Store) -> None:
    from healthgap.account.core20plus5 import core20_indicators

    p = profile("E47000001", store=fw_store)
    # the Core20 breakdown covers the four headline indicators the profile holds
    headline = {("hle_birth", "Female"), ("hle_birth", "Male"), ("93722", "Persons")}
    headline.add(("adult_obesity", "Persons"))
    pairs = [
        x
        for x in p.table[["indicator_id", "sex"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
        if x in headline
    ]
    direct = core20_indicators("E47000001", store=fw_store, indicators=pairs).indicators
    pd.testing.assert_frame_equal(p.inequality, direct)
    assert any("Ecological approximation" in n for n in p.notes)
    welsh = profile("W06000001", store=fw_store)
    assert welsh.inequality.empty
    assert welsh.notes[0].startswith("No inequality breakdown: footprint must be")
    assert profile("E08000025", store=fw_store, inequality=False).inequality.empty
