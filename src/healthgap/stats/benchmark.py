"""Polarity and the comparison of an interval with a benchmark (Fingertips' rule).

:class:`Polarity` says whether a higher value of an indicator is better, worse or neither.
It is spelled several ways in the data and in specs: Fingertips' ``"RAG - High is good"`` /
``"RAG - Low is good"`` (stored in the ``polarity`` column), healthgap's
``"higher_is_better"`` / ``"lower_is_better"`` / ``"neutral"`` (targets, SPC, specs), and
plain ``"high is good"`` / ``"low is good"``. :meth:`Polarity.parse` is the one place that
reads them; anything else (``"BOB - Blue orange blue"``, ``"Not applicable"``, missing) is
neutral: no judgement.

:func:`compare_with_benchmark` is the one comparison of an interval with a benchmark value
(England, a parent area, a target): the interval wholly above or wholly below the benchmark is
a significant difference ("better"/"worse" by polarity, "higher"/"lower" when neutral);
an interval containing the benchmark, ends included, is "similar". :func:`compare_at_levels`
gives it at 95% and 99.8%, as Fingertips shows it.

References
----------
Office for Health Improvement and Disparities. Fingertips user guide: "Compared with
benchmark" (RAG and BOB comparisons by confidence interval overlap with the benchmark value).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

#: Words :func:`compare_with_benchmark` returns.
BETTER, WORSE, HIGHER, LOWER, SIMILAR, NOT_COMPARED = (
    "better",
    "worse",
    "higher",
    "lower",
    "similar",
    "not compared",
)


class Polarity(StrEnum):
    """Whether a higher value is better (``higher_is_better``), worse, or neither."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"

    @classmethod
    def parse(cls, value: Any) -> Polarity:
        """The polarity any known spelling names; neutral for anything else.

        Reads ``Polarity`` members, ``"higher_is_better"``/``"lower_is_better"``/
        ``"neutral"``, Fingertips' ``"RAG - High is good"``/``"RAG - Low is good"`` and
        any text containing ``"high is good"``/``"low is good"`` (any case, spaces around
        ignored). Missing values and other text (``"BOB - Blue orange blue"``,
        ``"Not applicable"``) are neutral.

        Examples
        --------
        >>> Polarity.parse("RAG - Low is good")
        <Polarity.LOWER_IS_BETTER: 'lower_is_better'>
        >>> Polarity.parse("higher_is_better") is Polarity.parse("High is good")
        True
        >>> Polarity.parse(None)
        <Polarity.NEUTRAL: 'neutral'>
        """
        if isinstance(value, Polarity):
            return value
        if not isinstance(value, str):
            return cls.NEUTRAL
        text = value.strip().lower()
        if text == cls.HIGHER_IS_BETTER or "high is good" in text:
            return cls.HIGHER_IS_BETTER
        if text == cls.LOWER_IS_BETTER or "low is good" in text:
            return cls.LOWER_IS_BETTER
        return cls.NEUTRAL

    @property
    def sign(self) -> float:
        """+1 when higher is better, -1 when lower is better, NaN when neutral."""
        return {"higher_is_better": 1.0, "lower_is_better": -1.0}.get(self.value, math.nan)


def _factorised(values: Any) -> tuple[np.ndarray, list[Polarity], tuple[int, ...]]:
    """Codes into the parsed distinct values (missing -> the last entry, neutral)."""
    arr = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(arr.ravel(), use_na_sentinel=True)
    parsed = [Polarity.parse(u) for u in uniques] + [Polarity.NEUTRAL]
    return np.where(codes < 0, len(parsed) - 1, codes), parsed, arr.shape


def parse_polarities(values: Any) -> np.ndarray:
    """:meth:`Polarity.parse` of every element (a scalar gives a 0-d array); each
    distinct spelling is parsed once."""
    codes, parsed, shape = _factorised(values)
    members = np.empty(len(parsed), dtype=object)
    members[:] = parsed
    return members[codes].reshape(shape)


def polarity_signs(values: Any) -> np.ndarray:
    """+1 (higher is better), -1 (lower is better) or NaN (neutral) for every element."""
    codes, parsed, shape = _factorised(values)
    return np.array([p.sign for p in parsed], dtype=float)[codes].reshape(shape)


def compare_with_benchmark(
    lower: ArrayLike, upper: ArrayLike, benchmark: ArrayLike, polarity: Any
) -> np.ndarray:
    """Each interval against its benchmark, by polarity (vectorised).

    Per row: ``"better"``/``"worse"`` when the interval lies wholly above or below the
    benchmark and the polarity says which is good; ``"higher"``/``"lower"`` for a neutral
    polarity; ``"similar"`` when the interval contains the benchmark (ends included);
    ``"not compared"`` when a limit or the benchmark is missing. ``polarity`` is one value
    or one per row, in any spelling :meth:`Polarity.parse` reads.

    Examples
    --------
    >>> compare_with_benchmark([63.2, 61.0, 10.0], [64.8, 62.9, 12.0], 63.0,
    ...                        ["RAG - High is good", "higher_is_better", None]).tolist()
    ['better', 'worse', 'lower']
    """
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    shape = np.broadcast_shapes(lo.shape, hi.shape, np.shape(benchmark))
    lo, hi = np.broadcast_to(lo, shape), np.broadcast_to(hi, shape)
    bench = np.broadcast_to(np.asarray(benchmark, dtype=float), shape)
    signs = np.broadcast_to(polarity_signs(polarity), shape)
    higher = lo > bench
    lower_ = hi < bench
    out = np.full(shape, SIMILAR, dtype=object)
    out[higher] = HIGHER
    out[lower_] = LOWER
    out[higher & (signs > 0)] = BETTER
    out[lower_ & (signs < 0)] = BETTER
    out[higher & (signs < 0)] = WORSE
    out[lower_ & (signs > 0)] = WORSE
    out[np.isnan(lo) | np.isnan(hi) | np.isnan(bench)] = NOT_COMPARED
    return out


def compare_at_levels(
    lower_95_0: ArrayLike,
    upper_95_0: ArrayLike,
    lower_99_8: ArrayLike,
    upper_99_8: ArrayLike,
    benchmark: ArrayLike,
    polarity: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`compare_with_benchmark` at 95% and at 99.8%, as Fingertips shows both."""
    return (
        compare_with_benchmark(lower_95_0, upper_95_0, benchmark, polarity),
        compare_with_benchmark(lower_99_8, upper_99_8, benchmark, polarity),
    )
