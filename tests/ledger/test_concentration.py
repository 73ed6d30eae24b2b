"""The concentration index against a hand-worked example and independent implementations."""

from __future__ import annotations

import re
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.inequality.concentration import concentration_index, fractional_rank


def scalar_reference(y: list[float], rank: list[float], w: list[float]) -> tuple[float, float]:
    """Kakwani, Wagstaff & van Doorslaer (1997) written out unit by unit, in exact
    fractions where possible: units sorted by rank (no ties), weighted fractional rank,
    C = 1 - sum p_i (q_(i-1) + q_i) (the trapezium form of 1 - 2 x area under the
    concentration curve), Var = (sum p_i a_i^2 - (1 + C)^2) / n."""
    order = sorted(range(len(y)), key=lambda i: rank[i])
    total_w = sum(Fraction(w[i]) for i in order)
    p = [Fraction(w[i]) / total_w for i in order]
    ys = [Fraction(y[i]) for i in order]
    mu = sum(pi * yi for pi, yi in zip(p, ys, strict=True))
    q, run = [], Fraction(0)
    for pi, yi in zip(p, ys, strict=True):
        run += pi * yi / mu
        q.append(run)
    c = 1 - sum(p[i] * ((q[i - 1] if i else 0) + q[i]) for i in range(len(p)))
    cum, r = Fraction(0), []
    for pi in p:
        r.append(cum + pi / 2)
        cum += pi
    a = [
        (ys[i] / mu) * (2 * r[i] - 1 - c) + 2 - (q[i - 1] if i else 0) - q[i] for i in range(len(p))
    ]
    var = (sum(p[i] * a[i] ** 2 for i in range(len(p))) - (1 + c) ** 2) / len(p)
    return float(c), float(np.sqrt(float(var)))


def test_hand_worked_gini_of_1_to_4() -> None:
    # Ranked by itself the index is the Gini: sum|xi - xj| / (2 n^2 mu) = 20 / 80 = 0.25.
    # By hand: q = 0.1, 0.3, 0.6, 1; a = 1.5, 1.2, 1.1, 1.2; mean(a^2) = 1.585;
    # Var = (1.585 - 1.25^2) / 4 = 0.005625, se = 0.075.
    ci = concentration_index([4, 2, 3, 1], rank=[4, 2, 3, 1])
    assert ci.value == pytest.approx(0.25, rel=1e-12)
    assert ci.se == pytest.approx(0.075, rel=1e-10)
    assert ci.lower == pytest.approx(0.25 - 1.959963984540054 * 0.075, rel=1e-10)
    assert ci.n == 4
    assert ci.mean == 2.5


def test_matches_independent_scalar_implementation() -> None:
    rng = np.random.default_rng(20240601)
    y = rng.gamma(2.0, 50.0, 40)
    rank = rng.permutation(40).astype(float)
    w = rng.integers(1000, 20000, 40).astype(float)
    ci = concentration_index(y, rank, w)
    c_ref, se_ref = scalar_reference(list(y), list(rank), list(w))
    assert ci.value == pytest.approx(c_ref, rel=1e-10)
    assert ci.se == pytest.approx(se_ref, rel=1e-10)


def test_convenient_regression_gives_the_same_value() -> None:
    # O'Donnell et al. (2008) eq. 8.5: OLS of 2 var(R) y / mu on R has slope C.
    rng = np.random.default_rng(7)
    y = rng.uniform(10, 100, 25)
    inc = rng.normal(size=25)
    r = fractional_rank(inc)
    lhs = 2 * np.var(r) * y / y.mean()
    slope = np.polyfit(r, lhs, 1)[0]
    assert concentration_index(y, inc).value == pytest.approx(slope, rel=1e-10)


def test_population_weights_equal_replicated_units_for_the_value() -> None:
    y = np.array([120.0, 80.0, 95.0, 60.0])
    rank = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.array([3, 1, 2, 4])
    weighted = concentration_index(y, rank, w.astype(float))
    unrolled = concentration_index(np.repeat(y, w), np.repeat(rank, w))
    assert weighted.value == pytest.approx(unrolled.value, rel=1e-10)


