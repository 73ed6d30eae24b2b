"""Proportions with Wilson score limits (METHODS.md section 2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from healthgap.errors import InputError
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
    "Wilson EB (1927). Probable inference, the law of succession, and statistical "
    "inference. Journal of the American Statistical Association 22:209-212.",
    "Newcombe RG, Altman DG (2000). Proportions and their differences. In: Altman DG et al. "
    "(eds), Statistics with Confidence, 2nd ed. BMJ Books.",
    "OHID. Fingertips technical guidance: confidence intervals for proportions.",
)


def count_columns(
    frame: InputFrame,
    numerator: str,
    denominator: str,
    keys: Sequence[str],
    *,
    numerator_at_most_denominator: bool,
    checks: RowChecks | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator as float arrays, checked row by row.

    Text, infinite and negative values are structural errors. For proportions a row whose
    numerator exceeds its denominator is one too (it cannot be a part of a whole).
    Missing cells stay NaN: the caller suppresses their groups. With ``checks`` in
    suppress mode the structural errors mark their rows instead of raising.
    """
    checks = checks if checks is not None else RowChecks(frame, keys)
    x = checks.numbers(numerator, "numerator")
    n = checks.numbers(denominator, "denominator")
    if numerator_at_most_denominator:
        over = x > n
        bad = np.flatnonzero(over)
        if bad.size:
            first = int(bad[0])
            checks.rule(
                over,
                f"numerator is above the denominator (columns {numerator!r}, {denominator!r})",
                InputError(
                    f"numerator column {numerator!r} must be at most the denominator column "
                    f"{denominator!r}; got {bad.size} {'row' if bad.size == 1 else 'rows'} "
                    f"where it is larger (first: {x[first]:g} > {n[first]:g} at "
                    f"{frame.describe_row(first, keys)}). Check that the columns are not "
                    "swapped and that each row's numerator counts people within its "
                    "denominator."
                ),
            )
    return x, n


def multiplier_label(m: float) -> str:
    """``1`` -> ``""``, ``100`` -> ``" (%)"``, ``1000`` -> ``" per 1,000"``."""
    if m == 1:
        return ""
    if m == 100:
        return " (%)"
    return f" per {m:,.0f}" if float(m).is_integer() else f" per {m:,g}"


def proportion(
    data: Any,
    numerator: str,
    denominator: str,
    group_by: str | Sequence[str] | None = None,
    multiplier: float = 1,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    on_invalid: str = "raise",
) -> StatResult:
    """Proportion x/n per group with Wilson score confidence limits.

    value = x / n * multiplier, where x is the sum of ``numerator`` and n the sum of
    ``denominator`` within each group. The limits are Wilson's score interval
    (METHODS.md section 2), with z the two-sided normal quantile for each level::

        lower, upper = (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)) * multiplier

    They always lie within [0, multiplier], are never of zero width, and stay sensible
    for x = 0 and x = n (unlike the Wald interval).

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one or more rows per group.
    numerator, denominator:
        Column names: the people with the characteristic and the people it is measured
        in. Both must be 0 or more, and each row's numerator at most its denominator.
    group_by:
        Column name(s) defining the groups; ``None`` treats all rows as one group.
    multiplier:
        Scale of the output: 1 for a proportion (default), 100 for a percentage; any
        number greater than 0 is accepted (e.g. 1,000 for "per 1,000 births").
    confidence:
        One level or several, as proportions (0.95) or percentages (95); default
        (0.95, 0.998).
    on_invalid:
        ``"raise"`` (default): text, negative or infinite values, or a numerator above its
        denominator, raise :class:`~healthgap.errors.InputError`. ``"suppress"``: their
        group is suppressed with the reason and the other groups are computed
        (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``numerator``, ``denominator``, ``value``,
        ``lower_95_0``, ``upper_95_0``, ``lower_99_8``, ``upper_99_8``, ``suppressed``
        and ``suppression_reason``.

    Raises
    ------
    InputError
        When a column is missing or not numeric, a value is negative or infinite, or a
        row's numerator is larger than its denominator (the message names the row).

    Suppression
    -----------
    A group is suppressed (NaN with a reason, one combined ``SuppressionWarning``) when its
    denominator is 0 ("denominator is 0"), or when any of its numerator or denominator
    cells is missing ("numerator is missing", "denominator is missing").

    References
    ----------
    Wilson EB (1927), JASA 22:209-212. Newcombe RG, Altman DG (2000), Statistics with
    Confidence, 2nd ed. OHID Fingertips technical guidance.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"area": ["A", "B"], "smokers": [81, 15], "adults": [263, 148]})
    >>> out = healthgap.proportion(df, "smokers", "adults", group_by="area", multiplier=100)
    >>> out.to_frame()[["area", "value", "lower_95_0", "upper_95_0"]].round(2)
      area  value  lower_95_0  upper_95_0
    0    A  30.80       25.53       36.62
    1    B  10.14        6.24       16.05
    """
    levels = confidence_levels(confidence)
    m = positive_number(multiplier, "multiplier", "100")
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    frame.require(
        [numerator, denominator, *keys], ["numerator", "denominator"] + ["group_by"] * len(keys)
    )
    no_reserved_names(
        keys,
        [
            col.NUMERATOR,
            col.DENOMINATOR,
            col.VALUE,
            col.SUPPRESSED,
            col.SUPPRESSION_REASON,
            *col.limit_columns(levels),
        ],
    )
    checks = RowChecks(frame, keys, on_invalid)
    x_row, n_row = count_columns(
        frame, numerator, denominator, keys, numerator_at_most_denominator=True, checks=checks
    )

    groups = Groups.of(frame, keys)
    x = groups.sum(x_row)
    n = groups.sum(n_row)
    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(groups.any(np.isnan(x_row)), "numerator is missing")
    suppression.flag(groups.any(np.isnan(n_row)), "denominator is missing")
    suppression.flag(n <= 0, "denominator is 0")

    with np.errstate(divide="ignore", invalid="ignore"):
        value = x / n * m
        limits = {}
        for c in levels:
            lo, hi = intervals.wilson_limits(x, n, c)
            # The limits lie in [0, 1] exactly; clipping removes rounding at x = 0 and x = n.
            limits[c] = (np.clip(lo, 0.0, 1.0) * m, np.clip(hi, 0.0, 1.0) * m)
    table = assemble(groups, {col.NUMERATOR: x, col.DENOMINATOR: n}, value, limits, suppression)
    suppression.warn("proportion")
    return StatResult(
        table=table,
        statistic="Proportion" + multiplier_label(m),
        method="Wilson score",
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        kind=frame.kind,
    )
