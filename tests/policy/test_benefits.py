"""benefit_distribution(): concentration index against the covariance formula of
O'Donnell et al. (2008), Core20 shares by hand, ties, groups and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.errors import InputError
from healthgap.policy import benefit_distribution
from tests.conftest import RTOL


def ci_covariance(benefit: np.ndarray, pop: np.ndarray, rank: np.ndarray) -> float:
    """C = 2 cov_w(y, R) / mu with y = benefit per head, R the weighted fractional rank
    (O'Donnell, van Doorslaer, Wagstaff & Lindelow 2008, eq. 8.7), ties sharing a rank."""
    y = benefit / pop
    w = pop / pop.sum()
    order = np.argsort(rank, kind="stable")
    frac = np.empty(len(y))
    cum = 0.0
    for r in np.unique(rank[order]):
        idx = np.flatnonzero(rank == r)
        share = w[idx].sum()
        frac[idx] = cum + share / 2
        cum += share
    mu = float(w @ y)
    cov = float(w @ ((y - mu) * (frac - float(w @ frac))))
    return 2 * cov / mu


def test_worked_example_by_hand() -> None:
    areas = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4],
            "jobs": [400, 300, 200, 100],
            "pop": [1000] * 4,
            "decile": [1, 2, 5, 9],
        }
    )
    out = benefit_distribution(areas, "jobs", "pop", "rank", decile="decile").iloc[0]
    # y = .4,.3,.2,.1; 2X-1 = -.75,-.25,.25,.75; sum p(2X-1)y = -.0625; mu = .25
    assert out.concentration_index == pytest.approx(-0.25, rel=RTOL)
    assert out.absolute_concentration_index == pytest.approx(-0.0625, rel=RTOL)
    assert out.core20_share == pytest.approx(0.7, rel=RTOL)
    assert out.core20_population_share == pytest.approx(0.5, rel=RTOL)
    assert out.core20_ratio == pytest.approx(1.4, rel=RTOL)
    assert out.total_benefit == 1000 and out.areas == 4


@settings(max_examples=15, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.floats(0, 1e6, allow_nan=False),
            st.floats(1, 1e5, allow_nan=False),
            st.integers(1, 6),
        ),
        min_size=2,
        max_size=30,
    )
)
def test_concentration_index_matches_covariance_formula(data) -> None:  # type: ignore[no-untyped-def]
    b, p, r = (np.array(x, dtype=float) for x in zip(*data, strict=True))
    df = pd.DataFrame({"b": b, "p": p, "r": r})
    out = benefit_distribution(df, "b", "p", "r").iloc[0]
    if b.sum() <= 0 or len(np.unique(r)) < 3:  # HEAT: 3 or more subgroups (ranks)
        assert np.isnan(out.concentration_index)
        return
    assert out.concentration_index == pytest.approx(ci_covariance(b, p, r), rel=1e-9, abs=1e-12)
    # row order does not matter
    shuffled = benefit_distribution(df.iloc[::-1], "b", "p", "r").iloc[0]
    assert shuffled.concentration_index == pytest.approx(
        out.concentration_index, rel=1e-12, abs=1e-15
    )


def test_fewer_than_three_ranks_give_nan() -> None:
    df = pd.DataFrame({"r": [1, 1, 2], "b": [10.0, 20, 30], "p": [100.0, 200, 300]})
    assert np.isnan(benefit_distribution(df, "b", "p", "r").iloc[0].concentration_index)


def test_proportional_benefits_have_zero_index_and_ratio_one() -> None:
    df = pd.DataFrame(
        {"r": [1, 2, 3], "b": [10.0, 20, 30], "p": [100.0, 200, 300], "core": [True, False, False]}
    )
    out = benefit_distribution(df, "b", "p", "r", core20="core").iloc[0]
    assert out.concentration_index == pytest.approx(0.0, abs=1e-12)
    assert out.core20_ratio == pytest.approx(1.0, rel=RTOL)


def test_groups_and_polars() -> None:
    base = pd.DataFrame({"rank": [1, 2, 3, 4], "pop": [1000] * 4, "decile": [1, 2, 5, 9]})
    df = pd.concat(
        [
            base.assign(option="A", jobs=[400, 300, 200, 100]),
            base.assign(option="B", jobs=[100, 200, 300, 400]),
        ]
    )
    out = benefit_distribution(
        pl.from_pandas(df), "jobs", "pop", "rank", decile="decile", group_by="option"
    )
    assert isinstance(out, pl.DataFrame)
    got = dict(zip(out["option"], out["concentration_index"], strict=True))
    assert got["A"] == pytest.approx(-0.25, rel=RTOL) and got["B"] == pytest.approx(0.25, rel=RTOL)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"core20": "core", "decile": "decile"}, "core20 and decile must not both be given"),
        ({"core20": "decile"}, "must hold True/False"),
        (
            {"data": pd.DataFrame({"b": [1.0, -1], "p": [1.0, 1], "r": [1, 2]})},
            "must not be negative|0 or more|negative",
        ),
        (
            {"data": pd.DataFrame({"b": [1.0, 1], "p": [0.0, 1], "r": [1, 2]})},
            "population column 'p' must be greater than 0",
        ),
        (
            {"data": pd.DataFrame({"b": [1.0, np.nan], "p": [1.0, 1], "r": [1, 2]})},
            "must have a value on every row",
        ),
        (
            {
                "data": pd.DataFrame(
                    {"b": [1.0, 1], "p": [1.0, 1], "r": [1, 2], "decile": [1, 11]}
                ),
                "decile": "decile",
            },
            "must hold IMD deciles 1 to 10",
        ),
        ({"data": pd.DataFrame({"b": [1.0], "p": [1.0]})}, "column 'r' must be in data"),
    ],
)
def test_errors(kwargs, match) -> None:  # type: ignore[no-untyped-def]
    data = kwargs.pop(
        "data",
        pd.DataFrame(
            {"b": [1.0, 2], "p": [1.0, 1], "r": [1, 2], "core": [True, False], "decile": [1, 5]}
        ),
    )
    with pytest.raises(InputError, match=match):
        benefit_distribution(data, "b", "p", "r", **kwargs)


def test_real_lsoas_benefits_in_proportion_to_population(store) -> None:  # type: ignore[no-untyped-def]
    """On the real IMD 2019 LSOAs: jobs in proportion to residents give C = 0 and a Core20
    share equal to Core20's population share (core20_share() for England)."""
    from healthgap.geography.core20 import core20_lsoas, core20_share

    lsoas = core20_lsoas(store, imd=2019)
    lsoas["jobs"] = lsoas["population"] * 0.01
    out = benefit_distribution(lsoas, "jobs", "population", "imd_rank", core20="core20").iloc[0]
    assert out.concentration_index == pytest.approx(0.0, abs=1e-12)
    england = core20_share(store, to="england", imd=2019)
    share_col = [c for c in england.columns if "population_share" in c or c == "share"]
    assert share_col, england.columns
    assert out.core20_share == pytest.approx(float(england[share_col[0]].iloc[0]), rel=1e-10)
    # all the jobs in the most deprived decile: strongly pro-deprived
    lsoas["jobs"] = np.where(lsoas["imd_decile"] == 1, lsoas["population"], 0.0)
    out = benefit_distribution(lsoas, "jobs", "population", "imd_rank", decile="imd_decile").iloc[0]
    assert out.concentration_index < -0.85 and out.core20_share == 1.0
