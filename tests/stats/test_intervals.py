"""Interval kernels against independent scalar implementations and published values.

Sources of reference values are listed in tests/reference/README.md ("intervals").
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from healthgap.stats import intervals
from tests.conftest import RTOL


def byar_scalar(o: float, z: float, upper: bool) -> float:
    """Byar's formula written out from Breslow & Day (1987), one count at a time."""
    if upper:
        o = o + 1
        return o * (1 - 1 / (9 * o) + z / (3 * math.sqrt(o))) ** 3
    return o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3


def test_z_values_match_methods_md() -> None:
    # METHODS.md notation: 1.959964 at 95%, 3.090232 at 99.8%.
    assert intervals.z_value(0.95) == pytest.approx(1.959964, abs=5e-7)
    assert intervals.z_value(0.998) == pytest.approx(3.090232, abs=5e-7)


@pytest.mark.parametrize(
    ("count", "lower", "upper"),
    [
        # METHODS.md section 1 sanity checks.
        (0, 0.0, 3.6889),
        # R: poisson.test(5)$conf.int -> 1.623486 11.668332 (exact Garwood limits).
        (5, 1.623486, 11.668332),
        # R: poisson.test(1)$conf.int -> 0.02531781 5.57164339.
        (1, 0.02531781, 5.57164339),
    ],
)
def test_exact_limits_match_published_values(count: int, lower: float, upper: float) -> None:
    lo, hi, exact = intervals.poisson_limits(np.array([count]), 0.95)
    assert exact[0]
    assert lo[0] == pytest.approx(lower, abs=5e-5)
    assert hi[0] == pytest.approx(upper, abs=5e-5)


def test_byar_limits_for_65_match_methods_md() -> None:
    # METHODS.md section 1: O = 65 at 95% gives about 50.2 to 82.8.
    lo, hi, exact = intervals.poisson_limits(np.array([65.0]), 0.95)
    assert not exact[0]
    assert lo[0] == pytest.approx(50.2, abs=0.05)
    assert hi[0] == pytest.approx(82.8, abs=0.05)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.998])
def test_exact_limits_equal_chi_squared_quantiles(confidence: float) -> None:
    o = np.arange(0, 10, dtype=float)
    alpha = 1 - confidence
    lo, hi, _ = intervals.poisson_limits(o, confidence)
    ref_lo = np.where(o > 0, stats.chi2.ppf(alpha / 2, np.maximum(2 * o, 1e-300)) / 2, 0.0)
    ref_hi = stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    np.testing.assert_allclose(lo, ref_lo, rtol=RTOL)
    np.testing.assert_allclose(hi, ref_hi, rtol=RTOL)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_byar_limits_equal_scalar_formula(confidence: float) -> None:
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    o = np.array([10, 11, 50, 999, 123456], dtype=float)
    lo, hi, exact = intervals.poisson_limits(o, confidence)
    assert not exact.any()
    np.testing.assert_allclose(lo, [byar_scalar(v, z, False) for v in o], rtol=RTOL)
    np.testing.assert_allclose(hi, [byar_scalar(v, z, True) for v in o], rtol=RTOL)


def test_method_switches_at_ten() -> None:
    assert list(intervals.poisson_method([0, 9, 9.5, 10, 11])) == [
        "Exact",
        "Exact",
        "Exact",
        "Byar's",
        "Byar's",
    ]


def test_wilson_matches_newcombe_worked_example() -> None:
    # Newcombe (1998) Stat Med 17:857, Table I, method 3 (Wilson score): 81/263 gives
    # 0.2553 to 0.3662; 15/148 gives 0.0624 to 0.1605.
    lo, hi = intervals.wilson_limits(np.array([81, 15]), np.array([263, 148]), 0.95)
    np.testing.assert_allclose(lo, [0.2553, 0.0624], atol=5e-5)
    np.testing.assert_allclose(hi, [0.3662, 0.1605], atol=5e-5)


def test_wilson_edge_cases_zero_and_all() -> None:
    lo, hi = intervals.wilson_limits(np.array([0, 10]), np.array([10, 10]), 0.95)
    assert lo[0] == 0.0
    assert hi[1] == pytest.approx(1.0, rel=RTOL)
    assert 0 < hi[0] < 1 and 0 < lo[1] < 1


def test_t_limits_equal_scipy_interval() -> None:
    lo, hi = intervals.t_limits(np.array([5.0]), np.array([2.0]), np.array([12]), 0.95)
    ref = stats.t.interval(0.95, 11, loc=5.0, scale=2.0 / math.sqrt(12))
    np.testing.assert_allclose([lo[0], hi[0]], ref, rtol=RTOL)


