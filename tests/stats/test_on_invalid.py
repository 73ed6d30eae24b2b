"""``on_invalid="suppress"``: a group's structural problem suppresses that group only.

For every statistic: the default still raises the structural error; with "suppress" the
bad group is suppressed with its reason, and the other groups equal a call on the clean
rows alone (so the reason never leaks into, or changes, the other groups' numbers).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning

AGES = ["0-29", "30-59", "60+"]
STD = {"0-29": 7498, "30-59": 3219, "60+": 742}


def banded() -> pd.DataFrame:
    rows = []
    for i, area in enumerate(["A", "B", "C"]):
        for j, age in enumerate(AGES):
            rows.append(
                {"area": area, "age": age, "deaths": 20.0 + 7 * i + 30 * j,
                 "pop": 10_000.0 + 1_000 * i - 2_000 * j, "ref_deaths": 100.0 * (j + 1),
                 "ref_pop": 100_000.0}
            )  # fmt: skip
    return pd.DataFrame(rows)


CASES: dict[str, tuple[Callable[..., Any], dict[str, Any], str]] = {
    "crude_rate": (healthgap.crude_rate, {"count": "deaths", "population": "pop"}, "count"),
    "proportion": (
        healthgap.proportion,
        {"numerator": "deaths", "denominator": "pop"},
        "numerator",
    ),
    "mean": (healthgap.mean, {"value": "deaths"}, "value"),
    "dsr": (
        healthgap.dsr,
        {"count": "deaths", "population": "pop", "age": "age", "standard_population": STD},
        "count",
    ),
    "isr": (
        healthgap.isr,
        {
            "count": "deaths",
            "population": "pop",
            "age": "age",
            "ref_count": "ref_deaths",
            "ref_population": "ref_pop",
        },
        "count",
    ),
    "smr": (
        healthgap.smr,
        {
            "count": "deaths",
            "population": "pop",
            "age": "age",
            "ref_count": "ref_deaths",
            "ref_population": "ref_pop",
        },
        "count",
    ),
}


def run(name: str, df: pd.DataFrame, **extra: Any) -> pd.DataFrame:
    fn, kwargs, _ = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        return fn(df, group_by="area", **kwargs, **extra).to_frame()


PROBLEMS = [("x", "is text, not a number"), (np.inf, "is infinite"), (-5.0, "is negative")]


@pytest.mark.parametrize(
    ("name", "bad", "what"),
    [
        (name, bad, what)
        for name in CASES
        for bad, what in PROBLEMS
        if not (name == "mean" and what == "is negative")  # a mean may be of negative values
    ],
)
def test_suppress_turns_a_structural_problem_into_a_suppressed_group(
    name: str, bad: Any, what: str
) -> None:
    df = banded()
    df["deaths"] = df["deaths"].astype(object)
    df.loc[4, "deaths"] = bad  # area B, age 30-59
    with pytest.raises(InputError, match="column 'deaths' must"):
        run(name, df)
    with pytest.warns(SuppressionWarning, match=f"1 of 3 groups suppressed: .*{what}"):
        fn, kwargs, role = CASES[name]
        out = fn(df, group_by="area", on_invalid="suppress", **kwargs).to_frame()
    b = out["area"] == "B"
    assert out.loc[b, "suppression_reason"].item() == f"{role} {what} (column 'deaths')"
    assert np.isnan(out.loc[b, "value"].item()) and out.loc[b, "suppressed"].item()
    clean = run(name, banded()[lambda d: d["area"] != "B"])
    kept = out[~b].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept[clean.columns], clean, check_dtype=False)


def test_numerator_above_denominator_is_a_rule_that_can_suppress() -> None:
    df = pd.DataFrame({"area": ["A", "B"], "x": [5, 12], "n": [10, 10]})
    with pytest.raises(InputError, match=r"numerator column 'x' must be at most"):
        healthgap.proportion(df, "x", "n", group_by="area")
    with pytest.warns(SuppressionWarning, match=r"numerator is above the denominator"):
        out = healthgap.proportion(df, "x", "n", group_by="area", on_invalid="suppress")
    t = out.to_frame()
    assert t["value"].iloc[0] == 0.5 and np.isnan(t["value"].iloc[1])


def test_smr_observed_totals_that_differ_within_a_group() -> None:
    df = banded()
    df["total"] = df.groupby("area")["deaths"].transform("sum")
    df.loc[4, "total"] += 1
    kwargs = {"count": "total", "population": "pop", "age": "age", "ref_count": "ref_deaths",
              "ref_population": "ref_pop", "group_by": "area", "observed_total": True}  # fmt: skip
    with pytest.raises(InputError, match=r"must hold the same all-age total"):
        healthgap.smr(df, **kwargs)
    with pytest.warns(SuppressionWarning, match=r"count differs between the rows"):
        out = healthgap.smr(df, on_invalid="suppress", **kwargs).to_frame()
    assert list(out["suppressed"]) == [False, True, False]


@pytest.mark.parametrize("name", list(CASES))
def test_on_invalid_is_validated(name: str) -> None:
    fn, kwargs, _ = CASES[name]
    with pytest.raises(InputError, match=r"on_invalid must be one of 'raise', 'suppress'"):
        fn(banded(), on_invalid="skip", **kwargs)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=3, max_size=3), st.sampled_from(list(CASES)))
def test_suppress_equals_raise_on_clean_data(counts: list[int], name: str) -> None:
    df = banded()
    df.loc[[0, 4, 8], "deaths"] = counts
    pd.testing.assert_frame_equal(run(name, df), run(name, df, on_invalid="suppress"))


def test_gap_and_welfare_indices_take_on_invalid_too() -> None:
    df = pd.DataFrame({"area": ["A"] * 3 + ["B"] * 3, "region": list("xyz") * 2,
                       "le": [80.0, 78.0, 75.0, 81.0, -1.0, 76.0], "se": 0.5,
                       "pop": [100.0, 200.0, 300.0] * 2})  # fmt: skip
    df.loc[4, "se"] = -0.5
    with pytest.raises(InputError, match=r"se column 'se' must be 0 or more"):
        healthgap.gap(df, "le", "region", group_by="area", se="se")
    with pytest.warns(SuppressionWarning, match=r"se is negative"):
        out = healthgap.gap(df, "le", "region", group_by="area", se="se",
                            on_invalid="suppress").to_frame()  # fmt: skip
    assert out["suppressed"].tolist() == [False, True]
    clean = healthgap.gap(df[df["area"] == "A"], "le", "region", group_by="area", se="se")
    pd.testing.assert_frame_equal(out.iloc[[0]], clean.to_frame())
    with pytest.raises(InputError, match=r"must be greater than 0 for the Atkinson index"):
        healthgap.atkinson(df, "le", "pop", group_by="area")
    with pytest.warns(SuppressionWarning, match=r"value is 0 or less"):
        at = healthgap.atkinson(df, "le", "pop", group_by="area", on_invalid="suppress")
    alone = healthgap.atkinson(df[df["area"] == "A"], "le", "pop", group_by="area")
    pd.testing.assert_frame_equal(at.to_frame().iloc[[0]], alone.to_frame())
    with pytest.warns(SuppressionWarning, match=r"population is negative"):
        kolm = healthgap.kolm(df.assign(pop=[100.0, -1, 300, 100, 200, 300]), "le", "pop",
                              group_by="area", on_invalid="suppress").to_frame()  # fmt: skip
    assert kolm["suppression_reason"].tolist()[0] == "population is negative (column 'pop')"


def quintiles(limits: bool = False) -> pd.DataFrame:
    """Three areas by deprivation quintile: estimates (percentages), populations, SEs."""
    rows = []
    for i, area in enumerate(["A", "B", "C"]):
        for q in range(1, 6):
            est, se = 50.0 + 4 * q + 3 * i, 1.0 + 0.1 * q
            rows.append({"area": area, "q": q, "est": est, "pop": 1000.0 + 150 * q + 40 * i,
                         "se": se, "lo": est - 1.96 * se, "hi": est + 1.96 * se})  # fmt: skip
    df = pd.DataFrame(rows)
    return df.drop(columns=["se"] if limits else ["lo", "hi"])


#: Measures with closed-form limits, so the other groups do not depend on the batch's draws.
HEAT_ANALYTIC = ["D", "R", "ACI", "RCI"]

# column, bad value, reason, extra arguments, raise message
HEAT_PROBLEMS = [
    ("est", "x", "value is text, not a number (column 'est')", {}, "column 'est' must hold"),
    ("est", np.inf, "value is infinite (column 'est')", {}, "column 'est' must hold finite"),
    ("pop", -5.0, "population is negative (column 'pop')", {}, "column 'pop' must be 0 or"),
    ("se", -0.5, "se is negative (column 'se')", {}, "column 'se' must be 0 or more"),
    ("q", 2.5, "order is not a whole-number rank (column 'q')", {}, "whole-number rank"),
    (
        "est",
        120.0,
        "value is outside 0 to proportion_scale 100 (column 'est')",
        {"proportion_scale": 100},
        r"must lie between 0 and proportion_scale \(100\)",
    ),
    (
        "lo",
        99.0,
        "upper is below lower (columns 'hi', 'lo')",
        {"lower": "lo", "upper": "hi"},
        "upper column 'hi' must be at least lower column 'lo'",
    ),
]


def heat(df: pd.DataFrame, quiet: bool = True, **extra: Any) -> pd.DataFrame:
    se: dict[str, Any] = {} if "lower" in extra else {"se": "se"}
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", SuppressionWarning)
        return healthgap.inequality_measures(
            df, "est", "pop", "q", group_by="area", favourable=True, ordered=True, order="q",
            measures=HEAT_ANALYTIC, **se, **extra,
        ).to_frame()  # fmt: skip


@pytest.mark.parametrize(("column", "bad", "reason", "extra", "message"), HEAT_PROBLEMS)
def test_inequality_measures_suppress_one_bad_group(
    column: str, bad: Any, reason: str, extra: dict[str, Any], message: str
) -> None:
    df = quintiles(limits="lower" in extra)
    df[column] = df[column].astype(object)
    df.loc[7, column] = bad  # area B, quintile 3
    with pytest.raises(InputError, match=message):
        heat(df, **extra)
    with pytest.warns(SuppressionWarning, match="4 of 12 rows suppressed"):
        out = heat(df, quiet=False, on_invalid="suppress", **extra)
    b = out["area"] == "B"
    assert (out.loc[b, "suppression_reason"] == reason).all()
    assert out.loc[b, "suppressed"].all() and out.loc[b, "value"].isna().all()
    full = quintiles(limits="lower" in extra)
    clean = heat(full[full["area"] != "B"], **extra)
    kept = out[~b].reset_index(drop=True)
    assert not kept["suppressed"].any()
    pd.testing.assert_frame_equal(kept[clean.columns], clean, check_dtype=False, rtol=1e-12)


def test_inequality_measures_suppress_equals_raise_on_clean_data() -> None:
    df = quintiles()
    pd.testing.assert_frame_equal(heat(df), heat(df, on_invalid="suppress"))
    with pytest.raises(InputError, match=r"on_invalid must be one of 'raise', 'suppress'"):
        heat(df, on_invalid="skip")
