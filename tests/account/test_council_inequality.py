"""The member-council SII (healthgap.account.council_inequality) on constructed councils,
and from the store for real councils (references from the mirror's CSVs).

References are independent of the code under test: the midpoints are worked by hand, and
the SII of exactly linear values is the slope of the line they were built from (checked
again with numpy's weighted least-squares ``polyfit``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap.account.council_inequality import (
    council_sii,
    cumulative_midpoints,
    member_council_sii,
)
from healthgap.data.store import Store

POP = [100.0, 300.0, 200.0, 400.0, 250.0, 150.0]


def _members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lad_code": [f"E0800000{i}" for i in range(1, 7)],
            "lad_name": [f"Council {i}" for i in range(1, 7)],
            "population": POP,
        }
    )


def _rows(values: list[float], codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": "x",
            "sex": "Persons",
            "area_code": codes,
            "period": "2020 - 22",
            "period_end": 2022,
            "value": values,
            "lower_95_0": [v - 0.5 for v in values],
            "upper_95_0": [v + 0.5 for v in values],
        }
    )


def test_midpoints_by_hand() -> None:
    # shares 0.1, 0.3, 0.6 of 1000 -> midpoints 0.05, 0.25, 0.7
    got = cumulative_midpoints(np.array([100.0, 300.0, 600.0]))
    assert got == pytest.approx([0.05, 0.25, 0.7])


def test_linear_values_give_their_slope_and_line_ends() -> None:
    members = _members()
    x = cumulative_midpoints(np.array(POP))
    values = list(60.0 + 8.0 * x)  # built on the line 60 + 8 x
    res = council_sii(
        members,
        _rows(values, list(members["lad_code"])),
        [("x", "Persons", "X", "normal", 1.0)],
        min_councils=5,
        repetitions=2_000,
        seed=1,
    )
    slope = np.polyfit(x, values, 1, w=np.sqrt(POP))[0]
    r = res.results.iloc[0]
    assert r["sii"] == pytest.approx(8.0) == pytest.approx(slope)
    assert r["fit_most_deprived"] == pytest.approx(60.0)
    assert r["fit_least_deprived"] == pytest.approx(68.0)
    assert r["councils"] == 6
    assert res.members["midpoint"].tolist() == pytest.approx(list(x))
    assert res.skipped == ()


def test_too_few_councils_is_skipped_with_the_reason() -> None:
    members = _members()
    codes = list(members["lad_code"])[:4]
    res = council_sii(
        members,
        _rows([70.0, 71.0, 72.0, 73.0], codes),
        [("x", "Persons", "X", "normal", 1.0), ("y", "Persons", "Y", "normal", 1.0)],
        min_councils=5,
        repetitions=2_000,
        seed=1,
    )
    assert res.results.empty and res.values == ()
    assert res.skipped == (
        "X: only 4 of 6 councils have published values (at least 5 are needed for an SII)",
        "Y: no council values in the open data",
    )


def test_a_missing_council_is_named_and_midpoints_recomputed() -> None:
    members = _members()
    codes = list(members["lad_code"])[:5]
    res = council_sii(
        members,
        _rows([70.0, 71.0, 72.0, 73.0, 74.0], codes),
        [("x", "Persons", "X", "normal", 1.0)],
        min_councils=5,
        repetitions=2_000,
        seed=1,
    )
    used = res.values[0]
    assert used["midpoint"].tolist() == pytest.approx(list(cumulative_midpoints(np.array(POP[:5]))))
    assert used["quantile"].tolist() == [1, 2, 3, 4, 5]
    assert res.skipped == ("X: Council 6 left out (no published value for 2020 - 22)",)


# ------------------------------------------------- from the store (the report's entry point)

GM_BOROUGHS = [f"E080000{n:02d}" for n in range(1, 11)]  # Bolton ... Wigan


def _imd_ranked(mirror: Path, codes: list[str]) -> pd.DataFrame:
    """The councils' population-weighted IMD 2019 score and mid-2015 population, most
    deprived first, straight from the IMD 2019 LSOA file of the mirror."""
    imd = pd.read_csv(
        mirror / "imd2019" / "imd2019_lsoa11_england.csv",
        usecols=["lad19_code", "imd_score", "pop_total_mid2015"],
    )
    imd = imd[imd["lad19_code"].isin(codes)]
    imd = imd.assign(ws=imd["imd_score"] * imd["pop_total_mid2015"])
    lad = imd.groupby("lad19_code")[["ws", "pop_total_mid2015"]].sum()
    lad["score"] = lad["ws"] / lad["pop_total_mid2015"]
    return lad.sort_values("score", ascending=False)


@pytest.mark.parametrize(("latest_start", "period"), [(None, "2022-2024"), (2019, "2019-2021")])
def test_member_council_sii_reads_the_published_values(
    store: Store, mirror: Path, latest_start: int | None, period: str
) -> None:
    """References: ONS HLE by local area (mirror hle_le/ons_hle_birth_local_areas_2011_2024
    .csv) for the ten Greater Manchester boroughs, ranked by their population-weighted IMD
    2019 score (mirror imd2019/imd2019_lsoa11_england.csv); the SII is the METHODS.md
    weighted least-squares slope on the cumulative population midpoints, worked here with
    numpy, independently of the code under test."""
    members = pd.DataFrame({"lad_code": GM_BOROUGHS, "lad_name": GM_BOROUGHS})
    res = member_council_sii(
        store,
        members,
        [("hle_birth", "Female", "F", "normal", 1.0), ("hle_birth", "Male", "M", "normal", 1.0)],
        hle_latest_start=latest_start,
        min_councils=5,
        repetitions=2_000,
        seed=7,
    )
    lad = _imd_ranked(mirror, GM_BOROUGHS)
    assert res.members["lad_code"].tolist() == lad.index.tolist()
    assert res.members["population"].tolist() == pytest.approx(lad["pop_total_mid2015"].tolist())
    ons = pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")
    for label, sex, used in zip(("F", "M"), ("Female", "Male"), res.values, strict=True):
        v = ons[(ons["sex"] == sex) & (ons["period"] == period)].set_index("area_code")
        y = v.loc[lad.index, "hle_years"].to_numpy(float)
        assert used["value"].to_numpy(float) == pytest.approx(y, rel=1e-12)
        a = lad["pop_total_mid2015"].to_numpy(float)
        a = a / a.sum()
        b = np.cumsum(a) - a / 2
        bx, by = np.sum(a * b), np.sum(a * y)
        slope = np.sum(a * (b - bx) * (y - by)) / np.sum(a * (b - bx) ** 2)
        got = res.results[res.results["label"] == label].iloc[0]
        assert got["period"] == period
        assert got["councils"] == 10
        assert got["sii"] == pytest.approx(slope, rel=1e-10)
        assert got["fit_most_deprived"] == pytest.approx(by - slope * bx, rel=1e-10)
    assert res.skipped == ()
