"""Is the gap closing, and what would halving it take: checked against independent sums.

References: the slope test is weighted least squares (weights 1/se^2, variance scaled by
phi = max(1, X^2/(n-2))) with a t interval on n-2 degrees of freedom, recomputed here with
statsmodels-free scalar Python; the fastest gain is a brute-force loop over the ONS file
itself (the mirror's ``hle_le/ons_hle_birth_local_areas_2011_2024.csv``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from healthgap.account.gap_pace import (
    ALREADY,
    AT_EDGE,
    BEYOND,
    NARROWING,
    NO_CLEAR_CHANGE,
    TOO_FEW,
    WIDENING,
    WITHIN,
    fastest_gain,
    gap_trend,
    what_it_takes,
)
from healthgap.account.mission import mission
from healthgap.data.store import Store

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
LOCAL = "hle_le/ons_hle_birth_local_areas_2011_2024.csv"


def _gaps(values: list[float], se: float = 0.3, start: int = 2011) -> pd.DataFrame:
    n = len(values)
    starts = np.arange(start, start + 3 * n, 3)
    return pd.DataFrame(
        {
            "sex": "Male",
            "period": [f"{s}-{s + 2}" for s in starts],
            "period_start": starts,
            "period_end": starts + 2,
            "time": starts + 1.0,
            "gap": values,
            "se": se,
            "highest": "South East",
            "lowest": "North East",
        }
    )


def _wls_slope(t: list[float], y: list[float], se: list[float], conf: float):
    """Scalar weighted least squares, written out: slope, its se and the t interval."""
    w = [1 / s**2 for s in se]
    sw = sum(w)
    tbar = sum(wi * ti for wi, ti in zip(w, t, strict=True)) / sw
    ybar = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sw
    sxx = sum(wi * (ti - tbar) ** 2 for wi, ti in zip(w, t, strict=True))
    sxy = sum(wi * (ti - tbar) * (yi - ybar) for wi, ti, yi in zip(w, t, y, strict=True))
    b = sxy / sxx
    a = ybar - b * tbar
    chi2 = sum(wi * (yi - a - b * ti) ** 2 for wi, ti, yi in zip(w, t, y, strict=True))
    df = len(t) - 2
    phi = max(1.0, chi2 / df)
    se_b = math.sqrt(phi / sxx)
    q = sps.t.ppf(0.5 + conf / 2, df)
    return b, b - q * se_b, b + q * se_b


@pytest.mark.parametrize(
    ("values", "verdict"),
    [
        ([7.0, 6.1, 5.0, 4.2], NARROWING),
        ([4.0, 5.1, 6.0, 7.2], WIDENING),
        ([6.0, 6.4, 5.8, 6.1], NO_CLEAR_CHANGE),
    ],
)
def test_slope_and_interval_match_scalar_wls(values: list[float], verdict: str) -> None:
    g = _gaps(values, se=0.25)
    got = gap_trend(g, "Male", confidence=0.95)
    b, lo, hi = _wls_slope(list(g["time"]), values, [0.25] * len(values), 0.95)
    assert got.slope == pytest.approx(b, rel=1e-10)
    assert got.lower == pytest.approx(lo, rel=1e-10)
    assert got.upper == pytest.approx(hi, rel=1e-10)
    assert got.verdict == verdict and got.n_points == len(values)
    assert f"{b:+.2f} years a year" in got.sentence


def test_rolling_periods_are_thinned_before_the_test() -> None:
    # 12 rolling periods 2011-2013 .. 2022-2024: only 4 share no year.
    starts = np.arange(2011, 2023)
    g = pd.DataFrame(
        {
            "sex": "Female",
            "period": [f"{s}-{s + 2}" for s in starts],
            "period_start": starts,
            "period_end": starts + 2,
            "time": starts + 1.0,
            "gap": np.linspace(8, 6, 12),
            "se": 0.4,
        }
    )
    got = gap_trend(g, "Female")
    assert got.n_points == 4 and (got.first_period, got.last_period) == ("2013-2015", "2022-2024")
    used = g[g["period_start"].isin([2013, 2016, 2019, 2022])]
    b, lo, hi = _wls_slope(list(used["time"]), list(used["gap"]), [0.4] * 4, 0.95)
    assert (got.slope, got.lower, got.upper) == pytest.approx((b, lo, hi), rel=1e-10)


def test_too_few_periods_says_so() -> None:
    got = gap_trend(_gaps([6.0, 5.0]), "Male")
    assert got.verdict == TOO_FEW and math.isnan(got.slope)
    assert "only 2 independent periods" in got.sentence


def _regions(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    """(region, start year, value, se) -> the regional layout with 95% limits."""
    df = pd.DataFrame(rows, columns=["area_name", "period_start", "value", "se"])
    df["sex"] = "Male"
    df["period_end"] = df["period_start"] + 2
    df["period"] = df["period_start"].astype(str) + "-" + df["period_end"].astype(str)
    df["lower_95_0"] = df["value"] - Z95 * df["se"]
    df["upper_95_0"] = df["value"] + Z95 * df["se"]
    return df.drop(columns="se")


def test_fastest_gain_and_required_pace_hand_worked() -> None:
    # A gains 1.2 over 3 years (0.4 a year), B gains 0.3: the fastest is A, 2011 -> 2014.
    regions = _regions(
        [
            ("A", 2011, 60.0, 0.3),
            ("A", 2014, 61.2, 0.4),
            ("B", 2011, 66.0, 0.3),
            ("B", 2014, 66.3, 0.4),
        ]
    )
    fast = fastest_gain(regions, "Male", 3)
    assert (fast["region"], fast["from"], fast["to"]) == ("A", "2011-2013", "2014-2016")
    assert fast["per_year"] == pytest.approx(0.4, rel=1e-10)
    half = Z95 * math.sqrt(0.3**2 + 0.4**2) / 3  # = Z95 * 0.5 / 3
    assert fast["lower"] == pytest.approx(0.4 - half, rel=1e-10)
    assert fast["upper"] == pytest.approx(0.4 + half, rel=1e-10)

    gaps = _gaps([6.0, 5.1], start=2011)  # latest 2014-2016, middle year 2015
    pace = what_it_takes(gaps, regions, "Male", target_gap=3.0, target_year=2020)
    assert pace.years_left == 5 and pace.span_years == 3  # capped at the longest span held
    assert pace.required_per_year == pytest.approx((5.1 - 3.0) / 5, rel=1e-10)
    assert pace.verdict == AT_EDGE  # 0.42: above 0.4 but inside (0.073, 0.727)
    easy = what_it_takes(gaps, regions, "Male", target_gap=4.5, target_year=2020)
    assert easy.required_per_year == pytest.approx(0.12, rel=1e-10) and easy.verdict == WITHIN
    slow = what_it_takes(gaps, regions, "Male", target_gap=0.5, target_year=2020)
    assert slow.required_per_year == pytest.approx(0.92, rel=1e-10) and slow.verdict == BEYOND
    done = what_it_takes(gaps, regions, "Male", target_gap=5.5, target_year=2020)
    assert done.verdict == ALREADY and done.required_per_year == 0


@pytest.fixture(scope="module")
def targeted(store: Store):
    return mission(store, target_year=2035)


def test_fastest_gain_on_the_ons_file_matches_a_brute_force_loop(targeted, mirror: Path) -> None:
    df = pd.read_csv(mirror / LOCAL)
    df = df[df["area_code"].str.startswith("E12")]
    for sex, pace in targeted.paces.items():
        span = pace.span_years
        rows = df[df["sex"] == sex]
        best = (-math.inf, None)
        for _, a in rows.iterrows():
            for _, b in rows.iterrows():
                if (
                    a["area_name"] == b["area_name"]
                    and b["period_start"] - a["period_start"] == span
                ):
                    v = (b["hle_years"] - a["hle_years"]) / span
                    if v > best[0]:
                        se = math.hypot(
                            (a["upper_95"] - a["lower_95"]) / (2 * Z95),
                            (b["upper_95"] - b["lower_95"]) / (2 * Z95),
                        )
                        best = (v, (a["area_name"], se / span))
        assert pace.fastest_per_year == pytest.approx(best[0], rel=1e-10)
        assert pace.fastest_region == best[1][0]
        assert pace.fastest_upper == pytest.approx(best[0] + Z95 * best[1][1], rel=1e-10)
        latest = targeted.gaps[targeted.gaps["sex"] == sex].iloc[-1]
        assert pace.required_per_year == pytest.approx(
            (latest["gap"] - pace.target_gap) / (2035 - latest["time"]), rel=1e-10
        )
        assert pace.lowest_region == "North East"


def test_no_target_year_gives_trends_but_no_tracks(store: Store) -> None:
    result = mission(store)
    assert result.target_year is None and not result.tracks and not result.paces
    assert set(result.trends) == {"Female", "Male"}
    assert result.summary_frame().equals(result.trend_frame())
    assert result.gaps["trajectory"].isna().all() and result.gaps["in_trend"].sum() == 8
