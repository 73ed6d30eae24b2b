"""Funnel options: DSR points (fewer than 10 events labelled), count-scale ratios,
years_of_data, the per-point function and on_invalid.

References: hand-worked shifts and scalings of the existing (peer-checked) statistics, and
PHStatsMethods' ``assign_funnel_significance`` / ``calculate_funnel_limits`` (GPL, black box).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.funnel import FEWER_EVENTS, point_significance
from tests.conftest import RTOL
from tests.needs import importorskip_peer
from tests.stats.test_funnel import PEER_LABELS

LIMITS = ["lower_95_0", "upper_95_0", "lower_99_8", "upper_99_8"]


def dsr_frame(rng: np.random.Generator, n: int = 200) -> pd.DataFrame:
    df = pd.DataFrame({"area": [f"A{i:03d}" for i in range(n)], "o": rng.integers(2, 400, n)})
    df["pop"] = rng.integers(5000, 200_000, n)
    df["dsr"] = df["o"] / df["pop"] * 1e5 * rng.uniform(0.8, 1.25, n)
    return df


def test_dsr_points_agree_with_phstatsmethods_including_fewer_than_10(
    rng: np.random.Generator,
) -> None:
    ph = importorskip_peer()
    df = dsr_frame(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.assign_funnel_significance(
            df, "o", "rate", denom_col="pop", rate="dsr", rate_type="dsr", multiplier=100_000
        )
    ours = healthgap.funnel_significance(
        df, "o", None, "rate", group_by="area", rate="dsr", rate_type="dsr"
    ).to_frame()
    labels = {**PEER_LABELS, "Not applicable for events less than 10 for DSRs": FEWER_EVENTS}
    assert ours["significance"].tolist() == theirs["significance"].map(labels).tolist()
    assert (ours["significance"] == FEWER_EVENTS).sum() == (df["o"] < 10).sum() > 0
    np.testing.assert_allclose(ours["value"], df["dsr"], rtol=RTOL)
    np.testing.assert_allclose(ours["denominator"], df["o"] / df["dsr"] * 1e5, rtol=RTOL)


def test_dsr_needs_its_rate_column() -> None:
    df = pd.DataFrame({"o": [12], "dsr": [50.0]})
    with pytest.raises(InputError, match=r"rate must name the column of directly standardised"):
        healthgap.funnel_significance(df, "o", None, "rate", rate_type="dsr")
    with pytest.raises(InputError, match=r"rate_type must be 'crude' unless statistic is 'rate'"):
        healthgap.funnel_significance(df, "o", "dsr", "ratio", rate_type="dsr")


def test_count_ratio_is_the_isr_ratio_minus_one(rng: np.random.Generator) -> None:
    df = pd.DataFrame({"area": list("ABCDEFGH"), "o": rng.poisson(50, 8)})
    df["e"] = rng.uniform(30, 70, 8)
    isr = healthgap.funnel_significance(df, "o", "e", "ratio", group_by="area").to_frame()
    count = healthgap.funnel_significance(
        df, "o", "e", "ratio", group_by="area", ratio_type="count"
    ).to_frame()
    for c in ["value", "target", *LIMITS]:
        np.testing.assert_allclose(count[c], isr[c] - 1.0, rtol=RTOL, atol=1e-12)
    assert count["significance"].tolist() == isr["significance"].tolist()
    grid = [10.0, 100.0]
    lim_isr = healthgap.funnel_limits(df, "o", "e", "ratio", denominators=grid, target=1)
    lim_count = healthgap.funnel_limits(
        df, "o", "e", "ratio", denominators=grid, target=0, ratio_type="count"
    )
    np.testing.assert_allclose(
        lim_count.to_frame()[LIMITS], lim_isr.to_frame()[LIMITS] - 1.0, rtol=RTOL
    )


def test_count_ratio_limits_agree_with_phstatsmethods() -> None:
    ph = importorskip_peer()
    df = pd.DataFrame({"o": [5, 50, 120, 300], "e": [4.0, 60.0, 100.0, 310.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.calculate_funnel_limits(
            df, "o", "ratio", 1, denom_col="e", ratio_type="count", years_of_data=1
        )
    # The peer tabulates, for each observed count O, the expected count at which O sits on
    # the limit; healthgap's limit at that expected count must be O / E - 1.
    row = theirs.iloc[20]
    e_hi = float(row["upper_2s_exp_events"])
    ours = healthgap.funnel_limits(
        df, "o", "e", "ratio", denominators=[e_hi], target=0, ratio_type="count", confidence=0.95
    ).to_frame()
    assert ours["upper_95_0"][0] == pytest.approx(row["upper_2s_limit"], rel=1e-6)
    e_lo = float(row["lower_2s_exp_events"])
    ours = healthgap.funnel_limits(
        df, "o", "e", "ratio", denominators=[e_lo], target=0, ratio_type="count", confidence=0.95
    ).to_frame()
    assert ours["lower_95_0"][0] == pytest.approx(row["lower_2s_limit"], rel=1e-6)


def test_years_of_data_makes_rates_per_year_on_an_annual_axis(rng: np.random.Generator) -> None:
    df = pd.DataFrame({"area": list("ABCDEF"), "x": rng.poisson(300, 6)})
    df["pop"] = rng.integers(50_000, 150_000, 6).astype(float)
    three = healthgap.funnel_significance(df, "x", "pop", "rate", group_by="area",
                                          years_of_data=3).to_frame()  # fmt: skip
    pooled = healthgap.funnel_significance(
        df.assign(pop=df["pop"] * 3), "x", "pop", "rate", group_by="area"
    ).to_frame()
    for c in ["value", "target", *LIMITS]:
        np.testing.assert_allclose(three[c], pooled[c], rtol=RTOL)
    np.testing.assert_allclose(three["denominator"], df["pop"], rtol=RTOL)  # annual
    assert three["significance"].tolist() == pooled["significance"].tolist()
    lim3 = healthgap.funnel_limits(df, "x", "pop", "rate", years_of_data=3, denominators=[1e4])
    lim1 = healthgap.funnel_limits(df.assign(pop=df["pop"] * 3), "x", "pop", "rate",
                                   denominators=[3e4])  # fmt: skip
    np.testing.assert_allclose(lim3.to_frame()[LIMITS], lim1.to_frame()[LIMITS], rtol=RTOL)
    assert "3 years of data" in lim3.notes[1]


def test_years_of_data_is_for_rates_only() -> None:
    df = pd.DataFrame({"x": [1], "n": [10]})
    with pytest.raises(InputError, match=r"years_of_data applies to rates only"):
        healthgap.funnel_limits(df, "x", "n", "proportion", years_of_data=2)
    with pytest.raises(InputError, match=r"years_of_data must be a number greater than 0"):
        healthgap.funnel_limits(df, "x", "n", "rate", years_of_data=0)


def test_point_significance_matches_the_table_function(rng: np.random.Generator) -> None:
    df = pd.DataFrame({"area": [f"A{i}" for i in range(50)], "n": rng.integers(50, 3000, 50)})
    df["x"] = rng.binomial(df["n"], 0.2)
    table = healthgap.funnel_significance(df, "x", "n", "proportion", group_by="area").to_frame()
    labels = point_significance(df["x"], df["n"], "proportion", table["target"][0])
    expected = table.set_index("area").loc[df["area"], "significance"]  # table is sorted
    assert labels.tolist() == expected.tolist()
    assert point_significance(0, 0, "rate", 100.0).tolist() == [None]


def test_point_significance_checks_its_arrays() -> None:
    with pytest.raises(InputError, match=r"denominator must be finite numbers of 0 or more and "
                       r"2 of them"):  # fmt: skip
        point_significance([1, 2], [10], "proportion", 0.1)
    with pytest.raises(InputError, match=r"numerator must be at most the denominator"):
        point_significance([20], [10], "proportion", 0.1)


def test_on_invalid_suppress_keeps_bad_rows_out_of_the_target() -> None:
    df = pd.DataFrame({"area": list("ABCD"), "x": [30, 50, -80, 15], "n": [200, 300, 400, 210]})
    with pytest.raises(InputError, match=r"numerator column 'x' must be 0 or more"):
        healthgap.funnel_significance(df, "x", "n", "proportion", group_by="area")
    with pytest.warns(SuppressionWarning, match=r"numerator is negative"):
        out = healthgap.funnel_significance(df, "x", "n", "proportion", group_by="area",
                                            on_invalid="suppress").to_frame()  # fmt: skip
    assert out["target"][0] == pytest.approx(95 / 710, rel=RTOL)
    assert out["suppressed"].tolist() == [False, False, True, False]
