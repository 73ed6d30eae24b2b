"""Reading the subgroup rows of :func:`inequality_measures`: numbers, limits and ranks.

Every structural check goes through :class:`~healthgap.stats._validate.RowChecks`, so with
``on_invalid="suppress"`` a bad row blanks its values and later suppresses its group (with
the reason) instead of stopping the whole call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthgap.errors import InputError
from healthgap.stats import intervals
from healthgap.stats._frames import InputFrame
from healthgap.stats._validate import RowChecks


@dataclass(frozen=True)
class Rows:
    y: np.ndarray
    pop: np.ndarray
    se: np.ndarray | None
    rank: np.ndarray | None


def read_rows(
    checks: RowChecks,
    value: str,
    population: str,
    subgroup: str,
    order: str | None,
    se: str | None,
    lower: str | None,
    upper: str | None,
    scale: float | None,
) -> Rows:
    """Estimates, populations, standard errors (from ``se`` or 95% limits) and ranks."""
    frame, keys = checks.frame, checks.context
    y = checks.numbers(value, "value", non_negative=False)
    pop = checks.numbers(population, "population")
    labels = frame.df[subgroup]
    if labels.isna().any():
        first = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise InputError(
            f"subgroup column {subgroup!r} must name every subgroup; got an empty label at "
            f"{frame.describe_row(first, keys)}. Fill in the label or drop the row."
        )
    if scale is not None:
        outside = (y < 0) | (y > scale)
        checks.rule(
            outside,
            f"value is outside 0 to proportion_scale {scale:g} (column {value!r})",
            _outside_error(frame, keys, y, outside, value, scale),
        )
        if outside.any():  # suppress mode (raise mode has raised): a writable copy
            y[outside] = np.nan
    s: np.ndarray | None = None
    if se is not None:
        s = checks.numbers(se, "se")
    elif lower is not None and upper is not None:
        lo = checks.numbers(lower, "lower", non_negative=False)
        hi = checks.numbers(upper, "upper", non_negative=False)
        swapped = hi < lo
        checks.rule(
            swapped,
            f"upper is below lower (columns {upper!r}, {lower!r})",
            _swapped_error(frame, keys, swapped, lower, upper),
        )
        s = intervals.se_from_limits(lo, hi, 0.95)
        s[swapped] = np.nan
    rank: np.ndarray | None = None
    if order is not None:
        rank = checks.numeric(order, "order")
        not_whole = ~np.isfinite(rank) | (rank != np.round(rank))
        checks.rule(
            not_whole,
            f"order is not a whole-number rank (column {order!r})",
            _rank_error(frame, keys, rank, not_whole, order),
        )
        if not_whole.any():
            rank[not_whole] = np.nan
    return Rows(y=y, pop=pop, se=s, rank=rank)


def _first(bad: np.ndarray) -> int:
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else 0


def _outside_error(
    frame: InputFrame, keys: list[str], y: np.ndarray, bad: np.ndarray, value: str, scale: float
) -> InputError:
    first, count = _first(bad), int(np.count_nonzero(bad))
    return InputError(
        f"value column {value!r} must lie between 0 and proportion_scale ({scale:g}); "
        f"got {count} {'value' if count == 1 else 'values'} outside (first: "
        f"{y[first]:g} at {frame.describe_row(first, keys)}). Check proportion_scale: "
        "100 for percentages, 1 for fractions."
    )


def _swapped_error(
    frame: InputFrame, keys: list[str], bad: np.ndarray, lower: str, upper: str
) -> InputError:
    first, count = _first(bad), int(np.count_nonzero(bad))
    return InputError(
        f"upper column {upper!r} must be at least lower column {lower!r}; got "
        f"{count} {'row' if count == 1 else 'rows'} where it is smaller (first "
        f"at {frame.describe_row(first, keys)}). Check the two columns are not swapped."
    )


def _rank_error(
    frame: InputFrame, keys: list[str], rank: np.ndarray, bad: np.ndarray, order: str
) -> InputError:
    first = _first(bad)
    return InputError(
        f"order column {order!r} must hold a whole-number rank for every subgroup "
        f"(1 = most disadvantaged); got {rank[first]:g} at "
        f"{frame.describe_row(first, keys)}. Rank the subgroups 1, 2, 3, ..."
    )
