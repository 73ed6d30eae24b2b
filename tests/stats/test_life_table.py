"""life_expectancy: Chiang II / Silcocks life tables against an independent scalar reference.

The reference (``reference_life_table``) is METHODS.md section 7 written out step by step
in plain Python floats, one band at a time, independently of healthgap's vectorised code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.age_bands import AgeBand, band_starts
from tests.conftest import RTOL

Z95 = 1.959963984540054
Z998 = 3.090232306167813

#: The usual English layout: 0, 1-4, 5-9, ..., 85-89, 90+ (20 bands).
STARTS_20 = [0, 1, *range(5, 95, 5)]
LABELS_20 = ["0", "1-4", *(f"{s}-{s + 4}" for s in range(5, 90, 5)), "90+"]
#: Death rates per person-year roughly like England (not a reference, just realistic input).
RATES_20 = [
    0.0040, 0.00012, 0.00008, 0.0001, 0.0003, 0.0004, 0.0005, 0.0007, 0.0010, 0.0015,
    0.0023, 0.0035, 0.0055, 0.0090, 0.0140, 0.0230, 0.0400, 0.0700, 0.1300, 0.2600,
]  # fmt: skip


# --------------------------------------------------------------------------------------
# Independent scalar reference: METHODS.md section 7, one band at a time.
# --------------------------------------------------------------------------------------
def reference_life_table(
    starts: list[int], deaths: list[float], pops: list[float]
) -> dict[str, list[float]]:
    """Chiang II abridged life table with Silcocks' final band, in scalar Python."""
    k = len(starts)
    m = [deaths[i] / pops[i] for i in range(k)]
    n = [starts[i + 1] - starts[i] for i in range(k - 1)] + [2.0 / m[k - 1]]
    a = [0.5] * k
    if starts[0] == 0 and k > 1 and starts[1] == 1:
        a[0] = 0.1  # the infant band, age 0 only
    q = []
    for i in range(k - 1):
        if deaths[i] <= pops[i] / n[i] / a[i]:
            q.append(m[i] * n[i] / (1 + m[i] * n[i] * (1 - a[i])))
        else:
            q.append(1.0)
    q.append(1.0)
    survivors = [100_000.0]
    for i in range(k):
        survivors.append(survivors[i] * (1 - q[i]))
    d = [survivors[i] - survivors[i + 1] for i in range(k)]
    big_l = [n[i] * (survivors[i + 1] + a[i] * d[i]) for i in range(k - 1)]
    big_l.append(survivors[k - 1] / m[k - 1])
    t = [sum(big_l[i:]) for i in range(k)]
    e = [t[i] / survivors[i] for i in range(k)]
    var_q = [q[i] ** 2 * (1 - q[i]) / deaths[i] if deaths[i] > 0 else 0.0 for i in range(k)]
    w = [var_q[i] * survivors[i] ** 2 * ((1 - a[i]) * n[i] + e[i + 1]) ** 2 for i in range(k - 1)]
    var_open = 4.0 / (deaths[k - 1] * m[k - 1] ** 2)
    w.append((survivors[k - 1] / 2) ** 2 * var_open)
    se = [math.sqrt(sum(w[i:])) / survivors[i] for i in range(k)]
    return {
        "n": n,
        "m": m,
        "a": a,
        "q": q,
        "l": survivors[:k],
        "d": d,
        "L": big_l,
        "T": t,
        "e": e,
        "se": se,
    }


