"""Built-in example formulas on the real open data.

Inputs are checked against the mirror's CSV files read here independently with pandas
(not through the store), and against published totals; allocations are checked to add
up to the penny, the waterfall to reconcile, and need to be monotone (Hypothesis).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.allocate import allocate
from healthgap.allocate.examples import (
    EXAMPLES,
    ILLUSTRATION,
    compare_example,
    example_bands,
    example_formula,
    example_inputs,
    run_example,
    what_if_formula,
)
from healthgap.data.store import Store, open_store
from healthgap.errors import InputError
from tests.data.open_data._mirror import mirror_or_skip, session_store

REL = 1e-10


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(session_store(tmp_path_factory))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def mirror() -> Path:
    return mirror_or_skip()


@pytest.fixture(scope="module")
def results(store: Store) -> dict[str, object]:
    return {name: run_example(store, name) for name in EXAMPLES}


# ---- the formulas ----------------------------------------------------------------------


def test_every_example_is_labelled_an_illustration(results: dict[str, object]) -> None:
    for name in EXAMPLES:
        formula = example_formula(name)
        assert "not an official allocation" in formula.name
        result = results[name]
        assert result.notes[0] == ILLUSTRATION  # type: ignore[attr-defined]
        assert "NOT an official allocation" in result.summary()  # type: ignore[attr-defined]
    assert example_formula("public_health_grant").source == "public_health_grant.yaml"


def test_unknown_example_and_bad_what_ifs() -> None:
    with pytest.raises(
        InputError,
        match=r"example must be one of icb_capitation, public_health_grant, health_duty_fund, "
        r"icb_core_2023_24, .*; "
        r"got 'icb_capitaton'.* Did you mean 'icb_capitation'\?",
    ):
        example_formula("icb_capitaton")
    with pytest.raises(
        InputError,
        match=r"hi_share \(the health_inequalities component's share\) \(in what-if\) must be "
        r"a share between 0 and 1; got 15. Write 15% as 0.15.",
    ):
        what_if_formula("icb_capitation", hi_share=15)
    with pytest.raises(InputError, match=r"pace.years \(in what-if\) must be a whole number"):
        what_if_formula("icb_capitation", years=0)
    with pytest.raises(InputError, match=r"pace.floor \(in what-if\) must be a growth rate"):
        what_if_formula("icb_capitation", floor=-2)


def test_what_if_shares() -> None:
    f = what_if_formula("icb_capitation", hi_share=0.15, growth=0.04, floor=0.02, years=3)
    assert [(c.name, c.share) for c in f.components] == [
        ("core", pytest.approx(0.85, rel=REL)),
        ("health_inequalities", 0.15),
    ]
    assert f.pace is not None and (f.pace.years, f.pace.growth, f.pace.floor) == (
        3,
        (0.04, 0.04),
        0.02,
    )
    assert "what if health_inequalities share 0.15" in f.name


def test_a_store_of_the_named_datasets_runs_every_example_alike(store: Store, mirror: Path) -> None:
    """DATASETS is what the examples read: on a store of just those, every example
    (the published-need ones too) gives the full store's table exactly."""
    from healthgap.allocate.examples import DATASETS, NEED_EXAMPLES
    from healthgap.data.store import init_store

    names = [*EXAMPLES, *NEED_EXAMPLES]
    assert len(names) >= 5
    small = init_store(":memory:", mirror=mirror, ids=list(DATASETS))
    try:
        for name in names:
            got, want = run_example(small, name).table, run_example(store, name).table
            assert len(want) > 0, name
            pd.testing.assert_frame_equal(got, want, obj=name)
    finally:
        small.close()


# ---- inputs against the mirror, read independently -------------------------------------


