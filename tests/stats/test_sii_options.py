"""sii options: intercept, se_scale, se checked against limits, counts x, reliability.

Expected values are hand-worked (exactly linear data, where the fit is known in closed
form) or come from an equivalent call built by hand from METHODS.md section 10 (e.g. the
95% limits a standard error stands for), never from the call under test itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.conftest import RTOL
from tests.stats.test_sii import make_areas

Z95 = stats.norm.ppf(0.975)
LIMITS = ["sii", "sii_lower_95_0", "sii_upper_95_0", "rii", "rii_lower_95_0", "rii_upper_95_0"]


def linear_area(pop: list[float], f: object = None) -> pd.DataFrame:
    """Quintiles whose values lie exactly on 70 + 10 b (b the population midpoint)."""
    p = np.array(pop, dtype=float)
    a = p / p.sum()
    b = np.cumsum(a) - a / 2
    y = 70 + 10 * b if f is None else f(b)  # type: ignore[operator]
    return pd.DataFrame({"q": range(1, len(p) + 1), "pop": p, "y": y, "se": 0.5})


# --------------------------------------------------------------------------- intercept
@pytest.mark.parametrize("pop", [[1.0] * 5, [500, 900, 1200, 700, 300]])
def test_intercept_of_exactly_linear_data(pop: list[float]) -> None:
    df = linear_area(pop)
    out = healthgap.sii(df, "y", "pop", "q", se="se", repetitions=1000, seed=1).to_frame()
    assert out["intercept"][0] == pytest.approx(70.0, rel=RTOL)
    assert out["sii"][0] == pytest.approx(10.0, rel=RTOL)
    # Measured from the least deprived end: intercept 80, sii -10; intercept + sii = 70.
    neg = healthgap.sii(df, "y", "pop", "q", se="se", multiplier=-1, repetitions=1000, seed=1)
    t = neg.to_frame()
    assert t["intercept"][0] == pytest.approx(80.0, rel=RTOL)
    assert t["intercept"][0] + t["sii"][0] == pytest.approx(70.0, rel=RTOL)


def test_intercept_with_a_logit_fit_is_back_transformed() -> None:
    df = linear_area([400, 800, 1000, 600, 200], lambda b: special.expit(-1 + 2 * b))
    df["se"] = 0.01
    out = healthgap.sii(
        df, "y", "pop", "q", se="se", value_type="proportion", transform=True,
        multiplier=100, repetitions=1000, seed=1,
    ).to_frame()  # fmt: skip
    assert out["intercept"][0] == pytest.approx(100 * special.expit(-1), rel=1e-9)
    assert out["sii"][0] == pytest.approx(100 * (special.expit(1) - special.expit(-1)), rel=1e-9)


# --------------------------------------------------------------------------- se_scale
def run(df: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    args: dict[str, object] = {"group_by": "area", "repetitions": 2000, "seed": 11}
    args.update(kwargs)
    return healthgap.sii(df, "y", "pop", "q", **args).to_frame()  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "f", "finv"), [
    ("rate", np.log, np.exp), ("proportion", special.logit, special.expit),
])  # fmt: skip
@pytest.mark.parametrize("transform", [False, True])
def test_working_scale_se_equals_its_exact_limits(
    rng: np.random.Generator, kind: str, f: object, finv: object, transform: bool
) -> None:
    df = make_areas(rng, 3, kind=kind)
    df["se_work"] = rng.uniform(0.02, 0.1, len(df))
    work = f(df["y"])  # type: ignore[operator]
    df["lo"] = finv(work - Z95 * df["se_work"])  # type: ignore[operator]
    df["hi"] = finv(work + Z95 * df["se_work"])  # type: ignore[operator]
    by_se = run(df, se="se_work", se_scale="working", value_type=kind, transform=transform)
    by_limits = run(df, lower="lo", upper="hi", value_type=kind, transform=transform)
    np.testing.assert_allclose(by_se[LIMITS], by_limits[LIMITS], rtol=1e-9)
    both = run(df, se="se_work", se_scale="working", lower="lo", upper="hi", value_type=kind,
               transform=transform)  # fmt: skip
    np.testing.assert_allclose(both[LIMITS], by_se[LIMITS], rtol=RTOL)


@pytest.mark.parametrize("kind", ["normal", "rate", "proportion"])
def test_value_scale_se_equals_its_symmetric_limits(rng: np.random.Generator, kind: str) -> None:
    df = make_areas(rng, 3, kind=kind)
    df["lo"] = df["y"] - Z95 * df["se"]
    df["hi"] = df["y"] + Z95 * df["se"]
    by_se = run(df, se="se", value_type=kind)
    by_limits = run(df, lower="lo", upper="hi", value_type=kind)
    np.testing.assert_allclose(by_se[LIMITS], by_limits[LIMITS], rtol=1e-9)


def test_value_scale_conversion_is_not_the_delta_method() -> None:
    # y = 10, se = 3 on a rate: limits 10 -/+ 1.959964 x 3 = 4.12011, 15.87989, so the
    # log-scale se is (2.76506 - 1.41588) / 3.91993 = 0.34418; the delta method gives 0.3.
    y, se = 10.0, 3.0
    exact = (np.log(y + Z95 * se) - np.log(y - Z95 * se)) / (2 * Z95)
    assert exact == pytest.approx(0.34418, abs=5e-6)
    from healthgap.stats.inequality._sii_inputs import working_se

    assert working_se("rate", "value", np.array([y]), np.array([se]))[0] == pytest.approx(
        exact, rel=RTOL
    )
    assert working_se("rate", "working", np.array([y]), np.array([0.3]))[0] == 0.3


def test_working_se_passed_as_value_scale_is_caught_by_the_limits(
    rng: np.random.Generator,
) -> None:
    df = make_areas(rng, 3, kind="rate")
    df["se_work"] = 0.06
    df["lo"] = np.exp(np.log(df["y"]) - Z95 * 0.06).round(1)
    df["hi"] = np.exp(np.log(df["y"]) + Z95 * 0.06).round(1)
    with pytest.raises(
        InputError,
        match=r"se column 'se_work' must agree with the 95% limits 'lo'/'hi' to within "
        r"rounding; got 30 rows where they disagree \(first: row 1 \(area E000\): on the log "
        r"scale the se gives .* and the limits give 0\.06.*pass se_scale='working'",
    ):
        run(df, se="se_work", lower="lo", upper="hi", value_type="rate")
    ok = run(df, se="se_work", se_scale="working", lower="lo", upper="hi", value_type="rate")
    assert not ok["suppressed"].any()  # rounding to 0.1 is within tolerance
    with pytest.warns(SuppressionWarning, match=r"se and the 95% limits disagree"):
        out = run(df, se="se_work", lower="lo", upper="hi", value_type="rate",
                  on_invalid="suppress")  # fmt: skip
    assert out["suppressed"].all()


def test_value_se_whose_limits_leave_the_log_scale_suppresses_with_a_remedy() -> None:
    df = linear_area([1.0] * 5, lambda b: 2 + b)
    df.loc[0, "se"] = 1.5  # 2 - 1.96 x 1.5 < 0: no log
    with pytest.warns(SuppressionWarning, match=r"se_scale='working'"):
        out = healthgap.sii(df, "y", "pop", "q", se="se", value_type="rate", repetitions=1000)
    assert out.to_frame()["suppressed"][0]


@pytest.mark.parametrize("bad", ["log", None, 1])
def test_se_scale_is_validated(bad: object) -> None:
    df = linear_area([1.0] * 5)
    with pytest.raises(InputError, match=r"se_scale must be one of 'value', 'working'"):
        healthgap.sii(df, "y", "pop", "q", se="se", se_scale=bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- counts x
def test_counts_give_the_proportion_and_wilson_limits(rng: np.random.Generator) -> None:
    df = make_areas(rng, 3, kind="proportion")
    df["x"] = np.round(df["y"] * df["pop"])
    prop = df["x"] / df["pop"]
    n = df["pop"]
    # Wilson 95% limits by hand (Wilson 1927).
    centre = 2 * df["x"] + Z95**2
    half = Z95 * np.sqrt(Z95**2 + 4 * df["x"] * (1 - prop))
    df["lo"] = (centre - half) / (2 * (n + Z95**2))
    df["hi"] = (centre + half) / (2 * (n + Z95**2))
    df["p"] = prop
    by_x = healthgap.sii(df, None, "pop", "q", x="x", group_by="area", value_type="proportion",
                         repetitions=2000, seed=3).to_frame()  # fmt: skip
    by_hand = healthgap.sii(df, "p", "pop", "q", lower="lo", upper="hi", group_by="area",
                            value_type="proportion", repetitions=2000,
                            seed=3).to_frame()  # fmt: skip
    np.testing.assert_allclose(by_x[LIMITS], by_hand[LIMITS], rtol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value": "y", "x": "x"}, r"sii must be given exactly one of value and x; got both"),
        ({"value": None}, r"sii must be given exactly one of value and x; got neither"),
        ({"value": None, "x": "x", "value_type": "rate"},
         r"x \(counts\) must be used with value_type='proportion'"),
    ],
)  # fmt: skip
def test_count_input_errors(kwargs: dict[str, object], message: str) -> None:
    df = linear_area([1.0] * 5)
    df["x"] = 1.0
    args: dict[str, object] = {"value": "y", "se": "se", "value_type": "proportion"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.sii(df, population="pop", quantile="q", **args)  # type: ignore[arg-type]


def test_counts_above_the_population_raise_naming_the_row() -> None:
    df = linear_area([10.0] * 5)
    df["x"] = [1, 2, 30, 4, 5]
    with pytest.raises(InputError, match=r"x column 'x' must be at most the population; got 1 "
                       r"row where it is larger \(first: 30 > 10 at row 3\)"):  # fmt: skip
        healthgap.sii(df, None, "pop", "q", x="x", value_type="proportion")


# --------------------------------------------------------------------------- reliability
def test_reliability_is_the_mean_absolute_difference_from_nine_further_runs(
    rng: np.random.Generator,
) -> None:
    df = make_areas(rng, 2)
    args = {"group_by": "area", "se": "se", "repetitions": 1000}
    main = healthgap.sii(df, "y", "pop", "q", seed=7, reliability=True, **args).to_frame()
    plain = healthgap.sii(df, "y", "pop", "q", seed=7, **args).to_frame()
    pd.testing.assert_frame_equal(main[plain.columns], plain)  # same reported limits
    # The nine further runs are the streams spawned from the seed, run one by one.
    children = np.random.default_rng(7).spawn(9)
    runs = [healthgap.sii(df, "y", "pop", "q", seed=c, **args).to_frame() for c in children]
    for name in ["sii_lower_95_0", "sii_upper_95_0", "rii_lower_95_0", "rii_upper_95_0"]:
        expected = np.mean([np.abs(r[name] - plain[name]) for r in runs], axis=0)
        np.testing.assert_allclose(main[name + "_mad"], expected, rtol=1e-9)
        assert (main[name + "_mad"] > 0).all()


def test_reliability_shrinks_with_more_repetitions(rng: np.random.Generator) -> None:
    df = make_areas(rng, 1)
    mad = [
        healthgap.sii(
            df, "y", "pop", "q", se="se", repetitions=r, seed=5, reliability=True
        ).to_frame()["sii_upper_95_0_mad"][0]
        for r in (1000, 64_000)
    ]
    # Monte Carlo error falls as 1/sqrt(R): 8 times less for 64 times the repetitions.
    assert mad[1] < mad[0] / 3


@settings(max_examples=15, deadline=None)
@given(st.floats(0.01, 0.3), st.floats(1.0, 1000.0))
def test_working_and_value_scales_agree_through_exact_limits(s: float, y: float) -> None:
    from healthgap.stats.inequality._sii_inputs import se_from_limits, working_se

    arr = np.array([y])
    lo, hi = np.exp(np.log(arr) - Z95 * s), np.exp(np.log(arr) + Z95 * s)
    assert se_from_limits("rate", lo, hi)[0] == pytest.approx(s, rel=1e-9)
    assert working_se("rate", "working", arr, np.array([s]))[0] == s
