"""Money to the penny: pounds <-> pence and largest-remainder (Hamilton) rounding.

Every amount the allocation engine reports is a whole number of pence held in an
``int64`` array, and every set of amounts that shares out a total adds up to that total
exactly. The rule that makes this true is stated once, in :func:`largest_remainder`.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np

from healthgap.errors import InputError
from healthgap.formatting import pounds  # noqa: F401  (re-exported for allocate)

#: Amounts are held as float quotas before rounding; above 2**53 pence a float can no
#: longer hold every whole penny, so totals are limited to this (about £90 trillion).
MAX_PENCE = 2**53

#: Remainders are compared to this many decimal places of a penny, so that two quotas
#: which are equal in exact arithmetic but differ by floating-point noise count as tied.
REMAINDER_DECIMALS = 6

RULE = (
    "largest remainder (Hamilton): each amount is first rounded down to the penny; the "
    "pennies left over go one each to the amounts with the largest remainders (compared "
    f"to {REMAINDER_DECIMALS} decimal places of a penny); equal remainders go to the area "
    "that comes first in area-code order"
)


def pence_from_pounds(value: Any, what: str, remedy: str = "") -> int:
    """An amount in pounds (int, float, Decimal or text such as ``"1,250.50"``) as pence.

    More than two decimal places, negative, infinite or non-numeric amounts raise
    :class:`InputError` naming ``what``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str | Decimal):
        raise InputError(
            f"{what} must be an amount in pounds; got {value!r}. "
            f"Give a number such as 1250000 or 1250000.50.{remedy}"
        )
    text = str(value).strip().replace(",", "").replace("_", "").removeprefix("£")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InputError(
            f"{what} must be an amount in pounds; got {value!r}. "
            f"Give a number such as 1250000 or 1250000.50.{remedy}"
        ) from None
    if not amount.is_finite() or amount < 0:
        raise InputError(f"{what} must be 0 or more pounds; got {value!r}.{remedy}")
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise InputError(
            f"{what} must be in pounds with at most 2 decimal places; got {value!r}. "
            f"Round it to the penny.{remedy}"
        )
    whole = int(pence)
    if whole >= MAX_PENCE:
        raise InputError(
            f"{what} must be less than £{MAX_PENCE // 100:,}; got {value!r}. "
            f"Amounts this large cannot be held to the penny.{remedy}"
        )
    return whole


