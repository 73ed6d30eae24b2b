"""Checks shared by every statistic: arguments first, then columns.

Every failure raises :class:`~healthgap.errors.InputError` worded
``"<what> must <rule>; got <observed>. <remedy>"`` and pointing at rows or groups.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats._frames import InputFrame

DEFAULT_CONFIDENCE: tuple[float, ...] = (0.95, 0.998)


def confidence_level(c: Any) -> float:
    """One confidence level as a proportion in (0, 1): 0.95 stays 0.95, 95 becomes 0.95.

    The one normaliser every statistic uses: a level above 1 and below 100 is read as a
    percentage (95, 99.8), as PHEindicatormethods and the Fingertips tools write them.
    Percentages are read from 50 up to (not including) 100; a level from 1 to 50 is an
    error, since a 1.5% interval is far likelier a slip than a wish.
    """
    if (
        isinstance(c, bool)
        or not isinstance(c, numbers.Real)
        or not math.isfinite(float(c))
        or not (0 < float(c) < 1 or _looks_like_percent(c))
    ):
        raise InputError(
            f"confidence must be between 0 and 1 (exclusive), or a percentage from 50 to 100 "
            f"(exclusive); got {c!r}. Give e.g. 0.95 or 95."
        )
    value = float(c)
    return round(value / 100, 12) if value > 1 else value


def confidence_levels(confidence: float | Iterable[float]) -> tuple[float, ...]:
    """Validate ``confidence`` and return it as a tuple of distinct floats in (0, 1).

    Each level is a proportion (0.95, 0.998) or a percentage (95, 99.8); see
    :func:`confidence_level`.

    >>> confidence_levels((95, 99.8))
    (0.95, 0.998)
    >>> confidence_levels(0.9)
    (0.9,)
    """
    if isinstance(confidence, numbers.Real) and not isinstance(confidence, bool):
        levels: tuple[Any, ...] = (confidence,)
    elif isinstance(confidence, Iterable) and not isinstance(confidence, str | bytes):
        levels = tuple(confidence)
    else:
        raise InputError(
            f"confidence must be a number or a list of numbers between 0 and 1; got "
            f"{confidence!r}. Use e.g. confidence=0.95 or confidence=(0.95, 0.998)."
        )
    if not levels:
        raise InputError(
            "confidence must name at least one level; got an empty list. "
            "Use e.g. confidence=(0.95, 0.998)."
        )
    out = tuple(confidence_level(c) for c in levels)
    if len(set(out)) != len(out):
        raise InputError(
            f"confidence levels must be distinct; got {out}. Remove the repeated level."
        )
    return out


def _looks_like_percent(c: Any) -> bool:
    return isinstance(c, numbers.Real) and 50 <= float(c) < 100


def positive_number(value: Any, name: str, example: str) -> float:
    """A finite number greater than 0 (multipliers, reference values)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or float(value) <= 0
    ):
        raise InputError(
            f"{name} must be a number greater than 0; got {value!r}. Use e.g. {name}={example}."
        )
    return float(value)


def one_of(value: Any, name: str, options: Sequence[str]) -> str:
    """An option given as one of a fixed set of string literals."""
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise InputError(f"{name} must be one of {listed}; got {value!r}.")
    return str(value)


def numeric_column(
    frame: InputFrame,
    column: str,
    role: str,
    context: Sequence[str] = (),
) -> np.ndarray:
    """Column ``column`` as float64; text that is not a number is a structural error.

    Missing values (empty cells, NaN) stay NaN: what they mean is the statistic's rule.
    """
    series = frame.df[column]
    if pd.api.types.is_bool_dtype(series):
        raise InputError(
            f"{role} column {column!r} must hold numbers; got true/false values. "
            "Convert it to counts or pass the right column."
        )
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna() & (series.astype(str).str.strip() != "")
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        first = rows[0]
        raise InputError(
            f"{role} column {column!r} must hold numbers; got {len(rows)} "
            f"{'row' if len(rows) == 1 else 'rows'} of text (first: {series.iloc[first]!r} "
            f"at {frame.describe_row(int(first), context)}). "
            "Remove thousands separators and notes such as '*' or 'x', "
            "and leave missing values empty."
        )
    return converted.to_numpy(dtype=float, na_value=np.nan)


