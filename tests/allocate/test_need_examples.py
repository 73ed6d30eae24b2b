"""The ICB examples on NHS England's published weighted populations.

Reference values: the practice files of the mirror (SOURCES.md, nhs_allocations), read
here with pandas independently of the loader; each ICB's published share is its practices'
final weighted population over England's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap.allocate import need
from healthgap.allocate.examples import (
    NEED_EXAMPLES,
    PUBLISHED_NEED,
    SHARES_ONLY,
    compare_example,
    run_example,
    what_if_formula,
)
from healthgap.data.store import Store, open_store
from healthgap.errors import InputError
from tests.data.open_data._mirror import mirror_or_skip, session_store

FILES = {
    "2023/24": ("gp_practice_weighted_population_2023_2024.csv", "ICS22"),
    "2024/25": ("gp_practice_weighted_population_2024_2025.csv", "ICS22"),
    "2025/26": ("gp_practice_weighted_population_2025_2026.csv", "ICB"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(session_store(tmp_path_factory))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def mirror() -> Path:
    return mirror_or_skip()


def published_shares(mirror: Path, year: str, column: str) -> pd.Series:
    name, icb = FILES[year]
    frame = pd.read_csv(mirror / "nhs_allocations" / name, encoding="utf-8-sig")
    sums = frame.groupby(icb)[column].sum()
    return sums / sums.sum()


def test_one_core_and_one_primary_care_example_per_year() -> None:
    years = sorted({s.year for s in NEED_EXAMPLES.values()})
    assert years == list(need.YEARS)
    assert len(NEED_EXAMPLES) == 6
    assert all(s.published and s.label == PUBLISHED_NEED for s in NEED_EXAMPLES.values())


@pytest.mark.parametrize("year", need.YEARS)
def test_core_target_shares_equal_the_published_final_wp_shares(
    store: Store, mirror: Path, year: str
) -> None:
    table = run_example(store, f"icb_core_{year.replace('/', '_')}").table.set_index("area")
    expected = published_shares(mirror, year, "Final WP")
    assert len(table) == 42
    np.testing.assert_allclose(table["target_share"], expected.reindex(table.index), rtol=1e-12)
    assert table["target_share"].sum() == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("year", need.YEARS)
def test_primary_care_shares_equal_the_published_final_pmc_shares(
    store: Store, mirror: Path, year: str
) -> None:
    """85% primary medical care need + 15% inequalities = the published Final PMC WP.

    The files print weighted populations to 6 decimals from 2024/25, so the identity
    holds to about 1e-5 per practice: relative 1e-9 on the shares.
    """
    name = f"icb_primary_care_{year.replace('/', '_')}"
    table = run_example(store, name).table.set_index("area")
    expected = published_shares(mirror, year, "Final PMC WP")
    np.testing.assert_allclose(table["target_share"], expected.reindex(table.index), rtol=1e-9)


def test_shares_only_without_a_control_total(store: Store) -> None:
    result = run_example(store, "icb_core_2025_26")
    assert result.notes[:2] == (PUBLISHED_NEED, SHARES_ONLY)
    assert "target_pence" not in result.table.columns
    assert set(result.table["label"]) == {
        "NHS England published need (shares); not an allocation in pounds"
    }
    assert "none (shares only)" in result.summary()


def test_pounds_from_a_control_total_add_up_to_the_penny(store: Store, mirror: Path) -> None:
    result = run_example(store, "icb_core_2024_25", control_total="98,765,432,101.23")
    table = result.table.set_index("area")
    assert table["target_pence"].sum() == 9_876_543_210_123
    expected = published_shares(mirror, "2024/25", "Final WP") * 9_876_543_210_123
    assert (table["target_pence"] - expected.reindex(table.index)).abs().max() < 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, r"control_total must be a positive amount in pounds; got 0"),
        ("-5", r"control_total must be a positive amount in pounds; got '-5'"),
        ("ten", r"control_total must be an amount in pounds; got 'ten'"),
        ("1.234", r"control_total must be in pounds with at most 2 decimal places"),
    ],
)
def test_control_total_must_be_positive_pounds(store: Store, value: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_example(store, "icb_core_2025_26", control_total=value)


def test_pace_of_change_on_top(store: Store) -> None:
    with pytest.raises(InputError, match="a pace of change on published need must have a control"):
        run_example(store, "icb_core_2025_26", growth=0.03)
    result = run_example(
        store, "icb_core_2025_26", control_total=1_000_000_000, growth=0.03, years=3
    )
    path = result.path_frame()
    assert sorted(path["year"].unique()) == [1, 2, 3]
    assert path.groupby("year")["allocation_pence"].sum().iloc[0] == 100_000_000_000
    assert set(result.table["label"]) == {
        "NHS England published need; current allocations and pace SYNTHETIC"
    }


def test_what_if_on_the_inequalities_share(store: Store) -> None:
    with pytest.raises(InputError, match="hi_share must change a formula with two components"):
        what_if_formula("icb_core_2025_26", hi_share=0.2)
    with pytest.raises(InputError, match="compares pounds, so it must have a control total"):
        compare_example(store, "icb_primary_care_2025_26", hi_share=0.2)
    base = run_example(store, "icb_primary_care_2025_26", control_total=10**9).table
    cmp = compare_example(store, "icb_primary_care_2025_26", hi_share=0.25, control_total=10**9)
    t = cmp.table.set_index("area")
    assert t["change_pence"].sum() == 0
    b = base.set_index("area")
    expected = 0.10 * (b["share_health_inequalities"] - b["share_primary_medical_care"]) * 1e11
    np.testing.assert_allclose(t["change_pence"].reindex(b.index), expected, atol=1.0)


def test_health_duty_fund_weights_need_by_the_published_need_index(
    store: Store, mirror: Path
) -> None:
    from healthgap.allocate.examples import example_formula, example_inputs

    name, _ = FILES["2025/26"]
    raw = pd.read_csv(mirror / "nhs_allocations" / name, encoding="utf-8-sig")
    gm = raw[raw["LAD"].isin([f"E080000{n:02d}" for n in range(1, 11)])]
    inputs = example_inputs(store, "health_duty_fund").set_index("area")
    assert inputs.loc["E47000001", "nhs_need_index"] == pytest.approx(
        gm["Final WP"].sum() / gm["Population"].sum(), rel=1e-12
    )
    formula = example_formula("health_duty_fund")
    need_component = next(c for c in formula.components if c.name == "need")
    assert need_component.indices == ("nhs_need",)
    assert formula.indices["nhs_need"].column == "nhs_need_index"
