"""Aggregating counts to footprints and user-defined places."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography import Place, aggregate, lsoa_lookup, recode_lad
from tests.data.open_data._mirror import mirror_or_skip


def test_hand_checkable_sums(store: Store) -> None:
    data = pd.DataFrame(
        {
            "lad": ["E06000001", "E06000002", "E06000001", "E08000025", "E06000002"],
            "sex": ["F", "F", "M", "F", "M"],
            "deaths": [1, 2, 4, 8, 16],
        }
    )
    out = aggregate(data, area="lad", values="deaths", to="region", group_by="sex", store=store)
    got = {(r.region_name, r.sex): r.deaths for r in out.itertuples(index=False)}
    assert got == {
        ("North East", "F"): 3,
        ("North East", "M"): 20,
        ("West Midlands", "F"): 8,
    }
    assert out["deaths"].dtype == "int64"  # whole numbers stay whole
    assert out.set_index(["region_name", "sex"]).loc[("North East", "M"), "n_areas"] == 2
    england = aggregate(data, area="lad", values="deaths", to="england", store=store)
    assert england[["england_name", "deaths", "n_areas", "n_missing"]].values.tolist() == [
        ["England", 31, 3, 0]
    ]


def test_polars_in_polars_out_and_missing_values(store: Store) -> None:
    data = pl.DataFrame({"lad": ["E06000001", "E06000002"], "n": [1.5, None]})
    out = aggregate(data, area="lad", values="n", to="utla", store=store)
    assert isinstance(out, pl.DataFrame)
    assert out.sort("utla_code")["n"].to_list() == [1.5, 0.0]
    assert out["n_missing"].to_list() == [0, 1]


def test_england_population_from_lad_2021_estimates(store: Store) -> None:
    """ONS mid-2020 estimates, LAD 2021 codes recoded to 2024, summed to England:
    56,550,138 (SOURCES.md)."""
    mirror = mirror_or_skip()
    with (mirror / "population" / "ons_mye_mid2020_persons_single_year_lad21_ew.csv").open(
        encoding="utf-8"
    ) as fh:
        rows = [r for r in csv.DictReader(fh) if r["lad21_code"].startswith("E")]
    data = pd.DataFrame(
        {
            "lad": recode_lad([r["lad21_code"] for r in rows], 2021, store=store),
            "pop": [int(r["all_ages"]) for r in rows],
        }
    )
    out = aggregate(data, area="lad", values="pop", to="england", store=store)
    assert out["pop"].tolist() == [56_550_138]
    regions = aggregate(data, area="lad", values="pop", to="region", store=store)
    assert regions["pop"].sum() == 56_550_138 and len(regions) == 9


def mirror_rows(name: str) -> list[dict[str, str]]:
    with (mirror_or_skip() / "lookups" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_gla_equals_london(store: Store) -> None:
    lk = lsoa_lookup(store)
    data = pd.DataFrame({"lsoa": lk["lsoa_code"], "n": 1})
    sa = aggregate(
        data, area="lsoa", level="lsoa", values="n", to="strategic_authority", store=store
    )
    region = aggregate(data, area="lsoa", level="lsoa", values="n", to="region", store=store)
    gla = sa.set_index("strategic_authority_code").loc[
        "E61000001", "n"
    ]  # the GLA, under its own code
    london = {
        r["lad24_code"]
        for r in mirror_rows("lad24_region24_en.csv")
        if r["region24_name"] == "London"
    }
    expected = sum(r["lad24_code"] in london for r in mirror_rows("lsoa21_ward24_lad24_ew.csv"))
    assert gla == region.set_index("region_code").loc["E12000007", "n"] == expected


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 400))
def test_one_step_equals_two_steps(store: Store, seed: int, size: int) -> None:
    """LSOA -> region directly equals LSOA -> LAD -> region; no count is lost."""
    rng = np.random.default_rng(seed)
    codes = lsoa_lookup(store)["lsoa_code"].to_numpy()
    data = pd.DataFrame({"lsoa": rng.choice(codes, size), "n": rng.integers(0, 1000, size)})
    direct = aggregate(data, area="lsoa", level="lsoa", values="n", to="region", store=store)
    lads = aggregate(data, area="lsoa", level="lsoa", values="n", to="lad", store=store)
    two = aggregate(lads, area="lad_code", level="lad", values="n", to="region", store=store)
    assert direct[["region_code", "n"]].equals(two[["region_code", "n"]])
    assert direct["n"].sum() == data["n"].sum()
    icb = aggregate(data, area="lsoa", level="lsoa", values="n", to="icb", store=store)
    assert icb["n"].sum() == data["n"].sum()


def icb_of_lad() -> dict[str, set[str]]:
    """LAD 2024 -> the ICBs (April 2024) its LSOAs are in, from the mirror's CSVs."""
    lad = {r["lsoa21_code"]: r["lad24_code"] for r in mirror_rows("lsoa21_ward24_lad24_ew.csv")}
    out: dict[str, set[str]] = {}
    for r in mirror_rows("lsoa21_sicbl24_icb24_en.csv"):
        out.setdefault(lad[r["lsoa21_code"]], set()).add(r["icb24_code"])
    return out


