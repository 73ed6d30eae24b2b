"""Inequalities within an area from the census LSOA tables, and population weights.

References are computed independently of healthgap from the mirror's CSV files with the
csv module and plain arithmetic:

* the disabled share of Manchester's (E08000003) own IMD 2025 deciles, from
  ``imd2025/imd2025_lsoa21_england.csv`` (LSOAs of lad24_code E08000003, ranked by
  ``imd_score``, cut with ceil(rank x 10 / n)) and ``census2021/disability_lsoa21.csv``;
* the weights of Fingertips ethnic groups, from ``census2021/ethnicity_ltla21_19groups.csv``
  (Manchester's "(number)" rows), and BGV = sum p_j (y_j - mu)^2 (METHODS.md section 11);
* the deprivation-within-area weights, from ``imd2019/imd2019_lsoa11_england.csv`` and the
  LSOA single-year population file.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import pytest

from healthgap.account.census_deprivation import DIMENSION, census_by_deprivation, groups_for
from healthgap.account.group_populations import ETHNIC_CENSUS, ethnic_populations
from healthgap.account.inequalities import inequalities
from healthgap.data.store import Store
from healthgap.geography.age_structure import age_structure

MANCHESTER = "E08000003"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _within_area_groups(rows: list[dict[str, str]], code_col: str, groups: int) -> dict[str, int]:
    scores = sorted((-float(r["imd_score"]), r[code_col]) for r in rows)
    n = len(scores)
    out: dict[str, int] = {}
    for i, (neg, code) in enumerate(scores):
        rank = 1 + sum(1 for s, _ in scores[:i] if s < neg)  # ties share the lowest rank
        out[code] = math.ceil(rank * groups / n)
    return out


def test_disabled_share_by_decile_equals_an_independent_count(mirror: Path, store: Store) -> None:
    imd = _rows(mirror / "imd2025/imd2025_lsoa21_england.csv")
    mine = [r for r in imd if r["lad24_code"] == MANCHESTER]
    decile = _within_area_groups(mine, "lsoa21_code", 10)
    num: dict[int, int] = defaultdict(int)
    den: dict[int, int] = defaultdict(int)
    for r in _rows(mirror / "census2021/disability_lsoa21.csv"):
        if r["lsoa21_code"] in decile and r["disability"].startswith("Disabled"):
            num[decile[r["lsoa21_code"]]] += int(r["n"])
            den[decile[r["lsoa21_code"]]] += int(r["total_residents"])
    got = census_by_deprivation(MANCHESTER, store)
    dis = got[got["indicator_id"] == "census_disabled_pct"].sort_values("rank")
    assert dis["rank"].tolist() == list(range(1, 11))
    assert dis["count"].tolist() == [num[d] for d in range(1, 11)]
    assert dis["denominator"].tolist() == [den[d] for d in range(1, 11)]
    assert dis["population"].tolist() == dis["denominator"].tolist()
    expected = [100 * num[d] / den[d] for d in range(1, 11)]
    assert dis["value"].tolist() == pytest.approx(expected, rel=1e-12)
    assert (dis["lower_95_0"] < dis["value"]).all() and (dis["value"] < dis["upper_95_0"]).all()
    assert dis["category"].iloc[0] == "Most deprived decile"


def test_census_measures_are_ordered_and_weighted(store: Store) -> None:
    result = inequalities(MANCHESTER, store=store)
    m = result.measures
    census = m[m["dimension"] == DIMENSION]
    disabled = census[census["indicator_id"] == "census_disabled_pct"]
    assert set(disabled["measure"]) == {"D", "R", "PAR", "SII", "RII"}
    # disability is higher in Manchester's more deprived neighbourhoods: a negative slope
    sii = disabled.set_index("measure").loc["SII"]
    assert sii["value"] < 0 and sii["upper_95_0"] < 0
    groups = result.for_output()
    assert {"population", "weight"} <= set(groups.columns)
    # ethnic groups are weighted by the census, never left equal, for Manchester
    ethnic = groups[groups["dimension"] == "ethnic group"]
    assert len(ethnic) and ethnic["weight"].str.startswith("Census 2021").all()


def test_ethnic_weights_and_bgv_against_the_census_file(mirror: Path, store: Store) -> None:
    counts: dict[str, int] = {}
    for r in _rows(mirror / "census2021/ethnicity_ltla21_19groups.csv"):
        if r["ltla21_code"] == MANCHESTER and r["ethnic_group"].endswith("(number)"):
            counts[" ".join(r["ethnic_group"][: -len("(number)")].split())] = int(float(r["value"]))
    cats = ["White British", "White Other", "Asian", "Chinese", "Black", "Mixed", "Other"]
    weights, source = ethnic_populations(MANCHESTER, cats, store)  # type: ignore[misc]
    assert source.startswith("Census 2021 ethnic group (19 groups)")
    for c in cats:
        assert weights[c] == sum(counts[g] for g in ETHNIC_CENSUS[c])
    assert sum(weights.values()) == sum(counts.values()) == 551_938  # a partition
    # overlapping or unknown categories get no weights (the caller falls back to equal)
    assert ethnic_populations(MANCHESTER, ["White", "White British"], store) is None
    assert ethnic_populations(MANCHESTER, ["White", "Martian"], store) is None
    # BGV of a Fingertips ethnic breakdown uses these weights: recompute by hand
    result = inequalities(MANCHESTER, store=store)
    g = result.groups
    part = g[(g["category_type"] == "Ethnic groups") & (g["indicator_id"] == "92026")]
    assert part["period"].nunique() == 1 and part["sex"].nunique() == 1
    p = part["population"] / part["population"].sum()
    mu = float((p * part["value"]).sum())
    bgv = float((p * (part["value"] - mu) ** 2).sum())
    m = result.measures
    got = m[(m["indicator_id"] == "92026") & (m["category_type"] == "Ethnic groups")]
    got = got[got["measure"] == "BGV"]
    assert float(got["value"].iloc[0]) == pytest.approx(bgv, rel=1e-10)


def test_deprivation_weights_are_lsoa_populations(mirror: Path, store: Store) -> None:
    result = inequalities(MANCHESTER, store=store)
    g = result.groups
    dep = g[g["dimension"] == "deprivation within the area"]
    assert len(dep) and dep["weight"].str.startswith("mid-2020 population").all()
    quintile = dep.drop_duplicates("rank").set_index("rank")["population"].sort_index()
    imd = _rows(mirror / "imd2019/imd2019_lsoa11_england.csv")
    ages = {
        r["lsoa11_code"]: int(r["total_population"])
        for r in _rows(mirror / "population/ons_mye_mid2020_persons_single_year_lsoa11.csv")
    }
    from healthgap.geography.resolve import footprint

    lsoas = set(footprint(MANCHESTER, store).lsoa11)
    mine = [r for r in imd if r["lsoa11_code"] in lsoas]
    group = _within_area_groups(mine, "lsoa11_code", 5)
    expected = defaultdict(int)
    for code, q in group.items():
        expected[q] += ages[code]
    assert len(quintile) >= 4  # a quintile without a published value has no row
    assert quintile.tolist() == [expected[int(q)] for q in quintile.index]


def test_age_structure_of_a_footprint_and_its_deciles(mirror: Path, store: Store) -> None:
    from healthgap.geography.resolve import footprint

    lsoas = set(footprint(MANCHESTER, store).lsoa11)
    rows = _rows(mirror / "population/ons_mye_mid2020_persons_single_year_lsoa11.csv")
    age0 = sum(int(r["0"]) for r in rows if r["lsoa11_code"] in lsoas)
    over90 = sum(int(r["90+"]) for r in rows if r["lsoa11_code"] in lsoas)
    ages = age_structure(MANCHESTER, store)
    assert len(ages) == 91 and ages["age"].iloc[-1] == "90+"
    assert ages["population"].iloc[0] == age0 and ages["population"].iloc[-1] == over90
    by = age_structure(MANCHESTER, store, by_decile="within_area")
    assert sorted(by["imd_decile"].unique()) == list(range(1, 11))
    assert by["population"].sum() == ages["population"].sum()
    national = age_structure(MANCHESTER, store, by_decile="national")
    assert national["population"].sum() == ages["population"].sum()


def test_group_counts_follow_area_size() -> None:
    assert groups_for(329) == 10 and groups_for(49) == 5 and groups_for(10) == 5
    assert groups_for(6) is None  # City of London has 6 LSOAs: no groups
