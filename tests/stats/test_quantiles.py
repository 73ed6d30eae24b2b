"""quantiles: the METHODS.md formula in scalar Python, a peer, frames, suppression, errors.

Sources of reference values: tests/reference/README.md ("quantiles").
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.needs import importorskip_peer


def quantiles_scalar(values: list[float], nq: int, highest_first: bool = True) -> list[int | None]:
    """METHODS.md section 9 for one group, one value at a time, in exact fractions."""
    present = [v for v in values if not math.isnan(v)]
    n = len(present)
    out: list[int | None] = []
    for v in values:
        if math.isnan(v) or n < nq:
            out.append(None)
            continue
        # rank "min": 1 + the number of values strictly before v in the ranking order.
        rank = 1 + sum(1 for w in present if (w > v if highest_first else w < v))
        q = math.floor((nq + 1) - math.ceil(Fraction(n + 1 - rank) / Fraction(n, nq)))
        out.append(1 if q == 0 else q)
    return out


def as_list(series: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in series]


def test_worked_example_deciles_of_twenty_areas() -> None:
    # 20 areas, deciles: two areas per decile; the highest two are decile 1.
    df = pd.DataFrame({"area": [f"E{i:02d}" for i in range(20)], "imd": np.arange(20.0) * 1.5})
    out = healthgap.quantiles(df, "imd")
    assert as_list(out["quantile"]) == [
        10,
        10,
        9,
        9,
        8,
        8,
        7,
        7,
        6,
        6,
        5,
        5,
        4,
        4,
        3,
        3,
        2,
        2,
        1,
        1,
    ]
    low = healthgap.quantiles(df, "imd", first_quantile="lowest")
    assert as_list(low["quantile"]) == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
        6,
        6,
        7,
        7,
        8,
        8,
        9,
        9,
        10,
        10,
    ]


@pytest.mark.parametrize("nq", [2, 3, 4, 5, 7, 10])
@pytest.mark.parametrize("first", ["highest", "lowest"])
def test_equals_the_scalar_formula_for_every_group_size(nq: int, first: str) -> None:
    rng = np.random.default_rng(nq)
    frames = []
    for size in range(1, 61):
        values = np.round(rng.normal(0, 3, size))  # rounding makes ties
        values[rng.random(size) < 0.1] = np.nan
        frames.append(pd.DataFrame({"g": size, "v": values}))
    df = pd.concat(frames, ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        out = healthgap.quantiles(df, "v", group_by="g", nquantiles=nq, first_quantile=first)
    expected: list[int | None] = []
    for _, part in df.groupby("g", sort=False):
        expected += quantiles_scalar(part["v"].tolist(), nq, first == "highest")
    assert as_list(out["quantile"]) == expected


def test_keeps_rows_order_index_and_columns() -> None:
    df = pd.DataFrame(
        {"area": list("ABCDEF"), "region": list("XXXYYY"), "v": [3.0, 1, 2, 9, 7, 8]},
        index=[10, 11, 12, 20, 21, 22],
    )
    out = healthgap.quantiles(df, "v", group_by="region", nquantiles=3)
    assert list(out.columns) == ["area", "region", "v", "quantile"]
    assert list(out.index) == [10, 11, 12, 20, 21, 22]
    assert as_list(out["quantile"]) == [1, 3, 2, 1, 3, 2]
    assert str(out["quantile"].dtype) == "Int64"
    assert "quantile" not in df.columns  # the input is not modified


def test_polars_and_arrow_in_same_kind_out() -> None:
    df = pd.DataFrame({"area": list("ABCD"), "v": [4.0, None, 1.0, 3.0]})
    out = healthgap.quantiles(pl.from_pandas(df), "v", nquantiles=3)
    assert isinstance(out, pl.DataFrame)
    assert out["quantile"].to_list() == [1, None, 3, 2]
    assert out["quantile"].dtype == pl.Int64
    lazy = healthgap.quantiles(pl.from_pandas(df).lazy(), "v", nquantiles=3)
    assert lazy["quantile"].to_list() == [1, None, 3, 2]
    table = healthgap.quantiles(pa.Table.from_pandas(df, preserve_index=False), "v", nquantiles=3)
    assert isinstance(table, pa.Table)
    assert table.column("quantile").to_pylist() == [1, None, 3, 2]


def test_ties_share_a_quantile_even_when_it_makes_it_larger() -> None:
    # Four tied highest values all take rank 1 ("min"), so quantile 1 holds 4 of 6.
    df = pd.DataFrame({"v": [5.0, 5.0, 5.0, 5.0, 1.0, 2.0]})
    assert as_list(healthgap.quantiles(df, "v", nquantiles=2)["quantile"]) == [1, 1, 1, 1, 2, 2]
    low = healthgap.quantiles(-df, "v", nquantiles=2, first_quantile="lowest")
    assert as_list(low["quantile"]) == [1, 1, 1, 1, 2, 2]


def test_groups_too_small_get_no_quantile_with_one_warning() -> None:
    df = pd.DataFrame(
        {"region": ["X"] * 5 + ["Y"] * 4 + ["Z"] * 5, "v": [*range(5), *range(4), 1, 2, 3, 4, None]}
    )
    with pytest.warns(
        SuppressionWarning,
        match=r"quantiles: 2 of 3 groups suppressed: fewer than 5 non-missing values "
        r"\(2 groups, first: region Y\)\. Their rows have no quantile\.",
    ):
        out = healthgap.quantiles(df, "v", group_by="region", nquantiles=5)
    assert as_list(out["quantile"]) == [5, 4, 3, 2, 1] + [None] * 9


def test_missing_values_get_no_quantile_without_warning() -> None:
    df = pd.DataFrame({"v": [1.0, np.nan, 3.0, 4.0]})
    out = healthgap.quantiles(df, "v", nquantiles=3)
    assert as_list(out["quantile"]) == [3, None, 2, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nquantiles": 1}, r"nquantiles must be a whole number of at least 2; got 1\. "),
        ({"nquantiles": 2.5}, r"nquantiles must be a whole number of at least 2; got 2\.5"),
        ({"nquantiles": True}, r"nquantiles must be a whole number of at least 2; got True"),
        ({"nquantiles": "5"}, r"nquantiles must be a whole number of at least 2; got '5'"),
        (
            {"first_quantile": "high"},
            r"first_quantile must be one of 'highest', 'lowest'; got 'high'\.",
        ),
        ({"first_quantile": True}, r"first_quantile must be one of 'highest', 'lowest'"),
        ({"value": "score"}, r"value column 'score' must be in data; got columns \[area, imd"),
        ({"group_by": "region"}, r"group_by column 'region' must be in data"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    df = pd.DataFrame({"area": list("ABCD"), "imd": [1.0, 2, 3, 4]})
    args: dict[str, object] = {"value": "imd", "nquantiles": 2}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.quantiles(df, **args)  # type: ignore[arg-type]


def test_existing_quantile_column_and_bad_values_are_errors() -> None:
    df = pd.DataFrame({"imd": [1.0, 2.0], "quantile": [1, 2]})
    with pytest.raises(
        InputError, match=r"data must not already have a column named 'quantile'; got one\."
    ):
        healthgap.quantiles(df, "imd", nquantiles=2)
    df = pd.DataFrame({"area": ["A", "B"], "imd": ["1.5", "high"]})
    with pytest.raises(
        InputError,
        match=r"value column 'imd' must hold numbers; got 1 row of text "
        r"\(first: 'high' at row 2 \(area B\)\)",
    ):
        healthgap.quantiles(df, "imd", group_by="area", nquantiles=2)
    with pytest.raises(InputError, match=r"value column 'imd' must hold finite numbers"):
        healthgap.quantiles(pd.DataFrame({"imd": [1.0, np.inf]}), "imd", nquantiles=2)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 12),
    st.lists(st.integers(-(10**6), 10**6), min_size=12, max_size=200, unique=True),
    st.sampled_from(["highest", "lowest"]),
    st.randoms(use_true_random=False),
)
def test_properties_without_ties(nq: int, values: list[int], first: str, rnd) -> None:
    df = pd.DataFrame({"id": range(len(values)), "v": np.array(values, dtype=float)})
    out = healthgap.quantiles(df, "v", nquantiles=nq, first_quantile=first)
    q = out["quantile"].astype(int)
    assert q.between(1, nq).all()
    sizes = q.value_counts().reindex(range(1, nq + 1), fill_value=0)
    assert sizes.max() - sizes.min() <= 1  # every quantile within one of N / nq
    assert sizes.min() == len(values) // nq
    # quantile 1 holds the highest (or lowest) values: order is monotone
    ordered = out.sort_values("v", ascending=first == "lowest")["quantile"].astype(int)
    assert ordered.is_monotonic_increasing
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    again = healthgap.quantiles(shuffled, "v", nquantiles=nq, first_quantile=first)
    pd.testing.assert_series_equal(
        again.set_index("id")["quantile"].sort_index(), out.set_index("id")["quantile"]
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=10, max_size=60), st.integers(2, 10))
def test_tied_values_always_share_a_quantile(values: list[int], nq: int) -> None:
    out = healthgap.quantiles(
        pd.DataFrame({"v": np.array(values, dtype=float)}), "v", nquantiles=nq
    )
    assert (out.groupby("v")["quantile"].nunique() == 1).all()
    assert out["quantile"].astype(int).between(1, nq).all()


@pytest.mark.parametrize(("invert", "first"), [(True, "highest"), (False, "lowest")])
def test_agrees_with_phstatsmethods(rng: np.random.Generator, invert: bool, first: str) -> None:
    """ph_quantile's invert=True is first_quantile="highest" (tests/reference/README.md)."""
    ph = importorskip_peer()
    n = 4000
    df = pd.DataFrame({"g": rng.integers(0, 40, n), "v": np.round(rng.normal(20, 8, n))})
    df.loc[rng.choice(n, 150, replace=False), "v"] = np.nan
    for nq in (3, 5, 10):
        ours = healthgap.quantiles(df, "v", group_by="g", nquantiles=nq, first_quantile=first)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = ph.ph_quantile(df, "v", "g", nquantiles=nq, invert=invert)
        a = ours["quantile"].astype("float").to_numpy()
        b = theirs["quantile"].to_numpy(dtype=float)
        np.testing.assert_array_equal(a, b)


def test_agrees_with_phstatsmethods_for_every_group_size() -> None:
    """Group sizes nq..129 for nq = 2..12: no rounding artefacts on either side."""
    ph = importorskip_peer()
    for nq in (3, 7, 11):
        df = pd.concat(
            [pd.DataFrame({"g": n, "v": np.arange(n, dtype=float)}) for n in range(nq, 130)],
            ignore_index=True,
        )
        ours = healthgap.quantiles(df, "v", group_by="g", nquantiles=nq)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = ph.ph_quantile(df, "v", "g", nquantiles=nq, invert=True)
        np.testing.assert_array_equal(ours["quantile"].astype(int), theirs["quantile"].astype(int))
