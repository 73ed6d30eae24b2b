"""Plain-English statuses that claim only what the confidence limits support.

Two kinds of judgement:

* :func:`compare` — one estimate with its confidence interval against a fixed value (a
  target, a trajectory's expected value, or England): "better ... (significant)" when the
  whole interval is on the good side, "worse ... (significant)" when it is wholly on the bad
  side, "similar" when the interval contains the value. With ``polarity="neutral"`` the
  words are "higher" / "lower" / "similar". Not a naive RAG rating: a point estimate on the
  wrong side of the target with an interval that contains it is "similar", not "red".
* :func:`mission_status` — a gap that should fall to its target by a target time:
  "on track" / "off track" only when a projection's prediction interval lies wholly below /
  above the target; otherwise "not clear" or "too early to say", always with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from healthgap.account.trajectory import Projection
from healthgap.errors import InputError
from healthgap.stats.benchmark import SIMILAR, Polarity, compare_with_benchmark

POLARITIES: tuple[str, ...] = tuple(p.value for p in Polarity)

ON_TRACK = "on track"
OFF_TRACK = "off track"
NOT_CLEAR = "not clear"
TOO_EARLY = "too early to say"
MET = "met"
MISSED = "missed"


def check_polarity(polarity: str) -> str:
    """``polarity`` if it is one of :data:`POLARITIES`, else an InputError."""
    if polarity not in POLARITIES:
        raise InputError(
            f"polarity must be one of {', '.join(POLARITIES)}; got {polarity!r}. Use "
            "'lower_is_better' for e.g. mortality, 'higher_is_better' for life expectancy."
        )
    return polarity


def compare(
    value: float,
    lower: float,
    upper: float,
    reference: float,
    polarity: str,
    what: str = "target",
) -> str:
    """Where an estimate's confidence interval lies relative to ``reference``.

    Returns one of ``"better than <what> (significant)"``, ``"similar to <what>"``,
    ``"worse than <what> (significant)"`` (or ``"higher than ..."``/``"lower than ..."``
    for a neutral polarity), or ``"not assessed: ..."`` when a number is missing.
    An interval touching the reference counts as similar.

    Examples
    --------
    >>> from healthgap.account.status import compare
    >>> compare(64.0, 63.2, 64.8, 63.0, "higher_is_better")
    'better than target (significant)'
    >>> compare(62.8, 62.0, 63.6, 63.0, "higher_is_better", what="England")
    'similar to England'
    """
    check_polarity(polarity)
    if not all(math.isfinite(v) for v in (value, reference)):
        return f"not assessed: no value or no {what}"
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return "not assessed: no confidence limits"
    word = compare_with_benchmark(lower, upper, reference, polarity).item()
    if word == SIMILAR:
        return f"similar to {what}"
    return f"{word} than {what} (significant)"


@dataclass(frozen=True)
class Status:
    """A status word, the sentence a reader sees, and the reason behind it."""

    code: str
    sentence: str
    reason: str


def _years(x: float) -> str:
    return f"{x:.2f} years"


def mission_status(
    *,
    latest_period: str,
    latest_time: float,
    latest_gap: float,
    latest_lower: float,
    latest_upper: float,
    baseline_period: str,
    baseline_time: float,
    target: float,
    target_time: float,
    projection: Projection,
    confidence: float = 0.95,
    subject: str = "The gap",
) -> Status:
    """Status of a gap that should fall to ``target`` by ``target_time``.

    Rules, in order:

    1. The latest period is the baseline or earlier: "too early to say" (no data since).
    2. The latest period is at or after the target time: "met" when the gap's upper
       limit is below the target, "missed" when its lower limit is above it, else
       "not clear" (the interval contains the target).
    3. No projection (too few independent periods): "too early to say".
    4. The projection's prediction interval at the target time wholly at or below the
       target: "on track"; wholly above: "off track"; containing it: "not clear".

    Examples
    --------
    >>> import numpy as np
    >>> from healthgap.account.trajectory import project_trend
    >>> p = project_trend(np.array([2014., 2017, 2020, 2023]), np.array([6.0, 6.2, 6.5, 6.6]),
    ...                   np.array([0.4, 0.4, 0.4, 0.4]), at=2035)
    >>> s = mission_status(latest_period="2022-2024", latest_time=2023, latest_gap=6.6,
    ...                    latest_lower=5.8, latest_upper=7.4, baseline_period="2020-2022",
    ...                    baseline_time=2021, target=3.2, target_time=2035, projection=p)
    >>> s.code
    'not clear'
    """
    pct = f"{confidence * 100:g}%"
    gap_text = (
        f"{subject} in {latest_period} was {_years(latest_gap)} ({pct} CI "
        f"{latest_lower:.2f} to {latest_upper:.2f}); the target is {_years(target)}"
    )
    if latest_time <= baseline_time:
        reason = (
            f"there are no data after the baseline period {baseline_period} yet, so there is "
            "no progress to judge"
        )
        return Status(TOO_EARLY, f"Too early to say: {reason}. {gap_text}.", reason)
    if latest_time >= target_time:
        if latest_upper < target:
            reason = "the whole confidence interval of the latest gap is below the target"
            return Status(MET, f"Target met: {gap_text}; {reason}.", reason)
        if latest_lower > target:
            reason = "the whole confidence interval of the latest gap is above the target"
            return Status(MISSED, f"Target missed: {gap_text}; {reason}.", reason)
        reason = "the confidence interval of the latest gap includes the target"
        return Status(
            NOT_CLEAR, f"Not clear whether the target was met: {gap_text}; {reason}.", reason
        )
    if not projection.available:
        reason = projection.reason
        return Status(TOO_EARLY, f"Too early to say: {reason}. {gap_text}.", reason)
    when = f"{projection.time:g}"
    proj = (
        f"the trend projects {_years(projection.value)} by {when} ({pct} prediction interval "
        f"{projection.lower:.2f} to {projection.upper:.2f}, from {projection.n_points} "
        "non-overlapping periods)"
    )
    if projection.upper <= target:
        reason = f"{proj}, wholly at or below the target"
        return Status(ON_TRACK, f"On track: {gap_text}; {reason}.", reason)
    if projection.lower > target:
        reason = f"{proj}, wholly above the target"
        return Status(OFF_TRACK, f"Off track: {gap_text}; {reason}.", reason)
    reason = f"{proj}, which includes the target"
    return Status(NOT_CLEAR, f"Not clear: {gap_text}; {reason}.", reason)
