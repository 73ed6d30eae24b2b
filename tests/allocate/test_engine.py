"""Target shares and allocations: the worked example, an independent reference, properties."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from healthgap.allocate import Formula, allocate
from healthgap.errors import InputError
from tests.allocate import reference as ref
from tests.conftest import RTOL

WORKED = """\
name = "Worked example"
current = "current"
control_total = 100000

[indices.age_need]
column = "age_need"

[indices.smr]
column = "smr_u75"

[components.core]
share = 0.9
indices = ["age_need"]

[components.hi]
share = 0.1
indices = ["smr"]

[pace]
years = 2
growth = 0.03
floor = 0.02
"""


def worked_inputs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["A", "B", "C", "D"],
            "population": [1000, 2000, 3000, 4000],
            "age_need": [1.3, 1.1, 0.9, 0.95],
            "smr_u75": [160, 120, 80, 90],
            "current": [12000, 21000, 27000, 36000],
        }
    )


def test_worked_example_from_the_docs() -> None:
    # Hand calculation in docs/allocation.md: need shares 0.133, 0.222, 0.267, 0.378.
    result = allocate(Formula.from_toml(WORKED, "worked.toml"), worked_inputs())
    t = result.to_frame()
    np.testing.assert_allclose(t["index_age_need"], [1.3, 1.1, 0.9, 0.95], rtol=RTOL)
    np.testing.assert_allclose(t["index_smr"], [1.6, 1.2, 0.8, 0.9], rtol=RTOL)
    np.testing.assert_allclose(t["share_core"], [0.13, 0.22, 0.27, 0.38], rtol=RTOL)
    np.testing.assert_allclose(t["share_hi"], [0.16, 0.24, 0.24, 0.36], rtol=RTOL)
    np.testing.assert_allclose(t["target_share"], [0.133, 0.222, 0.267, 0.378], rtol=RTOL)
    assert t["target_pence"].tolist() == [1_330_000, 2_220_000, 2_670_000, 3_780_000]
    # Distance from target on the current total of £96,000: (12,000 - 12,768) / 12,768.
    np.testing.assert_allclose(
        t["distance_from_target"],
        [-768 / 12768, -312 / 21312, 1368 / 25632, -288 / 36288],
        rtol=RTOL,
    )
    # Year one: C is above target and gets the 2% floor; A, B, D close 2,080/2,920 of their
    # gaps; 2 pennies left over go to A (.849) and B (.644) before D (.507).
    assert t["allocation_pence"].tolist() == [1_299_507, 2_197_562, 2_754_000, 3_748_931]
    years = result.years_frame()
    assert years is not None
    assert years["envelope_pence"].tolist() == [10_000_000, 10_300_000]
    assert years["pace"].iloc[0] == pytest.approx(2080 / 2920, rel=RTOL)


# ---- an independent reference on random inputs --------------------------------------------

areas_st = st.integers(2, 25)


@st.composite
def random_case(draw: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    n = draw(areas_st)
    pops = draw(st.lists(st.integers(0, 50_000), min_size=n, max_size=n))
    assume(sum(pops) > 0)
    pos = st.floats(0.05, 500, allow_nan=False)
    df = pd.DataFrame(
        {
            "area": [f"E{i:03d}" for i in range(n)],
            "population": pops,
            "imd": draw(st.lists(pos, min_size=n, max_size=n)),
            "smr": draw(st.lists(pos, min_size=n, max_size=n)),
            "mff": draw(st.lists(st.floats(0.8, 1.3), min_size=n, max_size=n)),
            "ct": draw(st.lists(st.floats(0, 2_000), min_size=n, max_size=n)),
        }
    )
    shares = draw(st.sampled_from([(1.0, 0.0), (0.9, 0.1), (0.85, 0.15), (0.5, 0.5)]))
    options = {
        "imd_exponent": draw(st.sampled_from([1.0, 2.0, 0.5, -1.0])),
        "shares": shares,
        "cost": draw(st.booleans()),
        "resources": draw(st.booleans()),
        "total": draw(st.integers(1_000, 10**9)),
    }
    return df, options


def build(options: dict[str, Any]) -> tuple[Formula, dict[str, Any], list[dict[str, Any]]]:
    spec: dict[str, Any] = {
        "control_total": options["total"],
        "indices": {
            "imd": {"column": "imd", "exponent": options["imd_exponent"]},
            "smr": {"column": "smr"},
            "hi": {"of": {"smr": 1.0, "imd": 0.5}},
        },
        "components": {
            "core": {"share": options["shares"][0], "indices": ["imd"]},
            "hi": {"share": options["shares"][1], "indices": ["hi"]},
        },
    }
    if options["cost"]:
        spec["cost_adjustment"] = {"column": "mff"}
    if options["resources"]:
        spec["resources"] = {"column": "ct"}
    ref_indices = {
        "imd": {"column": "imd", "exponent": options["imd_exponent"]},
        "smr": {"column": "smr", "exponent": 1.0},
        "hi": {"of": {"smr": 1.0, "imd": 0.5}},
    }
    ref_components = [
        {"share": options["shares"][0], "indices": ["imd"]},
        {"share": options["shares"][1], "indices": ["hi"]},
    ]
    return Formula.from_dict(spec), ref_indices, ref_components


@settings(max_examples=150, deadline=None)
@given(random_case())
def test_target_shares_match_the_scalar_reference(
    case: tuple[pd.DataFrame, dict[str, Any]],
) -> None:
    df, options = case
    formula, ref_indices, ref_components = build(options)
    result = allocate(formula, df).to_frame()
    expected = ref.target_shares(
        df.to_dict("records"),
        ref_indices,
        ref_components,
        options["total"] * 100,
        cost="mff" if options["cost"] else None,
        resources="ct" if options["resources"] else None,
    )
    np.testing.assert_allclose(
        result["target_share"], [float(e) for e in expected], rtol=1e-10, atol=1e-15
    )
    assert int(result["target_pence"].sum()) == options["total"] * 100


def test_resources_worked_by_hand() -> None:
    # Needs shares 0.5/0.3/0.2 of £1,000 with resources £300/£0/£500:
    # G = (1000 + 300) / 0.8 = 1625 (C drops out: 0.2 x 1625 < 500);
    # grants 512.50, 487.50, 0.
    df = pd.DataFrame({"area": ["A", "B", "C"], "population": [50, 30, 20], "ct": [300, 0, 500]})
    f = Formula.from_dict(
        {"control_total": 1000, "components": {"all": {"share": 1}}, "resources": {"column": "ct"}}
    )
    t = allocate(f, df).to_frame()
    assert t["target_pence"].tolist() == [51_250, 48_750, 0]
    assert t["resources_pence"].tolist() == [30_000, 0, 50_000]


def test_cost_curve_weighted_population() -> None:
    # Two areas of 100 people: A has 60 over-65s, B 20. Weights 1 (0-64) and 3 (65+):
    # weighted populations 40 + 180 = 220 and 80 + 60 = 140; shares 220/360, 140/360.
    bands = pd.DataFrame(
        {
            "area": ["A", "A", "B", "B"],
            "age": ["0-64", "65+", "0-64", "65+"],
            "population": [40, 60, 80, 20],
        }
    )
    df = pd.DataFrame({"area": ["A", "B"], "population": [100, 100]})
    f = Formula.from_dict(
        {
            "control_total": 360,
            "cost_curves": {
                "acute": {"weights": [{"age": "0-64", "weight": 1}, {"age": "65+", "weight": 3}]}
            },
            "components": {"core": {"share": 1, "base": "acute"}},
        }
    )
    result = allocate(f, df, bands)
    t = result.to_frame()
    assert t["weighted_population_acute"].tolist() == [220.0, 140.0]
    assert t["target_pence"].tolist() == [22_000, 14_000]
    w = result.waterfall()
    assert w["weighting_core"].tolist() == [4_000, -4_000]
    assert w["need_core"].tolist() == [0, 0]


def test_cost_curve_bands_match_numbers_as_text() -> None:
    # Band labels read from a CSV as numbers match the labels written in the formula.
    bands = pd.DataFrame(
        {"area": ["A", "B"], "age": [0, 65], "sex": [1, 2], "population": [10, 10]}
    )
    df = pd.DataFrame({"area": ["A", "B"], "population": [10, 10]})
    f = Formula.from_dict(
        {
            "control_total": 100,
            "cost_curves": {
                "c": {
                    "weights": [
                        {"age": 0, "sex": 1, "weight": 1},
                        {"age": 65, "sex": 2, "weight": 4},
                    ]
                }
            },
            "components": {"core": {"share": 1, "base": "c"}},
        }
    )
    assert allocate(f, df, bands).to_frame()["target_pence"].tolist() == [2_000, 8_000]


def test_cost_curve_against_the_reference() -> None:
    rng = np.random.default_rng(7)
    n = 12
    ages = ["0-14", "15-64", "65-84", "85+"]
    bands = pd.DataFrame(
        {
            "code": np.repeat([f"X{i:02d}" for i in range(n)], len(ages) * 2),
            "age": np.tile(np.repeat(ages, 2), n),
            "sex": np.tile(["F", "M"], n * len(ages)),
            "people": rng.integers(0, 400, n * len(ages) * 2),
        }
    )
    weights = {(a, s): 0.5 + i + (0.2 if s == "F" else 0) for i, a in enumerate(ages) for s in "FM"}
    pop = bands.groupby("code")["people"].sum()
    df = pd.DataFrame(
        {"area": pop.index, "population": pop.to_numpy(), "need": rng.uniform(0.5, 2, n)}
    )
    f = Formula.from_dict(
        {
            "control_total": 123_456.78,
            "bands": {"area": "code", "population": "people"},
            "indices": {"need": {"column": "need"}},
            "cost_curves": {
                "gp": {
                    "weights": [{"age": a, "sex": s, "weight": w} for (a, s), w in weights.items()]
                }
            },
            "components": {
                "core": {"share": 0.7, "base": "gp", "indices": ["need"]},
                "hi": {"share": 0.3, "indices": ["need"]},
            },
        }
    )
    got = allocate(f, df, bands).to_frame()
    weighted = [Fraction(0)] * n
    codes = list(df["area"])
    for code, age, sex, people in bands.itertuples(index=False):
        weighted[codes.index(code)] += Fraction(int(people)) * Fraction(weights[(age, sex)])
    expected = ref.target_shares(
        df.to_dict("records"),
        {"need": {"column": "need"}},
        [{"share": 0.7, "indices": ["need"], "base": "gp"}, {"share": 0.3, "indices": ["need"]}],
        12_345_678,
        weighted={"gp": weighted},
    )
    np.testing.assert_allclose(got["target_share"], [float(e) for e in expected], rtol=1e-10)


# ---- properties -----------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(random_case(), st.data())
def test_more_need_never_gives_a_smaller_target_share(
    case: tuple[pd.DataFrame, dict[str, Any]], data: Any
) -> None:
    df, options = case
    assume(options["imd_exponent"] > 0)
    formula, _, _ = build(options)
    area = data.draw(st.integers(0, len(df) - 1))
    column = data.draw(st.sampled_from(["imd", "smr"]))
    factor = data.draw(st.floats(1.0, 5.0))
    before = allocate(formula, df).to_frame()["target_share"].iloc[area]
    more = df.copy()
    more.loc[area, column] *= factor
    after = allocate(formula, more).to_frame()["target_share"].iloc[area]
    assert after >= before * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(random_case(), st.data())
def test_equal_need_gives_equal_per_head_shares(
    case: tuple[pd.DataFrame, dict[str, Any]], data: Any
) -> None:
    df, options = case
    options["resources"] = False
    formula, _, _ = build(options)
    # Make areas 0 and 1 identical in need (and cost) but not in population.
    df.loc[1, ["imd", "smr", "mff"]] = df.loc[0, ["imd", "smr", "mff"]].to_numpy()
    df.loc[0, "population"] = data.draw(st.integers(1, 50_000))
    df.loc[1, "population"] = data.draw(st.integers(1, 50_000))
    t = allocate(formula, df).to_frame()
    per_head = t["target_share"] / t["population"]
    assert per_head.iloc[0] == pytest.approx(per_head.iloc[1], rel=1e-12)
    pence = t["target_pence"].to_numpy()
    assert abs(pence[0] / t["population"].iloc[0] - pence[1] / t["population"].iloc[1]) <= (
        1 / t["population"].iloc[0] + 1 / t["population"].iloc[1]
    )


@settings(max_examples=50, deadline=None)
@given(random_case(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(
    case: tuple[pd.DataFrame, dict[str, Any]], rnd: Any
) -> None:
    df, options = case
    formula, _, _ = build(options)
    order = list(range(len(df)))
    rnd.shuffle(order)
    a = allocate(formula, df).to_frame()
    b = allocate(formula, df.iloc[order]).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_polars_in_polars_out() -> None:
    import polars as pl  # a core dependency of healthgap

    result = allocate(Formula.from_toml(WORKED), pl.from_pandas(worked_inputs()))
    frame = result.to_frame()
    assert isinstance(frame, pl.DataFrame)
    assert frame["allocation_pence"].to_list() == [1_299_507, 2_197_562, 2_754_000, 3_748_931]
    assert isinstance(result.path_frame(), pl.DataFrame)


def test_zero_population_area_gets_nothing_per_head() -> None:
    df = worked_inputs().assign(population=[0, 2000, 3000, 4000], current=[0, 21000, 27000, 36000])
    t = allocate(Formula.from_toml(WORKED), df).to_frame()
    assert t["target_pence"].iloc[0] == 0
    assert np.isnan(t["target_per_head"].iloc[0])
    assert int(t["allocation_pence"].sum()) == 10_000_000


def test_control_total_from_the_call_overrides_the_formula() -> None:
    t = allocate(Formula.from_toml(WORKED), worked_inputs(), control_total="200,000").to_frame()
    assert int(t["target_pence"].sum()) == 20_000_000


def test_summary_and_repr() -> None:
    result = allocate(Formula.from_toml(WORKED), worked_inputs())
    text = result.summary()
    assert "Allocation: Worked example" in text
    assert "control total: £100,000.00" in text
    assert "components: core 0.9, hi 0.1" in text
    assert "largest remainder (Hamilton)" in text
    assert repr(result) == "<AllocationResult 'Worked example': 4 areas, £100,000.00>"
    assert "<table" in result._repr_html_()


# ---- input errors ---------------------------------------------------------------------------


def run(df: pd.DataFrame, text: str = WORKED, **kwargs: Any) -> Any:
    return allocate(Formula.from_toml(text, "f.toml"), df, inputs_name="in.csv", **kwargs)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.drop(columns="smr_u75"),
            r"column 'smr_u75', named by indices.smr.column \(line 9 of f.toml\), must be in "
            r"in.csv; got columns \[area, population, age_need, current\]. Check the spelling",
        ),
        (
            lambda d: d.rename(columns={"smr_u75": "SMR_U75"}),
            r"column 'smr_u75', .* Did you mean 'SMR_U75'\?",
        ),
        (
            lambda d: d.drop(columns="current"),
            r"column 'current', named by current \(line 2 of f.toml\), must be in in.csv",
        ),
        (
            lambda d: d.drop(columns="population"),
            r"column 'population', named by population \(in f.toml\), must be in in.csv",
        ),
        (
            lambda d: d.assign(population=[1000, -5, 3000, 4000]),
            r"population column 'population' must be 0 or more; got 1 negative value \(first: "
            r"-5 at row 2 \(area B\)\)",
        ),
        (
            lambda d: d.assign(population=[0, 0, 0, 0]),
            r"population column 'population' must add up to more than 0 in in.csv; got 0",
        ),
        (
            lambda d: d.assign(age_need=[1.3, None, 0.9, 0.95]),
            r"index 'age_need' column 'age_need' must have a value in every row of in.csv; got "
            r"1 empty cell \(first at row 2 \(area B\)\)",
        ),
        (
            lambda d: d.assign(age_need=["1.3", "n/a", "0.9", "1"]),
            r"index 'age_need' column 'age_need' must hold numbers; got 1 row of text \(first: "
            r"'n/a' at row 2 \(area B\)\)",
        ),
        (
            lambda d: d.assign(smr_u75=[160, -1, 80, 90]),
            r"index 'smr' column 'smr_u75' must be 0 or more",
        ),
        (
            lambda d: d.assign(smr_u75=[160, float("inf"), 80, 90]),
            r"index 'smr' column 'smr_u75' must hold finite numbers",
        ),
        (
            lambda d: d.assign(smr_u75=[0, 0, 0, 0]),
            r"index 'smr' \(indices.smr \(line 8 of f.toml\)\) must be greater than 0 in at "
            r"least one area with population",
        ),
        (
            lambda d: d.assign(area=["A", "B", "A", "D"]),
            r"area column 'area' must list each area once in in.csv; got 1 repeated \(first: A "
            r"at rows 1, 3\)",
        ),
        (
            lambda d: d.assign(area=["A", None, "C", "D"]),
            r"area column 'area' must have a code in every row of in.csv; got 1 empty \(first: "
            r"row 2\)",
        ),
        (
            lambda d: d.assign(current=[12000.001, 21000, 27000, 36000]),
            r"current allocation column 'current' must be in pounds with at most 2 decimal "
            r"places; got 1 value with more \(first: 12000.001 at row 1 \(area A\)\)",
        ),
        (
            lambda d: d.assign(current=[12000, -1, 27000, 36000]),
            r"current allocation column 'current' must be 0 or more",
        ),
        (lambda d: d.iloc[0:0], r"in.csv must have one row per area; got no rows"),
    ],
)
def test_input_errors(change: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run(change(worked_inputs()))


def test_negative_exponent_needs_positive_values() -> None:
    text = WORKED.replace('column = "smr_u75"', 'column = "smr_u75"\nexponent = -1')
    with pytest.raises(
        InputError,
        match=r"index 'smr' column 'smr_u75' must be greater than 0 because its exponent "
        r"\(indices.smr.exponent \(line 10 of f.toml\)\) is negative; got 1 zero value "
        r"\(first at row 3 \(area C\)\)",
    ):
        run(worked_inputs().assign(smr_u75=[160, 120, 0, 90]), text)


def test_derived_index_of_zero_to_a_negative_power() -> None:
    text = WORKED + "\n[indices.inverse]\nof = { smr = -1.0 }\n"
    with pytest.raises(
        InputError,
        match=r"indices.inverse.of \(line \d+ of f.toml\) must give a finite value in every "
        r"area; got an infinite value in 1 area\(s\) \(first: C\)",
    ):
        run(worked_inputs().assign(smr_u75=[160, 120, 0, 90]), text)


def test_component_with_no_need_anywhere() -> None:
    text = WORKED.replace('[indices.smr]\ncolumn = "smr_u75"', '[indices.smr]\ncolumn = "core20"')
    df = worked_inputs().assign(core20=[0.0, 0.0, 0.0, 0.0])
    with pytest.raises(InputError, match=r"index 'smr' .* must be greater than 0 in at least"):
        run(df, text)


def test_cost_index_must_be_positive() -> None:
    text = WORKED + '\n[cost_adjustment]\ncolumn = "mff"\n'
    with pytest.raises(
        InputError,
        match=r"cost index column 'mff' must be greater than 0; got 1 value of 0 or less "
        r"\(first: 0 at row 2 \(area B\)\)",
    ):
        run(worked_inputs().assign(mff=[1.0, 0.0, 1.1, 0.9]), text)


def test_resources_must_not_be_negative() -> None:
    text = WORKED + '\n[resources]\ncolumn = "ct"\n'
    with pytest.raises(InputError, match=r"resources column 'ct' must be 0 or more"):
        run(worked_inputs().assign(ct=[1.0, -2.0, 1.1, 0.9]), text)


def test_control_total_is_needed() -> None:
    text = WORKED.replace("control_total = 100000\n", "")
    with pytest.raises(
        InputError,
        match=r"control_total must be given, in the formula or when running it; got none in "
        r"f.toml",
    ):
        run(worked_inputs(), text)


def test_formula_path_is_read(tmp_path: Any) -> None:
    path = tmp_path / "w.toml"
    path.write_text(WORKED)
    assert int(allocate(path, worked_inputs()).to_frame()["target_pence"].sum()) == 10_000_000


BANDED = """\
control_total = 1000
[cost_curves.acute]
weights = [
  { age = "young", weight = 1.0 },
  { age = "old", weight = 3.0 },
]
[components.core]
share = 1
base = "acute"
"""


def banded_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    df = pd.DataFrame({"area": ["A", "B"], "population": [10, 10]})
    bands = pd.DataFrame(
        {"area": ["A", "A", "B", "B"], "age": ["young", "old"] * 2, "population": [5, 5, 8, 2]}
    )
    return df, bands


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda b: None,
            r"a table of population by band must be given because components.core.base "
            r"\(line 9 of f.toml\) uses cost curve 'acute'; got none",
        ),
        (
            lambda b: b.assign(age=["young", "old", "young", "middle"]),
            r"every band in bands.csv must have a weight in cost_curves.acute.weights \(line 3 of "
            r"f.toml\); got 1 row without \(first: age middle at row 4 \(area B\)\)",
        ),
        (
            lambda b: b.assign(area=["A", "A", "B", "Z"]),
            r"every area in bands.csv must be in in.csv; got 1 row for areas that are not "
            r"\(first: Z at row 4\)",
        ),
        (
            lambda b: b.assign(area=["A", "A", "A", "A"]),
            r"every area in in.csv must have rows in bands.csv; got 1 area without \(first: B\)",
        ),
        (
            lambda b: b.drop(columns="age"),
            r"column 'age', named by cost_curves.acute.weights \(line 3 of f.toml\), must be in "
            r"bands.csv",
        ),
        (
            lambda b: b.assign(population=[5, -5, 8, 2]),
            r"band population column 'population' must be 0 or more; got 1 negative value "
            r"\(first: -5 at row 2 \(area A\)\)",
        ),
        (
            lambda b: b.assign(age=["young", None, "young", "old"]),
            r"band column 'age' must have a label in every row of bands.csv",
        ),
        (
            lambda b: b.assign(population=[0, 0, 0, 0]),
            r"the weighted population of cost curve 'acute' \(components.core.base \(line 9 of "
            r"f.toml\)\) must be greater than 0 in total; got 0",
        ),
    ],
)
def test_band_errors(change: Any, message: str) -> None:
    df, bands = banded_inputs()
    with pytest.raises(InputError, match=message):
        run(df, BANDED, bands=change(bands), bands_name="bands.csv")
