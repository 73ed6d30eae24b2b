"""decompose_gap: Arriaga contributions against scalar references and the exact identity.

References: Arriaga's formula as printed in Preston, Heuveline & Guillot (2001) and
METHODS.md section 12, evaluated in scalar Python on the scalar Chiang life tables of
``tests/stats/test_life_table.py``; and, independently, Andreev's (1982) form
delta_x = [l1_x (e2_x - e1_x) - l1_{x+n} (e2_{x+n} - e1_{x+n})] / l1_0, which is
algebraically the same decomposition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.decompose import arriaga
from tests.conftest import RTOL
from tests.stats.test_life_table import LABELS_20, RATES_20, STARTS_20, reference_life_table

CAUSES = ["cancer", "circulatory", "other"]


def two_populations(
    rng: np.random.Generator, sexes: tuple[str, ...] = ("F",), causes: bool = False
) -> pd.DataFrame:
    """Seeded deaths for a most and a least deprived quintile, optionally by cause."""
    rows = []
    for sex in sexes:
        for quintile, factor in (("Q1", 1.5), ("Q5", 0.8)):
            for label, rate in zip(LABELS_20, RATES_20, strict=True):
                pop = float(rng.integers(20_000, 40_000))
                deaths = float(rng.poisson(rate * factor * pop)) + (1 if label == "90+" else 0)
                base = {"sex": sex, "quintile": quintile, "age": label, "pop": pop}
                if not causes:
                    rows.append({**base, "deaths": deaths})
                    continue
                split = rng.multinomial(int(deaths), [0.3, 0.35, 0.35])
                rows += [
                    {**base, "cause": c, "deaths": float(x)}
                    for c, x in zip(CAUSES, split, strict=True)
                ]
    return pd.DataFrame(rows)


def reference_arriaga(df1: pd.DataFrame, df2: pd.DataFrame) -> tuple[list[float], float]:
    """METHODS.md section 12 in scalar Python; returns contributions and e2_0 - e1_0."""
    t1 = reference_life_table(STARTS_20, list(df1["deaths"]), list(df1["pop"]))
    t2 = reference_life_table(STARTS_20, list(df2["deaths"]), list(df2["pop"]))
    k = len(STARTS_20)
    l1, L1, T1 = t1["l"], t1["L"], t1["T"]
    l2, L2, T2 = t2["l"], t2["L"], t2["T"]
    out = []
    for x in range(k - 1):
        out.append(
            l1[x] / l1[0] * (L2[x] / l2[x] - L1[x] / l1[x])
            + T2[x + 1] / l1[0] * (l1[x] / l2[x] - l1[x + 1] / l2[x + 1])
        )
    out.append(l1[k - 1] / l1[0] * (T2[k - 1] / l2[k - 1] - T1[k - 1] / l1[k - 1]))
    return out, t2["e"][0] - t1["e"][0]


def andreev(df1: pd.DataFrame, df2: pd.DataFrame) -> list[float]:
    t1 = reference_life_table(STARTS_20, list(df1["deaths"]), list(df1["pop"]))
    t2 = reference_life_table(STARTS_20, list(df2["deaths"]), list(df2["pop"]))
    k = len(STARTS_20)
    gain = [t1["l"][x] * (t2["e"][x] - t1["e"][x]) for x in range(k)] + [0.0]
    return [(gain[x] - gain[x + 1]) / t1["l"][0] for x in range(k)]


def test_contributions_match_scalar_arriaga_and_andreev(rng: np.random.Generator) -> None:
    df = two_populations(rng)
    out = healthgap.decompose_gap(
        df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5")
    ).to_frame()
    q1, q5 = df[df["quintile"] == "Q1"], df[df["quintile"] == "Q5"]
    expected, gap = reference_arriaga(q1, q5)
    np.testing.assert_allclose(out["value"], expected, rtol=RTOL, atol=1e-13)
    np.testing.assert_allclose(out["value"], andreev(q1, q5), rtol=1e-9, atol=1e-12)
    assert out["gap"].iloc[0] == pytest.approx(gap, rel=RTOL)
    assert out["value"].sum() == pytest.approx(gap, rel=1e-10)
    np.testing.assert_allclose(out["share_of_gap"], np.array(expected) / gap, rtol=1e-9)
    e1 = reference_life_table(STARTS_20, list(q1["deaths"]), list(q1["pop"]))["e"][0]
    assert out["life_expectancy_1"].iloc[0] == pytest.approx(e1, rel=RTOL)
    assert gap > 0  # the less deprived quintile lives longer


def test_band_with_the_only_difference_carries_the_whole_gap(rng: np.random.Generator) -> None:
    df = two_populations(rng)
    q5 = df["quintile"] == "Q5"
    df.loc[q5, ["deaths", "pop"]] = df.loc[~q5, ["deaths", "pop"]].to_numpy()
    df.loc[q5 & (df["age"] == "70-74"), "deaths"] *= 0.5
    out = healthgap.decompose_gap(
        df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5")
    ).to_frame()
    band = out["age_band"] == "70-74"
    assert out.loc[band, "value"].iloc[0] == pytest.approx(out["gap"].iloc[0], rel=1e-10)
    np.testing.assert_allclose(out.loc[~band, "value"], 0.0, atol=1e-12)


def test_by_cause_sums_to_the_age_contributions(rng: np.random.Generator) -> None:
    df = two_populations(rng, causes=True)
    out = healthgap.decompose_gap(
        df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5"), cause="cause"
    ).to_frame()
    assert list(out.columns[:3]) == ["age", "age_band", "cause"]
    assert len(out) == 20 * 3
    all_cause = (
        df.groupby(["quintile", "age"], sort=False)
        .agg(deaths=("deaths", "sum"), pop=("pop", "first"))
        .reset_index()
    )
    q1, q5 = all_cause[all_cause["quintile"] == "Q1"], all_cause[all_cause["quintile"] == "Q5"]
    expected, gap = reference_arriaga(q1, q5)
    by_band = out.groupby("age", sort=True)["value"].sum().to_numpy()
    np.testing.assert_allclose(by_band, expected, rtol=1e-10, atol=1e-13)
    assert out["value"].sum() == pytest.approx(gap, rel=1e-10)
    # scalar cause split for one band: delta_x (m2c - m1c) / (m2 - m1)
    band = "80-84"
    x = LABELS_20.index(band)
    rows = df[df["age"] == band].set_index(["quintile", "cause"])
    m = {
        (q, c): rows.loc[(q, c), "deaths"] / rows.loc[(q, c), "pop"]
        for q in ("Q1", "Q5")
        for c in CAUSES
    }
    dm = sum(m["Q5", c] for c in CAUSES) - sum(m["Q1", c] for c in CAUSES)
    got = out[out["age_band"] == band].set_index("cause")["value"]
    for c in CAUSES:
        assert got[c] == pytest.approx(expected[x] * (m["Q5", c] - m["Q1", c]) / dm, rel=1e-9)


def test_cause_with_equal_rates_contributes_nothing(rng: np.random.Generator) -> None:
    df = two_populations(rng, causes=True)
    df["pop"] = df.groupby(["age", "cause"])["pop"].transform("first")  # same populations
    other = df["cause"] == "other"
    q1_other = df[other & (df["quintile"] == "Q1")]["deaths"].to_numpy()
    df.loc[other & (df["quintile"] == "Q5"), "deaths"] = q1_other
    out = healthgap.decompose_gap(
        df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5"), cause="cause"
    ).to_frame()
    np.testing.assert_allclose(out.loc[out["cause"] == "other", "value"], 0.0, atol=1e-14)


def test_strata_are_decomposed_separately_in_one_call(rng: np.random.Generator) -> None:
    df = two_populations(rng, sexes=("F", "M"))
    both = healthgap.decompose_gap(
        df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5"), group_by="sex"
    ).to_frame()
    assert list(both.columns[:3]) == ["sex", "age", "age_band"]
    for sex in ("F", "M"):
        one = healthgap.decompose_gap(
            df[df["sex"] == sex], "deaths", "pop", "age", group="quintile",
            comparison=("Q1", "Q5"),
        ).to_frame()  # fmt: skip
        got = both[both["sex"] == sex]
        np.testing.assert_allclose(got["value"], one["value"], rtol=1e-13)


def test_numbers_in_the_group_column_match_text_from_the_cli(rng: np.random.Generator) -> None:
    df = two_populations(rng).replace({"quintile": {"Q1": 1, "Q5": 5}})
    a = healthgap.decompose_gap(df, "deaths", "pop", "age", group="quintile", comparison=(1, 5))
    b = healthgap.decompose_gap(
        pl.from_pandas(df), "deaths", "pop", "age", group="quintile", comparison=("1", "5")
    )
    assert isinstance(b.to_frame(), pl.DataFrame)
    np.testing.assert_allclose(b.to_pandas()["value"], a.to_pandas()["value"], rtol=RTOL)
    assert "quintile 5 minus that of quintile 1" in " ".join(a.notes)


def test_kernel_is_exact_on_a_textbook_style_table() -> None:
    # Two hand-made life tables (radix 1): with l, L, T given, the kernel's sum is e2 - e1.
    l1 = np.array([[1.0, 0.9, 0.5]])
    big_l1 = np.array([[9.5, 14.0, 5.0]])
    l2 = np.array([[1.0, 0.95, 0.7]])
    big_l2 = np.array([[9.75, 16.5, 8.0]])
    t1 = np.cumsum(big_l1[:, ::-1], axis=1)[:, ::-1]
    t2 = np.cumsum(big_l2[:, ::-1], axis=1)[:, ::-1]
    delta = arriaga(l1, big_l1, t1, l2, big_l2, t2)
    # by hand: band 0: 1*(9.75 - 9.5) + 24.5*(1 - 0.9/0.95); band 1:
    # 0.9*(16.5/0.95 - 14/0.9) + 8*(0.9/0.95 - 0.5/0.7); open: 0.5*(8/0.7 - 5/0.5)
    hand = [
        0.25 + 24.5 * (1 - 0.9 / 0.95),
        0.9 * (16.5 / 0.95 - 14 / 0.9) + 8 * (0.9 / 0.95 - 0.5 / 0.7),
        0.5 * (8 / 0.7 - 5 / 0.5),
    ]
    np.testing.assert_allclose(delta[0], hand, rtol=1e-14)
    assert delta.sum() == pytest.approx(t2[0, 0] - t1[0, 0], rel=1e-14)


# --------------------------------------------------------------------------------------
# Suppression and errors
# --------------------------------------------------------------------------------------
def test_stratum_without_one_population_is_suppressed(rng: np.random.Generator) -> None:
    df = two_populations(rng, sexes=("F", "M"))
    df = df[~((df["sex"] == "M") & (df["quintile"] == "Q5"))]
    with pytest.warns(
        SuppressionWarning,
        match=r"decompose_gap: 1 of 2 groups suppressed: quintile Q5 has no rows "
        r"\(1 group, first: sex M\)",
    ):
        out = healthgap.decompose_gap(
            df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5"),
            group_by="sex",
        ).to_frame()  # fmt: skip
    male = out["sex"] == "M"
    assert out.loc[male, ["value", "share_of_gap", "gap"]].isna().all().all()
    assert not out.loc[~male, "suppressed"].any()


def test_life_table_problem_names_the_population(rng: np.random.Generator) -> None:
    df = two_populations(rng)
    df.loc[(df["quintile"] == "Q1") & (df["age"] == "90+"), "deaths"] = 0
    with pytest.warns(
        SuppressionWarning,
        match=r"quintile Q1: no deaths in the open age band \(90\+\) \(1 group, first: all rows",
    ):
        out = healthgap.decompose_gap(
            df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5")
        ).to_frame()
    assert out["suppressed"].all()


@pytest.mark.parametrize(
    ("kwargs", "change", "message"),
    [
        (
            {"comparison": ("Q1", "Q9")},
            None,
            r"comparison must name values of column 'quintile'; got 'Q9', which is not in it "
            r"\(values include: Q1, Q5\)\. Check the spelling\.",
        ),
        (
            {"comparison": ("Q1", "Q1")},
            None,
            r"comparison must name two different values of column 'quintile'; got 'Q1' and 'Q1'",
        ),
        ({"comparison": "Q1"}, None, r"comparison must be a pair of values of column 'quintile'"),
        ({"comparison": ("Q1",)}, None, r"must be a pair of values of column 'quintile'; got 1"),
        ({"group": "imd"}, None, r"group column 'imd' must be in data"),
        (
            {"group_by": "quintile"},
            None,
            r"group_by must not include the group or cause column; got group='quintile'",
        ),
        (
            {"cause": "cause"},
            lambda d: d.assign(pop=d["pop"] + np.where(d["cause"] == "other", 5.0, 0.0)),
            r"population must be the same on every cause row of an age band; got [\d,]+ "
            r"\(cancer\) and [\d,]+ \(other\) in quintile Q1, age band 0\. Repeat the band's "
            r"whole population on each cause row\.",
        ),
        (
            {"cause": "cause"},
            lambda d: d.assign(cause=d["cause"].where(d.index != 7, None)),
            r"cause column 'cause' must name a cause on every row; got an empty value at row 8 "
            r"\(quintile Q1, age 5-9\)",
        ),
        (
            {"cause": "cause"},
            lambda d: d.assign(deaths=d["deaths"].where(d.index != 70, -2.0)),
            r"deaths column 'deaths' must be 0 or more; got 1 negative value \(first: -2 at "
            r"row 71 \(quintile Q5, age 10-14\)\)",
        ),
    ],
)
def test_structural_errors(
    rng: np.random.Generator, kwargs: dict[str, object], change: object, message: str
) -> None:
    df = two_populations(rng, causes=True)
    if change is not None:
        df = change(df)  # type: ignore[operator]
    args: dict[str, object] = {"group": "quintile", "comparison": ("Q1", "Q5")}
    args.update(kwargs)
    if "cause" not in args:
        df = df.groupby(["quintile", "age"], sort=False, as_index=False).agg(
            deaths=("deaths", "sum"), pop=("pop", "first")
        )
    with pytest.raises(InputError, match=message):
        healthgap.decompose_gap(df, "deaths", "pop", "age", **args)  # type: ignore[arg-type]


def test_rows_of_other_groups_are_ignored_and_numbered_as_given(
    rng: np.random.Generator,
) -> None:
    df = two_populations(rng)
    middle = df[df["quintile"] == "Q1"].assign(quintile="Q3", deaths=np.nan)
    mixed = pd.concat([middle, df], ignore_index=True)
    args = {"group": "quintile", "comparison": ("Q1", "Q5")}
    a = healthgap.decompose_gap(df, "deaths", "pop", "age", **args)  # type: ignore[arg-type]
    b = healthgap.decompose_gap(mixed, "deaths", "pop", "age", **args)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    mixed.loc[25, "deaths"] = -1.0  # row 26 of the user's table, a Q1 row
    with pytest.raises(InputError, match=r"at row 26 \(quintile Q1, age 20-24\)"):
        healthgap.decompose_gap(mixed, "deaths", "pop", "age", **args)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.3, 3.0), min_size=40, max_size=40),
    st.lists(st.integers(5_000, 60_000), min_size=40, max_size=40),
)
def test_contributions_sum_exactly_to_the_gap(factors: list[float], pops: list[int]) -> None:
    deaths = [
        float(round(RATES_20[i % 20] * f * p)) + (1.0 if i % 20 == 19 else 0.0)
        for i, (f, p) in enumerate(zip(factors, pops, strict=True))
    ]
    df = pd.DataFrame(
        {
            "quintile": ["Q1"] * 20 + ["Q5"] * 20,
            "age": LABELS_20 * 2,
            "deaths": deaths,
            "pop": [float(p) for p in pops],
        }
    )
    out = healthgap.decompose_gap(
        df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5")
    ).to_frame()
    gap = out["gap"].iloc[0]
    assert abs(out["value"].sum() - gap) <= 1e-10 * max(abs(gap), 1.0)
    assert abs(out["share_of_gap"].sum() - 1.0) <= 1e-9 or abs(gap) < 1e-6
    swapped = healthgap.decompose_gap(
        df, "deaths", "pop", "age", group="quintile", comparison=("Q5", "Q1")
    ).to_frame()
    assert swapped["gap"].iloc[0] == pytest.approx(-gap, rel=1e-12, abs=1e-12)
    shuffled = healthgap.decompose_gap(
        df.iloc[::-1], "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5")
    ).to_frame()
    pd.testing.assert_frame_equal(out, shuffled)


def test_starts_cover_the_usual_layout() -> None:
    assert STARTS_20[-1] == 90
