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
from dataclasses import dataclass
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
    RowChecks,
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

RATE_TYPES: tuple[str, ...] = ("crude", "dsr")
RATIO_TYPES: tuple[str, ...] = ("isr", "count")
#: DSRs from fewer events are not published, so their points are labelled, not flagged.
MIN_DSR_EVENTS = 10
FEWER_EVENTS = "not applicable: fewer than 10 events (DSR)"

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


@dataclass(frozen=True)
class Scale:
    """How a funnel reads its inputs and shows its values (the options beyond statistic).

    * ``rate_type="dsr"`` (rates): the points are directly standardised rates given in a
      ``rate`` column with their event counts; each point's person-years are taken as
      events / rate x multiplier (the population that gives that rate from those events,
      as PHEindicatormethods does), and points with fewer than 10 events are labelled,
      not flagged.
    * ``ratio_type="count"`` (ratios): values, limits and target are shown as
      (O/E - 1) x multiplier, the excess over expected, instead of O/E x multiplier.
    * ``years_of_data`` (rates): the denominator is an annual population and the
      numerator counts events over this many years; rates are per year,
      x / (n x years) x multiplier, and the funnel's denominator axis stays annual.
    """

    statistic: FunnelStatistic
    multiplier: float
    rate_type: str = "crude"
    ratio_type: str = "isr"
    years: float = 1.0

    @property
    def shift(self) -> float:
        """Subtracted from every value shown: the multiplier for count ratios, else 0."""
        return self.multiplier if self.statistic == "ratio" and self.ratio_type == "count" else 0.0

    @property
    def dsr(self) -> bool:
        return self.statistic == "rate" and self.rate_type == "dsr"


def _scale(
    statistic: Any, multiplier: Any, rate_type: Any, ratio_type: Any, years_of_data: Any
) -> Scale:
    stat, m = _statistic_and_multiplier(statistic, multiplier)
    rt = one_of(rate_type, "rate_type", RATE_TYPES)
    qt = one_of(ratio_type, "ratio_type", RATIO_TYPES)
    years = positive_number(years_of_data, "years_of_data", "3")
    if rt != "crude" and stat != "rate":
        raise InputError(
            f"rate_type must be 'crude' unless statistic is 'rate'; got rate_type={rt!r} with "
            f"statistic={stat!r}."
        )
    if qt != "isr" and stat != "ratio":
        raise InputError(
            f"ratio_type must be 'isr' unless statistic is 'ratio'; got ratio_type={qt!r} with "
            f"statistic={stat!r}."
        )
    if years != 1 and stat != "rate":
        raise InputError(
            f"years_of_data applies to rates only; got years_of_data={years:g} with "
            f"statistic={stat!r}. Leave it at 1."
        )
    return Scale(stat, m, rt, qt, years)


def _resolve_target(
    target: Any,
    x_row: np.ndarray,
    n_row: np.ndarray,
    statistic: str,
    m: float,
    shift: float = 0.0,
) -> tuple[float, str]:
    """The target on the ratio (unshifted) scale, and a note saying where it came from.

    A given target is on the output scale, so a count ratio's target is shifted back.
    """
    if target is not None and shift:
        if (
            isinstance(target, bool)
            or not isinstance(target, numbers.Real)
            or not np.isfinite(float(target))
            or float(target) < -shift
        ):
            raise InputError(
                f"target must be a number of at least {-shift:g} for a count ratio "
                f"((O/E - 1) x {m:g}); got {target!r}. Use target=0 for 'as expected'."
            )
        return float(target) + shift, f"target {float(target):.6g} (given)."
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
    data: Any,
    numerator: str,
    denominator: str | None,
    scale: Scale,
    keys: list[str],
    rate: str | None = None,
    on_invalid: str = "raise",
) -> tuple[InputFrame, np.ndarray, np.ndarray, RowChecks]:
    """Numerators and person-years (the denominators the limits use), row by row."""
    frame = InputFrame.of(data)
    if scale.dsr:
        if rate is None:
            raise InputError(
                "rate must name the column of directly standardised rates when "
                "rate_type='dsr'; got rate=None. Pass e.g. rate='dsr' (the denominator "
                "is then derived from the events and the rate)."
            )
        frame.require([numerator, rate, *keys], ["numerator", "rate"] + ["group_by"] * len(keys))
        checks = RowChecks(frame, keys, on_invalid)
        x_row = checks.numbers(numerator, "numerator")
        r_row = checks.numbers(rate, "rate")
        with np.errstate(divide="ignore", invalid="ignore"):
            n_row = np.where(r_row > 0, x_row / r_row * scale.multiplier, np.nan)
        return frame, x_row, n_row, checks
    if denominator is None:
        raise InputError(
            "denominator must name a column unless rate_type='dsr'; got None. Pass e.g. "
            "denominator='population'."
        )
    frame.require(
        [numerator, denominator, *keys], ["numerator", "denominator"] + ["group_by"] * len(keys)
    )
    checks = RowChecks(frame, keys, on_invalid)
    x_row, n_row = count_columns(
        frame,
        numerator,
        denominator,
        keys,
        numerator_at_most_denominator=scale.statistic == "proportion",
        checks=checks,
    )
    return frame, x_row, n_row * scale.years, checks


