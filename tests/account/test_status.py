"""Status logic at its boundaries: statuses claim only what the limits support."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthgap.account.status import (
    MET,
    MISSED,
    NOT_CLEAR,
    OFF_TRACK,
    ON_TRACK,
    TOO_EARLY,
    compare,
    mission_status,
)
from healthgap.account.trajectory import Projection, project_trend
from healthgap.errors import InputError


def projection(value: float, lower: float, upper: float, n: int = 4) -> Projection:
    return Projection(2035.0, value, lower, upper, 0.95, -0.1, 0.05, n, n - 2, 1.0, ())


def status(
    proj: Projection,
    *,
    latest_time: float = 2023,
    lower: float = 5.0,
    upper: float = 7.0,
    target: float = 3.0,
) -> str:
    return mission_status(
        latest_period="2022-2024",
        latest_time=latest_time,
        latest_gap=(lower + upper) / 2,
        latest_lower=lower,
        latest_upper=upper,
        baseline_period="2020-2022",
        baseline_time=2021,
        target=target,
        target_time=2035,
        projection=proj,
    ).code


def test_projection_interval_straddling_the_target_is_not_clear() -> None:
    assert status(projection(3.1, 2.0, 4.2)) == NOT_CLEAR


def test_projection_wholly_below_target_is_on_track_and_touching_counts() -> None:
    assert status(projection(2.0, 1.0, 2.9)) == ON_TRACK
    assert status(projection(2.0, 1.0, 3.0)) == ON_TRACK  # upper == target: at or below


def test_projection_wholly_above_target_is_off_track_but_touching_is_not() -> None:
    assert status(projection(5.0, 3.01, 7.0)) == OFF_TRACK
    assert status(projection(5.0, 3.0, 7.0)) == NOT_CLEAR


def test_too_few_periods_to_project_is_too_early_to_say() -> None:
    proj = project_trend(
        np.array([2017.0, 2020.0]), np.array([6.0, 6.5]), np.array([0.4, 0.4]), at=2035
    )
    assert not proj.available
    s = mission_status(
        latest_period="2022-2024",
        latest_time=2023,
        latest_gap=6.0,
        latest_lower=5.0,
        latest_upper=7.0,
        baseline_period="2020-2022",
        baseline_time=2021,
        target=3.0,
        target_time=2035,
        projection=proj,
    )
    assert s.code == TOO_EARLY
    assert "only 2 independent periods" in s.reason
    assert s.sentence.startswith("Too early to say")


def test_no_data_after_baseline_is_too_early_even_with_a_projection() -> None:
    assert status(projection(2.0, 1.0, 2.5), latest_time=2021) == TOO_EARLY


def test_after_target_year_the_latest_gap_ci_decides() -> None:
    p = projection(float("nan"), float("nan"), float("nan"))
    assert status(p, latest_time=2035, lower=2.0, upper=2.9) == MET
    assert status(p, latest_time=2036, lower=3.1, upper=4.0) == MISSED
    # the gap's CI straddles the target: neither met nor missed
    assert status(p, latest_time=2035, lower=2.5, upper=3.5) == NOT_CLEAR


def test_sentence_names_figures_and_reason() -> None:
    s = mission_status(
        latest_period="2022-2024",
        latest_time=2023,
        latest_gap=6.0,
        latest_lower=5.0,
        latest_upper=7.0,
        baseline_period="2020-2022",
        baseline_time=2021,
        target=3.0,
        target_time=2035,
        projection=projection(3.1, 2.0, 4.2),
    )
    assert "6.00 years (95% CI 5.00 to 7.00)" in s.sentence
    assert "includes the target" in s.reason


@pytest.mark.parametrize(
    ("lower", "upper", "polarity", "expected"),
    [
        (63.1, 64.0, "higher_is_better", "better than target (significant)"),
        (61.0, 62.9, "higher_is_better", "worse than target (significant)"),
        (62.0, 63.0, "higher_is_better", "similar to target"),  # touching
        (63.0, 64.0, "lower_is_better", "similar to target"),  # touching
        (63.1, 64.0, "lower_is_better", "worse than target (significant)"),
        (61.0, 62.9, "lower_is_better", "better than target (significant)"),
        (63.1, 64.0, "neutral", "higher than target (significant)"),
        (61.0, 62.9, "neutral", "lower than target (significant)"),
    ],
)
def test_compare_boundaries(lower: float, upper: float, polarity: str, expected: str) -> None:
    assert compare((lower + upper) / 2, lower, upper, 63.0, polarity) == expected


def test_compare_without_limits_or_value_is_not_assessed() -> None:
    assert compare(63.0, math.nan, math.nan, 62.0, "higher_is_better").startswith(
        "not assessed: no confidence limits"
    )
    assert compare(63.0, 62.0, 64.0, math.nan, "higher_is_better", "England") == (
        "not assessed: no value or no England"
    )


def test_compare_rejects_unknown_polarity() -> None:
    with pytest.raises(InputError, match="polarity must be one of higher_is_better"):
        compare(1.0, 0.5, 1.5, 1.0, "up")


@given(
    st.floats(-100, 100),
    st.floats(0, 50),
    st.floats(0, 50),
    st.floats(-100, 100),
)
def test_compare_is_mirror_symmetric_in_polarity(v: float, a: float, b: float, ref: float) -> None:
    hi = compare(v, v - a, v + b, ref, "higher_is_better")
    lo = compare(v, v - a, v + b, ref, "lower_is_better")
    swap = {"better": "worse", "worse": "better"}
    assert lo == " ".join(swap.get(w, w) for w in hi.split(" "))