def test_lad_to_icb_needs_whole_lads(store: Store) -> None:
    icbs = icb_of_lad()
    assert icbs["E06000001"] == icbs["E06000002"] and len(icbs["E06000001"]) == 1
    whole = pd.DataFrame({"lad": ["E06000001", "E06000002"], "n": [1, 2]})
    out = aggregate(whole, area="lad", values="n", to="icb", store=store)
    assert out["n"].tolist() == [3] and set(out["icb_code"]) == icbs["E06000001"]
    assert len(icbs["E06000060"]) > 1
    split = pd.DataFrame({"lad": ["E06000001", "E06000060"], "n": [1, 2]})
    with pytest.raises(
        InputError, match=r"each lad must lie within one icb to be added up; got 1 .*'E06000060'"
    ):
        aggregate(split, area="lad", values="n", to="icb", store=store)


def test_places(store: Store) -> None:
    lk = lsoa_lookup(store)
    fylde = ["E06000009", "E07000119", "E07000128"]  # Blackpool, Fylde, Wyre
    data = pd.DataFrame({"lsoa": lk["lsoa_code"], "n": 1})
    places = [
        Place("Fylde coast", fylde),
        Place("Blackpool", ["E06000009"], code="BPL"),  # overlaps the first
        Place("Two LSOAs", lk["lsoa_code"].iloc[:2].tolist(), level="lsoa"),
    ]
    out = aggregate(data, area="lsoa", level="lsoa", values="n", to=places, store=store)
    got = out.set_index("place_code")["n"].to_dict()
    expected = int(lk["lad_code"].isin(fylde).sum())
    assert got == {
        "Fylde coast": expected,
        "BPL": int((lk["lad_code"] == "E06000009").sum()),
        "Two LSOAs": 2,
    }
    assert out.set_index("place_code").loc["BPL", "place_name"] == "Blackpool"


