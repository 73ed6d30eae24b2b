"""Statistical process control: XmR charts as in NHS England's "Making Data Count".

METHODS.md section 13. For each group (a chart) the periods are put in order and

* centre line = mean of the values (of the first ``baseline`` values if a baseline is set);
* moving range MR_t = |x_t - x_(t-1)|, mean(MR) over the same periods;
* process limits = mean -/+ 2.66 mean(MR); two-sigma lines = mean -/+ (2/3) 2.66 mean(MR).

Four special-cause rules mark points, each with a direction (high or low):

1. ``outside_limits``: a point above the upper or below the lower process limit;
2. ``shift``: a run of ``run_length`` or more consecutive points all above (or all below)
   the mean; a point exactly on the mean ends a run;
3. ``trend``: ``run_length`` or more consecutive points each higher (or each lower) than the
   one before; an unchanged value ends a trend; every point of the trend is marked;
4. ``two_of_three``: in any three consecutive points all on the same side of the mean, two
   or three lie beyond the two-sigma line on that side but not beyond the process limit;
   those points are marked.

The whole computation runs on one flat array sorted by group and period: group means and
moving ranges are :func:`numpy.bincount` sums, runs are found with cumulative sums over
run starts, and the two-of-three windows with shifted arrays, so there is no loop over
groups.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError, MethodWarning
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._validate import (
    no_reserved_names,
    numeric_column,
    one_of,
    require_finite,
    whole_number,
)
from healthgap.stats.results import StatResult

#: Making Data Count's scaling constant: 3 / d2 with d2 = 1.128 for ranges of two points.
LIMIT_FACTOR = 2.66
#: Run length for the shift and trend rules in METHODS.md (the Single Chart Tool allows 6).
DEFAULT_RUN_LENGTH = 7
#: Fewer points than this give "trial" limits (Making Data Count recommends 15 to 20).
RECOMMENDED_POINTS = 15

POLARITIES = ("higher_is_better", "lower_is_better", "neutral")

IMPROVING_HIGH = "improving high"
IMPROVING_LOW = "improving low"
CONCERNING_HIGH = "concerning high"
CONCERNING_LOW = "concerning low"
NEITHER_HIGH = "neither high"
NEITHER_LOW = "neither low"
COMMON_CAUSE = "common cause"

CONSISTENTLY_MET = "consistently met"
CONSISTENTLY_MISSED = "consistently missed"
HIT_AND_MISS = "hit and miss"
NO_TARGET = "no target"

#: Output columns besides the group and period columns, in order.
COLUMNS = (
    "value",
    "moving_range",
    "mean",
    "lower_process_limit",
    "upper_process_limit",
    "lower_two_sigma",
    "upper_two_sigma",
    "outside_limits",
    "shift",
    "trend",
    "two_of_three",
    "special_cause",
    "variation",
    "target",
    "assurance",
    "note",
    "suppressed",
    "suppression_reason",
)

REFERENCES = (
    "NHS England and NHS Improvement (2018). Making data count. "
    "https://www.england.nhs.uk/publication/making-data-count/",
    "NHS England and NHS Improvement (2019). Making data count: strengthening your "
    "decisions (summary icons for variation and assurance).",
    "Wheeler DJ (2000). Understanding Variation: the key to managing chaos, 2nd ed. "
    "SPC Press (XmR charts, the 2.66 scaling factor).",
)


def spc(
    data: Any,
    value: str,
    period: str,
    group_by: str | Sequence[str] | None = None,
    polarity: str = "neutral",
    target: float | str | None = None,
    baseline: int | None = None,
    run_length: int = DEFAULT_RUN_LENGTH,
    recommended_points: int = RECOMMENDED_POINTS,
) -> StatResult:
    """XmR statistical process control chart with Making Data Count rules and icons.

    For each group the rows are sorted by ``period``; the centre line is the mean,
    the process limits are mean -/+ 2.66 x mean moving range, where the moving range is
    MR_t = |x_t - x_(t-1)|, and the two-sigma lines are mean -/+ (2/3) x 2.66 x mean
    moving range. With ``baseline=k`` the mean and mean moving range come from the first
    k periods of each group only and the limits are extended over the later periods.

    Special cause (each flag is a column): a point outside the process limits; a *shift*
    of ``run_length`` or more points in a row on one side of the mean (a point on the
    mean ends the run); a *trend* of ``run_length`` or more points in a row each higher
    (or each lower) than the last (an unchanged value ends it); *two of three* points in
    a row beyond a two-sigma line, all three on that side of the mean (points beyond the
    process limit count only for the first rule).

    ``variation`` names the Making Data Count icon for each point: ``"improving high"``,
    ``"improving low"``, ``"concerning high"``, ``"concerning low"`` (with a polarity),
    ``"neither high"``, ``"neither low"`` (``polarity="neutral"``) or ``"common cause"``.
    A point marked by rules in both directions (a trend crossing the mean) is shown as
    improving, as the Making Data Count Excel tool does. The summary icon of a chart is
    the variation of its latest period. ``assurance`` (the same in every row of a group)
    compares the target with the process limits: beyond the limit on the good side,
    ``"consistently met"``; beyond the limit on the bad side, ``"consistently missed"``;
    between the limits (inclusive), ``"hit and miss"``; ``"no target"`` without one.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per group and period.
    value:
        Column of the measured values (any real numbers).
    period:
        Column giving the order of the points: numbers, dates or text that sorts in time
        order (e.g. ``"2024-03"``). Periods should be evenly spaced with no gaps.
    group_by:
        Column name(s) defining separate charts; ``None`` makes one chart of all rows.
    polarity:
        ``"higher_is_better"``, ``"lower_is_better"`` or ``"neutral"`` (default: no
        judgement of improvement or concern).
    target:
        A number, or the name of a column holding one target per group (rows with an
        empty target are ignored); ``None`` for no target. Needs a polarity.
    baseline:
        Fix the mean and limits on the first ``baseline`` periods of each group (2 or
        more); ``None`` uses every period.
    run_length:
        Points needed for a shift or a trend: 7 in METHODS.md, 6 or 7 in the Making Data
        Count Single Chart Tool.
    recommended_points:
        Groups whose limits rest on fewer points get a ``note`` ("trial limits") and one
        combined :class:`~healthgap.errors.MethodWarning`; default 15.

    Returns
    -------
    StatResult
        One row per group and period, sorted by group and period: the group columns, the
        period column, ``value``, ``moving_range``, ``mean``, ``lower_process_limit``,
        ``upper_process_limit``, ``lower_two_sigma``, ``upper_two_sigma``, the rule flags
        ``outside_limits``, ``shift``, ``trend``, ``two_of_three``, their union
        ``special_cause``, ``variation``, ``target``, ``assurance``, ``note``,
        ``suppressed`` and ``suppression_reason``.

    Suppression
    -----------
    A group is suppressed (one combined ``SuppressionWarning``; its computed columns are
    empty, its values are kept) when any of its values is missing (a gap would corrupt the
    moving ranges) or when it has fewer than 2 periods.

    Raises
    ------
    InputError
        A missing, duplicated or unsortable period; text or infinite values; a target that
        differs within a group; a target with ``polarity="neutral"``; bad options.

    References
    ----------
    NHS England and NHS Improvement (2018), *Making data count*; (2019) *Making data count:
    strengthening your decisions*. Wheeler DJ (2000), *Understanding Variation*.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"month": range(1, 16),
    ...                    "waits": [20, 24, 20, 26, 22, 16, 18, 16, 31, 28,
    ...                              34, 26, 30, 19, 18]})
    >>> chart = healthgap.spc(df, "waits", "month", polarity="lower_is_better", target=40)
    >>> table = chart.to_frame()
    >>> table.loc[0, ["mean", "lower_process_limit", "upper_process_limit"]].round(2).tolist()
    [23.2, 8.76, 37.64]
    >>> table["variation"].value_counts().to_dict()
    {'common cause': 15}
    >>> table["assurance"].iloc[-1]
    'consistently met'
    """
    polarity = one_of(polarity, "polarity", POLARITIES)
    base = None if baseline is None else whole_number(baseline, "baseline", 2, "20")
    run = whole_number(run_length, "run_length", 2, "7")
    recommended = whole_number(recommended_points, "recommended_points", 2, "15")
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    target_column = target if isinstance(target, str) else None
    columns = [value, period, *keys] + ([target_column] if target_column else [])
    roles = ["value", "period"] + ["group_by"] * len(keys) + (["target"] if target_column else [])
    frame.require(columns, roles)
    reserved = [*COLUMNS]
    no_reserved_names(keys, [*reserved, period])
    if period in reserved:
        raise InputError(
            f"period column must not use an output column name; got {period!r}. "
            "Rename that column before calling."
        )
    if target is not None and polarity == "neutral":
        raise InputError(
            f"target must come with polarity 'higher_is_better' or 'lower_is_better'; got "
            f"polarity 'neutral' and target={target!r}. Assurance compares the target with "
            "the process limits in the direction of improvement; give a polarity or drop "
            "the target."
        )
    x_row = numeric_column(frame, value, "value", keys)
    require_finite(frame, x_row, value, "value", keys)

    groups = Groups.of(frame, keys)
    order = _period_order(frame, period, keys, groups)
    g = groups.codes[order]
    x = x_row[order]
    n_rows = x.size
    size = groups.size()
    start = np.concatenate(([0], np.cumsum(size)[:-1])).astype(np.intp)
    pos = np.arange(n_rows) - start[g]

    suppression = Suppression(groups)
    suppression.flag(groups.any(np.isnan(x_row)), "value is missing")
    suppression.flag(size < 2, "fewer than 2 periods")
    bad_group = suppression.mask
    bad = bad_group[g]

    # Centre line and moving ranges from the baseline periods (all periods by default).
    n_base = np.minimum(size, base) if base is not None else size
    in_base = pos < n_base[g]
    first = x[np.minimum(start, n_rows - 1)] if n_rows else np.zeros(groups.n)
    # Mean as first value + mean deviation from it: a constant series gives its value
    # exactly, so no point of a flat series is ever "above" or "below" its own mean.
    dev = np.where(in_base & ~bad, x - first[g], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = first + np.bincount(g, weights=dev, minlength=groups.n) / n_base
        mr = np.full(n_rows, np.nan)
        mr[1:] = np.abs(np.diff(x))
        mr[pos == 0] = np.nan
        mr_base = np.where(in_base & (pos > 0) & ~bad, mr, 0.0)
        mean_mr = np.bincount(g, weights=mr_base, minlength=groups.n) / (n_base - 1)
    three = LIMIT_FACTOR * mean_mr
    two = three * 2.0 / 3.0
    mean[bad_group] = np.nan
    three[bad_group] = np.nan
    two[bad_group] = np.nan

    m_r = mean[g]
    upl = m_r + three[g]
    lpl = m_r - three[g]
    up2 = m_r + two[g]
    lo2 = m_r - two[g]

    with np.errstate(invalid="ignore"):
        out_hi = x > upl
        out_lo = x < lpl
        side = np.sign(x - m_r)
        side[bad] = 0
        shift_hi, shift_lo = _runs_by_side(side, pos, run)
        step = np.zeros(n_rows)
        step[1:] = np.sign(np.diff(x))
        step[(pos == 0) | bad] = 0
        trend_up, trend_down = _trends(step, pos, run)
        close_hi = (x > up2) & (x <= upl)
        close_lo = (x < lo2) & (x >= lpl)
    two_hi = _two_of_three(close_hi, side == 1, pos, size[g])
    two_lo = _two_of_three(close_lo, side == -1, pos, size[g])

    high = out_hi | shift_hi | trend_up | two_hi
    low = out_lo | shift_lo | trend_down | two_lo
    variation = _variation(high, low, x > m_r, polarity)
    variation[bad] = None

    target_g = _targets(frame, target, target_column, groups, keys)
    assurance_g = _assurance(target_g, mean - three, mean + three, polarity)
    assurance_g[bad_group] = None

    notes_g = np.full(groups.n, None, dtype=object)
    trial = ~bad_group & (n_base < recommended)
    for count in np.unique(n_base[trial]):  # one message per distinct count, not per group
        notes_g[trial & (n_base == count)] = (
            f"trial limits: based on {count} points ({recommended} recommended)"
        )

    table = frame.df.iloc[order][[*keys, period]].reset_index(drop=True)
    columns_out: dict[str, Any] = {
        "value": x,
        "moving_range": np.where(bad, np.nan, mr),
        "mean": m_r,
        "lower_process_limit": lpl,
        "upper_process_limit": upl,
        "lower_two_sigma": lo2,
        "upper_two_sigma": up2,
        "outside_limits": out_hi | out_lo,
        "shift": shift_hi | shift_lo,
        "trend": trend_up | trend_down,
        "two_of_three": two_hi | two_lo,
        "special_cause": high | low,
        "variation": pd.Series(variation, dtype=object),
        "target": target_g[g],
        "assurance": pd.Series(assurance_g[g], dtype=object),
        "note": pd.Series(notes_g[g], dtype=object),
        "suppressed": bad,
        "suppression_reason": pd.Series(suppression.reasons[g], dtype=object),
    }
    for name, column in columns_out.items():
        table[name] = column

    _warn_trial(groups, trial, n_base, recommended)
    suppression.warn(
        "spc",
        consequence=(
            "Their mean, limits, flags and icons are empty; see the suppression_reason column."
        ),
    )
    return StatResult(
        table=table,
        statistic="XmR statistical process control chart (Making Data Count)",
        method=f"XmR: mean -/+ {LIMIT_FACTOR} x mean moving range; runs of {run}",
        confidence=(),
        references=REFERENCES,
        kind=frame.kind,
        notes=(f"{groups.n} {'chart' if groups.n == 1 else 'charts'}, {n_rows} points",),
        parameters={
            "polarity": polarity,
            "target": target,
            "baseline": base,
            "run_length": run,
            "recommended_points": recommended,
        },
    )


def _period_order(frame: InputFrame, period: str, keys: list[str], groups: Groups) -> np.ndarray:
    """Row order sorted by group then period; structural problems with periods raise."""
    series = frame.df[period]
    missing = np.flatnonzero(series.isna().to_numpy())
    if missing.size:
        first = int(missing[0])
        raise InputError(
            f"period column {period!r} must not have empty cells; got {missing.size} "
            f"(first at {frame.describe_row(first, keys)}). Fill in or drop those rows."
        )
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("mixed", "mixed-integer"):
        types = sorted({type(v).__name__ for v in series})
        raise InputError(
            f"period column {period!r} must hold one kind of value that sorts in time order "
            f"(all numbers, all dates or all text); got a mix of {', '.join(types)}. "
            "Convert the column to one type, e.g. text such as '2024-03'."
        )
    try:
        rank, _ = pd.factorize(series, sort=True)
    except TypeError as exc:  # pragma: no cover - pandas sorts most single-type columns
        raise InputError(
            f"period column {period!r} must hold values that can be sorted; got {exc}. "
            "Convert the column to numbers, dates or text."
        ) from None
    order = np.lexsort((rank, groups.codes))
    same = (np.diff(groups.codes[order]) == 0) & (np.diff(rank[order]) == 0)
    if same.any():
        where = np.flatnonzero(same)
        row = int(order[where[0]])
        group = groups.describe(int(groups.codes[row]))
        raise InputError(
            f"period column {period!r} must have one row per period in each group; got "
            f"{where.size} repeated {'period' if where.size == 1 else 'periods'} (first: "
            f"{series.iloc[row]!s} twice in {group}). Sum or average the rows first, or add "
            "the column that tells them apart to group_by."
        )
    return order


def _runs_by_side(side: np.ndarray, pos: np.ndarray, run: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in runs of ``run`` or more equal non-zero signs (shift rule), per group."""
    n = side.size
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    starts = np.ones(n, dtype=bool)
    starts[1:] = (side[1:] != side[:-1]) | (pos[1:] == 0)
    run_id = np.cumsum(starts) - 1
    length = np.bincount(run_id)[run_id]
    long = length >= run
    return long & (side > 0), long & (side < 0)