def area_frame(
    rng: np.random.Generator,
    n_areas: int = 4,
    starts: list[int] = STARTS_20,
    rates: list[float] = RATES_20,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Seeded synthetic areas: Poisson deaths from realistic rates and populations."""
    widths = np.diff([*starts, starts[-1] + 10])
    rows = []
    for area in range(n_areas):
        factor = rng.uniform(0.7, 1.4)
        for s, width, rate in zip(starts, widths, rates, strict=True):
            pop = float(rng.integers(1_500, 3_000) * width * scale)
            rows.append(
                {
                    "area": f"E{area:02d}",
                    "age": s,
                    "deaths": float(rng.poisson(rate * factor * pop)),
                    "pop": pop,
                }
            )
    df = pd.DataFrame(rows)
    # make sure every open band has deaths
    df.loc[df["age"] == starts[-1], "deaths"] += 1
    return df


def check_against_reference(out: pd.DataFrame, df: pd.DataFrame, starts: list[int]) -> None:
    for area, rows in df.groupby("area"):
        rows = rows.sort_values("age")
        ref = reference_life_table(starts, list(rows["deaths"]), list(rows["pop"]))
        got = out[out["area"] == area]
        np.testing.assert_allclose(got["value"], ref["e"], rtol=RTOL)
        lower = [e - Z95 * s for e, s in zip(ref["e"], ref["se"], strict=True)]
        upper = [e + Z998 * s for e, s in zip(ref["e"], ref["se"], strict=True)]
        np.testing.assert_allclose(got["lower_95_0"], lower, rtol=RTOL)
        np.testing.assert_allclose(got["upper_99_8"], upper, rtol=RTOL)


# --------------------------------------------------------------------------------------
# Values and limits
# --------------------------------------------------------------------------------------
def test_twenty_bands_match_scalar_reference(rng: np.random.Generator) -> None:
    df = area_frame(rng)
    out = healthgap.life_expectancy(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert len(out) == 4 * 20
    assert not out["suppressed"].any()
    check_against_reference(out, df, STARTS_20)
    # e0 of these synthetic areas is realistic (England is about 79-83)
    assert out.loc[out["age"] == 0, "value"].between(70, 90).all()


def test_life_table_columns_match_reference(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=1)
    out = healthgap.life_expectancy(df, "deaths", "pop", "age", life_table=True).to_frame()
    ref = reference_life_table(STARTS_20, list(df["deaths"]), list(df["pop"]))
    for name, key in [
        ("interval_width", "n"),
        ("mortality_rate", "m"),
        ("separation_factor", "a"),
        ("death_probability", "q"),
        ("survivors", "l"),
        ("life_table_deaths", "d"),
        ("person_years", "L"),
        ("person_years_remaining", "T"),
        ("standard_error", "se"),
    ]:
        np.testing.assert_allclose(out[name], ref[key], rtol=RTOL, err_msg=name)
    assert out.loc[0, "separation_factor"] == 0.1
    assert out.loc[19, "death_probability"] == 1.0


FIVES_85 = [f"{s}-{s + 4}" for s in range(5, 85, 5)]
TENS_90 = [f"{s} to {s + 9}" for s in range(10, 90, 10)]


@pytest.mark.parametrize(
    ("starts", "labels"),
    [
        ([0, *range(5, 90, 5)], ["0-4", *FIVES_85, "85+"]),
        ([0, 1, *range(5, 90, 5)], ["<1", "1-4", *FIVES_85, "85+"]),
        ([0, 1, *range(5, 100, 5)], None),  # plain band starts up to 95+
        ([0, *range(10, 100, 10)], ["0-9", *TENS_90, "90 and over"]),
        ([65, 70, 75, 80, 85, 90], ["65-69", "70-74", "75-79", "80-84", "85-89", "90+"]),
    ],
)
def test_any_band_layout_with_open_final_band(
    rng: np.random.Generator, starts: list[int], labels: list[str] | None
) -> None:
    rates = list(np.interp(starts, STARTS_20, RATES_20))
    df = area_frame(rng, n_areas=3, starts=starts, rates=rates, scale=3.0)
    if labels is not None:
        df["age"] = df["age"].map(dict(zip(starts, labels, strict=True)))
    # Plain band starts declare their open band with open_from; labels declare their own.
    out = healthgap.life_expectancy(
        df, "deaths", "pop", "age", group_by="area", open_from=starts[-1]
    ).to_frame()
    df["age"] = np.tile(starts, 3)
    check_against_reference(out, df, starts)
    assert list(out["age"][: len(starts)]) == starts
    assert out["age_band"].iloc[len(starts) - 1].endswith("+")


def test_labels_and_plain_starts_give_the_same_result(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2)
    by_start = healthgap.life_expectancy(df, "deaths", "pop", "age", group_by="area")
    labelled = df.assign(age=df["age"].map(dict(zip(STARTS_20, LABELS_20, strict=True))))
    by_label = healthgap.life_expectancy(labelled, "deaths", "pop", "age", group_by="area")
    pd.testing.assert_frame_equal(by_start.to_frame(), by_label.to_frame())
    assert list(by_label.to_frame()["age_band"][:20]) == LABELS_20


def test_single_open_band_is_one_over_the_rate() -> None:
    # With one open band: e = T/l = (l/M)/l = 1/M and SE = sqrt((l/2)^2 4/(D M^2))/l
    df = pd.DataFrame({"age": ["0+"], "deaths": [400.0], "pop": [32_000.0]})
    out = healthgap.life_expectancy(df, "deaths", "pop", "age").to_frame()
    assert out.loc[0, "value"] == pytest.approx(80.0, rel=RTOL)
    se = 1 / (400 / 32_000) / math.sqrt(400)
    assert out.loc[0, "upper_95_0"] == pytest.approx(80 + Z95 * se, rel=RTOL)


def test_rows_of_one_band_are_added_up(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=1)
    halves = pd.concat([df.assign(deaths=df["deaths"] / 2, pop=df["pop"] / 2)] * 2)
    one = healthgap.life_expectancy(df, "deaths", "pop", "age").to_frame()
    two = healthgap.life_expectancy(halves, "deaths", "pop", "age").to_frame()
    pd.testing.assert_frame_equal(one, two, rtol=1e-12)


def test_columns_and_result_metadata(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=1)
    result = healthgap.life_expectancy(df, "deaths", "pop", "age", confidence=0.9)
    assert list(result.to_frame().columns) == [
        "age",
        "age_band",
        "deaths",
        "population",
        "value",
        "lower_90_0",
        "upper_90_0",
        "suppressed",
        "suppression_reason",
    ]
    assert result.confidence == (0.9,)
    assert "Chiang" in result.method and "Silcocks" in result.method
    assert any("Silcocks" in r for r in result.references)
    assert result.parameters["age_bands"] == tuple(LABELS_20)


def test_polars_in_polars_out(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2)
    out = healthgap.life_expectancy(pl.from_pandas(df), "deaths", "pop", "age", group_by="area")
    table = out.to_frame()
    assert isinstance(table, pl.DataFrame)
    expected = healthgap.life_expectancy(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert table["value"].to_list() == pytest.approx(list(expected["value"]), rel=RTOL)


# --------------------------------------------------------------------------------------
# Suppression (METHODS.md section 7)
# --------------------------------------------------------------------------------------
def suppressed(df: pd.DataFrame, match: str) -> pd.DataFrame:
    with pytest.warns(SuppressionWarning, match=match):
        return healthgap.life_expectancy(df, "deaths", "pop", "age", group_by="area").to_frame()


def test_zero_population_suppresses_the_group(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=3)
    df.loc[(df["area"] == "E01") & (df["age"] == 40), ["pop", "deaths"]] = 0
    out = suppressed(
        df,
        r"life_expectancy: 20 of 60 rows suppressed: population is 0 in an age band "
        r"\(20 rows, first: area E01, age_band 0\)\. Their value and limits are NaN",
    )
    bad = out["area"] == "E01"
    assert out.loc[bad, "suppressed"].all() and not out.loc[~bad, "suppressed"].any()
    assert out.loc[bad, ["value", "lower_95_0", "upper_99_8"]].isna().all().all()
    assert (out.loc[bad, "suppression_reason"] == "population is 0 in an age band").all()


def test_deaths_above_population_suppress_the_group(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2)
    df.loc[(df["area"] == "E00") & (df["age"] == 90), "deaths"] = 1e6
    out = suppressed(df, r"deaths exceed population in an age band \(20 rows, first: area E00")
    assert out.loc[out["area"] == "E00", "value"].isna().all()


def test_small_total_population_is_suppressed(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2)
    small = df["area"] == "E01"
    df.loc[small, "pop"] = 200.0
    df.loc[small, "deaths"] = 2.0
    out = suppressed(df, r"total population is under 5,000 \(20 rows, first: area E01")
    assert out.loc[out["area"] == "E01", "suppressed"].all()


def test_no_deaths_in_open_band_is_suppressed(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2)
    df.loc[(df["area"] == "E00") & (df["age"] == 90), "deaths"] = 0
    out = suppressed(df, r"no deaths in the open age band \(90\+\) \(20 rows, first: area E00")
    assert out.loc[out["area"] == "E00", "suppressed"].all()


def test_wide_interval_suppresses_only_that_row() -> None:
    # Few deaths in old age bands: the open band's interval is wider than 20 years.
    df = pd.DataFrame(
        {
            "area": "A",
            "age": ["0-44", "45-64", "65-84", "85+"],
            "deaths": [40.0, 200.0, 100.0, 1.0],
            "pop": [40_000.0, 20_000.0, 2_000.0, 6.0],
        }
    )
    ref = reference_life_table([0, 45, 65, 85], list(df["deaths"]), list(df["pop"]))
    widths = [2 * Z95 * s for s in ref["se"]]
    assert widths[3] > 20 and max(widths[:3]) < 20  # the premise of the test
    out = suppressed(df, r"1 of 4 rows suppressed: 95% confidence interval is wider than 20 years")
    assert out["suppressed"].tolist() == [False, False, False, True]
    np.testing.assert_allclose(out["value"][:3], ref["e"][:3], rtol=RTOL)


def test_missing_deaths_suppress_the_group(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=2)
    df.loc[5, "deaths"] = np.nan
    out = suppressed(df, r"deaths are missing \(20 rows, first: area E00")
    assert out.loc[out["area"] == "E00", "suppressed"].all()


def test_group_with_other_bands_is_suppressed(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=3)
    df = df[~((df["area"] == "E02") & (df["age"] == 30))]  # a missing row
    out = suppressed(
        df,
        r"age bands differ from the rest \(expected 0, 1-4, 5-9, \.\.\., 85-89, 90\+\) "
        r"\(20 rows, first: area E02",
    )
    bad = out["area"] == "E02"
    assert out.loc[bad, ["value", "deaths", "population"]].isna().all().all()
    check_against_reference(out[~bad], df[df["area"] != "E02"], STARTS_20)


def test_group_with_85_plus_among_90_plus_groups_is_suppressed(
    rng: np.random.Generator,
) -> None:
    df = area_frame(rng, n_areas=3)
    other = df["area"] == "E01"
    df.loc[other & (df["age"] == 90), "age"] = 85  # 85-89 and 90+ become two 85+ rows
    df["age"] = df["age"].map(dict(zip(STARTS_20, LABELS_20, strict=True)))
    df.loc[other & (df["age"] == "85-89"), "age"] = "85+"
    out = suppressed(df, r"age bands differ from the rest")
    assert out.loc[out["area"] == "E01", "suppressed"].all()
    assert not out.loc[out["area"] != "E01", "suppressed"].any()


# --------------------------------------------------------------------------------------
# Structural errors
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (None, {"deaths": "dead"}, r"deaths column 'dead' must be in data; got columns \[area"),
        (None, {"age": "band"}, r"age column 'band' must be in data"),
        (None, {"group_by": "value"}, r"group_by columns must not use the output column names"),
        (None, {"group_by": "age_band"}, r"must not use the output column names \['age_band'\]"),
        (None, {"life_table": "yes"}, r"life_table must be True or False; got 'yes'\."),
        (None, {"confidence": 25}, r"confidence must be between 0 and 1 \(exclusive\), or a"),
        (
            lambda d: d.assign(age=d["age"].replace({"90+": "90-94"})),
            {},
            r"age column 'age' must end with an open band such as '90\+'; got '90-94' as the "
            r"last band\. Label the last band 'start\+'",
        ),
        (
            lambda d: d[d["age"] != "30-34"],
            {},
            r"age bands in column 'age' must cover every age without gaps; got no band for "
            r"ages 30-34 between '25-29' and '35-39'\. Add the missing band",
        ),
        (
            lambda d: pd.concat([d, d.iloc[[19]].assign(age="85+")]),
            {},
            r"age bands in column 'age' must not overlap; got '85\+' and '85-89'\.",
        ),
        (
            lambda d: d.assign(age=d["age"].replace({"5-9": "five"})),
            {},
            r"age column 'age' must hold age bands such as '0-4'.*got 'five' at row 3 "
            r"\(area E00\) \(1 row in all\)",
        ),
        (
            lambda d: d.assign(deaths=d["deaths"].where(d.index != 4, -1.0)),
            {},
            r"deaths column 'deaths' must be 0 or more; got 1 negative value \(first: -1 at "
            r"row 5 \(area E00, age 15-19\)\)",
        ),
        (
            lambda d: d.assign(pop=d["pop"].astype(object).where(d.index != 2, "1,000")),
            {},
            r"population column 'pop' must hold numbers; got 1 row of text \(first: '1,000' at "
            r"row 3 \(area E00, age 5-9\)\)",
        ),
        (
            lambda d: d.assign(pop=d["pop"].where(d.index != 2, np.inf)),
            {},
            r"population column 'pop' must hold finite numbers; got 1 infinite value",
        ),
        (lambda d: d.iloc[:0], {}, r"data must have at least one row; got an empty table\."),
    ],
)
def test_structural_errors(
    rng: np.random.Generator, change: object, kwargs: dict[str, object], message: str
) -> None:
    df = area_frame(rng, n_areas=1)
    df["age"] = df["age"].map(dict(zip(STARTS_20, LABELS_20, strict=True)))
    df["value"] = 1
    df["age_band"] = "x"
    if change is not None:
        df = change(df)  # type: ignore[operator]
    args: dict[str, object] = {
        "deaths": "deaths",
        "population": "pop",
        "age": "age",
        "group_by": "area",
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.life_expectancy(df, **args)  # type: ignore[arg-type]


def test_band_starts_reads_numbers_as_starts_and_labels_as_bands() -> None:
    assert band_starts(pd.Series([90, 0, 5, 1]), "age") == [
        AgeBand(90, None),
        AgeBand(0, 0),
        AgeBand(5, 89),
        AgeBand(1, 4),
    ]
    assert band_starts(pd.Series(["0", "1-4", "5+"]), "age") == [
        AgeBand(0, 0),
        AgeBand(1, 4),
        AgeBand(5, None),
    ]
    with pytest.raises(InputError, match=r"age column 'age' must hold age bands"):
        band_starts(pd.Series(["0", "old"]), "age")


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------
mortality = st.lists(
    st.tuples(st.floats(0.5, 2.0), st.integers(2_000, 20_000)), min_size=20, max_size=20
)


def frame_from(draw: list[tuple[float, int]]) -> pd.DataFrame:
    pops = [float(p) for _, p in draw]
    deaths = [max(round(r * f * p), 0) + (1 if i == 19 else 0) for i, ((f, p), r) in
              enumerate(zip(draw, RATES_20, strict=True))]  # fmt: skip
    return pd.DataFrame({"age": LABELS_20, "deaths": [float(d) for d in deaths], "pop": pops})


@settings(max_examples=40, deadline=None)
@given(mortality, st.integers(0, 19), st.integers(1, 50))
def test_more_deaths_in_any_band_lower_life_expectancy(
    draw: list[tuple[float, int]], band: int, extra: int
) -> None:
    df = frame_from(draw)
    more = df.copy()
    more.loc[band, "deaths"] += extra
    before = healthgap.life_expectancy(df, "deaths", "pop", "age", confidence=0.95)
    after = healthgap.life_expectancy(more, "deaths", "pop", "age", confidence=0.95)
    b, a = before.to_frame()["value"].to_numpy(), after.to_frame()["value"].to_numpy()
    assert (a[: band + 1] < b[: band + 1]).all()  # at and below the band: lower
    np.testing.assert_allclose(a[band + 1 :], b[band + 1 :], rtol=1e-12)  # above: unchanged


@settings(max_examples=40, deadline=None)
@given(mortality)
def test_limits_bracket_value_and_widen_with_confidence(draw: list[tuple[float, int]]) -> None:
    out = healthgap.life_expectancy(frame_from(draw), "deaths", "pop", "age").to_frame()
    shown = out[~out["suppressed"]]
    assert (shown["value"] >= 0).all()
    assert (shown["lower_99_8"] <= shown["lower_95_0"]).all()
    assert (shown["lower_95_0"] <= shown["value"]).all()
    assert (shown["value"] <= shown["upper_95_0"]).all()
    assert (shown["upper_95_0"] <= shown["upper_99_8"]).all()


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_matter(random: object) -> None:
    df = area_frame(np.random.default_rng(5), n_areas=3)
    order = list(range(len(df)))
    random.shuffle(order)  # type: ignore[attr-defined]
    a = healthgap.life_expectancy(df, "deaths", "pop", "age", group_by="area").to_frame()
    b = healthgap.life_expectancy(df.iloc[order], "deaths", "pop", "age", group_by="area")
    pd.testing.assert_frame_equal(a, b.to_frame())