def test_icb_inputs_match_file_6_and_the_lookup(store: Store, mirror: Path) -> None:
    imd = pd.read_csv(mirror / "imd2019" / "imd2019_lsoa11_england.csv")
    # 2011 LSOAs in April 2024 ICBs: through the ONS LSOA 2011 to 2021 lookup (no 2011 LSOA
    # is split between ICBs), so Surrey Heartlands and Sussex carry their 2024 codes
    bridge = pd.read_csv(mirror / "lookups" / "lsoa11_lsoa21_lad22_ew.csv")
    icb24 = pd.read_csv(mirror / "lookups" / "lsoa21_sicbl24_icb24_en.csv")
    look = (
        bridge.merge(icb24, on="lsoa21_code")[["lsoa11_code", "icb24_code"]]
        .drop_duplicates()
        .rename(columns={"icb24_code": "icb22_code"})
    )
    assert look["lsoa11_code"].is_unique
    inputs = example_inputs(store, "icb_capitation")
    bands = example_bands(store, "icb_capitation")
    assert bands is not None
    assert len(inputs) == 42 and inputs["area"].is_unique
    # England's mid-2015 population (File 6, excluding prisoners) is kept whole.
    assert inputs["population"].sum() == imd["pop_total_mid2015"].sum() == 54_728_204
    assert bands["population"].sum() == inputs["population"].sum()
    joined = imd.merge(look, on="lsoa11_code")
    joined["w"] = joined["imd_score"] * joined["pop_total_mid2015"]
    by = joined.groupby("icb22_code")
    expected_pop = by["pop_total_mid2015"].sum()
    expected_score = by["w"].sum() / expected_pop
    got = inputs.set_index("area")
    assert (got["population"] == expected_pop.reindex(got.index)).all()
    np.testing.assert_allclose(got["imd_score"], expected_score.reindex(got.index), rtol=REL)
    older = bands[bands["age"] == "60+"].set_index("area")["population"]
    exp_older = by["pop_age_60_plus_mid2015"].sum()
    assert (older == exp_older.reindex(older.index)).all()


def test_public_health_inputs_match_the_mirror(store: Store, mirror: Path) -> None:
    pops = pd.read_csv(mirror / "population" / "ons_mye_mid2020_persons_single_year_lad21_ew.csv")
    cvd = pd.read_csv(
        mirror / "indicators" / "ohid_preventable_cvd_mortality_u75_dsr_2001_2024.csv"
    )
    inputs = example_inputs(store, "public_health_grant")
    assert len(inputs) == 151 and inputs["area"].is_unique
    # Published England mid-2020 total (SOURCES.md): every English LAD is counted once.
    england = pops[pops["lad21_code"].str.startswith("E")]["all_ages"].sum()
    assert inputs["population"].sum() == england == 56_550_138
    latest = cvd[cvd["period_label"] == "2022-2024"].drop_duplicates("area_code")
    rate = latest.set_index("area_code")["dsr_per_100000"]
    got = inputs.set_index("area")
    np.testing.assert_allclose(got["cvd_u75_dsr"], rate.reindex(got.index), rtol=REL)
    np.testing.assert_allclose(
        got["smr_u75_proxy"], 100 * rate.reindex(got.index) / rate["E92000001"], rtol=REL
    )
    # Single-LAD unitaries keep their own population (Hartlepool, mid-2020).
    hartlepool = pops.loc[pops["lad21_code"] == "E06000001", "all_ages"].item()
    assert got.loc["E06000001", "population"] == hartlepool
    # OHID's combined areas.
    pair = pops.loc[pops["lad21_code"].isin(["E09000001", "E09000012"]), "all_ages"].sum()
    assert got.loc["E67000001", "population"] == pair


def test_health_duty_inputs_match_the_mirror(store: Store, mirror: Path) -> None:
    hle = pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")
    imd = pd.read_csv(mirror / "imd2019" / "imd2019_lsoa11_england.csv")
    cauth = pd.read_csv(mirror / "lookups" / "lad23_cauth23_en.csv")
    inputs = example_inputs(store, "health_duty_fund").set_index("area")
    assert len(inputs) == 16  # the 15 authorities of the May 2025 lookup and the GLA
    latest = hle[hle["period"] == "2022-2024"]
    persons = latest.groupby("area_code")["hle_years"].mean()
    assert inputs["england_hle_years"].iloc[0] == pytest.approx(persons["E92000001"], rel=REL)
    for code in inputs.index:
        published = "E12000007" if code == "E61000001" else code  # the GLA is London
        assert inputs.loc[code, "hle_years"] == pytest.approx(persons[published], rel=REL)
        gap = max(0.0, persons["E92000001"] - persons[published])
        assert inputs.loc[code, "hle_gap_years"] == pytest.approx(gap, rel=REL, abs=1e-12)
    # Core20 share of Greater Manchester, from IMD 2019 deciles 1-2 and File 6 populations
    # (its ten districts kept their codes since 2019).
    gm = cauth.loc[cauth["cauth23_code"] == "E47000001", "lad23_code"]
    lsoas = imd[imd["lad19_code"].isin(gm)]
    core20 = lsoas.loc[lsoas["imd_decile"] <= 2, "pop_total_mid2015"].sum()
    share = core20 / lsoas["pop_total_mid2015"].sum()
    assert inputs.loc["E47000001", "core20_share"] == pytest.approx(share, rel=REL)
    mid2020 = pd.read_csv(
        mirror / "population" / "ons_mye_mid2020_persons_single_year_lad21_ew.csv"
    )
    gm_pop = mid2020.loc[mid2020["lad21_code"].isin(gm), "all_ages"].sum()
    assert inputs.loc["E47000001", "population"] == gm_pop


