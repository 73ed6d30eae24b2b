"""atkinson and kolm: equally distributed equivalents against exact and 60-digit references.

Sources of the expected values are listed in tests/reference/README.md ("welfare").
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.conftest import RTOL


def atkinson_decimal(h: list[float], w: list[float], e: float) -> tuple[float, float, float]:
    """METHODS.md section 14 in 60-digit decimal arithmetic: (mean, EDE, index)."""
    with localcontext() as ctx:
        ctx.prec = 60
        total = sum(Decimal(x) for x in w)
        p = [Decimal(x) / total for x in w]
        hd = [Decimal(x) for x in h]
        mean = sum(pi * hi for pi, hi in zip(p, hd, strict=True))
        e_d = Decimal(e)
        if e_d == 1:
            ede = sum(pi * hi.ln() for pi, hi in zip(p, hd, strict=True)).exp()
        else:
            s = sum(pi * hi ** (1 - e_d) for pi, hi in zip(p, hd, strict=True))
            ede = s ** (1 / (1 - e_d))
        return float(mean), float(ede), float(1 - ede / mean)


def kolm_decimal(h: list[float], w: list[float], a: float) -> tuple[float, float, float]:
    """METHODS.md section 14 in 60-digit decimal arithmetic: (mean, EDE, index)."""
    with localcontext() as ctx:
        ctx.prec = 60
        total = sum(Decimal(x) for x in w)
        p = [Decimal(x) / total for x in w]
        hd = [Decimal(x) for x in h]
        mean = sum(pi * hi for pi, hi in zip(p, hd, strict=True))
        a_d = Decimal(a)
        s = sum(pi * (-a_d * (hi - mean)).exp() for pi, hi in zip(p, hd, strict=True))
        ede = mean - s.ln() / a_d
        return float(mean), float(ede), float(mean - ede)


def one(values: list[float], weights: list[float] | None = None) -> pd.DataFrame:
    df = pd.DataFrame({"h": values})
    if weights is not None:
        df["pop"] = weights
    return df


def test_english_aversion_constants() -> None:
    # Robson et al. (2017), Health Economics 26(10):1328-1334, median responses.
    assert healthgap.ATKINSON_AVERSION_ENGLAND == 10.95
    assert healthgap.KOLM_AVERSION_ENGLAND == 0.15
    df = one([60.0, 70.0], [1, 1])
    assert "e = 10.95" in healthgap.atkinson(df, "h", "pop").statistic
    assert "a = 0.15" in healthgap.kolm(df, "h", "pop").statistic


@pytest.mark.parametrize(
    ("aversion", "ede"),
    [
        (0, Fraction(5, 2)),  # the arithmetic mean
        (0.5, Fraction(9, 4)),  # ((1 + 2) / 2)^2
        (1, Fraction(2)),  # the geometric mean sqrt(1 * 4)
        (2, Fraction(8, 5)),  # the harmonic mean 2 / (1 + 1/4)
        (3, 1 / (Fraction(1, 2) * (1 + Fraction(1, 16))) ** Fraction(1, 2)),
    ],
)
def test_atkinson_hand_examples(aversion: float, ede: Fraction) -> None:
    out = healthgap.atkinson(one([1.0, 4.0], [5, 5]), "h", "pop", aversion=aversion).to_frame()
    assert out.loc[0, "mean"] == 2.5
    assert out.loc[0, "value"] == pytest.approx(float(ede), rel=RTOL)
    assert out.loc[0, "atkinson_index"] == pytest.approx(float(1 - ede / Fraction(5, 2)), rel=RTOL)


@pytest.mark.parametrize("a", [0.01, 0.15, 1.0, 3.0])
def test_kolm_hand_example(a: float) -> None:
    # Two equal halves at 60 and 70: ln(sum p exp(-a (h - 65))) = ln cosh(5a).
    out = healthgap.kolm(one([60.0, 70.0], [50, 50]), "h", "pop", aversion=a).to_frame()
    gap = math.log(math.cosh(5 * a)) / a
    assert out.loc[0, "value"] == pytest.approx(65 - gap, rel=RTOL)
    assert out.loc[0, "kolm_index"] == pytest.approx(gap, rel=RTOL)


@pytest.mark.parametrize(
    "aversion", [0.25, 1.0, 1 - 1e-9, 1 + 1e-9, 2.0, 5.0, 10.95, 30.0, 1e-9, 1e-4]
)
def test_atkinson_matches_60_digit_reference(rng: np.random.Generator, aversion: float) -> None:
    rows = []
    for g in range(40):
        n = int(rng.integers(1, 12))
        h = rng.uniform(45, 85, n) if g % 2 else np.exp(rng.normal(3, 1.5, n))
        w = rng.integers(1, 100_000, n).astype(float)
        rows += [(f"G{g:02d}", float(a), float(b)) for a, b in zip(h, w, strict=True)]
    df = pd.DataFrame(rows, columns=["area", "h", "pop"])
    out = healthgap.atkinson(df, "h", "pop", "area", aversion=aversion).to_frame()
    for i, (_, part) in enumerate(df.groupby("area")):
        mean, ede, index = atkinson_decimal(part["h"].tolist(), part["pop"].tolist(), aversion)
        assert out.loc[i, "mean"] == pytest.approx(mean, rel=RTOL)
        assert out.loc[i, "value"] == pytest.approx(ede, rel=RTOL)
        assert out.loc[i, "atkinson_index"] == pytest.approx(index, rel=1e-8, abs=1e-15)
        assert out.loc[i, "population"] == part["pop"].sum()


@pytest.mark.parametrize("aversion", [1e-9, 1e-3, 0.15, 1.0, 5.0])
def test_kolm_matches_60_digit_reference(rng: np.random.Generator, aversion: float) -> None:
    rows = []
    for g in range(40):
        n = int(rng.integers(1, 12))
        h = rng.normal(65, 8, n) if g % 2 else rng.normal(0, 3, n)  # may be negative
        w = rng.integers(1, 100_000, n).astype(float)
        rows += [(g, float(a), float(b)) for a, b in zip(h, w, strict=True)]
    df = pd.DataFrame(rows, columns=["area", "h", "pop"])
    out = healthgap.kolm(df, "h", "pop", "area", aversion=aversion).to_frame()
    for i, (_, part) in enumerate(df.groupby("area")):
        mean, ede, index = kolm_decimal(part["h"].tolist(), part["pop"].tolist(), aversion)
        assert out.loc[i, "value"] == pytest.approx(ede, rel=RTOL, abs=1e-12)
        # The index is a difference of two numbers near the mean: compare on their scale.
        assert out.loc[i, "kolm_index"] == pytest.approx(index, rel=1e-8, abs=1e-13 * abs(mean))


def test_large_aversion_and_spread_do_not_overflow() -> None:
    # Direct evaluation: 1e-3 ** (1 - 10.95) is 1e29.85 (fine) but 1e-40 ** -9.95 overflows.
    h = [1e-40, 1.0, 1e3]
    out = healthgap.atkinson(one(h, [1, 1, 1]), "h", "pop").to_frame()
    assert out.loc[0, "value"] == pytest.approx(atkinson_decimal(h, [1, 1, 1], 10.95)[1], rel=RTOL)
    # Kolm with exp(-a (h - mean)) of exp(5000): the EDE tends to the minimum plus ln(1/p)/a.
    h = [0.0, 100.0, 200.0]
    out = healthgap.kolm(one(h, [1, 1, 1]), "h", "pop", aversion=50).to_frame()
    assert out.loc[0, "value"] == pytest.approx(kolm_decimal(h, [1, 1, 1], 50)[1], rel=RTOL)
    assert out.loc[0, "value"] == pytest.approx(math.log(3) / 50, rel=1e-9)
    # Atkinson with a huge aversion tends to the minimum (Rawlsian maximin).
    out = healthgap.atkinson(one([60.0, 70.0, 80.0]), "h", aversion=5000).to_frame()
    assert out.loc[0, "value"] == pytest.approx(60 * 3 ** (1 / 4999), rel=RTOL)


def test_zero_aversion_gives_the_mean_exactly() -> None:
    df = one([0.1, 0.2, 0.7], [3, 1, 1])
    a = healthgap.atkinson(df, "h", "pop", aversion=0).to_frame()
    k = healthgap.kolm(df, "h", "pop", aversion=0).to_frame()
    assert a.loc[0, "value"] == a.loc[0, "mean"] and a.loc[0, "atkinson_index"] == 0
    assert k.loc[0, "value"] == k.loc[0, "mean"] and k.loc[0, "kolm_index"] == 0
    assert a.loc[0, "mean"] == pytest.approx((0.3 + 0.2 + 0.7) / 5, rel=RTOL)
    small = healthgap.atkinson(df, "h", "pop", aversion=1e-12).to_frame()
    assert small.loc[0, "value"] == pytest.approx(a.loc[0, "mean"], rel=1e-11)


def test_without_population_every_row_counts_once() -> None:
    df = pd.DataFrame({"area": ["A", "A", "B"], "h": [1.0, 4.0, 3.0]})
    out = healthgap.atkinson(df, "h", group_by="area", aversion=2).to_frame()
    assert list(out.columns) == [
        "area",
        "mean",
        "value",
        "atkinson_index",
        "suppressed",
        "suppression_reason",
    ]
    assert out["value"].tolist() == pytest.approx([1.6, 3.0], rel=RTOL)
    assert out.loc[1, "atkinson_index"] == 0


def test_result_object_and_polars() -> None:
    df = pl.DataFrame({"fifth": [1, 2, 3, 4, 5], "qale": [62.0, 65.0, 68.0, 70.0, 73.0]})
    result = healthgap.kolm(df, "qale")
    assert isinstance(result.to_frame(), pl.DataFrame)
    assert result.confidence == ()
    assert result.parameters == {"aversion": 0.15, "index": "kolm"}
    assert any("Robson" in r for r in result.references)
    assert "confidence" not in result.summary()
    assert list(result.to_pandas().columns) == [
        "mean",
        "value",
        "kolm_index",
        "suppressed",
        "suppression_reason",
    ]


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

health = st.floats(1.0, 100.0, allow_nan=False)
weights = st.integers(1, 10_000)
rows = st.lists(st.tuples(health, weights), min_size=1, max_size=12)


def frame_of(data: list[tuple[float, int]]) -> pd.DataFrame:
    return pd.DataFrame(data, columns=["h", "pop"])


@settings(max_examples=80, deadline=None)
@given(rows, st.floats(0, 30), st.floats(0, 30))
def test_atkinson_ede_is_below_the_mean_and_falls_with_aversion(
    data: list[tuple[float, int]], e1: float, e2: float
) -> None:
    df = frame_of(data)
    lo, hi = sorted((e1, e2))
    a = healthgap.atkinson(df, "h", "pop", aversion=lo).to_frame().loc[0]
    b = healthgap.atkinson(df, "h", "pop", aversion=hi).to_frame().loc[0]
    tol = 1e-12 * a["mean"]
    assert min(df["h"]) - tol <= b["value"] <= a["value"] + tol <= a["mean"] + 2 * tol
    assert -1e-12 <= a["atkinson_index"] <= b["atkinson_index"] + 1e-12 < 1


@settings(max_examples=80, deadline=None)
@given(rows, st.floats(0, 2), st.floats(0, 2))
def test_kolm_ede_is_below_the_mean_and_falls_with_aversion(
    data: list[tuple[float, int]], a1: float, a2: float
) -> None:
    df = frame_of(data)
    lo, hi = sorted((a1, a2))
    a = healthgap.kolm(df, "h", "pop", aversion=lo).to_frame().loc[0]
    b = healthgap.kolm(df, "h", "pop", aversion=hi).to_frame().loc[0]
    tol = 1e-12 * a["mean"]
    assert min(df["h"]) - tol <= b["value"] <= a["value"] + tol <= a["mean"] + 2 * tol
    assert a["kolm_index"] >= -tol


@settings(max_examples=60, deadline=None)
@given(health, st.integers(1, 20), st.floats(0, 50), st.lists(weights, min_size=20, max_size=20))
def test_equal_values_give_the_mean_exactly(
    level: float, n: int, aversion: float, pops: list[int]
) -> None:
    df = frame_of([(level, p) for p in pops[:n]])
    a = healthgap.atkinson(df, "h", "pop", aversion=aversion).to_frame().loc[0]
    k = healthgap.kolm(df, "h", "pop", aversion=aversion / 10).to_frame().loc[0]
    assert a["mean"] == a["value"] == level and a["atkinson_index"] == 0
    assert k["mean"] == k["value"] == level and k["kolm_index"] == 0


@settings(max_examples=60, deadline=None)
@given(rows, st.floats(0.01, 100), st.floats(-50, 50), st.floats(0, 15))
def test_atkinson_is_relative_and_kolm_is_absolute(
    data: list[tuple[float, int]], scale: float, shift: float, aversion: float
) -> None:
    df = frame_of(data)
    scaled = df.assign(h=df["h"] * scale)
    shifted = df.assign(h=df["h"] + shift)
    a0 = healthgap.atkinson(df, "h", "pop", aversion=aversion).to_frame().loc[0]
    a1 = healthgap.atkinson(scaled, "h", "pop", aversion=aversion).to_frame().loc[0]
    assert a1["atkinson_index"] == pytest.approx(a0["atkinson_index"], rel=1e-9, abs=1e-13)
    assert a1["value"] == pytest.approx(a0["value"] * scale, rel=1e-12)
    k0 = healthgap.kolm(df, "h", "pop", aversion=aversion / 10).to_frame().loc[0]
    k1 = healthgap.kolm(shifted, "h", "pop", aversion=aversion / 10).to_frame().loc[0]
    assert k1["kolm_index"] == pytest.approx(k0["kolm_index"], rel=1e-9, abs=1e-11)
    assert k1["value"] == pytest.approx(k0["value"] + shift, rel=1e-12, abs=1e-11)


@settings(max_examples=50, deadline=None)
@given(rows, st.floats(0, 20), st.randoms(use_true_random=False))
def test_row_order_and_splitting_rows_do_not_matter(
    data: list[tuple[float, int]], aversion: float, rnd
) -> None:
    df = frame_of(data)
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    # Splitting each subgroup into two halves of its population changes nothing.
    halves = pd.concat([df.assign(pop=df["pop"] / 2)] * 2, ignore_index=True)
    for fn, k in ((healthgap.atkinson, aversion), (healthgap.kolm, aversion / 20)):
        base = fn(df, "h", "pop", aversion=k).to_frame()
        for other in (shuffled, halves):
            out = fn(other, "h", "pop", aversion=k).to_frame()
            np.testing.assert_allclose(out["value"], base["value"], rtol=1e-12)


# --------------------------------------------------------------------------------------
# Suppression and errors
# --------------------------------------------------------------------------------------


def groups_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["A", "A", "B", "B", "C", "C"],
            "h": [60.0, 70.0, 61.0, 71.0, 62.0, 72.0],
            "pop": [100.0, 100.0, 0.0, 0.0, 50.0, 150.0],
        }
    )


def test_zero_and_missing_populations_suppress_only_that_group() -> None:
    df = groups_frame()
    with pytest.warns(
        SuppressionWarning,
        match=r"kolm: 1 of 3 groups suppressed: population is 0 \(1 group, first: area B\)",
    ) as caught:
        out = healthgap.kolm(df, "h", "pop", "area").to_frame()
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert out["suppressed"].tolist() == [False, True, False]
    assert out.loc[1, "suppression_reason"] == "population is 0"
    assert np.isnan(out.loc[1, ["mean", "value", "kolm_index"]].astype(float)).all()
    assert out.loc[2, "mean"] == pytest.approx(69.5, rel=RTOL)  # weighted 1:3
    # A subgroup with population 0 is left out of its group.
    df.loc[1, "pop"] = 0.0
    with pytest.warns(SuppressionWarning):
        out = healthgap.atkinson(df, "h", "pop", "area").to_frame()
    assert out.loc[0, "value"] == 60.0 and out.loc[0, "atkinson_index"] == 0


def test_missing_cells_suppress_the_group() -> None:
    df = groups_frame()
    df.loc[2:3, "pop"] = 10.0
    df.loc[0, "h"] = np.nan
    df.loc[5, "pop"] = np.nan
    with pytest.warns(
        SuppressionWarning,
        match=r"atkinson: 2 of 3 groups suppressed: value is missing \(1 group, first: area A\); "
        r"population is missing \(1 group, first: area C\)\. Their mean, value and index are NaN",
    ):
        out = healthgap.atkinson(df, "h", "pop", "area").to_frame()
    assert out["suppression_reason"].tolist() == [
        "value is missing",
        None,
        "population is missing",
    ]
    assert out.loc[1, "value"] == pytest.approx(atkinson_decimal([61, 71], [1, 1], 10.95)[1])


@pytest.mark.parametrize("fn", [healthgap.atkinson, healthgap.kolm])
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aversion": -1}, r"aversion must be a number, 0 or more; got -1\. Use e\.g\. aversion="),
        ({"aversion": True}, r"aversion must be a number, 0 or more; got True"),
        ({"aversion": "high"}, r"aversion must be a number, 0 or more; got 'high'"),
        ({"aversion": math.inf}, r"aversion must be a number, 0 or more; got inf"),
        ({"value": "qale"}, r"value column 'qale' must be in data; got columns \[area, h, pop"),
        ({"population": "people"}, r"population column 'people' must be in data"),
        ({"group_by": "mean"}, r"group_by columns must not use the output column names"),
    ],
)
def test_argument_errors(fn, kwargs: dict[str, object], message: str) -> None:
    df = groups_frame()
    df.loc[2:3, "pop"] = 10.0
    df["mean"] = 1
    args: dict[str, object] = {"value": "h", "population": "pop", "group_by": "area"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        fn(df, **args)


def test_atkinson_needs_positive_values_but_kolm_does_not() -> None:
    df = groups_frame()
    df.loc[2:3, "pop"] = 10.0
    df.loc[3, "h"] = 0.0
    with pytest.raises(
        InputError,
        match=r"value column 'h' must be greater than 0 for the Atkinson index; got 1 value of "
        r"0 or less \(first: 0 at row 4 \(area B\)\)\. It measures relative inequality in a "
        r"positive quantity such as life expectancy; use kolm\(\) for measures that can be 0 "
        r"or negative\.",
    ):
        healthgap.atkinson(df, "h", "pop", "area")
    df.loc[2, "h"] = -5.0
    out = healthgap.kolm(df, "h", "pop", "area").to_frame()
    assert out.loc[1, "value"] == pytest.approx(kolm_decimal([-5.0, 0.0], [1, 1], 0.15)[1])


def test_negative_population_text_and_infinity_are_errors() -> None:
    df = groups_frame()
    df.loc[4, "pop"] = -1.0
    with pytest.raises(
        InputError,
        match=r"population column 'pop' must be 0 or more; got 1 negative value \(first: -1 at "
        r"row 5 \(area C\)\)",
    ):
        healthgap.kolm(df, "h", "pop", "area")
    df = groups_frame().astype({"h": object})
    df.loc[0, "h"] = "60 years"
    with pytest.raises(InputError, match=r"value column 'h' must hold numbers; got 1 row of text"):
        healthgap.atkinson(df, "h", "pop", "area")
    df = groups_frame()
    df.loc[0, "h"] = np.inf
    with pytest.raises(InputError, match=r"value column 'h' must hold finite numbers"):
        healthgap.kolm(df, "h", "pop", "area")
