"""Crude rates: a count per population with Poisson limits (METHODS.md section 1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from healthgap.stats import _schema as col
from healthgap.stats import intervals
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._table import assemble
from healthgap.stats._validate import (
    DEFAULT_CONFIDENCE,
    RowChecks,
    confidence_levels,
    no_reserved_names,
    positive_number,
)
from healthgap.stats.results import StatResult

REFERENCES = (
    "Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II. IARC "
    "(Byar's method).",
    "Ulm K (1990). A simple method to calculate the confidence interval of a standardized "
    "mortality ratio. American Journal of Epidemiology 131(2):373-375 (exact method).",
    "OHID. Fingertips technical guidance: confidence intervals for rates.",
)


def crude_rate(
    data: Any,
    count: str,
    population: str,
    group_by: str | Sequence[str] | None = None,
    multiplier: float = 100_000,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    on_invalid: str = "raise",
) -> StatResult:
    """Crude rate per ``multiplier`` people with Poisson confidence limits.

    value = O / n * multiplier, where O is the sum of ``count`` and n the sum of
    ``population`` within each group. Limits are exact (chi-squared) for O < 10 and
    Byar's approximation for O >= 10, divided by n and scaled; the ``method`` column
    says which was used for each row. A count of 0 is valid (limits 0 to 3.69/n at 95%).

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one or more rows per group.
    count, population:
        Column names. Counts and populations must be 0 or more.
    group_by:
        Column name(s) defining the groups; ``None`` treats all rows as one group.
    multiplier:
        Scale of the rate, e.g. 100,000 for "per 100,000".
    confidence:
        One level or several, as proportions (0.95) or percentages (95); default
        (0.95, 0.998).
    on_invalid:
        ``"raise"`` (default): text, negative or infinite counts or populations raise
        :class:`~healthgap.errors.InputError`. ``"suppress"``: their group is suppressed
        with the reason and the other groups are computed (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``count``, ``population``, ``value``,
        ``lower_95_0``, ``upper_95_0``, ``lower_99_8``, ``upper_99_8``, ``method``,
        ``suppressed`` and ``suppression_reason``.

    Suppression
    -----------
    A group is suppressed (NaN with a reason, one combined ``SuppressionWarning``) when its
    population is 0, or when any of its count or population cells is missing.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"area": ["A", "B"], "deaths": [65, 0], "pop": [100_000, 50_000]})
    >>> healthgap.crude_rate(df, "deaths", "pop", group_by="area").to_frame()[["area", "value"]]
      area  value
    0    A   65.0
    1    B    0.0
    """
    levels = confidence_levels(confidence)
    m = positive_number(multiplier, "multiplier", "100_000")
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    frame.require([count, population, *keys], ["count", "population"] + ["group_by"] * len(keys))
    no_reserved_names(keys, [col.COUNT, col.POPULATION, col.VALUE, col.METHOD])
    checks = RowChecks(frame, keys, on_invalid)
    o_row = checks.numbers(count, "count")
    n_row = checks.numbers(population, "population")

    groups = Groups.of(frame, keys)
    o = groups.sum(o_row)
    n = groups.sum(n_row)
    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(groups.any(np.isnan(o_row)), "count is missing")
    suppression.flag(groups.any(np.isnan(n_row)), "population is missing")
    suppression.flag(n <= 0, "population is 0")

    with np.errstate(divide="ignore", invalid="ignore"):
        per = m / n
        value = o * per
        limits = {}
        for c in levels:
            lo, hi, _ = intervals.poisson_limits(o, c)
            limits[c] = (lo * per, hi * per)
    table = assemble(
        groups,
        {col.COUNT: o, col.POPULATION: n},
        value,
        limits,
        suppression,
        method=intervals.poisson_method(o),
    )
    suppression.warn("crude_rate")
    return StatResult(
        table=table,
        statistic=f"Crude rate per {m:,.0f}",
        method="Exact below 10, Byar's from 10",
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        kind=frame.kind,
    )
