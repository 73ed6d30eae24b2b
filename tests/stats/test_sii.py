"""sii: closed forms against lstsq, Monte Carlo limits against exact and independent
simulations, the ONS published SII, reproducibility, suppression and errors.

Sources of reference values are listed in tests/reference/README.md ("sii").
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import healthgap
from healthgap.errors import InputError, MethodWarning, SuppressionWarning
from healthgap.stats.inequality import sii as sii_module
from tests.conftest import RTOL
from tests.needs import need_file

Z95 = stats.norm.ppf(0.975)

Z975 = float(stats.norm.ppf(0.975))

# --------------------------------------------------------------------------- helpers


def shared_data() -> Path:
    """The shared open-data mirror: HEALTHGAP_MIRROR, else ../shared/data beside the repo."""
    env = os.environ.get("HEALTHGAP_MIRROR")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def make_areas(
    rng: np.random.Generator,
    n_areas: int,
    n_q: int = 10,
    kind: str = "normal",
) -> pd.DataFrame:
    """Random areas with unequal quantile populations and a deprivation gradient."""
    q = np.tile(np.arange(1, n_q + 1), n_areas)
    area = np.repeat([f"E{i:03d}" for i in range(n_areas)], n_q)
    pop = rng.integers(500, 20_000, q.size).astype(float)
    slope = np.repeat(rng.uniform(-1.0, 1.0, n_areas), n_q)
    if kind == "normal":
        y = 70 + 8 * slope * (q - 1) / (n_q - 1) + rng.normal(0, 0.5, q.size)
        se = rng.uniform(0.2, 0.8, q.size)
    elif kind == "rate":
        y = 500 * np.exp(0.4 * slope * (q - 1) / (n_q - 1) + rng.normal(0, 0.05, q.size))
        se = y * rng.uniform(0.03, 0.08, q.size)
    else:
        y = special.expit(-0.5 + slope * (q - 1) / (n_q - 1) + rng.normal(0, 0.05, q.size))
        se = rng.uniform(0.005, 0.02, q.size)
    return pd.DataFrame({"area": area, "q": q, "pop": pop, "y": y, "se": se})


def weights_matrix(pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(X, sqrt(a)) of METHODS.md section 10 for one area: X = [sqrt(a), b sqrt(a)]."""
    a = pop / pop.sum()
    b = np.cumsum(a) - a / 2
    root = np.sqrt(a)
    return np.column_stack([root, b * root]), root


