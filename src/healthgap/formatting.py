"""One way to write a number for a reader: pages, CLI tables and the report share it.

Below the faces (CLI, web, report) and above nothing: pure Python, no I/O. Every function
returns text; a missing value (``None``, NaN, ``pd.NA``) is written as :data:`MISSING`.

- :func:`years` - life expectancy and gaps, 1 decimal place by default: ``7.4``;
- :func:`pounds` - money held in whole pence shown as pounds: ``£1,234,567.89``;
- :func:`percent` - a percentage (or a proportion, scaled): ``12.3%``;
- :func:`count` - people, events, areas: ``1,234,567``;
- :func:`number` - anything else: thousands separators, no scientific notation, a fixed
  number of decimal places when given, else 4 significant figures;
- :func:`with_unit` - a value in the unit named by indicator metadata (``years``, ``%``,
  ``per 100,000``...);
- :func:`cell` - a table cell whose column name says its unit (``*_pence`` is money,
  ``*_percent``/``*_pct`` a percentage, ``n``/``count``/``population`` a count).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

#: How a missing (withheld or not available) value is written.
MISSING = "-"


def _float(value: Any) -> float | None:
    """``value`` as a finite-or-infinite float, or ``None`` when missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _fixed(x: float, dp: int) -> str:
    """``x`` to ``dp`` places with thousands separators, rounded as Python's ``format``
    rounds the stored binary value (so pages, CSVs and tests agree); never ``-0.0``."""
    if math.isinf(x):
        return "infinity" if x > 0 else "-infinity"
    text = f"{x:,.{dp}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def number(value: Any, dp: int | None = None, sig: int = 4) -> str:
    """A plain number: ``dp`` decimal places when given, else ``sig`` significant figures
    (whole numbers of 1,000 or more keep all their digits), never scientific notation.

    Examples
    --------
    >>> number(1234567.891), number(0.000123456), number(3.14159), number(2.6, dp=0)
    ('1,234,568', '0.0001235', '3.142', '3')
    >>> number(float("nan")), number(None), number("n/a")
    ('-', '-', 'n/a')
    """
    x = _float(value)
    if x is None:
        return MISSING if _missing(value) else str(value)
    if dp is not None:
        return _fixed(x, dp)
    if x == 0 or math.isinf(x):
        return _fixed(x, 0)
    magnitude = math.floor(math.log10(abs(x)))
    places = max(0, sig - 1 - magnitude)
    return _fixed(x, places)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and pd.NA-like values
    except (TypeError, ValueError):
        return True


def years(value: Any, dp: int = 1) -> str:
    """Years (life expectancy, a gap, a change a year), ``dp`` places.

    >>> years(63.04), years(-0.04), years(7.46)
    ('63.0', '0.0', '7.5')
    """
    x = _float(value)
    return MISSING if x is None else _fixed(x, dp)


def pounds(pence: Any, dp: int = 2) -> str:
    """Money held in whole pence, as pounds with thousands separators and ``dp`` places
    (``dp=0``: whole pounds).

    Examples
    --------
    >>> pounds(123456789), pounds(-123456789), pounds(5), pounds(123456789, dp=0)
    ('£1,234,567.89', '-£1,234,567.89', '£0.05', '£1,234,568')
    >>> pounds(None), pounds(2**62)  # exact beyond a float's 2**53
    ('-', '£46,116,860,184,273,879.04')
    """
    x = _float(pence)
    if x is None:
        return MISSING
    if dp == 2 and (isinstance(pence, numbers.Integral) or x.is_integer()):
        p = int(pence) if isinstance(pence, numbers.Integral) else int(x)  # exact in integers
        return f"{'-' if p < 0 else ''}£{abs(p) // 100:,}.{abs(p) % 100:02d}"
    text = _fixed(x / 100, dp)
    return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"


def percent(value: Any, dp: int = 1, *, proportion: bool = False) -> str:
    """A percentage with ``dp`` places; ``proportion=True`` scales 0.123 to ``12.3%``.

    >>> percent(12.345), percent(0.12345, proportion=True), percent(None)
    ('12.3%', '12.3%', '-')
    """
    x = _float(value)
    if x is None:
        return MISSING
    return f"{_fixed(100 * x if proportion else x, dp)}%"


def count(value: Any) -> str:
    """A count of people, events or areas: whole, with thousands separators.

    >>> count(1234567), count(12.0), count(float("nan"))
    ('1,234,567', '12', '-')
    """
    x = _float(value)
    return MISSING if x is None else _fixed(x, 0)


def with_unit(value: Any, unit: str | None, dp: int = 1) -> str:
    """``value`` written for its ``unit`` as indicator metadata names it.

    >>> with_unit(63.04, "years"), with_unit(12.34, "%"), with_unit(72.46, "per 100,000")
    ('63.0 years', '12.3%', '72.5 per 100,000')
    >>> with_unit(123456, "pence"), with_unit(1234, "count"), with_unit(0.5, None)
    ('£1,234.56', '1,234', '0.5')
    """
    u = (unit or "").strip()
    low = u.lower()
    if _float(value) is None:
        return MISSING
    if low in ("year", "years"):
        return f"{years(value, dp)} years"
    if low in ("%", "percent", "percentage", "per cent"):
        return percent(value, dp)
    if low in ("pence", "p"):
        return pounds(value)
    if low in ("£", "pounds", "gbp"):
        return pounds(_float(value) * 100, 0 if dp == 0 else 2)  # type: ignore[operator]
    if low in ("count", "number", "people", "persons"):
        return count(value)
    return f"{number(value, dp)} {u}" if u else number(value, dp)


def cell(column: str, value: Any) -> str:
    """A table cell, written by what its ``column`` name says it holds.

    >>> cell("target_allocation_pence", 123456789), cell("share_percent", 12.345)
    ('£1,234,567.89', '12.3%')
    >>> cell("population", 1234567.0), cell("value", 63.0412345678), cell("area", "E06000001")
    ('1,234,567', '63.04', 'E06000001')
    """
    name = column.lower()
    if isinstance(value, str):
        return value
    if _float(value) is None:
        return MISSING if _missing(value) else str(value)
    if name.endswith("_pence") or name == "pence":
        return pounds(value)
    if name.endswith(("_percent", "_pct")) or name in ("percent", "pct"):
        return percent(value)
    if name in ("n", "count", "population", "denominator", "numerator") or name.endswith(
        ("_count", "_n", "_population")
    ):
        return count(value) if float(value).is_integer() else number(value)
    return number(value)


def column_title(column: str) -> str:
    """A column's title for a reader: ``*_pence`` columns are shown in pounds.

    >>> column_title("target_allocation_pence"), column_title("area_code")
    ('target_allocation (£)', 'area_code')
    """
    if column.lower().endswith("_pence"):
        return f"{column[: -len('_pence')]} (£)"
    return column
