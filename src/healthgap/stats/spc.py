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
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError, MethodWarning
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._validate import (
    RowChecks,
    no_reserved_names,
    numeric_column,
    one_of,
    require_finite,
    whole_number,
)
from healthgap.stats.benchmark import Polarity
from healthgap.stats.results import StatResult

#: Making Data Count's scaling constant: 3 / d2 with d2 = 1.128 for ranges of two points.
LIMIT_FACTOR = 2.66
#: Run length for the shift and trend rules in METHODS.md (the Single Chart Tool allows 6).
DEFAULT_RUN_LENGTH = 7
#: Fewer points than this give "trial" limits (Making Data Count recommends 15 to 20).
RECOMMENDED_POINTS = 15
#: Screening threshold: a moving range at or above 3.267 x mean moving range (the upper
#: range limit, D4 = 3.267 for ranges of two) is left out of the limits (Nelson 1982).
SCREEN_FACTOR = 3.267
#: Which icon a special-cause point gets (see :func:`_variation`).
ICON_PRIORITIES = ("improvement", "concern", "side_of_mean")

POLARITIES: tuple[str, ...] = tuple(p.value for p in Polarity)

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
NO_TRAJECTORY = "no trajectory"

#: Output columns besides the group and period columns, in order.
COLUMNS = (
    "phase",
    "value",
    "moving_range",
    "screened",
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
    "trajectory",
    "trajectory_assurance",
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
    "Nelson LS (1982). Control charts for individual measurements. Journal of Quality "
    "Technology 14(3):172-173 (screening moving ranges above 3.267 x their mean).",
    "Provost LP, Murray SK (2011). The Health Care Data Guide: Learning from Data for "
    "Improvement. Jossey-Bass, pp. 155, 192.",
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
    *,
    screen_outliers: bool = False,
    rebase: str | Sequence[Any] | Mapping[Any, Sequence[Any]] | None = None,
    trajectory: str | None = None,
    icon_priority: str = "improvement",
    on_invalid: str = "raise",
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
    priority = one_of(icon_priority, "icon_priority", ICON_PRIORITIES)
    if not isinstance(screen_outliers, bool | np.bool_):
        raise InputError(f"screen_outliers must be True or False; got {screen_outliers!r}.")
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    target_column = target if isinstance(target, str) else None
    phase_column = rebase if isinstance(rebase, str) else None
    extra_cols = {"target": target_column, "rebase": phase_column, "trajectory": trajectory}
    extra_given = {role: name for role, name in extra_cols.items() if name is not None}
    columns = [value, period, *keys, *extra_given.values()]
    roles = ["value", "period"] + ["group_by"] * len(keys) + list(extra_given)
    frame.require(columns, roles)
    reserved = [*COLUMNS]
    no_reserved_names(keys, [*reserved, period])
    if period in reserved:
        raise InputError(
            f"period column must not use an output column name; got {period!r}. "
            "Rename that column before calling."
        )
    for what, given in (("target", target), ("trajectory", trajectory)):
        if given is not None and polarity == "neutral":
            raise InputError(
                f"{what} must come with polarity 'higher_is_better' or 'lower_is_better'; got "
                f"polarity 'neutral' and {what}={given!r}. Assurance compares the {what} with "
                "the process limits in the direction of improvement; give a polarity or drop "
                f"the {what}."
            )
    checks = RowChecks(frame, keys, on_invalid)
    x_row = checks.numbers(value, "value", non_negative=False)

    groups = Groups.of(frame, keys)
    order = _period_order(frame, period, keys, groups)
    g = groups.codes[order]
    x = x_row[order]
    n_rows = x.size
    size = groups.size()
    g_start = np.concatenate(([0], np.cumsum(size)[:-1])).astype(np.intp)
    g_pos = np.arange(n_rows) - g_start[g]

    # Phases (rebasing): each (group, phase) is a chart segment with its own limits.
    new_phase = _phase_starts(frame, order, g, g_pos, period, rebase, phase_column, groups)
    seg = np.cumsum(new_phase | (g_pos == 0)) - 1
    n_seg = int(seg[-1]) + 1 if n_rows else 0
    seg_size = np.bincount(seg, minlength=n_seg)
    seg_start = np.concatenate(([0], np.cumsum(seg_size)[:-1])).astype(np.intp)
    pos = np.arange(n_rows) - seg_start[seg]
    seg_group = g[seg_start] if n_rows else np.zeros(0, dtype=np.intp)
    phase = seg - np.concatenate(([0], np.cumsum(np.bincount(seg_group, minlength=groups.n))))[g]

    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(groups.any(np.isnan(x_row)), "value is missing")
    suppression.flag(size < 2, "fewer than 2 periods")
    short_phase = np.zeros(groups.n, dtype=bool)
    short_phase[seg_group[seg_size < 2]] = True
    suppression.flag(short_phase, "a phase has fewer than 2 periods")
    bad_group = suppression.mask
    bad = bad_group[g]
    bad_seg = bad_group[seg_group]

    # Centre line and moving ranges from the baseline periods of each phase (all by default).
    n_base = np.minimum(seg_size, base) if base is not None else seg_size
    in_base = pos < n_base[seg]
    first = x[np.minimum(seg_start, n_rows - 1)] if n_rows else np.zeros(n_seg)
    # Mean as first value + mean deviation from it: a constant series gives its value
    # exactly, so no point of a flat series is ever "above" or "below" its own mean.
    dev = np.where(in_base & ~bad, x - first[seg], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = first + np.bincount(seg, weights=dev, minlength=n_seg) / n_base
        mr = np.full(n_rows, np.nan)
        mr[1:] = np.abs(np.diff(x))
        mr[pos == 0] = np.nan
        used = in_base & (pos > 0) & ~bad
        mean_mr = np.bincount(seg, weights=np.where(used, mr, 0.0), minlength=n_seg) / (n_base - 1)
        screened = np.zeros(n_rows, dtype=bool)
        if screen_outliers:
            # Leave out moving ranges at or above 3.267 x their mean, once (Nelson 1982).
            limit = SCREEN_FACTOR * mean_mr[seg]
            screened = used & ~(mr < limit) & (limit > 0)
            kept = used & ~screened
            mean_mr = np.bincount(
                seg, weights=np.where(kept, mr, 0.0), minlength=n_seg
            ) / np.bincount(seg, weights=kept.astype(float), minlength=n_seg)
    three = LIMIT_FACTOR * mean_mr
    two = three * 2.0 / 3.0
    mean[bad_seg] = np.nan
    three[bad_seg] = np.nan
    two[bad_seg] = np.nan

    m_r = mean[seg]
    upl = m_r + three[seg]
    lpl = m_r - three[seg]
    up2 = m_r + two[seg]
    lo2 = m_r - two[seg]

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
    two_hi = _two_of_three(close_hi, side == 1, pos, seg_size[seg])
    two_lo = _two_of_three(close_lo, side == -1, pos, seg_size[seg])

    high = out_hi | shift_hi | trend_up | two_hi
    low = out_lo | shift_lo | trend_down | two_lo
    variation = _variation(high, low, side, polarity, priority)
    variation[bad] = None

    # Assurance: the target (and the trajectory's latest value) against the limits of
    # each group's latest phase.
    last_row = g_start + size - 1
    last_seg = seg[np.minimum(last_row, n_rows - 1)] if n_rows else np.zeros(0, np.intp)
    lpl_g = mean[last_seg] - three[last_seg]
    upl_g = mean[last_seg] + three[last_seg]
    target_g = _targets(frame, target, target_column, groups, keys)
    assurance_g = _assurance(target_g, lpl_g, upl_g, polarity)
    assurance_g[bad_group] = None
    if trajectory is not None:
        traj_row = numeric_column(frame, trajectory, "trajectory", keys)
        require_finite(frame, traj_row, trajectory, "trajectory", keys)
        traj = traj_row[order]
        traj_assurance_g = _assurance(traj[last_row], lpl_g, upl_g, polarity)
        traj_assurance_g[traj_assurance_g == NO_TARGET] = NO_TRAJECTORY
    else:
        traj = np.full(n_rows, np.nan)
        traj_assurance_g = np.full(groups.n, NO_TRAJECTORY, dtype=object)
    traj_assurance_g[bad_group] = None

    notes_g = np.full(groups.n, None, dtype=object)
    n_base_last = n_base[last_seg] if n_rows else np.zeros(groups.n, dtype=np.intp)
    trial = ~bad_group & (n_base_last < recommended)
    for count in np.unique(n_base_last[trial]):  # one message per distinct count
        notes_g[trial & (n_base_last == count)] = (
            f"trial limits: based on {count} points ({recommended} recommended)"
        )

    table = frame.df.iloc[order][[*keys, period]].reset_index(drop=True)
    columns_out: dict[str, Any] = {
        "phase": phase + 1,
        "value": x,
        "moving_range": np.where(bad, np.nan, mr),
        "screened": screened,
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
        "trajectory": traj,
        "trajectory_assurance": pd.Series(traj_assurance_g[g], dtype=object),
        "note": pd.Series(notes_g[g], dtype=object),
        "suppressed": bad,
        "suppression_reason": pd.Series(suppression.reasons[g], dtype=object),
    }
    for name, column in columns_out.items():
        table[name] = column

    _warn_trial(groups, trial, n_base_last, recommended)
    suppression.warn(
        "spc",
        consequence=(
            "Their mean, limits, flags and icons are empty; see the suppression_reason column."
        ),
    )
    method = f"XmR: mean -/+ {LIMIT_FACTOR} x mean moving range; runs of {run}"
    if screen_outliers:
        method += f"; moving ranges of {SCREEN_FACTOR} x their mean or more screened out"
    return StatResult(
        table=table,
        statistic="XmR statistical process control chart (Making Data Count)",
        method=method,
        confidence=(),
        references=REFERENCES,
        kind=frame.kind,
        notes=(
            f"{groups.n} {'chart' if groups.n == 1 else 'charts'}, {n_rows} points"
            + (f", {n_seg} phases" if n_seg != groups.n else ""),
        ),
        parameters={
            "polarity": polarity,
            "target": target,
            "baseline": base,
            "run_length": run,
            "recommended_points": recommended,
            "screen_outliers": bool(screen_outliers),
            "rebase": rebase if not isinstance(rebase, Mapping) else dict(rebase),
            "trajectory": trajectory,
            "icon_priority": priority,
        },
    )


def _phase_starts(
    frame: InputFrame,
    order: np.ndarray,
    g: np.ndarray,
    g_pos: np.ndarray,
    period: str,
    rebase: Any,
    phase_column: str | None,
    groups: Groups,
) -> np.ndarray:
    """True for each (sorted) row that starts a new phase after the first."""
    n = order.size
    starts = np.zeros(n, dtype=bool)
    if rebase is None or n == 0:
        return starts
    if phase_column is not None:
        codes, _ = pd.factorize(frame.df[phase_column].iloc[order], use_na_sentinel=True)
        if (codes < 0).any():
            row = int(order[int(np.flatnonzero(codes < 0)[0])])
            raise InputError(
                f"rebase column {phase_column!r} must name a phase on every row; got an empty "
                f"cell at {frame.describe_row(row)}. Fill in the phase (e.g. 'before', "
                "'after')."
            )
        starts[1:] = (codes[1:] != codes[:-1]) & (g_pos[1:] != 0)
        return starts
    periods = frame.df[period].iloc[order].reset_index(drop=True)
    if isinstance(rebase, Mapping):
        by_group = {_group_key(k): list(v) for k, v in rebase.items()}
        labels = [_group_key(groups.describe(i)) for i in range(groups.n)]
        if groups.columns:
            labels = [_group_key(tuple(groups.keys.iloc[i])) for i in range(groups.n)]
        unknown = set(by_group) - set(labels)
        if unknown:
            raise InputError(
                f"rebase must name groups that are in the data; got {sorted(map(str, unknown))}. "
                f"Use the group values as keys, e.g. {{{labels[0]!r}: ['2024-04-01']}}."
            )
        wanted = [by_group.get(label, []) for label in labels]
    else:
        if isinstance(rebase, str | bytes) or not isinstance(rebase, Sequence | np.ndarray):
            raise InputError(
                f"rebase must be a column name, a list of periods, or a mapping of group to "
                f"periods; got {rebase!r}. Use e.g. rebase=['2024-04-01']."
            )
        wanted = [list(rebase)] * groups.n
    found: set[int] = set()
    for code, dates in enumerate(wanted):
        if not dates:
            continue
        values = _as_periods(dates, periods, period)
        rows = np.flatnonzero(g == code)
        mine = periods.iloc[rows]
        for i, d in enumerate(values):
            hit = (mine == d).to_numpy()
            if hit.any():
                found.add(i)
                starts[rows[hit]] = True
            elif isinstance(rebase, Mapping):
                raise InputError(
                    f"rebase periods must be periods of the chart; got {dates[i]!r}, which "
                    f"is not a {period!r} of {groups.describe(code)}. Give the first period "
                    "of each new phase exactly as it is written in the data."
                )
    if not isinstance(rebase, Mapping):
        unused = [d for i, d in enumerate(rebase) if i not in found]
        if unused:
            raise InputError(
                f"rebase periods must be periods of the chart; got {unused[0]!r}, which is "
                f"not a {period!r} of any group. Give the first period of each new phase "
                "exactly as it is written in the data."
            )
    starts &= g_pos != 0  # a rebase at a chart's first period changes nothing
    return starts


def _as_periods(values: Sequence[Any], periods: pd.Series, period: str) -> list[Any]:
    """Rebase periods in the period column's own type (text from a command line, too)."""
    if pd.api.types.is_datetime64_any_dtype(periods):
        try:
            return list(pd.to_datetime(pd.Series(list(values))))
        except (ValueError, TypeError):
            raise InputError(
                f"rebase periods must be dates like the {period!r} column; got {values!r}. "
                "Write them as e.g. '2024-04-01'."
            ) from None
    if pd.api.types.is_numeric_dtype(periods):
        converted = pd.to_numeric(pd.Series(list(values)), errors="coerce")
        return [c if not np.isnan(c) else v for c, v in zip(converted, values, strict=True)]
    return [str(v) if not isinstance(v, str) else v for v in values]


def _group_key(key: Any) -> Any:
    if isinstance(key, tuple) and len(key) == 1:
        return key[0]
    return key


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


def _variation(
    high: np.ndarray, low: np.ndarray, side: np.ndarray, polarity: str, priority: str
) -> np.ndarray:
    """Making Data Count variation icon for each point.

    ``high``/``low`` say which way the rules that marked a point point. A point marked
    both ways (a trend crossing the mean) is resolved by ``priority``: ``"improvement"``
    (the Making Data Count Excel tool), ``"concern"``, or ``"side_of_mean"``, which ignores
    the rules' directions and names every special-cause point by the side of the mean it
    lies on, as NHSRplotthedots does (a point on the mean counts as the bad side).
    """
    out = np.full(high.size, COMMON_CAUSE, dtype=object)
    special = high | low
    if priority == "side_of_mean":
        high = special & (side > 0)
        low = special & ~(side > 0)
    if polarity == "neutral":
        out[high] = NEITHER_HIGH
        out[low] = NEITHER_LOW
        both = high & low  # a trend crossing the mean: say where the point lies
        out[both & (side > 0)] = NEITHER_HIGH
        return out
    good, bad = (high, low) if polarity == "higher_is_better" else (low, high)
    good_icon, bad_icon = (
        (IMPROVING_HIGH, CONCERNING_LOW)
        if polarity == "higher_is_better"
        else (IMPROVING_LOW, CONCERNING_HIGH)
    )
    if priority == "concern":
        out[good] = good_icon
        out[bad] = bad_icon
    else:
        out[bad] = bad_icon
        out[good] = good_icon  # improvement wins a conflict, as in the Excel tool
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
