"""A target's status at the boundaries of its rules, each case worked by hand.

Reference: the rules in healthgap.account.target_status (the issue 19 wording: on track /
off track before the due date by trajectory and interval, met / not met after it, too
early to say when the data for the due year are not there). The trajectory values below
are worked by hand: from 60.0 at the end of 2011-2013 (2013) to 66.0 by 2025, the line
rises 0.5 a year, so it expects 60 + 0.5 * 9 = 64.5 for the period ending 2022.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthgap.account.target_status import (
    MET,
    NOT_ASSESSED,
    NOT_MET,
    OFF_TRACK,
    ON_TRACK,
    TOO_EARLY,
    due_status,
)
from healthgap.errors import InputError

PERIODS = ["2011-2013", "2020-2022"]
ENDS = np.array([2013, 2022])


def status(
    latest: tuple[float, float, float],
    *,
    target: float = 66.0,
    year: int = 2025,
    polarity: str = "higher_is_better",
    as_of: int = 2024,
    periods: list[str] = PERIODS,
    ends: np.ndarray = ENDS,
    baseline: tuple[float, float, float] = (60.0, 59.0, 61.0),
) -> object:
    rows = [baseline, *([latest] if len(periods) > 1 else [])]
    v, lo, hi = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    return due_status(
        periods=periods,
        ends=ends,
        values=v,
        lowers=lo,
        uppers=hi,
        baseline_period=periods[0],
        target_value=target,
        target_year=year,
        polarity=polarity,
        as_of_year=as_of,
    )


def test_upper_limit_touching_the_trajectory_is_on_track() -> None:
    s = status((64.0, 63.5, 64.5))
    assert s.status == ON_TRACK
    assert s.expected == pytest.approx(64.5, abs=1e-12)
    assert "reaching or better than the trajectory's 64.5 for 2022" in s.reason


def test_interval_wholly_below_the_trajectory_is_off_track() -> None:
    s = status((63.9, 63.4, 64.4))  # upper 64.4 < 64.5
    assert s.status == OFF_TRACK
    assert "wholly below the trajectory's 64.5" in s.reason


def test_lower_is_better_mirrors_it() -> None:
    # from 60 (2013) down to 54 by 2025: 0.5 a year, 55.5 expected for 2022
    kw = {"target": 54.0, "polarity": "lower_is_better"}
    assert status((56.0, 55.5, 56.5), **kw).status == ON_TRACK  # lower limit touches 55.5
    off = status((56.0, 55.6, 56.4), **kw)
    assert off.status == OFF_TRACK and off.expected == pytest.approx(55.5, abs=1e-12)
    assert "wholly above" in off.reason


def test_without_limits_the_estimate_decides() -> None:
    s = status((64.4, math.nan, math.nan))
    assert s.status == OFF_TRACK and "estimate alone decides" in s.reason
    assert status((64.5, math.nan, math.nan)).status == ON_TRACK


def test_the_due_year_in_the_latest_period_decides_met() -> None:
    # target year 2022: the period 2020-2022 includes it, so it is judged on that period
    met = status((64.0, 63.0, 65.0), target=64.0, year=2022, as_of=2030)
    assert met.status == MET and met.period == "2020-2022"
    assert "includes the target, so the difference is within sampling error" in met.reason
    short = status((63.9, 63.0, 64.8), target=64.0, year=2022, as_of=2023)
    assert short.status == NOT_MET and "falls short of the target 64" in short.reason
    clear = status((62.0, 61.0, 63.0), target=64.0, year=2022)
    assert clear.status == NOT_MET and "excludes the target" in clear.reason


def test_due_year_inside_a_later_period_is_judged_on_the_first_period_including_it() -> None:
    periods = ["2011-2013", "2020-2022", "2021-2023"]
    ends = np.array([2013, 2022, 2023])
    values = np.array([60.0, 61.0, 70.0])
    s = due_status(
        periods=periods,
        ends=ends,
        values=values,
        lowers=values - 1,
        uppers=values + 1,
        baseline_period="2011-2013",
        target_value=65.0,
        target_year=2021,
        polarity="higher_is_better",
        as_of_year=2026,
    )
    assert (s.status, s.period, s.value) == (NOT_MET, "2020-2022", 61.0)


def test_after_the_due_year_without_its_data_it_is_too_early() -> None:
    # due 2023; data end 2022; the year is 2024: not judged on old data
    s = status((64.0, 63.5, 64.5), year=2023, as_of=2024)
    assert s.status == TOO_EARLY
    assert "target year 2023 has passed but its data are not published yet" in s.reason
    # the latest estimate is still given (pages showed "- (- to -)" beside its period)
    assert (s.period, s.value, s.lower, s.upper) == ("2020-2022", 64.0, 63.5, 64.5)
    # in 2023 itself the due date has not passed: still judged by the trajectory
    assert status((70.0, 69.0, 71.0), year=2023, as_of=2023).status == ON_TRACK


def test_targets_due_2028_to_2030_are_not_judged_met_or_not_met_on_2022_2024_data() -> None:
    periods, ends = ["2016-2018", "2022-2024"], np.array([2018, 2024])
    for year in (2028, 2029, 2030):
        s = status(
            (57.0, 56.0, 58.0), target=64.0, year=year, periods=periods, ends=ends, as_of=2026
        )
        assert s.status in (ON_TRACK, OFF_TRACK), (year, s)


def test_no_data_after_the_baseline_is_too_early() -> None:
    s = status((0, 0, 0), periods=["2020-2022"], ends=np.array([2022]))
    assert s.status == TOO_EARLY and "no data after the baseline period" in s.reason
    # the latest estimate, which is the baseline's, is still given
    assert (s.period, s.value, s.lower, s.upper) == ("2020-2022", 60.0, 59.0, 61.0)


def test_a_baseline_gone_from_the_data_is_not_assessed() -> None:
    s = due_status(
        periods=["2020-2022"],
        ends=np.array([2022]),
        values=np.array([1.0]),
        lowers=np.array([0.5]),
        uppers=np.array([1.5]),
        baseline_period="1999",
        target_value=2.0,
        target_year=2030,
        polarity="higher_is_better",
        as_of_year=2025,
    )
    assert s.status == NOT_ASSESSED


def test_polarity_must_be_directional() -> None:
    with pytest.raises(InputError, match="polarity must be one of higher_is_better"):
        status((64.0, 63.5, 64.5), polarity="neutral")
