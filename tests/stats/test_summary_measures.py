"""inequality_measures: every WHO HEAT measure against its textbook definition.

Reference values come from scalar Python written from the formulas of METHODS.md
section 11 and the papers cited there, evaluated here one subgroup at a time; sources are
listed in tests/reference/README.md ("HEAT summary measures").
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.inequality import summary_measures as sm
from tests.conftest import RTOL

Z95 = stats.norm.ppf(0.975)

# ---------------------------------------------------------------------------------------
# Scalar reference implementation, written from the published definitions
# ---------------------------------------------------------------------------------------


def reference_values(
    y: Sequence[float],
    pop: Sequence[float],
    *,
    favourable: bool,
    ranks: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    reference: str | None = None,
    mu: float | None = None,
    e: float = 1000.0,
) -> dict[str, float]:
    """Every measure for one group, one subgroup at a time (Schlotheuber & Hosseinpoor
    2022; Hosseinpoor et al. 2016; METHODS.md section 11)."""
    n = len(y)
    labels = list(labels) if labels is not None else [str(i) for i in range(n)]
    if ranks is not None:
        idx = sorted(range(n), key=lambda j: ranks[j])
    else:
        idx = sorted(range(n), key=lambda j: labels[j])
    y = [float(y[j]) for j in idx]
    labels = [labels[j] for j in idx]
    total = float(sum(pop[j] for j in idx))
    p = [pop[j] / total for j in idx]
    weighted_mean = sum(pj * yj for pj, yj in zip(p, y, strict=True))
    m = weighted_mean if mu is None else mu
    ridit, cum = [], 0.0
    for pj in p:
        ridit.append(cum + pj / 2)
        cum += pj
    if ranks is not None:
        adv, dis = y[-1], y[0]
        a, b = (adv, dis) if favourable else (dis, adv)
        y_ref = adv
    elif reference is None:
        a, b = max(y), min(y)
        y_ref = max(y) if favourable else min(y)
    else:
        r = labels.index(reference)
        others = [v for j, v in enumerate(y) if j != r]
        a, b = (y[r], min(others)) if favourable else (max(others), y[r])
        y_ref = y[r]
    out: dict[str, float] = {"D": a - b, "R": a / b if b else math.nan}
    par = y_ref - m
    out["PAR"] = max(par, 0.0) if favourable else min(par, 0.0)
    out["PAF"] = 100 * out["PAR"] / m
    out["ACI"] = sum(pj * (2 * xj - 1) * yj for pj, xj, yj in zip(p, ridit, y, strict=True))
    out["RCI"] = 100 * out["ACI"] / m
    xbar = sum(pj * xj for pj, xj in zip(p, ridit, strict=True))
    sxy = sum(
        pj * (xj - xbar) * (yj - weighted_mean) for pj, xj, yj in zip(p, ridit, y, strict=True)
    )
    sxx = sum(pj * (xj - xbar) ** 2 for pj, xj in zip(p, ridit, strict=True))
    out["SII"] = sxy / sxx
    out["BGV"] = sum(pj * (yj - m) ** 2 for pj, yj in zip(p, y, strict=True))
    out["BGSD"] = math.sqrt(out["BGV"])
    out["COV"] = 100 * out["BGSD"] / m
    out["MDMU"] = sum(abs(yj - m) for yj in y) / n
    out["MDMW"] = sum(pj * abs(yj - m) for pj, yj in zip(p, y, strict=True))
    best = max(y) if favourable else min(y)
    out["MDBU"] = sum(abs(yj - best) for yj in y) / n
    out["MDBW"] = sum(pj * abs(yj - best) for pj, yj in zip(p, y, strict=True))
    if reference is not None:
        yr = y[labels.index(reference)]
        out["MDRU"] = sum(abs(yj - yr) for yj in y) / n
        out["MDRW"] = sum(pj * abs(yj - yr) for pj, yj in zip(p, y, strict=True))
    out["IDISU"] = 100 * out["MDMU"] / m
    out["IDISW"] = 100 * out["MDMW"] / m
    if all(yj > 0 for yj in y):
        out["MLD"] = e * sum(pj * -math.log(yj / m) for pj, yj in zip(p, y, strict=True))
    out["TI"] = e * sum(
        pj * (yj / m) * math.log(yj / m) for pj, yj in zip(p, y, strict=True) if yj > 0
    )
    return out


def table(result: healthgap.StatResult) -> pd.DataFrame:
    return result.to_pandas().set_index("measure")


def call(df: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    args: dict[str, Any] = {"value": "y", "population": "pop", "subgroup": "sub"}
    args.update(kwargs)
    return table(healthgap.inequality_measures(df, **args))


ORDERED = pd.DataFrame(
    {
        "sub": ["Q1", "Q2", "Q3", "Q4", "Q5"],
        "rank": [1, 2, 3, 4, 5],
        "y": [60.0, 65.0, 70.0, 74.0, 80.0],
        "pop": [1000, 1000, 1000, 1000, 1000],
        "se": [1.0, 1.2, 1.1, 1.3, 1.0],
    }
)

REGIONS = pd.DataFrame(
    {
        "sub": ["North", "Midlands", "East", "London", "South"],
        "y": [12.0, 9.5, 7.25, 8.0, 6.5],
        "pop": [2500, 4100, 1900, 5200, 3300],
        "se": [0.8, 0.6, 0.7, 0.4, 0.5],
    }
)


# ---------------------------------------------------------------------------------------
# Values against the definitions
# ---------------------------------------------------------------------------------------


def test_ordered_example_by_hand() -> None:
    """Five equal quintiles 60, 65, 70, 74, 80: mu = 69.8, ridits 0.1 .. 0.9."""
    out = call(ORDERED, favourable=True, ordered=True, order="rank", se="se")
    assert list(out.index) == ["D", "R", "PAR", "PAF", "SII", "RII", "ACI", "RCI"]
    assert out.loc["D", "value"] == pytest.approx(20.0, rel=RTOL)
    assert out.loc["R", "value"] == pytest.approx(80 / 60, rel=RTOL)
    assert out.loc["PAR", "value"] == pytest.approx(80 - 69.8, rel=RTOL)
    assert out.loc["PAF", "value"] == pytest.approx(100 * 10.2 / 69.8, rel=RTOL)
    # ACI = 0.2 (-0.8*60 - 0.4*65 + 0 + 0.4*74 + 0.8*80) = 3.92
    assert out.loc["ACI", "value"] == pytest.approx(3.92, rel=RTOL)
    assert out.loc["RCI", "value"] == pytest.approx(100 * 3.92 / 69.8, rel=RTOL)
    # SII = sum (X - 0.5)(y - 69.8) / sum (X - 0.5)^2 = 9.8 / 0.4 over ridits 0.1 .. 0.9
    assert out.loc["SII", "value"] == pytest.approx(24.5, rel=RTOL)
    np.testing.assert_allclose(out["setting_average"], 69.8, rtol=RTOL)
    assert (out["subgroups"] == 5).all()


@pytest.mark.parametrize("favourable", [True, False])
def test_ordered_measures_match_definitions(favourable: bool, rng: np.random.Generator) -> None:
    df = pd.DataFrame(
        {
            "sub": [f"D{i}" for i in range(1, 8)],
            "rank": [3, 1, 7, 2, 5, 4, 6],
            "y": rng.uniform(5, 60, 7),
            "pop": rng.integers(100, 9000, 7),
        }
    )
    out = call(df, favourable=favourable, ordered=True, order="rank")
    ref = reference_values(df.y, df["pop"], favourable=favourable, ranks=df["rank"])
    for code in ("D", "R", "PAR", "PAF", "SII", "ACI", "RCI"):
        assert out.loc[code, "value"] == pytest.approx(ref[code], rel=RTOL, abs=1e-12), code


@pytest.mark.parametrize("favourable", [True, False])
@pytest.mark.parametrize("reference", [None, "London", "North"])
@pytest.mark.parametrize("mu", [None, 8.4])
def test_non_ordered_measures_match_definitions(
    favourable: bool, reference: str | None, mu: float | None
) -> None:
    df = REGIONS.copy()
    kwargs: dict[str, Any] = {"favourable": favourable, "reference_subgroup": reference}
    if mu is not None:
        df["avg"] = mu
        kwargs["setting_average"] = "avg"
    out = call(df, **kwargs)
    ref = reference_values(
        df.y, df["pop"], favourable=favourable, labels=df["sub"], reference=reference, mu=mu
    )
    expected = set(ref) - {"SII", "ACI", "RCI"}
    assert set(out.index) == expected
    for code in expected:
        assert out.loc[code, "value"] == pytest.approx(ref[code], rel=RTOL, abs=1e-12), code


def test_par_is_floored_or_capped_at_zero() -> None:
    # Most advantaged (Q5) below the setting average: favourable PAR is 0, not negative.
    df = ORDERED.assign(y=[80.0, 74.0, 70.0, 65.0, 60.0])
    assert call(df, favourable=True, ordered=True, order="rank").loc["PAR", "value"] == 0.0
    # ... and for an adverse indicator a reference point above the average gives PAR 0.
    assert call(df, favourable=False, ordered=True, order="rank").loc["PAR", "value"] == (
        pytest.approx(60 - 69.8, rel=RTOL)
    )
    assert call(ORDERED, favourable=False, ordered=True, order="rank").loc["PAR", "value"] == 0.0


def test_entropy_multiplier_scales_mld_and_ti() -> None:
    a = call(REGIONS, favourable=False, measures=["MLD", "TI"], se="se")
    b = call(REGIONS, favourable=False, measures=["MLD", "TI"], se="se", entropy_multiplier=1)
    cols = ["value", "lower_95_0", "upper_95_0"]
    np.testing.assert_allclose(a[cols], 1000 * b[cols], rtol=RTOL)
    assert a.loc["MLD", "notes"] == "x 1000"


def test_zero_estimate_adds_nothing_to_theil_and_suppresses_mld() -> None:
    df = REGIONS.assign(y=[12.0, 0.0, 7.25, 8.0, 6.5])
    with pytest.warns(SuppressionWarning, match="MLD needs every subgroup estimate above 0"):
        out = call(df, favourable=False, measures=["MLD", "TI"])
    ref = reference_values(df.y, df["pop"], favourable=False, labels=df["sub"])
    assert out.loc["TI", "value"] == pytest.approx(ref["TI"], rel=RTOL)
    assert np.isnan(out.loc["MLD", "value"]) and out.loc["MLD", "suppressed"]


# ---------------------------------------------------------------------------------------
# Regression-based SII and RII
# ---------------------------------------------------------------------------------------


def ridits(pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = pop / pop.sum()
    return p, np.cumsum(p) - p / 2


def glm_by_root(y: np.ndarray, pop: np.ndarray, family: str) -> tuple[float, float]:
    """Solve the weighted score equations sum p (y - m) [1, X] = 0 with scipy's root finder."""
    p, x = ridits(pop)

    def score(theta: np.ndarray) -> list[float]:
        eta = theta[0] + theta[1] * x
        m = 1 / (1 + np.exp(-eta)) if family == "logistic" else np.exp(eta)
        r = p * (y - m)
        return [float(r.sum()), float((r * x).sum())]

    start = [0.0, 0.0] if family == "logistic" else [math.log(float(p @ y)), 0.0]
    sol = optimize.root(score, start, method="hybr", tol=1e-13)
    assert max(abs(v) for v in score(sol.x)) < 1e-14 * max(1.0, float(y.max()))
    return float(sol.x[0]), float(sol.x[1])


