"""The waterfall adds up to the penny; the what-if comparison lists winners and losers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.allocate import Formula, allocate, compare, waterfall
from healthgap.errors import InputError, NotFoundError
from tests.allocate.test_engine import WORKED, worked_inputs


def test_worked_example_waterfall() -> None:
    # docs/allocation.md: A's £10,000 equal share gains £2,700 from the core component
    # (0.9 x (0.13 - 0.10) x £100,000) and £600 from health inequalities
    # (0.1 x (0.16 - 0.10) x £100,000); the pace of change then holds it £304.93 below.
    result = allocate(Formula.from_toml(WORKED), worked_inputs())
    w = result.waterfall()
    assert list(w.columns) == [
        "area",
        "population",
        "equal_share",
        "need_core",
        "need_hi",
        "target",
        "pace_of_change",
        "final",
    ]
    assert w.iloc[0].tolist() == [
        "A",
        1000,
        1_000_000,
        270_000,
        60_000,
        1_330_000,
        -30_493,
        1_299_507,
    ]
    assert w["need_core"].tolist() == [270_000, 180_000, -270_000, -180_000]
    assert w["need_hi"].tolist() == [60_000, 40_000, -60_000, -40_000]
    long = result.waterfall("A")
    assert long["step"].tolist() == [
        "equal_share",
        "need_core",
        "need_hi",
        "target",
        "pace_of_change",
        "final",
    ]
    assert long["running_pence"].tolist() == [
        1_000_000,
        1_270_000,
        1_330_000,
        1_330_000,
        1_299_507,
        1_299_507,
    ]
    assert long["running_per_head"].iloc[-1] == pytest.approx(12.99507)


FULL = """\
current = "current"
control_total = 987654.32
[indices.imd]
column = "imd"
exponent = 0.5
[indices.smr]
column = "smr"
[cost_curves.acute]
weights = [{ age = "young", weight = 1.0 }, { age = "old", weight = 2.6 }]
[components.core]
share = 0.8
base = "acute"
indices = ["imd"]
[components.hi]
share = 0.2
indices = ["smr"]
[cost_adjustment]
column = "mff"
[resources]
column = "ct"
[pace]
years = 3
growth = 0.03
floor = 0.01
"""


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(0, 2**32 - 1))
def test_waterfall_steps_add_up_exactly(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    codes = [f"E{i:04d}" for i in range(n)]
    bands = pd.DataFrame(
        {
            "area": np.repeat(codes, 2),
            "age": np.tile(["young", "old"], n),
            "population": rng.integers(0, 5_000, 2 * n),
        }
    )
    pop = bands.groupby("area")["population"].sum().to_numpy() + 1
    df = pd.DataFrame(
        {
            "area": codes,
            "population": pop,
            "imd": rng.uniform(1, 80, n),
            "smr": rng.uniform(50, 200, n),
            "mff": rng.uniform(0.9, 1.2, n),
            "ct": rng.uniform(0, 20_000, n),
            "current": np.round(rng.uniform(1_000, 60_000, n), 2),
        }
    )
    df["current"] *= 900_000 / df["current"].sum()
    df["current"] = df["current"].round(2)
    result = allocate(Formula.from_toml(FULL), df, bands)
    w = result.waterfall()
    steps = [
        c for c in w.columns if c not in ("area", "population", "equal_share", "target", "final")
    ]
    assert steps == [
        "weighting_core",
        "need_core",
        "need_hi",
        "cost_adjustment",
        "resources_adjustment",
        "pace_of_change",
    ]
    before_pace = [s for s in steps if s != "pace_of_change"]
    np.testing.assert_array_equal(w["equal_share"] + w[before_pace].sum(axis=1), w["target"])
    np.testing.assert_array_equal(w["target"] + w["pace_of_change"], w["final"])
    assert w["target"].tolist() == result.to_frame()["target_pence"].tolist()
    for step in steps[:-1]:
        assert int(w[step].sum()) == 0  # every step moves money between areas
    assert int(w["final"].sum()) == 98_765_432


def test_waterfall_unknown_area() -> None:
    result = allocate(Formula.from_toml(WORKED), worked_inputs())
    # a NotFoundError (so the API answers 404 by its kind), about the input "area"
    with pytest.raises(
        NotFoundError,
        match=r"area must be one of the allocated areas; got 'Z'. Areas look like A, B, C",
    ) as caught:
        waterfall(result, "Z")
    assert caught.value.field == "area"


def hi_formulas() -> tuple[Formula, Formula]:
    ten = Formula.from_toml(WORKED.replace('name = "Worked example"', 'name = "HI 10%"'))
    return ten, ten.with_shares({"core": 0.85, "hi": 0.15}, name="HI 15%")


def test_what_if_targets_by_hand() -> None:
    # Target share moves by 0.05 x (x_hi - x_core): A +0.05 x (0.16 - 0.13) = +0.0015, i.e.
    # £150 of £100,000; B +£100; C -£150; D -£100.
    ten, fifteen = hi_formulas()
    c = compare(ten, fifteen, worked_inputs(), basis="target")
    t = c.to_frame()
    assert t["area"].tolist() == ["A", "B", "D", "C"]  # largest gain first
    assert t["change_pence"].tolist() == [15_000, 10_000, -10_000, -15_000]
    np.testing.assert_allclose(t["change_per_head"], [0.15, 0.05, -0.025, -0.05])
    np.testing.assert_allclose(t["change_percent"], [150 / 133, 100 / 222, -100 / 378, -150 / 267])
    assert t["outcome"].tolist() == ["gains", "gains", "loses", "loses"]
    assert c.winners["area"].tolist() == ["A", "B"]
    assert c.losers["area"].tolist() == ["C", "D"]
    text = c.summary()
    assert "What if: HI 15% instead of HI 10% (target)" in text
    assert "2 areas gain, 2 lose, 0 unchanged; £250.00 moves between areas" in text
    assert "largest gain: A (£150.00, +£0.15 per head)" in text
    assert "largest loss: C (-£150.00, -£0.05 per head)" in text
    assert repr(c) == "<Comparison 'HI 10%' -> 'HI 15%': 4 areas>"


def test_what_if_on_allocations_after_pace() -> None:
    ten, fifteen = hi_formulas()
    a = allocate(ten, worked_inputs())
    b = allocate(fifteen, worked_inputs())
    t = compare(a, b).to_frame()
    assert int(t["change_pence"].sum()) == 0
    # C is above target under both and keeps its 2% floor: no change.
    assert t.set_index("area").loc["C", "outcome"] == "no change"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"basis": "targets"}, r"basis must be one of 'allocation', 'target'; got 'targets'"),
        ({"inputs": None}, r"inputs must be given when comparing formulas; got none"),
    ],
)
def test_compare_errors(kwargs: dict[str, Any], message: str) -> None:
    ten, fifteen = hi_formulas()
    args: dict[str, Any] = {"inputs": worked_inputs()} | kwargs
    with pytest.raises(InputError, match=message):
        compare(ten, fifteen, **args)


def test_compare_needs_the_same_areas() -> None:
    ten, fifteen = hi_formulas()
    a = allocate(ten, worked_inputs())
    b = allocate(fifteen, worked_inputs().iloc[:3])
    with pytest.raises(
        InputError,
        match=r"both allocations must cover the same areas; got 1 only in 'HI 10%' and 0 only "
        r"in 'HI 15%' \(first: D\)",
    ):
        compare(a, b)
