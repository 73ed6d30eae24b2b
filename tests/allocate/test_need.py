"""Need per footprint and "does money follow need" on NHS England's weighted populations.

Reference values: the mirror's practice files read here with pandas (SOURCES.md,
nhs_allocations), MHCLG's IMD 2019 LSOA file with its mid-2015 populations, and the
concentration index formula of METHODS.md checked on a two-unit case by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.allocate import follows, need
from healthgap.data.store import Store, open_store
from healthgap.errors import InputError
from healthgap.geography.footprints import Place
from tests.data.open_data._mirror import mirror_or_skip, session_store

PRACTICES_2025 = "gp_practice_weighted_population_2025_2026.csv"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(session_store(tmp_path_factory))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def mirror() -> Path:
    return mirror_or_skip()


@pytest.fixture(scope="module")
def raw(mirror: Path) -> pd.DataFrame:
    return pd.read_csv(mirror / "nhs_allocations" / PRACTICES_2025, encoding="utf-8-sig")


def test_icb_need_index_and_shares(store: Store, raw: pd.DataFrame) -> None:
    icb = need.icb_need(store, "2025/26").set_index("icb_code")
    sums = raw.groupby("ICB")[["Population", "Final WP", "Health Ineq WP"]].sum()
    np.testing.assert_allclose(
        icb["need_index"], (sums["Final WP"] / sums["Population"]).reindex(icb.index), rtol=1e-12
    )
    assert icb["need_share"].sum() == pytest.approx(1, rel=1e-13)
    # The primary care inequalities effect is exactly 0.15 x (HI share - PMC share).
    np.testing.assert_allclose(
        icb["pmc_hi_effect"],
        need.PMC_HI_WEIGHT * (icb["share_health_inequalities_wp"] - icb["share_pmc_wp"]),
        atol=1e-12,
    )
    comps = need.component_table(store, "2025/26")
    assert len(comps) == 42 * 9
    assert comps.groupby("component")["share"].sum().round(12).eq(1).all()


def test_district_need_counts_each_practice_in_its_address_district(
    store: Store, raw: pd.DataFrame
) -> None:
    lad = need.footprint_need(store, "2025/26", "lad").set_index("code")
    assert len(lad) == 296  # every English district (2024) has practices
    # Blackpool (E06000009) kept its code since 2021.
    bp = raw[raw["LAD"] == "E06000009"]
    assert lad.loc["E06000009", "need_index"] == pytest.approx(
        bp["Final WP"].sum() / bp["Population"].sum(), rel=1e-12
    )
    # Districts merged in 2023 (Allerdale, Carlisle, Copeland -> Cumberland E06000063).
    cumberland = raw[raw["LAD"].isin(["E07000026", "E07000028", "E07000029"])]
    assert lad.loc["E06000063", "registered_population"] == pytest.approx(
        cumberland["Population"].sum(), rel=1e-12
    )
    assert lad["registered_population"].sum() == pytest.approx(raw["Population"].sum(), rel=1e-12)


def test_strategic_authority_and_places(store: Store, raw: pd.DataFrame) -> None:
    sa = need.footprint_need(store, "2025/26", "strategic_authority").set_index("code")
    gm_lads = [f"E080000{n:02d}" for n in range(1, 11)]  # Greater Manchester's ten
    gm = raw[raw["LAD"].isin(gm_lads)]
    assert sa.loc["E47000001", "need_index"] == pytest.approx(
        gm["Final WP"].sum() / gm["Population"].sum(), rel=1e-12
    )
    assert sa.loc["E47000001", "population_share"] == pytest.approx(
        gm["Population"].sum() / raw["Population"].sum(), rel=1e-12
    )
    place = need.footprint_need(store, "2025/26", [Place("Greater Manchester", gm_lads)])
    assert place["need_index"].iloc[0] == pytest.approx(sa.loc["E47000001", "need_index"])
    places = need.footprint_need(store, "2025/26", "icb_place")
    by_icb = places.groupby("icb_code")["registered_population"].sum()
    icb = need.icb_need(store, "2025/26").set_index("icb_code")["registered_population"]
    np.testing.assert_allclose(by_icb.reindex(icb.index), icb, rtol=1e-12)
    regions = need.footprint_need(store, "2025/26", "region")
    assert regions["need_share"].sum() == pytest.approx(1, rel=1e-12)


def test_footprint_errors(store: Store) -> None:
    with pytest.raises(InputError, match=r"year must be one of 2023/24, 2024/25, 2025/26"):
        need.icb_need(store, "2022/23")
    with pytest.raises(InputError, match=r"footprint must be one of icb, icb_place, lad"):
        need.footprint_need(store, "2025/26", "ward")
    with pytest.raises(InputError, match=r"place 'X' must be made of districts with GP"):
        need.footprint_need(store, "2025/26", [Place("X", ["E06999999"])])


def test_money_follows_need(store: Store, mirror: Path) -> None:
    result = follows.money_follows_need(store)
    icbs = result.icbs
    assert len(icbs) == 126
    # Equal because England's final weighted population equals its registered population
    # (to the files' printed decimals, about 1e-12 relative).
    np.testing.assert_allclose(icbs["need_to_population"], icbs["need_index"], rtol=1e-9)
    # Core20 share of Greater Manchester ICB (QOP), from the IMD file by hand: its
    # LSOAs are those of the ten Greater Manchester districts (LAD 2019 codes).
    imd = pd.read_csv(mirror / "imd2019" / "imd2019_lsoa11_england.csv")
    gm = imd[imd["lad19_code"].isin([f"E080000{n:02d}" for n in range(1, 11)])]
    share = gm.loc[gm["imd_decile"] <= 2, "pop_total_mid2015"].sum() / gm["pop_total_mid2015"].sum()
    score = (gm["imd_score"] * gm["pop_total_mid2015"]).sum() / gm["pop_total_mid2015"].sum()
    row = icbs[(icbs["icb_code"] == "QOP") & (icbs["year"] == "2025/26")].iloc[0]
    assert row["core20_share"] == pytest.approx(share, rel=1e-10)
    assert row["imd_score"] == pytest.approx(score, rel=1e-10)
    # Need is concentrated in more deprived ICBs (negative index), the inequalities
    # component more so, in every year.
    conc = result.concentration.set_index(["year", "measure"])["value"]
    for year in need.YEARS:
        assert conc[(year, "hi_index")] < conc[(year, "need_index")] < 0
    change = result.change.set_index("icb_code")
    first = icbs[icbs["year"] == "2023/24"].set_index("icb_code")["need_share"]
    last = icbs[icbs["year"] == "2025/26"].set_index("icb_code")["need_share"]
    np.testing.assert_allclose(
        change["change_points"], 100 * (last - first).reindex(change.index), rtol=1e-12
    )
    assert change["change_points"].sum() == pytest.approx(0, abs=1e-10)


def test_concentration_index_by_hand(store: Store) -> None:
    """C = 2 cov_w(y, r) / mean_w(y) with fractional ranks r (METHODS.md)."""
    icbs = follows.money_follows_need(store, ("2025/26",)).icbs
    w = icbs["registered_population"].to_numpy() / icbs["registered_population"].sum()
    y = icbs["need_index"].to_numpy()
    order = np.argsort(-icbs["imd_score"].to_numpy(), kind="stable")
    r = np.empty_like(w)
    r[order] = np.cumsum(w[order]) - w[order] / 2
    mu = np.sum(w * y)
    expected = 2 * np.sum(w * (y - mu) * (r - 0.5)) / mu
    got = follows.money_follows_need(store, ("2025/26",)).concentration
    assert got.loc[got["measure"] == "need_index", "value"].item() == pytest.approx(
        expected, rel=1e-10
    )


@pytest.fixture(scope="module")
def districts(store: Store) -> pd.DataFrame:
    return need.footprint_need(store, "2024/25", "lad")


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_two_places_that_split_england_add_up(
    store: Store, districts: pd.DataFrame, seed: int
) -> None:
    """Any split of England's districts into two places: populations and weighted
    populations add up to England's, and England's index (1) is their weighted mean."""
    rng = np.random.default_rng(seed)
    codes = districts["code"].to_numpy()
    mask = rng.random(len(codes)) < 0.5
    mask[0], mask[1] = True, False  # both places non-empty
    places = [Place("A", list(codes[mask])), Place("B", list(codes[~mask]))]
    two = need.footprint_need(store, "2024/25", places)
    pop = two["registered_population"].to_numpy()
    assert pop.sum() == pytest.approx(districts["registered_population"].sum(), rel=1e-12)
    mean = float(np.sum(two["need_index"].to_numpy() * pop) / pop.sum())
    assert mean == pytest.approx(1.0, rel=1e-9)
    assert two["need_share"].sum() == pytest.approx(1.0, rel=1e-12)
