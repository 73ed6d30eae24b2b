"""Means with Student t limits (METHODS.md section 3)."""

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
)
from healthgap.stats.results import StatResult

#: Output column for the sample standard deviation (k - 1 denominator).
SD = "sd"

REFERENCES = (
    "Student (1908). The probable error of a mean. Biometrika 6(1):1-25.",
    "Altman DG, Machin D, Bryant TN, Gardner MJ (2000). Statistics with Confidence, "
    "2nd ed. BMJ Books (chapter 4, means).",
    "OHID. Fingertips technical guidance: confidence intervals for means.",
)


def mean(
    data: Any,
    value: str,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    on_invalid: str = "raise",
) -> StatResult:
    """Mean of a column per group with Student t confidence limits.

    For the k non-missing values x_1..x_k of a group (METHODS.md section 3)::

        value = sum(x) / k
        sd    = sqrt(sum((x - value)^2) / (k - 1))
        lower, upper = value -/+ t(1 - alpha/2, k - 1) * sd / sqrt(k)

    The sum of squares is computed in two passes (with the usual correction term) so
    that large, nearly equal values keep their precision.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per observation.
    value:
        Column of numbers to average, e.g. a score or a measurement per person.
    group_by:
        Column name(s) defining the groups; ``None`` treats all rows as one group.
    confidence:
        One level or several, as proportions (0.95) or percentages (95); default (0.95, 0.998).
    on_invalid:
        ``"raise"`` (default): text or infinite values raise
        :class:`~healthgap.errors.InputError`. ``"suppress"``: their group is suppressed
        with the reason and the other groups are computed (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``count`` (number of non-missing values),
        ``value`` (the mean), ``sd`` (standard deviation), ``lower_95_0``, ``upper_95_0``,
        ``lower_99_8``, ``upper_99_8``, ``suppressed`` and ``suppression_reason``.

    Raises
    ------
    InputError
        When a column is missing, holds text or holds an infinite value.

    Missing values
    --------------
    Empty cells (NaN) are left out of the mean of their group, and a note on the result
    (``result.notes``) says how many were left out and where the first one was. This is
    the usual convention for means and differs from a peer that returns NaN for the whole
    group.

    Suppression
    -----------
    A group with fewer than 2 non-missing values is suppressed ("fewer than 2 values":
    its standard deviation and limits do not exist), with one combined
    ``SuppressionWarning``.

    References
    ----------
    Student (1908), Biometrika 6:1-25. Altman DG et al. (2000), Statistics with
    Confidence, 2nd ed. OHID Fingertips technical guidance.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"area": ["A"] * 4 + ["B"] * 3, "score": [3, 5, 4, 8, 10, 12, 11]})
    >>> out = healthgap.mean(df, "score", group_by="area", confidence=0.95).to_frame()
    >>> out[["area", "count", "value", "sd", "lower_95_0", "upper_95_0"]].round(3)
      area  count  value    sd  lower_95_0  upper_95_0
    0    A      4    5.0  2.16       1.563       8.437
    1    B      3   11.0  1.00       8.516      13.484
    """
    levels = confidence_levels(confidence)
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    frame.require([value, *keys], ["value"] + ["group_by"] * len(keys))
    no_reserved_names(
        keys,
        [
            col.COUNT,
            col.VALUE,
            SD,
            col.SUPPRESSED,
            col.SUPPRESSION_REASON,
            *col.limit_columns(levels),
        ],
    )
    checks = RowChecks(frame, keys, on_invalid)
    x_row = checks.numbers(value, "value", non_negative=False)

    groups = Groups.of(frame, keys)
    present = ~np.isnan(x_row)
    k = np.bincount(groups.codes, weights=present.astype(float), minlength=groups.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = groups.sum(x_row) / k
        dev = np.where(present, x_row - centre[groups.codes], 0.0)
        # Corrected two-pass sum of squares (Chan, Golub & LeVeque 1983).
        dev_sum = np.bincount(groups.codes, weights=dev, minlength=groups.n)
        ss = np.bincount(groups.codes, weights=dev * dev, minlength=groups.n) - dev_sum**2 / k
        avg = centre + dev_sum / k
        sd = np.sqrt(np.maximum(ss, 0.0) / (k - 1))
    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(k < 2, "fewer than 2 values")

    limits = {c: intervals.t_limits(avg, sd, k, c) for c in levels}
    sd_out = sd.copy()
    suppression.apply(sd_out)
    table = assemble(
        groups, {col.COUNT: k.astype(np.int64)}, avg, limits, suppression, extra={SD: sd_out}
    )
    order = [c for c in table.columns if c != SD]
    order.insert(order.index(col.VALUE) + 1, SD)  # count, value, sd, limits
    table = table[order]
    suppression.warn("mean")

    notes: tuple[str, ...] = ()
    missing = np.flatnonzero(~present & ~checks.rows)
    if missing.size:
        notes = (
            f"{missing.size} missing {'value was' if missing.size == 1 else 'values were'} "
            f"left out (first at {frame.describe_row(int(missing[0]), keys)}).",
        )
    return StatResult(
        table=table,
        statistic="Mean",
        method="Student's t",
        confidence=levels,
        references=REFERENCES,
        notes=notes,
        kind=frame.kind,
    )
