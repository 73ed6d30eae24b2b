"""Scorecards: Fingertips benchmarking kernels, neighbours, and the real-data scorecard."""

from __future__ import annotations

import math
from statistics import NormalDist

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.account.frameworks import example_path, load_framework
from healthgap.account.neighbours import (
    area_features,
    distances,
    nearest_neighbours,
    standardise,
)
from healthgap.account.scorecards import (
    change_test,
    compare_authorities,
    compare_to_benchmark,
    scorecard,
    target_status,
    widen_limits,
)
from healthgap.data.store import Store
from healthgap.errors import InputError

HIGH, LOW = "RAG - High is good", "RAG - Low is good"
Z = NormalDist().inv_cdf


# --------------------------------------------------------------- kernels, hand-checkable


def test_compare_to_benchmark_fingertips_rule() -> None:
    lower = [61.0, 55.0, 58.0, 60.0, 61.0, 55.0, np.nan, 61.0]
    upper = [63.0, 59.0, 62.0, 62.0, 63.0, 59.0, 62.0, 63.0]
    bench = [60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0, np.nan]
    pol = [HIGH, HIGH, HIGH, HIGH, LOW, None, HIGH, HIGH]
    got = compare_to_benchmark(lower, upper, bench, pol).tolist()
    assert got == [
        "better",  # interval wholly above, high is good
        "worse",  # wholly below
        "similar",  # contains the benchmark
        "similar",  # lower limit equal to the benchmark: not significant (ends included)
        "worse",  # wholly above, low is good
        "lower",  # no polarity: higher/lower
        "not compared",  # missing limit
        "not compared",  # missing benchmark
    ]


def test_target_status_boundaries() -> None:
    got = target_status(
        [62.0, 59.0, 60.0, 61.9, 20.0, 25.0, 23.0, 1.0, 60.0],
        [63.0, 63.0, 61.9, 63.0, 24.0, 27.0, 26.0, 2.0, 61.0],
        [62.0, 62.0, 62.0, 62.0, 24.0, 24.0, 24.0, np.nan, 62.0],
        [HIGH, HIGH, HIGH, HIGH, LOW, LOW, LOW, HIGH, None],
    ).tolist()
    assert got == [
        "met",  # lower limit exactly at the target
        "cannot tell",  # interval straddles the target
        "not met",  # upper limit below the target
        "cannot tell",
        "met",  # low is good: upper limit exactly at the target
        "not met",
        "cannot tell",
        "no target",
        "no polarity",
    ]


def test_widen_limits_matches_normal_quantiles() -> None:
    value, lower, upper = 58.0, 55.5, 60.4
    lo, hi = widen_limits(value, lower, upper)
    ratio = Z(0.999) / Z(0.975)
    assert math.isclose(float(lo), value - (value - lower) * ratio, rel_tol=1e-10)
    assert math.isclose(float(hi), value + (upper - value) * ratio, rel_tol=1e-10)
    # a symmetric normal interval: the 99.8% half-width is z(0.999) * se
    se = 1.3
    lo, hi = widen_limits(10.0, 10.0 - Z(0.975) * se, 10.0 + Z(0.975) * se)
    assert math.isclose(float(hi) - 10.0, Z(0.999) * se, rel_tol=1e-10)
    assert math.isclose(10.0 - float(lo), Z(0.999) * se, rel_tol=1e-10)


@settings(max_examples=100, deadline=None)
@given(
    value=st.floats(-1e3, 1e3),
    below=st.floats(0, 100),
    above=st.floats(0, 100),
    bench=st.floats(-1.2e3, 1.2e3),
    polarity=st.sampled_from([HIGH, LOW, None]),
)
def test_99_8_is_never_more_significant_than_95(
    value: float, below: float, above: float, bench: float, polarity: str | None
) -> None:
    lower, upper = value - below, value + above
    lo, hi = widen_limits(value, lower, upper)
    assert lo <= lower + 1e-9 and hi >= upper - 1e-9
    c95 = compare_to_benchmark(lower, upper, bench, polarity).item()
    c998 = compare_to_benchmark(lo, hi, bench, polarity).item()
    assert c998 in (c95, "similar")
    same_lo, same_hi = widen_limits(value, lower, upper, to=0.95)
    assert math.isclose(float(same_lo), lower, abs_tol=1e-9)
    assert math.isclose(float(same_hi), upper, abs_tol=1e-9)


