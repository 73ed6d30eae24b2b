"""quantiles: per-row ``invert`` and ``on_invalid``.

Hand-worked cases, and a differential run against PHStatsMethods' ``ph_quantile`` (GPL,
used as a black box): each group's rows ranked by the peer with that group's ``invert``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.needs import importorskip_peer


def test_per_row_invert_by_hand() -> None:
    df = pd.DataFrame({
        "indicator": ["mortality"] * 5 + ["employment"] * 5,
        "high_is_bad": [True] * 5 + [False] * 5,
        "v": [10, 50, 30, 20, 40, 10, 50, 30, 20, 40],
    })  # fmt: skip
    out = healthgap.quantiles(df, "v", group_by="indicator", nquantiles=5, invert="high_is_bad")
    # mortality: highest (50) in quantile 1; employment: lowest (10) in quantile 1.
    assert out["quantile"].tolist() == [5, 1, 3, 4, 2, 1, 5, 3, 2, 4]


@pytest.mark.parametrize("spelling", [[True, False], [1, 0], ["yes", "no"], ["TRUE", "False"]])
def test_invert_spellings(spelling: list[object]) -> None:
    df = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 3, "v": [1, 2, 3] * 2,
                       "inv": [spelling[0]] * 3 + [spelling[1]] * 3})  # fmt: skip
    out = healthgap.quantiles(df, "v", group_by="g", nquantiles=3, invert="inv")
    assert out["quantile"].tolist() == [3, 2, 1, 1, 2, 3]


def test_per_row_invert_agrees_with_phstatsmethods(rng: np.random.Generator) -> None:
    ph = importorskip_peer()
    n = 3000
    df = pd.DataFrame({"g": rng.integers(0, 30, n), "v": np.round(rng.normal(20, 8, n))})
    df["inv"] = df["g"] % 3 == 0
    ours = healthgap.quantiles(df, "v", group_by="g", nquantiles=5, invert="inv")
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for flag, part in df.groupby("inv"):
            parts.append(ph.ph_quantile(part, "v", "g", nquantiles=5, invert=bool(flag)))
    theirs = pd.concat(parts).loc[df.index]
    np.testing.assert_array_equal(
        ours["quantile"].astype(float).to_numpy(), theirs["quantile"].to_numpy(dtype=float)
    )


def test_invert_must_be_constant_within_a_group() -> None:
    df = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 3, "v": [1, 2, 3] * 2,
                       "inv": [True, False, True, False, False, False]})  # fmt: skip
    message = (
        r"invert column 'inv' must be the same on every row of a group; got both true and "
        r"false in g a \(1 group in all\)"
    )
    with pytest.raises(InputError, match=message):
        healthgap.quantiles(df, "v", group_by="g", nquantiles=3, invert="inv")
    with pytest.warns(SuppressionWarning, match=r"invert differs between the rows"):
        out = healthgap.quantiles(df, "v", group_by="g", nquantiles=3, invert="inv",
                                  on_invalid="suppress")  # fmt: skip
    assert out["quantile"].isna().tolist() == [True] * 3 + [False] * 3


def test_unreadable_invert_and_missing_column() -> None:
    df = pd.DataFrame({"v": [1, 2, 3], "inv": ["yes", "maybe", "yes"]})
    with pytest.raises(InputError, match=r"invert column 'inv' must hold true or false on "
                       r"every row; got 'maybe' at row 2"):  # fmt: skip
        healthgap.quantiles(df, "v", nquantiles=3, invert="inv")
    with pytest.raises(InputError, match=r"invert column 'flip' must be in data"):
        healthgap.quantiles(df, "v", nquantiles=3, invert="flip")


def test_on_invalid_suppress_leaves_the_group_without_quantiles() -> None:
    df = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 3, "v": [1, "x", 3, 4, 5, 6]})
    with pytest.raises(InputError, match=r"value column 'v' must hold numbers"):
        healthgap.quantiles(df, "v", group_by="g", nquantiles=3)
    with pytest.warns(SuppressionWarning, match=r"value is text, not a number"):
        out = healthgap.quantiles(df, "v", group_by="g", nquantiles=3, on_invalid="suppress")
    assert out["quantile"].tolist()[3:] == [3, 2, 1]
    assert out["quantile"].isna().tolist()[:3] == [True] * 3
