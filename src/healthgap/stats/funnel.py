"""Funnel plots: control limits around a target, and each point's significance (METHODS.md 15).

A point is significantly high at a confidence level when its own confidence interval
lies wholly above the target, and low when it lies wholly below. The control limits drawn
on a funnel plot are the same rule turned round: for each denominator, the values whose
interval just touches the target. The two functions here therefore always agree: a point
is flagged at a level exactly when it lies outside that level's control limits.

* Proportions use Wilson score intervals. Inverting the Wilson interval at a target P
  gives the familiar limits P -/+ z sqrt(P (1 - P) / n) (Spiegelhalter 2005), cut at 0
  and 1.
* Rates and ratios use exact (Garwood) Poisson intervals for the count O. With
  mu = target / multiplier * n the expected count, the upper control limit is the count
  O+ at which the exact lower limit of O+ equals mu, i.e. P(Gamma(O+) <= mu) = alpha/2,
  and the lower control limit the count O- at which the exact upper limit of O- equals mu,
  i.e. P(Gamma(O- + 1) <= mu) = 1 - alpha/2 (cut at 0); each is divided by n and scaled.
  These continuous counts are found with SciPy's inverse chi-squared distribution in its
  degrees of freedom (:func:`scipy.special.chdtriv`).

The default levels 0.95 and 0.998 are the "2 and 3 standard deviation" limits of
Fingertips funnel plots: one-sided 0.975 and 0.999, z = 1.96 and 3.09.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from healthgap.errors import InputError
from healthgap.stats import _schema as col
from healthgap.stats import intervals
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._table import assemble
from healthgap.stats._validate import (
    DEFAULT_CONFIDENCE,
    confidence_levels,
    no_reserved_names,
    one_of,
    positive_number,
    whole_number,
)
from healthgap.stats.proportion import count_columns, multiplier_label
from healthgap.stats.results import StatResult

FunnelStatistic = Literal["proportion", "rate", "ratio"]
STATISTICS: tuple[str, ...] = ("proportion", "rate", "ratio")

#: Multiplier used when none is given: proportions 0-1, rates per 100,000, ratios 1.
DEFAULT_MULTIPLIER = {"proportion": 1.0, "rate": 100_000.0, "ratio": 1.0}

#: Output columns.
TARGET = "target"
SIGNIFICANCE = "significance"
NOT_SIGNIFICANT = "not significant"

REFERENCES = (
    "Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. "
    "Statistics in Medicine 24(8):1185-1202.",
    "Flowers J (2007). Technical Briefing 2: Statistical process control methods in public "
    "health intelligence. Association of Public Health Observatories.",
    "Wilson EB (1927). Probable inference, the law of succession, and statistical "
    "inference. JASA 22:209-212 (proportions).",
    "Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika "
    "28:437-442 (rates and ratios).",
    "OHID. Fingertips technical guidance: funnel plots.",
)

_METHOD = {
    "proportion": "Wilson score, inverted at the target",
    "rate": "Exact Poisson, inverted at the target",
    "ratio": "Exact Poisson, inverted at the target",
}


# --- kernels -------------------------------------------------------------------------


def poisson_control_counts(expected: ArrayLike, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper control-limit counts around an expected count ``mu``.

    Upper: the (continuous) count O+ with P(Gamma(O+) <= mu) = alpha/2, so that the exact
    lower limit of O+ is mu. Lower: the count O- with P(Gamma(O- + 1) <= mu) = 1 - alpha/2,
    so that the exact upper limit of O- is mu; 0 when even O = 0 is not significantly
    low. Both are 0 when mu = 0.
    """
    mu = np.asarray(expected, dtype=float)
    alpha = 1.0 - confidence
    x = 2.0 * np.where(mu > 0, mu, 1.0)
    with np.errstate(invalid="ignore"):
        upper = special.chdtriv(alpha / 2.0, x) / 2.0
        lower = special.chdtriv(1.0 - alpha / 2.0, x) / 2.0 - 1.0
    upper = np.where(mu > 0, upper, 0.0)
    lower = np.where(mu > 0, np.maximum(lower, 0.0), 0.0)
    return lower, upper