def test_change_test_formula() -> None:
    diff, z = change_test(57.9, 56.6, 59.3, 61.2, 60.3, 62.1)
    se1 = (59.3 - 56.6) / (2 * Z(0.975))
    se0 = (62.1 - 60.3) / (2 * Z(0.975))
    assert math.isclose(float(diff), 57.9 - 61.2, rel_tol=1e-10)
    assert math.isclose(float(z), (57.9 - 61.2) / math.sqrt(se1**2 + se0**2), rel_tol=1e-10)


# --------------------------------------------------------------- neighbours


def test_standardised_distance_by_hand() -> None:
    feats = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D"],
            "area_name": ["a", "b", "c", "d"],
            "population": [100.0, 200.0, 300.0, 1000.0],
            "imd_score": [10.0, 12.0, 30.0, 11.0],
        }
    )
    z = standardise(feats)
    pops = [100.0, 200.0, 300.0, 1000.0]
    mean = sum(pops) / 4
    sd = math.sqrt(sum((p - mean) ** 2 for p in pops) / 3)
    assert math.isclose(z["z_population"].iloc[0], (100.0 - mean) / sd, rel_tol=1e-10)
    d = distances(z, "A")
    assert d["area_code"].tolist() == ["B", "C", "D"]
    zi = z.set_index("area_code")
    by_hand = math.hypot(
        zi.loc["A", "z_imd"] - zi.loc["C", "z_imd"],
        zi.loc["A", "z_population"] - zi.loc["C", "z_population"],
    )
    assert math.isclose(d.set_index("area_code").loc["C", "distance"], by_hand, rel_tol=1e-10)
    with pytest.raises(InputError, match=r"area must be one of the 4 areas of this type; got 'Z'"):
        distances(z, "Z")


def test_population_weighted_imd_matches_mhclg_file_10(fw_store: Store) -> None:
    """Our LAD scores against MHCLG's published IoD2019 File 10 'IMD average score'.

    File 10 publishes the population-weighted average of LSOA scores to 3 decimals from
    LSOA scores that are themselves rounded to 3 decimals: tolerance 1e-3.
    """
    ours = area_features(fw_store, "lad")
    published = fw_store.to_pandas(fw_store.table("imd2019_lad19"))
    both = ours.merge(published, left_on="area_code", right_on="lad19_code")
    assert len(both) > 280  # LADs whose codes did not change between 2019 and 2024
    assert np.allclose(both["imd_score"], both["imd_average_score"], atol=1e-3, rtol=0)


def test_nearest_neighbours_real(fw_store: Store) -> None:
    near = nearest_neighbours("E47000001", store=fw_store, area_type="combined_authority", k=3)
    assert len(near) == 3 and "E47000001" not in set(near["area_code"])
    assert near["distance"].is_monotonic_increasing
    feats = area_features(fw_store, "combined_authority").set_index("area_code")
    others = feats.drop(index="E47000001")
    d = np.hypot(
        others["z_imd"] - feats.loc["E47000001", "z_imd"],
        others["z_population"] - feats.loc["E47000001", "z_population"],
    )
    assert near["area_code"].tolist() == d.sort_values().index[:3].tolist()


def test_neighbour_errors(fw_store: Store) -> None:
    with pytest.raises(InputError, match=r"k must be a whole number of at least 1; got 0"):
        nearest_neighbours("E47000001", store=fw_store, area_type="combined_authority", k=0)
    with pytest.raises(InputError, match=r"area_type must be one of lad, utla"):
        nearest_neighbours("E47000001", store=fw_store, area_type="ward")


# --------------------------------------------------------------- the real scorecard


