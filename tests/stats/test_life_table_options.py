"""life_expectancy options: the declared open band (``open_from``) and ``on_invalid``.

Expected values come from the independent scalar reference of METHODS.md section 7
(``reference_life_table`` in test_life_table.py), never from healthgap itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.age_bands import AgeBand, band_starts
from tests.conftest import RTOL
from tests.stats.test_life_table import (
    LABELS_20,
    STARTS_20,
    area_frame,
    check_against_reference,
    reference_life_table,
)

STARTS_85 = STARTS_20[:-1]  # 0, 1, 5, ..., 85: no 90 row


def le(df: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    return healthgap.life_expectancy(df, "deaths", "pop", "age", **kwargs).to_frame()  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# open_from
# --------------------------------------------------------------------------------------
def test_group_without_the_90_row_is_suppressed_not_closed_at_85(
    rng: np.random.Generator,
) -> None:
    df = area_frame(rng, n_areas=3)
    df = df[~((df["area"] == "E01") & (df["age"] == 90))]  # E01 stops at 85
    with pytest.warns(
        SuppressionWarning,
        match=r"no row for the open age band 90\+ \(open_from=90\) \(20 rows, first: area E01",
    ):
        out = le(df, group_by="area")
    bad = out["area"] == "E01"
    assert out.loc[bad, "suppressed"].all() and out.loc[bad, "value"].isna().all()
    assert set(out.loc[bad, "suppression_reason"]) == {
        "no row for the open age band 90+ (open_from=90)"
    }
    check_against_reference(out[~bad], df[df["area"] != "E01"], STARTS_20)


def test_one_group_without_the_open_band_raises_naming_the_band(
    rng: np.random.Generator,
) -> None:
    df = area_frame(rng, n_areas=1, starts=STARTS_85, rates=[0.004] * 19)
    with pytest.raises(
        InputError,
        match=r"age column 'age' must have a row for the open age band 90\+ \(open_from=90\), "
        r"since its ages are band starts; got band starts up to 85 in every group\. Pass "
        r"open_from=85 if 85\+ is your open band",
    ):
        le(df)


def test_declared_open_band_85_matches_the_reference(rng: np.random.Generator) -> None:
    rates = list(np.interp(STARTS_85, STARTS_20, [0.004, *[0.001] * 17, 0.07, 0.26]))
    df = area_frame(rng, n_areas=2, starts=STARTS_85, rates=rates)
    out = le(df, group_by="area", open_from=85)
    check_against_reference(out, df, STARTS_85)
    assert out["age_band"].iloc[18] == "85+"


def test_on_invalid_suppress_suppresses_every_group_when_none_has_the_open_band(
    rng: np.random.Generator,
) -> None:
    df = area_frame(rng, n_areas=2, starts=STARTS_85, rates=[0.004] * 19)
    with pytest.warns(SuppressionWarning, match=r"40 of 40 rows suppressed: no row for"):
        out = le(df, group_by="area", on_invalid="suppress")
    assert out["suppressed"].all()


def test_band_start_above_the_open_band_is_an_error(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=1, starts=[*STARTS_20, 95], rates=[*[0.004] * 20, 0.3])
    with pytest.raises(
        InputError,
        match=r"age column 'age' must not start a band above the open band 90\+ "
        r"\(open_from=90\); got band starts 95\. Pass open_from=95 if 95\+ is your open band",
    ):
        le(df)
    out = le(df, open_from=95)  # declared: 90-94 and 95+
    assert list(out["age_band"].iloc[-2:]) == ["90-94", "95+"]


def test_text_labels_declare_their_own_open_band(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2, starts=STARTS_85, rates=[0.004] * 18 + [0.2])
    df["age"] = df["age"].map(dict(zip(STARTS_85, [*LABELS_20[:-2], "85+"], strict=True)))
    out = le(df, group_by="area")  # open_from=90 is not used for labels
    df["age"] = np.tile(STARTS_85, 2)
    check_against_reference(out, df, STARTS_85)


@pytest.mark.parametrize("bad", [0, -5, 89.5, "90", True])
def test_open_from_must_be_a_whole_number(rng: np.random.Generator, bad: object) -> None:
    df = area_frame(rng, n_areas=1)
    with pytest.raises(InputError, match=r"open_from must be a whole number of at least 1"):
        le(df, open_from=bad)


def test_band_starts_fills_the_band_below_a_missing_open_row() -> None:
    assert band_starts(pd.Series([0, 1, 5]), "age", open_from=10) == [
        AgeBand(0, 0),
        AgeBand(1, 4),
        AgeBand(5, 9),
    ]


def test_hle_and_decomposition_take_open_from(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2)
    df = df[~((df["area"] == "E01") & (df["age"] == 90))]
    df["unhealthy"] = 0.2
    df["n"] = 500.0
    with pytest.warns(SuppressionWarning, match=r"no row for the open age band 90\+"):
        out = healthgap.healthy_life_expectancy(
            df, "deaths", "pop", "age", unhealthy_proportion="unhealthy", sample_size="n",
            group_by="area",
        ).to_frame()  # fmt: skip
    assert out.loc[out["area"] == "E01", "suppressed"].all()
    assert not out.loc[out["area"] == "E00", "suppressed"].any()
    with pytest.raises(InputError, match=r"open age band 90\+ \(open_from=90\)"):
        healthgap.decompose_gap(
            df[df["area"] == "E01"].assign(q=["Q1", "Q5"] * 9 + ["Q1"]).iloc[:0].pipe(
                lambda d: pd.concat([df[df["area"] == "E01"].assign(q=q) for q in ("Q1", "Q5")])
            ),
            "deaths", "pop", "age", group="q", comparison=("Q1", "Q5"),
        )  # fmt: skip
    gap = healthgap.decompose_gap(
        pd.concat([df[df["area"] == "E01"].assign(q=q) for q in ("Q1", "Q5")]),
        "deaths", "pop", "age", group="q", comparison=("Q1", "Q5"), open_from=85,
    ).to_frame()  # fmt: skip
    assert gap["age_band"].iloc[-1] == "85+"


# --------------------------------------------------------------------------------------
# on_invalid
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "bad", "reason"),
    [
        ("deaths", -3.0, "deaths is negative (column 'deaths')"),
        ("pop", np.inf, "population is infinite (column 'pop')"),
        ("pop", "n/a", "population is text, not a number (column 'pop')"),
    ],
)
def test_on_invalid_suppress_keeps_the_other_groups(
    rng: np.random.Generator, column: str, bad: object, reason: str
) -> None:
    df = area_frame(rng, n_areas=3)
    if isinstance(bad, str):
        df[column] = df[column].astype(object)
    df.loc[(df["area"] == "E02") & (df["age"] == 40), column] = bad
    with pytest.raises(InputError):
        le(df, group_by="area")  # the default stays "raise"
    with pytest.warns(SuppressionWarning, match=r"1 of 3|20 of 60"):
        out = le(df, group_by="area", on_invalid="suppress")
    hit = out["area"] == "E02"
    assert set(out.loc[hit, "suppression_reason"]) == {reason}
    assert out.loc[hit, "value"].isna().all()
    clean = df[df["area"] != "E02"].astype({column: float})
    check_against_reference(out[~hit], clean, STARTS_20)


def test_on_invalid_must_be_raise_or_suppress(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=1)
    with pytest.raises(
        InputError, match=r"on_invalid must be one of 'raise', 'suppress'; got 'ignore'\."
    ):
        le(df, on_invalid="ignore")


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_suppress_changes_nothing_on_clean_data(seed: int) -> None:
    df = area_frame(np.random.default_rng(seed), n_areas=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        a = le(df, group_by="area")
        b = le(df, group_by="area", on_invalid="suppress")
    pd.testing.assert_frame_equal(a, b)


def test_reference_helper_is_independent() -> None:
    # One open band: e = 1/M exactly (T = l/M), whatever healthgap does.
    ref = reference_life_table([0], [400.0], [32_000.0])
    assert ref["e"][0] == pytest.approx(80.0, rel=RTOL)