def _label(sc: Scale) -> str:
    m = sc.multiplier
    if sc.statistic == "rate":
        return ("DSR" if sc.dsr else "rate") + multiplier_label(m)
    if sc.statistic == "ratio":
        base = "ratio" if m == 1 else f"ratio x {m:g}"
        return base + (" (count scale: O/E - 1)" if sc.shift else "")
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
    *,
    rate: str | None = None,
    rate_type: str = "crude",
    ratio_type: str = "isr",
    years_of_data: float = 1,
    on_invalid: str = "raise",
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
    rate, rate_type, ratio_type, years_of_data:
        DSR points (``rate_type="dsr"`` with the ``rate`` column and no denominator), the
        count scale for ratios (``ratio_type="count"``: (O/E - 1) x multiplier) and rates
        over several years (``years_of_data``: the denominator is annual); see
        :class:`Scale`.
    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text, negative or infinite values (and a
        numerator above its denominator for proportions) raise, or leave those rows out
        of the target (here) and suppress their points (:func:`funnel_significance`).

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
    sc = _scale(statistic, multiplier, rate_type, ratio_type, years_of_data)
    stat, m = sc.statistic, sc.multiplier
    frame, x_row, n_row, checks = _rows(data, numerator, denominator, sc, [], rate, on_invalid)
    bad = checks.rows
    x_row, n_row = np.where(bad, np.nan, x_row), np.where(bad, np.nan, n_row)
    t, note = _resolve_target(target, x_row, n_row, stat, m, sc.shift)
    grid = _denominators(denominators, points, n_row / sc.years)

    table = pd.DataFrame({col.DENOMINATOR: grid, TARGET: np.full(grid.shape, t - sc.shift)})
    for c in levels:
        lo, hi = control_limits(grid * sc.years, t, stat, m, c)
        table[col.lower(c)] = lo - sc.shift
        table[col.upper(c)] = hi - sc.shift
    return StatResult(
        table=table,
        statistic=f"Funnel plot control limits: {_label(sc)}",
        method=_METHOD[stat],
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        notes=(note, *_scale_notes(sc)),
        kind=frame.kind,
        parameters=_parameters(sc, t),
    )


def _scale_notes(sc: Scale) -> tuple[str, ...]:
    notes = []
    if sc.years != 1:
        notes.append(
            f"{sc.years:g} years of data: denominators are annual, rates are per year "
            "(person-years = denominator x years)."
        )
    if sc.dsr:
        notes.append(
            "DSR points: person-years derived as events / rate x multiplier; points with "
            f"fewer than {MIN_DSR_EVENTS} events are labelled, not flagged."
        )
    if sc.shift:
        notes.append(f"count scale: values are (observed / expected - 1) x {sc.multiplier:g}.")
    return tuple(notes)


