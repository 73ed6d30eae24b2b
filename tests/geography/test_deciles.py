"""Deprivation deciles of higher areas: MHCLG's method, checked against File 10."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography import core20_lsoas, deprivation_deciles, rank_deciles
from tests.data.open_data._mirror import mirror_or_skip


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    "file", ["imd2019/imd2019_lsoa11_england.csv", "imd2025/imd2025_lsoa21_england.csv"]
)
def test_rank_rule_reproduces_mhclg_lsoa_deciles(file: str) -> None:
    rows = read(mirror_or_skip() / file)
    ranks = np.array([int(r["imd_rank"]) for r in rows])
    published = np.array([int(r["imd_decile"]) for r in rows])
    assert (rank_deciles(ranks, len(rows)) == published).all()


def test_lad_average_scores_and_ranks_reproduce_file_10(store: Store) -> None:
    """Population-weighted mean LSOA score per LAD (2019 codes) is File 10's "IMD average
    score" to within 0.0006 (LSOA scores are published to 3 decimals; SOURCES.md), and the
    ranks equal File 10's "rank of average score" for all 317 LADs."""
    file10 = {
        r["lad19_code"]: r for r in read(mirror_or_skip() / "imd2019/imd2019_lad19_summaries.csv")
    }
    out = deprivation_deciles(store, to="lad", imd=2019).set_index("lad_code")
    assert set(out.index) == set(file10) and len(out) == 317
    diff = max(
        abs(out.loc[k, "imd_average_score"] - float(v["imd_average_score"]))
        for k, v in file10.items()
    )
    assert diff < 0.0006
    assert all(
        out.loc[k, "imd_rank"] == int(v["imd_rank_of_average_score"]) for k, v in file10.items()
    )
    top = out.sort_values("imd_rank").iloc[:3]
    assert top["lad_name"].tolist() == ["Blackpool", "Knowsley", "Liverpool"]
    assert round(top["imd_average_score"].iloc[0], 3) == 45.039
    assert (out["imd_decile"] == np.ceil(out["imd_rank"] * 10 / 317)).all()


def test_average_score_by_hand_with_user_populations(store: Store) -> None:
    """IMD 2025 with every LSOA weighing 1: the average is the plain mean of LSOA scores,
    recomputed here in scalar Python from the raw file."""
    rows = read(mirror_or_skip() / "imd2025/imd2025_lsoa21_england.csv")
    sums: dict[str, list[float]] = {}
    for r in rows:
        sums.setdefault(r["lad24_code"], []).append(float(r["imd_score"]))
    means = {k: math.fsum(v) / len(v) for k, v in sums.items()}
    ones = pd.DataFrame({"lsoa_code": [r["lsoa21_code"] for r in rows], "population": 1})
    out = deprivation_deciles(store, imd=2025, population=ones).set_index("lad_code")
    for code, mean in means.items():
        assert out.loc[code, "imd_average_score"] == pytest.approx(mean, rel=1e-10)
    order = sorted(means, key=lambda k: -means[k])
    assert out.loc[order[0], "imd_rank"] == 1 and out.loc[order[-1], "imd_rank"] == 296


def test_other_footprints_and_group_sizes(store: Store) -> None:
    utla = deprivation_deciles(store, to="utla", imd=2019, groups=5)
    assert "imd_quintile" in utla.columns and utla["imd_quintile"].between(1, 5).all()
    icb = deprivation_deciles(store, to="icb", imd=2019)
    assert len(icb) == 42 and icb["imd_rank"].tolist() == sorted(icb["imd_rank"])
    with pytest.raises(InputError, match=r"n \(the number of areas ranked\) must be .* got 9"):
        deprivation_deciles(store, to="region", imd=2019)
    regions = deprivation_deciles(store, to="region", imd=2019, groups=3)
    assert regions["imd_group"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    with pytest.raises(InputError, match="population-weighted figures for IMD 2025"):
        deprivation_deciles(store, imd=2025)
    lsoas = core20_lsoas(store, imd=2025)
    zero = pd.DataFrame({"lsoa_code": lsoas["lsoa_code"], "population": 0.0})
    with pytest.raises(InputError, match="each area must have a population above 0"):
        deprivation_deciles(store, imd=2025, population=zero)


@given(n=st.integers(10, 5000), groups=st.integers(2, 10))
def test_rank_groups_are_balanced_and_ordered(n: int, groups: int) -> None:
    g = rank_deciles(np.arange(1, n + 1), n, groups)
    sizes = np.bincount(g, minlength=groups + 1)[1:]
    assert sizes.sum() == n and sizes.max() - sizes.min() <= 1
    assert (np.diff(g) >= 0).all() and g[0] == 1 and g[-1] == groups


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([0, 1], 10), "rank must hold whole numbers from 1 to 10; got 0 at position 1"),
        (([1.5], 10), "rank must hold whole numbers from 1 to 10; got 1.5"),
        (([11], 10), "got 11 at position 1"),
        (([1], 5), r"n \(the number of areas ranked\) must be a whole number of at least"),
        (([1], 10, 1), "groups must be a whole number of 2 or more; got 1"),
    ],
)
def test_rank_deciles_errors(args: tuple, message: str) -> None:
    with pytest.raises(InputError, match=message):
        rank_deciles(*args)
