"""The area hierarchy from the real ONS lookups: completeness, nesting, vintages."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography import lad_lookup, lsoa_lookup, recode_lad, strategic_authorities
from healthgap.geography.hierarchy import GLA_CODE
from tests.data.open_data._mirror import mirror_or_skip


def test_lsoa_2021_lookup_is_complete(store: Store) -> None:
    lk = lsoa_lookup(store, lsoa_vintage=2021)
    assert len(lk) == 33_755 and lk["lsoa_code"].is_unique  # every English LSOA 2021
    required = [c for c in lk.columns if not c.startswith("strategic_authority")]
    assert lk[required].notna().all().all()
    assert lk["lad_code"].nunique() == 296
    assert lk["region_code"].nunique() == 9
    assert lk["icb_code"].nunique() == 42 and lk["sub_icb_code"].nunique() == 106
    assert set(lk["england_code"]) == {"E92000001"}


def test_lsoa_2011_lookup_covers_every_imd2019_lsoa(store: Store) -> None:
    lk = lsoa_lookup(store, lsoa_vintage=2011)
    imd = store.to_pandas(store.table("imd2019_lsoa11"))
    assert set(lk["lsoa_code"]) == set(imd["lsoa11_code"])
    assert lk["icb_code"].nunique() == 42


def test_two_routes_to_lad_2024_agree(store: Store) -> None:
    """LSOA 2011 -> LAD 2021 -> 2024 (the lookup route) equals the IMD file's LAD 2019
    code carried forward with the code history: two independent ONS products agree."""
    lk = lsoa_lookup(store, lsoa_vintage=2011).set_index("lsoa_code")["lad_code"]
    imd = store.to_pandas(store.table("imd2019_lsoa11")).set_index("lsoa11_code")
    carried = pd.Series(recode_lad(imd["lad19_code"], 2019, store=store), index=imd.index)
    assert (carried == lk.reindex(imd.index)).all()


def test_levels_nest(store: Store) -> None:
    lk = lsoa_lookup(store)
    for lower, upper in [
        ("lad", "utla"),
        ("utla", "region"),
        ("lad", "region"),
        ("sub_icb", "icb"),
    ]:
        pairs = lk[[f"{lower}_code", f"{upper}_code"]].dropna().drop_duplicates()
        assert pairs[f"{lower}_code"].is_unique, f"{lower} not nested in {upper}"
    # Strategic authorities nest in regions, except Greater Lincolnshire (May 2025): North
    # and North East Lincolnshire are in Yorkshire and The Humber, Lincolnshire's districts
    # in the East Midlands.
    pairs = lk[["strategic_authority_code", "region_code"]].dropna().drop_duplicates()
    spans = pairs.groupby("strategic_authority_code").size()
    assert list(spans[spans > 1].index) == ["E47000017"]
    icb_per_lad = lk.groupby("lad_code")["icb_code"].nunique()
    assert (icb_per_lad > 1).sum() == 13  # LADs split between ICBs (April 2024)


def _published(name: str, lad: str, code: str) -> set[tuple[str, str]]:
    with (mirror_or_skip() / "lookups" / name).open(encoding="utf-8-sig") as fh:
        return {(r[lad], r[code]) for r in csv.DictReader(fh)}


def test_lad_lookup_and_strategic_authorities(store: Store) -> None:
    lads = lad_lookup(store)
    assert len(lads) == 296 and lads["lad_code"].is_unique
    sa = strategic_authorities(store)  # today: the May 2025 lookup
    assert sa["strategic_authority_code"].nunique() == 16  # 15 CAs (May 2025) + the GLA
    london = lads[lads["region_code"] == "E12000007"]["lad_code"]
    gla = sa[sa["strategic_authority_code"] == GLA_CODE]
    assert GLA_CODE == "E61000001"
    assert sorted(gla["lad_code"]) == sorted(london) and len(gla) == 33
    published = _published("lad25_cauth25_may2025.csv", "LAD25CD", "CAUTH25CD")
    # Barnsley and Sheffield carry 2025 codes in the 2025 lookup; the hierarchy uses 2024.
    back = {"E08000038": "E08000016", "E08000039": "E08000019"}
    published = {(back.get(lad, lad), ca) for lad, ca in published}
    mine = set(
        sa.loc[
            sa["source"] == "ons_lookup_2025-05", ["lad_code", "strategic_authority_code"]
        ].itertuples(index=False, name=None)
    )
    assert mine == published


@pytest.mark.parametrize(
    ("on", "name", "lad", "code"),
    [
        ("2024-01-31", "lad23_cauth23_en.csv", "lad23_code", "cauth23_code"),
        ("2024-05-01", "lad24_cauth24_may2024.csv", "LAD24CD", "CAUTH24CD"),
        ("2025-04-30", "lad24_cauth24_may2024.csv", "LAD24CD", "CAUTH24CD"),
    ],
)
def test_strategic_authorities_on_a_date_are_that_lookup(
    store: Store, on: str, name: str, lad: str, code: str
) -> None:
    sa = strategic_authorities(store, on=on)
    mine = set(
        sa.loc[sa["source"] != "gla", ["lad_code", "strategic_authority_code"]].itertuples(
            index=False, name=None
        )
    )
    assert mine == _published(name, lad, code)


def north_east_mca(mirror: Path) -> pd.DataFrame:
    """The North East MCA (May 2024) joined the two 2023 authorities North East and North of
    Tyne; build the user lookup from the open 2023 lookup's members of both."""
    with (mirror / "lookups" / "lad23_cauth23_en.csv").open(encoding="utf-8") as fh:
        rows = [
            r for r in csv.DictReader(fh) if r["cauth23_name"] in ("North East", "North of Tyne")
        ]
    return pd.DataFrame(
        {
            "lad_code": [r["lad23_code"] for r in rows],
            "strategic_authority_code": "E47000014",
            "strategic_authority_name": "North East",
        }
    )