def _parameters(sc: Scale, t: float) -> dict[str, Any]:
    return {
        "statistic": sc.statistic,
        "target": t - sc.shift,
        "rate_type": sc.rate_type,
        "ratio_type": sc.ratio_type,
        "years_of_data": sc.years,
    }


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
    *,
    rate: str | None = None,
    rate_type: str = "crude",
    ratio_type: str = "isr",
    years_of_data: float = 1,
    on_invalid: str = "raise",
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
    rate, rate_type, ratio_type, years_of_data, on_invalid:
        As for :func:`funnel_limits`. DSR points with fewer than 10 events get the
        significance ``"not applicable: fewer than 10 events (DSR)"``.

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
    sc = _scale(statistic, multiplier, rate_type, ratio_type, years_of_data)
    stat, m = sc.statistic, sc.multiplier
    keys = normalise_group_by(group_by)
    frame, x_row, n_row, checks = _rows(data, numerator, denominator, sc, keys, rate, on_invalid)
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
    bad = checks.rows
    t, note = _resolve_target(
        target, np.where(bad, np.nan, x_row), np.where(bad, np.nan, n_row), stat, m, sc.shift
    )

    groups = Groups.of(frame, keys)
    x = groups.sum(x_row)
    n = groups.sum(n_row)
    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(groups.any(np.isnan(x_row)), "numerator is missing")
    if sc.dsr:
        suppression.flag(groups.any(np.isnan(n_row)), "rate is missing or 0")
    else:
        suppression.flag(groups.any(np.isnan(n_row)), "denominator is missing")
        suppression.flag(n <= 0, "denominator is 0")

    value, limits, labels = _points(x, n, sc, t, levels)
    labels[suppression.mask] = None
    table = assemble(
        groups,
        {col.NUMERATOR: x, col.DENOMINATOR: n / sc.years},
        value,
        limits,
        suppression,
        extra={TARGET: np.full(groups.n, t - sc.shift), SIGNIFICANCE: labels},
    )
    table[SIGNIFICANCE] = pd.Series(labels, dtype=object)  # None, not NaN, when suppressed
    suppression.warn("funnel_significance")
    return StatResult(
        table=table,
        statistic=f"Funnel plot significance: {_label(sc)}",
        method=_METHOD[stat],
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        notes=(note, *_scale_notes(sc)),
        kind=frame.kind,
        parameters=_parameters(sc, t),
    )


def _points(
    x: np.ndarray, person_years: np.ndarray, sc: Scale, t: float, levels: Sequence[float]
) -> tuple[np.ndarray, dict[float, tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Values, own limits and labels of points, shown on the output scale."""
    m = sc.multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        value = x / person_years * m
    limits = {c: point_limits(x, person_years, sc.statistic, m, c) for c in levels}
    labels = significance_labels(limits, t, x.size)
    if sc.dsr:
        labels[x < MIN_DSR_EVENTS] = FEWER_EVENTS
    shown = {c: (lo - sc.shift, hi - sc.shift) for c, (lo, hi) in limits.items()}
    return value - sc.shift, shown, labels


def point_significance(
    numerator: ArrayLike,
    denominator: ArrayLike | None,
    statistic: FunnelStatistic,
    target: float,
    multiplier: float | None = None,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    rate: ArrayLike | None = None,
    rate_type: str = "crude",
    ratio_type: str = "isr",
    years_of_data: float = 1,
) -> np.ndarray:
    """The funnel significance of points given as arrays (or single numbers).

    The same rule and labels as :func:`funnel_significance` without a data frame: one
    label per point, e.g. ``"high (99.8%)"``, ``"not significant"``, ``"low (95%)"``, or
    ``"not applicable: fewer than 10 events (DSR)"``. ``target`` is required, on the
    output scale; the other options are those of :func:`funnel_limits`. Numbers must be
    finite and 0 or more; a point with a denominator (or DSR) of 0 gets ``None``.

    >>> point_significance([30, 80, 15], [200, 400, 210], "proportion", target=0.1577)
    array(['not significant', 'high (95%)', 'low (99.8%)'], dtype=object)
    >>> point_significance(5, None, "rate", 150.0, rate=50.0, rate_type="dsr").tolist()
    ['not applicable: fewer than 10 events (DSR)']
    """
    levels = confidence_levels(confidence)
    sc = _scale(statistic, multiplier, rate_type, ratio_type, years_of_data)
    x = _points_array(numerator, "numerator")
    if sc.dsr:
        if rate is None:
            raise InputError(
                "rate must be given when rate_type='dsr'; got None. Pass the points' DSRs."
            )
        r = _points_array(rate, "rate", x.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            py = np.where(r > 0, x / r * sc.multiplier, np.nan)
    else:
        if denominator is None:
            raise InputError(
                "denominator must be given unless rate_type='dsr'; got None. Pass the "
                "points' denominators."
            )
        py = _points_array(denominator, "denominator", x.size) * sc.years
        if sc.statistic == "proportion" and np.any(x > py):
            raise InputError(
                "numerator must be at most the denominator for proportions; got "
                f"{int(np.sum(x > py))} points where it is larger. Check the arrays."
            )
    t, _ = _resolve_target(target, x, py, sc.statistic, sc.multiplier, sc.shift)
    _, _, labels = _points(x, py, sc, t, levels)
    labels[~(py > 0)] = None
    return labels


def _points_array(values: ArrayLike, name: str, size: int | None = None) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError):
        arr = np.array([np.nan])
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or (size is not None and arr.size != size):
        need = f" and {size} of them (one per numerator)" if size is not None else ""
        raise InputError(
            f"{name} must be finite numbers of 0 or more{need}; got {values!r}. Pass one "
            "number per point."
        )
    return arr