def control_limits(
    denominator: ArrayLike,
    target: float,
    statistic: FunnelStatistic,
    multiplier: float,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Funnel control limits at each denominator, on the output scale.

    ``target`` is on the output scale (e.g. 15.8 for 15.8% with multiplier 100).
    Proportions: (P -/+ z sqrt(P (1 - P) / n)) * multiplier with P = target / multiplier,
    cut to [0, multiplier]. Rates and ratios: the exact Poisson control counts for
    mu = target / multiplier * n, divided by n and scaled.
    """
    n = np.asarray(denominator, dtype=float)
    p = target / multiplier
    if statistic == "proportion":
        z = intervals.z_value(confidence)
        half = z * np.sqrt(p * (1.0 - p) / n)
        lower = np.clip(p - half, 0.0, 1.0) * multiplier
        upper = np.clip(p + half, 0.0, 1.0) * multiplier
        return lower, upper
    o_lo, o_hi = poisson_control_counts(p * n, confidence)
    return o_lo / n * multiplier, o_hi / n * multiplier


def point_limits(
    numerator: ArrayLike,
    denominator: ArrayLike,
    statistic: FunnelStatistic,
    multiplier: float,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A point's own limits: Wilson for proportions, exact Poisson for rates and ratios."""
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "proportion":
            lo, hi = intervals.wilson_limits(x, n, confidence)
            return np.clip(lo, 0.0, 1.0) * multiplier, np.clip(hi, 0.0, 1.0) * multiplier
        scale = multiplier / n
        return intervals.exact_lower(x, confidence) * scale, intervals.exact_upper(
            x, confidence
        ) * scale


def significance_labels(
    limits: dict[float, tuple[np.ndarray, np.ndarray]], target: float, size: int
) -> np.ndarray:
    """``"high (99.8%)"``, ``"high (95%)"``, ``"not significant"``, ``"low (95%)"``, ...

    The most stringent level at which the point's interval excludes the target wins.
    """
    labels = np.full(size, NOT_SIGNIFICANT, dtype=object)
    for c in sorted(limits):  # least stringent first, so stricter levels overwrite
        lo, hi = limits[c]
        pct = f"{round(c * 100, 10):g}%"
        labels[lo > target] = f"high ({pct})"
        labels[hi < target] = f"low ({pct})"
    return labels


# --- shared argument handling ----------------------------------------------------------


def _statistic_and_multiplier(statistic: Any, multiplier: Any) -> tuple[FunnelStatistic, float]:
    stat = one_of(statistic, "statistic", STATISTICS)
    if multiplier is None:
        m = DEFAULT_MULTIPLIER[stat]
    else:
        m = positive_number(multiplier, "multiplier", "100" if stat != "rate" else "100_000")
    return stat, m  # type: ignore[return-value]


def _resolve_target(
    target: Any,
    x_row: np.ndarray,
    n_row: np.ndarray,
    statistic: str,
    m: float,
) -> tuple[float, str]:
    """The target on the output scale, and a note saying where it came from."""
    if target is not None:
        if (
            isinstance(target, bool)
            or not isinstance(target, numbers.Real)
            or not np.isfinite(float(target))
            or float(target) < 0
            or (statistic == "proportion" and float(target) > m)
        ):
            scale = (
                f"from 0 to {m:g} (the multiplier)" if statistic == "proportion" else "0 or more"
            )
            raise InputError(
                f"target must be a number {scale} for a {statistic}; got {target!r}. "
                "Give it on the same scale as the output, e.g. target="
                f"{0.2 * m if statistic == 'proportion' else m:g}."
            )
        return float(target), f"target {float(target):.6g} (given)."
    complete = ~np.isnan(x_row) & ~np.isnan(n_row)
    total_n = float(n_row[complete].sum())
    if total_n <= 0:
        raise InputError(
            "denominator must be greater than 0 in at least one row with a numerator to "
            "set the funnel target; got none. Check the data, or pass target= (e.g. the "
            "England value)."
        )
    t = float(x_row[complete].sum()) / total_n * m
    left_out = int((~complete).sum())
    note = (
        f"target {t:.6g}: the overall average, sum of numerators / sum of denominators "
        f"over {int(complete.sum())} rows"
    )
    if left_out:
        note += f" ({left_out} {'row' if left_out == 1 else 'rows'} with a missing value left out)"
    return t, note + "."


def _rows(
    data: Any, numerator: str, denominator: str, statistic: str, keys: list[str]
) -> tuple[InputFrame, np.ndarray, np.ndarray]:
    frame = InputFrame.of(data)
    frame.require(
        [numerator, denominator, *keys], ["numerator", "denominator"] + ["group_by"] * len(keys)
    )
    x_row, n_row = count_columns(
        frame, numerator, denominator, keys, numerator_at_most_denominator=statistic == "proportion"
    )
    return frame, x_row, n_row


def _label(statistic: str, m: float) -> str:
    if statistic == "rate":
        return "rate" + multiplier_label(m)
    if statistic == "ratio":
        return "ratio" if m == 1 else f"ratio x {m:g}"
    return "proportion" + multiplier_label(m)


# --- public functions ------------------------------------------------------------------


def funnel_limits(
    data: Any,
    numerator: str,
    denominator: str,
    statistic: FunnelStatistic,
    multiplier: float | None = None,
    target: float | None = None,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    denominators: ArrayLike | None = None,
    points: int = 100,
) -> StatResult:
    """Funnel plot control limits around a target, for a range of denominators.

    The target is the overall average of the data, sum(numerator) / sum(denominator) *
    multiplier, unless ``target`` is given. At each denominator n the limits are the
    values a point with that denominator must lie beyond to be significantly different
    from the target at each confidence level (see the module notes):

    * ``statistic="proportion"`` (Wilson-based): with P = target / multiplier,
      limits = (P -/+ z sqrt(P (1 - P) / n)) * multiplier, cut to [0, multiplier].
    * ``statistic="rate"`` or ``"ratio"`` (exact Poisson): with mu = target / multiplier
      * n, limits = O-(mu) / n * multiplier and O+(mu) / n * multiplier, where O+ solves
      P(Gamma(O+) <= mu) = alpha/2 and O- solves P(Gamma(O- + 1) <= mu) = 1 - alpha/2.

    For a ratio (e.g. an SMR) the numerator is the observed count and the denominator the
    expected count.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per point (area, provider).
    numerator, denominator:
        Column names: events (or people with the characteristic) and the population
        (or people measured, or the expected count for a ratio). 0 or more; for
        proportions each numerator at most its denominator.
    statistic:
        ``"proportion"``, ``"rate"`` or ``"ratio"``.
    multiplier:
        Output scale; default 1 for proportions and ratios, 100,000 for rates.
        Use 100 for percentages or for ratios shown as 100 = expected.
    target:
        Centre line on the output scale (e.g. the England value, or 1 for an SMR);
        default the overall average of ``data``.
    confidence:
        One level or several, as proportions or percentages; default (0.95, 0.998), the "2 and 3
        standard deviation" limits (one-sided 0.975 and 0.999).
    denominators:
        Denominators at which to compute the limits. Default: ``points`` values spaced
        evenly on a log scale from half the smallest to 1.1 times the largest
        denominator in the data.
    points:
        Number of default denominators (a whole number of at least 2).

    Returns
    -------
    StatResult
        ``to_frame()`` has ``denominator``, ``target``, then ``lower_95_0``,
        ``upper_95_0``, ``lower_99_8``, ``upper_99_8``: one row per denominator, ready
        to draw. ``notes`` says where the target came from; ``parameters`` holds it.

    Raises
    ------
    InputError
        For missing or non-numeric columns, negative or infinite values, a numerator
        larger than its denominator (proportions), invalid options, or data from which
        no target can be computed.

    Missing values
    --------------
    Rows with a missing numerator or denominator are left out of the overall average
    (the note says how many). Nothing is suppressed here; see
    :func:`funnel_significance` for the points.

    References
    ----------
    Spiegelhalter DJ (2005), Stat Med 24:1185-1202. Flowers J (2007), APHO Technical Briefing 2.
    Wilson EB (1927). Garwood F (1936). OHID Fingertips technical guidance.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"area": list("ABCD"), "x": [30, 50, 80, 15], "n": [200, 300, 400, 210]})
    >>> out = healthgap.funnel_limits(df, "x", "n", "proportion", multiplier=100,
    ...                               denominators=[100, 400])
    >>> out.to_frame().round(2)
       denominator  target  lower_95_0  upper_95_0  lower_99_8  upper_99_8
    0        100.0   15.77        8.62       22.91        4.50       27.03
    1        400.0   15.77       12.19       19.34       10.14       21.40
    """
    levels = confidence_levels(confidence)
    stat, m = _statistic_and_multiplier(statistic, multiplier)
    frame, x_row, n_row = _rows(data, numerator, denominator, stat, [])
    t, note = _resolve_target(target, x_row, n_row, stat, m)
    grid = _denominators(denominators, points, n_row)

    table = pd.DataFrame({col.DENOMINATOR: grid, TARGET: np.full(grid.shape, t)})
    for c in levels:
        lo, hi = control_limits(grid, t, stat, m, c)
        table[col.lower(c)] = lo
        table[col.upper(c)] = hi
    return StatResult(
        table=table,
        statistic=f"Funnel plot control limits: {_label(stat, m)}",
        method=_METHOD[stat],
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        notes=(note,),
        kind=frame.kind,
        parameters={"statistic": stat, "target": t},
    )


def _denominators(denominators: ArrayLike | None, points: Any, n_row: np.ndarray) -> np.ndarray:
    if denominators is not None:
        try:
            grid = np.asarray(denominators, dtype=float).ravel()
        except (TypeError, ValueError):
            grid = np.array([np.nan])
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
            raise InputError(
                "denominators must be a non-empty list of numbers greater than 0; got "
                f"{denominators!r}. Use e.g. denominators=[100, 1000, 10000]."
            )
        return grid
    k = whole_number(points, "points", 2, "100")
    positive = n_row[~np.isnan(n_row) & (n_row > 0)]
    if positive.size == 0:
        raise InputError(
            "denominator must be greater than 0 in at least one row to place the default "
            "denominators; got none. Pass denominators=[...] (e.g. [100, 1000, 10000])."
        )
    lo, hi = float(positive.min()) / 2.0, float(positive.max()) * 1.1
    grid = np.geomspace(lo, hi, k)
    grid[0], grid[-1] = lo, hi  # exact end points, free of rounding
    return grid


def funnel_significance(
    data: Any,
    numerator: str,
    denominator: str,
    statistic: FunnelStatistic,
    group_by: str | Sequence[str] | None = None,
    multiplier: float | None = None,
    target: float | None = None,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
) -> StatResult:
    """Each point's value, its own limits and whether it lies outside the funnel.

    Per group, x = sum(numerator) and n = sum(denominator); value = x / n * multiplier.
    The point's own limits are Wilson (proportions) or exact Poisson (rates and ratios,
    for every count, so that they match :func:`funnel_limits`). At each confidence level
    the point is "high" when its lower limit is above the target and "low" when its upper
    limit is below it; ``significance`` names the most stringent such level, e.g.
    ``"high (99.8%)"``, ``"high (95%)"``, ``"not significant"``, ``"low (95%)"``,
    ``"low (99.8%)"``. This is exactly "outside the control limits drawn by
    :func:`funnel_limits`" for the same data and target.

    Parameters
    ----------
    data, numerator, denominator, statistic, multiplier, target, confidence:
        As for :func:`funnel_limits`; the target is computed from all rows in the same way,
        so limits and flags agree.
    group_by:
        Column name(s) defining the points; ``None`` treats all rows as one point.

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``numerator``, ``denominator``, ``value``,
        the limit columns, ``target``, ``significance``, ``suppressed`` and
        ``suppression_reason``.

    Raises
    ------
    InputError
        As for :func:`funnel_limits`.

    Suppression
    -----------
    A point is suppressed (NaN, no significance, one combined ``SuppressionWarning``)
    when its denominator is 0 ("denominator is 0") or any of its numerator or
    denominator cells is missing ("numerator is missing", "denominator is missing").

    References
    ----------
    Spiegelhalter DJ (2005), Stat Med 24:1185-1202. Flowers J (2007), APHO Technical Briefing 2.
    OHID Fingertips technical guidance.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"area": list("ABCD"), "x": [30, 50, 80, 15], "n": [200, 300, 400, 210]})
    >>> out = healthgap.funnel_significance(df, "x", "n", "proportion", group_by="area")
    >>> out.to_frame()[["area", "value", "significance"]].round(3)
      area  value     significance
    0    A  0.150  not significant
    1    B  0.167  not significant
    2    C  0.200       high (95%)
    3    D  0.071     low (99.8%)
    """
    levels = confidence_levels(confidence)
    stat, m = _statistic_and_multiplier(statistic, multiplier)
    keys = normalise_group_by(group_by)
    frame, x_row, n_row = _rows(data, numerator, denominator, stat, keys)
    no_reserved_names(
        keys,
        [
            col.NUMERATOR,
            col.DENOMINATOR,
            col.VALUE,
            TARGET,
            SIGNIFICANCE,
            col.SUPPRESSED,
            col.SUPPRESSION_REASON,
            *col.limit_columns(levels),
        ],
    )
    t, note = _resolve_target(target, x_row, n_row, stat, m)

    groups = Groups.of(frame, keys)
    x = groups.sum(x_row)
    n = groups.sum(n_row)
    suppression = Suppression(groups)
    suppression.flag(groups.any(np.isnan(x_row)), "numerator is missing")
    suppression.flag(groups.any(np.isnan(n_row)), "denominator is missing")
    suppression.flag(n <= 0, "denominator is 0")

    with np.errstate(divide="ignore", invalid="ignore"):
        value = x / n * m
    limits = {c: point_limits(x, n, stat, m, c) for c in levels}
    labels = significance_labels(limits, t, groups.n)
    labels[suppression.mask] = None
    table = assemble(
        groups,
        {col.NUMERATOR: x, col.DENOMINATOR: n},
        value,
        limits,
        suppression,
        extra={TARGET: np.full(groups.n, t), SIGNIFICANCE: labels},
    )
    table[SIGNIFICANCE] = pd.Series(labels, dtype=object)  # None, not NaN, when suppressed
    suppression.warn("funnel_significance")
    return StatResult(
        table=table,
        statistic=f"Funnel plot significance: {_label(stat, m)}",
        method=_METHOD[stat],
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        notes=(note,),
        kind=frame.kind,
        parameters={"statistic": stat, "target": t},
    )
