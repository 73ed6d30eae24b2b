"""funnel_limits and funnel_significance: formulas from the papers, a peer, and agreement
between the drawn limits and the flags.

Sources of reference values: tests/reference/README.md ("funnel").
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.funnel import control_limits, poisson_control_counts
from tests.conftest import RTOL
from tests.needs import importorskip_peer

LEVELS = [(0.95, "95_0"), (0.998, "99_8")]
PEER_LABELS = {
    "High (0.001)": "high (99.8%)",
    "High (0.025)": "high (95%)",
    "Not significant": "not significant",
    "Low (0.025)": "low (95%)",
    "Low (0.001)": "low (99.8%)",
}


def z(confidence: float) -> float:
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def spiegelhalter_scalar(p0: float, n: float, confidence: float) -> tuple[float, float]:
    """Spiegelhalter (2005) normal limits for a proportion, cut to [0, 1], one n at a time."""
    half = z(confidence) * math.sqrt(p0 * (1 - p0) / n)
    return max(p0 - half, 0.0), min(p0 + half, 1.0)


def wilson_lower_scalar(x: float, n: float, confidence: float) -> float:
    zz = z(confidence)
    return (2 * x + zz * zz - zz * math.sqrt(zz * zz + 4 * x * (1 - x / n))) / (2 * (n + zz * zz))


def proportions() -> pd.DataFrame:
    return pd.DataFrame({"area": list("ABCD"), "x": [30, 50, 80, 15], "n": [200, 300, 400, 210]})


# --- control limits -----------------------------------------------------------------------


@pytest.mark.parametrize("multiplier", [1, 100])
def test_proportion_limits_equal_spiegelhalter_formula(multiplier: int) -> None:
    grid = [1, 2, 5, 10, 37.5, 100, 1000, 123456]
    result = healthgap.funnel_limits(
        proportions(), "x", "n", "proportion", multiplier=multiplier, denominators=grid
    )
    out = result.to_frame()
    p0 = 175 / 1110
    assert result.parameters["target"] == pytest.approx(p0 * multiplier, rel=RTOL)
    np.testing.assert_allclose(out["target"], p0 * multiplier, rtol=RTOL)
    np.testing.assert_allclose(out["denominator"], grid, rtol=0)
    for c, label in LEVELS:
        ref = [spiegelhalter_scalar(p0, n, c) for n in grid]
        np.testing.assert_allclose(out[f"lower_{label}"], [r[0] * multiplier for r in ref], RTOL)
        np.testing.assert_allclose(out[f"upper_{label}"], [r[1] * multiplier for r in ref], RTOL)
    assert out.loc[0, "lower_99_8"] == 0.0  # cut at 0 for tiny denominators


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_proportion_limits_are_where_the_wilson_interval_touches_the_target(
    confidence: float,
) -> None:
    """Inverting METHODS.md's 'compare the point's own limits with the average'."""
    p0 = 0.3
    for n in [50.0, 400.0, 10_000.0]:
        _, upper = control_limits(np.array([n]), p0, "proportion", 1.0, confidence)
        assert wilson_lower_scalar(upper[0] * n, n, confidence) == pytest.approx(p0, rel=RTOL)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.998])
def test_poisson_control_counts_invert_the_exact_limits(confidence: float) -> None:
    alpha = 1 - confidence
    mu = np.geomspace(1e-3, 1e6, 400)
    o_lo, o_hi = poisson_control_counts(mu, confidence)
    # Upper: the exact lower limit of O+ is mu (chi-squared quantile, another SciPy routine).
    np.testing.assert_allclose(stats.chi2.ppf(alpha / 2, 2 * o_hi) / 2, mu, rtol=RTOL)
    # Lower: the exact upper limit of O- is mu, wherever O- > 0.
    pos = o_lo > 0
    np.testing.assert_allclose(stats.chi2.ppf(1 - alpha / 2, 2 * o_lo[pos] + 2) / 2, mu[pos], RTOL)
    # O- = 0 exactly when even a count of 0 is not significantly low: U(0) >= mu.
    u0 = stats.chi2.ppf(1 - alpha / 2, 2) / 2
    np.testing.assert_array_equal(~pos, mu <= u0)


@pytest.mark.parametrize("k", [1, 2, 5, 10, 50, 400])
def test_upper_poisson_limit_passes_through_integer_counts_at_the_tail_probability(k: int) -> None:
    """At the expected count where O+ = k, P(Poisson(mu) >= k) = alpha/2 (Garwood 1936)."""
    mu = stats.chi2.ppf(0.025, 2 * k) / 2
    _, o_hi = poisson_control_counts(np.array([mu]), 0.95)
    assert o_hi[0] == pytest.approx(k, rel=RTOL)
    assert stats.poisson.sf(k - 1, mu) == pytest.approx(0.025, rel=1e-9)


def test_rate_limits_scale_counts_by_denominator() -> None:
    df = pd.DataFrame({"o": [12, 30, 7], "pop": [10_000, 25_000, 9_000]})
    out = healthgap.funnel_limits(df, "o", "pop", "rate", denominators=[5_000, 50_000])
    table = out.to_frame()
    t = 49 / 44_000 * 100_000
    assert out.multiplier == 100_000
    assert table["target"].tolist() == pytest.approx([t, t], rel=RTOL)
    for i, n in enumerate([5_000, 50_000]):
        mu = t / 100_000 * n
        # O+ solves chi2.ppf(0.025, 2 O+) / 2 = mu: find it by bisection in scalar Python.
        lo_o, hi_o = 0.0, 10 * mu + 50
        for _ in range(200):
            mid = (lo_o + hi_o) / 2
            if stats.chi2.ppf(0.025, 2 * mid) / 2 < mu:
                lo_o = mid
            else:
                hi_o = mid
        hi = lo_o / n * 100_000
        assert table.loc[i, "upper_95_0"] == pytest.approx(hi, rel=1e-9)


def test_zero_target_gives_zero_limits() -> None:
    df = pd.DataFrame({"o": [0, 0], "e": [3.0, 4.0]})
    out = healthgap.funnel_limits(df, "o", "e", "ratio", denominators=[1, 10]).to_frame()
    assert (out[["target", "lower_95_0", "upper_95_0", "upper_99_8"]] == 0).all(axis=None)


def test_default_grid_spans_the_data() -> None:
    result = healthgap.funnel_limits(proportions(), "x", "n", "proportion", points=7)
    grid = result.to_frame()["denominator"].to_numpy()
    assert len(grid) == 7
    assert grid[0] == 100.0 and grid[-1] == pytest.approx(440.0, rel=1e-15)
    np.testing.assert_allclose(np.diff(np.log(grid)), np.log(4.4) / 6, rtol=1e-12)
    assert list(result.to_frame().columns) == [
        "denominator",
        "target",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
    ]
    assert result.statistic == "Funnel plot control limits: proportion"
    assert result.method == "Wilson score, inverted at the target"
    assert result.notes == (
        "target 0.157658: the overall average, sum of numerators / sum of denominators "
        "over 4 rows.",
    )


def test_limits_widen_with_confidence_and_narrow_with_denominator() -> None:
    for statistic in ("proportion", "rate", "ratio"):
        out = healthgap.funnel_limits(proportions(), "x", "n", statistic).to_frame()
        assert (out["lower_99_8"] <= out["lower_95_0"]).all()
        assert (out["lower_95_0"] <= out["target"]).all()
        assert (out["target"] <= out["upper_95_0"]).all()
        assert (out["upper_95_0"] <= out["upper_99_8"]).all()
        assert out["upper_99_8"].is_monotonic_decreasing
        assert out["lower_99_8"].is_monotonic_increasing


def test_given_target_and_missing_rows() -> None:
    df = pd.DataFrame({"o": [10.0, np.nan, 5.0, 3.0], "e": [8.0, 4.0, 0.0, 2.0]})
    result = healthgap.funnel_limits(df, "o", "e", "ratio", multiplier=100, denominators=[5])
    assert result.parameters["target"] == pytest.approx(1800 / 10, rel=RTOL)
    assert result.notes == (
        "target 180: the overall average, sum of numerators / sum of denominators over 3 rows "
        "(1 row with a missing value left out).",
    )
    given_ = healthgap.funnel_limits(df, "o", "e", "ratio", 100, target=100, denominators=[5])
    assert given_.notes == ("target 100 (given).",)
    assert given_.statistic == "Funnel plot control limits: ratio x 100"
    assert given_.to_frame()["target"].tolist() == [100.0]


def test_polars_in_polars_out() -> None:
    out = healthgap.funnel_limits(pl.from_pandas(proportions()), "x", "n", "proportion")
    assert isinstance(out.to_frame(), pl.DataFrame)


# --- significance --------------------------------------------------------------------------


def test_significance_flags_and_columns() -> None:
    result = healthgap.funnel_significance(
        proportions(), "x", "n", "proportion", group_by="area", multiplier=100
    )
    out = result.to_frame()
    assert list(out.columns) == [
        "area",
        "numerator",
        "denominator",
        "value",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
        "target",
        "significance",
        "suppressed",
        "suppression_reason",
    ]
    # By hand from Spiegelhalter's z-score (p - p0) / sqrt(p0 (1 - p0) / n).
    p0 = 175 / 1110
    zs = [
        (x / n - p0) / math.sqrt(p0 * (1 - p0) / n)
        for x, n in [(30, 200), (50, 300), (80, 400), (15, 210)]
    ]
    expected = [
        "high (99.8%)"
        if s > z(0.998)
        else "high (95%)"
        if s > z(0.95)
        else "low (99.8%)"
        if s < -z(0.998)
        else "low (95%)"
        if s < -z(0.95)
        else "not significant"
        for s in zs
    ]
    assert (
        out["significance"].tolist()
        == expected
        == [
            "not significant",
            "not significant",
            "high (95%)",
            "low (99.8%)",
        ]
    )
    assert out["target"].tolist() == pytest.approx([p0 * 100] * 4, rel=RTOL)
    assert result.statistic == "Funnel plot significance: proportion (%)"


def test_rate_and_ratio_points_use_exact_poisson_limits() -> None:
    df = pd.DataFrame({"area": ["A", "B"], "o": [65, 4], "e": [50.0, 9.0]})
    out = healthgap.funnel_significance(df, "o", "e", "ratio", group_by="area", target=1)
    table = out.to_frame()
    for i, o in enumerate([65, 4]):
        e = [50.0, 9.0][i]
        assert table.loc[i, "lower_95_0"] == pytest.approx(
            stats.chi2.ppf(0.025, 2 * o) / 2 / e, rel=RTOL
        )
        assert table.loc[i, "upper_95_0"] == pytest.approx(
            stats.chi2.ppf(0.975, 2 * o + 2) / 2 / e, rel=RTOL
        )
    assert table["significance"].tolist() == ["high (95%)", "not significant"]


def test_suppressed_points_have_no_significance_but_count_for_the_target() -> None:
    df = pd.DataFrame({"area": ["A", "B", "B", "C"], "o": [5, 3, 1, 0], "pop": [900, 0, 100, 0]})
    with pytest.warns(
        SuppressionWarning,
        match=r"funnel_significance: 1 of 3 groups suppressed: denominator is 0 "
        r"\(1 group, first: area C\)",
    ):
        result = healthgap.funnel_significance(df, "o", "pop", "rate", group_by="area")
    out = result.to_frame()
    assert out["significance"].tolist()[2] is None
    assert out["suppressed"].tolist() == [False, False, True]
    # Target over all complete rows, including those with a denominator of 0: 9 / 1000.
    assert out.loc[0, "target"] == pytest.approx(900.0, rel=RTOL)
    assert out.loc[1, "value"] == pytest.approx(4 / 100 * 100_000, rel=RTOL)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["proportion", "rate", "ratio"]),
    st.lists(
        st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        min_size=2,
        max_size=30,
    ),
    st.sampled_from([0.95, 0.998]),
)
def test_flags_agree_with_the_drawn_limits(
    statistic: str, rows: list[tuple[int, int]], confidence: float
) -> None:
    df = pd.DataFrame(rows, columns=["x", "n"])
    df["id"] = range(len(df))
    points = healthgap.funnel_significance(
        df,
        "x",
        "n",
        statistic,
        group_by="id",
        confidence=confidence,  # type: ignore[arg-type]
    ).to_frame()
    limits = healthgap.funnel_limits(
        df,
        "x",
        "n",
        statistic,
        confidence=confidence,
        denominators=df["n"],  # type: ignore[arg-type]
    ).to_frame()
    label = "95_0" if confidence == 0.95 else "99_8"
    value, lo, hi = points["value"], limits[f"lower_{label}"], limits[f"upper_{label}"]
    # Skip points on a limit to rounding (ties are "not significant" by definition).
    gap = np.minimum(abs(value - lo), abs(value - hi)) / np.maximum(abs(value), 1e-12)
    assume(bool((gap > 1e-9).all()))
    pct = "95%" if confidence == 0.95 else "99.8%"
    expected = np.where(
        value > hi, f"high ({pct})", np.where(value < lo, f"low ({pct})", "not significant")
    )
    assert points["significance"].tolist() == expected.tolist()


# --- peers ---------------------------------------------------------------------------------


def test_proportion_limits_agree_with_phstatsmethods(rng: np.random.Generator) -> None:
    ph = importorskip_peer()
    n = 200
    df = pd.DataFrame({"area": [f"A{i:03d}" for i in range(n)], "n": rng.integers(5, 3000, n)})
    df["x"] = rng.binomial(df["n"], 0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.calculate_funnel_limits(df, "x", "proportion", 100, denom_col="n")
    ours = healthgap.funnel_limits(
        df, "x", "n", "proportion", multiplier=100, denominators=theirs["Population"]
    ).to_frame()
    np.testing.assert_allclose(ours["target"], theirs["baseline"], rtol=RTOL)
    for ours_col, their_col in [
        ("lower_95_0", "lower_2s_limit"),
        ("upper_95_0", "upper_2s_limit"),
        ("lower_99_8", "lower_3s_limit"),
        ("upper_99_8", "upper_3s_limit"),
    ]:
        np.testing.assert_allclose(ours[ours_col], theirs[their_col], rtol=RTOL, atol=1e-13)


def test_phstatsmethods_proportion_limits_exceed_one_with_multiplier_one() -> None:
    """Peer defect recorded in tests/reference/README.md: it cuts at 100 whatever the scale."""
    ph = importorskip_peer()
    df = pd.DataFrame({"x": [1, 2, 3, 50], "n": [3, 5, 10, 200]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.calculate_funnel_limits(df, "x", "proportion", 1, denom_col="n")
    assert theirs["upper_3s_limit"].max() > 1.5
    ours = healthgap.funnel_limits(df, "x", "n", "proportion", denominators=theirs["Population"])
    assert ours.to_frame()["upper_99_8"].max() == 1.0


@pytest.mark.parametrize("statistic", ["ratio", "rate"])
def test_poisson_limits_agree_with_phstatsmethods_to_its_precision(
    rng: np.random.Generator, statistic: str
) -> None:
    """The peer's expected counts carry errors up to ~4e-6 relative (README), so 1e-5 here;
    our own limits are checked against chi-squared quantiles to 1e-10 above."""
    ph = importorskip_peer()
    n = 150
    df = pd.DataFrame({"area": [f"A{i:03d}" for i in range(n)], "d": rng.uniform(2, 300, n)})
    df["o"] = rng.poisson(df["d"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if statistic == "ratio":
            m, target = 100.0, 100.0
            theirs = ph.calculate_funnel_limits(
                df, "o", "ratio", m, denom_col="d", ratio_type="isr"
            )
            x_col = "{side}_{s}_exp_events"
        else:
            m, target = 100_000.0, None
            df["d"] = df["d"] * 1000
            df["rate"] = df["o"] / df["d"] * m
            theirs = ph.calculate_funnel_limits(
                df, "o", "rate", m, denom_col="d", rate="rate", rate_type="crude", years_of_data=1
            )
            x_col = "{side}_{s}_population_1_year"
    for side in ("lower", "upper"):
        for s, c in (("2s", 0.95), ("3s", 0.998)):
            grid = theirs[x_col.format(side=side, s=s)]
            ours = healthgap.funnel_limits(
                df,
                "o",
                "d",
                statistic,
                multiplier=m,
                target=target,
                confidence=c,  # type: ignore[arg-type]
                denominators=grid,
            ).to_frame()
            col = f"{side}_{'95_0' if c == 0.95 else '99_8'}"
            np.testing.assert_allclose(ours[col], theirs[f"{side}_{s}_limit"], rtol=1e-5)


@pytest.mark.parametrize("statistic", ["proportion", "ratio", "rate"])
def test_significance_agrees_with_phstatsmethods(rng: np.random.Generator, statistic: str) -> None:
    ph = importorskip_peer()
    n = 300
    df = pd.DataFrame({"area": [f"A{i:03d}" for i in range(n)]})
    kwargs: dict[str, object] = {}
    target = None
    if statistic == "proportion":
        df["d"] = rng.integers(5, 3000, n)
        df["x"] = rng.binomial(df["d"], np.clip(0.2 + rng.normal(0, 0.04, n), 0.01, 0.9))
    elif statistic == "ratio":
        df["d"] = rng.uniform(0.5, 300, n)
        df["x"] = rng.poisson(df["d"] * rng.lognormal(0, 0.25, n))
        target = 1.0  # the peer compares ratios with 1
    else:
        df["d"] = rng.integers(1000, 300_000, n)
        df["x"] = rng.poisson(df["d"] * 5e-4 * rng.lognormal(0, 0.25, n))
        df["rate"] = df["x"] / df["d"] * 100_000
        kwargs = {"rate": "rate", "rate_type": "crude", "multiplier": 100_000}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.assign_funnel_significance(df, "x", statistic, denom_col="d", **kwargs)
    theirs = theirs.sort_values("area").reset_index(drop=True)
    ours = healthgap.funnel_significance(
        df,
        "x",
        "d",
        statistic,
        group_by="area",
        target=target,  # type: ignore[arg-type]
    ).to_frame()
    assert ours["significance"].tolist() == theirs["significance"].map(PEER_LABELS).tolist()
    assert ours["significance"].nunique() >= 4  # the data exercise most labels


def test_dsr_recipe_matches_phstatsmethods_dsr_funnels(rng: np.random.Generator) -> None:
    """Documented recipe: denominator = O / DSR * multiplier, as calculate_funnel_points derives."""
    ph = importorskip_peer()
    n = 200
    df = pd.DataFrame({"area": [f"A{i:03d}" for i in range(n)], "o": rng.integers(10, 400, n)})
    df["pop"] = rng.integers(5000, 200_000, n)
    df["dsr"] = df["o"] / df["pop"] * 1e5 * rng.uniform(0.8, 1.25, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        points = ph.calculate_funnel_points(
            df, "o", "dsr", "dsr", denom_col="pop", multiplier=100_000, years_of_data=1
        )
        theirs = ph.assign_funnel_significance(
            df, "o", "rate", denom_col="pop", rate="dsr", rate_type="dsr", multiplier=100_000
        )
    df["derived"] = df["o"] / df["dsr"] * 100_000
    np.testing.assert_allclose(df["derived"], points["denom_derived"], rtol=RTOL)
    ours = healthgap.funnel_significance(df, "o", "derived", "rate", group_by="area").to_frame()
    np.testing.assert_allclose(ours["value"], df["dsr"], rtol=RTOL)
    assert ours["significance"].tolist() == theirs["significance"].map(PEER_LABELS).tolist()


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"statistic": "rates"},
            r"statistic must be one of 'proportion', 'rate', 'ratio'; got 'rates'\.",
        ),
        (
            {"target": 1.5},
            r"target must be a number from 0 to 1 \(the multiplier\) for a proportion; got 1\.5\. ",
        ),
        (
            {"target": -1, "statistic": "rate"},
            r"target must be a number 0 or more for a rate; got -1",
        ),
        ({"target": "England"}, r"target must be a number from 0 to 1"),
        ({"multiplier": -100}, r"multiplier must be a number greater than 0; got -100"),
        (
            {"denominators": [100, 0]},
            r"denominators must be a non-empty list of numbers greater than 0; got \[100, 0\]",
        ),
        ({"denominators": []}, r"denominators must be a non-empty list"),
        ({"denominators": ["a"]}, r"denominators must be a non-empty list"),
        (
            {"points": 1},
            r"points must be a whole number of at least 2; got 1\. Use e\.g\. points=100\.",
        ),
        ({"numerator": "xx"}, r"numerator column 'xx' must be in data"),
        ({"confidence": 0}, r"confidence must be between 0 and 1"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"numerator": "x", "denominator": "n", "statistic": "proportion"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.funnel_limits(proportions(), **args)  # type: ignore[arg-type]


def test_numerator_above_denominator_is_an_error_only_for_proportions() -> None:
    df = pd.DataFrame({"area": ["A", "B"], "o": [12, 3], "e": [9.5, 4.0]})
    with pytest.raises(InputError, match=r"numerator column 'o' must be at most the denominator"):
        healthgap.funnel_significance(df, "o", "e", "proportion", group_by="area")
    out = healthgap.funnel_significance(df, "o", "e", "ratio", group_by="area").to_frame()
    assert out.loc[0, "value"] == pytest.approx(12 / 9.5, rel=RTOL)


def test_no_usable_rows_and_reserved_names_are_errors() -> None:
    df = pd.DataFrame({"o": [1.0, np.nan, 0.0], "e": [np.nan, 2.0, 0.0]})
    with pytest.raises(
        InputError,
        match=r"denominator must be greater than 0 in at least one row with a numerator to set "
        r"the funnel target; got none\.",
    ):
        healthgap.funnel_limits(df, "o", "e", "ratio")
    df = pd.DataFrame({"o": [0.0, 0.0], "e": [0.0, np.nan]})
    with pytest.raises(
        InputError,
        match=r"denominator must be greater than 0 in at least one row to place the default "
        r"denominators; got none\. Pass denominators=",
    ):
        healthgap.funnel_limits(df, "o", "e", "ratio", target=1)
    df = proportions().assign(significance=1)
    with pytest.raises(InputError, match=r"output column names \['significance'\]"):
        healthgap.funnel_significance(df, "x", "n", "proportion", group_by="significance")
