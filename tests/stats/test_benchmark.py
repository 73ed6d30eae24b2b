"""One Polarity and one benchmark comparison (stats/benchmark.py).

Hand cases written from OHID Fingertips' "compared with benchmark" rule (an interval wholly
above or below the benchmark differs significantly; touching it is similar), the same rule
the scorecard tests use (tests/reference/README.md, "Fingertips benchmark comparison").
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthgap.stats.benchmark import (
    Polarity,
    compare_at_levels,
    compare_with_benchmark,
    parse_polarities,
    polarity_signs,
)

HIGHER, LOWER, NEUTRAL = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.NEUTRAL


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("RAG - High is good", HIGHER),  # Fingertips, as stored in the polarity column
        ("RAG - Low is good", LOWER),
        ("RAG - Low is good   ", LOWER),  # Fingertips exports carry trailing spaces
        ("higher_is_better", HIGHER),  # targets, SPC, specs
        ("lower_is_better", LOWER),
        ("neutral", NEUTRAL),
        ("High is good", HIGHER),  # plain words (framework actions)
        ("low is good", LOWER),
        ("BOB - Blue orange blue", NEUTRAL),  # Fingertips: no judgement
        ("Not applicable", NEUTRAL),
        (None, NEUTRAL),
        (float("nan"), NEUTRAL),
        (LOWER, LOWER),
    ],
)
def test_every_spelling_parses_in_one_place(spelling: object, expected: Polarity) -> None:
    assert Polarity.parse(spelling) is expected


def test_polarity_values_are_the_healthgap_words() -> None:
    assert [p.value for p in Polarity] == ["higher_is_better", "lower_is_better", "neutral"]
    assert HIGHER == "higher_is_better"  # a str enum: compares equal to its word
    assert (HIGHER.sign, LOWER.sign) == (1.0, -1.0)
    assert math.isnan(NEUTRAL.sign)


def test_vectorised_parse_and_signs_keep_shape_and_missing_values() -> None:
    values = np.array(["RAG - Low is good", None, np.nan, "x", "higher_is_better"], dtype=object)
    assert parse_polarities(values).tolist() == [LOWER, NEUTRAL, NEUTRAL, NEUTRAL, HIGHER]
    np.testing.assert_array_equal(polarity_signs(values), [-1.0, np.nan, np.nan, np.nan, 1.0])
    assert parse_polarities("RAG - High is good").shape == ()
    assert polarity_signs([]).shape == (0,)


def test_compare_with_benchmark_fingertips_rule_for_every_spelling() -> None:
    lower = [61.0, 55.0, 58.0, 60.0, 61.0, 55.0, np.nan, 61.0, 61.0, 55.0]
    upper = [63.0, 59.0, 62.0, 62.0, 63.0, 59.0, 62.0, 63.0, 63.0, 59.0]
    bench = [60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0, np.nan, 60.0, 60.0]
    pol = [
        "RAG - High is good",
        "higher_is_better",
        HIGHER,
        "high is good",
        "RAG - Low is good",
        None,
        "RAG - High is good",
        "RAG - High is good",
        "lower_is_better",
        "BOB - Blue orange blue",
    ]
    assert compare_with_benchmark(lower, upper, bench, pol).tolist() == [
        "better",  # wholly above, high is good
        "worse",  # wholly below
        "similar",  # contains the benchmark
        "similar",  # lower limit equal to the benchmark: ends included
        "worse",  # wholly above, low is good
        "lower",  # no polarity: higher/lower
        "not compared",  # missing limit
        "not compared",  # missing benchmark
        "worse",
        "lower",
    ]


def test_compare_with_benchmark_broadcasts_one_benchmark_and_one_polarity() -> None:
    got = compare_with_benchmark([9.0, 11.0, 12.5], [10.5, 12.0, 14.0], 12.0, "RAG - Low is good")
    assert got.tolist() == ["better", "similar", "worse"]
    assert compare_with_benchmark(1.0, 2.0, 0.5, None).item() == "higher"


def test_compare_at_levels_gives_95_and_99_8() -> None:
    # 95% limits 60.5-62.0 exclude England's 60.0; 99.8% limits 59.6-62.9 include it.
    c95, c998 = compare_at_levels([60.5], [62.0], [59.6], [62.9], 60.0, "RAG - High is good")
    assert (c95.tolist(), c998.tolist()) == (["better"], ["similar"])
