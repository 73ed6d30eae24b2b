"""The gap between two areas of a ranking: absolute difference and ratio, with limits.

For example the gap in healthy life expectancy between the highest and the lowest region:
the two are picked within each group (``group_by``, e.g. sex and period) and compared by
their difference (normal limits, standard errors combined in quadrature) and their ratio
(limits on the log scale).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError, MethodWarning
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

HIGHEST = "highest"
LOWEST = "lowest"

FIRST = "first"
SECOND = "second"
FIRST_VALUE = "first_value"
SECOND_VALUE = "second_value"
DIFFERENCE = "difference"
RATIO = "ratio"

REFERENCES = (
    "Altman DG, Bland JM (2003). Interaction revisited: the difference between two "
    "estimates. BMJ 326:219 (difference of independent estimates, SEs in quadrature; "
    "ratios on the log scale).",
    "Office for National Statistics. Health state life expectancies, UK: methodology "
    "(95% confidence intervals of HLE; comparing two areas).",
    "Schlotheuber A, Hosseinpoor AR (2022). Summary measures of health inequality: a "
    "review of existing measures and their application. IJERPH 19(6):3697 (difference D and "
    "ratio R between two subgroups).",
)


def _pick(
    codes: np.ndarray,
    y: np.ndarray,
    label_rank: np.ndarray,
    n_groups: int,
    how: str,
) -> np.ndarray:
    """Row index of the highest or lowest value in each group (-1 for an empty group).

    Ties go to the first label in sorted order for ``"highest"`` and the last for
    ``"lowest"``, so a group of two or more equal values still compares two rows.
    """
    picked = np.full(n_groups, -1, dtype=np.intp)
    if codes.size == 0:
        return picked
    if how == HIGHEST:  # np.lexsort: the last key sorts first
        order = np.lexsort((label_rank, -y, codes))
    else:
        order = np.lexsort((-label_rank, y, codes))
    sorted_codes = codes[order]
    first_of_group = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    chosen = order[first_of_group]
    picked[codes[chosen]] = chosen
    return picked


def _find(codes: np.ndarray, matches: np.ndarray, n_groups: int) -> np.ndarray:
    """Row index of the row that matches in each group (-1 where none does)."""
    picked = np.full(n_groups, -1, dtype=np.intp)
    rows = np.flatnonzero(matches)
    picked[codes[rows]] = rows
    return picked


def _compare(compare: Any, labels: pd.Series, by: str) -> tuple[Any, Any]:
    if isinstance(compare, str) or not isinstance(compare, Sequence | tuple) or len(compare) != 2:
        raise InputError(
            f"compare must be a pair such as ('highest', 'lowest') or two {by} labels; got "
            f"{compare!r}. Use e.g. compare=('South East', 'North East')."
        )
    first, second = compare
    if first == second:
        raise InputError(
            f"compare must name two different things; got {compare!r}. Use e.g. "
            "compare=('highest', 'lowest')."
        )
    present = set(labels.dropna().tolist())
    by_text = {str(v): v for v in present}
    chosen = []
    for item in (first, second):
        if item in (HIGHEST, LOWEST) or item in present:
            chosen.append(item)
        elif str(item) in by_text:  # e.g. "10" from the command line for the number 10
            chosen.append(by_text[str(item)])
        else:
            shown = ", ".join(map(repr, sorted(by_text)[:8]))
            raise InputError(
                f"compare label {item!r} must be a value of the {by} column or 'highest' or "
                f"'lowest'; got a label that is not in the data (it has {shown}"
                f"{' ...' if len(present) > 8 else ''}). Check the spelling."
            )
    return chosen[0], chosen[1]


def gap(
    data: Any,
    value: str,
    by: str,
    group_by: str | Sequence[str] | None = None,
    lower: str | None = None,
    upper: str | None = None,
    se: str | None = None,
    compare: tuple[Any, Any] = (HIGHEST, LOWEST),
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    on_invalid: str = "raise",
) -> StatResult:
    """Absolute and relative gap between two members of a ranking, with limits.

    Within each group, the rows are the members of a ranking named by ``by`` (e.g. the
    regions). ``compare`` picks two of them: ``"highest"`` and ``"lowest"`` value (the
    default), or explicit labels of ``by``. With values y1 (first) and y2 (second) and
    standard errors s1, s2:

    * difference = y1 - y2, limits difference -/+ z sqrt(s1^2 + s2^2);
    * ratio = y1 / y2, limits exp(ln(ratio) -/+ z sqrt(t1^2 + t2^2)) where t is the
      standard error of ln(y).

    Standard errors come from ``se`` (t = se / y, the delta method) or from 95% limits:
    s = (U - L) / (2 x 1.959964) and t = (ln U - ln L) / (2 x 1.959964). The two
    estimates are treated as independent (no covariance).

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per member and group.
    value:
        Column of the values (e.g. healthy life expectancy in years).
    by:
        Column naming the members ranked within each group (e.g. ``"area_name"``).
    group_by:
        Column(s) defining separate rankings (e.g. ``["sex", "period"]``).
    lower, upper, se:
        Either ``se`` or ``lower`` and ``upper`` (95% confidence limits).
    compare:
        ``(first, second)``: each ``"highest"``, ``"lowest"`` or a label of ``by``.
        ``"highest"``/``"lowest"`` are chosen by value; ties go to the first (highest) or
        last (lowest) label in sorted order.
    confidence:
        One level or several, as proportions (0.95) or percentages (95); default (0.95, 0.998).

    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text or infinite values, negative standard
        errors and lower limits above upper limits raise, or suppress their group with the
        reason (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``first``, ``first_value``, ``second``,
        ``second_value``, ``difference`` and its limits (``difference_lower_95_0``, ...),
        ``ratio`` and its limits, ``suppressed`` and ``suppression_reason``.

    Notes
    -----
    Choosing the highest and lowest by their point values favours members whose estimates
    happen to be high or low by chance: with many similar members the gap is biased
    upwards and its limits, which treat the pair as fixed, are too narrow.

    Suppression: a group is suppressed (NaN, a reason, one ``SuppressionWarning``) when it
    has fewer than two rows, lacks a named label, would compare a member with itself (e.g.
    ``("London", "lowest")`` where London is lowest), or a value or standard error (limit)
    it needs is missing (for ``"highest"``/``"lowest"`` every value in the group is needed).
    The ratio needs positive values (and, from limits, a positive lower limit): otherwise
    it is NaN and one ``MethodWarning`` says so.

    References
    ----------
    Altman DG, Bland JM (2003), BMJ 326:219; ONS health state life expectancies
    methodology; Schlotheuber & Hosseinpoor (2022), IJERPH 19:3697.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"region": ["North East", "London", "South East"],
    ...                    "hle": [59.33, 63.34, 65.42],
    ...                    "lower": [58.78, 62.88, 65.01], "upper": [59.88, 63.81, 65.83]})
    >>> out = healthgap.gap(df, "hle", by="region", lower="lower", upper="upper",
    ...                     confidence=0.95).to_frame()
    >>> out[["first", "second", "difference", "difference_lower_95_0"]].round(3)
            first      second  difference  difference_lower_95_0
    0  South East  North East        6.09                  5.404
    """
    levels = confidence_levels(confidence)
    if se is not None and (lower is not None or upper is not None):
        raise InputError(
            f"se must not be combined with lower/upper; got se={se!r} and "
            f"{'lower' if lower is not None else 'upper'}="
            f"{lower if lower is not None else upper!r}. Pass either the standard error "
            "column or the two 95% limit columns."
        )
    if se is None and (lower is None or upper is None):
        if lower is None and upper is None:
            raise InputError(
                "se, or lower and upper, must be given; got neither. Pass se='se' (standard "
                "errors) or lower='lower_95' and upper='upper_95' (95% confidence limits)."
            )
        given, name = ("lower", lower) if lower is not None else ("upper", upper)
        raise InputError(
            f"lower and upper must be given together; got only {given}={name!r}. Pass both "
            "95% limit columns, or se."
        )

    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    needed = [value, by] + ([se] if se is not None else [lower, upper])
    roles = ["value", "by"] + (["se"] if se is not None else ["lower", "upper"])
    frame.require(
        [*(c for c in needed if c is not None), *keys], [*roles, *(["group_by"] * len(keys))]
    )
    if by in keys:
        raise InputError(
            f"group_by must not include the by column {by!r}; got group_by={keys}. The by "
            "column names the members compared within each group."
        )
    reserved = [FIRST, SECOND, FIRST_VALUE, SECOND_VALUE, DIFFERENCE, RATIO, col.VALUE]
    reserved += [col.SUPPRESSED, col.SUPPRESSION_REASON]
    for c in levels:
        reserved += [col.lower(c), col.upper(c)]
        reserved += [col.lower(c, "difference_"), col.upper(c, "difference_")]
        reserved += [col.lower(c, "ratio_"), col.upper(c, "ratio_")]
    no_reserved_names(keys, reserved)

    labels = frame.df[by]
    first_spec, second_spec = _compare(compare, labels, by)
    missing_label = np.flatnonzero(labels.isna().to_numpy())
    if missing_label.size:
        raise InputError(
            f"by column {by!r} must name every row; got {missing_label.size} empty (first "
            f"at {frame.describe_row(int(missing_label[0]), keys)}). Drop or label those rows."
        )

    checks = RowChecks(frame, keys, on_invalid)
    y = checks.numbers(value, "value", non_negative=False)
    if se is not None:
        s_row = checks.numbers(se, "se")
        with np.errstate(divide="ignore", invalid="ignore"):
            t_row = np.where(y > 0, s_row / y, np.nan)
    else:
        assert lower is not None and upper is not None
        lo, hi = checks.limits(lower, upper)
        s_row = intervals.se_from_limits(lo, hi, 0.95)
        positive = lo > 0
        log_lo, log_hi = np.log(np.where(positive, lo, 1.0)), np.log(np.where(positive, hi, 1.0))
        t_row = np.where(positive, intervals.se_from_limits(log_lo, log_hi, 0.95), np.nan)

    groups = Groups.of(frame, keys)
    codes = groups.codes
    # Duplicate members within a group make "which row" ambiguous: structural.
    label_codes, label_rank = np.unique(labels.astype(str).to_numpy(), return_inverse=True)
    pair = codes.astype(np.int64) * len(label_codes) + label_rank
    uniq, counts = np.unique(pair, return_counts=True)
    if (counts > 1).any():
        dup = int(uniq[np.argmax(counts > 1)])
        g, lab = divmod(dup, len(label_codes))
        raise InputError(
            f"each {by} must appear once per group; got {int(counts.max())} rows for "
            f"{label_codes[lab]!r} in {groups.describe(g)}. Remove duplicate rows, or add the "
            "column that tells them apart to group_by."
        )

    size = groups.size()
    value_missing = groups.any(np.isnan(y))
    y_rank = np.where(np.isnan(y), -np.inf, y)

    def choose(spec: Any) -> np.ndarray:
        if spec in (HIGHEST, LOWEST):
            return _pick(codes, y_rank, label_rank, groups.n, spec)
        return _find(codes, (labels == spec).to_numpy(), groups.n)

    i1 = choose(first_spec)
    i2 = choose(second_spec)
    ranked = first_spec in (HIGHEST, LOWEST) or second_spec in (HIGHEST, LOWEST)

    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(size < 2, "fewer than 2 rows to compare")
    for spec, idx in ((first_spec, i1), (second_spec, i2)):
        if spec not in (HIGHEST, LOWEST):
            suppression.flag(idx < 0, f"{spec} is not in this group")
    if ranked:
        suppression.flag(value_missing, "value is missing")
    suppression.flag((i1 == i2) & (i1 >= 0), "first and second are the same member")
    safe1 = np.where(i1 < 0, 0, i1)
    safe2 = np.where(i2 < 0, 0, i2)
    y1, y2 = y[safe1], y[safe2]
    s1, s2 = s_row[safe1], s_row[safe2]
    t1, t2 = t_row[safe1], t_row[safe2]
    suppression.flag(np.isnan(y1) | np.isnan(y2), "value is missing")
    reason = "standard error is missing" if se is not None else "confidence limits are missing"
    suppression.flag(np.isnan(s1) | np.isnan(s2), reason)

    ok = ~suppression.mask
    difference = y1 - y2
    se_diff = np.sqrt(s1 * s1 + s2 * s2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_ok = ok & (y1 > 0) & (y2 > 0) & ~np.isnan(t1) & ~np.isnan(t2)
        log_ratio = np.where(ratio_ok, np.log(np.where(ratio_ok, y1 / y2, 1.0)), np.nan)
        se_log = np.sqrt(t1 * t1 + t2 * t2)
    limits = {}
    extra: dict[str, np.ndarray] = {RATIO: np.exp(log_ratio)}
    for c in levels:
        z = intervals.z_value(c)
        limits[c] = (difference - z * se_diff, difference + z * se_diff)
        extra[col.lower(c, "ratio_")] = np.exp(log_ratio - z * se_log)
        extra[col.upper(c, "ratio_")] = np.exp(log_ratio + z * se_log)
    for arr in extra.values():
        suppression.apply(arr)

    label_values = labels.to_numpy(dtype=object)
    first_label = label_values[safe1]
    second_label = label_values[safe2]
    first_label[~ok] = None
    second_label[~ok] = None
    y1_out = np.where(ok, y1, np.nan)
    y2_out = np.where(ok, y2, np.nan)
    table = assemble(
        groups,
        {FIRST: first_label, FIRST_VALUE: y1_out, SECOND: second_label, SECOND_VALUE: y2_out},
        difference,
        limits,
        suppression,
        extra=extra,
    )
    renames = {col.VALUE: DIFFERENCE}
    for c in levels:
        renames[col.lower(c)] = col.lower(c, "difference_")
        renames[col.upper(c)] = col.upper(c, "difference_")
    table = table.rename(columns=renames)

    no_ratio = ok & ~ratio_ok
    if no_ratio.any():
        bad_groups = np.flatnonzero(no_ratio)
        warnings.warn(
            f"gap: the ratio is not defined for {bad_groups.size} of {groups.n} groups "
            f"(first: {groups.describe(int(bad_groups[0]))}) because a value or lower limit "
            "is 0 or negative; their ratio and its limits are NaN. The difference is "
            "unaffected.",
            MethodWarning,
            stacklevel=2,
        )
    suppression.warn("gap")

    def words(spec: Any) -> str:
        return f"the {spec} value" if spec in (HIGHEST, LOWEST) else repr(spec)

    note = (
        f"difference = first - second and ratio = first / second, where first is "
        f"{words(first_spec)} and second {words(second_spec)} in each group (by {by!r})."
    )
    notes: tuple[str, ...] = (note,)
    if ranked:
        notes += (
            "The highest/lowest are picked by their point values; the limits treat the pair "
            "as fixed, so with many similar members the gap is biased upwards and its limits "
            "are too narrow.",
        )
    return StatResult(
        table=table,
        statistic=f"Gap between {words(first_spec)} and {words(second_spec)}",
        method=(
            "Difference with normal limits (standard errors combined in quadrature); ratio "
            "with limits on the log scale"
        ),
        confidence=levels,
        references=REFERENCES,
        notes=notes,
        kind=frame.kind,
        parameters={"by": by, "compare": (first_spec, second_spec)},
    )