@pytest.fixture(scope="module")
def raw(fw_store: Store) -> duckdb.DuckDBPyConnection:
    """An independent plain-SQL connection to the same store file."""
    con = duckdb.connect(fw_store.path, read_only=True)
    yield con
    con.close()


def test_scorecard_against_plain_sql(fw_store: Store, raw: duckdb.DuckDBPyConnection) -> None:
    fw = load_framework(example_path("greater_manchester"))
    card = scorecard(fw, fw_store)
    table = card.to_frame().set_index(["indicator_id", "sex"])
    for ind, sex in [("hle_birth", "Female"), ("adult_obesity", "Persons")]:
        latest = raw.execute(
            "select period, value, lower_95_0, upper_95_0 from indicators where "
            "indicator_id = ? and sex = ? and area_code = 'E47000001' "
            "order by period_end desc limit 1",
            [ind, sex],
        ).fetchone()
        england = raw.execute(
            "select value from indicators where indicator_id = ? and sex = ? and "
            "area_code = 'E92000001' and period = ?",
            [ind, sex, latest[0]],
        ).fetchone()[0]
        row = table.loc[(ind, sex)]
        assert row["period"] == latest[0]
        assert row["value"] == pytest.approx(latest[1], rel=1e-12)
        assert row["england_value"] == pytest.approx(england, rel=1e-12)
        expected = "similar"
        if latest[2] > england:
            expected = "better" if row["polarity"] == HIGH else "worse"
        elif latest[3] < england:
            expected = "worse" if row["polarity"] == HIGH else "better"
        assert row["compared_95"] == expected
    # published HLE, Greater Manchester females: 2022-2024 57.9 (56.6-59.3); 2018-2020 61.2
    hle = table.loc[("hle_birth", "Female")]
    assert (hle["value"], hle["baseline"]) == (57.9, 61.2)
    assert hle["change"] == pytest.approx(57.9 - 61.2, rel=1e-10)
    # the target (62.0 by 2028-2030) is not due: by hand, the line from 61.2 (2018-2020,
    # end 2020) to 62.0 by 2030 expects 61.2 + 0.8 * 4 / 10 = 61.52 for 2024; the upper
    # limit 59.3 is below it: off track (never "not met" on data from before 2028-2030)
    assert hle["target_status"] == "off track"
    assert hle["neighbours"] == 5
    assert "ILLUSTRATION" in card.summary()
    assert "<h3>" in card._repr_html_()


def test_scorecard_keeps_rows_without_data(fw_store: Store) -> None:
    fw = load_framework(example_path("greater_manchester"))
    from dataclasses import replace

    from healthgap.account.frameworks import FrameworkIndicator

    # employment is published for persons only: no male row (LE is now published for
    # combined authorities, so it can no longer serve as the missing indicator)
    missing = FrameworkIndicator("els_employment_rate", "Employment", "Male")
    more = replace(fw, indicators=(*fw.indicators, missing))
    table = scorecard(more, fw_store, neighbours=0).to_frame()
    last = table.iloc[-1]
    assert last["compared_95"] == "no data" and np.isnan(last["value"])
    assert table["neighbours"].eq(0).all()


def test_compare_authorities_ranks(fw_store: Store) -> None:
    fw = load_framework(example_path("greater_manchester"))
    table = compare_authorities(fw, fw_store)
    obesity = table[table["indicator_id"] == "adult_obesity"]
    assert obesity["period"].nunique() == 1
    assert obesity["area_code"].is_unique
    # low is good: rank 1 is the lowest value
    ordered = obesity.sort_values("rank")
    assert ordered["value"].is_monotonic_increasing
    hle = table[(table["indicator_id"] == "hle_birth") & (table["sex"] == "Male")]
    assert hle.sort_values("rank")["value"].is_monotonic_decreasing
    assert set(table["compared_95"]) <= {"better", "similar", "worse"}


def test_compare_authorities_without_data(fw_store: Store) -> None:
    fw = load_framework(example_path("greater_manchester"))
    from dataclasses import replace

    with pytest.raises(InputError, match=r"must have values at area type 'icb'; got none"):
        compare_authorities(replace(fw, area_type="icb"), fw_store)