def _trends(step: np.ndarray, pos: np.ndarray, run: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in ``run`` or more consecutive rises (or falls), per group.

    ``step[t]`` is the sign of x_t - x_(t-1) (0 at each group's first point). A trend of
    ``run`` points is ``run - 1`` equal non-zero steps in a row; it marks the point
    before the first step and every point after one.
    """
    n = step.size
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    starts = np.ones(n, dtype=bool)
    starts[1:] = (step[1:] != step[:-1]) | (pos[1:] == 0)
    run_id = np.cumsum(starts) - 1
    length = np.bincount(run_id)[run_id]
    long = length >= run - 1
    marks = []
    for direction in (1, -1):
        ends = long & (step == direction)  # points reached by a qualifying step
        before = np.zeros(n, dtype=bool)  # the point a qualifying step starts from
        before[:-1] = ends[1:] & (pos[1:] != 0)
        marks.append(ends | before)
    return marks[0], marks[1]


def _two_of_three(
    close: np.ndarray, same_side: np.ndarray, pos: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Points beyond a two-sigma line in a window of three consecutive points of one
    group, all on that side of the mean, at least two of them beyond the line."""
    n = close.size
    flagged = np.zeros(n, dtype=bool)
    if n < 3:
        return flagged
    # Window starting at i covers i, i+1, i+2 and must lie inside one group.
    fits = (pos[:-2] + 2) < size[:-2]
    sides = same_side[:-2] & same_side[1:-1] & same_side[2:]
    count = close[:-2].astype(int) + close[1:-1] + close[2:]
    window = fits & sides & (count >= 2)
    for k in range(3):  # point i + k belongs to the window starting at i
        flagged[k : n - 2 + k] |= window & close[k : n - 2 + k]
    return flagged


def _variation(high: np.ndarray, low: np.ndarray, above: np.ndarray, polarity: str) -> np.ndarray:
    """Making Data Count variation icon for each point."""
    out = np.full(high.size, COMMON_CAUSE, dtype=object)
    if polarity == "higher_is_better":
        out[low] = CONCERNING_LOW
        out[high] = IMPROVING_HIGH  # improvement wins a conflict, as in the Excel tool
    elif polarity == "lower_is_better":
        out[high] = CONCERNING_HIGH
        out[low] = IMPROVING_LOW
    else:
        out[high] = NEITHER_HIGH
        out[low] = NEITHER_LOW
        both = high & low  # a trend crossing the mean: say where the point lies
        out[both & above] = NEITHER_HIGH
    return out


def _targets(
    frame: InputFrame,
    target: float | str | None,
    column: str | None,
    groups: Groups,
    keys: list[str],
) -> np.ndarray:
    """One target per group (NaN for none)."""
    if target is None:
        return np.full(groups.n, np.nan)
    if column is None:
        if (
            isinstance(target, bool)
            or not isinstance(target, numbers.Real)
            or not np.isfinite(float(target))
        ):
            raise InputError(
                f"target must be a number or the name of a column; got {target!r}. "
                "Use e.g. target=92.5 or target='target_column'."
            )
        return np.full(groups.n, float(target))
    t = numeric_column(frame, column, "target", keys)
    require_finite(frame, t, column, "target", keys)
    has = ~np.isnan(t)
    low = np.full(groups.n, np.inf)
    high = np.full(groups.n, -np.inf)
    np.minimum.at(low, groups.codes[has], t[has])
    np.maximum.at(high, groups.codes[has], t[has])
    differs = np.flatnonzero(high > low)
    if differs.size:
        code = int(differs[0])
        raise InputError(
            f"target column {column!r} must hold one value per group; got different values "
            f"in {groups.describe(code)} ({low[code]:g} and {high[code]:g}). "
            "Give each group a single target."
        )
    return np.where(np.isfinite(low), low, np.nan)


def _assurance(target: np.ndarray, lpl: np.ndarray, upl: np.ndarray, polarity: str) -> np.ndarray:
    """Making Data Count assurance icon per group."""
    out = np.full(target.size, NO_TARGET, dtype=object)
    has = ~np.isnan(target)
    below = has & (target < lpl)  # every point is expected to be above the target
    above = has & (target > upl)
    out[has] = HIT_AND_MISS
    good_above, bad_above = (
        (CONSISTENTLY_MET, CONSISTENTLY_MISSED)
        if polarity == "higher_is_better"
        else (CONSISTENTLY_MISSED, CONSISTENTLY_MET)
    )
    out[below] = good_above
    out[above] = bad_above
    return out


def _warn_trial(groups: Groups, trial: np.ndarray, n_base: np.ndarray, recommended: int) -> None:
    if not trial.any():
        return
    first = int(np.flatnonzero(trial)[0])
    count = int(trial.sum())
    warnings.warn(
        f"spc: {count} of {groups.n} {'group has' if count == 1 else 'groups have'} limits "
        f"based on fewer than {recommended} points (first: {groups.describe(first)}, "
        f"{int(n_base[first])} points). Treat them as trial limits: Making Data Count "
        "recommends 15 to 20 points; see the note column.",
        MethodWarning,
        stacklevel=3,
    )
