"""A target's status, aware of its due date: on track / off track before it, met / not met
after it, "too early to say" when the data cannot tell yet.

The rules (:func:`due_status`), for a target to reach ``target_value`` by the end of
``target_year`` from a baseline period:

1. **Data for the due year are published** (a period ending in or after the target year;
   the first such period is the *due period*): "met" when its estimate reaches the target
   (at or above it when higher is better, at or below when lower is better), else
   "not met". The reason says whether the confidence interval excludes the target (a
   difference beyond sampling error) or includes it.
2. **The due date has passed but those data are not published yet**: "too early to say".
3. **Before the due date**, with data after the baseline period: the trajectory is the
   straight line from the baseline estimate (at the baseline period's end year) to the
   target (at the target year). "off track" when the latest estimate's interval lies
   wholly on the wrong side of the trajectory's value at the latest period's end year;
   "on track" otherwise (the interval reaches the trajectory, or is better). Without
   limits the estimate alone decides, and the reason says so.
4. **Before the due date, no data after the baseline**: "too early to say".

Periods are placed at their end year here (a three-year period 2022-2024 counts for 2024):
"by 2030" is judged on the first published period that includes 2030.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from healthgap.errors import InputError

ON_TRACK = "on track"
OFF_TRACK = "off track"
MET = "met"
NOT_MET = "not met"
TOO_EARLY = "too early to say"
NOT_ASSESSED = "not assessed"
#: Every status a target can have, in the order a summary lists them.
STATUSES = (MET, NOT_MET, ON_TRACK, OFF_TRACK, TOO_EARLY, NOT_ASSESSED)
TARGET_POLARITIES = ("higher_is_better", "lower_is_better")


@dataclass(frozen=True)
class DueStatus:
    """A target's status word, the reason in a sentence, and the numbers behind it."""

    status: str
    reason: str
    period: str | None = None
    value: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    expected: float = math.nan


def status_counts(statuses: Iterable[str]) -> list[tuple[str, int]]:
    """How many targets have each status, in the order of :data:`STATUSES` (statuses
    no target has are left out): what the targets page, the profile and scorecard pages
    and the annual report summarise.

    >>> status_counts(["on track", "met", "on track", "not assessed"])
    [('met', 1), ('on track', 2), ('not assessed', 1)]
    """
    counted = Counter(statuses)
    unknown = sorted(set(counted) - set(STATUSES))
    if unknown:
        raise InputError(
            f"status must be one of {', '.join(STATUSES)}; got {unknown[0]!r}. Statuses come "
            "from due_status."
        )
    return [(s, counted[s]) for s in STATUSES if counted[s]]


def _fmt(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _interval(lo: float, hi: float) -> str:
    return f"95% interval {_fmt(lo)} to {_fmt(hi)}"


def due_status(
    *,
    periods: list[str],
    ends: np.ndarray,
    values: np.ndarray,
    lowers: np.ndarray,
    uppers: np.ndarray,
    baseline_period: str,
    target_value: float,
    target_year: int,
    polarity: str,
    as_of_year: int,
) -> DueStatus:
    """The status of one target from its series (sorted by period end; see the module).

    Examples
    --------
    >>> import numpy as np
    >>> s = due_status(periods=["2011-2013", "2020-2022"], ends=np.array([2013, 2022]),
    ...                values=np.array([60.0, 64.0]), lowers=np.array([59.0, 63.5]),
    ...                uppers=np.array([61.0, 64.5]), baseline_period="2011-2013",
    ...                target_value=66.0, target_year=2025, polarity="higher_is_better",
    ...                as_of_year=2024)
    >>> s.status, s.expected
    ('on track', 64.5)
    """
    if polarity not in TARGET_POLARITIES:
        raise InputError(
            f"polarity must be one of {', '.join(TARGET_POLARITIES)}; got {polarity!r}."
        )
    higher = polarity == "higher_is_better"
    ends = np.asarray(ends, dtype=float)
    if baseline_period not in periods:
        return DueStatus(
            NOT_ASSESSED,
            f"the baseline period {baseline_period} is not in the data any more",
        )
    b = periods.index(baseline_period)
    due = np.flatnonzero(ends >= target_year)
    if due.size:
        i = int(due[0])
        v, lo, hi = float(values[i]), float(lowers[i]), float(uppers[i])
        reached = v >= target_value if higher else v <= target_value
        word = MET if reached else NOT_MET
        if math.isfinite(lo) and math.isfinite(hi):
            inside = lo <= target_value <= hi
            how = (
                f"the {_interval(lo, hi)} includes the target, so the difference is within "
                "sampling error"
                if inside
                else f"the {_interval(lo, hi)} excludes the target"
            )
        else:
            how = "no confidence interval is published, so the estimate alone decides"
        reason = (
            f"{_fmt(v)} in {periods[i]} (the first period including {target_year}) "
            f"{'reaches' if reached else 'falls short of'} the target {_fmt(target_value)}; "
            f"{how}"
        )
        return DueStatus(word, reason, periods[i], v, lo, hi, float(target_value))
    last = len(periods) - 1
    # the latest estimate is shown with every status, "too early to say" included
    v, lo, hi = float(values[last]), float(lowers[last]), float(uppers[last])
    if as_of_year > target_year:
        return DueStatus(
            TOO_EARLY,
            f"the target year {target_year} has passed but its data are not published yet "
            f"(latest: {periods[last]})",
            periods[last],
            v,
            lo,
            hi,
        )
    if last <= b or ends[last] <= ends[b]:
        return DueStatus(
            TOO_EARLY,
            f"there are no data after the baseline period {baseline_period} yet",
            periods[last],
            v,
            lo,
            hi,
        )
    span = float(target_year) - ends[b]
    base = float(values[b])
    expected = base + (float(target_value) - base) * (ends[last] - ends[b]) / span
    if math.isfinite(lo) and math.isfinite(hi):
        worse = hi < expected if higher else lo > expected
        where = _interval(lo, hi)
    else:
        worse = v < expected if higher else v > expected
        where = "no confidence interval published, so the estimate alone decides"
    word = OFF_TRACK if worse else ON_TRACK
    side = ("wholly below" if higher else "wholly above") if worse else "reaching or better than"
    reason = (
        f"{_fmt(v)} in {periods[last]} ({where}) is {side} the trajectory's "
        f"{_fmt(expected)} for {int(ends[last])} (a straight line from {_fmt(base)} in "
        f"{baseline_period} to {_fmt(target_value)} by {target_year})"
    )
    return DueStatus(word, reason, periods[last], v, lo, hi, float(expected))