def test_rii_is_the_log_linear_fit_at_x1_over_x0() -> None:
    y, pop = ORDERED.y.to_numpy(), ORDERED["pop"].to_numpy(float)
    _, b = glm_by_root(y, pop, "poisson")
    out = call(ORDERED, favourable=True, ordered=True, order="rank", measures=["RII"])
    assert out.loc["RII", "value"] == pytest.approx(math.exp(b), rel=RTOL)
    assert "log-linear (Poisson) model" in out.loc["RII", "notes"]


def test_rii_converges_from_a_poor_start() -> None:
    """A small subgroup far above the rest: plain Newton overshoots; step halving does not."""
    df = pd.DataFrame({"sub": ["a", "b", "c"], "rank": [1, 2, 3], "y": [1.0, 500.0, 4.0]})
    df["pop"] = [272, 6, 28]
    _, b = glm_by_root(df.y.to_numpy(), df["pop"].to_numpy(float), "poisson")
    out = call(df, favourable=True, ordered=True, order="rank", measures=["RII"])
    assert out.loc["RII", "value"] == pytest.approx(math.exp(b), rel=RTOL)


def test_logistic_sii_and_rii_for_proportions() -> None:
    df = ORDERED.assign(pop=[1200, 900, 1000, 800, 1100])
    q, pop = df.y.to_numpy() / 100, df["pop"].to_numpy(float)
    a, b = glm_by_root(q, pop, "logistic")
    pi0, pi1 = 1 / (1 + math.exp(-a)), 1 / (1 + math.exp(-(a + b)))
    out = call(df, favourable=True, ordered=True, order="rank", proportion_scale=100)
    assert out.loc["SII", "value"] == pytest.approx(100 * (pi1 - pi0), rel=RTOL)
    assert out.loc["RII", "value"] == pytest.approx(pi1 / pi0, rel=RTOL)
    # The same proportions on a 0-1 scale give the same RII and a SII 100 times smaller.
    frac = call(
        df.assign(y=df.y / 100), favourable=True, ordered=True, order="rank", proportion_scale=1
    )
    assert frac.loc["RII", "value"] == pytest.approx(pi1 / pi0, rel=RTOL)
    assert frac.loc["SII", "value"] == pytest.approx(pi1 - pi0, rel=RTOL)


