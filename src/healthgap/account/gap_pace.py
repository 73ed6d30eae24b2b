"""Is the regional gap closing, and what would halving it take?

Two questions a mayor's adviser asks before any target year is chosen:

*Is the gap narrowing?* :func:`gap_trend` fits the weighted least-squares line of
:func:`healthgap.account.trajectory.project_trend` through the gap in periods that share no
year and tests its slope: the gap is "narrowing" when the whole confidence interval of the
slope is below zero, "widening" when it is wholly above, and "no clear change" otherwise.

*What would it take?* :func:`what_it_takes` answers for a chosen target year. If the region
with the highest value held its latest level, the region with the lowest value would have to
gain ``(latest gap - target gap) / (target year - latest middle year)`` years a year. That
pace is set beside the fastest gain any region has achieved over a comparable span: the
change between two periods of the series whose start years are ``span`` apart (``span`` is
the years left to the target, capped at the longest span the series holds), divided by
``span``, with a confidence interval from the two periods' published limits (standard
errors from the limits, combined in quadrature; the periods must not overlap, so the two
estimates are independent). Readers judge feasibility from the two numbers; the verdict
says where the required pace lies: at or below the fastest gain seen ("within what regions
have achieved"), above it but inside its confidence interval ("about as fast as the fastest
region has achieved"), or beyond its upper limit ("faster than any region has achieved").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special  # t quantiles: stdtrit is scipy.stats.t.ppf, bit for bit

from healthgap.account.trajectory import MIN_POINTS, non_overlapping, project_trend
from healthgap.stats import intervals

NARROWING = "narrowing"
WIDENING = "widening"
NO_CLEAR_CHANGE = "no clear change"
TOO_FEW = "too few periods"

BEYOND = "faster than any region has achieved"
AT_EDGE = "about as fast as the fastest region has achieved"
WITHIN = "within what regions have achieved"
ALREADY = "already met"


@dataclass(frozen=True)
class GapTrend:
    """The gap's yearly change, its confidence interval and the verdict of the test.

    ``slope`` is the change in the gap per year (negative: narrowing), fitted on
    ``n_points`` non-overlapping periods with ``df`` residual degrees of freedom; the
    interval is the t interval of the slope at ``confidence`` (variances inflated by the
    residual scatter, as in the projection). With fewer than ``MIN_POINTS`` periods all
    numbers are NaN and ``verdict`` is ``"too few periods"``.
    """

    sex: str
    slope: float
    lower: float
    upper: float
    confidence: float
    n_points: int
    df: int
    first_period: str
    last_period: str
    verdict: str
    sentence: str


@dataclass(frozen=True)
class Pace:
    """What halving the gap by a target year would take, beside the fastest gain seen."""

    sex: str
    target_year: int
    years_left: float
    latest_period: str
    latest_gap: float
    target_gap: float
    lowest_region: str
    highest_region: str
    required_per_year: float
    span_years: int
    fastest_region: str
    fastest_from: str
    fastest_to: str
    fastest_per_year: float
    fastest_lower: float
    fastest_upper: float
    confidence: float
    verdict: str
    sentence: str


def gap_trend(
    gaps: pd.DataFrame, sex: str, *, confidence: float = 0.95, min_points: int = MIN_POINTS
) -> GapTrend:
    """Test whether one sex's gap is narrowing: the slope over non-overlapping periods.

    ``gaps`` has the columns of :attr:`MissionResult.gaps` (``sex``, ``period``,
    ``period_start``, ``period_end``, ``time``, ``gap``, ``se``).

    Examples
    --------
    >>> import pandas as pd
    >>> start = [2011, 2014, 2017, 2020]
    >>> g = pd.DataFrame({"sex": "Male", "period": [f"{s}-{s + 2}" for s in start],
    ...                   "period_start": start, "period_end": [s + 2 for s in start],
    ...                   "time": [s + 1.0 for s in start], "gap": [7.0, 6.1, 5.0, 4.2],
    ...                   "se": 0.3})
    >>> t = gap_trend(g, "Male")
    >>> round(t.slope, 3), t.verdict
    (-0.317, 'narrowing')
    """
    g = gaps[gaps["sex"] == sex].sort_values("period_start")
    keep = non_overlapping(g["period_start"].to_numpy(), g["period_end"].to_numpy())
    used = g[keep]
    proj = project_trend(
        used["time"].to_numpy(),
        used["gap"].to_numpy(),
        used["se"].to_numpy(),
        at=float(g["time"].max()),
        confidence=confidence,
        min_points=min_points,
    )
    first = str(used["period"].iloc[0]) if len(used) else ""
    last = str(used["period"].iloc[-1]) if len(used) else ""
    pct = f"{confidence * 100:g}%"
    if not proj.available:
        nan = float("nan")
        return GapTrend(
            sex, nan, nan, nan, confidence, proj.n_points, proj.df, first, last, TOO_FEW,
            f"Too few periods to judge the {sex.lower()} trend: {proj.reason}.",
        )  # fmt: skip
    q = float(special.stdtrit(proj.df, 0.5 + confidence / 2))
    lower = proj.slope - q * proj.slope_se
    upper = proj.slope + q * proj.slope_se
    if upper < 0:
        verdict = NARROWING
        lead = f"The {sex.lower()} gap is narrowing significantly"
    elif lower > 0:
        verdict = WIDENING
        lead = f"The {sex.lower()} gap is widening significantly"
    else:
        verdict = NO_CLEAR_CHANGE
        lead = f"The {sex.lower()} gap shows no clear change"
    sentence = (
        f"{lead}: {proj.slope:+.2f} years a year ({pct} CI {lower:+.2f} to {upper:+.2f}), "
        f"from {proj.n_points} non-overlapping periods between {first} and {last}."
    )
    return GapTrend(
        sex, proj.slope, lower, upper, confidence, proj.n_points, proj.df, first, last,
        verdict, sentence,
    )  # fmt: skip


def fastest_gain(
    regions: pd.DataFrame, sex: str, span: int, *, confidence: float = 0.95
) -> pd.Series:
    """The fastest yearly gain of any region between two periods ``span`` years apart.

    ``regions`` has one row per region, sex and period: ``area_name``, ``sex``, ``period``,
    ``period_start``, ``period_end``, ``value``, ``lower_95_0``, ``upper_95_0``. Returns a
    Series with ``region``, ``from``, ``to``, ``per_year``, ``lower``, ``upper`` (all pairs
    of periods whose start years differ by ``span`` are compared; every region at once).
    """
    r = regions[regions["sex"] == sex]
    se = intervals.se_from_limits(r["lower_95_0"], r["upper_95_0"], 0.95)
    r = r.assign(se=np.asarray(se, dtype=float))
    later = r.assign(period_start=r["period_start"] - span)
    pairs = r.merge(later, on=["area_name", "period_start"], suffixes=("_from", "_to"))
    if pairs.empty:
        nan = float("nan")
        return pd.Series(
            {"region": "", "from": "", "to": "", "per_year": nan, "lower": nan, "upper": nan}
        )
    per_year = (pairs["value_to"] - pairs["value_from"]) / span
    se_year = np.sqrt(pairs["se_from"].to_numpy() ** 2 + pairs["se_to"].to_numpy() ** 2) / span
    best = int(np.argmax(per_year.to_numpy()))
    z = intervals.z_value(confidence)
    row = pairs.iloc[best]
    v = float(per_year.iloc[best])
    s = float(se_year[best])
    return pd.Series(
        {
            "region": str(row["area_name"]),
            "from": str(row["period_from"]),
            "to": str(row["period_to"]),
            "per_year": v,
            "lower": v - z * s,
            "upper": v + z * s,
        }
    )


def what_it_takes(
    gaps: pd.DataFrame,
    regions: pd.DataFrame,
    sex: str,
    *,
    target_gap: float,
    target_year: int,
    confidence: float = 0.95,
) -> Pace:
    """The yearly gain the lowest region needs to reach ``target_gap`` by ``target_year``.

    ``gaps`` as in :func:`gap_trend` plus ``highest``/``lowest`` (region names, the range
    definition); ``regions`` as in :func:`fastest_gain`.
    """
    g = gaps[gaps["sex"] == sex].sort_values("period_start")
    last = g.iloc[-1]
    years_left = float(target_year) - float(last["time"])
    starts = regions.loc[regions["sex"] == sex, "period_start"]
    longest = int(starts.max() - starts.min())
    # periods 3 years long must not overlap: at least 3 years apart
    span = int(min(max(round(years_left), 3), longest))
    fast = fastest_gain(regions, sex, span, confidence=confidence)
    latest_gap = float(last["gap"])
    needed = latest_gap - target_gap
    required = needed / years_left if years_left > 0 else float("inf")
    pct = f"{confidence * 100:g}%"
    lowest = str(last.get("lowest", "") or "the lowest region")
    highest = str(last.get("highest", "") or "the highest region")
    if needed <= 0:
        verdict = ALREADY
        sentence = (
            f"The latest {sex.lower()} gap ({latest_gap:.2f} years, {last['period']}) is "
            f"already at or below the target of {target_gap:.2f} years."
        )
        required = 0.0
    else:
        if not math.isfinite(fast["per_year"]):
            verdict = ""
        elif required > fast["upper"]:
            verdict = BEYOND
        elif required > fast["per_year"]:
            verdict = AT_EDGE
        else:
            verdict = WITHIN
        sentence = (
            f"To halve the {sex.lower()} gap by {target_year}, {lowest} would need to gain "
            f"{required:.2f} years of healthy life expectancy a year from {last['period']} "
            f"(if {highest} stayed where it is). The fastest change any region achieved over "
            f"{span} years was {fast['per_year']:+.2f} years a year ({pct} CI "
            f"{fast['lower']:.2f} to {fast['upper']:.2f}; {fast['region']}, {fast['from']} to "
            f"{fast['to']})" + (f": the required pace is {verdict}." if verdict else ".")
        )
    return Pace(
        sex=sex,
        target_year=int(target_year),
        years_left=years_left,
        latest_period=str(last["period"]),
        latest_gap=latest_gap,
        target_gap=float(target_gap),
        lowest_region=lowest,
        highest_region=highest,
        required_per_year=required,
        span_years=span,
        fastest_region=str(fast["region"]),
        fastest_from=str(fast["from"]),
        fastest_to=str(fast["to"]),
        fastest_per_year=float(fast["per_year"]),
        fastest_lower=float(fast["lower"]),
        fastest_upper=float(fast["upper"]),
        confidence=confidence,
        verdict=verdict,
        sentence=sentence,
    )
