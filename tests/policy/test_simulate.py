"""simulate(): known answers (uniform, concentrated, zero effect), independent formulas
for every measure, Monte Carlo limits, properties and error messages.

Sources of reference values: tests/reference/README.md ("policy simulation").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import healthgap
from healthgap.data.disclosure import find_disclosive_cells
from healthgap.errors import InputError
from healthgap.policy import (
    PolicyOption,
    Range,
    effects_by_area,
    proportionate_weights,
    simulate,
    verdict,
)
from healthgap.policy.simulate import split_normal
from tests.conftest import RTOL

HLE = [51.7182, 56.6479, 58.7618, 61.6578, 63.8382, 64.6954, 66.4610, 67.9231, 68.8129, 70.4463]


def baseline(values=HLE, population=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"quantile": np.arange(1, len(values) + 1), "value": values})
    if population is not None:
        df["population"] = population
    return df


def wls_sii(y: np.ndarray, pop: np.ndarray) -> tuple[float, float]:
    """(beta0, beta1) by numpy lstsq of sqrt(a) y on sqrt(a) and sqrt(a) b (Low & Low 2004)."""
    a = pop / pop.sum()
    b = np.cumsum(a) - a / 2
    x = np.column_stack([np.sqrt(a), np.sqrt(a) * b])
    coef, *_ = np.linalg.lstsq(x, np.sqrt(a) * y, rcond=None)
    return float(coef[0]), float(coef[1])


def row(sim, option: str, measure: str) -> pd.Series:  # type: ignore[no-untyped-def]
    s = sim.summary
    return s[(s.option == option) & (s.measure == measure)].iloc[0]


# ------------------------------------------------------------------------- known answers


def test_uniform_absolute_improvement_leaves_sii_unchanged() -> None:
    sim = simulate(baseline(), [PolicyOption("Uniform", {"all": [0.5, 1.0, 1.5]})], seed=1)
    sii = row(sim, "Uniform", "sii")
    assert sii.change == 0.0
    assert sii.change_lower_95_0 == 0.0 and sii.change_upper_95_0 == 0.0
    assert sim.verdict("Uniform") == "no clear effect"
    assert row(sim, "Uniform", "mean").change == pytest.approx(1.0, rel=RTOL)
    assert row(sim, "Uniform", "core20_gap").change == 0.0
    assert row(sim, "Uniform", "kolm_gap").change == 0.0  # Kolm: absolute inequality
    # RII is relative: the same absolute gain for all narrows it (known closed form)
    b0, b1 = wls_sii(np.array(HLE), np.ones(10))
    expected = (b0 + 1 + b1) / (b0 + 1) - (b0 + b1) / b0
    assert row(sim, "Uniform", "rii").change == pytest.approx(expected, rel=1e-9)


def test_improvement_in_most_deprived_decile_narrows_sii_by_the_computable_amount() -> None:
    delta = 2.0
    sim = simulate(baseline(), [PolicyOption("Targeted", {1: [1.0, delta, 3.0]})], seed=2)
    sii = row(sim, "Targeted", "sii")
    # equal populations: b_j = (j - 1/2)/10, c1_1 = 0.1 (0.05 - 0.5) / (99/1200) = -6/11
    assert sii.change == pytest.approx(-6 / 11 * delta, rel=RTOL)
    y = np.array(HLE)
    moved = y.copy()
    moved[0] += delta
    assert sii.baseline == pytest.approx(wls_sii(y, np.ones(10))[1], rel=RTOL)
    assert sii.projected == pytest.approx(wls_sii(moved, np.ones(10))[1], rel=RTOL)
    assert sim.verdict("Targeted") == "narrows"
    assert sii.verdict == "narrows" and sii.gap_change == sii.change
    # Core20 = deciles 1-2: its mean rises by delta/2
    assert row(sim, "Targeted", "core20_gap").change == pytest.approx(-delta / 2, rel=RTOL)


def test_sii_agrees_with_healthgap_sii_and_unequal_populations() -> None:
    pop = np.array([9, 11, 10, 12, 8, 10, 9, 11, 10, 10], dtype=float) * 1000
    sim = simulate(
        baseline(population=pop), [PolicyOption("T", {2: 1.5, 3: 0.5})], population="population"
    )
    df = baseline(population=pop).assign(se=0.1)
    ref = healthgap.sii(df, "value", "population", "quantile", se="se", seed=1).table
    assert row(sim, "T", "sii").baseline == pytest.approx(float(ref["sii"].iloc[0]), rel=RTOL)
    assert row(sim, "T", "rii").baseline == pytest.approx(float(ref["rii"].iloc[0]), rel=RTOL)
    moved = np.array(HLE) + np.array([0, 1.5, 0.5, 0, 0, 0, 0, 0, 0, 0])
    assert row(sim, "T", "sii").projected == pytest.approx(wls_sii(moved, pop)[1], rel=RTOL)


def test_zero_effect_gives_no_clear_effect_everywhere() -> None:
    sim = simulate(baseline(), [PolicyOption("Nothing", {"all": 0})], seed=3)
    s = sim.summary
    assert (s.change == 0).all()
    assert (s.change_lower_95_0 == 0).all() and (s.change_upper_95_0 == 0).all()
    gaps = s[s.verdict != ""]
    assert set(gaps.verdict) == {"no clear effect"}
    assert sim.verdicts == {"Nothing": "no clear effect"}


def test_widening_policy_is_called_widens() -> None:
    sim = simulate(baseline(), [PolicyOption("Richer", {10: [1.0, 2.0, 3.0]})], seed=4)
    assert sim.verdict("Richer") == "widens"
    assert row(sim, "Richer", "sii").change == pytest.approx(
        wls_sii(np.array(HLE) + np.eye(10)[9] * 2, np.ones(10))[1]
        - wls_sii(np.array(HLE), np.ones(10))[1],
        rel=RTOL,
    )


def test_uncertain_sign_gives_no_clear_effect() -> None:
    sim = simulate(baseline(), [PolicyOption("Maybe", {1: [-1.0, 0.5, 2.0]})], seed=5)
    r = row(sim, "Maybe", "sii")
    assert r.change_lower_95_0 < 0 < r.change_upper_95_0
    assert sim.verdict("Maybe") == "no clear effect"


def test_determinant_pathway_multiplies_by_per_unit_effect() -> None:
    opt = PolicyOption("Jobs", {1: [2.0, 3.0, 4.0]}, via="determinant", per_unit=[0.1, 0.25, 0.4])
    sim = simulate(baseline(), [opt], seed=6)
    assert row(sim, "Jobs", "mean").change == pytest.approx(3.0 * 0.25 / 10, rel=RTOL)
    d = sim.deciles
    assert d.loc[d["quantile"] == 1, "change"].iloc[0] == pytest.approx(0.75, rel=RTOL)
    # via="indicator" ignores per_unit
    same = PolicyOption("Direct", {1: 3.0}, per_unit=[0.1, 0.25, 0.4])
    assert same.unit == Range(1.0, 1.0, 1.0)


def test_monte_carlo_limits_match_the_split_normal_quantiles() -> None:
    # Delta SII = c1_1 x effect, effect ~ split normal with 2.5%/97.5% points 1 and 3
    sim = simulate(baseline(), [PolicyOption("T", {1: [1.0, 2.0, 3.0]})], draws=40_000, seed=7)
    r = row(sim, "T", "sii")
    c = -6 / 11
    # standard error of a 2.5% order statistic of 40,000 normal draws is about 0.6% of sd
    assert r.change_lower_95_0 == pytest.approx(c * 3.0, rel=0.01)
    assert r.change_upper_95_0 == pytest.approx(c * 1.0, rel=0.03)


def test_split_normal_percentiles() -> None:
    z = np.array([-stats.norm.ppf(0.975), 0.0, stats.norm.ppf(0.975)])
    out = split_normal(Range(1.0, 2.0, 5.0), z)
    np.testing.assert_allclose(out, [1.0, 2.0, 5.0], rtol=1e-12)


def test_atkinson_and_kolm_against_scalar_formulas() -> None:
    e, a = 2.0, 0.15
    sim = simulate(baseline(), [PolicyOption("T", {1: 2.0})], atkinson_aversion=e, kolm_aversion=a)
    y = np.array(HLE)
    p = np.full(10, 0.1)
    for values, col in ((y, "baseline"), (y + np.eye(10)[0] * 2, "projected")):
        atk = sum(pi * h ** (1 - e) for pi, h in zip(p, values, strict=True)) ** (1 / (1 - e))
        mu = float(p @ values)
        kol = (
            mu
            - math.log(sum(pi * math.exp(-a * (h - mu)) for pi, h in zip(p, values, strict=True)))
            / a
        )
        assert row(sim, "T", "atkinson_ede")[col] == pytest.approx(atk, rel=RTOL)
        assert row(sim, "T", "kolm_ede")[col] == pytest.approx(kol, rel=RTOL)
        assert row(sim, "T", "atkinson_gap")[col] == pytest.approx(mu - atk, rel=1e-9)


def test_unfavourable_indicator_has_no_ede_and_a_note() -> None:
    sim = simulate(
        baseline([900.0, 800, 700, 650, 600]), [PolicyOption("T", {1: -50})], favourable=False
    )
    assert "atkinson_ede" not in set(sim.summary.measure)
    assert any("Atkinson" in n for n in sim.notes)
    # a fall in mortality in the most deprived fifth narrows the (negative) SII gap
    assert sim.verdict("T") == "narrows"
    assert row(sim, "T", "sii").change > 0 and row(sim, "T", "sii").gap_change < 0


def test_regional_gap_by_hand() -> None:
    regions = pd.DataFrame(
        {
            "region": ["North"] * 2 + ["South"] * 2,
            "value": [60.0, 60.0, 66.0, 66.0],
            "quantile": [1, 10, 1, 10],
            "population": [300.0, 100.0, 100.0, 300.0],
        }
    )
    sim = simulate(baseline(), [PolicyOption("T", {1: 2.0})], regions=regions, seed=8)
    r = row(sim, "T", "regional_gap")
    # North gains 0.75 x 2 = 1.5, South 0.25 x 2 = 0.5: gap 6 -> 5
    assert r.baseline == pytest.approx(6.0, rel=RTOL)
    assert r.change == pytest.approx(-1.0, rel=RTOL)
    # a certain effect: the interval is exactly [-1, -1], wholly below 0
    assert r.change_lower_95_0 == r.change_upper_95_0 == pytest.approx(-1.0, rel=RTOL)
    assert r.verdict == "narrows"


def test_proportionate_universalism_weights_and_options() -> None:
    w = proportionate_weights(10, 3.0)
    assert w.mean() == pytest.approx(1.0, rel=RTOL)
    assert w[0] / w[-1] == pytest.approx(4.0, rel=RTOL)
    np.testing.assert_allclose(proportionate_weights(10, 0.0), np.ones(10), rtol=RTOL)
    opts = [
        PolicyOption("Universal", {"all": 0.3}),
        PolicyOption("PU", {"all": 0.3}, proportionate_gradient=3.0),
    ]
    sim = simulate(baseline(), opts, seed=9)
    # equal populations: same mean gain, narrower SII for PU
    assert row(sim, "PU", "mean").change == pytest.approx(
        row(sim, "Universal", "mean").change, rel=1e-9
    )
    expected = 0.3 * float(w @ (np.arange(10) + 0.5 - 5.0) * 0.1 / 0.0825 / 10)
    assert row(sim, "PU", "sii").change == pytest.approx(expected, rel=1e-9)
    assert sim.verdict("PU") == "narrows"


def test_effects_by_area_population_weighted() -> None:
    areas = pd.DataFrame(
        {
            "quantile": [1, 1, 2, 2],
            "population": [100.0, 300.0, 50.0, 150.0],
            "low": [0.0, 1.0, 0.0, 0.0],
            "central": [2.0, 4.0, 1.0, 1.0],
            "high": [4.0, 8.0, 2.0, 2.0],
        }
    )
    eff = effects_by_area(areas)
    assert eff[1] == Range(0.75, 3.5, 7.0)
    assert eff[2] == Range(0.0, 1.0, 2.0)
    sim = simulate(baseline(), [PolicyOption("Areas", eff)], seed=1)
    assert row(sim, "Areas", "mean").change == pytest.approx(0.45, rel=RTOL)


def test_verdict_function() -> None:
    assert verdict(-1, -0.01) == "narrows"
    assert verdict(0.01, 1) == "widens"
    assert verdict(-1, 0) == "no clear effect"
    assert verdict(0, 0) == "no clear effect"
    assert verdict(float("nan"), 1) == "no clear effect"


def test_reproducible_with_seed_and_polars_input() -> None:
    opts = [PolicyOption("T", {1: [1.0, 2.0, 3.0]}, via="determinant", per_unit=[0.5, 1, 2])]
    a = simulate(baseline(), opts, seed=11)
    b = simulate(pl.from_pandas(baseline()), opts, seed=11)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    c = simulate(baseline(), opts, seed=12)
    assert not a.summary.change_lower_95_0.equals(c.summary.change_lower_95_0)


def test_common_random_numbers_across_options() -> None:
    """An option listed alone gets the same limits as when listed with others."""
    t = PolicyOption("T", {1: [1.0, 2.0, 3.0]})
    u = PolicyOption("U", {"all": [0.0, 1.0, 4.0]})
    alone = simulate(baseline(), [t], seed=13).summary
    both = simulate(baseline(), [u, t], seed=13).summary
    pd.testing.assert_frame_equal(alone, both[both.option == "T"].reset_index(drop=True))


def test_baseline_se_adds_uncertainty_but_not_to_linear_changes() -> None:
    df = baseline().assign(se=0.3)
    sim = simulate(df, [PolicyOption("T", {1: 2.0})], se="se", seed=14)
    r = row(sim, "T", "sii")
    # SII is linear: a certain effect gives the same change in every draw
    assert r.change_lower_95_0 == pytest.approx(r.change, rel=1e-9)
    a = row(sim, "T", "atkinson_gap")
    assert a.change_lower_95_0 < a.change < a.change_upper_95_0


def test_outputs_are_not_disclosive_and_text_is_readable() -> None:
    sim = simulate(baseline(), [PolicyOption("T", {1: 2.0})], seed=1)
    # the outputs hold no counts at all (populations only as shares): the disclosure
    # check finds no count-like column to check
    for table in (sim.summary, sim.deciles, sim.plane):
        with pytest.raises(InputError, match="no column has a count-like name"):
            find_disclosive_cells(table)
    assert "T: SII change -1.091" in str(sim)
    assert "<table" in sim._repr_html_()
    assert sim.to_frame().equals(sim.summary)


# ------------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(
    shift=st.floats(-20, 20, allow_nan=False),
    effects=st.lists(st.floats(-3, 3, allow_nan=False), min_size=10, max_size=10),
    order=st.permutations(list(range(10))),
)
def test_changes_do_not_depend_on_level_or_row_order(shift, effects, order) -> None:  # type: ignore[no-untyped-def]
    opt = PolicyOption("X", {i + 1: e for i, e in enumerate(effects)})
    a = simulate(baseline(), [opt], seed=1, draws=200, favourable=False).summary.set_index(
        "measure"
    )
    shifted = baseline(list(np.array(HLE) + shift)).iloc[list(order)]
    b = simulate(shifted, [opt], seed=1, draws=200, favourable=False).summary.set_index("measure")
    for m in ("mean", "sii", "core20_gap"):
        assert b.loc[m, "change"] == pytest.approx(a.loc[m, "change"], rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"baseline": pd.DataFrame({"quantile": [1, 2, 3], "value": [1.0, 2, 3]})},
            "must hold each of 1 .most deprived. to Q",
        ),
        (
            {"baseline": pd.DataFrame({"quantile": [1, 2, 3, 4, 6], "value": [1.0] * 5})},
            "exactly once",
        ),
        ({"baseline": baseline().assign(value=[np.nan, *HLE[1:]])}, "must have a value for every"),
        (
            {"baseline": baseline(), "population": "population"},
            "population column 'population' must be in",
        ),
        (
            {"baseline": baseline(population=[0] + [1] * 9), "population": "population"},
            "must be greater than 0 for every",
        ),
        ({"baseline": baseline(), "confidence": (0.9, 0.95)}, "must be one level"),
        ({"baseline": baseline(), "draws": 10}, "draws must be"),
        ({"baseline": baseline(), "options": []}, "options must be a non-empty list"),
        (
            {
                "baseline": baseline(),
                "options": [PolicyOption("A", {1: 1}), PolicyOption("A", {2: 1})],
            },
            "option names must be distinct",
        ),
        (
            {"baseline": baseline(), "options": [PolicyOption("A", {11: 1})]},
            "effect deciles must be 1 to 10",
        ),
        (
            {
                "baseline": baseline(),
                "regions": pd.DataFrame(
                    {"region": ["a"], "value": [1.0], "quantile": [1], "population": [1.0]}
                ),
            },
            "regions must name at least 2",
        ),
        (
            {
                "baseline": baseline(),
                "regions": pd.DataFrame(
                    {
                        "region": ["a", "a", "b"],
                        "value": [1.0, 2, 3],
                        "quantile": [1, 2, 1],
                        "population": [1.0] * 3,
                    }
                ),
            },
            "same on every row of a region",
        ),
        (
            {
                "baseline": baseline(),
                "regions": pd.DataFrame(
                    {
                        "region": ["a", "b"],
                        "value": [1.0, 2],
                        "quantile": [1, 12],
                        "population": [1.0] * 2,
                    }
                ),
            },
            "regions quantile column must hold 1 to 10",
        ),
    ],
)
def test_simulate_errors(kwargs, match) -> None:  # type: ignore[no-untyped-def]
    kwargs.setdefault("options", [PolicyOption("T", {1: 1.0})])
    with pytest.raises(InputError, match=match):
        simulate(**kwargs)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: PolicyOption("", {1: 1}), "option name must be non-empty"),
        (
            lambda: PolicyOption("A", {1: 1}, via="magic"),
            "via must be one of indicator, determinant",
        ),
        (lambda: PolicyOption("A", {}), "effect must map deciles"),
        (lambda: PolicyOption("A", {"top": 1}), "effect keys must be deciles"),
        (lambda: PolicyOption("A", {1: [3, 2, 1]}), "low <= central <= high"),
        (lambda: PolicyOption("A", {1: [1, 2]}), "got a list of 2"),
        (lambda: PolicyOption("A", {1: "big"}), "must be a number or .low, central, high."),
        (lambda: PolicyOption("A", {1: float("inf")}), "must be finite"),
        (lambda: PolicyOption("A", {1: {"low": 1}}), "must have the keys low, central and high"),
        (
            lambda: PolicyOption("A", {1: 1}, proportionate_gradient=-1),
            "gradient must be 0 or more",
        ),
        (
            lambda: simulate(baseline(), [PolicyOption("A", {1: 1})]).verdict("B"),
            "option must be one of 'A'",
        ),
    ],
)
def test_option_errors(build, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=match):
        build()


def test_effects_by_area_errors() -> None:
    bad = pd.DataFrame(
        {"quantile": [0], "population": [1.0], "low": [0.0], "central": [1.0], "high": [2.0]}
    )
    with pytest.raises(InputError, match="must hold whole numbers from 1"):
        effects_by_area(bad)


def test_projection_below_zero_leaves_atkinson_nan_not_an_error() -> None:
    sim = simulate(
        baseline([1.0, 2, 3, 4, 5]),
        [PolicyOption("Harm", {1: [-3.0, -0.5, 0.0]})],
        seed=1,
        draws=500,
    )
    r = row(sim, "Harm", "atkinson_ede")
    assert np.isfinite(r.change)  # the central projection stays positive
    assert np.isnan(r.change_lower_95_0)  # some draws go to 0 or below: no limits
    assert np.isfinite(row(sim, "Harm", "kolm_ede").change_lower_95_0)
