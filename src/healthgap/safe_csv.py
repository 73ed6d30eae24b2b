"""CSV that a spreadsheet opens as data, never as formulas (CSV injection).

Every CSV healthgap writes (web downloads, API ``?format=csv``, CLI ``--out``, framework
and audit exports) goes through :func:`csv_text`, :func:`to_csv` or :func:`rows_to_csv`.
Following the OWASP guidance on CSV injection, a text cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (or their full-width forms, which some
spreadsheets also accept) is prefixed with a single quote, so Excel, LibreOffice and
Google Sheets show it as text instead of running it (``=HYPERLINK(...)``, ``=cmd|...``,
``@SUM(...)``). Numbers stay numbers: numeric columns are untouched, and a text cell that
is a plain number (``-1.5``, ``+3``, ``-2e-3``) is left as it is, so a negative value is
still a number in the spreadsheet. Column names are treated like cells.

Examples
--------
>>> neutralise('=HYPERLINK("http://x.example","click")')
'\\'=HYPERLINK("http://x.example","click")'
>>> neutralise("-1.5"), neutralise(-1.5), neutralise("- not a number")
('-1.5', -1.5, "'- not a number")
>>> print(csv_text(pd.DataFrame({"name": ["@SUM(A1)", "Leeds"], "value": [-2, 3]})), end="")
name,value
'@SUM(A1),-2
Leeds,3
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import pandas as pd

#: The first characters that make a spreadsheet read a cell as a formula (OWASP), with
#: the full-width forms some spreadsheets also accept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: A plain number written as text: left alone, so it stays a number.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: text that would start a formula gets a
    leading single quote; numbers, missing values and plain numbers as text are kept."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through
    :func:`neutralise`; numeric, boolean and date columns are returned unchanged."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _has_cr(frame: pd.DataFrame) -> bool:
    """Whether any text cell or column name holds a carriage return."""
    if any(isinstance(c, str) and "\r" in c for c in frame.columns):
        return True
    texts = [
        frame[c]
        for c in frame.columns
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)
    ]
    return any(s.map(lambda v: isinstance(v, str) and "\r" in v).any() for s in texts)


def _options(frame: pd.DataFrame, kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs.setdefault("index", False)
    if "lineterminator" not in kwargs:
        # The csv module quotes a field only for the characters of the line terminator:
        # with "\n" a bare carriage return inside a field would be written unquoted and
        # split the row in a spreadsheet, so such a table ends its lines as RFC 4180 does.
        kwargs["lineterminator"] = "\r\n" if _has_cr(frame) else "\n"
    return kwargs


def csv_text(frame: pd.DataFrame, **kwargs: Any) -> str:
    """``frame`` as CSV text (without the index unless asked), cells neutralised
    (:func:`neutralise_frame`)."""
    safe = neutralise_frame(frame)
    return str(safe.to_csv(None, **_options(safe, kwargs)))


def to_csv(frame: pd.DataFrame, path_or_buf: str | Path | IO[str], **kwargs: Any) -> None:
    """Write ``frame`` as CSV to a path or text buffer, as :func:`csv_text` makes it."""
    safe = neutralise_frame(frame)
    safe.to_csv(path_or_buf, **_options(safe, kwargs))


def safe_row(cells: Iterable[Any]) -> list[Any]:
    """One row for :func:`csv.writer`, each cell passed through :func:`neutralise`."""
    return [neutralise(c) for c in cells]


def rows_to_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """CSV text of ``header`` and ``rows`` (cells neutralised), as :mod:`csv` writes it."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(safe_row(header))
    for row in rows:
        w.writerow(safe_row(row))
    return out.getvalue()