# ---- allocations -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_allocations_add_up_to_the_penny(results: dict[str, object], name: str) -> None:
    result = results[name]
    table = result.table  # type: ignore[attr-defined]
    formula = example_formula(name)
    assert table["target_pence"].sum() == formula.control_total
    assert table["allocation_pence"].sum() == formula.control_total
    assert table["target_pence"].dtype.kind == "i"
    path = result.path_frame()  # type: ignore[attr-defined]
    years = result.years_frame()  # type: ignore[attr-defined]
    totals = path.groupby("year")["allocation_pence"].sum().to_numpy()
    assert (totals == years["envelope_pence"].to_numpy()).all()
    # The synthetic baseline is the control total / 1.03 per head, to the penny.
    current = table["current_pence"]
    assert current.sum() == round(formula.control_total / 1.03)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_waterfalls_reconcile(results: dict[str, object], name: str) -> None:
    result = results[name]
    w = result.waterfall()  # type: ignore[attr-defined]
    steps = [c for c in w.columns if c not in ("area", "population", "equal_share", "target")]
    steps.remove("final")
    assert ((w["equal_share"] + w[steps].sum(axis=1)) == w["final"]).all()
    for column in steps:
        assert w[column].sum() == 0
    one = result.waterfall(w["area"].iloc[0])  # type: ignore[attr-defined]
    assert one["running_pence"].iloc[-1] == w["final"].iloc[0]


def test_icb_targets_by_hand(store: Store, results: dict[str, object]) -> None:
    """Target shares from the formula, restated independently (docs/allocation.md)."""
    inputs = example_inputs(store, "icb_capitation").set_index("area")
    bands = example_bands(store, "icb_capitation")
    assert bands is not None
    weights = {"0-15": 0.85, "16-59": 0.70, "60+": 2.10}
    wpop = (bands["population"] * bands["age"].map(weights)).groupby(bands["area"]).sum()
    pop = inputs["population"]
    index = inputs["imd_score"] / ((pop * inputs["imd_score"]).sum() / pop.sum())
    core = wpop / wpop.sum()
    hi = pop * index / (pop * index).sum()
    target = 0.9 * core + 0.1 * hi
    table = results["icb_capitation"].table.set_index("area")  # type: ignore[attr-defined]
    np.testing.assert_allclose(table["target_share"], target.reindex(table.index), rtol=REL)


def test_what_if_moves_money_as_the_formula_says(store: Store) -> None:
    base = run_example(store, "icb_capitation").table.set_index("area")
    what_if = compare_example(store, "icb_capitation", hi_share=0.15)
    t = what_if.table.set_index("area")
    assert t["change_pence"].sum() == 0
    # Target share moves by 0.05 x (health-inequalities share - core share).
    expected = 0.05 * (base["share_health_inequalities"] - base["share_core"]) * 1e13
    np.testing.assert_allclose(t["change_pence"].reindex(base.index), expected, rtol=0, atol=1.0)
    assert set(t["outcome"]) <= {"gains", "loses", "no change"}
    assert "area_name" in t.columns


@pytest.fixture(scope="module")
def need_inputs(store: Store) -> dict[str, tuple[pd.DataFrame, object]]:
    return {n: (example_inputs(store, n), example_bands(store, n)) for n in EXAMPLES}


NEED_COLUMN = {
    "icb_capitation": "imd_score",
    "public_health_grant": "smr_u75_proxy",
    "health_duty_fund": "hle_gap_years",
}


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    name=st.sampled_from(sorted(EXAMPLES)),
    row=st.integers(min_value=0, max_value=9),
    factor=st.floats(min_value=1.0, max_value=3.0),
)
def test_more_need_never_gives_a_smaller_share(
    need_inputs: dict[str, tuple[pd.DataFrame, object]], name: str, row: int, factor: float
) -> None:
    inputs, bands = need_inputs[name]
    formula = example_formula(name)
    column = NEED_COLUMN[name]
    more = inputs.copy()
    more.loc[row, column] = more.loc[row, column] * factor + (factor - 1)
    a = allocate(formula, inputs, bands).table
    b = allocate(formula, more, bands).table
    area = inputs.loc[row, "area"]
    share_a = a.loc[a["area"] == area, "target_share"].item()
    share_b = b.loc[b["area"] == area, "target_share"].item()
    assert share_b >= share_a - 1e-15