def test_logistic_fit_at_the_boundary() -> None:
    full = ORDERED.assign(y=100.0)
    out = call(full, favourable=True, ordered=True, order="rank", proportion_scale=100)
    assert out.loc["SII", "value"] == 0.0 and out.loc["RII", "value"] == 1.0
    with pytest.warns(SuppressionWarning, match="the regression has no finite fit"):
        zero = call(
            ORDERED.assign(y=0.0),
            favourable=True,
            ordered=True,
            order="rank",
            proportion_scale=100,
            measures=["RII"],
        )
    assert zero.loc["RII", "suppressed"]


# ---------------------------------------------------------------------------------------
# Analytic confidence limits
# ---------------------------------------------------------------------------------------


def test_difference_ratio_aci_sii_limits() -> None:
    out = call(ORDERED, favourable=True, ordered=True, order="rank", se="se")
    s = ORDERED.se.to_numpy()
    se_d = math.hypot(s[4], s[0])
    assert out.loc["D", "lower_95_0"] == pytest.approx(20 - Z95 * se_d, rel=RTOL)
    assert out.loc["D", "upper_95_0"] == pytest.approx(20 + Z95 * se_d, rel=RTOL)
    se_log_r = math.hypot(s[4] / 80, s[0] / 60)
    assert out.loc["R", "lower_95_0"] == pytest.approx(80 / 60 * math.exp(-Z95 * se_log_r))
    assert out.loc["R", "upper_95_0"] == pytest.approx(80 / 60 * math.exp(Z95 * se_log_r))
    ridit = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    se_aci = math.sqrt(sum((0.2 * (2 * x - 1) * v) ** 2 for x, v in zip(ridit, s, strict=True)))
    assert out.loc["ACI", "upper_95_0"] == pytest.approx(3.92 + Z95 * se_aci, rel=RTOL)
    # SII = sum c_j y_j with c_j = p_j (X_j - 0.5) / sum p (X - 0.5)^2 = (X_j - 0.5) / 0.08
    se_sii = math.sqrt(sum(((x - 0.5) / 0.4 * v) ** 2 for x, v in zip(ridit, s, strict=True)))
    assert out.loc["SII", "lower_95_0"] == pytest.approx(24.5 - Z95 * se_sii, rel=RTOL)
    assert out.loc["D", "method"] == "Normal, exact variance"
    assert out.loc["R", "method"] == "Log-normal"