def test_user_supplied_strategic_authorities(store: Store, tmp_path: Path) -> None:
    user = north_east_mca(mirror_or_skip())
    assert len(user) == 7
    sa = strategic_authorities(store, strategic=user)
    assert not sa["strategic_authority_code"].isin(["E47000010", "E47000011"]).any()
    ne = sa[sa["strategic_authority_code"] == "E47000014"]
    assert sorted(ne["lad_code"]) == sorted(user["lad_code"]) and set(ne["source"]) == {"user"}
    assert sa["lad_code"].is_unique
    path = tmp_path / "sa.csv"
    user.to_csv(path, index=False)
    from_csv = strategic_authorities(store, strategic=path)
    assert from_csv.equals(sa)
    lads = lad_lookup(store, strategic=user)
    assert set(lads.loc[lads["lad_code"].isin(user["lad_code"]), "strategic_authority_code"]) == {
        "E47000014"
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda f: f.drop(columns="strategic_authority_name"),
            "column 'strategic_authority_name' must be in the strategic authority lookup",
        ),
        (
            lambda f: f.assign(lad_code=["E07000004", *f["lad_code"][1:]]),
            "lad_code in the strategic authority lookup must be an English LAD 2024 code; got 1",
        ),
        (
            lambda f: pd.concat([f, f.iloc[[0]]]),
            "each LAD must belong to one strategic authority; got 'E06000047' listed 2 times",
        ),
        (
            lambda f: f.assign(strategic_authority_name=[None, *["x"] * (len(f) - 1)]),
            "must have every cell filled; got 1 rows with gaps",
        ),
    ],
)
def test_user_lookup_errors(store: Store, change, message: str) -> None:  # type: ignore[no-untyped-def]
    user = north_east_mca(mirror_or_skip()).sort_values("lad_code", ignore_index=True)
    with pytest.raises(InputError, match=message):
        strategic_authorities(store, strategic=change(user))


def test_missing_user_lookup_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"must be a CSV file; got .*no such file"):
        strategic_authorities(store, strategic=tmp_path / "none.csv")


def test_recode_lad(store: Store) -> None:
    history = store.to_pandas(store.table("lookup_lad_code_history_2016_2024"))
    bucks = history.loc[history["lad24_code"] == "E06000060", "lad19_code"].unique()
    assert len(bucks) == 4  # four districts became Buckinghamshire in 2020
    assert set(recode_lad(bucks, 2019, store=store)) == {"E06000060"}
    same = recode_lad(["E06000009"], 2016, 2024, store=store)
    assert same.tolist() == ["E06000009"]
    with pytest.raises(
        InputError, match=r"LAD codes must be 2019 LAD codes; got 1 .*'X' at position 2"
    ):
        recode_lad(["E06000009", "X"], 2019, store=store)
    with pytest.raises(InputError, match="from_year must be a year from 2016 to 2024; got 2015"):
        recode_lad(["E06000009"], 2015, store=store)
    with pytest.raises(InputError, match="to_year must not be before from_year"):
        recode_lad(["E06000009"], 2024, 2019, store=store)
    with pytest.raises(InputError, match="must map to one 2018 code each; got 'S12000015'"):
        recode_lad(["S12000015"], 2016, 2018, store=store)


def test_bad_lsoa_vintage(store: Store) -> None:
    with pytest.raises(InputError, match="lsoa_vintage must be 2011 or 2021; got 2001"):
        lsoa_lookup(store, lsoa_vintage=2001)  # type: ignore[arg-type]
