"""Trajectories and trend projections against textbook scalar formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from healthgap.account.trajectory import (
    custom_trajectory,
    linear_trajectory,
    non_overlapping,
    project_trend,
)
from healthgap.errors import InputError


def scalar_wls(t: list[float], y: list[float], se: list[float], at: float, conf: float):
    """Weighted regression from the textbook sums (Draper & Smith ch. 9), written out."""
    w = [1 / s**2 for s in se]
    sw = sum(w)
    tbar = sum(wi * ti for wi, ti in zip(w, t, strict=True)) / sw
    ybar = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sw
    sxx = sum(wi * (ti - tbar) ** 2 for wi, ti in zip(w, t, strict=True))
    b = sum(wi * (ti - tbar) * (yi - ybar) for wi, ti, yi in zip(w, t, y, strict=True)) / sxx
    a = ybar - b * tbar
    n = len(t)
    chi2 = sum(wi * (yi - a - b * ti) ** 2 for wi, ti, yi in zip(w, t, y, strict=True))
    phi = max(1.0, chi2 / (n - 2))
    var_line = 1 / sw + (at - tbar) ** 2 / sxx
    var = phi * (var_line + sum(s**2 for s in se) / n)
    q = sps.t.ppf(0.5 + conf / 2, n - 2)
    centre = a + b * at
    return centre, centre - q * math.sqrt(var), centre + q * math.sqrt(var), b, phi


@pytest.mark.parametrize("conf", [0.8, 0.95, 0.998])
def test_projection_matches_textbook_weighted_regression(conf: float) -> None:
    t = [2014.0, 2017.0, 2020.0, 2023.0]
    y = [6.4, 6.0, 6.1, 6.0]
    se = [0.40, 0.42, 0.47, 0.55]
    p = project_trend(np.array(t), np.array(y), np.array(se), at=2035, confidence=conf)
    centre, lo, hi, b, phi = scalar_wls(t, y, se, 2035, conf)
    for got, want in [
        (p.value, centre),
        (p.lower, lo),
        (p.upper, hi),
        (p.slope, b),
        (p.overdispersion, phi),
    ]:
        assert got == pytest.approx(want, rel=1e-10)
    assert p.df == 2 and p.n_points == 4


def test_overdispersed_points_inflate_the_interval() -> None:
    t = [2012.0, 2015.0, 2018.0, 2021.0, 2024.0]
    y = [5.0, 7.0, 4.0, 8.0, 5.5]  # scatter far beyond se = 0.1
    se = [0.1] * 5
    p = project_trend(np.array(t), np.array(y), np.array(se), at=2035)
    _, _, hi, _, phi = scalar_wls(t, y, se, 2035, 0.95)
    assert phi > 100
    assert p.overdispersion == pytest.approx(phi, rel=1e-10)
    assert p.upper == pytest.approx(hi, rel=1e-10)


def test_too_few_points_gives_a_reason_not_a_number() -> None:
    p = project_trend(
        np.array([2017.0, 2020.0, 2023.0]),
        np.array([1.0, 2.0, np.nan]),
        np.array([0.1, 0.1, 0.1]),
        at=2035,
    )
    assert math.isnan(p.value) and not p.available
    assert p.reason.startswith("only 2 independent periods")


def test_projection_errors() -> None:
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(InputError, match=r"confidence must be between 0 and 1; got 1\.5"):
        project_trend(x, x, x, at=5, confidence=1.5)
    with pytest.raises(InputError, match="min_points must be at least 3; got 2"):
        project_trend(x, x, x, at=5, min_points=2)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-5, 5), min_size=3, max_size=8),
    st.floats(0.05, 2.0),
    st.integers(0, 1000),
)
def test_projection_properties(noise: list[float], se: float, seed: int) -> None:
    n = len(noise)
    t = 2010.0 + 3 * np.arange(n)
    y = 6.0 - 0.05 * (t - 2010) + np.array(noise)
    s = np.full(n, se)
    p90 = project_trend(t, y, s, at=2035, confidence=0.90)
    p99 = project_trend(t, y, s, at=2035, confidence=0.99)
    assert p90.lower <= p90.value <= p90.upper
    assert p99.lower <= p90.lower and p90.upper <= p99.upper
    perm = np.random.default_rng(seed).permutation(n)
    shuffled = project_trend(t[perm], y[perm], s[perm], at=2035, confidence=0.90)
    assert shuffled.value == pytest.approx(p90.value, rel=1e-9, abs=1e-9)


def test_exact_line_has_no_overdispersion_and_is_recovered() -> None:
    t = np.array([2013.0, 2016.0, 2019.0, 2022.0])
    p = project_trend(t, 8.0 - 0.1 * (t - 2013), np.full(4, 0.3), at=2035)
    assert p.overdispersion == 1.0
    assert p.value == pytest.approx(8.0 - 0.1 * 22, rel=1e-10)


def test_non_overlapping_three_year_periods() -> None:
    start = np.arange(2011, 2023)
    keep = non_overlapping(start, start + 2)
    assert start[keep].tolist() == [2013, 2016, 2019, 2022]
    # a series ending at 2020-2022 keeps 2011-2013 too
    start = np.arange(2011, 2021)
    assert start[non_overlapping(start, start + 2)].tolist() == [2011, 2014, 2017, 2020]


@given(st.lists(st.tuples(st.integers(2000, 2030), st.integers(0, 4)), min_size=1, max_size=20))
def test_non_overlapping_keeps_latest_and_no_shared_year(periods: list[tuple[int, int]]) -> None:
    s = np.array([p[0] for p in periods], dtype=float)
    e = s + np.array([p[1] for p in periods])
    keep = non_overlapping(s, e)
    assert keep[int(np.argmax(e))] or e[keep].max() == e.max()
    ks, ke = s[keep], e[keep]
    order = np.argsort(ks)
    assert np.all(ks[order][1:] > ke[order][:-1])


def test_linear_and_custom_trajectories() -> None:
    path = linear_trajectory(2021, 7.0, 2035, 3.5)
    g0, tb, tt = 7.0, 2021.0, 2035.0
    for t in [2021.0, 2023.0, 2030.5, 2035.0]:
        assert float(path.expected(t)) == pytest.approx(g0 - (g0 / 2) * (t - tb) / (tt - tb))
    assert math.isnan(float(path.expected(2020)))
    assert float(path.expected(2040)) == 3.5
    assert path.kind == "linear"
    custom = custom_trajectory({2035: 3.5, 2021: 7.0, 2028: 6.0})
    assert custom.kind == "custom" and custom.baseline_time == 2021
    assert float(custom.expected(2031.5)) == pytest.approx(6.0 + (3.5 - 6.0) * 3.5 / 7)


def test_trajectory_errors() -> None:
    with pytest.raises(InputError, match="at least two points"):
        custom_trajectory({2021: 7.0})
    with pytest.raises(InputError, match="must be numbers"):
        custom_trajectory({2021: 7.0, 2035: "half"})  # type: ignore[dict-item]
    with pytest.raises(InputError, match="must be finite numbers"):
        custom_trajectory({2021: 7.0, 2035: float("nan")})
    with pytest.raises(InputError, match="times must be distinct"):
        custom_trajectory({"2021": 7.0, 2021: 3.0, 2035: 3})  # type: ignore[dict-item]
