"""Reporting periods: published period text to calendar years.

:func:`parse_period` reads the Fingertips forms ("2020", "2018 - 20", "2018/19",
"2016/17 - 18/19", "2020 Q1", "2020/21 Q4", "Aug 2014") and ISO 8601 intervals
("2018-01-01/P3Y") into the first and last calendar year, both inclusive;
:func:`parse_periods` does a column of them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_P_YEAR = re.compile(r"^(\d{4})$")
# "2018 - 20" needs its spaces: "2018-03" is ISO 8601 for March 2018.
_P_RANGE = re.compile(r"^(\d{4})(?:\s+-\s+(\d{2}|\d{4})|\s*-\s*(\d{4}))$")
_P_FY = re.compile(r"^(\d{4})\s*/\s*(\d{2}|\d{4})$")
_P_FY_RANGE = re.compile(r"^(\d{4})\s*/\s*(\d{2}|\d{4})\s*-\s*(\d{2}|\d{4})\s*/\s*(\d{2}|\d{4})$")
_P_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$", re.IGNORECASE)
_P_FY_QUARTER = re.compile(r"^(\d{4})\s*/\s*(\d{2}|\d{4})\s*Q([1-4])$", re.IGNORECASE)
_P_MONTH_YEAR = re.compile(r"^([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{4})$")
_P_YEAR_MONTH = re.compile(r"^(\d{4})\s+([A-Za-z]{3})[A-Za-z]*\.?$")
_P_ISO_DATE = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.]+Z?)?"
_P_ISO_DURATION = re.compile(
    rf"^{_P_ISO_DATE}/P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T[0-9HMS.]*)?$"
)
_P_ISO_DATES = re.compile(rf"^{_P_ISO_DATE}/{_P_ISO_DATE}$")
#: Examples of the period forms :func:`parse_period` reads, for error messages and docs.
PERIOD_EXAMPLES = "'2020', '2018 - 20', '2018/19', '2020 Q1' or '2018-01-01/P3Y'"


def _later_year(start: int, text: str) -> int:
    """'20' after 2018 is 2020; '01' after 1999 is 2001; four digits are taken as they are."""
    if len(text) == 4:
        return int(text)
    year = start // 100 * 100 + int(text)
    return year + 100 if year < start else year


def _iso_date(year: str, month: str | None, day: str | None) -> dt.date | None:
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


def _add_months(d: dt.date, months: int) -> dt.date:
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _parse_one(text: str) -> tuple[int, int] | None:
    s = " ".join(text.split())
    if m := _P_YEAR.match(s):
        y = int(m[1])
        return y, y
    if m := _P_RANGE.match(s):
        start = int(m[1])
        end = _later_year(start, m[2] or m[3])
        # two digits roll over a century ("1999 - 01"), but not by a lifetime ("2018 - 17")
        return (
            (start, end) if 0 < end - start < (50 if m[2] and len(m[2]) == 2 else 10_000) else None
        )
    if m := _P_FY.match(s):
        start = int(m[1])
        return (start, start + 1) if _later_year(start, m[2]) == start + 1 else None
    if m := _P_FY_RANGE.match(s):
        start = int(m[1])
        last_start = _later_year(start, m[3])
        if (
            _later_year(start, m[2]) != start + 1
            or _later_year(last_start, m[4]) != last_start + 1
            or not 0 < last_start - start < 50
        ):
            return None
        return start, last_start + 1
    if m := _P_QUARTER.match(s):
        y = int(m[1])
        return y, y
    if m := _P_FY_QUARTER.match(s):
        start = int(m[1])
        if _later_year(start, m[2]) != start + 1:
            return None
        y = start + 1 if m[3] == "4" else start  # April-March year: Q4 is January-March
        return y, y
    if (m := _P_MONTH_YEAR.match(s)) and m[1].lower() in _MONTHS:
        y = int(m[2])
        return y, y
    if (m := _P_YEAR_MONTH.match(s)) and m[2].lower() in _MONTHS:
        y = int(m[1])
        return y, y
    if m := _P_ISO_DURATION.match(s):
        start_date = _iso_date(m[1], m[2], m[3])
        years, months, weeks, days = (int(g or 0) for g in m.groups()[3:7])
        if start_date is None or years + months + weeks + days == 0:
            return None
        end_date = _add_months(start_date, 12 * years + months)
        end_date += dt.timedelta(days=7 * weeks + days - 1)  # the interval ends the day before
        return start_date.year, end_date.year
    if m := _P_ISO_DATES.match(s):
        first = _iso_date(m[1], m[2], m[3])
        last = _iso_date(m[4], m[5], m[6])
        if first is None or last is None or last <= first:
            return None
        return first.year, (last - dt.timedelta(days=1)).year
    return None


def parse_period(text: Any) -> tuple[int, int] | None:
    """Calendar years ``(start, end)``, both inclusive, of a period label; ``None`` if unknown.

    Fingertips forms: a year ("2020"), pooled years ("2018 - 20", "2011 - 2016"), a
    financial or academic year starting in April or September ("2018/19" -> 2018 to
    2019), pooled financial years ("2016/17 - 18/19" -> 2016 to 2019), calendar quarters
    ("2020 Q1"), financial quarters ("2020/21 Q4" -> January to March 2021) and months
    ("Aug 2014", "2014 Aug"). ISO 8601 intervals as ONS publishes them: a start and a
    duration ("2018-01-01/P3Y" -> 2018 to 2020, "2018-04-01/P1Y" -> 2018 to 2019) or a
    start and an end date ("2018-01-01/2020-12-31"); an interval ends the day before its
    end date.

    >>> parse_period("2018 - 20"), parse_period("2018/19"), parse_period("2018-01-01/P3Y")
    ((2018, 2020), (2018, 2019), (2018, 2020))
    >>> parse_period("next year") is None
    True
    """
    if not isinstance(text, str):
        return None
    return _parse_one(text)


def parse_periods(periods: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`parse_period`: ``(start, end, ok)`` arrays (each label parsed once).

    ``start``/``end`` are float arrays with NaN where the label is missing or unparsed;
    ``ok`` is False only where a label is present but not a period.
    """
    codes, uniques = pd.factorize(periods, use_na_sentinel=True)
    parsed = [parse_period(u) for u in uniques]
    lo = np.array([p[0] if p else np.nan for p in parsed] + [np.nan], dtype=float)
    hi = np.array([p[1] if p else np.nan for p in parsed] + [np.nan], dtype=float)
    good = np.array([p is not None for p in parsed] + [True], dtype=bool)
    return lo[codes], hi[codes], good[codes]
