"""crude_rate: values, limits, frames, suppression, errors and a differential test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.conftest import RTOL
from tests.needs import importorskip_peer


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["E1", "E1", "E2", "E3"],
            "deaths": [40, 25, 0, 7],
            "pop": [60_000, 40_000, 50_000, 20_000],
        }
    )


def test_sums_rows_within_groups_and_scales() -> None:
    out = healthgap.crude_rate(frame(), "deaths", "pop", group_by="area").to_frame()
    assert list(out["area"]) == ["E1", "E2", "E3"]
    np.testing.assert_allclose(out["value"], [65.0, 0.0, 35.0], rtol=RTOL)
    # O = 65 at 95% gives about 50.2 to 82.8 (METHODS.md section 1), per 100,000 here.
    assert out.loc[0, "lower_95_0"] == pytest.approx(50.163, abs=1e-3)
    assert out.loc[0, "upper_95_0"] == pytest.approx(82.849, abs=1e-3)
    assert list(out["method"]) == ["Byar's", "Exact", "Exact"]
    assert not out["suppressed"].any()


def test_zero_count_is_valid() -> None:
    out = healthgap.crude_rate(frame(), "deaths", "pop", group_by="area").to_frame()
    row = out[out["area"] == "E2"].iloc[0]
    assert row["value"] == 0.0
    assert row["lower_95_0"] == 0.0
    assert row["upper_95_0"] == pytest.approx(3.688879 / 50_000 * 100_000, rel=1e-6)


def test_columns_follow_the_schema() -> None:
    result = healthgap.crude_rate(frame(), "deaths", "pop", group_by="area", confidence=0.9)
    assert list(result.to_frame().columns) == [
        "area",
        "count",
        "population",
        "value",
        "lower_90_0",
        "upper_90_0",
        "method",
        "suppressed",
        "suppression_reason",
    ]
    assert result.confidence == (0.9,)
    assert result.multiplier == 100_000
    assert "Byar" in result.method
    assert result.references


def test_polars_in_polars_out() -> None:
    out = healthgap.crude_rate(pl.from_pandas(frame()), "deaths", "pop", group_by="area")
    table = out.to_frame()
    assert isinstance(table, pl.DataFrame)
    assert table["value"].to_list() == pytest.approx([65.0, 0.0, 35.0], rel=RTOL)


def test_no_group_by_gives_one_row() -> None:
    out = healthgap.crude_rate(frame(), "deaths", "pop", multiplier=1000).to_frame()
    assert len(out) == 1
    assert out.loc[0, "value"] == pytest.approx(72 / 170_000 * 1000, rel=RTOL)


def test_zero_population_suppresses_only_that_group() -> None:
    df = frame()
    df.loc[3, "pop"] = 0
    with pytest.warns(
        SuppressionWarning,
        match=r"1 of 3 groups suppressed: population is 0 "
        r"\(1 group, first: area E3\)",
    ):
        out = healthgap.crude_rate(df, "deaths", "pop", group_by="area").to_frame()
    assert out["suppressed"].tolist() == [False, False, True]
    assert out.loc[2, "suppression_reason"] == "population is 0"
    assert np.isnan(out.loc[2, ["value", "lower_95_0", "upper_99_8"]].astype(float)).all()
    assert out.loc[0, "value"] == pytest.approx(65.0)


def test_missing_count_suppresses_group() -> None:
    df = frame()
    df["deaths"] = df["deaths"].astype(float)
    df.loc[1, "deaths"] = np.nan
    with pytest.warns(SuppressionWarning, match="count is missing"):
        out = healthgap.crude_rate(df, "deaths", "pop", group_by="area").to_frame()
    assert out.loc[0, "suppression_reason"] == "count is missing"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": "dead"}, r"count column 'dead' must be in data; got columns \[area, deaths"),
        ({"group_by": "region"}, r"group_by column 'region' must be in data"),
        (
            {"confidence": 1.5},
            r"confidence must be between 0 and 1 \(exclusive\), or a percentage from 50 "
            r"to 100 \(exclusive\); got 1\.5\. Give e\.g\. 0\.95 or 95\.",
        ),
        ({"confidence": (0.95, 0.95)}, r"confidence levels must be distinct"),
        ({"confidence": ()}, r"confidence must name at least one level"),
        ({"confidence": "0.95"}, r"confidence must be a number or a list of numbers"),
        ({"multiplier": 0}, r"multiplier must be a number greater than 0; got 0"),
        ({"group_by": "value"}, r"group_by columns must not use the output column names"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    df = frame()
    df["value"] = 1
    args: dict[str, object] = {"count": "deaths", "population": "pop", "group_by": "area"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.crude_rate(df, **args)  # type: ignore[arg-type]


def test_negative_count_names_row_and_group() -> None:
    df = frame()
    df.loc[2, "deaths"] = -3
    with pytest.raises(
        InputError,
        match=r"count column 'deaths' must be 0 or more; got 1 negative value "
        r"\(first: -3 at row 3 \(area E2\)\)\. Check the source data for sign errors\.",
    ):
        healthgap.crude_rate(df, "deaths", "pop", group_by="area")


def test_text_in_numeric_column_is_named() -> None:
    df = frame().astype({"pop": object})
    df.loc[1, "pop"] = "40,000"
    with pytest.raises(
        InputError,
        match=r"population column 'pop' must hold numbers; got 1 row "
        r"of text \(first: '40,000' at row 2 \(area E1\)\)",
    ):
        healthgap.crude_rate(df, "deaths", "pop", group_by="area")


def test_infinite_population_is_an_error() -> None:
    df = frame().astype({"pop": float})
    df.loc[0, "pop"] = np.inf
    with pytest.raises(InputError, match="must hold finite numbers"):
        healthgap.crude_rate(df, "deaths", "pop", group_by="area")


def test_wrong_data_type_is_an_error() -> None:
    with pytest.raises(InputError, match=r"data must be a pandas or polars DataFrame"):
        healthgap.crude_rate([1, 2], "a", "b")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(1, 10**6)), min_size=1, max_size=30),
    st.randoms(use_true_random=False),
)
def test_results_do_not_depend_on_row_order(rows: list[tuple[int, int]], rnd) -> None:
    df = pd.DataFrame(rows, columns=["o", "n"])
    df["g"] = [i % 4 for i in range(len(df))]
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    a = healthgap.crude_rate(df, "o", "n", group_by="g").to_frame()
    b = healthgap.crude_rate(shuffled, "o", "n", group_by="g").to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    assert (a["lower_95_0"] <= a["value"]).all() and (a["value"] <= a["upper_95_0"]).all()
    assert (a["lower_99_8"] <= a["lower_95_0"]).all()


def test_agrees_with_phstatsmethods_on_random_data(rng: np.random.Generator) -> None:
    """Differential test against the DHSC/OHID Python package (counts >= 1: it rejects 0)."""
    ph = importorskip_peer()
    n = 300
    df = pd.DataFrame(
        {
            "area": [f"A{i:03d}" for i in range(n)],
            "obs": rng.integers(1, 2000, n),
            "pop": rng.integers(1_000, 500_000, n),
        }
    )
    ours = healthgap.crude_rate(df, "obs", "pop", group_by="area").to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.ph_rate(df, "obs", "pop", group_cols="area", confidence=[0.95, 0.998])
    theirs = theirs.sort_values("area").reset_index(drop=True)
    np.testing.assert_allclose(ours["value"], theirs["Value"], rtol=RTOL)
    for ours_col, their_col in [
        ("lower_95_0", "lower_95_ci"),
        ("upper_95_0", "upper_95_ci"),
        ("lower_99_8", "lower_99_8_ci"),
        ("upper_99_8", "upper_99_8_ci"),
    ]:
        np.testing.assert_allclose(ours[ours_col], theirs[their_col], rtol=RTOL)


def test_phstatsmethods_rejects_zero_counts_but_we_do_not() -> None:
    """Documented peer defect (tests/reference/README.md): count 0 raises in ph_rate."""
    ph = importorskip_peer()
    df = pd.DataFrame({"area": ["A"], "obs": [0], "pop": [1000]})
    with pytest.raises(ValueError):
        ph.ph_rate(df, "obs", "pop", group_cols="area")
    assert healthgap.crude_rate(df, "obs", "pop", group_by="area").to_frame()["value"][0] == 0
