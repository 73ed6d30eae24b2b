"""mean: an independent scalar formula, SciPy, a peer, missing values, suppression and errors.

Sources of reference values: tests/reference/README.md ("mean").
"""

from __future__ import annotations

import math
import statistics
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.conftest import RTOL
from tests.needs import importorskip_peer


def mean_scalar(values: list[float], confidence: float) -> tuple[float, float, float, float]:
    """METHODS.md section 3 with the standard library: value, sd, lower, upper."""
    k = len(values)
    value = statistics.fmean(values)
    sd = statistics.stdev(values)  # exact rational arithmetic internally, k - 1 denominator
    t = float(stats.t.ppf(1 - (1 - confidence) / 2, k - 1))
    return value, sd, value - t * sd / math.sqrt(k), value + t * sd / math.sqrt(k)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"area": ["A"] * 4 + ["B"] * 3, "score": [3.0, 5.0, 4.0, 8.0, 10.0, 12.0, 11.0]}
    )


def test_value_sd_and_limits_match_the_formula() -> None:
    out = healthgap.mean(frame(), "score", group_by="area").to_frame()
    for i, values in enumerate([[3.0, 5.0, 4.0, 8.0], [10.0, 12.0, 11.0]]):
        for c, label in [(0.95, "95_0"), (0.998, "99_8")]:
            value, sd, lower, upper = mean_scalar(values, c)
            assert out.loc[i, "value"] == pytest.approx(value, rel=RTOL)
            assert out.loc[i, "sd"] == pytest.approx(sd, rel=RTOL)
            assert out.loc[i, f"lower_{label}"] == pytest.approx(lower, rel=RTOL)
            assert out.loc[i, f"upper_{label}"] == pytest.approx(upper, rel=RTOL)
    assert out["count"].tolist() == [4, 3]


def test_limits_equal_scipy_t_interval(rng: np.random.Generator) -> None:
    values = rng.normal(100, 15, 37)
    out = healthgap.mean(pd.DataFrame({"v": values}), "v", confidence=0.9).to_frame()
    lower, upper = stats.t.interval(
        0.9, len(values) - 1, loc=values.mean(), scale=stats.sem(values)
    )
    assert out.loc[0, "lower_90_0"] == pytest.approx(lower, rel=RTOL)
    assert out.loc[0, "upper_90_0"] == pytest.approx(upper, rel=RTOL)


def test_columns_and_result() -> None:
    result = healthgap.mean(frame(), "score", group_by="area")
    assert list(result.to_frame().columns) == [
        "area",
        "count",
        "value",
        "sd",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
        "suppressed",
        "suppression_reason",
    ]
    assert result.statistic == "Mean"
    assert result.method == "Student's t"
    assert result.confidence == (0.95, 0.998)
    assert result.notes == ()
    assert result.references


def test_precision_with_a_large_offset() -> None:
    """Values near 1e9 differing in the units: a one-pass variance would lose them."""
    values = [1e9 + v for v in (4.0, 7.0, 13.0, 16.0)]
    out = healthgap.mean(pd.DataFrame({"v": values}), "v").to_frame()
    assert out.loc[0, "sd"] == pytest.approx(statistics.stdev(values), rel=RTOL)
    assert out.loc[0, "value"] == pytest.approx(1e9 + 10.0, rel=RTOL)


def test_missing_values_are_left_out_with_a_note() -> None:
    df = frame()
    df.loc[1, "score"] = np.nan
    result = healthgap.mean(df, "score", group_by="area")
    out = result.to_frame()
    value, sd, lower, _ = mean_scalar([3.0, 4.0, 8.0], 0.95)
    assert out.loc[0, "count"] == 3
    assert out.loc[0, "value"] == pytest.approx(value, rel=RTOL)
    assert out.loc[0, "sd"] == pytest.approx(sd, rel=RTOL)
    assert out.loc[0, "lower_95_0"] == pytest.approx(lower, rel=RTOL)
    assert result.notes == ("1 missing value was left out (first at row 2 (area A)).",)
    assert "note: 1 missing value" in result.summary()


def test_groups_with_fewer_than_two_values_are_suppressed() -> None:
    df = pd.DataFrame({"area": ["A", "A", "B", "C", "C"], "v": [1.0, 2.0, 5.0, np.nan, np.nan]})
    with pytest.warns(
        SuppressionWarning,
        match=r"mean: 2 of 3 groups suppressed: fewer than 2 values "
        r"\(2 groups, first: area B\)\. Their value and limits are NaN",
    ):
        result = healthgap.mean(df, "v", group_by="area")
    out = result.to_frame()
    assert out["suppressed"].tolist() == [False, True, True]
    assert out["count"].tolist() == [2, 1, 0]
    assert np.isnan(out.loc[1:, ["value", "sd", "lower_95_0", "upper_99_8"]].astype(float)).all(
        axis=None
    )
    assert out.loc[0, "value"] == 1.5
    assert result.notes == ("2 missing values were left out (first at row 4 (area C)).",)