@given(
    st.floats(min_value=0, max_value=1e7, allow_nan=False),
    st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998]),
)
def test_poisson_limits_bracket_the_count(count: float, confidence: float) -> None:
    lo, hi, _ = intervals.poisson_limits(np.array([count]), confidence)
    assert lo[0] <= count <= hi[0]


@given(st.integers(min_value=0, max_value=10**6))
def test_poisson_limits_widen_with_confidence(count: int) -> None:
    lo95, hi95, _ = intervals.poisson_limits(np.array([count]), 0.95)
    lo998, hi998, _ = intervals.poisson_limits(np.array([count]), 0.998)
    assert lo998[0] <= lo95[0]
    assert hi998[0] >= hi95[0]


@given(
    st.integers(min_value=1, max_value=10**6).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_wilson_limits_stay_in_unit_interval_and_bracket(xn: tuple[int, int]) -> None:
    x, n = xn
    lo, hi = intervals.wilson_limits(np.array([x]), np.array([n]), 0.95)
    assert -1e-12 <= lo[0] <= x / n + 1e-12
    assert x / n - 1e-12 <= hi[0] <= 1 + 1e-12


# Standard normal quantiles to 16 digits, as tabulated (e.g. R qnorm(0.975), qnorm(0.999)):
# written out here so the checks below do not use the kernel's own z.
Z_975 = 1.959963984540054
Z_999 = 3.090232306167813


@pytest.mark.parametrize(
    ("lower", "upper", "confidence", "expected"),
    [
        # ONS HLE-style limits 61.2 to 63.6 at 95%: 2.4 / (2 x 1.959963984540054).
        (61.2, 63.6, 0.95, 0.6122561483095847),
        # The docstring's 9 to 11: 1 / 1.959963984540054.
        (9.0, 11.0, 0.95, 0.5102134569246539),
        # Fingertips 99.8% limits 10 to 16: 6 / (2 x 3.090232306167813).
        (10.0, 16.0, 0.998, 0.9708008016136139),
    ],
)
def test_se_from_limits_matches_hand_worked_values(
    lower: float, upper: float, confidence: float, expected: float
) -> None:
    z = Z_975 if confidence == 0.95 else Z_999
    assert (upper - lower) / (2 * z) == pytest.approx(expected, rel=1e-12)
    got = intervals.se_from_limits(lower, upper, confidence)
    assert float(got) == pytest.approx(expected, rel=1e-10)


def test_se_from_limits_is_vectorised_and_keeps_missing_limits() -> None:
    got = intervals.se_from_limits([61.2, np.nan, 9.0], [63.6, 1.0, 11.0])
    np.testing.assert_allclose(got, [0.6122561483095847, np.nan, 0.5102134569246539], rtol=1e-10)


def test_difference_of_estimates_matches_hand_worked_values() -> None:
    # 64.0 (se 0.3) minus 62.0 (se 0.4): a 3-4-5 triangle, so se = 0.5 exactly and the
    # 95% limits are 2 -/+ 0.5 x 1.959963984540054.
    d = intervals.difference_of_estimates(64.0, 0.3, 62.0, 0.4)
    assert float(d.value) == 2.0
    assert float(d.se) == pytest.approx(0.5, rel=1e-10)
    assert float(d.lower) == pytest.approx(2 - 0.5 * Z_975, rel=1e-10)
    assert float(d.upper) == pytest.approx(2 + 0.5 * Z_975, rel=1e-10)
    assert float(d.z) == pytest.approx(4.0, rel=1e-10)
    # 99.8%: limits 2 -/+ 0.5 x 3.090232306167813 (= 0.454883847 and 3.545116153).
    d998 = intervals.difference_of_estimates(64.0, 0.3, 62.0, 0.4, 0.998)
    np.testing.assert_allclose(
        [d998.lower, d998.upper], [0.4548838469160934, 3.5451161530839066], rtol=1e-10
    )


def test_difference_of_estimates_broadcasts_over_groups() -> None:
    # Two groups: (10 - 7, se hypot(1.2, 0.5) = 1.3) and (5 - 5, se hypot(0, 0) = 0).
    d = intervals.difference_of_estimates([10.0, 5.0], [1.2, 0.0], [7.0, 5.0], [0.5, 0.0])
    np.testing.assert_allclose(d.value, [3.0, 0.0], rtol=1e-10)
    np.testing.assert_allclose(d.se, [1.3, 0.0], rtol=1e-10)
    np.testing.assert_allclose(d.lower, [3.0 - 1.3 * Z_975, 0.0], rtol=1e-10)
    assert float(d.z[0]) == pytest.approx(3.0 / 1.3, rel=1e-10)
    assert np.isnan(d.z[1])  # 0 / 0: no evidence either way
