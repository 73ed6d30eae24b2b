"""Pace of change: floors, ceilings, the envelope, convergence, and a scalar reference."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from healthgap.allocate import Formula, allocate
from healthgap.allocate.formula import Pace
from healthgap.allocate.pace import envelopes, pace_path, uniform_fill
from healthgap.errors import InputError
from tests.allocate import reference as ref


@st.composite
def pace_case(draw: Any, ceilings: bool = True) -> dict[str, Any]:
    n = draw(st.integers(2, 30))
    weights = np.asarray(draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n)), float)
    # Realistic amounts (at least £1,000 in all) and growth above the floor, so that the
    # floors' rounding up to the penny (at most 1p an area) always fits in the envelope.
    amounts = st.one_of(st.just(0), st.integers(10**5, 10**11))
    current = draw(st.lists(amounts, min_size=n, max_size=n))
    assume(sum(current) >= 10**5)
    floor = draw(st.sampled_from([0.0, 0.01, 0.015, 0.02, -0.01]))
    growth = draw(st.floats(max(floor, 0.0) + 0.001, 0.08))
    first = draw(st.floats(1.0 + max(floor, 0) + 0.001, 1.2))
    ceiling = draw(st.sampled_from([None, 0.05, 0.1, 0.25])) if ceilings else None
    years = draw(st.integers(1, 6))
    return {
        "share": weights / weights.sum(),
        "current": np.asarray(current, dtype=np.int64),
        "total": math.ceil(sum(current) * first),
        "pace": Pace(
            years=years, growth=(round(growth, 4),) * (years - 1), floor=floor, ceiling=ceiling
        ),
    }


def run_case(case: dict[str, Any]) -> Any:
    try:
        return pace_path(case["share"], case["current"], case["total"], case["pace"])
    except InputError as exc:  # ceilings too tight for the envelope: a stated error
        assert "must let the envelope be spent" in str(exc)
        assume(False)


@settings(max_examples=200, deadline=None)
@given(pace_case())
def test_every_year_spends_the_envelope_exactly(case: dict[str, Any]) -> None:
    path = run_case(case)
    assert path.allocations.sum(axis=1).tolist() == envelopes(case["total"], case["pace"]).tolist()
    assert path.targets.sum(axis=1).tolist() == path.envelopes.tolist()
    assert path.allocations.dtype == np.int64


@settings(max_examples=200, deadline=None)
@given(pace_case())
def test_floors_ceilings_and_the_above_target_rule_hold_exactly(case: dict[str, Any]) -> None:
    path = run_case(case)
    pace = case["pace"]
    previous = [int(v) for v in case["current"]]
    up = 1 + Fraction(repr(pace.floor))
    for t in range(pace.years):
        amount = path.allocations[t].tolist()
        target = path.targets[t].tolist()
        floor = [math.ceil(p * up) for p in previous]
        for a in range(len(amount)):
            assert amount[a] >= floor[a]  # at least the floor growth, exactly
            if pace.ceiling is not None:
                cap = max(math.floor(previous[a] * (1 + Fraction(repr(pace.ceiling)))), floor[a])
                assert amount[a] <= cap
            if floor[a] >= target[a] and path.extra_growth[t] == 0:
                assert amount[a] == floor[a]  # above target: exactly the floor
            elif path.extra_growth[t] == 0:
                assert amount[a] <= target[a]  # closing a gap never overshoots
        previous = amount


@settings(max_examples=150, deadline=None)
@given(pace_case(ceilings=False))
def test_converges_towards_target(case: dict[str, Any]) -> None:
    # With growth at least the floor and no ceilings, the total gap to target as a share
    # of the envelope never grows (to within the pennies of rounding).
    path = run_case(case)
    n = case["share"].size
    gap = np.abs(path.allocations - path.targets).sum(axis=1) / path.envelopes
    slack = 2 * n / path.envelopes
    assert np.all(np.diff(gap) <= slack[1:])
    assert np.all((path.pace >= 0) & (path.pace <= 1))


@settings(max_examples=150, deadline=None)
@given(pace_case())
def test_matches_the_scalar_reference(case: dict[str, Any]) -> None:
    path = run_case(case)
    pace = case["pace"]
    share = [Fraction(float(s)) for s in case["share"]]
    previous = [int(v) for v in case["current"]]
    for t in range(pace.years):
        if path.extra_growth[t] > 0:
            return  # the reference has no stage-2 (extra growth) rule
        amounts, lam, target = ref.pace_year(
            share, previous, int(path.envelopes[t]), pace.floor, pace.ceiling
        )
        assert path.targets[t].tolist() == target
        np.testing.assert_allclose(
            path.quotas[t], [float(a) for a in amounts], rtol=1e-10, atol=1e-6
        )
        if 0 < lam < 1:
            assert path.pace[t] == pytest.approx(float(lam), rel=1e-9)
        previous = path.allocations[t].tolist()


def test_ceilings_that_bind_share_the_rest_as_extra_growth() -> None:
    # Targets 198 and 22 of 220; B is above target and would get its floor (100); A is
    # capped at 110 by the 10% ceiling, so the last 10 go to B as uniform extra growth.
    path = pace_path(
        np.array([0.9, 0.1]), np.array([100, 100]), 220, Pace(years=1, floor=0.0, ceiling=0.1)
    )
    assert path.allocations[0].tolist() == [110, 110]
    assert path.rule[0].tolist() == ["ceiling", "extra"]
    assert path.extra_growth[0] == pytest.approx(0.1)


def test_uniform_fill_solves_exactly() -> None:
    start = np.array([0.0, 0.0, 0.0])
    slope = np.array([1.0, 2.0, 4.0])
    cap = np.array([1.0, 10.0, 10.0])
    # theta = 1.5: 1 (capped) + 3 + 6 = 10.
    amounts, theta = uniform_fill(start, slope, cap, 10.0)  # type: ignore[misc]
    assert theta == pytest.approx(1.5)
    assert amounts.tolist() == pytest.approx([1.0, 3.0, 6.0])
    assert uniform_fill(start, slope, cap, 30.0) is None
    assert uniform_fill(start, np.zeros(3), cap, 5.0) is None
    amounts, theta = uniform_fill(start, slope, cap, 0.0)  # type: ignore[misc]
    assert theta == 0.0


def test_envelope_growth_to_the_penny() -> None:
    pace = Pace(years=3, growth=(0.03, 0.025))
    # 10,000,001 x 1.03 = 10,300,001.03 -> 10,300,001; x 1.025 = 10,557,501.025 -> 10,557,501.
    assert envelopes(10_000_001, pace).tolist() == [10_000_001, 10_300_001, 10_557_501]


FORMULA = """\
current = "current"
control_total = 1000
[indices.need]
column = "need"
[components.all]
share = 1
indices = ["need"]
[pace]
years = 2
growth = 0.0
floor = 0.05
"""


def test_floors_that_exceed_the_envelope_are_an_error() -> None:
    df = pd.DataFrame(
        {"area": ["A", "B"], "population": [1, 1], "need": [1, 2], "current": [500, 480]}
    )
    with pytest.raises(
        InputError,
        match=r"the pace floor \(pace.floor \(line 11 of f.toml\) = 0.05\) must fit in the "
        r"envelope; got floors adding up to £1,029.00 in year 1 but an envelope of "
        r"£1,000.00. Lower the floor",
    ):
        allocate(Formula.from_toml(FORMULA, "f.toml"), df)


def test_floors_that_exceed_a_later_envelope_name_the_year() -> None:
    df = pd.DataFrame(
        {"area": ["A", "B"], "population": [1, 1], "need": [1, 2], "current": [450, 450]}
    )
    with pytest.raises(InputError, match=r"must fit in the envelope; got .* in year 2"):
        allocate(Formula.from_toml(FORMULA, "f.toml"), df)


def test_ceilings_below_the_envelope_are_an_error() -> None:
    text = FORMULA.replace("floor = 0.05", "floor = 0.0\nceiling = 0.01")
    df = pd.DataFrame(
        {"area": ["A", "B"], "population": [1, 1], "need": [1, 2], "current": [450, 450]}
    )
    with pytest.raises(
        InputError,
        match=r"the pace ceiling \(pace.ceiling \(line 12 of f.toml\) = 0.01\) must let the "
        r"envelope be spent; got ceilings adding up to £909.00 in year 1 but an envelope of "
        r"£1,000.00",
    ):
        allocate(Formula.from_toml(text, "f.toml"), df)


def test_path_frame_and_years_frame() -> None:
    df = pd.DataFrame(
        {"area": ["A", "B"], "population": [1, 1], "need": [1, 3], "current": [500, 450]}
    )
    result = allocate(Formula.from_toml(FORMULA.replace("floor = 0.05", "floor = 0.0")), df)
    path = result.path_frame()
    assert list(path.columns) == [
        "area",
        "year",
        "target_pence",
        "floor_pence",
        "allocation_pence",
        "growth",
        "distance_from_target",
        "rule",
    ]
    # Targets 25,000 and 75,000 pence; A is above target and keeps 50,000 (0% floor).
    assert path["allocation_pence"].tolist() == [50_000, 50_000, 50_000, 50_000]
    assert path["rule"].tolist() == ["floor", "pace", "floor", "pace"]
    years = result.years_frame()
    assert years is not None
    assert years["areas_floor"].tolist() == [1, 1]
    assert years["gap_pence"].tolist() == [25_000, 25_000]