def test_identical_values_give_zero_width_limits() -> None:
    out = healthgap.mean(pd.DataFrame({"v": [7.5] * 5}), "v").to_frame()
    assert out.loc[0, "sd"] == 0.0
    assert out.loc[0, "lower_99_8"] == out.loc[0, "upper_99_8"] == 7.5


def test_polars_in_polars_out() -> None:
    out = healthgap.mean(pl.from_pandas(frame()), "score", group_by="area").to_frame()
    assert isinstance(out, pl.DataFrame)
    assert out["value"].to_list() == pytest.approx([5.0, 11.0], rel=RTOL)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value": "scor"}, r"value column 'scor' must be in data; got columns \[area, score"),
        ({"group_by": "region"}, r"group_by column 'region' must be in data"),
        ({"group_by": "sd"}, r"group_by columns must not use the output column names \['sd'\]"),
        ({"confidence": 1.0}, r"confidence must be between 0 and 1 \(exclusive\), or a percentage"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    df = frame()
    df["sd"] = 1
    args: dict[str, object] = {"value": "score", "group_by": "area"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.mean(df, **args)  # type: ignore[arg-type]


def test_text_and_infinite_values_are_errors() -> None:
    df = frame().astype({"score": object})
    df.loc[4, "score"] = "n/a"
    with pytest.raises(
        InputError,
        match=r"value column 'score' must hold numbers; got 1 row of text "
        r"\(first: 'n/a' at row 5 \(area B\)\)",
    ):
        healthgap.mean(df, "score", group_by="area")
    df = frame()
    df.loc[0, "score"] = -np.inf
    with pytest.raises(InputError, match=r"value column 'score' must hold finite numbers"):
        healthgap.mean(df, "score", group_by="area")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=40),
    st.randoms(use_true_random=False),
)
def test_properties(values: list[float], rnd) -> None:
    df = pd.DataFrame({"v": values, "g": [i % 2 for i in range(len(values))]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)  # a group of 1 value
        out = healthgap.mean(df, "v", group_by="g").to_frame()
        shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
        again = healthgap.mean(shuffled, "v", group_by="g").to_frame()
    pd.testing.assert_frame_equal(out, again, rtol=1e-9, atol=1e-6)
    ok = out[~out["suppressed"]]
    tol = 1e-9 * (1 + ok["value"].abs())
    assert (ok["lower_99_8"] <= ok["lower_95_0"] + tol).all()
    assert (ok["lower_95_0"] <= ok["value"] + tol).all()
    assert (ok["value"] <= ok["upper_95_0"] + tol).all()
    assert (ok["upper_95_0"] <= ok["upper_99_8"] + tol).all()
    assert (ok["sd"] >= 0).all()


def test_agrees_with_phstatsmethods_on_random_data(rng: np.random.Generator) -> None:
    ph = importorskip_peer()
    df = pd.DataFrame({"g": rng.integers(0, 60, 3000), "v": rng.lognormal(3, 1, 3000)})
    ours = healthgap.mean(df, "v", group_by="g").to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.ph_mean(df, "v", "g", confidence=[0.95, 0.998])
    theirs = theirs.sort_values("g").reset_index(drop=True)
    assert ours["count"].tolist() == theirs["value_count"].tolist()
    for ours_col, their_col in [
        ("value", "Value"),
        ("sd", "stdev"),
        ("lower_95_0", "lower_95_ci"),
        ("upper_95_0", "upper_95_ci"),
        ("lower_99_8", "lower_99_8_ci"),
        ("upper_99_8", "upper_99_8_ci"),
    ]:
        np.testing.assert_allclose(ours[ours_col], theirs[their_col], rtol=RTOL)


def test_phstatsmethods_returns_nan_for_a_group_with_a_missing_value() -> None:
    """Peer difference recorded in tests/reference/README.md ("mean")."""
    ph = importorskip_peer()
    df = pd.DataFrame({"g": ["a"] * 4, "v": [1.0, 2.0, np.nan, 4.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.ph_mean(df, "v", "g")
    assert np.isnan(theirs["Value"][0])
    assert healthgap.mean(df, "v", group_by="g").to_frame()["value"][0] == pytest.approx(7 / 3)
