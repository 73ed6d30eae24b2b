"""healthy_life_expectancy (Sullivan): a published worked example and a scalar reference."""

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
from tests.conftest import RTOL
from tests.stats.test_life_table import (
    LABELS_20,
    RATES_20,
    STARTS_20,
    Z95,
    area_frame,
    reference_life_table,
)

# Hauet E (1997), Practical Guide on Health Expectancy Calculation: "Sullivan Method",
# Euro-REVES (the first edition of the guide later revised by Jagger et al. for EHEMU /
# EHLEIS). French life table 1991, ages 65 and over: l_x and L_x (Tables 1 and 3), the
# proportion with a disability (Table 3, column 4) and its variance (Table 3, column 5).
REVES = pd.DataFrame(
    {
        "age": ["65-69", "70-74", "75-79", "80-84", "85+"],
        "lx": [89_367.0, 84_968.0, 78_012.0, 66_625.0, 48_532.0],
        "Lx": [436_589.0, 408_793.0, 364_013.0, 290_533.0, 289_068.0],
        "disabled": [0.196, 0.286, 0.370, 0.513, 0.710],
        "var": [0.000281, 0.000507, 0.000675, 0.000914, 0.000805],
    }
)
#: Table 1, column 7: disability-free life expectancy (1 decimal place).
REVES_DFLE = [12.3, 8.8, 5.8, 3.4, 1.7]
#: Table 3, column 8: its standard error (2 decimal places).
REVES_SE = [0.22, 0.21, 0.20, 0.18, 0.17]


def test_euro_reves_practical_guide_worked_example() -> None:
    df = REVES.assign(se=np.sqrt(REVES["var"]))
    out = healthgap.healthy_life_expectancy(
        df,
        None,
        None,
        "age",
        survivors="lx",
        person_years="Lx",
        unhealthy_proportion="disabled",
        proportion_se="se",
        confidence=0.95,
    ).to_frame()
    # half a unit of the last printed digit
    np.testing.assert_allclose(out["value"], REVES_DFLE, atol=0.05)
    se = (out["upper_95_0"] - out["lower_95_0"]) / (2 * Z95)
    np.testing.assert_allclose(se, REVES_SE, atol=0.005)
    # and life expectancy T/l from the same life table, to full precision
    t = np.cumsum(REVES["Lx"][::-1])[::-1]
    np.testing.assert_allclose(out["life_expectancy"], t / REVES["lx"], rtol=RTOL)


def reference_hle(
    starts: list[int], deaths: list[float], pops: list[float], pi: list[float], n: list[float]
) -> tuple[list[float], list[float], list[float]]:
    """METHODS.md section 8 in scalar Python, on the scalar Chiang reference life table."""
    lt = reference_life_table(starts, deaths, pops)
    k = len(starts)
    hle, se = [], []
    for x in range(k):
        hle.append(sum(lt["L"][i] * (1 - pi[i]) for i in range(x, k)) / lt["l"][x])
        var = sum(lt["L"][i] ** 2 * pi[i] * (1 - pi[i]) / n[i] for i in range(x, k))
        se.append(math.sqrt(var) / lt["l"][x])
    return hle, se, lt["e"]