def lstsq_fit(pop: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """beta0, beta1 by numpy.linalg.lstsq on the weighted design (through the origin)."""
    x, root = weights_matrix(pop)
    coef, *_ = np.linalg.lstsq(x, root * y, rcond=None)
    return float(coef[0]), float(coef[1])


def coefficient_rows(pop: np.ndarray) -> np.ndarray:
    """(X'X)^-1 X' diag(sqrt(a)): beta = C @ Y, by numpy.linalg.solve."""
    x, root = weights_matrix(pop)
    return np.linalg.solve(x.T @ x, x.T) * root


FORWARD = {"normal": lambda v: v, "rate": np.log, "proportion": special.logit}
INVERSE = {"normal": lambda v: v, "rate": np.exp, "proportion": special.expit}


def reference_simulation(
    pop: np.ndarray,
    y: np.ndarray,
    s_work: np.ndarray,
    value_type: str,
    transform: bool,
    multiplier: float,
    reps: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One area's simulated SII and RII written straight from METHODS.md section 10.

    Independent draws, refits by numpy.linalg.lstsq for all repetitions at once.
    """
    f, finv = FORWARD[value_type], INVERSE[value_type]
    x, root = weights_matrix(pop)
    work = f(y)[:, None] + s_work[:, None] * rng.standard_normal((y.size, reps))
    if not transform:
        work = finv(work)
    coef, *_ = np.linalg.lstsq(x, root[:, None] * work, rcond=None)
    b0, b1 = coef
    if transform:
        p0, p1 = lstsq_fit(pop, f(y))
        xh = p0 + p1 / 2
        top, bottom = finv(xh + b1 / 2), finv(xh - b1 / 2)
        sii_draws = (top - bottom) * multiplier
    else:
        top, bottom = b0 + b1, b0
        sii_draws = b1 * multiplier
    rii_draws = top / bottom if multiplier > 0 else bottom / top
    return sii_draws, rii_draws


def order_stat(draws: np.ndarray, k: int) -> float:
    return float(np.sort(draws)[k - 1])


def mc_tolerance(draws: np.ndarray, p: float) -> float:
    """Standard error of a Monte Carlo p-quantile from R draws: half the spread between
    the order statistics one binomial standard deviation either side of rank R p."""
    r = draws.size
    d = math.sqrt(r * p * (1 - p))
    srt = np.sort(draws)
    lo = srt[max(0, round(r * p - d) - 1)]
    hi = srt[min(r - 1, round(r * p + d) - 1)]
    return float(hi - lo) / 2


def one_area(df: pd.DataFrame, area: str) -> pd.DataFrame:
    return df[df["area"] == area].sort_values("q")


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("n_q", [5, 10, 20, 100])
def test_point_estimates_equal_lstsq_on_weighted_design(rng: np.random.Generator, n_q: int) -> None:
    df = make_areas(rng, 12, n_q)
    out = healthgap.sii(
        df, "y", "pop", "q", group_by="area", se="se", multiplier=3, repetitions=200, seed=1
    ).to_frame()
    for i, area in enumerate(out["area"]):
        part = one_area(df, area)
        b0, b1 = lstsq_fit(part["pop"].to_numpy(), part["y"].to_numpy())
        assert out.loc[i, "sii"] == pytest.approx(3 * b1, rel=RTOL)
        assert out.loc[i, "rii"] == pytest.approx((b0 + b1) / b0, rel=RTOL)


@pytest.mark.parametrize("kind", ["rate", "proportion"])
def test_transformed_point_estimates_equal_lstsq(rng: np.random.Generator, kind: str) -> None:
    df = make_areas(rng, 8, 10, kind)
    m = 100.0
    out = healthgap.sii(
        df,
        "y",
        "pop",
        "q",
        group_by="area",
        se="se",
        value_type=kind,
        transform=True,
        multiplier=m,
        repetitions=200,
        seed=2,
    ).to_frame()
    finv, f = INVERSE[kind], FORWARD[kind]
    for i, area in enumerate(out["area"]):
        part = one_area(df, area)
        b0, b1 = lstsq_fit(part["pop"].to_numpy(), f(part["y"].to_numpy()))
        top, bottom = finv(b0 + b1), finv(b0)
        assert out.loc[i, "sii"] == pytest.approx((top - bottom) * m, rel=RTOL)
        assert out.loc[i, "rii"] == pytest.approx(top / bottom, rel=RTOL)


def test_untransformed_rates_are_fitted_on_the_original_scale(rng: np.random.Generator) -> None:
    df = make_areas(rng, 5, 10, "rate")
    out = healthgap.sii(
        df, "y", "pop", "q", group_by="area", se="se", value_type="rate", repetitions=200
    ).to_frame()
    for i, area in enumerate(out["area"]):
        part = one_area(df, area)
        _, b1 = lstsq_fit(part["pop"].to_numpy(), part["y"].to_numpy())
        assert out.loc[i, "sii"] == pytest.approx(b1, rel=RTOL)


def test_fit_weights_equal_normal_equations(rng: np.random.Generator) -> None:
    pop = rng.integers(1, 10_000, (7, 13)).astype(float)
    c0, c1 = sii_module.fit_weights(pop)
    for g in range(7):
        np.testing.assert_allclose(np.vstack([c0[g], c1[g]]), coefficient_rows(pop[g]), rtol=1e-9)


# --------------------------------------------------------------------------- Monte Carlo limits


def test_limit_ranks_follow_the_stated_convention() -> None:
    assert sii_module.limit_ranks(100_000, 0.95) == (2500, 97500)
    assert sii_module.limit_ranks(100_000, 0.998) == (100, 99900)
    assert sii_module.limit_ranks(1_000, 0.9) == (50, 950)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(2, 300),
    st.lists(st.integers(1, 300), min_size=1, max_size=6),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_order_statistics_equal_full_sort(
    rows: int, n: int, ranks: list[int], seed: int, ties: bool
) -> None:
    ranks = [min(k, n) for k in ranks]
    gen = np.random.default_rng(seed)
    draws = gen.integers(0, 5, (rows, n)).astype(float) if ties else gen.normal(size=(rows, n))
    expected = np.sort(draws, axis=1)[:, [k - 1 for k in ranks]]
    got = sii_module.order_statistics(draws.copy(), ranks)
    np.testing.assert_array_equal(got, expected)


def test_normal_limits_match_exact_quantiles_of_the_slope(rng: np.random.Generator) -> None:
    """Untransformed: the simulated slope is exactly Normal(beta1, sum c1_j^2 s_j^2)."""
    df = make_areas(rng, 20)
    reps = 100_000
    out = healthgap.sii(
        df,
        "y",
        "pop",
        "q",
        group_by="area",
        se="se",
        multiplier=2,
        repetitions=reps,
        confidence=(0.95, 0.998),
        seed=11,
        rii=False,
    ).to_frame()
    for i, area in enumerate(out["area"]):
        part = one_area(df, area)
        c = coefficient_rows(part["pop"].to_numpy())
        beta1 = float(c[1] @ part["y"].to_numpy())
        sd = math.sqrt(float(np.sum(c[1] ** 2 * part["se"].to_numpy() ** 2)))
        for level, suffix in ((0.95, "95_0"), (0.998, "99_8")):
            p = (1 - level) / 2
            z = float(stats.norm.isf(p))
            # Monte Carlo SE of a p-quantile: sqrt(p(1-p)/R) / phi(z) standard deviations.
            tol = 5 * math.sqrt(p * (1 - p) / reps) / stats.norm.pdf(z) * sd * 2
            assert out.loc[i, f"sii_lower_{suffix}"] == pytest.approx(2 * (beta1 - z * sd), abs=tol)
            assert out.loc[i, f"sii_upper_{suffix}"] == pytest.approx(2 * (beta1 + z * sd), abs=tol)


def test_log_transformed_rii_limits_are_exp_of_slope_quantiles(rng: np.random.Generator) -> None:
    """With transform=True on rates, RII* = exp(S*) and S* is exactly normal, and
    SII* = (exp(x + S*/2) - exp(x - S*/2)) m at the same draw (METHODS.md section 10)."""
    df = make_areas(rng, 6, 10, "rate")
    df["lower"] = df["y"] * np.exp(-Z975 * 0.05)
    df["upper"] = df["y"] * np.exp(Z975 * 0.05)
    reps = 100_000
    out = healthgap.sii(
        df,
        "y",
        "pop",
        "q",
        group_by="area",
        lower="lower",
        upper="upper",
        value_type="rate",
        transform=True,
        multiplier=1000,
        repetitions=reps,
        seed=5,
    ).to_frame()
    p = 0.025
    for i, area in enumerate(out["area"]):
        part = one_area(df, area)
        c = coefficient_rows(part["pop"].to_numpy())
        log_y = np.log(part["y"].to_numpy())
        b0, b1 = float(c[0] @ log_y), float(c[1] @ log_y)
        # s = (ln U - ln L) / (2 x 1.959964) = 0.05 on the log scale, for every quantile.
        sd = 0.05 * math.sqrt(float(np.sum(c[1] ** 2)))
        tol = 5 * math.sqrt(p * (1 - p) / reps) / stats.norm.pdf(Z975) * sd
        s_lo = math.log(out.loc[i, "rii_lower_95_0"])
        s_hi = math.log(out.loc[i, "rii_upper_95_0"])
        assert s_lo == pytest.approx(b1 - Z975 * sd, abs=tol)
        assert s_hi == pytest.approx(b1 + Z975 * sd, abs=tol)
        xh = b0 + b1 / 2
        for s, column in ((s_lo, "sii_lower_95_0"), (s_hi, "sii_upper_95_0")):
            expected = (math.exp(xh + s / 2) - math.exp(xh - s / 2)) * 1000
            assert out.loc[i, column] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("kind", "transform", "multiplier"),
    [
        ("normal", False, 1.0),  # RII of correlated normals: no closed form
        ("normal", False, -1.0),
        ("rate", False, 1.0),  # simulated on the log scale, fitted on the original
        ("rate", False, -100.0),
        ("proportion", False, 100.0),
        ("proportion", True, 100.0),
        ("proportion", True, -100.0),
    ],
)
def test_limits_agree_with_an_independent_simulation(
    rng: np.random.Generator, kind: str, transform: bool, multiplier: float
) -> None:
    df = make_areas(rng, 3, 10, kind)
    reps = 100_000
    out = healthgap.sii(
        df,
        "y",
        "pop",
        "q",
        group_by="area",
        se="se",
        value_type=kind,
        transform=transform,
        multiplier=multiplier,
        repetitions=reps,
        seed=123,
    ).to_frame()
    ref_rng = np.random.default_rng(98765)
    lo_k, hi_k = 2500, 97500
    for i, area in enumerate(out["area"]):
        part = one_area(df, area)
        y = part["y"].to_numpy()
        se = part["se"].to_numpy()
        # The value-scale se through its symmetric 95% limits, onto the working scale.
        lo, hi = y - Z95 * se, y + Z95 * se
        if kind == "rate":
            s_work = (np.log(hi) - np.log(lo)) / (2 * Z95)
        elif kind == "proportion":
            s_work = (special.logit(hi) - special.logit(lo)) / (2 * Z95)
        else:
            s_work = se
        sii_d, rii_d = reference_simulation(
            part["pop"].to_numpy(), y, s_work, kind, transform, multiplier, reps, ref_rng
        )
        for name, draws in (("sii", sii_d), ("rii", rii_d)):
            for k, p, column in ((lo_k, 0.025, "lower"), (hi_k, 0.975, "upper")):
                # Two independent simulations of R draws: difference SE = sqrt(2) x each.
                tol = 5 * math.sqrt(2) * mc_tolerance(draws, p)
                assert out.loc[i, f"{name}_{column}_95_0"] == pytest.approx(
                    order_stat(draws, k), abs=tol
                ), (name, column, area)


def test_negative_multiplier_reverses_orientation(rng: np.random.Generator) -> None:
    df = make_areas(rng, 4)
    args = {"group_by": "area", "se": "se", "repetitions": 20_000, "seed": 3}
    pos = healthgap.sii(df, "y", "pop", "q", **args).to_frame()
    neg = healthgap.sii(df, "y", "pop", "q", multiplier=-1, **args).to_frame()
    np.testing.assert_allclose(neg["sii"], -pos["sii"], rtol=RTOL)
    np.testing.assert_allclose(neg["rii"], 1 / pos["rii"], rtol=RTOL)
    # Same draws: the limits mirror up to adjacent order statistics (ranks R+1-k vs k).
    np.testing.assert_allclose(neg["sii_lower_95_0"], -pos["sii_upper_95_0"], atol=0.02)
    np.testing.assert_allclose(neg["sii_upper_95_0"], -pos["sii_lower_95_0"], atol=0.02)
    np.testing.assert_allclose(neg["rii_lower_95_0"], 1 / pos["rii_upper_95_0"], rtol=1e-3)
    assert (neg["sii_lower_95_0"] <= neg["sii"]).all()
    assert (neg["sii"] <= neg["sii_upper_95_0"]).all()
    # The multiplier's size scales the SII only, never the RII.
    big = healthgap.sii(df, "y", "pop", "q", multiplier=-250, **args).to_frame()
    np.testing.assert_allclose(big["sii"], 250 * neg["sii"], rtol=RTOL)
    for column in ("rii", "rii_lower_95_0", "rii_upper_95_0"):
        np.testing.assert_array_equal(big[column], neg[column])


# --------------------------------------------------------------------------- published values


@pytest.mark.parametrize(("measure", "published_col"), [("HLE", "hle"), ("LE", "le")])
def test_ons_male_sii_by_imd_decile_2015_2017(measure: str, published_col: str) -> None:
    """ONS 2015-2017 male SII: HLE 19.1 and LE 9.4 years (published to 0.1).

    ONS weights by decile population; deciles of LSOAs hold nearly equal populations, so
    equal weights are used here. Tolerance 0.1 years: 0.05 for the published rounding
    plus 0.05 for unequal decile shares (tests/reference/README.md, "sii").
    """
    base = shared_data() / "hle_le"
    deciles = base / "ons_hle_by_imd_decile_england_males_2015_2017.csv"
    published = base / "ons_sii_le_hle_dfle_england_2015_2017_vs_2018_2020.csv"
    need_file(deciles)
    need_file(published)
    df = pd.read_csv(deciles)
    df["le"] = df["hle_years"] + df["years_in_poorer_health"]  # LE = HLE + poorer health
    df["hle"] = df["hle_years"]
    df["pop"] = 1.0
    df["se"] = 0.0
    ons = pd.read_csv(published)
    target = ons[(ons["sex"] == "Male") & (ons["measure"] == measure)]["sii_years_2015_2017"].item()
    out = healthgap.sii(df, published_col, "pop", "imd_decile", se="se", repetitions=1000)
    table = out.to_frame()
    assert table.loc[0, "sii"] == pytest.approx(target, abs=0.1)
    # se = 0: every simulated slope equals the estimate.
    assert table.loc[0, "sii_lower_95_0"] == pytest.approx(table.loc[0, "sii"], rel=RTOL)
    assert "least deprived end (quantile 10)" in table.loc[0, "direction"]


# --------------------------------------------------------------------------- reproducibility


def test_seeded_results_are_reproducible_and_seeds_differ(rng: np.random.Generator) -> None:
    df = make_areas(rng, 5)
    args = {"group_by": "area", "se": "se", "repetitions": 5_000}
    a = healthgap.sii(df, "y", "pop", "q", seed=7, **args).to_frame()
    b = healthgap.sii(df, "y", "pop", "q", seed=7, **args).to_frame()
    c = healthgap.sii(df, "y", "pop", "q", seed=8, **args).to_frame()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not np.array_equal(a["sii_lower_95_0"], c["sii_lower_95_0"])
    np.testing.assert_array_equal(a["sii"], c["sii"])


@pytest.mark.parametrize(("kind", "transform"), [("normal", False), ("rate", False)])
def test_results_do_not_depend_on_chunks_threads_or_other_areas(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch, kind: str, transform: bool
) -> None:
    df = make_areas(rng, 9, 10, kind)
    args = {
        "group_by": "area",
        "se": "se",
        "repetitions": 4_000,
        "seed": 21,
        "value_type": kind,
        "transform": transform,
    }
    whole = healthgap.sii(df, "y", "pop", "q", **args).to_frame()
    for elements, workers in ((4_000, 1), (3 * 40_000, 2), (7 * 4_000, 2), (10**9, 1)):
        monkeypatch.setattr(sii_module, "CHUNK_ELEMENTS", elements)
        monkeypatch.setattr(sii_module, "MAX_WORKERS", workers)
        again = healthgap.sii(df, "y", "pop", "q", **args).to_frame()
        pd.testing.assert_frame_equal(whole, again, check_exact=True)
    alone = healthgap.sii(one_area(df, "E004"), "y", "pop", "q", **args).to_frame()
    row = whole[whole["area"] == "E004"].reset_index(drop=True)
    pd.testing.assert_frame_equal(row, alone, check_exact=True)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6))
def test_results_do_not_depend_on_row_order(seed: int) -> None:
    df = make_areas(np.random.default_rng(seed), 4, 5)
    shuffled = df.sample(frac=1, random_state=seed % 1000)
    args = {"group_by": "area", "se": "se", "repetitions": 2_000, "seed": 4}
    a = healthgap.sii(df, "y", "pop", "q", **args).to_frame()
    b = healthgap.sii(shuffled, "y", "pop", "q", **args).to_frame()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# --------------------------------------------------------------------------- properties

values = st.lists(st.floats(1.0, 100.0), min_size=5, max_size=12)
pops = st.lists(st.floats(10.0, 1e5), min_size=12, max_size=12)


def single(y: list[float], p: list[float], se: float = 0.5) -> pd.DataFrame:
    n = len(y)
    return pd.DataFrame({"q": range(1, n + 1), "y": y, "pop": p[:n], "se": se})


@settings(max_examples=40, deadline=None)
@given(st.floats(0.5, 500.0), st.integers(5, 12), pops)
def test_flat_gradient_gives_zero_sii_and_unit_rii(level: float, n: int, p: list[float]) -> None:
    df = single([level] * n, p)
    out = healthgap.sii(df, "y", "pop", "q", se="se", repetitions=500, seed=1).to_frame()
    assert abs(out.loc[0, "sii"]) <= 1e-10 * level
    assert out.loc[0, "rii"] == pytest.approx(1.0, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(values, pops, st.floats(-50.0, 50.0))
def test_sii_is_invariant_to_adding_a_constant(y: list[float], p: list[float], k: float) -> None:
    df = single(y, p)
    shifted = df.assign(y=df["y"] + k)
    args = {"se": "se", "repetitions": 1_000, "seed": 9, "rii": False}
    a = healthgap.sii(df, "y", "pop", "q", **args).to_frame()
    b = healthgap.sii(shifted, "y", "pop", "q", **args).to_frame()
    scale = max(abs(v) for v in y) + abs(k)
    for column in ("sii", "sii_lower_95_0", "sii_upper_95_0"):
        assert b.loc[0, column] == pytest.approx(a.loc[0, column], abs=1e-10 * scale)


@settings(max_examples=40, deadline=None)
@given(values, pops, st.floats(0.01, 1e5), st.sampled_from([1.0, -1.0]))
def test_sii_scales_with_the_multiplier(
    y: list[float], p: list[float], m: float, sign: float
) -> None:
    df = single(y, p)
    args = {"se": "se", "repetitions": 1_000, "seed": 9, "rii": False}
    base = healthgap.sii(df, "y", "pop", "q", multiplier=sign, **args).to_frame()
    scaled = healthgap.sii(df, "y", "pop", "q", multiplier=sign * m, **args).to_frame()
    for column in ("sii", "sii_lower_95_0", "sii_upper_95_0"):
        assert scaled.loc[0, column] == pytest.approx(m * base.loc[0, column], rel=1e-12)
    assert scaled.loc[0, "sii_lower_95_0"] <= scaled.loc[0, "sii_upper_95_0"]


@settings(max_examples=30, deadline=None)
@given(values, pops, st.floats(0.01, 3.0))
def test_limits_contain_the_estimate_and_widen_with_confidence(
    y: list[float], p: list[float], se: float
) -> None:
    df = single(y, p, se)
    out = healthgap.sii(
        df,
        "y",
        "pop",
        "q",
        se="se",
        repetitions=4_000,
        seed=2,
        confidence=(0.9, 0.99),
        rii=False,
    ).to_frame()
    row = out.loc[0]
    assert row["sii_lower_99_0"] <= row["sii_lower_90_0"] <= row["sii"]
    assert row["sii"] <= row["sii_upper_90_0"] <= row["sii_upper_99_0"]


# --------------------------------------------------------------------------- frames, columns


def test_columns_direction_and_result_metadata(rng: np.random.Generator) -> None:
    df = make_areas(rng, 2)
    result = healthgap.sii(
        df, "y", "pop", "q", group_by="area", se="se", repetitions=1_000, confidence=(0.95, 0.998)
    )
    assert list(result.to_frame().columns) == [
        "area",
        "sii",
        "sii_lower_95_0",
        "sii_upper_95_0",
        "sii_lower_99_8",
        "sii_upper_99_8",
        "rii",
        "rii_lower_95_0",
        "rii_upper_95_0",
        "rii_lower_99_8",
        "rii_upper_99_8",
        "intercept",
        "direction",
        "suppressed",
        "suppression_reason",
    ]
    assert result.confidence == (0.95, 0.998)
    assert result.parameters["quantiles"] == 10
    assert (
        "A positive SII means the fitted value is higher at the least deprived end"
        in (result.notes[0])
    )
    assert "common random numbers" in result.summary()
    neg = healthgap.sii(
        df, "y", "pop", "q", group_by="area", se="se", repetitions=1_000, multiplier=-1, rii=False
    )
    assert list(neg.to_frame().columns) == [
        "area",
        "sii",
        "sii_lower_95_0",
        "sii_upper_95_0",
        "intercept",
        "direction",
        "suppressed",
        "suppression_reason",
    ]
    assert neg.to_frame()["direction"][0] == (
        "positive = higher at the most deprived end (quantile 1) than at the least deprived "
        "end (quantile 10)"
    )
    assert "higher at the most deprived end" in neg.notes[0]


def test_polars_in_polars_out(rng: np.random.Generator) -> None:
    df = make_areas(rng, 3)
    a = healthgap.sii(df, "y", "pop", "q", group_by="area", se="se", repetitions=500, seed=1)
    b = healthgap.sii(
        pl.from_pandas(df), "y", "pop", "q", group_by="area", se="se", repetitions=500, seed=1
    )
    table = b.to_frame()
    assert isinstance(table, pl.DataFrame)
    assert table["sii"].to_list() == a.to_frame()["sii"].tolist()


def test_limits_route_equals_se_route_for_normal_values(rng: np.random.Generator) -> None:
    df = make_areas(rng, 3)
    df["lo"] = df["y"] - Z975 * df["se"]
    df["hi"] = df["y"] + Z975 * df["se"]
    args = {"group_by": "area", "repetitions": 2_000, "seed": 6}
    a = healthgap.sii(df, "y", "pop", "q", se="se", **args).to_frame()
    b = healthgap.sii(df, "y", "pop", "q", lower="lo", upper="hi", **args).to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


# --------------------------------------------------------------------------- suppression


def test_area_with_a_missing_quantile_is_suppressed(rng: np.random.Generator) -> None:
    df = make_areas(rng, 3)
    df = df.drop(index=df[(df["area"] == "E001") & (df["q"] == 4)].index)
    with pytest.warns(
        SuppressionWarning,
        match=r"sii: 1 of 3 groups suppressed: not every quantile present "
        r"\(1 group, first: area E001\)",
    ):
        out = healthgap.sii(
            df, "y", "pop", "q", group_by="area", se="se", repetitions=500
        ).to_frame()
    assert out["suppressed"].tolist() == [False, True, False]
    assert np.isnan(
        out.loc[1, ["sii", "sii_lower_95_0", "rii", "rii_upper_95_0"]].astype(float)
    ).all()
    assert out.loc[0, "sii"] == pytest.approx(
        lstsq_fit(one_area(df, "E000")["pop"].to_numpy(), one_area(df, "E000")["y"].to_numpy())[1],
        rel=RTOL,
    )


@pytest.mark.parametrize(
    ("kind", "column", "new", "route", "reason"),
    [
        ("normal", "y", np.nan, "se", "value is missing"),
        ("normal", "pop", np.nan, "se", "population is missing"),
        ("normal", "pop", 0.0, "se", "population is 0 in a quantile"),
        ("normal", "se", np.nan, "se", "standard error is missing"),
        ("normal", "lo", np.nan, "limits", "confidence limits are missing"),
        ("rate", "y", 0.0, "se", "value is 0, so its log is undefined"),
        ("rate", "lo", 0.0, "limits", "a lower limit is 0, so the log-scale SE is undefined"),
        ("proportion", "y", 1.0, "se", "value is 0 or 1, so its logit is undefined"),
        ("proportion", "hi", 1.0, "limits", "a limit is 0 or 1, so the logit-scale SE is"),
    ],
)
def test_per_group_data_problems_suppress_that_group(
    rng: np.random.Generator, kind: str, column: str, new: float, route: str, reason: str
) -> None:
    df = make_areas(rng, 2, 10, kind)
    df["lo"] = df["y"] * 0.9
    df["hi"] = np.minimum(df["y"] * 1.1, 0.999) if kind == "proportion" else df["y"] * 1.1
    if kind == "rate" and column == "y":
        df.loc[3, "lo"] = 0.0
    df.loc[3, column] = new  # row 4 is area E000, quantile 4
    cols = {"se": "se"} if route == "se" else {"lower": "lo", "upper": "hi"}
    with pytest.warns(SuppressionWarning, match=rf"1 of 2 groups suppressed: {reason}"):
        out = healthgap.sii(
            df, "y", "pop", "q", group_by="area", value_type=kind, repetitions=500, **cols
        ).to_frame()
    assert out["suppressed"].tolist() == [True, False]
    assert out.loc[0, "suppression_reason"].startswith(reason)
    assert not np.isnan(out.loc[1, "sii_upper_95_0"])


def test_undefined_rii_is_nan_with_one_method_warning() -> None:
    df = pd.DataFrame(
        {
            "area": ["A"] * 5 + ["B"] * 5,
            "q": list(range(1, 6)) * 2,
            "y": [-2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 6.0, 7.0, 8.0, 9.0],
            "pop": 100.0,
            "se": 0.1,
        }
    )
    with pytest.warns(
        MethodWarning, match=r"sii: the RII is not defined for 1 of 2 groups \(first: area A\)"
    ):
        out = healthgap.sii(df, "y", "pop", "q", group_by="area", se="se", repetitions=500)
    table = out.to_frame()
    assert np.isnan(table.loc[0, ["rii", "rii_lower_95_0", "rii_upper_95_0"]].astype(float)).all()
    assert table.loc[0, "sii"] == pytest.approx(5.0, rel=RTOL)  # 1 per quintile over 5
    # B: slope 5 per unit rank, fitted ends 5 - 0.1 x 5 = 4.5 and 9 + 0.1 x 5 = 9.5.
    assert table.loc[1, "rii"] == pytest.approx(9.5 / 4.5, rel=RTOL)
    assert not table["suppressed"].any()


# --------------------------------------------------------------------------- structural errors


def error_frame() -> pd.DataFrame:
    df = make_areas(np.random.default_rng(5), 2)
    df["lo"] = df["y"] - 1
    df["hi"] = df["y"] + 1
    return df


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value_type": "count"}, r"value_type must be one of 'normal', 'rate', 'proportion'"),
        ({"transform": True}, r"transform=True must be used with value_type 'rate' or"),
        ({"transform": "yes"}, r"transform must be True or False; got 'yes'"),
        ({"rii": 1}, r"rii must be True or False; got 1"),
        ({"multiplier": 0}, r"multiplier must be a non-zero number; got 0\. Use e\.g\."),
        ({"multiplier": "x"}, r"multiplier must be a non-zero number; got 'x'"),
        ({"repetitions": 0}, r"repetitions must be a whole number of at least 1; got 0"),
        ({"repetitions": 2.5}, r"repetitions must be a whole number of at least 1; got 2\.5"),
        (
            {"repetitions": 19},
            r"repetitions must be at least 20 for 0\.95 confidence limits .*; got 19",
        ),
        (
            {"repetitions": 499, "confidence": 0.998},
            r"repetitions must be at least 500 for 0\.998 confidence limits",
        ),
        ({"seed": "abc"}, r"seed must be a whole number or None; got 'abc'"),
        ({"seed": True}, r"seed must be a whole number or None; got True"),
        ({"confidence": 100}, r"confidence must be between 0 and 1"),
        ({"se": None}, r"se, or lower and upper, must be given; got neither"),
        ({"lower": "lo", "upper": "hi"}, r"se column 'se' must agree with the 95% limits"),
        ({"se": None, "lower": "lo"}, r"lower and upper must be given together; got only lower"),
        ({"value": "hle"}, r"value column 'hle' must be in data; got columns \[area, q"),
        ({"se": "sd"}, r"se column 'sd' must be in data"),
        ({"group_by": ["area", "q"]}, r"group_by must not include the quantile column 'q'"),
        ({"group_by": "sii"}, r"group_by columns must not use the output column names"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    df = error_frame()
    df["sii"] = 1
    args: dict[str, object] = {
        "value": "y",
        "population": "pop",
        "quantile": "q",
        "group_by": "area",
        "se": "se",
        "repetitions": 1_000,
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.sii(df, **args)  # type: ignore[arg-type]


def _call(df: pd.DataFrame, **kwargs: object) -> None:
    args: dict[str, object] = {"group_by": "area", "se": "se", "repetitions": 1_000}
    args.update(kwargs)
    healthgap.sii(df, "y", "pop", "q", **args)  # type: ignore[arg-type]


def test_quantile_labels_must_be_one_to_q() -> None:
    df = error_frame()
    df["q"] = df["q"] - 1
    with pytest.raises(
        InputError,
        match=r"quantile column 'q' must number the quantiles 1, 2, \.\.\., Q from most "
        r"deprived \(1\) to least deprived \(Q\); got the labels 0, 1, 2, .*Renumber",
    ):
        _call(df)


def test_quantile_count_must_be_5_to_100() -> None:
    df = error_frame()
    df = df[df["q"] <= 4]
    with pytest.raises(
        InputError, match=r"quantile column 'q' must have between 5 and 100 quantiles; got 4"
    ):
        _call(df)
    big = make_areas(np.random.default_rng(1), 1, 101)
    with pytest.raises(InputError, match=r"must have between 5 and 100 quantiles; got 101"):
        _call(big)


def test_quantile_must_be_whole_and_present() -> None:
    df = error_frame()
    df["q"] = df["q"].astype(float)
    df.loc[2, "q"] = 2.5
    with pytest.raises(
        InputError,
        match=r"quantile column 'q' must hold whole numbers; got 2\.5 at row 3 \(area E000\)",
    ):
        _call(df)
    df.loc[2, "q"] = np.nan
    with pytest.raises(
        InputError, match=r"quantile column 'q' must have a value in every row; got 1 empty"
    ):
        _call(df)


def test_duplicate_quantile_names_group_and_rows() -> None:
    df = error_frame()
    df.loc[4, "q"] = 3
    with pytest.raises(
        InputError,
        match=r"each quantile must appear once per group; got 2 rows for quantile 3 in area "
        r"E000 \(rows 3, 5\)",
    ):
        _call(df)


@pytest.mark.parametrize(
    ("column", "new", "kwargs", "message"),
    [
        ("pop", -5.0, {}, r"population column 'pop' must be 0 or more; got 1 negative value"),
        ("se", -0.1, {}, r"se column 'se' must be 0 or more"),
        ("y", np.inf, {}, r"value column 'y' must hold finite numbers"),
        (
            "y",
            1.5,
            {"value_type": "proportion"},
            r"value column 'y' must lie between 0 and 1 for proportions; got 1 value outside "
            r"\(first: 1\.5 at row 2 \(area E000\)\)\. If they are percentages, divide by 100",
        ),
        ("y", -1.0, {"value_type": "rate"}, r"value column 'y' must be 0 or more"),
        (
            "lo",
            1e6,
            {"se": None, "lower": "lo", "upper": "hi"},
            r"lower column 'lo' must not exceed upper column 'hi'; got 1 row where it does",
        ),
    ],
)
def test_bad_cells_are_structural_errors(
    column: str, new: float, kwargs: dict[str, object], message: str
) -> None:
    df = error_frame()
    if kwargs.get("value_type") == "proportion":
        df["y"] = 0.5
        df["se"] = 0.01
    df[column] = df[column].astype(float)
    df.loc[1, column] = new
    with pytest.raises(InputError, match=message):
        _call(df, **kwargs)


def test_text_value_and_wrong_data_type() -> None:
    df = error_frame().astype({"y": object})
    df.loc[0, "y"] = "74.1*"
    with pytest.raises(InputError, match=r"value column 'y' must hold numbers; got 1 row of text"):
        _call(df)
    with pytest.raises(InputError, match=r"data must be a pandas or polars DataFrame"):
        healthgap.sii([1, 2], "y", "pop", "q", se="se")


def test_blas_runs_single_threaded_while_simulating_and_is_restored() -> None:
    setter = sii_module._openblas_thread_setter()
    if setter is None:
        pytest.skip("numpy does not use a bundled OpenBLAS with per-thread settings")
    before = setter(3)  # returns the previous per-thread setting
    try:
        with sii_module._one_blas_thread():
            assert setter(1) == 1  # inside: one thread
        assert setter(3) == 3  # restored afterwards
    finally:
        setter(before)


def test_every_area_suppressed_still_returns_a_table(rng: np.random.Generator) -> None:
    df = make_areas(rng, 1, 10, "rate")
    df.loc[0, "y"] = 0.0
    with pytest.warns(SuppressionWarning, match=r"1 of 1 groups suppressed: value is 0"):
        out = healthgap.sii(
            df, "y", "pop", "q", se="se", value_type="rate", transform=True, repetitions=500
        ).to_frame()
    assert out["suppressed"].tolist() == [True]
    assert np.isnan(out.loc[0, ["sii", "sii_upper_95_0", "rii"]].astype(float)).all()