@pytest.mark.parametrize("mu", [None, 8.4])
def test_bgv_limits_use_the_quadratic_form_variance(mu: float | None) -> None:
    df = REGIONS.copy()
    kwargs: dict[str, Any] = {}
    if mu is not None:
        df["avg"] = mu
        kwargs["setting_average"] = "avg"
    out = call(df, favourable=False, se="se", measures=["BGV"], **kwargs)
    y, s = df.y.to_numpy(), df.se.to_numpy()
    p = df["pop"].to_numpy() / df["pop"].sum()
    if mu is None:  # BGV = y'Ay, A = diag(p) - pp': Var = 4 y'ASAy + 2 tr(ASAS)
        a = np.diag(p) - np.outer(p, p)
        cov = np.diag(s**2)
        var = 4 * y @ a @ cov @ a @ y + 2 * np.trace(a @ cov @ a @ cov)
        value = y @ a @ y
    else:
        var = float(np.sum(p**2 * (4 * (y - mu) ** 2 * s**2 + 2 * s**4)))
        value = float(np.sum(p * (y - mu) ** 2))
    assert out.loc["BGV", "value"] == pytest.approx(value, rel=RTOL)
    assert out.loc["BGV", "upper_95_0"] == pytest.approx(value + Z95 * math.sqrt(var), rel=RTOL)
    assert out.loc["BGV", "method"] == "Normal, quadratic-form variance"


def test_bgv_variance_is_the_exact_variance_under_normal_estimates() -> None:
    """Seeded simulation of BGV itself: the variance matches to within 2%."""
    y, s = REGIONS.y.to_numpy(), REGIONS.se.to_numpy() * 3
    p = REGIONS["pop"].to_numpy() / REGIONS["pop"].sum()
    draws = y + s * np.random.default_rng(5).standard_normal((400_000, 5))
    mu = draws @ p
    simulated = np.var(((draws - mu[:, None]) ** 2) @ p)
    out = call(REGIONS.assign(se=s), favourable=False, se="se", measures=["BGV"])
    half = out.loc["BGV", "upper_95_0"] - out.loc["BGV", "value"]
    assert (half / Z95) ** 2 == pytest.approx(simulated, rel=0.02)


def numeric_variance(f: Any, y: np.ndarray, s: np.ndarray, h: float = 1e-6) -> float:
    """Delta-method variance from central finite differences of the scalar definition."""
    grad = []
    for j in range(len(y)):
        up, down = y.copy(), y.copy()
        up[j] += h * y[j]
        down[j] -= h * y[j]
        grad.append((f(up) - f(down)) / (2 * h * y[j]))
    return float(np.sum(np.array(grad) ** 2 * s**2))


@pytest.mark.parametrize("mu", [None, 8.4])
@pytest.mark.parametrize("code", ["MLD", "TI", "RCI"])
def test_delta_method_limits_match_numerical_derivatives(code: str, mu: float | None) -> None:
    ordered = code == "RCI"
    df = (ORDERED if ordered else REGIONS).copy()
    kwargs: dict[str, Any] = {"order": "rank", "ordered": True} if ordered else {}
    if mu is not None:
        df["avg"] = mu if not ordered else 69.0
        kwargs["setting_average"] = "avg"
    out = call(df, favourable=False, se="se", measures=[code], **kwargs)
    y, s = df.y.to_numpy(), df.se.to_numpy()
    given = None if mu is None else float(df["avg"].iloc[0])

    def f(v: np.ndarray) -> float:
        return reference_values(
            v,
            df["pop"],
            favourable=False,
            labels=df["sub"],
            ranks=df["rank"] if ordered else None,
            mu=given,
        )[code]

    half = out.loc[code, "upper_95_0"] - out.loc[code, "value"]
    assert (half / Z95) ** 2 == pytest.approx(numeric_variance(f, y, s), rel=1e-6)
    assert out.loc[code, "method"] == "Normal, delta-method variance"


def test_limits_from_95_percent_limits_equal_limits_from_se() -> None:
    df = REGIONS.assign(lo=REGIONS.y - Z95 * REGIONS.se, hi=REGIONS.y + Z95 * REGIONS.se)
    a = call(df, favourable=True, se="se")
    b = call(df, favourable=True, lower="lo", upper="hi")
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Monte Carlo limits
# ---------------------------------------------------------------------------------------


def test_monte_carlo_par_matches_its_exact_normal_limits() -> None:
    """PAR = y_Q5 - sum p y is linear when the floor does not bite, so its limits are
    normal with Var = (1 - p5)^2 s5^2 + sum_{j<5} p_j^2 s_j^2 (MC tolerance 0.03 SE)."""
    out = call(
        ORDERED,
        favourable=True,
        ordered=True,
        order="rank",
        se="se",
        measures=["PAR"],
        repetitions=200_000,
    )
    s = ORDERED.se.to_numpy()
    se = math.sqrt(0.8**2 * s[4] ** 2 + sum((0.2 * v) ** 2 for v in s[:4]))
    assert out.loc["PAR", "lower_95_0"] == pytest.approx(10.2 - Z95 * se, abs=0.03 * se)
    assert out.loc["PAR", "upper_95_0"] == pytest.approx(10.2 + Z95 * se, abs=0.03 * se)
    assert out.loc["PAR", "method"] == "Monte Carlo (200,000 draws)"