def require_non_negative(
    frame: InputFrame,
    values: np.ndarray,
    column: str,
    role: str,
    context: Sequence[str] = (),
) -> None:
    """Negative counts or populations are structural errors, never silently dropped."""
    bad = np.flatnonzero(values < 0)
    if bad.size:
        first = int(bad[0])
        raise InputError(
            f"{role} column {column!r} must be 0 or more; got {bad.size} negative "
            f"{'value' if bad.size == 1 else 'values'} (first: {values[first]:g} at "
            f"{frame.describe_row(first, context)}). Check the source data for sign errors."
        )


def require_finite(
    frame: InputFrame,
    values: np.ndarray,
    column: str,
    role: str,
    context: Sequence[str] = (),
) -> None:
    """Infinite values are structural errors."""
    bad = np.flatnonzero(np.isinf(values))
    if bad.size:
        first = int(bad[0])
        raise InputError(
            f"{role} column {column!r} must hold finite numbers; got {bad.size} infinite "
            f"{'value' if bad.size == 1 else 'values'} (first at "
            f"{frame.describe_row(first, context)}). Check for division by zero upstream."
        )


def no_reserved_names(group_by: Sequence[str], reserved: Iterable[str]) -> None:
    """A group column may not share a name with an output column."""
    clash = sorted(set(group_by) & set(reserved))
    if clash:
        raise InputError(
            f"group_by columns must not use the output column names {clash}; got "
            f"group_by={list(group_by)}. Rename those columns before calling."
        )


