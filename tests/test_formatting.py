"""healthgap.formatting: one writer of numbers for pages, CLI tables and the report.

Reference values are worked by hand from the rules in the module docstring (years to 1 dp,
money held in pence as pounds with separators, percentages, counts)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthgap import formatting as f
from healthgap.ledger import parse_pence


@pytest.mark.parametrize(
    ("value", "want"),
    [(63.04, "63.0"), (7.46, "7.5"), (-0.04, "0.0"), (-1.25001, "-1.3"), (100, "100.0")],
)
def test_years(value: float, want: str) -> None:
    assert f.years(value) == want


@pytest.mark.parametrize(
    ("pence", "want"),
    [
        (0, "£0.00"),
        (1, "£0.01"),
        (-1, "-£0.01"),
        (123456789, "£1,234,567.89"),
        (np.int64(250_000_000_000), "£2,500,000,000.00"),
        (2**62 + 1, "£46,116,860,184,273,879.05"),  # exact beyond float precision
        (123456789.0, "£1,234,567.89"),
    ],
)
def test_pounds_from_pence(pence: object, want: str) -> None:
    assert f.pounds(pence) == want


def test_pounds_to_whole_pounds() -> None:
    assert f.pounds(123456789, dp=0) == "£1,234,568"
    assert f.pounds(-123456789, dp=0) == "-£1,234,568"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_pounds_round_trips_through_the_ledger_parser(pence: int) -> None:
    text = f.pounds(pence)
    assert parse_pence(text.replace("-", "")) == abs(pence)
    assert text.startswith("-") is (pence < 0)


@pytest.mark.parametrize(
    ("value", "kwargs", "want"),
    [
        (12.345, {}, "12.3%"),
        (0.12345, {"proportion": True}, "12.3%"),
        (100, {"dp": 0}, "100%"),
        (None, {}, "-"),
    ],
)
def test_percent(value: object, kwargs: dict[str, object], want: str) -> None:
    assert f.percent(value, **kwargs) == want  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (1234567.891, "1,234,568"),
        (0.1 + 0.2, "0.3000"),  # no 15-digit float noise
        (63.041234567891234, "63.04"),
        (0.000123456, "0.0001235"),
        (-2.5e-7, "-0.0000002500"),
        (1e20, "100,000,000,000,000,000,000"),  # never scientific notation
        (0, "0"),
        (math.inf, "infinity"),
        (float("nan"), "-"),
        (pd.NA, "-"),
        (None, "-"),
        ("text", "text"),
    ],
)
def test_number(value: object, want: str) -> None:
    assert f.number(value) == want


def test_count_and_units() -> None:
    assert f.count(1234567.0) == "1,234,567"
    assert f.with_unit(63.04, "years") == "63.0 years"
    assert f.with_unit(72.46, "per 100,000") == "72.5 per 100,000"
    assert f.with_unit(12.34, "%") == "12.3%"
    assert f.with_unit(123456, "pence") == "£1,234.56"
    assert f.with_unit(1234.5, "pounds") == "£1,234.50"
    assert f.with_unit(None, "years") == "-"


def test_cells_by_column_name() -> None:
    assert f.cell("target_allocation_pence", 123456789) == "£1,234,567.89"
    assert f.column_title("target_allocation_pence") == "target_allocation (£)"
    assert f.cell("population", 56_000_000.0) == "56,000,000"
    assert f.cell("value", 0.1 + 0.2) == "0.3000"
    assert f.cell("area_code", "E06000001") == "E06000001"
    assert f.cell("lower_95_0", float("nan")) == "-"


def test_web_filter_uses_the_same_rules() -> None:
    from healthgap.web.render import fmt

    assert fmt(63.04) == f.years(63.04)
    assert fmt(1234567.0) == f.count(1234567)
    assert fmt(0.123456, 3) == "0.123"
    assert fmt(None) == "-"


def test_cli_table_shows_pounds_and_rounded_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    from healthgap.cli import _io

    frame = pd.DataFrame(
        {"area": ["E06000001"], "target_allocation_pence": [123456789], "share": [0.1 + 0.2]}
    )
    old = _io.out_console
    _io.out_console = Console(width=120, force_terminal=False, color_system=None)
    try:
        _io.show(frame)
    finally:
        _io.out_console = old
    out = capsys.readouterr().out
    assert "£1,234,567.89" in out and "target_allocation (£)" in out
    assert "0.3000" in out and "0.30000000000000004" not in out
    assert "123456789" not in out
