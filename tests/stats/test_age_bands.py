"""Age-band label parsing: the spellings analysts' files use, and clear errors."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthgap.errors import InputError
from healthgap.stats.age_bands import AgeBand, canonical_labels, parse_band, parse_column


@pytest.mark.parametrize(
    ("label", "band"),
    [
        ("0-4", AgeBand(0, 4)),
        ("00-04", AgeBand(0, 4)),
        ("0 to 4", AgeBand(0, 4)),
        ("0-4 yrs", AgeBand(0, 4)),
        ("Aged 0-4", AgeBand(0, 4)),
        ("15-19 years", AgeBand(15, 19)),
        ("<1", AgeBand(0, 0)),
        ("Under 1", AgeBand(0, 0)),
        ("under 5", AgeBand(0, 4)),
        ("0", AgeBand(0, 0)),
        (0, AgeBand(0, 0)),
        (5.0, AgeBand(5, 5)),
        ("1-4", AgeBand(1, 4)),
        ("90+", AgeBand(90, None)),
        ("90 and over", AgeBand(90, None)),
        ("90+ yrs", AgeBand(90, None)),
        ("85 plus", AgeBand(85, None)),
        ("95 & over", AgeBand(95, None)),
        ("  90 +  ", AgeBand(90, None)),
    ],
)
def test_spellings(label: object, band: AgeBand) -> None:
    assert parse_band(label) == band


@pytest.mark.parametrize("label", ["x", "4-0", "-1", "", None, True, -5, 2.5, "all ages", "<0"])
def test_not_bands(label: object) -> None:
    assert parse_band(label) is None


def test_canonical_labels() -> None:
    bands = [AgeBand(0, 0), AgeBand(1, 4), AgeBand(90, None)]
    assert list(canonical_labels(bands)) == ["0", "1-4", "90+"]


@given(st.integers(0, 120), st.integers(0, 30))
def test_canonical_label_round_trips(start: int, width: int) -> None:
    band = AgeBand(start, start + width)
    assert parse_band(band.label) == band
    assert parse_band(AgeBand(start, None).label) == AgeBand(start, None)


def test_column_errors_name_label_and_row() -> None:
    with pytest.raises(
        InputError,
        match=r"age column 'age' must hold age bands such as '0-4', '1-4', '90\+' or '<1'; "
        r"got 'eighty' at row 2 \(2 rows in all\)",
    ):
        parse_column(pd.Series(["0-4", "eighty", "eighty"]), "age")
    with pytest.raises(InputError, match=r"got an empty value at row 1"):
        parse_column(pd.Series([None, "0-4"]), "age")


def test_column_parses_each_distinct_label_once() -> None:
    bands = parse_column(pd.Series(["0-4", "90+", "0-4"]), "age")
    assert bands == [AgeBand(0, 4), AgeBand(90, None), AgeBand(0, 4)]