def whole_number(value: Any, name: str, minimum: int, example: str) -> int:
    """A whole number (an int, or a float with no fractional part) of at least ``minimum``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or not float(value).is_integer()
        or int(float(value)) < minimum
    ):
        raise InputError(
            f"{name} must be a whole number of at least {minimum}; got {value!r}. "
            f"Use e.g. {name}={example}."
        )
    return int(float(value))


#: What a statistic does with a structural problem in some groups' rows.
ON_INVALID = ("raise", "suppress")


class RowChecks:
    """Row-level structural checks, worded once, that raise or suppress their groups.

    With ``on_invalid="raise"`` (the default of every statistic) each check raises the
    :class:`InputError` of :func:`numeric_column`, :func:`require_finite` or
    :func:`require_non_negative`, unchanged. With ``on_invalid="suppress"`` the offending
    values become NaN, the rows are remembered with a reason, and :meth:`flag` later
    suppresses every group holding such a row, first of all its reasons, so that one
    bad group never stops a batch run. The checks are vectorised: one pass over each
    column, one :func:`numpy.bincount` per reason.
    """

    def __init__(
        self, frame: InputFrame, context: Sequence[str] = (), on_invalid: str = "raise"
    ) -> None:
        self.frame = frame
        self.context = list(context)
        self.suppress = one_of(on_invalid, "on_invalid", ON_INVALID) == "suppress"
        self._found: list[tuple[str, np.ndarray]] = []

    def numeric(self, column: str, role: str) -> np.ndarray:
        """Column as float64; text that is not a number raises or marks its row."""
        if not self.suppress:
            return numeric_column(self.frame, column, role, self.context)
        series = self.frame.df[column]
        if pd.api.types.is_bool_dtype(series):
            return numeric_column(self.frame, column, role, self.context)  # whole column wrong
        if pd.api.types.is_numeric_dtype(series):
            # a writable copy: the checks below may blank values in place
            return np.array(series.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna() & (series.astype(str).str.strip() != "")
        self.mark(bad.to_numpy(), f"{role} is text, not a number (column {column!r})")
        return np.array(converted.to_numpy(dtype=float, na_value=np.nan), dtype=float)

    def finite(self, values: np.ndarray, column: str, role: str) -> None:
        """Infinite values raise, or become NaN and mark their rows."""
        if not self.suppress:
            require_finite(self.frame, values, column, role, self.context)
            return
        bad = np.isinf(values)
        if bad.any():
            self.mark(bad, f"{role} is infinite (column {column!r})")
            values[bad] = np.nan

    def non_negative(self, values: np.ndarray, column: str, role: str) -> None:
        """Negative values raise, or become NaN and mark their rows."""
        if not self.suppress:
            require_non_negative(self.frame, values, column, role, self.context)
            return
        bad = values < 0
        if bad.any():
            self.mark(bad, f"{role} is negative (column {column!r})")
            values[bad] = np.nan

    def numbers(self, column: str, role: str, *, non_negative: bool = True) -> np.ndarray:
        """:meth:`numeric`, :meth:`finite` and (by default) :meth:`non_negative` in one."""
        values = self.numeric(column, role)
        self.finite(values, column, role)
        if non_negative:
            self.non_negative(values, column, role)
        return values

    def limits(self, lower: str, upper: str) -> tuple[np.ndarray, np.ndarray]:
        """Two limit columns as numbers, the lower never above the upper: a swapped pair
        raises, or (suppress) becomes NaN and marks its row."""
        lo = self.numbers(lower, "lower", non_negative=False)
        hi = self.numbers(upper, "upper", non_negative=False)
        swapped = lo > hi
        bad = np.flatnonzero(swapped)
        if bad.size:
            first = int(bad[0])
            self.rule(
                swapped,
                f"lower limit exceeds upper limit (columns {lower!r}, {upper!r})",
                InputError(
                    f"lower column {lower!r} must not exceed upper column {upper!r}; got "
                    f"{bad.size} {'row' if bad.size == 1 else 'rows'} where it does (first: "
                    f"{lo[first]:g} > {hi[first]:g} at "
                    f"{self.frame.describe_row(first, self.context)}). Check that the two "
                    "columns are not swapped."
                ),
            )
            lo[swapped] = np.nan
            hi[swapped] = np.nan
        return lo, hi

    def rule(self, bad: np.ndarray, reason: str, error: InputError) -> None:
        """A statistic's own row rule: raise ``error``, or mark the ``bad`` rows."""
        bad = np.asarray(bad, dtype=bool)
        if not bad.any():
            return
        if not self.suppress:
            raise error
        self.mark(bad, reason)

    def mark(self, bad: np.ndarray, reason: str) -> None:
        """Remember rows to suppress for ``reason`` (suppress mode)."""
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            self._found.append((reason, bad))

    @property
    def rows(self) -> np.ndarray:
        """True for every row marked by some check."""
        out = np.zeros(len(self.frame), dtype=bool)
        for _, bad in self._found:
            out |= bad
        return out

    def flag(self, suppression: Any, codes: np.ndarray | None = None, prefix: str = "") -> None:
        """Suppress each group holding a marked row, before any other reason.

        ``codes`` maps rows to the entries of ``suppression`` when they are not the
        suppression's own group codes; ``prefix`` starts each reason (e.g. which of two
        populations it concerns).
        """
        codes = suppression.groups.codes if codes is None else codes
        for reason, hit in self.groups(codes, suppression.groups.n):
            suppression.flag(hit, prefix + reason)

    def groups(self, codes: np.ndarray, n: int) -> list[tuple[str, np.ndarray]]:
        """Each reason with the groups (of ``n``, rows mapped by ``codes``) it hits."""
        ok = codes >= 0
        return [
            (reason, np.bincount(codes[ok], weights=bad[ok].astype(float), minlength=n) > 0)
            for reason, bad in self._found
        ]