def with_prevalence(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    base = np.interp(df["age"], [0, 40, 65, 90], [0.03, 0.12, 0.35, 0.65])
    return df.assign(
        bad=np.clip(base * rng.uniform(0.8, 1.2, len(df)), 0, 1),
        n=rng.integers(80, 600, len(df)).astype(float),
    )


def test_mortality_route_matches_scalar_reference(rng: np.random.Generator) -> None:
    df = with_prevalence(area_frame(rng, n_areas=3), rng)
    out = healthgap.healthy_life_expectancy(
        df, "deaths", "pop", "age", unhealthy_proportion="bad", sample_size="n", group_by="area"
    ).to_frame()
    assert not out["suppressed"].any()
    for area, rows in df.groupby("area"):
        hle, se, e = reference_hle(
            STARTS_20, *(list(rows[c]) for c in ("deaths", "pop", "bad", "n"))
        )
        got = out[out["area"] == area]
        np.testing.assert_allclose(got["value"], hle, rtol=RTOL)
        np.testing.assert_allclose(got["life_expectancy"], e, rtol=RTOL)
        lower = [h - Z95 * s for h, s in zip(hle, se, strict=True)]
        np.testing.assert_allclose(got["lower_95_0"], lower, rtol=RTOL)


def test_healthy_proportion_and_standard_error_are_equivalent_spellings(
    rng: np.random.Generator,
) -> None:
    df = with_prevalence(area_frame(rng, n_areas=2), rng)
    df["good"] = 1 - df["bad"]
    df["se"] = np.sqrt(df["bad"] * (1 - df["bad"]) / df["n"])
    common = {"group_by": "area"}
    a = healthgap.healthy_life_expectancy(
        df, "deaths", "pop", "age", unhealthy_proportion="bad", sample_size="n", **common
    ).to_frame()
    b = healthgap.healthy_life_expectancy(
        df, "deaths", "pop", "age", healthy_proportion="good", proportion_se="se", **common
    ).to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_no_ill_health_gives_life_expectancy(rng: np.random.Generator) -> None:
    df = area_frame(rng, n_areas=1).assign(bad=0.0, n=100.0)
    out = healthgap.healthy_life_expectancy(
        df, "deaths", "pop", "age", unhealthy_proportion="bad", sample_size="n"
    ).to_frame()
    le = healthgap.life_expectancy(df, "deaths", "pop", "age").to_frame()
    np.testing.assert_allclose(out["value"], le["value"], rtol=RTOL)
    np.testing.assert_allclose(out["upper_99_8"], out["value"], rtol=RTOL)  # variance 0


def test_columns_and_metadata(rng: np.random.Generator) -> None:
    df = with_prevalence(area_frame(rng, n_areas=1), rng)
    result = healthgap.healthy_life_expectancy(
        pl.from_pandas(df), "deaths", "pop", "age", unhealthy_proportion="bad", sample_size="n"
    )
    table = result.to_frame()
    assert isinstance(table, pl.DataFrame)
    assert table.columns == [
        "age",
        "age_band",
        "value",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
        "life_expectancy",
        "suppressed",
        "suppression_reason",
    ]
    assert "prevalence" in result.method
    assert any("mortality variance is not included" in n for n in result.notes)
    assert any("Sullivan" in r for r in result.references)


# --------------------------------------------------------------------------------------
# Suppression
# --------------------------------------------------------------------------------------
def run(df: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    args: dict[str, object] = {"unhealthy_proportion": "bad", "sample_size": "n"}
    args.update(kwargs)
    return healthgap.healthy_life_expectancy(
        df, "deaths", "pop", "age", group_by="area", **args
    ).to_frame()  # type: ignore[arg-type]


def test_zero_sample_size_suppresses_the_group(rng: np.random.Generator) -> None:
    df = with_prevalence(area_frame(rng, n_areas=2), rng)
    df.loc[3, "n"] = 0
    with pytest.warns(
        SuppressionWarning,
        match=r"healthy_life_expectancy: 20 of 40 rows suppressed: survey sample size is 0 or "
        r"missing \(20 rows, first: area E00, age_band 0\)",
    ):
        out = run(df)
    assert out.loc[out["area"] == "E00", "value"].isna().all()
    assert not out.loc[out["area"] == "E01", "suppressed"].any()


def test_missing_proportion_suppresses_the_group(rng: np.random.Generator) -> None:
    df = with_prevalence(area_frame(rng, n_areas=2), rng)
    df.loc[25, "bad"] = np.nan
    with pytest.warns(SuppressionWarning, match=r"health proportion is missing \(20 rows"):
        out = run(df)
    assert out.loc[out["area"] == "E01", "suppressed"].all()


def test_life_table_rules_carry_over(rng: np.random.Generator) -> None:
    df = with_prevalence(area_frame(rng, n_areas=2), rng)
    df.loc[df["area"] == "E01", ["pop", "deaths"]] = [100.0, 1.0]
    with pytest.warns(SuppressionWarning, match=r"total population is under 5,000"):
        out = run(df)
    bad = out["area"] == "E01"
    assert out.loc[bad, ["value", "life_expectancy"]].isna().all().all()


def test_wide_interval_suppresses_that_row_only() -> None:
    df = pd.DataFrame(
        {
            "area": "A",
            "age": ["0-44", "45-64", "65-84", "85+"],
            "lx": [100_000.0, 97_000.0, 85_000.0, 30_000.0],
            "Lx": [4_400_000.0, 1_800_000.0, 1_200_000.0, 400_000.0],
            "bad": [0.05, 0.2, 0.4, 0.5],
            "n": [500.0, 400.0, 300.0, 1.0],
        }
    )
    with pytest.warns(
        SuppressionWarning, match=r"1 of 4 rows suppressed: 95% confidence interval is wider"
    ):
        out = healthgap.healthy_life_expectancy(
            df,
            None,
            None,
            "age",
            survivors="lx",
            person_years="Lx",
            unhealthy_proportion="bad",
            sample_size="n",
        ).to_frame()
    assert out["suppressed"].tolist() == [False, False, False, True]
    assert out.loc[3, "life_expectancy"] == pytest.approx(400_000 / 30_000, rel=RTOL)


# --------------------------------------------------------------------------------------
# Structural errors
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "change", "message"),
    [
        (
            {"healthy_proportion": "bad"},
            None,
            r"must be given exactly one of unhealthy_proportion and healthy_proportion; got "
            r"both\. Pass e\.g\. unhealthy_proportion='not_good_health'\.",
        ),
        (
            {"unhealthy_proportion": None},
            None,
            r"exactly one of unhealthy_proportion and healthy_proportion; got neither",
        ),
        (
            {"sample_size": None},
            None,
            r"exactly one of sample_size and proportion_se; got neither\. Pass e\.g\. "
            r"sample_size='respondents'\.",
        ),
        (
            {"survivors": "deaths"},
            None,
            r"must be given either deaths and population, or survivors and person_years; got "
            r"deaths='deaths', population='pop', survivors='deaths', person_years=None",
        ),
        (
            {"deaths": None, "population": None, "survivors": "lx"},
            None,
            r"either deaths and population, or survivors and person_years; got "
            r"survivors='lx', person_years=None\. Pass both columns of your life table\.",
        ),
        (
            {},
            lambda d: d.assign(bad=d["bad"] * 100),
            r"unhealthy_proportion column 'bad' must hold proportions between 0 and 1; got "
            r"\d+ values outside that range \(first: .* at row \d+ \(area E00, age .*\)\)\. "
            r"They look like percentages: divide them by 100\.",
        ),
        (
            {},
            lambda d: d.assign(n=-d["n"]),
            r"sample_size column 'n' must be 0 or more; got 20 negative values",
        ),
        (
            {},
            lambda d: pd.concat([d, d.iloc[[3]]]),
            r"data must have one row per group and age band for healthy life expectancy; got 2 "
            r"rows for area E00, age band 10-14\. Proportions cannot be added up",
        ),
        ({"sample_size": "size"}, None, r"sample_size column 'size' must be in data"),
        ({"group_by": "life_expectancy"}, None, r"must not use the output column names"),
    ],
)
def test_structural_errors(
    rng: np.random.Generator, kwargs: dict[str, object], change: object, message: str
) -> None:
    df = with_prevalence(area_frame(rng, n_areas=1), rng)
    df["age"] = df["age"].map(dict(zip(STARTS_20, LABELS_20, strict=True)))
    df["life_expectancy"] = 1.0
    if change is not None:
        df = change(df)  # type: ignore[operator]
    args: dict[str, object] = {
        "deaths": "deaths",
        "population": "pop",
        "unhealthy_proportion": "bad",
        "sample_size": "n",
        "group_by": "area",
    }
    args.update(kwargs)
    deaths, population = args.pop("deaths"), args.pop("population")
    with pytest.raises(InputError, match=message):
        healthgap.healthy_life_expectancy(df, deaths, population, "age", **args)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------