def grow(amounts: np.ndarray, rate: float, direction: str) -> np.ndarray:
    """``amounts * (1 + rate)`` in whole pence, exactly, rounded up or down.

    ``rate`` is read as the decimal it was written as (0.02 is exactly 2/100), so
    ``100 * (1 + 0.02)`` is exactly 102, not 102.00000000000001 rounded up to 103.
    ``direction`` is ``"up"`` (ceiling, for floors) or ``"down"`` (floor, for ceilings).
    """
    factor = 1 + Fraction(repr(float(rate)))
    num, den = factor.numerator, factor.denominator
    a = np.asarray(amounts, dtype=np.int64)
    biggest = int(np.abs(a).max(initial=0))
    if biggest * max(num, den) < 2**62:
        scaled = a * np.int64(num)
        if direction == "up":
            return -((-scaled) // np.int64(den))
        return scaled // np.int64(den)
    # Exact Python integers when int64 could overflow (rare: very precise rates).
    obj = a.astype(object) * num
    out = -((-obj) // den) if direction == "up" else obj // den
    return np.asarray(out, dtype=np.int64)


def grow_total(total: int, rate: float) -> int:
    """``total * (1 + rate)`` rounded to the nearest penny, halves away from zero."""
    exact = Decimal(total) * (1 + Decimal(repr(float(rate))))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def largest_remainder(
    quotas: Any,
    total: int,
    lower: Any = None,
    upper: Any = None,
    *,
    residuals: Any = None,
) -> np.ndarray:
    """Round ``quotas`` to whole numbers that add up to ``total`` exactly (Hamilton's method).

    Rule: every quota is rounded down; the ``total - sum(rounded down)`` units left over
    go one each to the quotas with the largest fractional remainders. Remainders are
    compared to six decimal places, and equal remainders go to the quota that comes first
    (the engine passes areas in area-code order, so ties go to the lower area code).
    When floating-point error leaves a unit too many or too few, the same ranking is used
    (smallest remainders give a unit back first).

    Optional ``lower``/``upper`` bounds (whole numbers, with lower <= quota <= upper) are
    kept: a quota already at its upper bound never receives a leftover unit, and one at
    its lower bound never gives one back. This is how pace-of-change floors and ceilings
    survive rounding.

    Parameters
    ----------
    quotas:
        Non-negative finite numbers (e.g. share x total in pence).
    total:
        The whole number the results must add up to.
    lower, upper:
        Optional whole-number bounds per quota.
    residuals:
        Optional low-order parts of the quotas (the exact quota is ``quota + residual``,
        as :func:`two_product` gives), used for the rounding down and the remainders.

    Returns
    -------
    numpy.ndarray
        ``int64`` amounts with ``sum == total``.

    References
    ----------
    Balinski ML, Young HP (2001). *Fair Representation: Meeting the Ideal of One Man, One
    Vote*, 2nd ed. Brookings Institution Press (Hamilton's method).

    Examples
    --------
    The largest-remainder example from Wikipedia ("Largest remainder method"): 100,000
    votes, 10 seats.

    >>> from healthgap.allocate import largest_remainder
    >>> votes = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100]
    >>> largest_remainder([v / 10_000 for v in votes], 10).tolist()
    [5, 2, 1, 1, 1, 0]
    """
    q = np.asarray(quotas, dtype=float)
    if q.ndim != 1:
        raise InputError(f"quotas must be a one-dimensional list of numbers; got shape {q.shape}.")
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        bad = int(np.flatnonzero(~np.isfinite(q) | (q < 0))[0])
        raise InputError(
            f"quotas must be finite numbers of 0 or more; got {q[bad]:g} at position {bad + 1}."
        )
    if isinstance(total, bool) or not isinstance(total, numbers.Integral) or total < 0:
        raise InputError(f"total must be a whole number of 0 or more; got {total!r}.")
    total = int(total)
    n = q.size
    whole = np.floor(q)
    fraction = q - whole  # exact: q and its floor are within 1 of each other
    if residuals is not None:
        # q + residual is the exact quota: an integral q with a negative residual lies
        # just below that integer, and the residual refines the remainder.
        r = np.asarray(residuals, dtype=float)
        below = (fraction == 0) & (r < 0)
        whole = whole - below
        fraction = np.where(below, 1.0, fraction) + r
    base = whole.astype(np.int64)
    lo = np.zeros(n, dtype=np.int64) if lower is None else np.asarray(lower, dtype=np.int64)
    hi = None if upper is None else np.asarray(upper, dtype=np.int64)
    base = np.maximum(base, lo)
    if hi is not None:
        base = np.minimum(base, hi)
    remainder = np.round(fraction, REMAINDER_DECIMALS)
    left = total - int(base.sum())
    if left == 0:
        return base
    position = np.arange(n)
    if left > 0:
        # Largest remainder first; ties to the earlier position (lexsort: last key primary).
        order = np.lexsort((position, -remainder))
        while left > 0:
            room = order if hi is None else order[base[order] < hi[order]]
            if room.size == 0:
                raise InputError(
                    f"the upper bounds must add up to at least the total; got "
                    f"{int(base.sum()):,} against a total of {total:,}."
                )
            take = room[:left]
            base[take] += 1
            left -= take.size
    else:
        order = np.lexsort((-position, remainder))
        while left < 0:
            room = order[base[order] > lo[order]]
            if room.size == 0:
                raise InputError(
                    f"the lower bounds must add up to at most the total; got "
                    f"{int(base.sum()):,} against a total of {total:,}."
                )
            take = room[:-left]
            base[take] -= 1
            left += take.size
    return base


def two_product(a: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    """``a * b`` as ``(product, error)`` with ``product + error`` exactly the real product.

    Dekker's error-free transformation with Veltkamp splitting (no fused multiply-add
    needed): ``product`` is the rounded float product and ``error`` what rounding lost.

    References
    ----------
    Dekker TJ (1971). A floating-point technique for extending the available precision.
    *Numerische Mathematik* 18:224-242.

    Examples
    --------
    >>> from fractions import Fraction
    >>> p, e = two_product(np.array([0.1]), 3.0)
    >>> Fraction(float(p[0])) + Fraction(float(e[0])) == Fraction(0.1) * 3
    True
    """
    x = np.asarray(a, dtype=float)
    p = x * b
    split = 134217729.0  # 2**27 + 1
    cx = split * x
    xh = cx - (cx - x)
    xl = x - xh
    cb = split * b
    bh = cb - (cb - b)
    bl = b - bh
    e = xl * bl - (((p - xh * bh) - xl * bh) - xh * bl)
    return p, e


def apportion(shares: np.ndarray, total: int) -> np.ndarray:
    """Share ``total`` pence out in proportion to ``shares`` (which sum to about 1).

    When the shares add up to 1 (to 1e-12) each quota is ``share * total`` computed
    without rounding error (:func:`two_product`), so the largest-remainder ranking is
    that of the exact quotas and does not depend on floating-point noise; otherwise the
    shares are first divided by their sum.
    """
    s = np.asarray(shares, dtype=float)
    weight = s.sum()
    if not math.isfinite(weight) or weight <= 0:
        raise InputError(f"shares must add up to more than 0; got {weight:g}.")
    if abs(weight - 1.0) <= 1e-12:
        quotas, residuals = two_product(s, float(total))
        return largest_remainder(quotas, total, residuals=residuals)
    return largest_remainder(s / weight * total, total)
