"""Largest-remainder (Hamilton) rounding and pence arithmetic.

Reference values: the published worked examples named in tests/reference/README.md, and
a scalar Fraction implementation of the stated rule written here from its description.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.allocate import largest_remainder
from healthgap.allocate.rounding import apportion, grow, grow_total, pence_from_pounds, pounds
from healthgap.errors import InputError


def reference_hamilton(quotas: list[Fraction], total: int) -> list[int]:
    """The stated rule, scalar and exact: floor, then one unit each in order of the largest
    remainder (rounded to 6 decimal places), ties to the earlier position, cycling; when
    units must be given back, smallest remainders first, never below 0."""
    base = [math.floor(q) for q in quotas]
    rem = [round(q - math.floor(q), 6) for q in quotas]
    ranked = sorted(range(len(quotas)), key=lambda i: (-rem[i], i))
    left = total - sum(base)
    k = 0
    while left > 0:
        base[ranked[k % len(ranked)]] += 1
        left -= 1
        k += 1
    worst = list(reversed(ranked))
    k = 0
    while left < 0:
        i = worst[k % len(worst)]
        k += 1
        if base[i] == 0:  # amounts are never negative: a quota at 0 gives nothing back
            continue
        base[i] -= 1
        left += 1
    return base


def test_wikipedia_largest_remainder_example() -> None:
    # Wikipedia, "Largest remainder method" (Hare quota): 100,000 votes, 10 seats.
    votes = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100]
    assert largest_remainder([v / 10_000 for v in votes], 10).tolist() == [5, 2, 1, 1, 1, 0]


@pytest.mark.parametrize(
    ("seats", "expected"),
    [(323, [183, 124, 14, 2]), (324, [184, 125, 13, 2])],
)
def test_alabama_paradox_toy_example(seats: int, expected: list[int]) -> None:
    # Wikipedia, "Alabama paradox": sizes 5670, 3850, 420, 60; state C drops from 14 to 13.
    sizes = np.array([5670, 3850, 420, 60])
    assert apportion(sizes / sizes.sum(), seats).tolist() == expected


def test_ties_go_to_the_earlier_position() -> None:
    # Three equal quotas of 1/3 each of 1 unit: the earliest gets it.
    assert largest_remainder([1 / 3] * 3, 1).tolist() == [1, 0, 0]
    assert largest_remainder([2 / 3] * 3, 2).tolist() == [1, 1, 0]


def test_float_noise_below_a_millionth_counts_as_a_tie() -> None:
    q = [0.5 + 1e-12, 0.5]  # equal to 6 d.p.: position decides, not the noise
    assert largest_remainder(q[::-1], 1).tolist() == [1, 0]
    assert largest_remainder(q, 1).tolist() == [1, 0]


def test_bounds_are_kept() -> None:
    # The largest remainder (0.9) is at its upper bound 3, so the unit goes to the next.
    out = largest_remainder([2.9, 1.5, 1.6], 7, upper=[2, 5, 5])
    assert out.tolist() == [2, 2, 3]
    # Too many units: the smallest remainder (0.1) would give back first, but it is at its
    # lower bound, so the next smallest (0.2) does.
    out = largest_remainder([1.1, 2.2, 3.3], 5, lower=[1, 0, 0])
    assert out.tolist() == [1, 1, 3]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=30),
    st.integers(-3, 40),
    st.integers(0, 10**6),
)
def test_matches_the_exact_reference(thousandths: list[int], extra: int, scale: int) -> None:
    # Quotas with three decimals (ties are common), any total: identical to the reference.
    quotas = [Fraction(t, 1000) + scale for t in thousandths]
    total = max(0, sum(math.floor(q) for q in quotas) + extra)
    got = largest_remainder([float(q) for q in quotas], total).tolist()
    assert got == reference_hamilton(quotas, total)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=50), st.integers(0, 10**11)
)
def test_sum_is_exact_and_each_amount_within_one_of_its_quota(
    weights: list[float], total: int
) -> None:
    w = np.asarray(weights)
    if w.sum() <= 0:
        w = w + 1
    out = apportion(w / w.sum(), total)
    assert out.dtype == np.int64
    assert int(out.sum()) == total
    quota = w / w.sum() * total
    assert np.all(np.abs(out - quota) < 1 + 1e-6 * np.maximum(1, quota))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10**6), min_size=2, max_size=20), st.integers(1, 10**8))
def test_result_does_not_depend_on_scale_of_weights(weights: list[int], total: int) -> None:
    w = np.asarray(weights, dtype=float)
    assert apportion(w, total).tolist() == apportion(w * 1000, total).tolist()


@pytest.mark.parametrize(
    ("quotas", "total", "kwargs", "message"),
    [
        ([[1.0, 2.0]], 3, {}, "quotas must be a one-dimensional list"),
        ([1.0, -0.5], 1, {}, r"quotas must be finite numbers of 0 or more; got -0.5 at position 2"),
        ([1.0, float("nan")], 1, {}, "quotas must be finite numbers"),
        ([1.0, 2.0], 2.5, {}, r"total must be a whole number of 0 or more; got 2.5"),
        ([1.0, 2.0], -1, {}, "total must be a whole number of 0 or more"),
        ([1.5, 1.5], 5, {"upper": [2, 2]}, "the upper bounds must add up to at least the total"),
        ([1.5, 1.5], 1, {"lower": [1, 1]}, "the lower bounds must add up to at most the total"),
    ],
)
def test_largest_remainder_errors(quotas, total, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        largest_remainder(quotas, total, **kwargs)


def test_apportion_needs_positive_weights() -> None:
    with pytest.raises(InputError, match="shares must add up to more than 0; got 0"):
        apportion(np.zeros(3), 10)


@pytest.mark.parametrize(
    ("value", "pence"),
    [(1000, 100_000), (1250.5, 125_050), ("1,250.55", 125_055), ("£3", 300), (0.1, 10), (0, 0)],
)
def test_pence_from_pounds(value: object, pence: int) -> None:
    assert pence_from_pounds(value, "control_total") == pence


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten", r"control_total must be an amount in pounds; got 'ten'"),
        (True, "control_total must be an amount in pounds; got True"),
        (None, "control_total must be an amount in pounds; got None"),
        (-5, r"control_total must be 0 or more pounds; got -5"),
        (float("inf"), "control_total must be 0 or more pounds"),
        (1.005, r"control_total must be in pounds with at most 2 decimal places; got 1.005"),
        (10**14, r"control_total must be less than £90,071,992,547,409"),
    ],
)
def test_pence_from_pounds_errors(value: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        pence_from_pounds(value, "control_total")


def test_pounds_formatting() -> None:
    assert pounds(123_456_789) == "£1,234,567.89"
    assert pounds(-5) == "-£0.05"
    assert pounds(0) == "£0.00"


def test_grow_is_exact_in_decimal() -> None:
    # 100 x 1.02 is 102 exactly (a float product gives 102.00000000000001).
    assert grow(np.array([100, 101, 0]), 0.02, "up").tolist() == [102, 104, 0]
    assert grow(np.array([100, 101]), 0.02, "down").tolist() == [102, 103]
    assert grow(np.array([1000]), -0.015, "up").tolist() == [985]
    # Very precise rates with large amounts fall back to exact Python integers.
    big = np.array([9 * 10**14 + 7])
    rate = 0.0123456789012345
    expected = -((-(9 * 10**14 + 7) * (1 + Fraction(repr(rate)))) // 1)
    assert grow(big, rate, "up").tolist() == [int(expected)]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 10**13), min_size=1, max_size=10),
    st.decimals(-0.5, 0.5, places=4),
)
def test_grow_matches_fractions(amounts: list[int], rate: object) -> None:
    r = float(rate)  # type: ignore[arg-type]
    factor = 1 + Fraction(repr(r))
    up = grow(np.array(amounts), r, "up").tolist()
    down = grow(np.array(amounts), r, "down").tolist()
    assert up == [math.ceil(a * factor) for a in amounts]
    assert down == [math.floor(a * factor) for a in amounts]


def test_grow_total_rounds_half_up() -> None:
    assert grow_total(1000, 0.0005) == 1001  # 1000.5 -> 1001
    assert grow_total(10_000_000, 0.03) == 10_300_000
