"""Batched measures for inequalities within an area equal one call per series.

The reference is :func:`healthgap.stats.inequality.inequality_measures` called on each
series alone, as the service did before batching. The rows are made-up test inputs
(not real data): three ethnic-group series, one deprivation series and one sex pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthgap.account.inequalities import (
    NON_ORDERED_CODES,
    ORDERED_CODES,
    _measures,
)
from healthgap.stats.inequality.summary_measures import inequality_measures

SEED = 20_260_515


def _series(
    ident: str, dimension: str, cats: list[str], seed: int, **extra: object
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(cats)
    value = rng.uniform(10, 40, n)
    half = rng.uniform(0.5, 3, n)
    frame = pd.DataFrame(
        {
            "indicator_id": ident,
            "indicator_name": f"Indicator {ident}",
            "sex": "Persons",
            "age": "",
            "dimension": dimension,
            "category_type": dimension.title(),
            "period": "2023",
            "category": cats,
            "rank": np.arange(1, n + 1, dtype=float) if dimension.startswith("dep") else np.nan,
            "value": value,
            "lower_95_0": value - half,
            "upper_95_0": value + half,
            "population": rng.uniform(1_000, 9_000, n),
            "polarity": "RAG - Low is good",
        }
    )
    return frame.assign(**extra)


def _alone(part: pd.DataFrame, ordered: bool, codes: list[str]) -> pd.DataFrame:
    return inequality_measures(
        part,
        value="value",
        population="population",
        subgroup="category",
        favourable=False,
        ordered=ordered,
        order="rank" if ordered else None,
        lower="lower_95_0",
        upper="upper_95_0",
        measures=codes,
        confidence=0.95,
        repetitions=2_000,
        seed=SEED,
    ).to_frame()


ETHNIC = ["Asian", "Black", "Mixed", "Other", "White"]
QUINTILES = ["Q1", "Q2", "Q3", "Q4", "Q5"]


@pytest.mark.filterwarnings("ignore")
def test_batched_measures_equal_one_call_per_series() -> None:
    a = _series("1", "ethnic group", ETHNIC, 1)
    b = _series("2", "ethnic group", ETHNIC[:4], 2)  # fewer groups: another batch
    c = _series("3", "ethnic group", ETHNIC, 3)
    d = _series("4", "deprivation within the area", QUINTILES, 4)
    out = _measures(pd.concat([c, d, a, b], ignore_index=True), SEED)
    # series in key order (indicator 1, 2, 3, 4), each measure in the order asked for
    assert out["indicator_id"].drop_duplicates().tolist() == ["1", "2", "3", "4"]
    for part, ordered in ((a, False), (b, False), (c, False), (d, True)):
        codes = ORDERED_CODES if ordered else NON_ORDERED_CODES
        ref = _alone(part, ordered, codes)
        got = out[out["indicator_id"] == part["indicator_id"].iloc[0]]
        assert got["measure"].tolist() == codes
        for column in ("value", "lower_95_0", "upper_95_0", "setting_average"):
            # bit for bit: same Monte Carlo draws per subgroup position, same arithmetic
            np.testing.assert_array_equal(
                got[column].to_numpy(float), ref[column].replace(np.inf, np.nan).to_numpy(float)
            )
    assert set(out["judgement"]) == {"RAG - Low is good"}


@pytest.mark.filterwarnings("ignore")
def test_a_series_that_raises_leaves_out_only_itself() -> None:
    good = _series("1", "ethnic group", ETHNIC, 1)
    bad = _series("2", "ethnic group", ["Asian", "Asian", "Mixed", "Other", "White"], 2)
    other = _series("3", "ethnic group", ETHNIC, 3)
    out = _measures(pd.concat([good, bad, other], ignore_index=True), SEED)
    # "Asian" twice makes inequality_measures raise for series 2 (alone or in a batch)
    assert out["indicator_id"].drop_duplicates().tolist() == ["1", "3"]
    ref = _alone(good, False, NON_ORDERED_CODES)
    got = out[out["indicator_id"] == "1"]
    np.testing.assert_array_equal(got["value"].to_numpy(float), ref["value"].to_numpy(float))
    np.testing.assert_array_equal(
        got["upper_95_0"].to_numpy(float), ref["upper_95_0"].to_numpy(float)
    )


def test_series_with_fewer_than_two_usable_groups_are_left_out() -> None:
    one = _series("1", "ethnic group", ETHNIC[:2], 1)
    one.loc[0, "population"] = np.nan  # no weight: one usable group left
    out = _measures(one, SEED)
    assert out.empty