band_input = st.tuples(
    st.floats(0.6, 1.6), st.integers(3_000, 20_000), st.floats(0, 1), st.integers(20, 900)
)
inputs = st.lists(band_input, min_size=20, max_size=20)


def frame_from(draw: list[tuple[float, int, float, int]]) -> pd.DataFrame:
    deaths = [
        float(round(rate * f * p) + (1 if i == 19 else 0))
        for i, ((f, p, _, _), rate) in enumerate(zip(draw, RATES_20, strict=True))
    ]
    return pd.DataFrame(
        {
            "area": "A",
            "age": LABELS_20,
            "deaths": deaths,
            "pop": [float(p) for _, p, _, _ in draw],
            "bad": [b for _, _, b, _ in draw],
            "n": [float(n) for _, _, _, n in draw],
        }
    )


@settings(max_examples=40, deadline=None)
@given(inputs)
def test_hle_is_between_zero_and_life_expectancy_and_inside_its_limits(
    draw: list[tuple[float, int, float, int]],
) -> None:
    out = run(frame_from(draw))
    assert not out["suppressed"].any()
    assert (out["value"] >= -1e-12).all()
    assert (out["value"] <= out["life_expectancy"] * (1 + 1e-12)).all()
    assert (out["lower_99_8"] <= out["lower_95_0"] + 1e-12).all()
    assert (out["lower_95_0"] <= out["value"] + 1e-12).all()
    assert (out["value"] <= out["upper_95_0"] + 1e-12).all()
    assert (out["upper_95_0"] <= out["upper_99_8"] + 1e-12).all()


@settings(max_examples=30, deadline=None)
@given(inputs, st.integers(0, 19), st.floats(0.01, 0.3))
def test_more_ill_health_in_a_band_lowers_hle_up_to_that_age(
    draw: list[tuple[float, int, float, int]], band: int, extra: float
) -> None:
    df = frame_from(draw)
    df["bad"] = df["bad"] * 0.7
    worse = df.copy()
    worse.loc[band, "bad"] += extra
    a = run(df)["value"].to_numpy()
    b = run(worse)["value"].to_numpy()
    assert (b[: band + 1] < a[: band + 1]).all()
    np.testing.assert_array_equal(b[band + 1 :], a[band + 1 :])


def test_order_of_rows_does_not_matter(rng: np.random.Generator) -> None:
    df = with_prevalence(area_frame(rng, n_areas=3), rng)
    shuffled = df.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(run(df), run(shuffled))


def test_rates_cover_the_usual_layout() -> None:
    assert len(RATES_20) == len(STARTS_20) == 20
