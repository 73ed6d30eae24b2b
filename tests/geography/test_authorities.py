"""Membership by date and every footprint, checked against the raw ONS lookups and IMD file."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

import numpy as np
import pytest

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography import authorities as A
from healthgap.geography.core20 import core20_share
from healthgap.geography.footprints import Place
from healthgap.geography.resolve import footprint, overlaps
from tests.data.open_data._mirror import mirror_or_skip

BACK = {"E08000038": "E08000016", "E08000039": "E08000019"}  # 2025 -> 2024 LAD codes


def _rows(name: str) -> list[dict[str, str]]:
    with (mirror_or_skip() / name).open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _raw_2025() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in _rows("lookups/lad25_cauth25_may2025.csv"):
        out[r["CAUTH25CD"]].add(BACK.get(r["LAD25CD"], r["LAD25CD"]))
    for r in _rows("lookups/lad24_region24_en.csv"):
        if r["region24_code"] == "E12000007":
            out[A.GLA_CODE].add(r["lad24_code"])
    return dict(out)


@pytest.mark.parametrize(
    ("code", "members"),
    [("E47000001", 10), ("E47000013", 17), ("E47000018", 14), ("E47000014", 7)],
)
def test_membership_counts_match_the_may_2025_lookup(store: Store, code: str, members: int) -> None:
    raw = Counter(r["CAUTH25CD"] for r in _rows("lookups/lad25_cauth25_may2025.csv"))
    got = A.members_of(code, store)
    assert len(got) == raw[code] == members  # Greater Manchester 10, East Midlands 17, ...
    assert set(got["lad_code"]) == _raw_2025()[code]


def test_current_authorities_are_the_latest_lookup_and_the_gla(store: Store) -> None:
    current = A.current_authorities(store)
    raw = _raw_2025()
    assert set(current["code"]) == set(raw) and len(current) == 16
    assert dict(zip(current["code"], current["members"], strict=True)) == {
        k: len(v) for k, v in raw.items()
    }
    assert current["members"].dtype == "int64"


@pytest.mark.parametrize(
    ("on", "file", "ca", "lad"),
    [
        ("2024-03-01", "lad23_cauth23_en.csv", "cauth23_code", "lad23_code"),
        ("2024-05-01", "lad24_cauth24_may2024.csv", "CAUTH24CD", "LAD24CD"),
        ("2025-05-01", "lad25_cauth25_may2025.csv", "CAUTH25CD", "LAD25CD"),
    ],
)
def test_members_on_a_date_come_from_the_lookup_in_force(
    store: Store, on: str, file: str, ca: str, lad: str
) -> None:
    raw: dict[str, set[str]] = defaultdict(set)
    for r in _rows(f"lookups/{file}"):
        raw[r[ca]].add(BACK.get(r[lad], r[lad]))
    got = A.memberships(store, on=on)
    got = got[got["source"] != "gla"]
    assert {k: set(g["lad_code"]) for k, g in got.groupby("strategic_authority_code")} == raw


def test_history_stays_queryable(store: Store) -> None:
    old = A.resolve("E47000011", store, on="2024-01-15")
    assert old.name == "North of Tyne" and len(old.members) == 3
    assert any("December 2023" in n for n in old.notes)
    early = A.vintage_note("2019-06-30")
    assert "No earlier lookup is held" in early


def test_abolished_authorities_name_their_successor(store: Store) -> None:
    gone = A.abolished(store)
    assert {k: v.successor_code for k, v in gone.items()} == {
        "E47000010": "E47000014",
        "E47000011": "E47000014",
    }
    with pytest.raises(
        A.ReplacedCodeError,
        match=r"North of Tyne \(E47000011\) was replaced by North East \(E47000014\) in May "
        r"2024\. Use E47000014",
    ):
        A.resolve("E47000011", store)
    with pytest.raises(A.ReplacedCodeError, match=r"replaced by North East \(E47000014\)"):
        footprint("E47000010", store)


def test_gla_has_one_code_and_the_london_region_is_its_alias(store: Store) -> None:
    gla = A.resolve("E12000007", store)
    assert gla.code == "E61000001" and gla.data_code == "E12000007"
    assert "E12000007 is the London region's code" in gla.notes[0]
    assert len(gla.members) == 33
    # as a footprint, E12000007 is the region unless the caller asks for the authority
    assert footprint("E12000007", store).kind == "region"
    assert footprint("E12000007", store, kind="strategic_authority").code == "E61000001"


def test_unknown_codes_and_dates(store: Store) -> None:
    with pytest.raises(
        InputError, match=r"got 'E47000099'\. Valid codes \(May 2025 lookup and the GLA\): E47"
    ):
        A.resolve("E47000099", store)
    with pytest.raises(InputError, match=r"the membership date must be a date like 2024-06-30"):
        A.memberships(store, on="last May")
    with pytest.raises(InputError, match=r"footprint must be an English area code"):
        footprint("W06000001", store)
    with pytest.raises(A.ReplacedCodeError, match=r"a July 2022 code replaced by E54000063"):
        footprint("E54000052", store)
    with pytest.raises(InputError, match=r"footprint must be an integrated care board code known"):
        footprint("E54999999", store)


def test_2025_lad_codes_are_read(store: Store) -> None:
    assert A.lad25_to_lad24(store) == BACK
    fp = footprint("E08000039", store)
    assert fp.code == "E08000019" and fp.name == "Sheffield" and "2025 code" in fp.notes[0]


# ------------------------------------------------------------------ populations


def _lsoa11_populations() -> dict[str, float]:
    return {
        r["lsoa11_code"]: float(r["pop_total_mid2015"])
        for r in _rows("imd2019/imd2019_lsoa11_england.csv")
    }


def _lsoa11_to_21() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for r in _rows("lookups/lsoa11_lsoa21_lad22_ew.csv"):
        out[r["lsoa11_code"]].append(r["lsoa21_code"])
    return out


def _expected_populations(area_of_lsoa21: dict[str, str]) -> dict[str, float]:
    """Mid-2015 population per area, from the raw files: a 2011 LSOA belongs to the area
    that holds most of its 2021 pieces."""
    pops = _lsoa11_populations()
    out: dict[str, float] = defaultdict(float)
    for l11, pieces in _lsoa11_to_21().items():
        if l11 not in pops:
            continue
        areas = Counter(area_of_lsoa21.get(p) for p in pieces)
        top, n = areas.most_common(1)[0]
        if top is not None and n * 2 >= len(pieces):
            out[top] += pops[l11]
    return dict(out)


def test_footprint_populations_equal_the_sum_of_their_lsoas(store: Store) -> None:
    lad_of = {
        r["lsoa21_code"]: r["lad24_code"] for r in _rows("lookups/lsoa21_ward24_lad24_ew.csv")
    }
    sa_of_lad = {lad: sa for sa, lads in _raw_2025().items() for lad in lads}
    sa_of = {l21: sa_of_lad[lad] for l21, lad in lad_of.items() if lad in sa_of_lad}
    icb_of = {
        r["lsoa21_code"]: r["icb24_code"] for r in _rows("lookups/lsoa21_sicbl24_icb24_en.csv")
    }
    want_sa = _expected_populations(sa_of)
    want_icb = _expected_populations(icb_of)
    codes = sorted(want_sa) + sorted(want_icb)
    places = [footprint(c, store).place(2011) for c in codes]
    got = core20_share(store, to=places, imd=2019).set_index("place_code")
    for code in codes:
        expected = want_sa.get(code, want_icb.get(code))
        assert got.loc[code, "population"] == pytest.approx(expected, rel=1e-12), code
    # ICBs partition England: their populations add up to England's
    assert sum(got.loc[c, "population"] for c in want_icb) == pytest.approx(
        sum(_lsoa11_populations().values()), rel=1e-12
    )
    # the footprint's 2021 LSOAs are exactly the raw lookup's
    gm_icb = footprint("E54000057", store)
    assert set(gm_icb.lsoa21) == {k for k, v in icb_of.items() if v == "E54000057"}


def test_icb_footprint_councils_and_shares(store: Store) -> None:
    icb_rows = _rows("lookups/lsoa21_sicbl24_icb24_en.csv")
    lad_of = {
        r["lsoa21_code"]: r["lad24_code"] for r in _rows("lookups/lsoa21_ward24_lad24_ew.csv")
    }
    fp = footprint("E54000008", store)  # Cheshire and Merseyside
    inside = Counter(lad_of[r["lsoa21_code"]] for r in icb_rows if r["icb24_code"] == "E54000008")
    total = Counter(lad_of.values())
    got = fp.lads.set_index("lad_code")
    assert dict(got["lsoas"]) == dict(inside)
    for lad, n in inside.items():
        assert got.loc[lad, "share_inside"] == pytest.approx(n / total[lad], rel=1e-12)
    assert fp.kind == "icb" and fp.area_type == "icb" and fp.data_code == "E54000008"


def test_overlaps_both_ways(store: Store) -> None:
    both = overlaps(store, "strategic_authority", "icb")
    per_sa = both.groupby("strategic_authority_code")["share_of_strategic_authority"].sum()
    assert np.allclose(per_sa, 1.0, rtol=1e-12)  # every person of an authority is in an ICB
    back = overlaps(store, "icb", "strategic_authority")
    key = ["strategic_authority_code", "icb_code"]
    merged = both.merge(back, on=key, suffixes=("", "_b"))
    assert len(merged) == len(both) == len(back)
    assert np.allclose(merged["population"], merged["population_b"], rtol=1e-12)
    with pytest.raises(InputError, match=r"a must be strategic_authority, icb"):
        overlaps(store, "ward", "icb")


def test_places_list_every_unknown_lsoa(store: Store) -> None:
    with pytest.raises(InputError, match=r"got 2 unknown: E01999998, E01999999\. Check"):
        footprint(Place("Test", ["E01000001", "E01999998", "E01999999"], level="lsoa"), store)
    fp = footprint(Place("Two councils", ["E08000001", "E08000002"]), store)
    assert fp.kind == "place" and len(fp.lads) == 2 and (fp.lads["share_inside"] == 1).all()
