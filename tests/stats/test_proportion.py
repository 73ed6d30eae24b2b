"""proportion: published values, an independent formula, a peer, suppression and errors.

Sources of reference values: tests/reference/README.md ("proportion").
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.conftest import RTOL
from tests.needs import importorskip_peer


def wilson_scalar(x: float, n: float, confidence: float) -> tuple[float, float]:
    """METHODS.md section 2, written out one proportion at a time."""
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    denom = 2 * (n + z * z)
    return (2 * x + z * z - root) / denom, (2 * x + z * z + root) / denom


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["E1", "E1", "E2", "E3"],
            "smokers": [50, 31, 15, 0],
            "adults": [150, 113, 148, 20],
        }
    )


@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [
        # Newcombe (1998) Table I, method 3 (score method without continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_matches_newcombe_1998_table_1(x: int, n: int, lower: float, upper: float) -> None:
    df = pd.DataFrame({"x": [x], "n": [n]})
    out = healthgap.proportion(df, "x", "n", confidence=0.95).to_frame()
    assert out.loc[0, "value"] == pytest.approx(x / n, rel=RTOL)
    assert out.loc[0, "lower_95_0"] == pytest.approx(lower, abs=5e-5)
    assert out.loc[0, "upper_95_0"] == pytest.approx(upper, abs=5e-5)


def test_sums_rows_within_groups_and_scales() -> None:
    out = healthgap.proportion(frame(), "smokers", "adults", group_by="area", multiplier=100)
    table = out.to_frame()
    assert list(table["area"]) == ["E1", "E2", "E3"]
    assert list(table["numerator"]) == [81, 15, 0]
    assert list(table["denominator"]) == [263, 148, 20]
    np.testing.assert_allclose(table["value"], [8100 / 263, 1500 / 148, 0.0], rtol=RTOL)
    for c, label in [(0.95, "95_0"), (0.998, "99_8")]:
        ref = [wilson_scalar(x, n, c) for x, n in [(81, 263), (15, 148), (0, 20)]]
        np.testing.assert_allclose(table[f"lower_{label}"], [100 * r[0] for r in ref], rtol=RTOL)
        np.testing.assert_allclose(table[f"upper_{label}"], [100 * r[1] for r in ref], rtol=RTOL)
    assert table.loc[2, "lower_95_0"] == 0.0
    assert out.statistic == "Proportion (%)"
    assert out.method == "Wilson score"
    assert out.multiplier == 100
    assert out.references


def test_columns_follow_the_schema() -> None:
    result = healthgap.proportion(frame(), "smokers", "adults", group_by="area", confidence=0.9)
    assert list(result.to_frame().columns) == [
        "area",
        "numerator",
        "denominator",
        "value",
        "lower_90_0",
        "upper_90_0",
        "suppressed",
        "suppression_reason",
    ]
    assert result.confidence == (0.9,)
    assert result.statistic == "Proportion"


@pytest.mark.parametrize("multiplier", [1, 100, 1000, 0.5])
def test_any_positive_multiplier_scales_value_and_limits(multiplier: float) -> None:
    base = healthgap.proportion(frame(), "smokers", "adults", group_by="area").to_frame()
    out = healthgap.proportion(
        frame(), "smokers", "adults", group_by="area", multiplier=multiplier
    ).to_frame()
    for c in ["value", "lower_95_0", "upper_99_8"]:
        np.testing.assert_allclose(out[c], base[c] * multiplier, rtol=RTOL)
    if multiplier == 1000:
        assert healthgap.proportion(frame(), "smokers", "adults", multiplier=1000).statistic == (
            "Proportion per 1,000"
        )


def test_all_and_none_give_limits_inside_zero_to_multiplier() -> None:
    df = pd.DataFrame({"g": ["all", "none"], "x": [40, 0], "n": [40, 40]})
    out = healthgap.proportion(df, "x", "n", group_by="g", multiplier=100).to_frame()
    assert out.loc[0, "upper_95_0"] == 100.0
    assert out.loc[0, "upper_99_8"] == 100.0
    assert out.loc[1, "lower_95_0"] == 0.0
    assert out.loc[1, "lower_99_8"] == 0.0
    assert 90 < out.loc[0, "lower_95_0"] < 100
    assert 0 < out.loc[1, "upper_95_0"] < 10


def test_polars_and_arrow_in_same_kind_out() -> None:
    out = healthgap.proportion(pl.from_pandas(frame()), "smokers", "adults", group_by="area")
    table = out.to_frame()
    assert isinstance(table, pl.DataFrame)
    assert table["value"].to_list() == pytest.approx([81 / 263, 15 / 148, 0.0], rel=RTOL)
    arrow = healthgap.proportion(pa.Table.from_pandas(frame()), "smokers", "adults")
    assert isinstance(arrow.to_frame(), pa.Table)


def test_zero_denominator_suppresses_only_that_group() -> None:
    df = pd.DataFrame({"area": ["A", "B", "C"], "x": [5, 0, 7], "n": [10, 0, 20]})
    with pytest.warns(
        SuppressionWarning,
        match=r"proportion: 1 of 3 groups suppressed: denominator is 0 "
        r"\(1 group, first: area B\)",
    ):
        out = healthgap.proportion(df, "x", "n", group_by="area").to_frame()
    assert out["suppressed"].tolist() == [False, True, False]
    assert out.loc[1, "suppression_reason"] == "denominator is 0"
    assert np.isnan(out.loc[1, ["value", "lower_95_0", "upper_99_8"]].astype(float)).all()
    assert out.loc[0, "value"] == 0.5


def test_missing_cells_suppress_their_group() -> None:
    df = pd.DataFrame({"area": ["A", "A", "B", "C"], "x": [5, np.nan, 3, 4], "n": [10, 8, 9, 9]})
    df.loc[3, "n"] = np.nan
    with pytest.warns(SuppressionWarning, match="numerator is missing.*denominator is missing"):
        out = healthgap.proportion(df, "x", "n", group_by="area").to_frame()
    assert out["suppression_reason"].tolist() == [
        "numerator is missing",
        None,
        "denominator is missing",
    ]
    assert out.loc[1, "value"] == pytest.approx(3 / 9, rel=RTOL)


def test_numerator_larger_than_denominator_names_the_row() -> None:
    df = frame()
    df.loc[2, "smokers"] = 150
    df.loc[3, "smokers"] = 21
    with pytest.raises(
        InputError,
        match=r"numerator column 'smokers' must be at most the denominator column 'adults'; "
        r"got 2 rows where it is larger \(first: 150 > 148 at row 3 \(area E2\)\)\. "
        r"Check that the columns are not swapped",
    ):
        healthgap.proportion(df, "smokers", "adults", group_by="area")


def test_numerator_with_zero_denominator_row_is_an_error_not_suppression() -> None:
    df = pd.DataFrame({"x": [3], "n": [0]})
    with pytest.raises(InputError, match=r"got 1 row where it is larger \(first: 3 > 0 at row 1"):
        healthgap.proportion(df, "x", "n")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numerator": "smoker"}, r"numerator column 'smoker' must be in data; got columns"),
        ({"denominator": "adult"}, r"denominator column 'adult' must be in data"),
        ({"group_by": "region"}, r"group_by column 'region' must be in data"),
        ({"multiplier": 0}, r"multiplier must be a number greater than 0; got 0\. "),
        ({"multiplier": "100"}, r"multiplier must be a number greater than 0; got '100'"),
        ({"confidence": 150}, r"confidence must be between 0 and 1 \(exclusive\), or a"),
        ({"group_by": "value"}, r"group_by columns must not use the output column names"),
        ({"group_by": "numerator"}, r"output column names \['numerator'\]"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    df = frame()
    df["value"] = 1
    df["numerator"] = 1
    args: dict[str, object] = {"numerator": "smokers", "denominator": "adults", "group_by": "area"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.proportion(df, **args)  # type: ignore[arg-type]


def test_negative_text_and_infinite_values_are_errors() -> None:
    df = frame()
    df.loc[1, "smokers"] = -1
    with pytest.raises(
        InputError,
        match=r"numerator column 'smokers' must be 0 or more; got 1 negative value "
        r"\(first: -1 at row 2 \(area E1\)\)",
    ):
        healthgap.proportion(df, "smokers", "adults", group_by="area")
    df = frame().astype({"adults": object})
    df.loc[0, "adults"] = "1,500"
    with pytest.raises(InputError, match=r"denominator column 'adults' must hold numbers"):
        healthgap.proportion(df, "smokers", "adults", group_by="area")
    df = frame().astype({"adults": float})
    df.loc[0, "adults"] = np.inf
    with pytest.raises(InputError, match=r"denominator column 'adults' must hold finite"):
        healthgap.proportion(df, "smokers", "adults", group_by="area")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.integers(1, 10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from([1, 100]),
    st.randoms(use_true_random=False),
)
def test_properties(rows: list[tuple[int, int]], multiplier: int, rnd) -> None:
    df = pd.DataFrame(rows, columns=["x", "n"])
    df["g"] = [i % 3 for i in range(len(df))]
    out = healthgap.proportion(df, "x", "n", group_by="g", multiplier=multiplier).to_frame()
    assert (out["lower_99_8"] <= out["lower_95_0"]).all()
    assert (out["lower_95_0"] <= out["value"] * (1 + 1e-12)).all()
    assert (out["value"] <= out["upper_95_0"] * (1 + 1e-12)).all()
    assert (out["upper_95_0"] <= out["upper_99_8"]).all()
    assert (out["lower_99_8"] >= 0).all() and (out["upper_99_8"] <= multiplier).all()
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    again = healthgap.proportion(shuffled, "x", "n", group_by="g", multiplier=multiplier)
    pd.testing.assert_frame_equal(out, again.to_frame(), rtol=1e-12)


@pytest.mark.parametrize("multiplier", [1, 100])
def test_agrees_with_phstatsmethods_on_random_data(
    rng: np.random.Generator, multiplier: int
) -> None:
    ph = importorskip_peer()
    n = 400
    df = pd.DataFrame({"area": [f"A{i:03d}" for i in range(n)], "n": rng.integers(1, 20_000, n)})
    df["x"] = rng.binomial(df["n"], rng.uniform(0, 1, n))
    df.loc[:9, "x"] = 0  # both ends of the scale
    df.loc[10:19, "x"] = df.loc[10:19, "n"]
    ours = healthgap.proportion(df, "x", "n", group_by="area", multiplier=multiplier).to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.ph_proportion(
            df, "x", "n", "area", confidence=[0.95, 0.998], multiplier=multiplier
        )
    theirs = theirs.sort_values("area").reset_index(drop=True)
    for ours_col, their_col in [
        ("value", "Value"),
        ("lower_95_0", "lower_95_ci"),
        ("upper_95_0", "upper_95_ci"),
        ("lower_99_8", "lower_99_8_ci"),
        ("upper_99_8", "upper_99_8_ci"),
    ]:
        np.testing.assert_allclose(ours[ours_col], theirs[their_col], rtol=RTOL, atol=1e-15)


def test_phstatsmethods_rejects_a_zero_denominator_but_we_suppress_the_group() -> None:
    """Peer difference recorded in tests/reference/README.md ("proportion")."""
    ph = importorskip_peer()
    df = pd.DataFrame({"area": ["A", "B"], "x": [5, 0], "n": [10, 0]})
    with pytest.raises(ValueError, match="Denominators must be greater than zero"):
        ph.ph_proportion(df, "x", "n", "area")
    with pytest.warns(SuppressionWarning, match="denominator is 0"):
        out = healthgap.proportion(df, "x", "n", group_by="area").to_frame()
    assert out["value"].tolist()[0] == 0.5