def test_ties_share_their_block_midpoint() -> None:
    assert fractional_rank([2, 1, 1, 3]).tolist() == [0.625, 0.25, 0.25, 0.875]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.5, 1e4), min_size=2, max_size=30),
    st.floats(0.1, 1e3),
    st.integers(0, 2**32 - 1),
)
def test_scale_invariant_bounded_and_order_free(y: list[float], k: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    yy = np.array(y)
    rank = rng.permutation(len(y)).astype(float)
    base = concentration_index(yy, rank)
    assert -1 <= base.value <= 1
    assert concentration_index(yy * k, rank).value == pytest.approx(base.value, abs=1e-12)
    perm = rng.permutation(len(y))
    again = concentration_index(yy[perm], rank[perm])
    assert again.value == pytest.approx(base.value, abs=1e-12)
    assert again.se == pytest.approx(base.se, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": [1.0], "rank": [1.0]}, "values must have at least 2 units; got 1"),
        ({"values": [1, 2], "rank": [1, 2, 3]}, "rank must have one entry per value; got 3"),
        ({"values": [1, np.nan], "rank": [1, 2]}, "values must be finite numbers; got nan at"),
        ({"values": [-1, 1], "rank": [1, 2]}, "values must have a weighted mean above 0"),
        (
            {"values": [1, 2], "rank": [1, 2], "weights": [1, -1]},
            "weights must be 0 or more with a total above 0; got a negative weight at position 2",
        ),
        ({"values": [1, 2], "rank": [1, 2], "weights": [1]}, "weights must have one entry"),
        (
            {"values": [1, 2], "rank": [1, 2], "confidence": 1.5},
            r"confidence must be between 0 and 1 \(exclusive\), or a percentage from 50",
        ),
    ],
)
def test_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        concentration_index(**kwargs)  # type: ignore[arg-type]


# A bad entry, its suppression reason, and the raise-mode message it replaces.
SUPPRESSIBLE = [
    ({"values": [1.0, "x", 3.0]}, "values is text, not a number", "values must hold numbers"),
    ({"values": [1.0, np.nan, 3.0]}, "values is missing or infinite at position 2",
     "values must be finite numbers; got nan at position 2"),
    ({"rank": [1.0, np.inf, 3.0]}, "rank is missing or infinite at position 2",
     "rank must be finite numbers; got inf at position 2"),
    ({"weights": [10.0, -1.0, 5.0]}, "weights are negative (position 2)",
     "got a negative weight at position 2"),
    ({"weights": [0.0, 0.0, 0.0]}, "weights total 0", "got a total of 0"),
    ({"values": [-1.0, -2.0, 1.0]}, "values have a weighted mean of 0 or less",
     "values must have a weighted mean above 0"),
    ({"values": [1.0], "rank": [1.0], "weights": [1.0]}, "fewer than 2 units (1)",
     "values must have at least 2 units; got 1"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "reason", "message"), SUPPRESSIBLE)
def test_on_invalid_suppress_gives_a_suppressed_result(
    bad: dict[str, object], reason: str, message: str
) -> None:
    kwargs: dict[str, object] = {"values": [1.0, 2.0, 3.0], "rank": [1, 2, 3],
                                 "weights": [10.0, 20.0, 5.0], **bad}  # fmt: skip
    with pytest.raises(InputError, match=re.escape(message)):
        concentration_index(**kwargs)  # type: ignore[arg-type]
    with pytest.warns(SuppressionWarning, match=re.escape(f"suppressed: {reason}")):
        ci = concentration_index(**kwargs, on_invalid="suppress")  # type: ignore[arg-type]
    assert ci.suppressed and ci.suppression_reason == reason
    assert all(np.isnan([ci.value, ci.se, ci.lower, ci.upper, ci.mean]))
    assert ci.to_dict()["suppression_reason"] == reason


def test_on_invalid_suppress_equals_raise_on_clean_data_and_keeps_argument_errors() -> None:
    y, r, w = [3.0, 1.0, 4.0, 1.5], [2, 1, 4, 3], [120.0, 80.0, 95.0, 60.0]
    base = concentration_index(y, r, w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = concentration_index(y, r, w, on_invalid="suppress")
    assert again == base and not again.suppressed and again.suppression_reason is None
    with pytest.raises(InputError, match="rank must have one entry per value"):
        concentration_index([1, np.nan], [1, 2, 3], on_invalid="suppress")
    with pytest.raises(InputError, match=r"on_invalid must be one of 'raise', 'suppress'"):
        concentration_index(y, r, w, on_invalid="skip")