def test_monte_carlo_limits_are_order_statistics_of_the_draws() -> None:
    """BGSD limits are the round(R alpha/2)-th and round(R(1-alpha/2))-th smallest draws
    of the BGSD recomputed from y + s z, with z from default_rng(seed), subgroup by
    subgroup in label order."""
    reps, seed = 1000, 7
    out = call(REGIONS, favourable=True, se="se", measures=["BGSD"], repetitions=reps, seed=seed)
    order = np.argsort(REGIONS["sub"].to_numpy())
    y, s = REGIONS.y.to_numpy()[order], REGIONS.se.to_numpy()[order]
    p = REGIONS["pop"].to_numpy()[order] / REGIONS["pop"].sum()
    z = np.random.default_rng(seed).standard_normal((5, reps)).T
    draws = y + s * z
    bgsd = np.sort(np.sqrt((((draws.T - draws @ p).T) ** 2) @ p))
    assert out.loc["BGSD", "lower_95_0"] == pytest.approx(bgsd[25 - 1], rel=RTOL)
    assert out.loc["BGSD", "upper_95_0"] == pytest.approx(bgsd[975 - 1], rel=RTOL)


def many_groups(rng: np.random.Generator, n: int = 6) -> pd.DataFrame:
    frames = []
    for g in range(n):
        k = 3 + g % 3
        frames.append(
            pd.DataFrame(
                {
                    "area": f"A{g}",
                    "sub": [f"S{j}" for j in range(k)],
                    "rank": rng.permutation(k) + 1,
                    "y": rng.uniform(10, 90, k),
                    "pop": rng.integers(50, 5000, k),
                    "se": rng.uniform(0.5, 4, k),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("ordered", [True, False])
def test_all_groups_at_once_equal_one_group_at_a_time(
    ordered: bool, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    df = many_groups(rng)
    kwargs: dict[str, Any] = {"ordered": True, "order": "rank"} if ordered else {}
    kwargs.update(favourable=True, se="se", repetitions=500, group_by="area")
    together = call(df, **kwargs).reset_index()
    # Monte Carlo in blocks of one group gives the same limits (common random numbers).
    monkeypatch.setattr(sm, "DRAWS_PER_BLOCK", 1)
    for area, part in df.groupby("area"):
        alone = call(part, **kwargs).reset_index()
        mine = together[together["area"] == area].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, mine, rtol=1e-12)


def test_seed_makes_limits_repeat_and_none_draws_afresh() -> None:
    kwargs: dict[str, Any] = {"favourable": True, "se": "se", "measures": ["MDMU"]}
    a = call(REGIONS, repetitions=300, seed=3, **kwargs)
    b = call(REGIONS, repetitions=300, seed=3, **kwargs)
    c = call(REGIONS, repetitions=300, seed=4, **kwargs)
    assert a.loc["MDMU", "lower_95_0"] == b.loc["MDMU", "lower_95_0"]
    assert a.loc["MDMU", "lower_95_0"] != c.loc["MDMU", "lower_95_0"]


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

subgroup_data = st.lists(
    st.tuples(
        st.floats(1.0, 500.0, allow_nan=False),
        st.integers(1, 100_000),
        st.floats(0.01, 5.0, allow_nan=False),
    ),
    min_size=3,
    max_size=8,
)


def frame_of(rows: list[tuple[float, int, float]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["y", "pop", "se"])
    df["sub"] = [f"G{i:02d}" for i in range(len(df))]
    df["rank"] = np.arange(1, len(df) + 1)
    return df


@settings(max_examples=25, deadline=None)
@given(subgroup_data, st.floats(0.1, 500.0), st.booleans())
def test_equal_subgroups_show_no_inequality(
    rows: list[tuple[float, int, float]], level: float, favourable: bool
) -> None:
    df = frame_of(rows).assign(y=level)
    kw: dict[str, Any] = {"favourable": favourable, "repetitions": 100}
    ordered = call(df, ordered=True, order="rank", **kw)
    flat = call(df, **kw)
    for out in (ordered, flat):
        assert out.loc["D", "value"] == pytest.approx(0, abs=1e-9 * level)
        assert out.loc["R", "value"] == pytest.approx(1, rel=1e-12)
        assert out.loc["PAR", "value"] == pytest.approx(0, abs=1e-9 * level)
    for code in ("ACI", "RCI", "SII"):
        assert ordered.loc[code, "value"] == pytest.approx(0, abs=1e-9 * level), code
    assert ordered.loc["RII", "value"] == pytest.approx(1, rel=1e-9)
    for code in ("BGV", "BGSD", "COV", "MDMU", "MDMW", "MDBU", "MDBW", "IDISU", "IDISW"):
        assert flat.loc[code, "value"] == pytest.approx(0, abs=1e-9 * level), code
    for code in ("MLD", "TI"):
        assert flat.loc[code, "value"] == pytest.approx(0, abs=1e-9), code


@settings(max_examples=20, deadline=None)
@given(subgroup_data, st.randoms(use_true_random=False), st.booleans())
def test_results_do_not_depend_on_row_order(
    rows: list[tuple[float, int, float]], rnd: Any, ordered: bool
) -> None:
    df = frame_of(rows)
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    kw: dict[str, Any] = {"favourable": False, "se": "se", "repetitions": 200}
    if ordered:
        kw.update(ordered=True, order="rank")
    pd.testing.assert_frame_equal(call(df, **kw), call(shuffled, **kw), rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(subgroup_data, st.floats(0.001, 1000.0))
def test_relative_measures_do_not_depend_on_the_unit(
    rows: list[tuple[float, int, float]], c: float
) -> None:
    df = frame_of(rows)
    scaled = df.assign(y=df.y * c, se=df.se * c)
    for kw in ({"ordered": True, "order": "rank"}, {}):
        a = call(df, favourable=True, se="se", repetitions=200, **kw)
        b = call(scaled, favourable=True, se="se", repetitions=200, **kw)
        relative = [
            m for m in ("R", "RCI", "RII", "PAF", "COV", "IDISU", "MLD", "TI") if m in a.index
        ]
        cols = ["value", "lower_95_0", "upper_95_0"]
        np.testing.assert_allclose(
            a.loc[relative, cols].to_numpy(float),
            b.loc[relative, cols].to_numpy(float),
            rtol=1e-7,
            atol=1e-9,
        )


@settings(max_examples=20, deadline=None)
@given(subgroup_data)
def test_analytic_limits_contain_the_value_and_widen_with_confidence(
    rows: list[tuple[float, int, float]],
) -> None:
    df = frame_of(rows)
    for kw in ({"ordered": True, "order": "rank"}, {}):
        out = call(df, favourable=True, se="se", confidence=(0.9, 0.95, 0.998), **kw)
        analytic = out[~out["method"].str.startswith("Monte Carlo")]
        assert (analytic["lower_90_0"] <= analytic["value"]).all()
        assert (analytic["value"] <= analytic["upper_90_0"]).all()
        assert (analytic["lower_99_8"] <= analytic["lower_95_0"]).all()
        assert (analytic["lower_95_0"] <= analytic["lower_90_0"]).all()
        assert (analytic["upper_90_0"] <= analytic["upper_95_0"]).all()
        mc = out[out["method"].str.startswith("Monte Carlo") & out["lower_95_0"].notna()]
        assert (mc["lower_99_8"] <= mc["lower_95_0"]).all()
        assert (mc["upper_95_0"] <= mc["upper_99_8"]).all()


# ---------------------------------------------------------------------------------------
# Output shape, applicability, notes
# ---------------------------------------------------------------------------------------


def test_columns_and_result_metadata() -> None:
    result = healthgap.inequality_measures(
        REGIONS, "y", "pop", "sub", favourable=True, se="se", confidence=(0.9, 0.95)
    )
    assert list(result.to_frame().columns) == [
        "measure",
        "measure_name",
        "value",
        "lower_90_0",
        "upper_90_0",
        "lower_95_0",
        "upper_95_0",
        "method",
        "setting_average",
        "subgroups",
        "applicable",
        "suppressed",
        "suppression_reason",
        "notes",
    ]
    assert result.confidence == (0.9, 0.95)
    assert result.parameters["measures"][0] == "D"
    assert any("Schlotheuber" in r for r in result.references)
    assert "WHO HEAT" in result.summary()


def test_polars_in_polars_out() -> None:
    out = healthgap.inequality_measures(
        pl.from_pandas(REGIONS), "y", "pop", "sub", favourable=True, measures="D"
    ).to_frame()
    assert isinstance(out, pl.DataFrame)
    assert out["value"].to_list() == pytest.approx([12.0 - 6.5], rel=RTOL)


def test_complex_measures_need_three_subgroups() -> None:
    df = pd.DataFrame({"area": ["A", "A", "B", "B", "B"], "sub": ["F", "M", "X", "Y", "Z"]}).assign(
        y=[5.0, 7.0, 4.0, 6.0, 9.0], pop=100
    )
    out = healthgap.inequality_measures(
        df, "y", "pop", "sub", group_by="area", favourable=True, measures=["D", "BGV"]
    ).to_pandas()
    a_bgv = out[(out.area == "A") & (out.measure == "BGV")].iloc[0]
    assert not a_bgv["applicable"] and not a_bgv["suppressed"] and np.isnan(a_bgv["value"])
    assert a_bgv["notes"] == "not applicable: needs 3 or more subgroups; this group has 2"
    assert pd.isna(a_bgv["method"])
    assert out[out.area == "B"]["applicable"].all()
    assert out[(out.area == "A") & (out.measure == "D")]["value"].iloc[0] == 2.0


def test_default_measures_follow_the_dimension() -> None:
    non_ordered = list(call(REGIONS, favourable=True).index)
    assert non_ordered == [
        *("D", "R", "PAR", "PAF", "BGV", "BGSD", "COV", "MDMU", "MDMW"),
        *("MDBU", "MDBW", "IDISU", "IDISW", "MLD", "TI"),
    ]
    with_ref = list(call(REGIONS, favourable=True, reference_subgroup="London").index)
    assert {"MDRU", "MDRW"} <= set(with_ref)
    ordered = list(call(ORDERED, favourable=True, ordered=True, order="rank").index)
    assert ordered == ["D", "R", "PAR", "PAF", "SII", "RII", "ACI", "RCI"]


def test_notes_say_which_way_the_measures_point() -> None:
    fav = call(ORDERED, favourable=True, ordered=True, order="rank", se="se")
    assert fav.loc["D", "notes"] == "Q5 minus Q1; positive means Q1 is worse off"
    assert fav.loc["SII", "notes"].startswith("ranks from Q1 (X = 0) to Q5 (X = 1); linear")
    assert "positive = higher among the more advantaged" in fav.loc["ACI", "notes"]
    adv = call(ORDERED, favourable=False, ordered=True, order="rank", se="se")
    assert adv.loc["D", "notes"] == "Q1 minus Q5; positive means Q1 is worse off"
    assert adv.loc["D", "value"] == pytest.approx(-20.0, rel=RTOL)
    assert "below 1 = higher among the more disadvantaged" in adv.loc["RII", "notes"]
    ref = call(REGIONS, favourable=False, reference_subgroup="London", se="se")
    assert ref.loc["D", "notes"] == "North minus London; positive means North is worse off"
    assert ref.loc["MDRU", "notes"] == "reference subgroup London"
    best = call(REGIONS, favourable=False, se="se")
    assert best.loc["MDBU", "notes"] == "best-performing subgroup South"


def test_no_standard_errors_gives_values_without_limits() -> None:
    result = healthgap.inequality_measures(REGIONS, "y", "pop", "sub", favourable=True)
    out = result.to_pandas()
    assert out["value"].notna().all() and out["lower_95_0"].isna().all()
    assert out["notes"].str.contains("no limits: no standard errors").all()
    assert result.notes


# ---------------------------------------------------------------------------------------
# Suppression
# ---------------------------------------------------------------------------------------


def test_group_level_problems_suppress_only_that_group() -> None:
    df = pd.concat(
        [
            REGIONS.assign(area="A"),
            REGIONS.assign(area="B", y=[12.0, np.nan, 7.25, 8.0, 6.5]),
            REGIONS.assign(area="C", pop=0),
        ],
        ignore_index=True,
    )
    with pytest.warns(
        SuppressionWarning,
        match=r"inequality_measures: 4 of 6 rows suppressed: estimate is missing for a "
        r"subgroup \(2 rows, first: area B, measure D\); population is 0 \(2 rows, first: "
        r"area C, measure D\)\.",
    ):
        out = healthgap.inequality_measures(
            df, "y", "pop", "sub", group_by="area", favourable=True, measures=["D", "BGV"]
        ).to_pandas()
    assert out["suppressed"].tolist() == [False, False, True, True, True, True]
    assert out["value"].iloc[2:].isna().all()


def test_missing_standard_error_keeps_the_value() -> None:
    df = REGIONS.assign(se=[0.8, np.nan, 0.7, 0.4, 0.5])
    out = call(df, favourable=True, se="se", measures=["D", "BGSD"])
    assert out["value"].notna().all() and out["lower_95_0"].isna().all()
    assert out.loc["BGSD", "notes"].endswith("no limits: a standard error is missing")


@pytest.mark.parametrize(
    ("y", "codes", "reason"),
    [
        ([0.0, 9.5, 7.25, 8.0, 6.5], ["R"], "R is undefined: the denominator estimate is 0"),
        ([-1.0, -2.0, -1.5, -3.0, -1.0], ["COV"], "setting average is 0 or negative"),
        ([1.0, -2.0, 1.5, 3.0, 1.0], ["TI"], "TI needs subgroup estimates of 0 or more"),
    ],
)
def test_relative_measures_need_positive_values(
    y: list[float], codes: list[str], reason: str
) -> None:
    with pytest.warns(SuppressionWarning, match=reason):
        out = call(REGIONS.assign(y=y), favourable=True, measures=codes)
    assert out["suppressed"].all() and (out["suppression_reason"] == reason).all()


def test_rii_needs_non_negative_estimates() -> None:
    df = ORDERED.assign(y=[-1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.warns(SuppressionWarning, match="RII needs subgroup estimates of 0 or more"):
        out = call(df, favourable=True, ordered=True, order="rank", measures=["RII", "SII"])
    assert out.loc["RII", "suppressed"] and not out.loc["SII", "suppressed"]


def test_reference_subgroup_missing_from_one_group() -> None:
    df = pd.concat(
        [REGIONS.assign(area="A"), REGIONS[REGIONS["sub"] != "London"].assign(area="B")],
        ignore_index=True,
    )
    with pytest.warns(SuppressionWarning, match="reference subgroup 'London' is not in this group"):
        out = healthgap.inequality_measures(
            df,
            "y",
            "pop",
            "sub",
            group_by="area",
            favourable=True,
            reference_subgroup="London",
            measures=["D", "MDRU", "BGV"],
        ).to_pandas()
    # canonical order D, BGV, MDRU within each area
    assert out["suppressed"].tolist() == [False, False, False, True, False, True]


def test_setting_average_cells_may_be_empty() -> None:
    df = REGIONS.assign(avg=[np.nan, 8.4, np.nan, np.nan, np.nan])
    out = call(df, favourable=True, setting_average="avg", measures=["BGV"])
    assert out.loc["BGV", "setting_average"] == 8.4
    empty = call(REGIONS.assign(avg=np.nan), favourable=True, setting_average="avg")
    mean = float(np.average(REGIONS.y, weights=REGIONS["pop"]))
    assert empty.loc["BGV", "setting_average"] == pytest.approx(mean, rel=RTOL)


# ---------------------------------------------------------------------------------------
# Structural errors
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"favourable": "yes"}, r"favourable must be True \(higher is better\) or False; got "),
        ({"ordered": 1}, r"ordered must be True for a ranked dimension; got 1\."),
        ({"ordered": True}, r"order must name the column of subgroup ranks when ordered=True"),
        ({"order": "rank"}, r"ordered must be True when an order column is given; got "),
        (
            {"ordered": True, "order": "rank", "reference_subgroup": "Q5"},
            r"reference_subgroup must be None for an ordered dimension; got 'Q5'",
        ),
        (
            {"reference_subgroup": "Londn"},
            r"reference_subgroup must be one of the subgroups in column 'sub'; got 'Londn'\. "
            r"Subgroups are: 'Q1', 'Q2'",
        ),
        ({"measures": ["D", "XYZ"]}, r"measures must be codes from D, R, PAR, .*; got 'XYZ'"),
        ({"measures": ["SII"]}, r"measures must apply to a non-ordered dimension; got 'SII'"),
        (
            {"ordered": True, "order": "rank", "measures": "BGV"},
            r"measures must apply to an ordered dimension; got 'BGV'\. For an ordered "
            r"dimension use D, R, PAR, PAF, SII, RII, ACI, RCI\.",
        ),
        ({"measures": []}, r"measures must name at least one measure; got an empty list"),
        ({"measures": ["D", "D"]}, r"measures must not repeat a code; got \['D', 'D'\]"),
        ({"measures": ["MDRU"]}, r"reference_subgroup must be given for MDRU; got None"),
        ({"se": "se", "lower": "lo"}, r"se must not be given together with lower and upper"),
        ({"lower": "lo"}, r"lower and upper must be given together; got lower='lo', upper=None"),
        ({"repetitions": 50}, r"repetitions must be a whole number of at least 100; got 50"),
        (
            {"repetitions": 300, "confidence": 0.999},
            r"repetitions must be at least 1000 for 0.999 confidence limits",
        ),
        ({"seed": -1}, r"seed must be a whole number of at least 0; got -1"),
        ({"proportion_scale": 0}, r"proportion_scale must be a number greater than 0"),
        ({"entropy_multiplier": -5}, r"entropy_multiplier must be a number greater than 0"),
        ({"confidence": 100}, r"confidence must be between 0 and 1"),
        ({"value": "rate"}, r"value column 'rate' must be in data; got columns \[sub, rank"),
        ({"se": "stderr"}, r"se column 'stderr' must be in data"),
        ({"group_by": "sub"}, r"subgroup column must not also be a group_by column"),
        ({"group_by": "measure"}, r"group_by columns must not use the output column names"),
    ],
)
def test_structural_errors(kwargs: dict[str, Any], message: str) -> None:
    df = ORDERED.assign(lo=ORDERED.y - 2, hi=ORDERED.y + 2, measure="x")
    args: dict[str, Any] = {"value": "y", "population": "pop", "subgroup": "sub"}
    args["favourable"] = True
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.inequality_measures(df, **args)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (
            {"sub": ["Q1", "Q1", "Q3", "Q4", "Q5"]},
            {},
            r"subgroup column 'sub' must name each subgroup once per group; got 'Q1' twice "
            r"in all rows \(rows 1 and 2\)",
        ),
        (
            {"rank": [1, 2, 2, 4, 5]},
            {"ordered": True, "order": "rank"},
            r"order column 'rank' must give each subgroup its own rank within a group; got "
            r"rank 2 twice in all rows \(rows 2 and 3\)",
        ),
        (
            {"rank": [1, 2, 3.5, 4, 5]},
            {"ordered": True, "order": "rank"},
            r"order column 'rank' must hold a whole-number rank for every subgroup \(1 = most "
            r"disadvantaged\); got 3.5 at row 3",
        ),
        (
            {"y": [60.0, 65.0, 170.0, 74.0, 80.0]},
            {"proportion_scale": 100},
            r"value column 'y' must lie between 0 and proportion_scale \(100\); got 1 value "
            r"outside \(first: 170 at row 3\)",
        ),
        (
            {"se": [1.0, -1.0, 1.0, 1.0, 1.0]},
            {"se": "se"},
            r"se column 'se' must be 0 or more; got 1 negative value",
        ),
        (
            {"pop": [1, 2, -3, 4, 5]},
            {},
            r"population column 'pop' must be 0 or more; got 1 negative value",
        ),
        (
            {"lo": [59.0, 66.0, 69.0, 73.0, 79.0], "hi": [61.0, 64.0, 71.0, 75.0, 81.0]},
            {"lower": "lo", "upper": "hi"},
            r"upper column 'hi' must be at least lower column 'lo'; got 1 row where it is "
            r"smaller \(first at row 2\)",
        ),
        (
            {"avg": [70.0, 70.0, 71.0, 70.0, 70.0]},
            {"setting_average": "avg"},
            r"setting_average column 'avg' must hold one value per group; got 70 and 71 in "
            r"all rows",
        ),
        (
            {"sub": ["Q1", None, "Q3", "Q4", "Q5"]},
            {},
            r"subgroup column 'sub' must name every subgroup; got an empty label at row 2",
        ),
        (
            {"y": ["60", "65", "x", "74", "80"]},
            {},
            r"value column 'y' must hold numbers; got 1 row of text",
        ),
    ],
)
def test_structural_errors_in_the_data(
    change: dict[str, list[Any]], kwargs: dict[str, Any], message: str
) -> None:
    df = ORDERED.assign(lo=ORDERED.y - 1, hi=ORDERED.y + 1, avg=70.0)
    for column, values in change.items():
        df[column] = pd.Series(values, dtype=object if None in values else None)
    with pytest.raises(InputError, match=message):
        healthgap.inequality_measures(df, "y", "pop", "sub", favourable=True, **kwargs)


def test_wrong_data_type_or_empty_data_is_an_error() -> None:
    with pytest.raises(InputError, match=r"data must be a pandas or polars DataFrame"):
        healthgap.inequality_measures([1], "y", "pop", "sub", favourable=True)
    with pytest.raises(InputError, match=r"data must have at least one row per subgroup; got an"):
        healthgap.inequality_measures(REGIONS.iloc[:0], "y", "pop", "sub", favourable=True)


def test_a_single_subgroup_is_suppressed() -> None:
    with pytest.warns(SuppressionWarning, match="fewer than 2 subgroups"):
        out = call(REGIONS.iloc[:1], favourable=True, measures=["D", "BGV"])
    assert out.loc["D", "suppressed"] and not out.loc["BGV", "applicable"]


def test_warning_free_on_clean_data() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call(many_groups(np.random.default_rng(1)), favourable=True, group_by="area", se="se")
