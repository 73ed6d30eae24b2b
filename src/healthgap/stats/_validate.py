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


def confidence_levels(confidence: float | Iterable[float]) -> tuple[float, ...]:
    """Validate ``confidence`` and return it as a tuple of distinct floats in (0, 1)."""
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
    for c in levels:
        if (
            isinstance(c, bool)
            or not isinstance(c, numbers.Real)
            or not math.isfinite(float(c))
            or not 0 < float(c) < 1
        ):
            hint = f" Did you mean {float(c) / 100:g}?" if _looks_like_percent(c) else ""
            raise InputError(
                f"confidence must be between 0 and 1 (exclusive); got {c!r}. "
                f"Give a proportion such as 0.95.{hint}"
            )
    out = tuple(float(c) for c in levels)
    if len(set(out)) != len(out):
        raise InputError(
            f"confidence levels must be distinct; got {out}. Remove the repeated level."
        )
    return out


def _looks_like_percent(c: Any) -> bool:
    return isinstance(c, numbers.Real) and 1 < float(c) < 100


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