def test_place_validation(store: Store) -> None:
    with pytest.raises(InputError, match="a place's name must be non-empty text"):
        Place(" ", ["E06000009"])
    with pytest.raises(InputError, match="areas must be a list of codes; got the single string"):
        Place("x", "E06000009")
    with pytest.raises(InputError, match="must list at least one area"):
        Place("x", [])
    with pytest.raises(InputError, match="level must be one of"):
        Place("x", ["E06000009"], level="ward")
    data = pd.DataFrame({"lad": ["E06000009"], "n": [1]})
    with pytest.raises(InputError, match="places must have distinct codes; got 'a'"):
        aggregate(data, area="lad", values="n", to=[Place("a", ["E06000009"])] * 2, store=store)
    with pytest.raises(InputError, match=r"place 'b' areas must be lad codes known .*'E0X'"):
        aggregate(data, area="lad", values="n", to=[Place("b", ["E0X"])], store=store)
    lsoa_place = Place(
        "c", [mirror_rows("lsoa21_ward24_lad24_ew.csv")[0]["lsoa21_code"]], level="lsoa"
    )
    with pytest.raises(InputError, match="must be made of areas at or above the data's level"):
        aggregate(data, area="lad", values="n", to=[lsoa_place], store=store)
    icb_place = Place("d", [sorted(icb_of_lad()["E06000060"])[0]], level="icb")
    lads = pd.DataFrame({"lad": ["E06000060"], "n": [1]})
    with pytest.raises(InputError, match="whole lad areas; got 1 lad areas only partly inside"):
        aggregate(lads, area="lad", values="n", to=[icb_place], store=store)
    with pytest.raises(InputError, match="to must be a level name or a non-empty list of Place"):
        aggregate(data, area="lad", values="n", to=[], store=store)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": "ward"}, "level must be one of"),
        ({"to": "lsoa"}, "to must be one of"),
        ({"level": "region", "to": "lad"}, "to must be a level at or above 'region'; got 'lad'"),
        ({"values": "deaths"}, "value column 'deaths' must be in data"),
        ({"values": []}, "values must name at least one column"),
        ({"group_by": "n_areas"}, r"must not use the output column names \['n_areas'\]"),
    ],
)
def test_argument_errors(store: Store, kwargs: dict, message: str) -> None:
    data = pd.DataFrame({"lad": ["E06000009"], "n": [1], "n_areas": [1]})
    args = {"area": "lad", "values": "n", **kwargs}
    with pytest.raises(InputError, match=message):
        aggregate(data, store=store, **args)


def test_data_errors(store: Store) -> None:
    bad = pd.DataFrame({"lad": ["E06000009", "E07000004"], "n": [1, 2]})
    with pytest.raises(
        InputError,
        match=r"area column 'lad' must hold English lad codes known to the store; got 1 rows "
        r"with unknown codes \(first: 'E07000004' at row 2.*recode_lad",
    ):
        aggregate(bad, area="lad", values="n", store=store)
    negative = pd.DataFrame({"lad": ["E06000009"], "n": [-1]})
    with pytest.raises(InputError, match="value column 'n' must be 0 or more"):
        aggregate(negative, area="lad", values="n", store=store)
    text = pd.DataFrame({"lad": ["E06000009"], "n": ["many"]})
    with pytest.raises(InputError, match="value column 'n' must hold numbers"):
        aggregate(text, area="lad", values="n", store=store)


@settings(max_examples=25, deadline=None)
@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from(["lad", "utla", "icb", "strategic_authority", "region"]),
            st.lists(st.integers(0, 400), min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=5,
    ),
    level=st.sampled_from(["lsoa", "lad"]),
)
def test_places_at_once_equal_places_one_by_one(
    store: Store, picks: list[tuple[str, list[int]]], level: str
) -> None:
    """The table of many places built with one merge per level is the place-by-place
    table, row for row; and where a place is wrong (an area that is not whole at the
    data's level, e.g. an ICB from LAD data), both raise the same error."""
    from healthgap.geography import footprints as fp

    lookup = lsoa_lookup(store)
    places = []
    for i, (place_level, rows) in enumerate(picks):
        codes = lookup[f"{place_level}_code"].dropna().unique()
        areas = sorted({str(codes[r % len(codes)]) for r in rows})
        places.append(Place(f"place {i}", areas, level=place_level))
    try:
        want = fp._places_table_one_by_one(places, lookup, level)
    except InputError as exc:
        with pytest.raises(InputError) as got:
            fp._places_table(places, lookup, level)
        assert str(got.value) == str(exc)
        return
    got_table = fp._places_table(places, lookup, level)
    assert got_table["_from"].tolist() == want["_from"].tolist()
    assert got_table["_code"].tolist() == want["_code"].tolist()
    assert got_table["_name"].tolist() == want["_name"].tolist()
